"""Scheduled work: APScheduler ticks that sweep what is due from the database (reminders),
and a channel-neutral rate limiter."""

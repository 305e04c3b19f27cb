"""Scheduled work: the reminder engine, its APScheduler jobs, and a channel-neutral rate limiter."""

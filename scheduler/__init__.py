"""Scheduled jobs: APScheduler ticks that sweep what is due from the database."""

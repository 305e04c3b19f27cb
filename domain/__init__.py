"""Domain rules and services: periods, units, plans, reports, status, reminders, import, export.

Nothing here imports a chat library, aiohttp or APScheduler.
"""

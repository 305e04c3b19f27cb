"""APScheduler 3 jobs driving the reminder engine; the database, not the job store, is the truth."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping
from typing import Any

from apscheduler.executors.asyncio import AsyncIOExecutor
from apscheduler.jobstores.memory import MemoryJobStore
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from domain.deps import Deps
from domain.workdays import load_calendar, years_missing_holidays
from handlers.outbound import Outbound
from handlers.remind import set_nudger
from scheduler.engine import ReminderEngine, TickReport

log = logging.getLogger("dondoc.scheduler")

TICK_JOB = "dondoc.reminders.tick"
CALENDAR_JOB = "dondoc.workdays.check"


class ReminderScheduler:
    """Fixed jobs: the reminder tick every minute, and a daily holiday-calendar check."""

    def __init__(self, engine: ReminderEngine, *, interval: dt.timedelta | None = None) -> None:
        self.engine = engine
        self.interval = interval or dt.timedelta(minutes=1)
        self.scheduler = AsyncIOScheduler(
            jobstores={"default": MemoryJobStore()},
            executors={"default": AsyncIOExecutor()},
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 60},
            timezone=engine.tz,
        )
        self.last_report: TickReport | None = None
        self.failures = 0

    async def run_tick(self) -> bool:
        """One tick; any error (a database outage) is logged and the next tick retries."""
        try:
            report = await self.engine.tick()
        except Exception:
            self.failures += 1
            log.exception("reminder tick failed; the next tick retries")
            return False
        self.last_report = report
        if report.claimed or report.skipped_slots:
            log.info(
                "reminder tick: %d sent, %d failed, %d unreachable, %d points skipped",
                report.sent,
                report.failed,
                report.unreachable,
                report.skipped_slots,
            )
        return True

    async def check_calendar(self) -> list[int]:
        """Warn when this or next year's holidays are missing (from October on)."""
        try:
            async with self.engine.db.read() as session:
                cal = await load_calendar(session)
        except Exception:
            log.exception("holiday calendar check failed")
            return []
        today = self.engine.clock.now().astimezone(self.engine.tz).date()
        missing = years_missing_holidays(cal, today)
        for year in missing:
            log.warning(
                "no public holidays recorded for %d: add them with `dondoc holiday add`", year
            )
        return missing

    def start(self) -> None:
        """Register the jobs (explicit ids, replace_existing) and start; needs a running loop."""
        self.scheduler.add_job(
            self.run_tick,
            IntervalTrigger(seconds=max(1, int(self.interval.total_seconds()))),
            id=TICK_JOB,
            name="reminder tick",
            replace_existing=True,
            coalesce=True,
            max_instances=1,
            next_run_time=dt.datetime.now(self.engine.tz),
        )
        self.scheduler.add_job(
            self.check_calendar,
            CronTrigger(hour=7, minute=0, timezone=self.engine.tz),
            id=CALENDAR_JOB,
            name="holiday calendar check",
            replace_existing=True,
            coalesce=True,
            max_instances=1,
        )
        if not self.scheduler.running:
            self.scheduler.start()

    def shutdown(self) -> None:
        """Stop the jobs; a tick in progress is left to finish on its own."""
        set_nudger(None)
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)


def start_reminders(
    deps: Deps, outbounds: Mapping[str, Outbound], **engine_options: Any
) -> ReminderScheduler:
    """Composition-root hook for `dondoc run`: start the jobs and enable /remind."""
    engine = ReminderEngine(deps.db, deps.clock, deps.tz, outbounds, **engine_options)
    service = ReminderScheduler(engine)
    service.start()
    set_nudger(engine)
    return service

"""APScheduler 3 jobs driving the reminder engine; the database, not the job store, is the truth."""

from __future__ import annotations

import asyncio
import contextlib
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
from handlers.remind import NudgeRequest, set_nudger
from locales import DEFAULT_LOCALE, t
from scheduler.engine import ReminderEngine, TickReport
from scheduler.lock import SenderLock

log = logging.getLogger("dondoc.scheduler")

TICK_JOB = "dondoc.reminders.tick"
HANDED_OVER_JOB = "dondoc.reminders.handed_over"
CALENDAR_JOB = "dondoc.workdays.check"


class ReminderScheduler:
    """Fixed jobs: the reminder tick every minute, and a daily holiday-calendar check."""

    def __init__(
        self,
        engine: ReminderEngine,
        *,
        interval: dt.timedelta | None = None,
        lock: SenderLock | None = None,
        hand_over_interval: dt.timedelta = dt.timedelta(seconds=2),
        locale: str = DEFAULT_LOCALE,
    ) -> None:
        self.engine = engine
        self.locale = locale  # of the lines an office sees in the terminal or the journal
        self.lock = lock
        self.interval = interval or dt.timedelta(minutes=1)
        self.hand_over_interval = hand_over_interval
        self._tick_task: asyncio.Task[bool] | None = None
        self._handed_task: asyncio.Task[None] | None = None
        self.scheduler = AsyncIOScheduler(
            jobstores={"default": MemoryJobStore()},
            executors={"default": AsyncIOExecutor()},
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 60},
            timezone=engine.tz,
        )
        self.last_report: TickReport | None = None
        self.failures = 0

    async def run_tick(self) -> bool:
        """One tick in a task of its own, which stopping the scheduler does not cancel."""
        if self.engine.stopping:
            return True
        self._tick_task = asyncio.create_task(self._tick())
        return await asyncio.shield(self._tick_task)

    async def _tick(self) -> bool:
        """One tick; any error (a database outage) is logged and the next tick retries."""
        try:
            if self.lock is not None and not await self.lock.acquire():
                return True  # another process sends the reminders
            report = await self.engine.tick()
        except Exception as exc:
            self.failures += 1
            # One line for the office (a database outage repeats every tick); details at DEBUG.
            cause = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            log.warning(t("cli.scheduler.tick_failed", self.locale, cause=cause))
            log.debug("reminder tick failed", exc_info=True)
            return False
        self.last_report = report
        if report.states or report.skipped_slots:
            log.info(
                t(
                    "cli.scheduler.tick",
                    self.locale,
                    sent=report.sent,
                    failed=report.failed,
                    unreachable=report.unreachable,
                    given_up=report.given_up,
                    unfinished=report.unfinished,
                    skipped=report.skipped_slots,
                )
            )
        return True

    async def nudge(self, request: NudgeRequest) -> None:
        """/remind: sent from here if this process is the sender, else handed over to it, so
        that every process's sends share the one per-bot flood budget."""
        sender = self.lock is None or await self.lock.acquire()
        await self.engine.nudge(request, hand_over=not sender)

    async def run_handed_over(self) -> None:
        """Send what other processes' /remind left pending (the sender only); a task of its
        own, like the tick."""
        if self.engine.stopping:
            return
        self._handed_task = asyncio.create_task(self._handed_over())
        await asyncio.shield(self._handed_task)

    async def _handed_over(self) -> None:
        try:
            if self.lock is not None and not await self.lock.acquire():
                return
            report = await self.engine.send_handed_over()
        except Exception as exc:
            cause = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            log.warning(t("cli.scheduler.tick_failed", self.locale, cause=cause))
            log.debug("sending handed-over reminders failed", exc_info=True)
            return
        if report.states:
            log.info(t("cli.scheduler.handed_over", self.locale, sent=report.sent))

    async def check_calendar(self) -> list[int]:
        """Warn when this or next year's holidays are missing (from October on)."""
        try:
            async with self.engine.db.read() as session:
                cal = await load_calendar(session)
        except Exception:
            log.warning("holiday calendar check failed", exc_info=True)
            return []
        today = self.engine.clock.now().astimezone(self.engine.tz).date()
        missing = years_missing_holidays(cal, today)
        for year in missing:
            log.warning(t("cli.holiday.only_computed", self.locale, year=year))
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
            self.run_handed_over,
            IntervalTrigger(seconds=max(0.5, self.hand_over_interval.total_seconds())),
            id=HANDED_OVER_JOB,
            name="reminders handed over by other processes",
            replace_existing=True,
            coalesce=True,
            max_instances=1,
        )
        self.scheduler.add_job(
            self.check_calendar,
            CronTrigger(hour=7, minute=0, timezone=self.engine.tz),
            id=CALENDAR_JOB,
            name="holiday calendar check",
            replace_existing=True,
            coalesce=True,
            max_instances=1,
            next_run_time=dt.datetime.now(self.engine.tz),  # also at start: the office sees it
        )
        if not self.scheduler.running:
            self.scheduler.start()

    def shutdown(self) -> None:
        """Stop the jobs at once; a tick in progress is left to finish on its own."""
        set_nudger(None)
        self.engine.stopping = True
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)

    async def stop(self, grace: float = 6.0) -> None:
        """Graceful stop: no new delivery is taken, the sends in flight finish and are recorded
        (within `grace` seconds), then the sender lock is released for another process."""
        self.shutdown()
        tasks = [t for t in (self._tick_task, self._handed_task) if t is not None and not t.done()]
        if tasks:
            try:
                async with asyncio.timeout(grace):
                    await asyncio.shield(asyncio.gather(*tasks, return_exceptions=True))
            except TimeoutError:
                log.warning("reminder sends still in flight after %.0fs: cancelled", grace)
                for task in tasks:
                    task.cancel()
                for task in tasks:
                    with contextlib.suppress(BaseException):
                        await task
        if self.lock is not None:
            await self.lock.release()


def start_reminders(
    deps: Deps,
    outbounds: Mapping[str, Outbound],
    *,
    lease_seconds: float = 60.0,
    grace_hours: float = 12.0,
    tick_seconds: float = 60.0,
    **engine_options: Any,
) -> ReminderScheduler:
    """Composition-root hook for `dondoc run`: start the jobs and enable /remind.

    Only the process holding the sender lock runs the reminder ticks. A delivery's lease
    (`DONDOC_REMINDER_LEASE_SECONDS`, read by `bot.settings`) bounds how long a dead sender's
    message in flight waits before it is offered again; a tick waits that long (plus a little)
    for such deliveries rather than leaving them to a later tick. `grace_hours`
    (`DONDOC_REMINDER_GRACE_HOURS`) is how late a missed reminder point is still sent.
    """
    engine_options.setdefault("grace", dt.timedelta(hours=grace_hours))
    engine_options.setdefault("lease", dt.timedelta(seconds=lease_seconds))
    engine_options.setdefault("linger", lease_seconds + 5.0)
    engine = ReminderEngine(deps.db, deps.clock, deps.tz, outbounds, **engine_options)
    interval = dt.timedelta(seconds=tick_seconds)
    service = ReminderScheduler(
        engine,
        interval=interval,
        lock=SenderLock(deps.db, deps.default_locale),
        locale=deps.default_locale,
    )
    service.start()
    set_nudger(service)
    return service

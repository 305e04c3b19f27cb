"""The reminder engine: each tick works out from the database what is due and delivers it once.

Delivery is at-most-once. A delivery is claimed by inserting its row in `reminder_deliveries`
(unique key: plan, period, unit, member, reminder point, channel) and committing *before* the
message is sent; the outcome is recorded afterwards. Whoever inserts the row sends the message,
so two processes on one database never both send it, and a restart never sends it again. A crash
between the claim and the send loses that message (its row stays `claimed`); claims are made in
small batches to keep that window short. Once every delivery of a reminder point has been
claimed, a marker row for the point is written so later ticks skip the point without planning it.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import os
import socket
import time
import zoneinfo
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, cast

from sqlalchemy import Table, bindparam, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from db.database import Database
from db.models import Plan, ReminderDelivery
from domain.clock import Clock
from domain.membership import mark_unreachable
from domain.periods import period_by_key
from domain.registry import rule_specs
from domain.reminders import MANUAL, Recipient, Reminder, Slot, build_reminders, plan_slots
from domain.workdays import deadline_calendar, load_calendar
from handlers.messages import RecipientUnreachable, Reply, RetryLater, SendError
from handlers.outbound import Outbound
from handlers.remind import NudgeRequest, outcome_text, render
from locales import t

log = logging.getLogger("dondoc.reminders")

SENT = "sent"
FAILED = "failed"
UNREACHABLE = "unreachable"
SKIPPED = "skipped"
CLAIMED = "claimed"
DONE = "done"  # marker: every delivery of the point was claimed


@dataclass
class TickReport:
    """What one tick did."""

    slots: int = 0
    deliveries: int = 0  # due deliveries found (claimed here or elsewhere)
    claimed: int = 0
    sent: int = 0
    failed: int = 0
    unreachable: int = 0
    skipped_slots: int = 0  # older than the grace window
    planning_seconds: float = 0.0
    errors: list[str] = field(default_factory=list)
    states: dict[str, str] = field(default_factory=dict)  # delivery key -> state, this process

    def add(self, other: TickReport) -> None:
        """Fold another report's counts into this one."""
        self.slots += other.slots
        self.deliveries += other.deliveries
        self.claimed += other.claimed
        self.sent += other.sent
        self.failed += other.failed
        self.unreachable += other.unreachable
        self.skipped_slots += other.skipped_slots
        self.errors.extend(other.errors)
        self.states.update(other.states)


@dataclass
class Delivery:
    """One message to one chat."""

    reminder: Reminder
    recipient: Recipient

    @property
    def key(self) -> str:
        """The unique delivery key."""
        return self.reminder.delivery_key(self.recipient)


@dataclass
class _Outcome:
    state: str
    attempts: int
    error: str | None = None


@dataclass
class DueWork:
    """What a tick found: reminders within the grace window, and points too old to send."""

    fresh: list[tuple[Sequence[Slot], list[Reminder]]]
    stale: list[Slot]
    planning_seconds: float


def _insert_for(db: Database) -> Any:
    if db.is_postgres:
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        return pg_insert
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    return sqlite_insert


class ReminderEngine:
    """Works out due reminders and delivers each exactly once per key."""

    def __init__(
        self,
        db: Database,
        clock: Clock,
        tz: zoneinfo.ZoneInfo,
        outbounds: Mapping[str, Outbound],
        *,
        grace: dt.timedelta = dt.timedelta(hours=12),
        skip_log_window: dt.timedelta = dt.timedelta(hours=24),
        instance: str | None = None,
        concurrency: int = 16,
        claim_batch: int = 100,
        max_attempts: int = 4,
        backoff: float = 1.0,
        max_wait: float = 60.0,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.db = db
        self.clock = clock
        self.tz = tz
        self.outbounds = dict(outbounds)
        self.grace = grace
        self.skip_log_window = skip_log_window
        self.instance = instance or f"{socket.gethostname()}:{os.getpid()}:{id(self):x}"
        self.concurrency = concurrency
        self.claim_batch = claim_batch
        self.max_attempts = max_attempts
        self.backoff = backoff
        self.max_wait = max_wait
        self._sleep = sleep

    # ---- planning -------------------------------------------------------------------------

    async def due_work(self, now: dt.datetime) -> DueWork:
        """Reminders due at `now` whose points were not fully handled yet."""
        started = time.perf_counter()
        first = now - self.grace - self.skip_log_window
        cutoff = now - self.grace
        fresh: list[tuple[Sequence[Slot], list[Reminder]]] = []
        stale: list[Slot] = []
        async with self.db.read() as session:
            cal = await load_calendar(session)
            plans = (
                await session.execute(select(Plan).where(Plan.active.is_(True)).order_by(Plan.id))
            ).scalars()
            for plan in list(plans):
                slots = await plan_slots(session, plan, self.tz, first, now, cal=cal)
                if not slots:
                    continue
                handled = await self._existing(session, [s.marker_key for s in slots])
                slots = [s for s in slots if s.marker_key not in handled]
                stale.extend(s for s in slots if s.at < cutoff)
                live = [s for s in slots if s.at >= cutoff]
                if live:
                    outcome = await build_reminders(session, plan, self.tz, live, now)
                    fresh.append((live, outcome.reminders))
        return DueWork(fresh, stale, time.perf_counter() - started)

    @staticmethod
    async def _existing(session: AsyncSession, keys: Sequence[str]) -> set[str]:
        found: set[str] = set()
        for i in range(0, len(keys), 500):
            rows = await session.execute(
                select(ReminderDelivery.key).where(ReminderDelivery.key.in_(keys[i : i + 500]))
            )
            found.update(rows.scalars())
        return found

    # ---- the tick -------------------------------------------------------------------------

    async def tick(self) -> TickReport:
        """One sweep: plan, claim, send, record. Database errors propagate (the tick fails)."""
        now = self.clock.now()
        work = await self.due_work(now)
        report = TickReport(planning_seconds=work.planning_seconds)
        if work.stale:
            await self._mark_slots(work.stale, SKIPPED, now)
            for slot in work.stale:
                log.warning(
                    "reminder point skipped, older than the grace window: plan=%s period=%s "
                    "point=%s scheduled=%s",
                    slot.plan_id,
                    slot.period_key,
                    slot.point,
                    slot.at.isoformat(),
                )
            report.skipped_slots = len(work.stale)
        for slots, reminders in work.fresh:
            report.slots += len(slots)
            report.add(await self.deliver(reminders, now))
            await self._mark_slots(slots, DONE, now)
        return report

    async def deliver(self, reminders: Sequence[Reminder], now: dt.datetime) -> TickReport:
        """Claim and send every delivery of these reminders (used by ticks and /remind).

        A pipeline: the claimer inserts one batch of rows ahead of the senders, so sending
        does not pause at batch boundaries; outcomes are recorded batch by batch. A crash loses
        at most the claimed batches not yet sent (two at most), never sends anything twice.
        """
        report = TickReport()
        deliveries = [Delivery(r, rec) for r in reminders for rec in r.recipients]
        report.deliveries = len(deliveries)
        if not deliveries:
            return report
        today = self.clock.now().astimezone(self.tz).date()
        queue: asyncio.Queue[Delivery | None] = asyncio.Queue(maxsize=self.claim_batch)
        pending: list[tuple[Delivery, _Outcome]] = []
        workers = max(1, self.concurrency)

        async def flush() -> None:
            batch = pending[:]
            pending.clear()
            if batch:
                await self._record([d for d, _ in batch], [o for _, o in batch])

        async def claimer() -> None:
            for i in range(0, len(deliveries), self.claim_batch):
                claimed = await self._claim(deliveries[i : i + self.claim_batch], now)
                report.claimed += len(claimed)
                for d in claimed:
                    await queue.put(d)
            for _ in range(workers):
                await queue.put(None)

        async def sender() -> None:
            while (d := await queue.get()) is not None:
                outcome = await self._send_one(d, today)
                pending.append((d, outcome))
                report.states[d.key] = outcome.state
                if outcome.state == SENT:
                    report.sent += 1
                elif outcome.state == UNREACHABLE:
                    report.unreachable += 1
                else:
                    report.failed += 1
                if len(pending) >= self.claim_batch:
                    await flush()

        try:
            async with asyncio.TaskGroup() as group:
                group.create_task(claimer())
                for _ in range(workers):
                    group.create_task(sender())
        except BaseExceptionGroup as group_error:
            # Surface the first real error (a database outage) rather than the group.
            raise group_error.exceptions[0] from group_error
        await flush()
        return report

    async def _claim(self, batch: Sequence[Delivery], now: dt.datetime) -> list[Delivery]:
        """Insert the rows; the ones this process inserted are its to send."""
        if not batch:
            return []
        rows = [
            {
                "key": d.key,
                "plan_id": d.reminder.slot.plan_id,
                "period_key": d.reminder.slot.period_key,
                "unit_id": d.reminder.unit_id,
                "member_id": d.recipient.member_id,
                "channel": d.recipient.channel,
                "kind": d.reminder.kind,
                "point": d.reminder.slot.point,
                "scheduled_at": d.reminder.slot.at,
                "state": CLAIMED,
                "claimed_by": self.instance[:64],
                "claimed_at": now,
                "attempts": 0,
            }
            for d in batch
        ]
        insert = _insert_for(self.db)
        stmt = (
            insert(ReminderDelivery)
            .values(rows)
            .on_conflict_do_nothing(index_elements=["key"])
            .returning(ReminderDelivery.key)
        )
        async with self.db.transaction() as session:
            won = set((await session.execute(stmt)).scalars())
        return [d for d in batch if d.key in won]

    async def _mark_slots(self, slots: Sequence[Slot], state: str, now: dt.datetime) -> None:
        if not slots:
            return
        rows = [
            {
                "key": s.marker_key,
                "plan_id": s.plan_id,
                "period_key": s.period_key,
                "unit_id": None,
                "member_id": None,
                "channel": "*",
                "kind": s.kind,
                "point": s.point,
                "scheduled_at": s.at,
                "state": state,
                "claimed_by": self.instance[:64],
                "claimed_at": now,
                "attempts": 0,
            }
            for s in slots
        ]
        insert = _insert_for(self.db)
        async with self.db.transaction() as session:
            await session.execute(
                insert(ReminderDelivery).values(rows).on_conflict_do_nothing(index_elements=["key"])
            )

    # ---- sending --------------------------------------------------------------------------

    async def _send_one(self, d: Delivery, today: dt.date) -> _Outcome:
        outbound = self.outbounds.get(d.recipient.channel)
        if outbound is None:
            return _Outcome(FAILED, 0, f"channel {d.recipient.channel} is not configured")
        reply = render(d.reminder, d.recipient.locale, today)
        attempt = 0
        while True:
            attempt += 1
            try:
                await outbound.send(d.recipient.chat_id, reply)
                return _Outcome(SENT, attempt)
            except RecipientUnreachable as exc:
                return _Outcome(UNREACHABLE, attempt, str(exc)[:500] or "unreachable")
            except RetryLater as exc:
                if attempt >= self.max_attempts:
                    return _Outcome(FAILED, attempt, f"rate limited: {exc}"[:500])
                await self._sleep(min(max(exc.retry_after, 0.0), self.max_wait))
            except (SendError, OSError, TimeoutError) as exc:
                if attempt >= self.max_attempts:
                    return _Outcome(FAILED, attempt, f"{type(exc).__name__}: {exc}"[:500])
                await self._sleep(min(self.backoff * 2 ** (attempt - 1), self.max_wait))
            except Exception as exc:
                log.exception("unexpected error sending reminder %s", d.key)
                return _Outcome(FAILED, attempt, f"{type(exc).__name__}: {exc}"[:500])

    async def _record(self, claimed: Sequence[Delivery], outcomes: Sequence[_Outcome]) -> None:
        if not claimed:
            return
        now = self.clock.now()
        table = cast("Table", ReminderDelivery.__table__)
        params = [
            {
                "k": d.key,
                "st": o.state,
                "sent": now if o.state == SENT else None,
                "att": o.attempts,
                "err": o.error,
            }
            for d, o in zip(claimed, outcomes, strict=True)
        ]
        stmt = (
            update(table)
            .where(table.c.key == bindparam("k"))
            .values(
                state=bindparam("st"),
                sent_at=bindparam("sent"),
                attempts=bindparam("att"),
                error=bindparam("err"),
            )
        )
        async with self.db.transaction() as session:
            await session.execute(stmt, params)
            for d, o in zip(claimed, outcomes, strict=True):
                if o.state == UNREACHABLE:
                    await mark_unreachable(
                        session, d.recipient.channel, d.recipient.chat_id, now, o.error or ""
                    )
                    log.info(
                        "recipient unreachable: member=%s channel=%s",
                        d.recipient.member_id,
                        d.recipient.channel,
                    )
                elif o.state == FAILED:
                    log.warning("reminder not delivered: %s (%s)", d.key, o.error)

    # ---- on demand (/remind) -----------------------------------------------------------------

    async def nudge(self, request: NudgeRequest) -> None:
        """Send manual reminders now and tell the requester the outcome."""
        try:
            text = await self._nudge(request)
        except Exception:
            log.exception("on-demand reminder failed")
            text = t("reminders.remind.error", request.locale)
        outbound = self.outbounds.get(request.channel)
        if outbound is None:
            return
        try:
            await outbound.send(request.chat_id, Reply(text))
        except SendError as exc:
            log.warning("could not tell the office how /remind went: %s", exc)

    async def _nudge(self, request: NudgeRequest) -> str:
        now = self.clock.now()
        async with self.db.read() as session:
            plan = await session.get(Plan, request.plan_id)
            if plan is None:
                return t("reminders.remind.expired", request.locale)
            rules = await rule_specs(session, plan.id)
            cal = await deadline_calendar(session, plan.keep_written_deadlines)
            period = period_by_key(rules, request.period_key, plan.cutoff_mode, cal)
            if period is None:
                return t("reminders.remind.expired", request.locale)
            day = now.astimezone(self.tz).date()
            slot = Slot(plan.id, MANUAL, day, now, period.due, period=period)
            outcome = await build_reminders(
                session, plan, self.tz, [slot], now, only_units=request.unit_ids
            )
        report = await self.deliver(outcome.reminders, now)
        failed: list[str] = []
        for rem in outcome.reminders:
            keys = [rem.delivery_key(r) for r in rem.recipients]
            mine = [report.states[k] for k in keys if k in report.states]
            if not keys or (len(mine) == len(keys) and SENT not in mine):
                failed.append(rem.unit_name or "")
        return outcome_text(
            request.locale,
            units=len(outcome.reminders),
            sent=report.sent,
            failed_units=failed,
            already=report.deliveries - report.claimed,
        )

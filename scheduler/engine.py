"""The reminder engine: each tick works out from the database what is due and delivers it.

Delivery is at-least-once with bounded duplicates. Every delivery has a row in
`reminder_deliveries` under a unique key (plan, period, unit, member, reminder point, channel),
inserted `pending`. A sender takes a row with a *lease* just before the HTTP call (one
conditional UPDATE: `sending`, owner, `lease_until`), sends, and records the outcome at once:
`sent` (with the channel's message id), `unreachable`, `failed` (a permanent error, with the
reason) or `given_up` (transient errors for `max_attempts` tries). A row still `sending` after
its lease ended belongs to a sender that died between the lease and the record: it is offered
again, and counted as one try of unknown outcome; so is a send that timed out. A delivery with
two tries of unknown outcome is given up rather than sent a third time, so a message reaches a
chat at most twice, and twice only when an outcome was unknown. A reminder point is marked done
only when every delivery of it has an outcome.
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
from dataclasses import dataclass, field, replace
from typing import Any, cast

from sqlalchemy import Table, and_, bindparam, case, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from tenacity import AsyncRetrying, RetryCallState, retry_if_exception

from bot.retrying import RetryPolicy
from db.database import Database
from db.models import Plan, ReminderDelivery
from domain.clock import Clock
from domain.membership import mark_unreachable
from domain.periods import period_by_key
from domain.registry import rule_specs
from domain.reminders import MANUAL, Recipient, Reminder, Slot, build_reminders, plan_slots
from domain.workdays import deadline_calendar, load_calendar
from handlers.messages import OutcomeUnknown, RecipientUnreachable, Reply, RetryLater, SendError
from handlers.outbound import Outbound
from handlers.remind import NudgeRequest, outcome_text, render
from locales import t

log = logging.getLogger("dondoc.reminders")

PENDING = "pending"
SENDING = "sending"
SENT = "sent"
FAILED = "failed"
UNREACHABLE = "unreachable"
GIVEN_UP = "given_up"
SKIPPED = "skipped"
CLAIMED = "claimed"  # rows written before leases (migration 0005): outcome never recorded
DONE = "done"  # marker: every delivery of the point has an outcome
OUTCOMES = frozenset({SENT, FAILED, UNREACHABLE, GIVEN_UP, CLAIMED})
# Tries of unknown outcome after which a delivery is given up instead of sent again.
MAX_UNKNOWN = 2


@dataclass
class TickReport:
    """What one tick did."""

    slots: int = 0
    deliveries: int = 0  # due deliveries found (created here or earlier)
    claimed: int = 0  # delivery rows this process created
    sent: int = 0
    failed: int = 0
    unreachable: int = 0
    given_up: int = 0
    unfinished: int = 0  # deliveries left without an outcome (leased elsewhere, retry later)
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
        self.given_up += other.given_up
        self.unfinished += other.unfinished
        self.skipped_slots += other.skipped_slots
        self.errors.extend(other.errors)
        self.states.update(other.states)

    def count(self, state: str) -> None:
        """Count one recorded outcome."""
        if state == SENT:
            self.sent += 1
        elif state == UNREACHABLE:
            self.unreachable += 1
        elif state == GIVEN_UP:
            self.given_up += 1
        elif state == FAILED:
            self.failed += 1


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
    message_id: str | None = None
    unknown: int = 0
    next_at: dt.datetime | None = None  # state PENDING: try again from then


@dataclass
class _Tries:
    """Counters of one delivery's sends within a lease."""

    attempt: int
    unknown: int
    limited: int = 0
    error: str | None = None


def _failure(state: RetryCallState) -> BaseException:
    exc = state.outcome.exception() if state.outcome is not None else None
    if exc is None:  # pragma: no cover - tenacity waits only after a failed try
        raise RuntimeError("no failed try")
    return exc


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


_TABLE = cast("Table", ReminderDelivery.__table__)
_C = _TABLE.c
# Take a delivery for one send: a pending row that is due, or a row whose lease ended without
# an outcome (that try's outcome is unknown: counted). Only one sender's UPDATE matches.
_LEASE = (
    update(_TABLE)
    .where(
        _C.key == bindparam("k"),
        or_(
            and_(
                _C.state == PENDING,
                or_(_C.next_at.is_(None), _C.next_at <= bindparam("now")),
            ),
            and_(_C.state == SENDING, _C.lease_until < bindparam("now")),
        ),
    )
    .values(
        state=SENDING,
        claimed_by=bindparam("owner"),
        lease_until=bindparam("until"),
        unknown=_C.unknown + case((_C.state == SENDING, 1), else_=0),
    )
    .returning(_C.attempts, _C.unknown)
)
# Record what happened, unless the lease was lost to another sender meanwhile.
_RECORD = (
    update(_TABLE)
    .where(_C.key == bindparam("k"), _C.state == SENDING, _C.claimed_by == bindparam("owner"))
    .values(
        state=bindparam("st"),
        sent_at=bindparam("sent"),
        attempts=bindparam("att"),
        error=bindparam("err"),
        message_id=bindparam("mid"),
        unknown=bindparam("unk"),
        next_at=bindparam("next"),
        lease_until=None,
    )
)
# A try timed out: remember it before trying again, so a crash cannot hide it.
_NOTE_UNKNOWN = (
    update(_TABLE)
    .where(_C.key == bindparam("k"), _C.state == SENDING, _C.claimed_by == bindparam("owner"))
    .values(unknown=bindparam("unk"), attempts=bindparam("att"))
)


class ReminderEngine:
    """Works out due reminders and delivers each one (twice only after an unknown outcome)."""

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
        lease: dt.timedelta = dt.timedelta(seconds=60),
        linger: float = 0.0,
        hand_over_wait: float = 120.0,
        hand_over_poll: float = 0.5,
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
        # Backoff between tries of one delivery: the shared policy, without jitter (the
        # flood budget already spreads the senders out).
        self.policy = RetryPolicy(
            attempts=max_attempts, base_delay=backoff, max_delay=max_wait, jitter=0.0
        )
        self.lease = lease
        # Seconds a delivery run waits for deliveries leased by a dead sender or retried later
        # (0: leave them to the next tick).
        self.linger = linger
        # A /remind handled by a process that is not the sender: how long it waits for the
        # sender's outcomes before answering with what is known.
        self.hand_over_wait = hand_over_wait
        self.hand_over_poll = hand_over_poll
        self._sleep = sleep
        # Set on shutdown: senders take no new delivery; the ones in flight are recorded.
        self.stopping = False

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
        """One sweep: plan, send, record. Database errors propagate (the tick fails)."""
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
            if self.stopping:
                break
            report.slots += len(slots)
            part = await self.deliver(reminders, now)
            report.add(part)
            if part.unfinished == 0 and not self.stopping:
                await self._mark_slots(slots, DONE, now)
        return report

    async def deliver(self, reminders: Sequence[Reminder], now: dt.datetime) -> TickReport:
        """Create the delivery rows, then send every one without an outcome (ticks, /remind).

        Rows are created `pending` in batches; each send takes its row's lease just before the
        HTTP call and records the outcome right after it, so a crash leaves at most the sends in
        flight without an outcome. `report.unfinished` counts the deliveries still without one
        (leased by another sender, or to be retried later).
        """
        report = TickReport()
        by_key = {d.key: d for d in (Delivery(r, rec) for r in reminders for rec in r.recipients)}
        report.deliveries = len(by_key)
        if not by_key:
            return report
        report.claimed = len(await self._create(list(by_key.values()), now))
        today = self.clock.now().astimezone(self.tz).date()
        started = time.monotonic()
        while not self.stopping:
            ready, waiting = await self._open(list(by_key), self.clock.now())
            if ready:
                await self._send_all([by_key[k] for k in ready], today, report)
                continue
            if not waiting:
                break
            wait = (min(waiting) - self.clock.now()).total_seconds()
            if self.linger <= 0 or time.monotonic() - started + wait > self.linger:
                break
            await self._sleep(max(wait, 0.05))
        open_now, waiting = await self._open(list(by_key), self.clock.now())
        report.unfinished = len(open_now) + len(waiting)
        return report

    async def _create(self, deliveries: Sequence[Delivery], now: dt.datetime) -> list[str]:
        """Insert the rows not there yet; returns the keys this call created."""
        created: list[str] = []
        insert = _insert_for(self.db)
        for i in range(0, len(deliveries), 500):
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
                    "state": PENDING,
                    "claimed_by": "",
                    "claimed_at": now,
                    "attempts": 0,
                    "unknown": 0,
                }
                for d in deliveries[i : i + 500]
            ]
            stmt = (
                insert(ReminderDelivery)
                .values(rows)
                .on_conflict_do_nothing(index_elements=["key"])
                .returning(ReminderDelivery.key)
            )
            async with self.db.transaction() as session:
                created.extend((await session.execute(stmt)).scalars().all())
        return created

    async def _open(
        self, keys: Sequence[str], now: dt.datetime
    ) -> tuple[list[str], list[dt.datetime]]:
        """Deliveries without an outcome: the keys to send now, and when the others free up."""
        ready: list[str] = []
        waiting: list[dt.datetime] = []
        async with self.db.read() as session:
            for i in range(0, len(keys), 500):
                rows = await session.execute(
                    select(_C.key, _C.state, _C.lease_until, _C.next_at).where(
                        _C.key.in_(keys[i : i + 500]), _C.state.in_((PENDING, SENDING))
                    )
                )
                for key, state, lease_until, next_at in rows:
                    at = lease_until if state == SENDING else next_at
                    if at is not None and at.tzinfo is None:
                        at = at.replace(tzinfo=dt.UTC)
                    if at is None or at <= now if state == PENDING else at < now:
                        ready.append(key)
                    elif at is not None:
                        waiting.append(at)
        return ready, waiting

    async def _send_all(
        self, batch: Sequence[Delivery], today: dt.date, report: TickReport
    ) -> None:
        queue: asyncio.Queue[Delivery] = asyncio.Queue()
        for d in batch:
            queue.put_nowait(d)

        async def sender() -> None:
            while not self.stopping and not queue.empty():
                d = queue.get_nowait()
                outcome = await self._send_one(d, today)
                if outcome is None:
                    continue  # another sender has it
                report.states[d.key] = outcome.state
                report.count(outcome.state)

        try:
            async with asyncio.TaskGroup() as group:
                for _ in range(max(1, min(self.concurrency, len(batch)))):
                    group.create_task(sender())
        except BaseExceptionGroup as group_error:
            # Surface the first real error (a database outage) rather than the group.
            raise group_error.exceptions[0] from group_error

    async def _lease(self, key: str) -> tuple[int, int] | None:
        """Take the delivery's lease; (tries so far, tries of unknown outcome), or None."""
        now = self.clock.now()
        params = {"k": key, "now": now, "owner": self.instance[:64], "until": now + self.lease}
        async with self.db.transaction() as session:
            row = (await session.execute(_LEASE, params)).first()
        return None if row is None else (int(row[0]), int(row[1]))

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
                "unknown": 0,
            }
            for s in slots
        ]
        insert = _insert_for(self.db)
        async with self.db.transaction() as session:
            await session.execute(
                insert(ReminderDelivery).values(rows).on_conflict_do_nothing(index_elements=["key"])
            )
            if state == SKIPPED:
                # What was never sent for a point past the grace window will not be now.
                for s in slots:
                    await session.execute(
                        update(_TABLE)
                        .where(
                            _C.plan_id == s.plan_id,
                            _C.period_key == s.period_key,
                            _C.point == s.point,
                            _C.channel != "*",
                            _C.state == PENDING,
                        )
                        .values(state=GIVEN_UP, error="older than the grace window")
                    )

    # ---- sending --------------------------------------------------------------------------

    async def _send_one(self, d: Delivery, today: dt.date) -> _Outcome | None:
        """Lease, send (retrying within the lease), record; None when another sender has it."""
        outbound = self.outbounds.get(d.recipient.channel)
        reserve = getattr(outbound, "reserve", None)
        if reserve is not None:
            # The flood budget first, so the lease is taken right before the HTTP call.
            await reserve(d.recipient.chat_id)
        if self.stopping:
            return None
        leased = await self._lease(d.key)
        if leased is None:
            return None
        attempts, unknown = leased
        if outbound is None:
            outcome = _Outcome(FAILED, attempts, f"channel {d.recipient.channel} is not configured")
        elif unknown >= MAX_UNKNOWN:
            outcome = _Outcome(
                GIVEN_UP, attempts, "outcome of two tries unknown: may have been delivered"
            )
        else:
            outcome = await self._attempts(d, outbound, today, attempts, unknown)
        outcome.unknown = max(outcome.unknown, unknown)
        await self._record(d, outcome)
        return outcome

    async def _attempts(
        self, d: Delivery, outbound: Outbound, today: dt.date, attempts: int, unknown: int
    ) -> _Outcome:
        """Send within the lease, retrying per the shared policy (`bot.retrying`, tenacity).

        A 429 counts less than an error (up to `3 * max_attempts` of them); a try of unknown
        outcome is recorded before the next one, and a second one ends the delivery; a retry
        that would fall after the lease (or during shutdown) goes back to `pending`.
        """
        reply = render(d.reminder, d.recipient.locale, today)
        lease_end = self.clock.now() + self.lease - dt.timedelta(seconds=5)
        tries = _Tries(attempts, unknown)

        def wait_for(exc: BaseException) -> float:
            if isinstance(exc, RetryLater):
                return min(max(exc.retry_after, 0.0), self.max_wait)
            return self.policy.delay(tries.attempt)

        def retryable(exc: BaseException) -> bool:
            return (
                isinstance(exc, SendError | OSError | TimeoutError)
                and not isinstance(exc, RecipientUnreachable)
                and not self._final(tries)
            )

        def leave(state: RetryCallState) -> bool:
            exc = state.outcome.exception() if state.outcome is not None else None
            wait = wait_for(exc) if exc is not None else 0.0
            return self.stopping or self.clock.now() + dt.timedelta(seconds=wait) > lease_end

        async def once() -> str | None:
            tries.attempt += 1
            if tries.attempt > attempts + 1:
                reserve = getattr(outbound, "reserve", None)
                if reserve is not None:
                    await reserve(d.recipient.chat_id)
            try:
                message_id = await outbound.send(d.recipient.chat_id, reply)
            except (OutcomeUnknown, TimeoutError) as exc:
                tries.unknown += 1
                tries.error = f"outcome unknown: {type(exc).__name__}: {exc}"[:500]
                if tries.unknown < MAX_UNKNOWN:
                    await self._note_unknown(d.key, tries.unknown, tries.attempt)
                raise
            except RetryLater as exc:
                # A flood limit is not the message's failure: it gets more tries than errors.
                tries.error = f"rate limited: {exc}"[:500]
                tries.limited += 1
                if tries.limited < 3 * self.max_attempts:
                    tries.attempt -= 1
                raise
            except (SendError, OSError) as exc:
                if not isinstance(exc, RecipientUnreachable):
                    tries.error = f"{type(exc).__name__}: {exc}"[:500]
                raise
            return None if message_id is None else str(message_id)[:64]

        retrying = AsyncRetrying(
            retry=retry_if_exception(retryable),
            stop=leave,
            wait=lambda state: wait_for(_failure(state)),
            sleep=self._sleep,
            reraise=True,
        )
        try:
            mid: str | None = await retrying(once)
        except RecipientUnreachable as exc:
            return _Outcome(
                UNREACHABLE, tries.attempt, str(exc)[:500] or "unreachable", None, tries.unknown
            )
        except (SendError, OSError, TimeoutError) as exc:
            if self._final(tries):
                return _Outcome(GIVEN_UP, tries.attempt, tries.error, None, tries.unknown)
            # Not within this lease: back to pending, for this or a later run.
            retry_at = self.clock.now() + dt.timedelta(seconds=wait_for(exc))
            return _Outcome(
                PENDING, tries.attempt, tries.error, None, tries.unknown, next_at=retry_at
            )
        except Exception as exc:
            log.exception("unexpected error sending reminder %s", d.key)
            return _Outcome(
                FAILED, tries.attempt, f"{type(exc).__name__}: {exc}"[:500], None, tries.unknown
            )
        return _Outcome(SENT, tries.attempt, message_id=mid, unknown=tries.unknown)

    def _final(self, tries: _Tries) -> bool:
        """No try left: two of unknown outcome, or `max_attempts`."""
        return tries.unknown >= MAX_UNKNOWN or tries.attempt >= self.max_attempts

    async def _note_unknown(self, key: str, unknown: int, attempts: int) -> None:
        params = {"k": key, "owner": self.instance[:64], "unk": unknown, "att": attempts}
        async with self.db.transaction() as session:
            await session.execute(_NOTE_UNKNOWN, params)

    async def _record(self, d: Delivery, o: _Outcome) -> None:
        now = self.clock.now()
        params = {
            "k": d.key,
            "owner": self.instance[:64],
            "st": o.state,
            "sent": now if o.state == SENT else None,
            "att": o.attempts,
            "err": o.error,
            "mid": o.message_id,
            "unk": o.unknown,
            "next": o.next_at,
        }
        async with self.db.transaction() as session:
            await session.execute(_RECORD, params)
            if o.state == UNREACHABLE:
                await mark_unreachable(
                    session, d.recipient.channel, d.recipient.chat_id, now, o.error or ""
                )
                log.info(
                    "recipient unreachable: member=%s channel=%s",
                    d.recipient.member_id,
                    d.recipient.channel,
                )
            elif o.state in (FAILED, GIVEN_UP):
                log.warning("reminder not delivered (%s): %s (%s)", o.state, d.key, o.error)

    # ---- on demand (/remind) -----------------------------------------------------------------

    async def nudge(self, request: NudgeRequest, *, hand_over: bool = False) -> None:
        """Send manual reminders now and tell the requester the outcome.

        `hand_over`: this process is not the reminder sender; the delivery rows are created
        `pending` and the sender sends them (`send_handed_over`) within the one flood budget,
        while this process waits (bounded) to tell the requester what happened.
        """
        try:
            text = await self._nudge(request, hand_over)
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

    async def _manual_reminders(
        self,
        session: AsyncSession,
        plan_id: int,
        period_key: str,
        day: dt.date,
        at: dt.datetime,
        units: Sequence[int] | None,
        now: dt.datetime,
    ) -> list[Reminder] | None:
        """The manual reminders of one plan's period to the units (None: every one owing);
        None when the plan or period no longer exists."""
        plan = await session.get(Plan, plan_id)
        if plan is None:
            return None
        rules = await rule_specs(session, plan.id)
        cal = await deadline_calendar(session, plan.keep_written_deadlines)
        period = period_by_key(rules, period_key, plan.cutoff_mode, cal)
        if period is None:
            return None
        slot = Slot(plan.id, MANUAL, day, at, period.due, period=period)
        outcome = await build_reminders(session, plan, self.tz, [slot], now, only_units=units)
        return outcome.reminders

    async def _nudge(self, request: NudgeRequest, hand_over: bool = False) -> str:
        now = self.clock.now()
        day = now.astimezone(self.tz).date()
        async with self.db.read() as session:
            reminders = await self._manual_reminders(
                session, request.plan_id, request.period_key, day, now, request.unit_ids, now
            )
        if reminders is None:
            return t("reminders.remind.expired", request.locale)
        deliveries = [Delivery(r, rec) for r in reminders for rec in r.recipients]
        created = set(await self._create(deliveries, now))
        if hand_over:
            await self._await_outcomes(sorted(created))
        else:
            await self.deliver(reminders, now)
        states = await self._states(sorted(created))
        failed: list[str] = []
        for rem in reminders:
            keys = [rem.delivery_key(r) for r in rem.recipients]
            mine = [states.get(k) for k in keys if k in created]
            if not keys or (
                len(mine) == len(keys) and all(s in OUTCOMES for s in mine) and SENT not in mine
            ):
                failed.append(rem.unit_name or "")
        return outcome_text(
            request.locale,
            units=len(reminders),
            sent=sum(1 for k in created if states.get(k) == SENT),
            failed_units=failed,
            already=len(deliveries) - len(created),
            queued=sum(1 for k in created if states.get(k) in (PENDING, SENDING)),
        )

    async def _states(self, keys: Sequence[str]) -> dict[str, str]:
        """The recorded state of each delivery."""
        states: dict[str, str] = {}
        async with self.db.read() as session:
            for i in range(0, len(keys), 500):
                rows = await session.execute(
                    select(_C.key, _C.state).where(_C.key.in_(keys[i : i + 500]))
                )
                states.update({str(k): str(st) for k, st in rows})
        return states

    async def _await_outcomes(self, keys: Sequence[str]) -> None:
        """Wait (up to `hand_over_wait` seconds) until the sender recorded every outcome."""
        started = time.monotonic()
        while not self.stopping and time.monotonic() - started < self.hand_over_wait:
            states = await self._states(keys)
            if all(st in OUTCOMES for st in states.values()):
                return
            await asyncio.sleep(self.hand_over_poll)  # real time, whatever the engine's clock

    async def send_handed_over(self) -> TickReport:
        """Send the manual reminders other processes left `pending` (run by the sender)."""
        now = self.clock.now()
        report = TickReport()
        async with self.db.read() as session:
            rows = (
                await session.execute(
                    select(
                        _C.key, _C.plan_id, _C.period_key, _C.point, _C.unit_id, _C.scheduled_at
                    ).where(
                        _C.kind == MANUAL,
                        _C.channel != "*",
                        _C.state.in_((PENDING, SENDING)),
                        _C.scheduled_at >= now - self.grace,
                    )
                )
            ).all()
            groups: dict[tuple[int, str, str], list[tuple[str, int | None, dt.datetime]]] = {}
            for key, plan_id, period_key, point, unit_id, at in rows:
                groups.setdefault((plan_id, period_key or "", point), []).append((key, unit_id, at))
            work: list[Reminder] = []
            lost: list[str] = []
            for (plan_id, period_key, point), items in groups.items():
                keys = {k for k, _, _ in items}
                try:
                    day = dt.date.fromisoformat(point.split(":", 1)[1])
                except (IndexError, ValueError):
                    lost.extend(keys)
                    continue
                units = sorted({u for _, u, _ in items if u is not None})
                at = items[0][2] if items[0][2].tzinfo else items[0][2].replace(tzinfo=dt.UTC)
                reminders = await self._manual_reminders(
                    session, plan_id, period_key, day, at, units, now
                )
                found: set[str] = set()
                for rem in reminders or []:
                    mine = [r for r in rem.recipients if rem.delivery_key(r) in keys]
                    if mine:
                        found.update(rem.delivery_key(r) for r in mine)
                        work.append(replace(rem, recipients=mine))
                lost.extend(keys - found)
        if lost:
            # The unit reported, or the member or plan went, since the request.
            async with self.db.transaction() as session:
                await session.execute(
                    update(_TABLE)
                    .where(_C.key.in_(lost), _C.state == PENDING)
                    .values(state=FAILED, error="no longer due when the sender took it")
                )
        if work:
            report = await self.deliver(work, now)
        return report

"""Reminder planning: which reminders a plan owes, when, and to whom (pure reads of the database).

The same functions feed `dondoc reminders preview` and the scheduler's ticks, so the preview
is what is sent. A reminder point ("slot") is a period (or a one-off task) and the working day a
policy offset lands on; every recipient of a slot gets one delivery per channel.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from sqlalchemy import exists, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from db.database import HEAVY
from db.models import (
    ChatAccount,
    ChatGroup,
    Member,
    Plan,
    ReminderDelivery,
    Report,
    ReportStatus,
    Role,
    ScheduleKind,
    Task,
    TaskRole,
    TaskUnit,
    Unit,
    UnitKind,
)
from domain.collectives import unmapped_lines
from domain.errors import DomainError
from domain.periods import Period, periods_between
from domain.registry import audit, rule_specs
from domain.reports import owed_conditions
from domain.status import OWING, SENT_LATE, StatusSummary, UnitState, summary
from domain.workdays import WorkCalendar, load_calendar, task_deadline, years_missing_holidays

BEFORE_DUE = "before_due"
DUE_DAY = "due_day"
OVERDUE = "overdue"
TASK_DEADLINE = "task_deadline"
DIGEST = "digest"
MANUAL = "manual"
KINDS = (BEFORE_DUE, DUE_DAY, OVERDUE, TASK_DEADLINE, DIGEST, MANUAL)

DEFAULT_OFFSETS = (7, 3, 1, 0)
DEFAULT_OVERDUE = (1, 3)
DEFAULT_TASK_OFFSETS = (14, 3)
DEFAULT_TIME = "08:00"
MAX_OFFSET = 60
CHANNELS = ("telegram", "zalo")

# Longest reach of a reminder from its deadline, plus room for holidays (Tết) and weekends.
_REACH = dt.timedelta(days=MAX_OFFSET + 16)
# How far a deadline on a day off can move to the next working day (Tết and its weekends).
_MOVE = dt.timedelta(days=16)


@dataclass(frozen=True)
class Policy:
    """When a plan's reminders go out."""

    days: tuple[int, ...]  # days of the reporting (due) month, e.g. 10, 15, 20
    offsets: tuple[int, ...]  # days before the due date; 0 is the due day
    overdue: tuple[int, ...]  # days after the due date
    task_offsets: tuple[int, ...]  # days before a one-off task's deadline
    time: dt.time  # local send time


def parse_time(text: str) -> dt.time:
    """ "08:00" -> time(8, 0); DomainError when malformed."""
    try:
        hours, minutes = text.strip().split(":")
        return dt.time(int(hours), int(minutes))
    except ValueError:
        raise DomainError("reminders.bad_time", value=text) from None


def check_offsets(values: Iterable[int], *, low: int, high: int, what: str) -> list[int]:
    """Validate a list of days; sorted, unique; DomainError naming the bad value."""
    out: set[int] = set()
    for v in values:
        if not low <= v <= high:
            raise DomainError("reminders.bad_offset", what=what, value=v, low=low, high=high)
        out.add(int(v))
    return sorted(out, reverse=True)


def policy_of(plan: Plan) -> Policy:
    """The plan's policy; an empty list means the default."""
    return Policy(
        days=tuple(sorted(int(d) for d in plan.reminder_days or [])),
        offsets=tuple(int(o) for o in plan.reminder_offsets or DEFAULT_OFFSETS),
        overdue=tuple(int(o) for o in plan.overdue_offsets or DEFAULT_OVERDUE),
        task_offsets=tuple(int(o) for o in plan.task_deadline_offsets or DEFAULT_TASK_OFFSETS),
        time=parse_time(plan.reminder_time or DEFAULT_TIME),
    )


def _clamp(year: int, month: int, day: int) -> dt.date:
    while True:
        try:
            return dt.date(year, month, day)
        except ValueError:
            day -= 1


# On a collision the kind closest to (or past) the deadline wins.
_RANK = {BEFORE_DUE: 0, DUE_DAY: 1, OVERDUE: 2}


def period_days(policy: Policy, due: dt.date, cal: WorkCalendar) -> list[tuple[str, dt.date]]:
    """(kind, working day) of every reminder for a deadline: moved off days off, merged."""
    raw: list[tuple[str, dt.date]] = []
    for day in policy.days:
        when = _clamp(due.year, due.month, day)
        kind = BEFORE_DUE if when < due else DUE_DAY if when == due else OVERDUE
        raw.append((kind, when))
    for off in policy.offsets:
        raw.append((BEFORE_DUE if off > 0 else DUE_DAY, due - dt.timedelta(days=off)))
    for off in policy.overdue:
        raw.append((OVERDUE, due + dt.timedelta(days=off)))
    merged: dict[dt.date, str] = {}
    for kind, when in raw:
        moved = cal.next_working(when) if kind == OVERDUE else cal.previous_working(when)
        if moved not in merged or _RANK[kind] > _RANK[merged[moved]]:
            merged[moved] = kind
    return sorted(((k, d) for d, k in merged.items()), key=lambda kd: kd[1])


def task_days(policy: Policy, due: dt.date, cal: WorkCalendar) -> list[dt.date]:
    """Working days on which a one-off task's lead units are reminded of its deadline."""
    return sorted({cal.previous_working(due - dt.timedelta(days=o)) for o in policy.task_offsets})


@dataclass(frozen=True)
class Slot:
    """One reminder point: a period's (or a task's) reminder on one working day."""

    plan_id: int
    kind: str
    day: dt.date
    at: dt.datetime
    due: dt.date
    period: Period | None = None
    task_id: int | None = None

    @property
    def period_key(self) -> str | None:
        """The period's key, None for task-deadline reminders."""
        return self.period.key if self.period else None

    @property
    def point(self) -> str:
        """Stable name of the point, part of every delivery key."""
        if self.task_id is not None:
            return f"task{self.task_id}:{self.day.isoformat()}"
        return f"{self.kind}:{self.day.isoformat()}"

    @property
    def marker_key(self) -> str:
        """Key recorded once every delivery of the slot has been claimed."""
        return f"{self.plan_id}|{self.period_key or '-'}|*|*|{self.point}|*"


def _at(day: dt.date, policy: Policy, tz: zoneinfo.ZoneInfo) -> dt.datetime:
    return dt.datetime.combine(day, policy.time, tzinfo=tz)


async def plan_slots(
    session: AsyncSession,
    plan: Plan,
    tz: zoneinfo.ZoneInfo,
    first: dt.datetime,
    last: dt.datetime,
    *,
    cal: WorkCalendar | None = None,
) -> list[Slot]:
    """Every reminder point of the plan whose send time lies in [first, last]."""
    cal = cal or await load_calendar(session)
    policy = policy_of(plan)
    rules = await rule_specs(session, plan.id)
    lo, hi = first.astimezone(tz).date(), last.astimezone(tz).date()
    slots: list[Slot] = []
    deadlines = None if plan.keep_written_deadlines else cal
    for period in periods_between(rules, lo - _REACH, hi + _REACH, plan.cutoff_mode, deadlines):
        for kind, day in period_days(policy, period.due, cal):
            at = _at(day, policy, tz)
            if first <= at <= last:
                slots.append(Slot(plan.id, kind, day, at, period.due, period=period))
                if kind == OVERDUE:
                    slots.append(Slot(plan.id, DIGEST, day, at, period.due, period=period))
    tasks = await session.execute(
        select(Task.id, Task.due_date).where(
            Task.plan_id == plan.id,
            Task.active.is_(True),
            Task.due_date.is_not(None),
            Task.schedule.in_((ScheduleKind.ONE_OFF, ScheduleKind.COMPOSITE)),
            # A deadline written on a day off may move past `lo` (Tết: up to two weeks).
            Task.due_date >= lo - _MOVE,
            Task.due_date <= hi + _REACH,
        )
    )
    for task_id, written in tasks:
        # A task's own deadline on a day off ends with the next working day, as a period's does.
        due = task_deadline(written, deadlines)
        if due is None or due < lo:
            continue
        for day in task_days(policy, due, cal):
            at = _at(day, policy, tz)
            if first <= at <= last:
                slots.append(Slot(plan.id, TASK_DEADLINE, day, at, due, task_id=task_id))
    return sorted(slots, key=lambda s: (s.at, s.period_key or "", s.kind, s.task_id or 0))


@dataclass(frozen=True)
class Recipient:
    """One chat a reminder goes to: a member's account, or a registered group."""

    member_id: int | None
    name: str
    role: str
    channel: str
    chat_id: str
    locale: str

    @property
    def who(self) -> str:
        """The recipient part of a delivery key."""
        return str(self.member_id) if self.member_id is not None else f"g{self.chat_id}"

    def as_json(self) -> dict[str, Any]:
        """JSON form for the preview."""
        return {
            "member": self.member_id,
            "name": self.name,
            "role": self.role,
            "channel": self.channel,
            "chat_id": self.chat_id,
        }


class TaskRef(NamedTuple):
    """A task named in a reminder (a tuple: tens of thousands are built per tick)."""

    id: int
    ref: str
    title: str


@dataclass
class Unreachable:
    """A focal point (or a unit's whole contact list) the bot cannot reach."""

    unit: str
    person: str | None
    reason: str  # "never_joined" | "blocked"


@dataclass
class Digest:
    """The office's view of a period after its deadline."""

    on_time: list[str] = field(default_factory=list)
    late: list[tuple[str, int]] = field(default_factory=list)  # unit, days late
    missing: list[tuple[str, int, int]] = field(default_factory=list)  # unit, reported, expected
    unreachable: list[Unreachable] = field(default_factory=list)
    # Tasks given to a group with no units yet: the coordinator is asked to map them.
    unmapped: list[str] = field(default_factory=list)
    # Reminders of the period that could not be delivered (unit, person): given up after tries.
    given_up: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class Reminder:
    """One reminder of one slot to one unit (or the office's digest), with its recipients."""

    slot: Slot
    plan_title: str
    unit_id: int | None
    unit_name: str | None
    recipients: list[Recipient]
    independent: bool = False
    tasks: list[TaskRef] = field(default_factory=list)
    digest: Digest | None = None

    @property
    def kind(self) -> str:
        """The slot's kind."""
        return self.slot.kind

    def delivery_key(self, recipient: Recipient) -> str:
        """Unique key: plan, period, unit, member, reminder point, channel."""
        s = self.slot
        unit = str(self.unit_id) if self.unit_id is not None else "-"
        return (
            f"{s.plan_id}|{s.period_key or '-'}|{unit}|{recipient.who}|{s.point}|"
            f"{recipient.channel}"
        )

    def as_json(self, tz: zoneinfo.ZoneInfo) -> dict[str, Any]:
        """The preview's JSON shape."""
        return {
            "at": self.slot.at.astimezone(tz).isoformat(),
            "kind": self.kind,
            "plan": self.slot.plan_id,
            "period": self.slot.period_key,
            "due": self.slot.due.isoformat(),
            "unit": self.unit_name,
            "recipients": [r.as_json() for r in self.recipients],
        }


@dataclass(frozen=True)
class Notice:
    """A warning for the office: a locale key and its parameters."""

    key: str
    params: tuple[tuple[str, Any], ...] = ()

    @classmethod
    def of(cls, key: str, **params: Any) -> Notice:
        """Build from keyword parameters."""
        return cls(key, tuple(sorted(params.items())))


@dataclass
class PlanOutcome:
    """Reminders of a window and what the office should know about them."""

    reminders: list[Reminder]
    warnings: list[Notice]


@dataclass(frozen=True)
class Person:
    """The parts of a member reminders need (loaded as plain columns: thousands at a time)."""

    id: int
    full_name: str
    role: Role
    locale: str
    preferred_channel: str
    unit_id: int | None


@dataclass(frozen=True)
class Account:
    """The parts of a chat account reminders need."""

    id: int
    member_id: int
    channel: str
    chat_id: str
    display_name: str | None
    unreachable_since: dt.datetime | None


def pick_accounts(preferred: str, accounts: Sequence[Account]) -> list[Account]:
    """Reachable accounts to use: the preferred channel's, else any reachable one."""
    reachable = [a for a in accounts if a.unreachable_since is None]
    pref = (preferred or "all").lower()
    if pref in CHANNELS:
        chosen = [a for a in reachable if a.channel == pref]
        if chosen:
            return chosen
    return sorted(reachable, key=lambda a: (a.channel, a.id))


# Above this many ids, a query loads every row instead of a long IN list and filters in Python.
_IN_LIMIT = 500


@dataclass
class _Contacts:
    """Focal points and backups of units, focal points first, with their accounts."""

    by_unit: dict[int, list[tuple[Person, list[Account]]]]


async def _people(
    session: AsyncSession, roles: Sequence[Role], unit_ids: set[int] | None
) -> list[Person]:
    q = select(
        Member.id,
        Member.full_name,
        Member.role,
        Member.locale,
        Member.preferred_channel,
        Member.unit_id,
    ).where(Member.active.is_(True), Member.role.in_(roles))
    if unit_ids is not None and len(unit_ids) <= _IN_LIMIT:
        q = q.where(Member.unit_id.in_(sorted(unit_ids)))
    rows = await session.execute(q.order_by(Member.id), execution_options=HEAVY)
    out = [Person(*row) for row in rows]
    if unit_ids is not None:
        out = [p for p in out if p.unit_id in unit_ids]
    return out


async def _accounts(session: AsyncSession, people: Sequence[Person]) -> dict[int, list[Account]]:
    ids = {p.id for p in people}
    q = select(
        ChatAccount.id,
        ChatAccount.member_id,
        ChatAccount.channel,
        ChatAccount.chat_id,
        ChatAccount.display_name,
        ChatAccount.unreachable_since,
    )
    if len(ids) <= _IN_LIMIT:
        q = q.where(ChatAccount.member_id.in_(sorted(ids)))
    out: dict[int, list[Account]] = defaultdict(list)
    for row in await session.execute(q.order_by(ChatAccount.id), execution_options=HEAVY):
        acc = Account(*row)
        if acc.member_id in ids:
            out[acc.member_id].append(acc)
    return out


async def _contacts(session: AsyncSession, unit_ids: Iterable[int]) -> _Contacts:
    ids = set(unit_ids)
    if not ids:
        return _Contacts({})
    people = await _people(session, (Role.FOCAL, Role.BACKUP), ids)
    accounts = await _accounts(session, people)
    by_unit: dict[int, list[tuple[Person, list[Account]]]] = defaultdict(list)
    for p in sorted(people, key=lambda m: (m.role is not Role.FOCAL, m.id)):
        if p.unit_id is not None:
            by_unit[p.unit_id].append((p, accounts.get(p.id, [])))
    return _Contacts(dict(by_unit))


def _recipients(contacts: _Contacts, unit_id: int) -> list[Recipient]:
    out: list[Recipient] = []
    for person, accounts in contacts.by_unit.get(unit_id, []):
        for acc in pick_accounts(person.preferred_channel, accounts):
            out.append(
                Recipient(
                    member_id=person.id,
                    name=person.full_name or acc.display_name or "",
                    role=person.role.value,
                    channel=acc.channel,
                    chat_id=acc.chat_id,
                    locale=person.locale or "vi",
                )
            )
    return out


def _unreachable(contacts: _Contacts, unit_id: int, unit_name: str) -> list[Unreachable]:
    people = contacts.by_unit.get(unit_id, [])
    if not any(accounts for _m, accounts in people):
        return [Unreachable(unit_name, None, "never_joined")]
    out: list[Unreachable] = []
    for member, accounts in people:
        if accounts and all(a.unreachable_since is not None for a in accounts):
            out.append(Unreachable(unit_name, member.full_name or None, "blocked"))
    return out


async def office_recipients(session: AsyncSession, plan: Plan) -> list[Recipient]:
    """The coordinating office: its coordinators' reachable accounts and registered groups."""
    people = await _people(session, (Role.COORDINATOR,), None)
    if plan.coordinator_unit_id is not None:
        people = [p for p in people if p.unit_id in (plan.coordinator_unit_id, None)]
    accounts = await _accounts(session, people)
    out: list[Recipient] = []
    for p in people:
        for acc in pick_accounts(p.preferred_channel, accounts.get(p.id, [])):
            out.append(
                Recipient(
                    p.id,
                    p.full_name or "",
                    p.role.value,
                    acc.channel,
                    acc.chat_id,
                    p.locale or "vi",
                )
            )
    groups = await session.execute(
        select(ChatGroup)
        .where(or_(ChatGroup.plan_id == plan.id, ChatGroup.plan_id.is_(None)))
        .order_by(ChatGroup.id)
    )
    for g in groups.scalars():
        out.append(Recipient(None, g.title or "", "group", g.channel, g.chat_id, "vi"))
    return out


async def owing_tasks(
    session: AsyncSession, plan_id: int, period: Period, unit_ids: Sequence[int] | None = None
) -> dict[int, list[TaskRef]]:
    """unit id -> tasks still without a report for the period, in plan order.

    The pairs `domain.reports.owed_conditions` defines minus the reports already in, in one
    query (an anti-join) so a tick over thousands of units reads only what is missing.
    """
    got = aliased(Report)
    q = (
        select(TaskUnit.unit_id, Task.id, Task.ref, Task.title)
        .join(Task, Task.id == TaskUnit.task_id)
        .join(Unit, Unit.id == TaskUnit.unit_id)
        .where(
            *owed_conditions(plan_id, period),
            ~exists().where(
                got.task_id == Task.id,
                got.unit_id == TaskUnit.unit_id,
                got.period_key == period.key,
            ),
        )
        .order_by(Task.position, Task.id)
    )
    if unit_ids is not None:
        q = q.where(TaskUnit.unit_id.in_(list(unit_ids)))
    out: dict[int, list[TaskRef]] = defaultdict(list)
    for unit_id, task_id, ref, title in await session.execute(q, execution_options=HEAVY):
        out[unit_id].append(TaskRef(task_id, ref, title))
    return dict(out)


async def build_reminders(
    session: AsyncSession,
    plan: Plan,
    tz: zoneinfo.ZoneInfo,
    slots: Sequence[Slot],
    now: dt.datetime,
    *,
    only_units: Sequence[int] | None = None,
) -> PlanOutcome:
    """Reminders for the given slots, to the units that still owe something now.

    The steps: sort the slots by kind, with what each period's units still owe (1); the lead
    units still owing each task with a deadline (2); each digest period's summary (3); the
    units concerned, their names and contacts (4); a reminder per owing unit and slot (5); the
    office's digests (6); all in send order.
    """
    batch = await _sort_slots(session, plan, slots, only_units)  # 1
    leads = await _task_deadline_leads(session, batch.task_slots)  # 2
    summaries = await _digest_summaries(session, plan, batch.digest_slots, now, tz)  # 3
    unit_ids = _units_concerned(batch, leads, summaries, only_units)  # 4
    units = await _unit_rows(session, unit_ids)
    contacts = await _contacts(session, unit_ids)
    out = _UnitReminders(plan, units, contacts)  # 5
    for slot, owing in batch.unit_slots:
        out.period_reminders(slot, owing, only_units)
    for slot in batch.task_slots:
        out.task_reminders(slot, leads, only_units)
    if batch.digest_slots and only_units is None:  # 6
        out.reminders += await _office_digests(
            session, plan, batch.digest_slots, summaries, contacts, out.warnings
        )
    out.reminders.sort(key=lambda r: (r.slot.at, r.slot.kind == DIGEST, r.unit_name or ""))
    return PlanOutcome(out.reminders, out.warnings)


@dataclass
class _Batch:
    """One call's slots by kind; a period slot comes with what each unit still owes."""

    unit_slots: list[tuple[Slot, dict[int, list[TaskRef]]]] = field(default_factory=list)
    task_slots: list[Slot] = field(default_factory=list)
    digest_slots: list[Slot] = field(default_factory=list)


async def _sort_slots(
    session: AsyncSession, plan: Plan, slots: Sequence[Slot], only_units: Sequence[int] | None
) -> _Batch:
    """Step 1: digests, task deadlines and period reminders (owing tasks read once a period)."""
    batch = _Batch()
    owing_cache: dict[str, dict[int, list[TaskRef]]] = {}
    for slot in slots:
        if slot.kind == DIGEST:
            batch.digest_slots.append(slot)
        elif slot.kind == TASK_DEADLINE:
            batch.task_slots.append(slot)
        elif slot.period is not None:
            key = slot.period.key
            if key not in owing_cache:
                owing_cache[key] = await owing_tasks(session, plan.id, slot.period, only_units)
            batch.unit_slots.append((slot, owing_cache[key]))
    return batch


@dataclass
class _Leads:
    """Task id -> its lead units that have not reported it done, and the task's ref."""

    units: dict[int, list[int]] = field(default_factory=dict)
    tasks: dict[int, TaskRef] = field(default_factory=dict)


async def _task_deadline_leads(session: AsyncSession, task_slots: Sequence[Slot]) -> _Leads:
    """Step 2: for each task with a deadline reminder, the lead units still owing it."""
    leads = _Leads()
    if not task_slots:
        return leads
    task_ids = sorted({s.task_id for s in task_slots if s.task_id is not None})
    done_rows = await session.execute(
        select(Report.task_id, Report.unit_id).where(
            Report.task_id.in_(task_ids), Report.status == ReportStatus.DONE
        )
    )
    done = {(t, u) for t, u in done_rows}
    rows = await session.execute(
        select(TaskUnit.task_id, TaskUnit.unit_id)
        .join(Unit, Unit.id == TaskUnit.unit_id)
        .where(
            TaskUnit.task_id.in_(task_ids),
            TaskUnit.role == TaskRole.LEAD,
            Unit.kind == UnitKind.UNIT,
        )
        .order_by(TaskUnit.position)
    )
    for tid, uid in rows:
        if (tid, uid) not in done:
            leads.units.setdefault(tid, []).append(uid)
    for task in (await session.execute(select(Task).where(Task.id.in_(task_ids)))).scalars():
        leads.tasks[task.id] = TaskRef(task.id, task.ref, task.title)
    return leads


async def _digest_summaries(
    session: AsyncSession,
    plan: Plan,
    digest_slots: Sequence[Slot],
    now: dt.datetime,
    tz: zoneinfo.ZoneInfo,
) -> dict[str, StatusSummary]:
    """Step 3: the status summary of each period a digest is due for."""
    summaries: dict[str, StatusSummary] = {}
    for slot in digest_slots:
        assert slot.period is not None
        if slot.period.key not in summaries:
            summaries[slot.period.key] = await summary(session, plan, slot.period, now, tz)
    return summaries


def _units_concerned(
    batch: _Batch,
    leads: _Leads,
    summaries: dict[str, StatusSummary],
    only_units: Sequence[int] | None,
) -> set[int]:
    """Step 4: every unit a reminder or a digest line may name."""
    unit_ids: set[int] = set()
    for _slot, owing in batch.unit_slots:
        unit_ids.update(owing)
    for owing_leads in leads.units.values():
        unit_ids.update(owing_leads)
    if only_units is not None:
        unit_ids &= set(only_units)
    for s in summaries.values():
        unit_ids.update(st.unit_id for st in s.units)
    return unit_ids


async def _unit_rows(session: AsyncSession, unit_ids: set[int]) -> dict[int, tuple[str, bool]]:
    """Step 4: unit id -> (name, independent) for the units concerned."""
    units: dict[int, tuple[str, bool]] = {}
    if not unit_ids:
        return units
    uq = select(Unit.id, Unit.name, Unit.independent)
    if len(unit_ids) <= _IN_LIMIT:
        uq = uq.where(Unit.id.in_(sorted(unit_ids)))
    for uid, uname, independent in await session.execute(uq, execution_options=HEAVY):
        if uid in unit_ids:
            units[uid] = (uname, bool(independent))
    return units


class _UnitReminders:
    """Step 5: the reminders to units, and a warning per unit nobody can be reached at."""

    def __init__(self, plan: Plan, units: dict[int, tuple[str, bool]], contacts: _Contacts) -> None:
        self.plan = plan
        self.units = units
        self.contacts = contacts
        self.reminders: list[Reminder] = []
        self.warnings: list[Notice] = []
        self._no_contact: set[int] = set()

    def period_reminders(
        self, slot: Slot, owing: dict[int, list[TaskRef]], only_units: Sequence[int] | None
    ) -> None:
        """A period reminder to each unit still owing tasks, in the order of their names."""
        units = self.units
        for unit_id in sorted(owing, key=lambda u: units[u][0] if u in units else ""):
            if only_units is None or unit_id in only_units:
                self.add(slot, unit_id, owing[unit_id])

    def task_reminders(self, slot: Slot, leads: _Leads, only_units: Sequence[int] | None) -> None:
        """A task-deadline reminder to each lead unit that has not reported the task done."""
        assert slot.task_id is not None
        for unit_id in leads.units.get(slot.task_id, []):
            wanted = only_units is None or unit_id in only_units
            if wanted and slot.task_id in leads.tasks:
                self.add(slot, unit_id, [leads.tasks[slot.task_id]])

    def add(self, slot: Slot, unit_id: int, tasks: list[TaskRef]) -> None:
        """One reminder of the slot to the unit's focal points (warned once if none)."""
        unit = self.units.get(unit_id)
        if unit is None:
            return
        name, independent = unit
        recips = _recipients(self.contacts, unit_id)
        if not recips and unit_id not in self._no_contact:
            self._no_contact.add(unit_id)
            self.warnings.append(Notice.of("reminders.warn_no_recipient", unit=name))
        self.reminders.append(
            Reminder(
                slot=slot,
                plan_title=self.plan.title,
                unit_id=unit_id,
                unit_name=name,
                recipients=recips,
                independent=independent,
                tasks=tasks,
            )
        )


def _digest_of(summ: StatusSummary, contacts: _Contacts) -> Digest:
    """The office's digest of a period: on time, late, missing, unreachable, unmapped."""
    digest = Digest(unmapped=unmapped_lines(summ.unmapped))
    for st in summ.units:
        if st.state is UnitState.DONE:
            digest.on_time.append(st.name)
        # A unit that sent part of its reports late is late and still owes the rest.
        if st.state in SENT_LATE:
            digest.late.append((st.name, st.max_days_late))
        if st.state in OWING:
            digest.missing.append((st.name, st.reported, st.expected))
        if st.state is not UnitState.NOTHING_DUE:
            digest.unreachable.extend(_unreachable(contacts, st.unit_id, st.name))
    return digest


async def _office_digests(
    session: AsyncSession,
    plan: Plan,
    digest_slots: Sequence[Slot],
    summaries: dict[str, StatusSummary],
    contacts: _Contacts,
    warnings: list[Notice],
) -> list[Reminder]:
    """Step 6: the digest of each period to the office (warned when it has no one to read it)."""
    office = await office_recipients(session, plan)
    if not office:
        warnings.append(Notice.of("reminders.warn_no_office", plan=plan.title))
    out: list[Reminder] = []
    for slot in digest_slots:
        assert slot.period is not None
        summ = summaries[slot.period.key]
        digest = _digest_of(summ, contacts)
        digest.given_up = await _given_up(session, plan.id, slot.period.key)
        if summ.total:
            out.append(Reminder(slot, plan.title, None, None, list(office), digest=digest))
    return out


async def _given_up(session: AsyncSession, plan_id: int, period_key: str) -> list[tuple[str, str]]:
    """Reminders of the period the engine gave up on (unit, person), for the office."""
    rows = await session.execute(
        select(Unit.name, Member.full_name)
        .select_from(ReminderDelivery)
        .join(Unit, Unit.id == ReminderDelivery.unit_id)
        .join(Member, Member.id == ReminderDelivery.member_id)
        .where(
            ReminderDelivery.plan_id == plan_id,
            ReminderDelivery.period_key == period_key,
            ReminderDelivery.state == "given_up",
        )
        .order_by(Unit.name, Member.full_name)
        .distinct()
    )
    return [(unit, person) for unit, person in rows]


async def plan_window(
    session: AsyncSession,
    plan: Plan,
    tz: zoneinfo.ZoneInfo,
    first: dt.datetime,
    last: dt.datetime,
    now: dt.datetime,
) -> PlanOutcome:
    """Every reminder of the plan in [first, last], as things stand now (the preview)."""
    cal = await load_calendar(session)
    slots = await plan_slots(session, plan, tz, first, last, cal=cal)
    outcome = await build_reminders(session, plan, tz, slots, now)
    today = now.astimezone(tz).date()
    for year in years_missing_holidays(cal, today, last.astimezone(tz).date()):
        outcome.warnings.insert(0, Notice.of("workdays.missing_year", year=year))
    return outcome


async def set_policy(
    session: AsyncSession,
    plan: Plan,
    now: dt.datetime,
    *,
    days: Sequence[int] | None = None,
    offsets: Sequence[int] | None = None,
    overdue: Sequence[int] | None = None,
    task_offsets: Sequence[int] | None = None,
    time: str | None = None,
    actor: str = "",
) -> Policy:
    """Change a plan's reminder policy; arguments left None keep their value."""
    if days is not None:
        plan.reminder_days = sorted(set(check_offsets(days, low=1, high=31, what="days")))
    if offsets is not None:
        plan.reminder_offsets = check_offsets(offsets, low=0, high=MAX_OFFSET, what="offsets")
    if overdue is not None:
        plan.overdue_offsets = sorted(
            check_offsets(overdue, low=1, high=MAX_OFFSET, what="overdue")
        )
    if task_offsets is not None:
        plan.task_deadline_offsets = check_offsets(
            task_offsets, low=0, high=MAX_OFFSET, what="task-offsets"
        )
    if time is not None:
        plan.reminder_time = parse_time(time).strftime("%H:%M")
    await session.flush()
    pol = policy_of(plan)
    audit(
        session,
        now,
        "set_policy",
        "plan",
        plan.id,
        actor=actor,
        days=list(pol.days),
        offsets=list(pol.offsets),
        overdue=list(pol.overdue),
        task_offsets=list(pol.task_offsets),
        time=pol.time.strftime("%H:%M"),
    )
    return pol

"""Gathering a plan's period into one neutral structure that every export format renders."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import (
    DocumentFamily,
    Plan,
    ReminderDelivery,
    Report,
    ReportStatus,
    Task,
    TaskRole,
    Unit,
)
from domain import collectives
from domain.periods import SPANS, Period, period_by_key, period_key, period_label
from domain.registry import list_tasks, rule_specs
from domain.reports import days_late, done_before, expected_pairs, local_date, reports_for
from domain.status import StatusSummary, UnitState, summary
from domain.workdays import WorkCalendar, deadline_calendar, task_deadline


class Timeliness(StrEnum):
    """How a unit (or one of its reports) stands against the period's deadline."""

    ON_TIME = "on_time"
    LATE = "late"  # sent after the due date, complete or not (days_late tells by how much)
    PARTIAL = "partial"  # a unit that sent some of the reports it owes, all on time
    NOT_SENT = "not_sent"
    DONE_EARLIER = "done_earlier"  # reported done in an earlier period: owes nothing more
    NOT_REQUIRED = "not_required"  # supporting unit or a group named as written


class TaskState(StrEnum):
    """A task's overall state in the period: a report status, or no report at all."""

    NOT_STARTED = ReportStatus.NOT_STARTED.value
    IN_PROGRESS = ReportStatus.IN_PROGRESS.value
    DONE = ReportStatus.DONE.value
    ONGOING = ReportStatus.ONGOING.value
    BLOCKED = ReportStatus.BLOCKED.value
    NO_REPORT = "no_report"


class TaskProgress(StrEnum):
    """Where a task stands at the period's end, for the totals and rates of the report."""

    COMPLETED = "completed"  # reported done (this period or an earlier one)
    ON_SCHEDULE = "on_schedule"  # in progress or maintained, its deadline not passed
    BEHIND = "behind"  # deadline passed and not done, or blocked
    NOT_STARTED = "not_started"  # reported not started, deadline not passed
    NOT_DUE = "not_due"  # no report owed on it this period
    NO_REPORT = "no_report"  # a report was owed and none came
    UNASSIGNED = "unassigned"  # led only by a collective not mapped to units yet: nobody owes


TASK_PROGRESS_ORDER = tuple(TaskProgress)


# Order of the unit table and the chart: best first.
TIMELINESS_ORDER = (
    Timeliness.ON_TIME,
    Timeliness.LATE,
    Timeliness.PARTIAL,
    Timeliness.NOT_SENT,
)
TASK_STATE_ORDER = (
    TaskState.DONE,
    TaskState.ONGOING,
    TaskState.IN_PROGRESS,
    TaskState.NOT_STARTED,
    TaskState.BLOCKED,
    TaskState.NO_REPORT,
)


@dataclass
class PlanInfo:
    """The plan's identity as the report's header and subject need it."""

    id: int
    number: str | None
    title: str
    issuer: str | None
    parent_body: str | None
    place: str | None
    issued_on: dt.date | None
    year: int
    family: DocumentFamily
    coordinator: str | None
    # Set with `dondoc plan edit` / `/kehoach` (issue 13), for the subject and signature.
    short_title: str | None = None
    signer_title: str | None = None
    signer_name: str | None = None


@dataclass
class UnitTimeliness:
    """One unit's reporting for the period (a row of the timeliness table)."""

    unit_id: int
    name: str
    expected: int
    reported: int
    late_reports: int
    days_late: int
    timeliness: Timeliness
    last_submitted_at: dt.datetime | None


@dataclass
class Entry:
    """One unit on one task: its report for the period, as written, or why there is none."""

    unit_id: int
    unit_name: str
    role: TaskRole
    expected: bool
    timeliness: Timeliness
    days_late: int = 0
    status: ReportStatus | None = None
    progress: int | None = None
    results: str = ""
    difficulties: str = ""
    proposals: str = ""
    next_plan: str = ""
    evidence_ref: str = ""
    version: int = 0
    first_submitted_at: dt.datetime | None = None
    submitted_at: dt.datetime | None = None

    @property
    def has_report(self) -> bool:
        """True when the unit reported on this task in the period."""
        return self.status is not None


@dataclass
class TaskData:
    """A task with its units as the plan wrote them and every entry for the period."""

    task_id: int
    ref: str
    section: str | None
    title: str
    leads: list[str]
    supports: list[str]
    timeframe_text: str
    due_date: dt.date | None
    schedule: str
    state: TaskState
    overdue_days: int | None
    entries: list[Entry] = field(default_factory=list)
    # Groups of this task the office has not mapped to units yet (their words as written).
    unmapped_groups: list[str] = field(default_factory=list)
    # No single unit leads it, only such groups: nobody is in charge until the office maps them.
    unassigned: bool = False

    @property
    def progress_class(self) -> TaskProgress:
        """The task's standing for the totals: completed, on schedule, behind…"""
        if self.state is TaskState.DONE:
            return TaskProgress.COMPLETED
        if self.unassigned and self.state is TaskState.NO_REPORT:
            return TaskProgress.UNASSIGNED
        if self.state is TaskState.BLOCKED or self.overdue_days:
            return TaskProgress.BEHIND
        if self.state is TaskState.NOT_STARTED:
            return TaskProgress.NOT_STARTED
        if self.state in (TaskState.IN_PROGRESS, TaskState.ONGOING):
            return TaskProgress.ON_SCHEDULE
        if any(e.expected for e in self.entries):
            return TaskProgress.NO_REPORT
        return TaskProgress.NOT_DUE

    @property
    def reported(self) -> list[Entry]:
        """Entries carrying a report this period."""
        return [e for e in self.entries if e.has_report]

    @property
    def missing(self) -> list[Entry]:
        """Units that owed a report on this task and sent none."""
        return [e for e in self.entries if e.timeliness is Timeliness.NOT_SENT]

    @property
    def min_progress(self) -> int | None:
        """Lowest reported progress across units (a task is as far as its slowest lead)."""
        values = [e.progress for e in self.reported if e.progress is not None]
        return min(values) if values else None


@dataclass
class ExportData:
    """Everything a compiled report shows for one plan and period."""

    plan: PlanInfo
    period_key: str
    period_label: str
    period_start: dt.date
    period_end: dt.date
    period_due: dt.date
    generated_at: dt.datetime
    today: dt.date
    units: list[UnitTimeliness]
    tasks: list[TaskData]
    # "ref. title → «group»" for each task given to a group with no units yet.
    unmapped: list[str] = field(default_factory=list)
    next_period_label: str = ""
    next_period_end: dt.date | None = None
    # Reminders delivered to the units for this period (the office's follow-up, section I).
    reminders_sent: int = 0

    def tasks_due_next(self) -> list[TaskData]:
        """One-off tasks whose deadline falls in the next period (section IV)."""
        if self.next_period_end is None:
            return []
        return [
            t
            for t in self.tasks
            if t.due_date is not None
            and self.period_due < t.due_date <= self.next_period_end
            and t.state is not TaskState.DONE
        ]

    def units_by(self, state: Timeliness) -> list[UnitTimeliness]:
        """Units in one timeliness state."""
        return [u for u in self.units if u.timeliness is state]

    def unit_counts(self) -> dict[Timeliness, int]:
        """Units per timeliness state, in display order."""
        return {s: len(self.units_by(s)) for s in TIMELINESS_ORDER}

    def progress_counts(self) -> dict[TaskProgress, int]:
        """Tasks per standing (completed, on schedule, behind…), in display order."""
        out = dict.fromkeys(TASK_PROGRESS_ORDER, 0)
        for task in self.tasks:
            out[task.progress_class] += 1
        return out

    def task_counts(self) -> dict[TaskState, int]:
        """Tasks per state, in display order."""
        return {s: sum(1 for t in self.tasks if t.state is s) for s in TASK_STATE_ORDER}

    @property
    def has_reports(self) -> bool:
        """True when at least one report was sent for the period."""
        return any(t.reported for t in self.tasks)

    def as_dict(self) -> dict[str, Any]:
        """A JSON-safe dictionary (dates as ISO strings, enums as their values)."""
        out: dict[str, Any] = _jsonable(asdict(self))
        return out


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, StrEnum):
        return value.value
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    return value


_UNIT_TIMELINESS = {
    UnitState.DONE: Timeliness.ON_TIME,
    UnitState.DONE_LATE: Timeliness.LATE,
    # Late whatever its completeness: a unit that sent anything after the deadline.
    UnitState.PARTIAL_LATE: Timeliness.LATE,
    UnitState.PARTIAL: Timeliness.PARTIAL,
    UnitState.MISSING: Timeliness.NOT_SENT,
}


def _task_state(entries: list[Entry]) -> TaskState:
    """One state per task: the common status, blocked if any lead is blocked, else in progress."""
    statuses = {e.status for e in entries if e.status is not None}
    if any(e.timeliness is Timeliness.DONE_EARLIER for e in entries):
        statuses.add(ReportStatus.DONE)
    if not statuses:
        return TaskState.NO_REPORT
    if statuses == {ReportStatus.DONE} and any(
        e.timeliness is Timeliness.NOT_SENT for e in entries
    ):
        # One lead done, another still silent: the task is not complete yet.
        return TaskState.IN_PROGRESS
    if len(statuses) == 1:
        return TaskState(next(iter(statuses)).value)
    if ReportStatus.BLOCKED in statuses:
        return TaskState.BLOCKED
    if statuses <= {ReportStatus.DONE, ReportStatus.ONGOING}:
        return TaskState.ONGOING
    return TaskState.IN_PROGRESS


def _entry_from_report(
    report: Report, unit_name: str, role: TaskRole, expected: bool, due: dt.date, tz: Any
) -> Entry:
    lateness = days_late(report.first_submitted_at, due, tz)
    late = bool(report.late) or lateness > 0
    return Entry(
        unit_id=report.unit_id,
        unit_name=unit_name,
        role=role,
        expected=expected,
        timeliness=Timeliness.LATE if late else Timeliness.ON_TIME,
        days_late=lateness,
        status=report.status,
        progress=report.progress,
        results=report.results or "",
        difficulties=report.difficulties or "",
        proposals=report.proposals or "",
        next_plan=report.next_plan or "",
        evidence_ref=report.evidence_ref or "",
        version=report.version,
        first_submitted_at=report.first_submitted_at,
        submitted_at=report.submitted_at,
    )


def _next_key(period: Period) -> str:
    """The key of the period after this one, of the same kind."""
    count = 12 if period.kind.value == "monthly" else len(SPANS[period.kind])
    if period.index < count:
        return period_key(period.kind, period.year, period.index + 1)
    return period_key(period.kind, period.year + 1, 1)


@dataclass
class _Inputs:
    """Everything `gather` reads from the database for one plan and period."""

    period: Period
    today: dt.date
    tz: zoneinfo.ZoneInfo
    coordinator: str | None
    status: StatusSummary
    tasks: list[Task]
    # (task id, unit id) pairs owed a report this period / reported done in an earlier one.
    owed: set[tuple[int, int]]
    finished: set[tuple[int, int]]
    reports: dict[tuple[int, int], Report]
    # unit id -> name, for every unit on a task or with a report.
    names: dict[int, str]
    # task id -> its groups (role, words as written); task id -> (role, name) of unmapped ones.
    group_words: dict[int, list[tuple[TaskRole, str]]]
    unmapped: dict[int, list[tuple[TaskRole, str]]]
    # Tasks led only by collectives not mapped to units yet (one definition: domain.status).
    unassigned: set[int]
    # Moves a task's deadline off a day off (None: the plan keeps deadlines as written).
    deadlines: WorkCalendar | None


async def gather(
    session: AsyncSession,
    plan: Plan,
    period: Period,
    now: dt.datetime,
    tz: zoneinfo.ZoneInfo,
    *,
    label: str | None = None,
    locale: str | None = None,
) -> ExportData:
    """Read the plan, its tasks and every unit's reports for the period.

    In five steps: read what the report needs (`_read`); turn each task into its units'
    entries and a state (`_task_data`); each unit into its timeliness (`_unit_rows`); find the
    period after this one (`_following`) for "next period" tasks; count the reminders the
    units were sent (`_reminders_sent`).
    """
    inputs = await _read(session, plan, period, now, tz)
    following = await _following(session, plan, period)
    return ExportData(
        plan=_plan_info(plan, inputs.coordinator),
        period_key=period.key,
        period_label=label or period.label(),
        period_start=period.start,
        period_end=period.end,
        period_due=period.due,
        generated_at=now,
        today=inputs.today,
        units=_unit_rows(inputs.status),
        tasks=[_task_data(task, inputs) for task in inputs.tasks],
        unmapped=collectives.unmapped_lines(inputs.status.unmapped),
        next_period_label=period_label(following.key, locale) if following else "",
        next_period_end=following.due if following else None,
        reminders_sent=await _reminders_sent(session, plan.id, period.key),
    )


async def _reminders_sent(session: AsyncSession, plan_id: int, period_key: str) -> int:
    """Step 5: reminders delivered to units for the period (the office's digest left out)."""
    count = await session.scalar(
        select(func.count(ReminderDelivery.id)).where(
            ReminderDelivery.plan_id == plan_id,
            ReminderDelivery.period_key == period_key,
            ReminderDelivery.unit_id.is_not(None),
            ReminderDelivery.state == "sent",
        )
    )
    return int(count or 0)


async def _read(
    session: AsyncSession, plan: Plan, period: Period, now: dt.datetime, tz: zoneinfo.ZoneInfo
) -> _Inputs:
    """Step 1: the plan's active tasks, who owes what, the reports, unit names and groups."""
    coordinator = (
        await session.get(Unit, plan.coordinator_unit_id) if plan.coordinator_unit_id else None
    )
    status = await summary(session, plan, period, now, tz)
    expected = await expected_pairs(session, plan.id, period)
    reports = await reports_for(session, plan.id, period.key)
    tasks = [t for t in await list_tasks(session, plan.id) if t.active]
    unmapped: dict[int, list[tuple[TaskRole, str]]] = {}
    for item in status.unmapped:
        unmapped.setdefault(item.task_id, []).append((item.role, item.group))
    return _Inputs(
        period=period,
        today=local_date(now, tz),
        tz=tz,
        coordinator=coordinator.name if coordinator else None,
        status=status,
        tasks=tasks,
        owed={(task_id, uid) for uid, owed in expected.items() for task_id in owed},
        finished=await done_before(session, plan.id, period),
        reports=reports,
        names=await _unit_names(session, tasks, reports),
        group_words=await collectives.task_group_words(session, plan.id),
        unmapped=unmapped,
        unassigned=set(status.unassigned),
        deadlines=await deadline_calendar(session, plan.keep_written_deadlines),
    )


async def _unit_names(
    session: AsyncSession, tasks: list[Task], reports: dict[tuple[int, int], Report]
) -> dict[int, str]:
    """unit id -> name for the tasks' units and for units that reported on a task since left."""
    names = {tu.unit_id: tu.unit.name for task in tasks for tu in task.units}
    strangers = sorted({uid for _task, uid in reports} - names.keys())
    if strangers:
        for uid, name in await session.execute(
            select(Unit.id, Unit.name).where(Unit.id.in_(strangers))
        ):
            names[uid] = name
    return names


def _task_data(task: Task, inputs: _Inputs) -> TaskData:
    """Step 2: one task with its entries, its state and how many days it is overdue."""
    entries = _entries(task, inputs)
    state = _task_state(entries)
    overdue: int | None = None
    # A deadline on a day off ends with the next working day (unless kept as written).
    due = task_deadline(task.due_date, inputs.deadlines)
    if due and state is not TaskState.DONE and inputs.today > due:
        overdue = (inputs.today - due).days
    groups = inputs.group_words.get(task.id, [])
    unmapped = inputs.unmapped.get(task.id, [])
    return TaskData(
        task_id=task.id,
        ref=task.ref,
        section=task.section,
        title=task.title,
        # As the plan wrote them: its units, then its groups' words.
        leads=_written(task, groups, TaskRole.LEAD),
        supports=_written(task, groups, TaskRole.SUPPORT),
        unmapped_groups=[name for _role, name in unmapped],
        unassigned=task.id in inputs.unassigned,
        timeframe_text=task.timeframe_text,
        due_date=due,
        schedule=task.schedule.value,
        state=state,
        overdue_days=overdue,
        entries=entries,
    )


def _entries(task: Task, inputs: _Inputs) -> list[Entry]:
    """Each lead unit's report or why there is none, each supporting unit that reported, then
    reports from units no longer attached to the task (shown, never dropped)."""
    period, reports = inputs.period, inputs.reports
    entries: list[Entry] = []
    seen: set[int] = set()
    for tu in task.units:
        if tu.unit_id in seen:
            continue
        report = reports.get((task.id, tu.unit_id))
        is_expected = (task.id, tu.unit_id) in inputs.owed
        name = inputs.names[tu.unit_id]
        if report is not None:
            entries.append(
                _entry_from_report(report, name, tu.role, is_expected, period.due, inputs.tz)
            )
        elif tu.role is TaskRole.LEAD:
            if is_expected:
                standing = Timeliness.NOT_SENT
            elif (task.id, tu.unit_id) in inputs.finished:
                standing = Timeliness.DONE_EARLIER
            else:
                standing = Timeliness.NOT_REQUIRED
            entries.append(
                Entry(
                    unit_id=tu.unit_id,
                    unit_name=name,
                    role=tu.role,
                    expected=is_expected,
                    timeliness=standing,
                )
            )
        else:
            continue
        seen.add(tu.unit_id)
    for (task_id, uid), report in sorted(reports.items()):
        if task_id == task.id and uid not in seen:
            entries.append(
                _entry_from_report(
                    report, inputs.names[uid], TaskRole.SUPPORT, False, period.due, inputs.tz
                )
            )
    return entries


def _unit_rows(status: StatusSummary) -> list[UnitTimeliness]:
    """Step 3: every unit owing a report, with its timeliness, best first."""
    units = [
        UnitTimeliness(
            unit_id=u.unit_id,
            name=u.name,
            expected=u.expected,
            reported=u.reported,
            late_reports=u.late,
            days_late=u.max_days_late,
            timeliness=_UNIT_TIMELINESS[u.state],
            last_submitted_at=u.last_submitted_at,
        )
        for u in status.units
        if u.state in _UNIT_TIMELINESS
    ]
    units.sort(key=lambda u: (TIMELINESS_ORDER.index(u.timeliness), u.name.casefold()))
    return units


async def _following(session: AsyncSession, plan: Plan, period: Period) -> Period | None:
    """Step 4: the period after this one under the plan's rules (None without rules)."""
    rules = await rule_specs(session, plan.id)
    return period_by_key(rules, _next_key(period), plan.cutoff_mode) if rules else None


def _plan_info(plan: Plan, coordinator: str | None) -> PlanInfo:
    """The plan's identity as the header, subject and signature need it."""
    return PlanInfo(
        id=plan.id,
        number=plan.number,
        title=plan.title,
        issuer=plan.issuer,
        parent_body=plan.parent_body,
        place=plan.place,
        issued_on=plan.issued_on,
        year=plan.year,
        family=plan.family,
        coordinator=coordinator,
        short_title=plan.short_title,
        signer_title=plan.signer_title,
        signer_name=plan.signer_name,
    )


def _written(task: Task, groups: list[tuple[TaskRole, str]], role: TaskRole) -> list[str]:
    direct = [
        tu.written_as or tu.unit.name
        for tu in task.units
        if tu.role is role and tu.via_group_id is None
    ]
    return direct + [words for r, words in groups if r is role]


__all__ = [
    "TASK_PROGRESS_ORDER",
    "TASK_STATE_ORDER",
    "TIMELINESS_ORDER",
    "Entry",
    "ExportData",
    "PlanInfo",
    "TaskData",
    "TaskProgress",
    "TaskState",
    "Timeliness",
    "UnitTimeliness",
    "gather",
]

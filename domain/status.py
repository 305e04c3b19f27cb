"""What the coordinating office sees: who has reported for a period, drill-down by unit or task."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from sqlalchemy import and_, case, func, select, union
from sqlalchemy.ext.asyncio import AsyncSession

from db.database import HEAVY
from db.models import (
    ChatAccount,
    Member,
    Plan,
    PlanGroup,
    PlanGroupMember,
    Report,
    Task,
    TaskGroup,
    TaskRole,
    TaskUnit,
    Unit,
    UnitKind,
)
from domain.collectives import UnmappedTask, unmapped_tasks
from domain.periods import Period
from domain.reports import days_late, expected_pairs, local_date, owed_conditions
from domain.units import vi_sort_key


class UnitState(StrEnum):
    """Where a unit stands for a period."""

    DONE = "done"  # every expected task reported, all on time
    DONE_LATE = "done_late"  # every expected task reported, some after the deadline
    PARTIAL = "partial"  # some reported, all on time
    PARTIAL_LATE = "partial_late"  # some reported, at least one after the deadline
    MISSING = "missing"  # none reported
    NOTHING_DUE = "nothing_due"


# Units still owing a report, and units that sent something after the deadline.
OWING = frozenset({UnitState.PARTIAL, UnitState.PARTIAL_LATE, UnitState.MISSING})
SENT_LATE = frozenset({UnitState.DONE_LATE, UnitState.PARTIAL_LATE})


@dataclass
class UnitStatus:
    """One unit's position in a period."""

    unit_id: int
    name: str
    expected: int
    reported: int
    late: int
    max_days_late: int
    state: UnitState
    last_submitted_at: dt.datetime | None
    reachable_members: int


@dataclass
class StatusSummary:
    """The open period at a glance."""

    plan: Plan
    period: Period
    today: dt.date
    units: list[UnitStatus]
    # Tasks given to a group the office has not mapped to units yet (nobody owes them).
    unmapped: list[UnmappedTask] = field(default_factory=list)
    # Ids of the tasks led only by such groups: nobody is in charge of them yet.
    unassigned: list[int] = field(default_factory=list)

    @property
    def days_left(self) -> int:
        """Days until the deadline (negative once passed)."""
        return (self.period.due - self.today).days

    @property
    def total(self) -> int:
        """Units owing a report."""
        return sum(1 for u in self.units if u.state is not UnitState.NOTHING_DUE)

    @property
    def complete(self) -> list[UnitStatus]:
        """Units that reported every task."""
        return [u for u in self.units if u.state in (UnitState.DONE, UnitState.DONE_LATE)]

    @property
    def missing(self) -> list[UnitStatus]:
        """Units with tasks still unreported."""
        return [u for u in self.units if u.state in OWING]

    @property
    def late(self) -> list[UnitStatus]:
        """Units that reported late (whatever their completeness), or still owe after the
        deadline."""
        overdue = self.days_left < 0
        return [u for u in self.units if u.state in SENT_LATE or (overdue and u.state in OWING)]

    @property
    def sent_late(self) -> list[UnitStatus]:
        """Units that sent at least one report after the deadline, complete or not: the
        compiled report's "gửi chậm"."""
        return [u for u in self.units if u.state in SENT_LATE]


async def summary(
    session: AsyncSession, plan: Plan, period: Period, now: dt.datetime, tz: zoneinfo.ZoneInfo
) -> StatusSummary:
    """Per-unit counts for a period, aggregated in the database (one row per unit)."""
    rows = await session.execute(
        select(
            TaskUnit.unit_id,
            Unit.name,
            func.count(),
            func.count(Report.id),
            func.sum(case((Report.late.is_(True), 1), else_=0)),
            func.max(Report.first_submitted_at),
        )
        .join(Task, Task.id == TaskUnit.task_id)
        .join(Unit, Unit.id == TaskUnit.unit_id)
        .outerjoin(
            Report,
            and_(
                Report.task_id == TaskUnit.task_id,
                Report.unit_id == TaskUnit.unit_id,
                Report.plan_id == plan.id,
                Report.period_key == period.key,
            ),
        )
        .where(*owed_conditions(plan.id, period))
        .group_by(TaskUnit.unit_id, Unit.name)
        .execution_options(**HEAVY)
    )
    expected: dict[int, tuple[str, int]] = {}
    reported: dict[int, tuple[int, int, Any]] = {}
    for uid, name, total, got, late, last in rows.all():
        expected[uid] = (name, int(total))
        reported[uid] = (int(got), int(late or 0), last)
    reachable = await reachable_counts(session, list(expected))
    units: list[UnitStatus] = []
    for uid, (name, total) in expected.items():
        got, late, last = reported.get(uid, (0, 0, None))
        if isinstance(last, str):  # SQLite returns aggregated datetimes as text
            last = dt.datetime.fromisoformat(last).replace(tzinfo=dt.UTC)
        if got >= total:
            state = UnitState.DONE_LATE if late else UnitState.DONE
        elif got:
            state = UnitState.PARTIAL_LATE if late else UnitState.PARTIAL
        else:
            state = UnitState.MISSING
        units.append(
            UnitStatus(
                unit_id=uid,
                name=name,
                expected=total,
                reported=got,
                late=late,
                max_days_late=days_late(last, period.due, tz) if last else 0,
                state=state,
                last_submitted_at=last,
                reachable_members=reachable.get(uid, 0),
            )
        )
    units.sort(key=lambda u: (u.state is UnitState.DONE, vi_sort_key(u.name)))
    return StatusSummary(
        plan=plan,
        period=period,
        today=local_date(now, tz),
        units=units,
        unmapped=await unmapped_tasks(session, plan.id),
        unassigned=await unassigned_tasks(session, plan.id),
    )


async def unassigned_tasks(session: AsyncSession, plan_id: int) -> list[int]:
    """Active tasks that no single unit leads, only collectives not mapped to units yet (a
    plan group with no member, or a lead recorded as a group): the compiled report counts them
    apart ("giao cho nhóm chưa xác định đơn vị"), never as "not due"."""

    # From the few candidates (leads that are groups) rather than every task of the plan.
    group_units = select(Unit.id).where(Unit.kind == UnitKind.GROUP)
    led_by_group_unit = select(TaskUnit.task_id).where(
        TaskUnit.role == TaskRole.LEAD, TaskUnit.unit_id.in_(group_units)
    )
    has_members = select(PlanGroupMember.id).where(PlanGroupMember.group_id == PlanGroup.id)
    unmapped_groups = select(PlanGroup.id).where(
        PlanGroup.plan_id == plan_id, ~has_members.exists()
    )
    led_by_unmapped = select(TaskGroup.task_id).where(
        TaskGroup.role == TaskRole.LEAD, TaskGroup.group_id.in_(unmapped_groups)
    )
    unit_lead = (
        select(TaskUnit.id)
        .join(Unit, Unit.id == TaskUnit.unit_id)
        .where(
            TaskUnit.task_id == Task.id,
            TaskUnit.role == TaskRole.LEAD,
            Unit.kind == UnitKind.UNIT,
        )
        .exists()
    )
    candidates = union(led_by_group_unit, led_by_unmapped).subquery()
    rows = await session.execute(
        select(Task.id)
        .join(candidates, candidates.c.task_id == Task.id)
        .where(Task.plan_id == plan_id, Task.active.is_(True), ~unit_lead)
        .order_by(Task.position, Task.id)
    )
    return list(rows.scalars())


async def reachable_counts(session: AsyncSession, unit_ids: list[int]) -> dict[int, int]:
    """unit id -> members with at least one reachable chat account."""
    if not unit_ids:
        return {}
    rows = await session.execute(
        select(Member.unit_id, func.count(func.distinct(Member.id)))
        .join(ChatAccount, ChatAccount.member_id == Member.id)
        .where(
            Member.unit_id.in_(unit_ids),
            Member.active.is_(True),
            ChatAccount.unreachable_since.is_(None),
        )
        .group_by(Member.unit_id)
        .execution_options(**HEAVY)
    )
    return {uid: int(n) for uid, n in rows.all() if uid is not None}


@dataclass
class TaskLine:
    """A task in a drill-down, with the report if there is one."""

    task: Task
    role: TaskRole
    report: Report | None
    expected: bool


async def unit_detail(
    session: AsyncSession, plan: Plan, period: Period, unit_id: int
) -> list[TaskLine]:
    """Every task of one unit with this period's report state."""
    expected = (await expected_pairs(session, plan.id, period, [unit_id])).get(unit_id, [])
    rows = await session.execute(
        select(Task, TaskUnit.role)
        .join(TaskUnit, TaskUnit.task_id == Task.id)
        .where(Task.plan_id == plan.id, Task.active.is_(True), TaskUnit.unit_id == unit_id)
        .order_by(Task.position, Task.id)
    )
    reports = {
        r.task_id: r
        for r in (
            await session.execute(
                select(Report).where(
                    Report.plan_id == plan.id,
                    Report.period_key == period.key,
                    Report.unit_id == unit_id,
                )
            )
        ).scalars()
    }
    exp = set(expected)
    return [
        TaskLine(task=task, role=role, report=reports.get(task.id), expected=task.id in exp)
        for task, role in rows.all()
    ]


@dataclass
class UnitLine:
    """A lead unit of a task in a drill-down, with its report if any."""

    unit: Unit
    report: Report | None


async def task_detail(
    session: AsyncSession, plan: Plan, period: Period, task_id: int
) -> list[UnitLine]:
    """Every lead unit of one task with this period's report."""
    rows = await session.execute(
        select(Unit)
        .join(TaskUnit, TaskUnit.unit_id == Unit.id)
        .where(TaskUnit.task_id == task_id, TaskUnit.role == TaskRole.LEAD)
        .order_by(TaskUnit.position)
    )
    units = list(rows.scalars())
    reports = {
        r.unit_id: r
        for r in (
            await session.execute(
                select(Report).where(Report.task_id == task_id, Report.period_key == period.key)
            )
        ).scalars()
    }
    del plan
    return [UnitLine(unit=u, report=reports.get(u.id)) for u in units]

"""The task registry: plans, units (with aliases), tasks and reporting rules."""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Sequence

from sqlalchemy import bindparam, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from db.models import (
    AuditLog,
    CutoffMode,
    DocumentFamily,
    PeriodKind,
    Plan,
    ReportingRule,
    ScheduleKind,
    Task,
    TaskRole,
    TaskUnit,
    Unit,
    UnitAlias,
    UnitKind,
)
from domain.errors import DomainError
from domain.periods import RuleSpec
from domain.units import (
    clean_name,
    is_group,
    is_independent,
    strip_qualifier,
    unit_key,
    vi_sort_key,
)


def audit(
    session: AsyncSession,
    now: dt.datetime,
    action: str,
    entity: str,
    entity_id: int | None,
    *,
    actor: str = "",
    actor_member_id: int | None = None,
    **details: object,
) -> None:
    """Record who changed what."""
    session.add(
        AuditLog(
            at=now,
            actor=actor,
            actor_member_id=actor_member_id,
            action=action,
            entity=entity,
            entity_id=entity_id,
            details={k: v for k, v in details.items()},
        )
    )


async def find_unit(session: AsyncSession, name_or_id: str) -> Unit | None:
    """A unit by id, by name through the normalised key, or by alias."""
    text = name_or_id.strip()
    if text.isascii() and text.isdigit() and len(text) < 10:
        by_id = await session.get(Unit, int(text))
        if by_id is not None:
            return by_id
    key = unit_key(text)
    if not key:
        return None
    unit = (await session.execute(select(Unit).where(Unit.key == key))).scalar_one_or_none()
    if unit:
        return unit
    alias = (
        await session.execute(select(UnitAlias).where(UnitAlias.key == key))
    ).scalar_one_or_none()
    return await session.get(Unit, alias.unit_id) if alias else None


async def get_or_create_unit(
    session: AsyncSession, name: str, now: dt.datetime, *, aliases: Sequence[str] = ()
) -> tuple[Unit, bool]:
    """Match a unit by key or alias, or create it; returns (unit, created)."""
    display = clean_name(strip_qualifier(name))
    if not unit_key(display):
        raise DomainError("error.unit_name_empty")
    unit = await find_unit(session, display)
    created = False
    if unit is None:
        unit = Unit(
            name=display,
            key=unit_key(display),
            kind=UnitKind.GROUP if is_group(display) else UnitKind.UNIT,
            independent=is_independent(display),
            created_at=now,
        )
        session.add(unit)
        await session.flush()
        created = True
    for alias in aliases:
        await add_alias(session, unit, alias)
    return unit, created


async def add_alias(session: AsyncSession, unit: Unit, alias: str) -> None:
    """Attach another spelling to a unit (ignored when it already resolves to that unit)."""
    key = unit_key(alias)
    if not key or key == unit.key:
        return
    other = await find_unit(session, alias)
    if other is not None:
        if other.id != unit.id:
            raise DomainError("error.alias_taken", alias=alias, unit=other.name)
        return
    session.add(UnitAlias(unit_id=unit.id, alias=clean_name(alias), key=key))
    await session.flush()


async def list_units(session: AsyncSession) -> list[Unit]:
    """Every unit, in Vietnamese alphabetical order."""
    rows = await session.execute(select(Unit).options(selectinload(Unit.aliases)))
    return sorted(rows.scalars(), key=lambda u: vi_sort_key(u.name))


async def create_plan(
    session: AsyncSession,
    now: dt.datetime,
    *,
    title: str,
    year: int,
    number: str | None = None,
    issuer: str | None = None,
    parent_body: str | None = None,
    place: str | None = None,
    issued_on: dt.date | None = None,
    coordinator: str | None = None,
    family: DocumentFamily = DocumentFamily.ADMINISTRATIVE,
    cutoff_mode: CutoffMode = CutoffMode.DECREE_09,
) -> Plan:
    """Create a plan; the coordinating unit is matched or created by name."""
    if not title.strip():
        raise DomainError("error.plan_title_empty")
    coord_id = None
    if coordinator:
        unit, _ = await get_or_create_unit(session, coordinator, now)
        coord_id = unit.id
    plan = Plan(
        title=title.strip(),
        year=year,
        number=number,
        issuer=issuer,
        parent_body=parent_body,
        place=place,
        issued_on=issued_on,
        coordinator_unit_id=coord_id,
        family=family,
        cutoff_mode=cutoff_mode,
        reminder_days=[],
        reminder_offsets=[],
        overdue_offsets=[],
        task_deadline_offsets=[],
        created_at=now,
    )
    session.add(plan)
    await session.flush()
    audit(session, now, "create", "plan", plan.id, title=plan.title)
    return plan


async def find_plan(session: AsyncSession, ref: str | int | None) -> Plan | None:
    """A plan by id or number; with no reference, the only (or newest) active plan."""
    if ref is None or ref == "":
        row = await session.execute(
            select(Plan).where(Plan.active.is_(True)).order_by(Plan.id.desc()).limit(1)
        )
        return row.scalar_one_or_none()
    text = str(ref).strip()
    if text.isdigit():
        return await session.get(Plan, int(text))
    row = await session.execute(select(Plan).where(or_(Plan.number == text, Plan.title == text)))
    return row.scalars().first()


async def list_plans(session: AsyncSession) -> list[Plan]:
    """Every plan, newest first."""
    return list((await session.execute(select(Plan).order_by(Plan.id.desc()))).scalars())


async def set_rule(
    session: AsyncSession,
    plan: Plan,
    kind: PeriodKind,
    due_day: int,
    due_month: int | None,
    now: dt.datetime,
) -> ReportingRule:
    """Create or replace the plan's rule for one period kind."""
    if not 1 <= due_day <= 31:
        raise DomainError("error.bad_due_day", value=due_day)
    if due_month is not None and not 1 <= due_month <= 12:
        raise DomainError("error.bad_due_month", value=due_month)
    if due_month is not None and due_day > calendar.monthrange(2024, due_month)[1]:
        raise DomainError("error.impossible_due_date", day=due_day, month=due_month)
    rule = (
        await session.execute(
            select(ReportingRule).where(
                ReportingRule.plan_id == plan.id, ReportingRule.period_kind == kind
            )
        )
    ).scalar_one_or_none()
    if rule is None:
        rule = ReportingRule(
            plan_id=plan.id, period_kind=kind, due_day=due_day, due_month=due_month
        )
        session.add(rule)
    else:
        rule.due_day, rule.due_month = due_day, due_month
    await session.flush()
    audit(session, now, "set_rule", "plan", plan.id, kind=kind.value, day=due_day, month=due_month)
    return rule


_RULES = select(ReportingRule).where(ReportingRule.plan_id == bindparam("plan_id"))


async def rule_specs(session: AsyncSession, plan_id: int) -> list[RuleSpec]:
    """The plan's reporting rules as calendar specs."""
    rows = await session.execute(_RULES, {"plan_id": plan_id})
    return sorted(RuleSpec(r.period_kind, r.due_day, r.due_month) for r in rows.scalars())


async def add_task(
    session: AsyncSession,
    plan: Plan,
    now: dt.datetime,
    *,
    ref: str,
    title: str,
    lead: Sequence[str],
    support: Sequence[str] = (),
    timeframe_text: str = "",
    schedule: ScheduleKind = ScheduleKind.UNSPECIFIED,
    due_date: dt.date | None = None,
    recurrence: PeriodKind | None = None,
    section: str | None = None,
    position: int | None = None,
) -> Task:
    """Add a task with its lead and supporting units (matched or created by name)."""
    if not title.strip():
        raise DomainError("error.task_title_empty")
    if not ref.strip():
        raise DomainError("error.task_ref_empty")
    exists = await session.execute(select(Task.id).where(Task.plan_id == plan.id, Task.ref == ref))
    if exists.first():
        raise DomainError("error.task_ref_taken", ref=ref)
    if position is None:
        count = await session.execute(select(Task.id).where(Task.plan_id == plan.id))
        position = len(count.all())
    task = Task(
        plan_id=plan.id,
        ref=ref.strip(),
        title=title.strip(),
        timeframe_text=timeframe_text,
        schedule=schedule,
        due_date=due_date,
        recurrence=recurrence,
        section=section,
        position=position,
    )
    session.add(task)
    await session.flush()
    await set_task_units(session, task, lead, support, now)
    return task


async def set_task_units(
    session: AsyncSession, task: Task, lead: Sequence[str], support: Sequence[str], now: dt.datetime
) -> None:
    """Replace a task's lead and supporting units."""
    for old in list(
        (await session.execute(select(TaskUnit).where(TaskUnit.task_id == task.id))).scalars()
    ):
        await session.delete(old)
    await session.flush()
    seen: set[tuple[int, TaskRole]] = set()
    pos = 0
    for role, names in ((TaskRole.LEAD, lead), (TaskRole.SUPPORT, support)):
        for name in names:
            unit, _ = await get_or_create_unit(session, name, now)
            if (unit.id, role) in seen or (
                role is TaskRole.SUPPORT and (unit.id, TaskRole.LEAD) in seen
            ):
                continue
            seen.add((unit.id, role))
            session.add(
                TaskUnit(task_id=task.id, unit_id=unit.id, role=role, position=pos, written_as=name)
            )
            pos += 1
    await session.flush()


_TASK_PAGE = (
    select(Task)
    .where(Task.plan_id == bindparam("plan_id"))
    .order_by(Task.position, Task.id)
    .offset(bindparam("offset"))
    .limit(bindparam("limit"))
)
_TASK_COUNT = select(func.count()).select_from(Task).where(Task.plan_id == bindparam("plan_id"))


async def task_page(
    session: AsyncSession, plan_id: int, offset: int, limit: int
) -> tuple[list[Task], int]:
    """One page of a plan's tasks in plan order (without their units), and how many there are."""
    params = {"plan_id": plan_id, "offset": offset, "limit": limit}
    tasks = list((await session.execute(_TASK_PAGE, params)).scalars())
    total = (await session.execute(_TASK_COUNT, {"plan_id": plan_id})).scalar_one()
    return tasks, int(total)


async def list_tasks(session: AsyncSession, plan_id: int) -> list[Task]:
    """A plan's tasks with their units, in plan order."""
    rows = await session.execute(
        select(Task)
        .where(Task.plan_id == plan_id)
        .options(selectinload(Task.units).selectinload(TaskUnit.unit))
        .order_by(Task.position, Task.id)
    )
    return list(rows.scalars())

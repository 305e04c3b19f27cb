"""Import service: read and parse a file, match units, and save the plan in one transaction."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Plan, Report, Task, TaskRole, Unit, UnitAlias, UnitKind
from domain import collectives, registry
from domain.errors import DomainError
from domain.importer.model import ParsedPlan, ParsedTask, ParsedUnit, Warn
from domain.importer.parse import parse_document
from domain.importer.readers import read_document
from domain.importer.unitnames import KnownNames, loose_key
from domain.timeframes import Timeframe, parse_timeframe
from domain.units import is_group, strip_qualifier, unit_key


@dataclass
class ImportResult:
    """What a save did."""

    plan_id: int
    plan_title: str
    created_plan: bool
    new_units: list[str] = field(default_factory=list)
    # Collectives recorded as plan groups: (words, task refs), for the review text.
    groups: list[tuple[str, list[str]]] = field(default_factory=list)
    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    rules: int = 0
    reports_kept: int = 0


async def known_names(session: AsyncSession) -> KnownNames:
    """Every unit name and alias in the database, to guide splitting."""
    names = list((await session.execute(select(Unit.name))).scalars())
    names += list((await session.execute(select(UnitAlias.alias))).scalars())
    return KnownNames(names)


def parse_bytes(
    data: bytes, filename: str, known: KnownNames | None = None, default_year: int | None = None
) -> ParsedPlan:
    """Read and parse a plan file; DomainError when it cannot be read or holds no task."""
    doc = read_document(data, filename)
    plan = parse_document(doc, known, default_year)
    if not plan.tasks:
        raise DomainError("importer.error.no_tasks", name=Path(filename).name)
    return plan


async def _loose_index(session: AsyncSession) -> dict[str, int]:
    """Every unit (not group) by its loose key, from its name and its aliases."""
    index: dict[str, int] = {}
    for unit in await registry.list_units(session):
        if unit.kind is UnitKind.GROUP:
            continue
        for spelling in [unit.name, *(a.alias for a in unit.aliases)]:
            index.setdefault(loose_key(spelling), unit.id)
    return index


async def _match(
    session: AsyncSession, unit: ParsedUnit, loose: dict[str, int] | None = None
) -> Unit | None:
    """The existing unit: by key or alias, else (not for groups) ignoring locality words."""
    for spelling in [unit.name, *unit.aliases]:
        found = await registry.find_unit(session, strip_qualifier(spelling))
        if found is not None:
            return found
    if loose is not None and not unit.group:
        for spelling in [unit.name, *unit.aliases]:
            unit_id = loose.get(loose_key(spelling))
            if unit_id is not None:
                return await session.get(Unit, unit_id)
    return None


async def resolve_units(session: AsyncSession, plan: ParsedPlan) -> list[str]:
    """Match the plan's units to existing ones (by key and alias); returns the new units' names."""
    new: list[str] = []
    loose = await _loose_index(session)
    for unit in plan.units:
        if is_collective(unit):
            # A collective is recorded as a group of the plan, never as a unit.
            continue
        found = await _match(session, unit, loose)
        if found is not None:
            unit.existing_id = found.id
            if found.name != unit.name:
                if unit_key(unit.name) != found.key and unit.name not in unit.aliases:
                    unit.aliases.insert(0, unit.name)
                if plan.coordinator == unit.name:
                    plan.coordinator = found.name
                unit.name = found.name
        else:
            new.append(unit.name)
    plan.warnings = [w for w in plan.warnings if w.key != "importer.warn.new_units"]
    if new:
        plan.warnings.append(
            Warn.of("importer.warn.new_units", count=len(new), names="; ".join(new))
        )
    return new


async def prepare(
    session: AsyncSession, data: bytes, filename: str, default_year: int
) -> ParsedPlan:
    """Parse a file against the database's units (nothing is written)."""
    plan = parse_bytes(data, filename, await known_names(session), default_year)
    await resolve_units(session, plan)
    return plan


async def _unit_for(session: AsyncSession, name: str) -> Unit | None:
    return await registry.find_unit(session, strip_qualifier(name))


async def apply_plan(
    session: AsyncSession,
    parsed: ParsedPlan,
    now: dt.datetime,
    *,
    target: Plan | None = None,
    actor: str = "",
) -> ImportResult:
    """Write a parsed plan (or re-import into `target`); the caller's transaction holds it all.

    The steps: register the plan's units and their spellings (1); create the plan, or take
    the target, with its coordinator and reporting rules (2); add or update each task with its
    units and groups (3); retire the tasks the file no longer lists (4); count the reports kept
    and audit the import (5).
    """
    if not parsed.tasks:
        raise DomainError("importer.error.no_tasks", name=parsed.source_name)
    new_units = await _register_units(session, parsed, now)  # 1
    plan, created_plan = await _plan_for(session, parsed, now, target)  # 2
    result = ImportResult(
        plan.id, plan.title, created_plan, new_units=new_units, rules=len(parsed.rules)
    )
    existing = {t.ref: t for t in await registry.list_tasks(session, plan.id)}
    groups = _GroupRefs()
    collective = group_names(parsed)
    for position, pt in enumerate(parsed.tasks):  # 3
        units = _task_units(pt, collective)
        groups.note(units.groups, pt.ref)
        timeframe = _timeframe(pt, plan, parsed)
        task = existing.get(pt.ref)
        if task is None:
            await _add_task(session, plan, pt, units, timeframe, position, now)
            result.added.append(pt.ref)
        elif await _update_task(session, task, pt, units, timeframe, position, now):
            result.changed.append(pt.ref)
    result.removed = _retire_missing(existing, {pt.ref for pt in parsed.tasks})  # 4
    result.groups = groups.listed()
    await session.flush()
    result.reports_kept = await _reports_of(session, plan.id)  # 5
    registry.audit(
        session,
        now,
        "import" if created_plan else "reimport",
        "plan",
        plan.id,
        actor=actor,
        file=parsed.source_name,
        added=len(result.added),
        changed=len(result.changed),
        removed=len(result.removed),
        new_units=len(new_units),
        groups=len(result.groups),
    )
    return result


async def _register_units(session: AsyncSession, parsed: ParsedPlan, now: dt.datetime) -> list[str]:
    """Step 1: match or create each unit the plan names (not its collectives); every spelling
    the plan used resolves to the unit from now on. Returns the names of units created."""
    new_units: list[str] = []
    loose = await _loose_index(session)
    for pu in parsed.units:
        if is_collective(pu):
            continue
        unit = await _match(session, pu, loose)
        if unit is None:
            unit, created = await registry.get_or_create_unit(session, pu.name, now)
            if created:
                new_units.append(unit.name)
        for alias in [pu.name, *pu.aliases]:
            if await registry.find_unit(session, strip_qualifier(alias)) is None:
                await registry.add_alias(session, unit, strip_qualifier(alias))
    return new_units


async def _plan_for(
    session: AsyncSession, parsed: ParsedPlan, now: dt.datetime, target: Plan | None
) -> tuple[Plan, bool]:
    """Step 2: the plan written to (created when no target) with its coordinator and rules;
    True when it was created."""
    created = target is None
    if target is None:
        plan = await registry.create_plan(
            session,
            now,
            title=parsed.title,
            year=parsed.year,
            number=parsed.number,
            issuer=parsed.issuer,
            parent_body=parsed.parent_body,
            place=parsed.place,
            issued_on=parsed.issued_on,
            family=parsed.family,
        )
    else:
        plan = target
    if parsed.coordinator and (created or plan.coordinator_unit_id is None):
        coord = await _unit_for(session, parsed.coordinator)
        plan.coordinator_unit_id = coord.id if coord else None
    for rule in parsed.rules:
        await registry.set_rule(session, plan, rule.kind, rule.due_day, rule.due_month, now)
    return plan, created


@dataclass
class _TaskUnits:
    """A task's named units, and the collectives among them as (role, words) groups."""

    lead: list[str]
    support: list[str]
    groups: list[tuple[TaskRole, str]]


def _task_units(pt: ParsedTask, collective: dict[str, str]) -> _TaskUnits:
    lead, lead_groups = _split(pt.lead, collective)
    support, support_groups = _split(pt.support, collective)
    groups = [(TaskRole.LEAD, g) for g in lead_groups]
    groups += [(TaskRole.SUPPORT, g) for g in support_groups]
    return _TaskUnits(lead, support, groups)


class _GroupRefs:
    """Group key -> [the group's words, the refs of its tasks], in the plan's order."""

    def __init__(self) -> None:
        self._refs: dict[str, list[str]] = {}

    def note(self, groups: list[tuple[TaskRole, str]], ref: str) -> None:
        for _, words in groups:
            refs = self._refs.setdefault(collectives.group_key(words), [words])
            if ref not in refs[1:]:
                refs.append(ref)

    def listed(self) -> list[tuple[str, list[str]]]:
        """(words, task refs) of every group, for the review text."""
        return [(refs[0], refs[1:]) for refs in self._refs.values()]


def _timeframe(pt: ParsedTask, plan: Plan, parsed: ParsedPlan) -> Timeframe:
    """A year left out takes the plan's year: the existing plan's, on re-import."""
    tf = pt.timeframe
    if plan.year != parsed.year:
        tf = parse_timeframe(tf.text, plan.year) if tf.text else tf
    return tf


def _section(pt: ParsedTask) -> str | None:
    return (pt.section or None) and pt.section[:300]


async def _add_task(
    session: AsyncSession,
    plan: Plan,
    pt: ParsedTask,
    units: _TaskUnits,
    tf: Timeframe,
    position: int,
    now: dt.datetime,
) -> None:
    """Step 3: a task the plan did not have."""
    task = await registry.add_task(
        session,
        plan,
        now,
        ref=pt.ref,
        title=pt.title,
        lead=units.lead,
        support=units.support,
        timeframe_text=tf.text,
        schedule=tf.kind,
        due_date=tf.due,
        recurrence=tf.recurrence,
        section=_section(pt),
        position=position,
    )
    if units.groups:
        await collectives.set_task_groups(session, task, units.groups, now)


async def _update_task(
    session: AsyncSession,
    task: Task,
    pt: ParsedTask,
    units: _TaskUnits,
    tf: Timeframe,
    position: int,
    now: dt.datetime,
) -> bool:
    """Step 3: a task the plan had, rewritten as the file says; True when anything changed
    (besides its position)."""
    before = _task_state(task, _roles(task))
    task.title = pt.title
    task.timeframe_text = tf.text
    task.schedule = tf.kind
    task.due_date = tf.due
    task.recurrence = tf.recurrence
    task.section = _section(pt)
    task.position = position
    task.active = True
    wanted = await _wanted_roles(session, units.lead, units.support)
    if wanted != _roles(task):
        await registry.set_task_units(session, task, units.lead, units.support, now)
        await collectives.recompute_tasks(session, [task.id])
        await session.refresh(task, ["units"])
    groups_changed = await collectives.set_task_groups(session, task, units.groups, now)
    if groups_changed:
        await session.refresh(task, ["units"])
    return before != _task_state(task, wanted) or groups_changed


def _task_state(task: Task, roles: list[tuple[str, int]]) -> tuple[object, ...]:
    """What a re-import compares to tell a changed task."""
    return (
        task.title,
        task.timeframe_text,
        task.schedule,
        task.due_date,
        task.recurrence,
        task.section,
        task.active,
        roles,
    )


def _retire_missing(existing: dict[str, Task], listed: set[str]) -> list[str]:
    """Step 4: active tasks the file no longer lists are retired, not deleted (their reports
    stay); returns their refs."""
    removed = []
    for ref, task in existing.items():
        if ref not in listed and task.active:
            task.active = False
            removed.append(ref)
    return removed


async def _reports_of(session: AsyncSession, plan_id: int) -> int:
    """Step 5: reports the plan holds (kept across a re-import)."""
    count = select(func.count(Report.id)).where(Report.plan_id == plan_id)
    return int((await session.execute(count)).scalar_one())


KEPT_ON_REIMPORT = ("importer.warn.no_reporting", "importer.warn.no_coordinator")


def _title_key(title: str) -> str:
    return " ".join(unicodedata.normalize("NFC", title).lower().split()).strip(" .:")


async def find_registered(session: AsyncSession, parsed: ParsedPlan) -> Plan | None:
    """The plan already registered for this document: same number (with its digits) and issuer,
    else the same title. A re-import then updates it instead of creating a silent duplicate."""
    plans = list((await session.execute(select(Plan).order_by(Plan.id))).scalars())
    number = re.sub(r"\s+", "", parsed.number or "")
    if re.search(r"\d", number) and parsed.issuer:
        issuer = unit_key(parsed.issuer)
        for plan in plans:
            same_number = re.sub(r"\s+", "", plan.number or "").lower() == number.lower()
            if same_number and plan.issuer and unit_key(plan.issuer) == issuer:
                return plan
    title = _title_key(parsed.title)
    if len(title) >= 12:
        for plan in plans:
            if _title_key(plan.title) == title:
                return plan
    return None


def for_target(parsed: ParsedPlan) -> None:
    """On re-import the plan keeps its regime and coordinator: drop the warnings about them."""
    parsed.warnings = [w for w in parsed.warnings if w.key not in KEPT_ON_REIMPORT]


async def preview_changes(
    session: AsyncSession, parsed: ParsedPlan, now: dt.datetime, target: Plan
) -> ImportResult:
    """What a re-import into `target` would add, change and remove; nothing is kept."""
    savepoint = await session.begin_nested()
    try:
        return await apply_plan(session, parsed, now, target=target)
    finally:
        # Objects touched inside the savepoint are expired by the rollback; others stay loaded.
        await savepoint.rollback()


def _roles(task: Task) -> list[tuple[str, int]]:
    return [(tu.role.value, tu.unit_id) for tu in task.units if tu.via_group_id is None]


def is_collective(unit: ParsedUnit) -> bool:
    """A name standing for several units ("Các cơ quan, phòng, ban, ngành")."""
    return unit.group or is_group(unit.name)


def group_names(parsed: ParsedPlan) -> dict[str, str]:
    """Every spelling of the plan's collectives (as keys), to the words the review shows."""
    keys: dict[str, str] = {}
    for unit in parsed.units:
        if is_collective(unit):
            for spelling in [unit.name, *unit.aliases]:
                keys.setdefault(unit_key(spelling), unit.name)
    return keys


def _split(names: list[str], collective: dict[str, str]) -> tuple[list[str], list[str]]:
    """(unit names, group words) of a task's lead or support list."""
    units: list[str] = []
    groups: list[str] = []
    for name in names:
        key = unit_key(name)
        if key in collective:
            groups.append(collective[key])
        elif is_group(name):
            groups.append(name[:1].upper() + name[1:])
        else:
            units.append(name)
    return units, groups


def planned_groups(parsed: ParsedPlan) -> list[tuple[str, list[str]]]:
    """The plan's collectives and the refs of the tasks given to each (before saving)."""
    collective = group_names(parsed)
    found: dict[str, list[str]] = {}
    for pt in parsed.tasks:
        for words in _split(pt.lead, collective)[1] + _split(pt.support, collective)[1]:
            refs = found.setdefault(unit_key(words) or words, [strip_qualifier(words)])
            if pt.ref not in refs[1:]:
                refs.append(pt.ref)
    return [(refs[0], refs[1:]) for refs in found.values()]


async def _wanted_roles(
    session: AsyncSession, lead: list[str], support: list[str]
) -> list[tuple[str, int]]:
    out: list[tuple[str, int]] = []
    seen: set[tuple[int, str]] = set()
    for role, names in ((TaskRole.LEAD, lead), (TaskRole.SUPPORT, support)):
        for name in names:
            unit = await _unit_for(session, name)
            if unit is None:
                out.append((role.value, -1))
                continue
            if (unit.id, role.value) in seen or (
                role is TaskRole.SUPPORT and (unit.id, TaskRole.LEAD.value) in seen
            ):
                continue
            seen.add((unit.id, role.value))
            out.append((role.value, unit.id))
    return out

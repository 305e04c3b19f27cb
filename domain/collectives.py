"""Collectives a plan names ("Các cơ quan, phòng, ban, ngành") and the units they mean.

A collective is a `PlanGroup` of one plan, with its words as written. A task assigned to it has a
`TaskGroup` row. When the office maps the group to registered units, every member gets a derived
`TaskUnit` row (``via_group_id`` set, the role the plan gave the group), so reminders, `/baocao`,
`/tinhhinh` and the exporters, which all work from `task_units`, count the members. A unit the
plan also names directly keeps its own row; derived rows never replace or duplicate it.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import (
    Plan,
    PlanGroup,
    PlanGroupMember,
    Task,
    TaskGroup,
    TaskRole,
    TaskUnit,
    Unit,
    UnitKind,
)
from domain.errors import DomainError
from domain.registry import audit, find_unit
from domain.units import clean_name, matches, search_key, strip_qualifier, unit_key


def group_key(words: str) -> str:
    """The matching key of a collective's words (tone marks, case and spacing ignored)."""
    return unit_key(words) or search_key(words)


async def ensure_group(
    session: AsyncSession, plan_id: int, words: str, now: dt.datetime
) -> tuple[PlanGroup, bool]:
    """The plan's group for these words, created when new; returns (group, created)."""
    display = clean_name(strip_qualifier(words)) or clean_name(words)
    key = group_key(display)
    if not key:
        raise DomainError("collectives.error.empty")
    found = (
        await session.execute(
            select(PlanGroup).where(PlanGroup.plan_id == plan_id, PlanGroup.key == key)
        )
    ).scalar_one_or_none()
    if found is not None:
        return found, False
    group = PlanGroup(plan_id=plan_id, name=display, key=key, created_at=now)
    session.add(group)
    await session.flush()
    return group, True


async def set_task_groups(
    session: AsyncSession,
    task: Task,
    groups: Sequence[tuple[TaskRole, str]],
    now: dt.datetime,
) -> bool:
    """Replace the task's group assignments (role, words); True when they changed."""
    before = [
        (tg.role, tg.group_id)
        for tg in (
            await session.execute(
                select(TaskGroup).where(TaskGroup.task_id == task.id).order_by(TaskGroup.position)
            )
        ).scalars()
    ]
    wanted: list[tuple[TaskRole, int, str]] = []
    for role, words in groups:
        group, _ = await ensure_group(session, task.plan_id, words, now)
        if any(g == group.id and (r is role or r is TaskRole.LEAD) for r, g, _ in wanted):
            continue
        wanted.append((role, group.id, words))
    if [(r, g) for r, g, _ in wanted] == before:
        return False
    await session.execute(delete(TaskGroup).where(TaskGroup.task_id == task.id))
    for pos, (role, group_id, words) in enumerate(wanted):
        session.add(
            TaskGroup(task_id=task.id, group_id=group_id, role=role, position=pos, written_as=words)
        )
    await session.flush()
    await recompute_tasks(session, [task.id])
    return True


async def recompute_tasks(session: AsyncSession, task_ids: Iterable[int]) -> None:
    """Rebuild the derived task_units rows of these tasks from their groups' members."""
    ids = sorted(set(task_ids))
    if not ids:
        return
    await session.execute(
        delete(TaskUnit).where(TaskUnit.task_id.in_(ids), TaskUnit.via_group_id.is_not(None))
    )
    await session.flush()
    direct = (
        await session.execute(
            select(TaskUnit.task_id, TaskUnit.unit_id, func.max(TaskUnit.position))
            .where(TaskUnit.task_id.in_(ids))
            .group_by(TaskUnit.task_id, TaskUnit.unit_id)
        )
    ).all()
    taken = {(t, u) for t, u, _ in direct}
    next_pos: dict[int, int] = {}
    for t, _, p in direct:
        next_pos[t] = max(next_pos.get(t, 0), int(p or 0) + 1)
    rows = (
        await session.execute(
            select(TaskGroup.task_id, TaskGroup.group_id, TaskGroup.role, PlanGroupMember.unit_id)
            .join(PlanGroupMember, PlanGroupMember.group_id == TaskGroup.group_id)
            .join(Unit, Unit.id == PlanGroupMember.unit_id)
            .where(TaskGroup.task_id.in_(ids))
            # Lead assignments first, so a unit in a lead and a support group leads.
            .order_by(TaskGroup.task_id, TaskGroup.role, TaskGroup.position, Unit.name)
        )
    ).all()
    for task_id, group_id, role, unit_id in rows:
        if (task_id, unit_id) in taken:
            continue
        taken.add((task_id, unit_id))
        pos = next_pos.get(task_id, 0)
        next_pos[task_id] = pos + 1
        session.add(
            TaskUnit(
                task_id=task_id, unit_id=unit_id, role=role, position=pos, via_group_id=group_id
            )
        )
    await session.flush()


# ---------------------------------------------------------------- reading


@dataclass
class GroupView:
    """A plan group with its tasks and members, for lists and the chat."""

    id: int
    name: str
    mapped: bool
    tasks: list[str] = field(default_factory=list)
    members: list[Unit] = field(default_factory=list)

    def json(self) -> dict[str, object]:
        """As JSON."""
        return {
            "id": self.id,
            "name": self.name,
            "mapped": self.mapped,
            "tasks": self.tasks,
            "units": [u.name for u in self.members],
        }


async def list_groups(session: AsyncSession, plan_id: int) -> list[GroupView]:
    """The plan's groups (in the order their first task comes), with tasks and members."""
    groups = list(
        (
            await session.execute(
                select(PlanGroup).where(PlanGroup.plan_id == plan_id).order_by(PlanGroup.id)
            )
        ).scalars()
    )
    views = {g.id: GroupView(g.id, g.name, False) for g in groups}
    refs = await session.execute(
        select(TaskGroup.group_id, Task.ref)
        .join(Task, Task.id == TaskGroup.task_id)
        .where(Task.plan_id == plan_id, Task.active.is_(True))
        .order_by(Task.position, Task.id)
    )
    for group_id, ref in refs:
        if ref not in views[group_id].tasks:
            views[group_id].tasks.append(ref)
    members = await session.execute(
        select(PlanGroupMember.group_id, Unit)
        .join(Unit, Unit.id == PlanGroupMember.unit_id)
        .join(PlanGroup, PlanGroup.id == PlanGroupMember.group_id)
        .where(PlanGroup.plan_id == plan_id)
        .order_by(Unit.name)
    )
    for group_id, unit in members:
        views[group_id].members.append(unit)
    for view in views.values():
        view.mapped = bool(view.members)
    return sorted(
        (v for v in views.values() if v.tasks or v.mapped),
        key=lambda v: (_ref_order(v.tasks[0]) if v.tasks else (10**9,), v.id),
    )


def _ref_order(ref: str) -> tuple[int, ...]:
    return tuple(int(p) if p.isdigit() else 0 for p in re.split(r"[.\-/]", ref))


@dataclass(frozen=True)
class UnmappedTask:
    """A task with a group the office has not mapped yet."""

    task_id: int
    ref: str
    title: str
    group: str
    # The role the plan gives the group: a task led only by unmapped groups has nobody in charge.
    role: TaskRole = TaskRole.LEAD


async def unmapped_tasks(
    session: AsyncSession, plan_id: int, task_id: int | None = None
) -> list[UnmappedTask]:
    """Active tasks (or one task) assigned to a group with no member unit yet, in plan order."""
    has_members = select(PlanGroupMember.id).where(PlanGroupMember.group_id == PlanGroup.id)
    query = (
        select(Task.id, Task.ref, Task.title, PlanGroup.name, TaskGroup.role)
        .join(TaskGroup, TaskGroup.task_id == Task.id)
        .join(PlanGroup, PlanGroup.id == TaskGroup.group_id)
        .where(Task.plan_id == plan_id, Task.active.is_(True), ~has_members.exists())
        .order_by(Task.position, Task.id, TaskGroup.position)
    )
    if task_id is not None:
        query = query.where(Task.id == task_id)
    rows = await session.execute(query)
    return [UnmappedTask(*row) for row in rows]


def unmapped_lines(items: Sequence[UnmappedTask], width: int = 80) -> list[str]:
    """One line per task: "1. Title… → «Các cơ quan, phòng, ban, ngành»"."""
    by_task: dict[int, tuple[str, str, list[str]]] = {}
    for item in items:
        entry = by_task.setdefault(item.task_id, (item.ref, item.title, []))
        if item.group not in entry[2]:
            entry[2].append(item.group)
    lines = []
    for ref, title, groups in by_task.values():
        first = title.split("\n", 1)[0]
        if len(first) > width:
            first = first[: width - 1].rstrip() + "…"
        lines.append(f"{ref}. {first} → " + "; ".join(f"«{g}»" for g in groups))
    return lines


def unmapped_count(items: Sequence[UnmappedTask]) -> int:
    """How many distinct tasks the list holds."""
    return len({i.task_id for i in items})


# ---------------------------------------------------------------- mapping


async def find_group(session: AsyncSession, plan_id: int, words: str) -> PlanGroup | None:
    """A plan group by id or by its words (tone marks and case ignored)."""
    text = words.strip()
    if text.isdigit():
        group = await session.get(PlanGroup, int(text))
        return group if group is not None and group.plan_id == plan_id else None
    key = group_key(text)
    found = (
        await session.execute(
            select(PlanGroup).where(PlanGroup.plan_id == plan_id, PlanGroup.key == key)
        )
    ).scalar_one_or_none()
    if found is not None:
        return found
    loose = [
        g
        for g in (
            await session.execute(select(PlanGroup).where(PlanGroup.plan_id == plan_id))
        ).scalars()
        if search_key(g.name) == search_key(text)
    ]
    return loose[0] if len(loose) == 1 else None


async def set_members(
    session: AsyncSession,
    group: PlanGroup,
    unit_ids: Iterable[int],
    now: dt.datetime,
    *,
    actor: str = "",
    actor_member_id: int | None = None,
) -> list[Unit]:
    """Map a group to these units (replacing any earlier mapping); derived rows follow."""
    ids = sorted(set(unit_ids))
    units = (
        list((await session.execute(select(Unit).where(Unit.id.in_(ids)))).scalars()) if ids else []
    )
    if len(units) != len(ids):
        raise DomainError("collectives.error.no_unit", name=", ".join(map(str, ids)))
    before = sorted(
        (
            await session.execute(
                select(PlanGroupMember.unit_id).where(PlanGroupMember.group_id == group.id)
            )
        ).scalars()
    )
    await session.execute(delete(PlanGroupMember).where(PlanGroupMember.group_id == group.id))
    for unit_id in ids:
        session.add(PlanGroupMember(group_id=group.id, unit_id=unit_id))
    group.mapped_at = now if ids else None
    await session.flush()
    task_ids = (
        await session.execute(select(TaskGroup.task_id).where(TaskGroup.group_id == group.id))
    ).scalars()
    await recompute_tasks(session, list(task_ids))
    audit(
        session,
        now,
        "map_group",
        "plan_group",
        group.id,
        actor=actor,
        actor_member_id=actor_member_id,
        plan_id=group.plan_id,
        group=group.name,
        before=before,
        after=ids,
        units=[u.name for u in sorted(units, key=lambda u: u.name)],
    )
    return sorted(units, key=lambda u: u.name)


async def resolve_unit_names(session: AsyncSession, names: Iterable[str]) -> list[Unit]:
    """Registered units by name, alias or id; names typed without tone marks also match.

    Raises DomainError naming the first name that matches no unit, or several.
    """
    out: list[Unit] = []
    candidates: list[Unit] | None = None
    for raw in names:
        name = raw.strip()
        if not name:
            continue
        unit = await find_unit(session, name)
        if unit is None or unit.kind is UnitKind.GROUP:
            if candidates is None:
                candidates = await _registered_units(session)
            exact = [u for u in candidates if search_key(u.name) == search_key(name)]
            loose = exact or [u for u in candidates if matches(name, u.name)]
            if len(loose) != 1:
                key = "collectives.error.no_unit" if not loose else "collectives.error.ambiguous"
                raise DomainError(key, name=name, options="; ".join(u.name for u in loose[:5]))
            unit = loose[0]
        if unit.id not in {u.id for u in out}:
            out.append(unit)
    return out


async def _registered_units(session: AsyncSession) -> list[Unit]:
    return list(
        (
            await session.execute(
                select(Unit).where(Unit.kind == UnitKind.UNIT).order_by(Unit.name)
            )
        ).scalars()
    )


# ---------------------------------------------------------------- first guess

_PREFIX_KINDS: tuple[tuple[str, str], ...] = (
    # (a word the collective uses, how the names of units of that kind start)
    ("phong", r"^phong "),
    ("truong", r"^truong "),
    ("so", r"^so "),
    ("ban", r"^ban "),
    ("tram y te", r"^tram y te"),
)
_COMMUNE_RE = re.compile(r"\b(xa|phuong|thi tran)\b")
_COMMUNE_UNIT_RE = re.compile(r"^(ubnd|uy ban nhan dan) (xa|phuong|thi tran|dac khu)\b")
_PLACE_RE = re.compile(
    r"\b(xa|phuong|thi tran|ap|thon|ban|khu pho|to dan pho|huyen|quan|thi xa|tinh|thanh pho"
    r"|dac khu)\b"
)
_PLACE = (
    r"(?:xa|phuong|thi tran|ap|thon|ban|khu pho|to dan pho|huyen|quan|thi xa|tinh|thanh pho"
    r"|dac khu)"
)
# "ủy ban nhân dân các xã, phường" or, without "các", "ủy ban nhân dân xã, phường".
_HEADED_RE = re.compile(
    rf"^(?P<head>(?!cac\b)[a-z ]+?) (?:cac (?P<rest>.+)|(?P<list>{_PLACE}(?: {_PLACE})+))$"
)
_HEAD_ABBREVIATIONS = (("ubnd ", "uy ban nhan dan "), ("bnd ", "ban nhan dan "))


def _head(key: str) -> str:
    """ "UBND xã" and "Ủy ban nhân dân xã" compared alike."""
    spaced = key + " "
    for short, full in _HEAD_ABBREVIATIONS:
        if spaced.startswith(short):
            return (full + spaced[len(short) :]).strip()
    return key


_ALL_WORDS = re.compile(r"\b(co quan|nganh|don vi|dia phuong)\b|lien quan")
_INDEPENDENT_WORDS = re.compile(r"\b(doan the|to chuc chinh tri|hoi|mat tran)\b")


async def plan_units(session: AsyncSession, plan_id: int) -> list[Unit]:
    """The units the plan names directly, and its coordinator."""
    ids = set(
        (
            await session.execute(
                select(TaskUnit.unit_id)
                .join(Task, Task.id == TaskUnit.task_id)
                .where(Task.plan_id == plan_id, TaskUnit.via_group_id.is_(None))
            )
        ).scalars()
    )
    plan = await session.get(Plan, plan_id)
    if plan is not None and plan.coordinator_unit_id:
        ids.add(plan.coordinator_unit_id)
    if not ids:
        return []
    rows = await session.execute(
        select(Unit).where(Unit.id.in_(ids), Unit.kind == UnitKind.UNIT).order_by(Unit.name)
    )
    return list(rows.scalars())


def guess_from_words(words: str, units: Sequence[Unit]) -> list[Unit]:
    """Every unit of the kind the words name ("các phòng" = the units named "Phòng …")."""
    key = search_key(re.sub(r"[,;/]", " ", words))
    chosen: dict[int, Unit] = {}

    def take(pred: Callable[[Unit], bool]) -> None:
        for u in units:
            if pred(u):
                chosen[u.id] = u

    headed = _HEADED_RE.match(key)
    if headed and (places := _PLACE_RE.findall(headed["rest"] or headed["list"])):
        # "Ủy ban nhân dân các xã, phường", "Ban nhân dân các ấp": the body of each such place.
        heads = tuple(f"{_head(headed['head'])} {place}" for place in places)
        take(lambda u: _head(search_key(u.name)).startswith(heads))
        return sorted(chosen.values(), key=lambda u: u.name)
    if _ALL_WORDS.search(key):
        take(lambda u: not u.independent)
    for word, prefix in _PREFIX_KINDS:
        if re.search(rf"\b{word}\b", key):
            pattern = re.compile(prefix)

            def named(u: Unit, p: re.Pattern[str] = pattern) -> bool:
                return bool(p.search(search_key(u.name)))

            take(named)
    if _COMMUNE_RE.search(key):
        take(lambda u: bool(_COMMUNE_UNIT_RE.search(search_key(u.name))))
    if _INDEPENDENT_WORDS.search(key):
        take(lambda u: u.independent)
    return sorted(chosen.values(), key=lambda u: u.name)


async def previous_mapping(session: AsyncSession, group: PlanGroup) -> list[Unit] | None:
    """The latest mapping of the same words in another plan of the same issuer, if any."""
    plan = await session.get(Plan, group.plan_id)
    if plan is None:
        return None
    issuer_key = unit_key(plan.issuer or "")
    others = (
        await session.execute(
            select(PlanGroup, Plan.issuer)
            .join(Plan, Plan.id == PlanGroup.plan_id)
            .where(
                PlanGroup.key == group.key,
                PlanGroup.plan_id != group.plan_id,
                PlanGroup.mapped_at.is_not(None),
            )
            .order_by(PlanGroup.mapped_at.desc())
        )
    ).all()
    for other, issuer in others:
        if unit_key(issuer or "") != issuer_key:
            continue
        units = (
            await session.execute(
                select(Unit)
                .join(PlanGroupMember, PlanGroupMember.unit_id == Unit.id)
                .where(PlanGroupMember.group_id == other.id)
                .order_by(Unit.name)
            )
        ).scalars()
        found = list(units)
        if found:
            return found
    return None


async def first_guess(session: AsyncSession, group: PlanGroup) -> tuple[list[Unit], str]:
    """The units to pre-select, and where the guess came from ("current", "previous", "words")."""
    current = list(
        (
            await session.execute(
                select(Unit)
                .join(PlanGroupMember, PlanGroupMember.unit_id == Unit.id)
                .where(PlanGroupMember.group_id == group.id)
                .order_by(Unit.name)
            )
        ).scalars()
    )
    if current:
        return current, "current"
    previous = await previous_mapping(session, group)
    if previous:
        return previous, "previous"
    # Every registered unit of the kind the words name (one office registers its own units).
    return guess_from_words(group.name, await _registered_units(session)), "words"


async def candidate_units(session: AsyncSession, group: PlanGroup) -> list[Unit]:
    """The units offered when mapping: the plan's own units first, then every other one."""
    own = await plan_units(session, group.plan_id)
    own_ids = {u.id for u in own}
    rest = [u for u in await _registered_units(session) if u.id not in own_ids]
    return own + rest


async def task_group_words(
    session: AsyncSession, plan_id: int
) -> dict[int, list[tuple[TaskRole, str]]]:
    """Each task's group assignments (role, words as written), in plan order."""
    rows = await session.execute(
        select(TaskGroup.task_id, TaskGroup.role, TaskGroup.written_as, PlanGroup.name)
        .join(PlanGroup, PlanGroup.id == TaskGroup.group_id)
        .where(PlanGroup.plan_id == plan_id)
        .order_by(TaskGroup.task_id, TaskGroup.position)
    )
    out: dict[int, list[tuple[TaskRole, str]]] = {}
    for task_id, role, written, name in rows:
        out.setdefault(task_id, []).append((role, written or name))
    return out

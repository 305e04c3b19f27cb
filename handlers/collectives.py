"""`/nhom` (`/groups`): the office chooses which registered units a plan's collective means.

Steps: the plan's groups (unmapped first) → one group: a multi-select of units, the first guess
pre-selected, "all", "none", pages, and a unit typed by name (found with or without tone marks,
or added as a new unit after a confirmation) → save. Works with buttons (Telegram) and typed
numbers (Zalo, terminal): every choice is an option of the question.
"""

from __future__ import annotations

import enum
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from db.models import Plan, PlanGroup
from domain import collectives
from domain.errors import DomainError
from domain.membership import is_office
from domain.registry import get_or_create_unit
from handlers.common import PAGE_SIZE, active_plans, short
from handlers.forms import Form, Step, Typed, first, one_of, option_id, text
from handlers.messages import Option, Reply
from handlers.routing import Command, Flow, HelpLine, Router
from handlers.turn import Turn

FLOW = "groups"


async def office_plan_entry(
    turn: Turn,
    flow: str,
    forbidden_key: str,
    then: Callable[[Turn, int], Awaitable[list[Reply]]],
) -> list[Reply]:
    """An office-only form's entry: ask which plan when several are active (step "plan")."""
    if turn.member is None or not is_office(turn.member):
        return await turn.done(turn.t(forbidden_key))
    plans = await active_plans(turn.session)
    if not plans:
        return await turn.done(turn.t("status.no_plan"))
    if len(plans) > 1:
        options = [
            Option(f"plan:{p.id}", short(p.short_title or p.number or p.title)) for p in plans
        ]
        return await turn.ask(flow, "plan", turn.t("report.choose_plan"), options, data={})
    return await then(turn, plans[0].id)


async def start(turn: Turn) -> list[Reply]:
    """Entry: office members only; choose the plan when several are active."""
    return await office_plan_entry(turn, FLOW, "collectives.chat.forbidden", _groups)


@dataclass
class GroupMapping:
    """The mapping form's data: the plan, the group open, the units selected so far."""

    plan_id: int = 0
    group_id: int | None = None
    sel: list[int] = field(default_factory=list)
    page: int = 0
    source: str = "words"  # where the first guess came from ("words", "previous", …)
    added: list[int] = field(default_factory=list)  # units typed in this form: listed first
    new_name: str | None = None  # a unit name typed that is not registered: add it?

    def to_json(self) -> dict[str, Any]:
        """Stored in the form row."""
        out: dict[str, Any] = {"plan_id": self.plan_id}
        if self.group_id is not None:
            out.update(group_id=self.group_id, sel=self.sel, page=self.page, source=self.source)
        if self.added:
            out["added"] = self.added
        if self.new_name is not None:
            out["new_name"] = self.new_name
        return out

    @classmethod
    def from_json(cls, raw: Mapping[str, Any]) -> GroupMapping:
        """Read back from the form row."""
        group = raw.get("group_id")
        return cls(
            plan_id=int(raw.get("plan_id", 0)),
            group_id=int(group) if group is not None else None,
            sel=[int(u) for u in raw.get("sel", [])],
            page=int(raw.get("page", 0)),
            source=str(raw.get("source", "words")),
            added=[int(u) for u in raw.get("added", [])],
            new_name=str(raw["new_name"]) if raw.get("new_name") else None,
        )


class Act(enum.Enum):
    """The fixed options of the unit list."""

    NEXT = "p:next"
    PREV = "p:prev"
    ALL = "all"
    NONE = "none"
    ADD = "add"
    SAVE = "save"
    BACK = "back"
    NEW_YES = "new:yes"
    NEW_NO = "new:no"


async def _groups(turn: Turn, plan_id: int, notice: str = "") -> list[Reply]:
    plan = await turn.session.get(Plan, plan_id)
    if plan is None:
        return await turn.done(turn.t("status.no_plan"))
    views = await collectives.list_groups(turn.session, plan_id)
    if not views:
        return await turn.done(turn.t("collectives.list.none"))
    views.sort(key=lambda v: v.mapped)  # unmapped first, plan order kept otherwise
    unmapped = sum(1 for v in views if not v.mapped)
    lines = []
    if notice:
        lines += [notice, ""]
    lines.append(turn.t("collectives.chat.head", count=len(views), unmapped=unmapped))
    options = []
    for view in views:
        mark = (
            turn.t("collectives.chat.mapped_mark", count=len(view.members)) if view.mapped else "⚠️"
        )
        refs = ", ".join(view.tasks[:6]) + ("…" if len(view.tasks) > 6 else "")
        options.append(Option(f"g:{view.id}", f"{mark} {short(view.name, 40)} ({refs})"))
    options.append(Option("cancel", turn.t("common.close")))
    return await FORM.ask(turn, "list", "\n".join(lines), options, GroupMapping(plan_id))


async def _open_group(turn: Turn, plan_id: int, group_id: int) -> list[Reply]:
    group = await turn.session.get(PlanGroup, group_id)
    if group is None or group.plan_id != plan_id:
        return await _groups(turn, plan_id)
    guess, source = await collectives.first_guess(turn.session, group)
    mapping = GroupMapping(plan_id, group_id, [u.id for u in guess], 0, source)
    return await _pick(turn, mapping)


async def _pick(turn: Turn, m: GroupMapping, notice: str = "") -> list[Reply]:
    group = await turn.session.get(PlanGroup, m.group_id) if m.group_id else None
    if group is None:
        return await _groups(turn, m.plan_id)
    units = await collectives.candidate_units(turn.session, group)
    # Units typed in this form come first, so they are seen at once.
    added = set(m.added)
    if added:
        units.sort(key=lambda u: u.id not in added)
    selected = set(m.sel)
    pages = max(1, -(-len(units) // PAGE_SIZE))
    page = min(max(0, m.page), pages - 1)
    m.page = page
    m.new_name = None
    views = {v.id: v for v in await collectives.list_groups(turn.session, m.plan_id)}
    refs = ", ".join(views[group.id].tasks) if group.id in views else "-"
    lines = []
    if notice:
        lines += [notice, ""]
    lines.append(turn.t("collectives.chat.group_head", name=group.name, refs=refs))
    if m.source in ("words", "previous") and not group.mapped_at:
        lines.append(turn.t(f"collectives.chat.guess_{m.source}"))
    lines.append(turn.t("collectives.chat.selected", count=len(selected)))
    lines.append(turn.t("collectives.chat.how", page=page + 1, pages=pages))
    options = []
    for unit in units[page * PAGE_SIZE : (page + 1) * PAGE_SIZE]:
        mark = "☑" if unit.id in selected else "☐"
        options.append(Option(f"t:{unit.id}", f"{mark} {short(unit.name, 44)}"))
    if page > 0:
        options.append(Option(Act.PREV.value, turn.t("common.prev")))
    if page < pages - 1:
        options.append(Option(Act.NEXT.value, turn.t("common.more")))
    options.append(Option(Act.ALL.value, turn.t("collectives.chat.all")))
    options.append(Option(Act.NONE.value, turn.t("collectives.chat.none")))
    options.append(Option(Act.ADD.value, turn.t("collectives.chat.add")))
    options.append(Option(Act.SAVE.value, turn.t("collectives.chat.save", count=len(selected))))
    options.append(Option(Act.BACK.value, turn.t("common.back")))
    return await FORM.ask(turn, "pick", "\n".join(lines), options, m)


async def _save(turn: Turn, m: GroupMapping) -> list[Reply]:
    group = await turn.session.get(PlanGroup, m.group_id) if m.group_id else None
    if group is None:
        return await _groups(turn, m.plan_id)
    member = turn.member
    units = await collectives.set_members(
        turn.session,
        group,
        m.sel,
        turn.now,
        actor=f"{turn.msg.channel}:{turn.msg.user_id}",
        actor_member_id=member.id if member else None,
    )
    if units:
        notice = turn.t(
            "collectives.chat.saved",
            name=group.name,
            count=len(units),
            units="; ".join(u.name for u in units),
        )
    else:
        notice = turn.t("collectives.set.cleared", name=group.name)
    return await _groups(turn, m.plan_id, notice)


def _select(m: GroupMapping, unit_id: int) -> None:
    """A unit typed or created in this form: selected, and listed first."""
    m.sel = sorted(set(m.sel) | {unit_id})
    m.added = sorted(set(m.added) | {unit_id})


async def _typed_unit(turn: Turn, m: GroupMapping, text: str) -> list[Reply]:
    """A unit typed by name: found → selected; not found → offer to add it."""
    try:
        found = await collectives.resolve_unit_names(turn.session, [text])
    except DomainError as exc:
        if exc.key == "collectives.error.ambiguous":
            return turn.repeat(turn.t(exc.key, **exc.params))
        m.new_name = text.strip()[:300]
        options = [
            Option(Act.NEW_YES.value, turn.t("collectives.chat.new_yes")),
            Option(Act.NEW_NO.value, turn.t("common.back")),
        ]
        question = turn.t("collectives.chat.new_ask", name=m.new_name)
        return await FORM.ask(turn, "new", question, options, m)
    unit = found[0]
    _select(m, unit.id)
    return await _pick(turn, m, turn.t("collectives.chat.added", name=unit.name))


async def _on_plan(turn: Turn, m: GroupMapping, plan_id: int) -> list[Reply]:
    del m  # nothing chosen before the plan
    return await _groups(turn, plan_id)


async def _on_list(turn: Turn, m: GroupMapping, group_id: int) -> list[Reply]:
    return await _open_group(turn, m.plan_id, group_id)


async def _on_new(turn: Turn, m: GroupMapping, act: Act) -> list[Reply]:
    if act is Act.NEW_NO:
        return await _pick(turn, m)
    if not m.new_name:
        return turn.repeat(turn.t("form.choose_listed"))
    try:
        unit, _ = await get_or_create_unit(turn.session, m.new_name, turn.now)
    except DomainError as exc:
        return await _pick(turn, m, turn.t(exc.key, **exc.params))
    _select(m, unit.id)
    return await _pick(turn, m, turn.t("collectives.chat.created", name=unit.name))


async def _on_add(turn: Turn, m: GroupMapping, value: Act | Typed[str]) -> list[Reply]:
    if isinstance(value, Typed):
        return await _typed_unit(turn, m, value.value)
    return await _pick(turn, m)


async def _on_pick(turn: Turn, m: GroupMapping, value: int | Act | Typed[str]) -> list[Reply]:
    if isinstance(value, int):  # a unit's box: ticked or unticked
        m.sel = sorted(set(m.sel) ^ {value})
    elif isinstance(value, Typed):
        return await _typed_unit(turn, m, value.value)
    elif value in (Act.NEXT, Act.PREV):
        m.page += 1 if value is Act.NEXT else -1
    elif value is Act.ALL:
        group = await turn.session.get(PlanGroup, m.group_id) if m.group_id else None
        if group is None:
            return await _groups(turn, m.plan_id)
        own = await collectives.plan_units(turn.session, group.plan_id)
        m.sel = sorted(set(m.sel) | {u.id for u in own})
    elif value is Act.NONE:
        m.sel = []
    elif value is Act.ADD:
        options = [Option(Act.BACK.value, turn.t("common.back"))]
        return await FORM.ask(turn, "add", turn.t("collectives.chat.add_ask"), options, m)
    elif value is Act.SAVE:
        return await _save(turn, m)
    else:  # back to the groups
        return await _groups(turn, m.plan_id)
    return await _pick(turn, m)


async def _office_only(turn: Turn) -> list[Reply] | None:
    if turn.member is None or not is_office(turn.member):
        return await turn.done(turn.t("collectives.chat.forbidden"))
    return None


_PICK_ACTS = (Act.NEXT, Act.PREV, Act.ALL, Act.NONE, Act.ADD, Act.SAVE, Act.BACK)
FORM: Form[GroupMapping] = Form(
    FLOW,
    GroupMapping,
    [
        Step("plan", option_id("plan:"), _on_plan),
        Step("list", option_id("g:"), _on_list),
        Step("pick", first(option_id("t:"), one_of(*_PICK_ACTS), text()), _on_pick),
        Step("add", first(one_of(Act.BACK), text()), _on_add),
        Step("new", one_of(Act.NEW_YES, Act.NEW_NO), _on_new),
    ],
    gate=_office_only,
    cancel="common.closed",
)


router = Router(
    "groups",
    commands=(Command("groups", start, vi="nhom", menu="office"),),
    flows=(Flow(FLOW, FORM),),
    help=(HelpLine("collectives.help", office=True),),
)

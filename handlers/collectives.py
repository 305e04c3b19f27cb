"""`/nhom` (`/groups`): the office chooses which registered units a plan's collective means.

Steps: the plan's groups (unmapped first) → one group: a multi-select of units, the first guess
pre-selected, "all", "none", pages, and a unit typed by name (found with or without tone marks,
or added as a new unit after a confirmation) → save. Works with buttons (Telegram) and typed
numbers (Zalo, terminal): every choice is an option of the question.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from db.models import Plan, PlanGroup
from domain import collectives
from domain.errors import DomainError
from domain.membership import is_office
from domain.registry import get_or_create_unit
from handlers.common import PAGE_SIZE, active_plans, short
from handlers.forms import checked
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
    return await turn.ask(FLOW, "list", "\n".join(lines), options, data={"plan_id": plan_id})


async def _open_group(turn: Turn, plan_id: int, group_id: int) -> list[Reply]:
    group = await turn.session.get(PlanGroup, group_id)
    if group is None or group.plan_id != plan_id:
        return await _groups(turn, plan_id)
    guess, source = await collectives.first_guess(turn.session, group)
    data = {
        "plan_id": plan_id,
        "group_id": group_id,
        "sel": [u.id for u in guess],
        "page": 0,
        "source": source,
    }
    return await _pick(turn, data)


async def _pick(turn: Turn, data: dict[str, Any], notice: str = "") -> list[Reply]:
    group = await turn.session.get(PlanGroup, data["group_id"])
    if group is None:
        return await _groups(turn, data["plan_id"])
    units = await collectives.candidate_units(turn.session, group)
    # Units typed in this form come first, so they are seen at once.
    added = set(data.get("added", []))
    if added:
        units.sort(key=lambda u: u.id not in added)
    selected = set(data.get("sel", []))
    pages = max(1, -(-len(units) // PAGE_SIZE))
    page = min(max(0, int(data.get("page", 0))), pages - 1)
    data["page"] = page
    views = {v.id: v for v in await collectives.list_groups(turn.session, data["plan_id"])}
    refs = ", ".join(views[group.id].tasks) if group.id in views else "-"
    lines = []
    if notice:
        lines += [notice, ""]
    lines.append(turn.t("collectives.chat.group_head", name=group.name, refs=refs))
    source = data.get("source", "words")
    if source in ("words", "previous") and not group.mapped_at:
        lines.append(turn.t(f"collectives.chat.guess_{source}"))
    lines.append(turn.t("collectives.chat.selected", count=len(selected)))
    lines.append(turn.t("collectives.chat.how", page=page + 1, pages=pages))
    options = []
    for unit in units[page * PAGE_SIZE : (page + 1) * PAGE_SIZE]:
        mark = "☑" if unit.id in selected else "☐"
        options.append(Option(f"t:{unit.id}", f"{mark} {short(unit.name, 44)}"))
    if page > 0:
        options.append(Option("p:prev", turn.t("common.prev")))
    if page < pages - 1:
        options.append(Option("p:next", turn.t("common.more")))
    options.append(Option("all", turn.t("collectives.chat.all")))
    options.append(Option("none", turn.t("collectives.chat.none")))
    options.append(Option("add", turn.t("collectives.chat.add")))
    options.append(Option("save", turn.t("collectives.chat.save", count=len(selected))))
    options.append(Option("back", turn.t("common.back")))
    return await turn.ask(FLOW, "pick", "\n".join(lines), options, data=data)


async def _save(turn: Turn, data: dict[str, Any]) -> list[Reply]:
    group = await turn.session.get(PlanGroup, data["group_id"])
    if group is None:
        return await _groups(turn, data["plan_id"])
    member = turn.member
    units = await collectives.set_members(
        turn.session,
        group,
        data.get("sel", []),
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
    return await _groups(turn, data["plan_id"], notice)


async def _typed_unit(turn: Turn, data: dict[str, Any], text: str) -> list[Reply]:
    """A unit typed by name: found → selected; not found → offer to add it."""
    try:
        found = await collectives.resolve_unit_names(turn.session, [text])
    except DomainError as exc:
        if exc.key == "collectives.error.ambiguous":
            return turn.repeat(turn.t(exc.key, **exc.params))
        data["new_name"] = text.strip()[:300]
        options = [
            Option("new:yes", turn.t("collectives.chat.new_yes")),
            Option("new:no", turn.t("common.back")),
        ]
        return await turn.ask(
            FLOW, "new", turn.t("collectives.chat.new_ask", name=data["new_name"]), options, data
        )
    unit = found[0]
    data["sel"] = sorted(set(data.get("sel", [])) | {unit.id})
    data["added"] = sorted(set(data.get("added", [])) | {unit.id})
    return await _pick(turn, data, turn.t("collectives.chat.added", name=unit.name))


async def resume(turn: Turn, step: str) -> list[Reply]:
    """Continue the mapping form."""
    if turn.member is None or not is_office(turn.member):
        return await turn.done(turn.t("collectives.chat.forbidden"))
    data = turn.data
    c = turn.choice or ""
    text = turn.msg.text.strip()
    if c == "cancel":
        return await turn.done(turn.t("common.closed"))
    if step == "plan":
        if c.startswith("plan:") and c[5:].isdigit():
            return await _groups(turn, int(c[5:]))
        return turn.repeat(turn.t("form.choose_listed"))
    plan_id = int(data.get("plan_id", 0))
    if step == "list":
        if c.startswith("g:") and c[2:].isdigit():
            return await _open_group(turn, plan_id, int(c[2:]))
        return turn.repeat(turn.t("form.choose_listed"))
    if step == "new":
        if c == "new:yes" and data.get("new_name"):
            try:
                unit, _ = await get_or_create_unit(turn.session, data["new_name"], turn.now)
            except DomainError as exc:
                return await _pick(turn, data, turn.t(exc.key, **exc.params))
            data["sel"] = sorted(set(data.get("sel", [])) | {unit.id})
            data["added"] = sorted(set(data.get("added", [])) | {unit.id})
            return await _pick(turn, data, turn.t("collectives.chat.created", name=unit.name))
        if c == "new:no":
            return await _pick(turn, data)
        return turn.repeat(turn.t("form.choose_listed"))
    if step == "add":
        if c == "back":
            return await _pick(turn, data)
        if text and not c:
            return await _typed_unit(turn, data, text)
        return turn.repeat()
    # step == "pick"
    if c.startswith("t:") and c[2:].isdigit():
        unit_id = int(c[2:])
        sel = set(data.get("sel", []))
        sel ^= {unit_id}
        data["sel"] = sorted(sel)
        return await _pick(turn, data)
    if c == "p:next" or c == "p:prev":
        data["page"] = int(data.get("page", 0)) + (1 if c == "p:next" else -1)
        return await _pick(turn, data)
    if c == "all":
        group = await turn.session.get(PlanGroup, data["group_id"])
        assert group is not None
        own = await collectives.plan_units(turn.session, group.plan_id)
        data["sel"] = sorted(set(data.get("sel", [])) | {u.id for u in own})
        return await _pick(turn, data)
    if c == "none":
        data["sel"] = []
        return await _pick(turn, data)
    if c == "add":
        options = [Option("back", turn.t("common.back"))]
        return await turn.ask(FLOW, "add", turn.t("collectives.chat.add_ask"), options, data)
    if c == "save":
        return await _save(turn, data)
    if c == "back":
        return await _groups(turn, plan_id)
    if text and not c:
        return await _typed_unit(turn, data, text)
    return turn.repeat(turn.t("form.choose_listed"))


router = Router(
    "groups",
    commands=(Command("groups", start, vi="nhom", menu="office"),),
    flows=(Flow(FLOW, checked(resume)),),
    help=(HelpLine("collectives.help", office=True),),
)

"""`/kehoach` (`/plan`): the office reads and edits the plan details the compiled report prints
(title, short title, number, date, issuer, parent body, place, coordinator, signer)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from db.models import Plan
from domain import admin
from domain.errors import DomainError
from domain.membership import is_office
from handlers.collectives import office_plan_entry
from handlers.common import fmt_date, short
from handlers.forms import checked
from handlers.messages import Option, Reply
from handlers.routing import Command, Flow, HelpLine, Router
from handlers.turn import Turn

FLOW = "plan_edit"
CLEAR = "-"


async def start(turn: Turn) -> list[Reply]:
    """Entry: office members only; choose the plan when several are active."""
    return await office_plan_entry(turn, FLOW, "collectives.chat.forbidden_plan", _details)


def _value(plan: Plan, name: str) -> str:
    if name == "coordinator":
        return plan.coordinator.name if plan.coordinator else CLEAR
    value = getattr(plan, name)
    if isinstance(value, dt.date):
        return fmt_date(value)
    return str(value) if value else CLEAR


async def _details(turn: Turn, plan_id: int, notice: str = "") -> list[Reply]:
    plan = await turn.session.get(Plan, plan_id)
    if plan is None:
        return await turn.done(turn.t("status.no_plan"))
    await turn.session.refresh(plan, ["coordinator"])
    lines = [notice, ""] if notice else []
    lines.append(turn.t("collectives.plan.head", id=plan.id))
    for name in admin.PLAN_FIELDS:
        lines.append(f"- {turn.t(f'admin.field.{name}')}: {_value(plan, name)}")
    lines.append("")
    lines.append(turn.t("collectives.plan.choose"))
    options = [Option(f"f:{name}", turn.t(f"admin.field.{name}")) for name in admin.PLAN_FIELDS]
    options.append(Option("cancel", turn.t("common.close")))
    return await turn.ask(FLOW, "details", "\n".join(lines), options, data={"plan_id": plan.id})


async def _save(turn: Turn, data: dict[str, Any], text: str) -> list[Reply]:
    plan = await turn.session.get(Plan, data["plan_id"])
    if plan is None:
        return await turn.done(turn.t("status.no_plan"))
    await turn.session.refresh(plan, ["coordinator"])
    name = data["field"]
    value: Any = "" if text == CLEAR else text
    if name == "issued_on" and value:
        try:
            value = dt.datetime.strptime(value, "%d/%m/%Y").date()
        except ValueError:
            return turn.repeat(turn.t("admin.error.bad_date", value=short(text, 40)))
    try:
        done = await admin.edit_plan(
            turn.session,
            plan,
            {name: value},
            turn.now,
            actor=f"{turn.msg.channel}:{turn.msg.user_id}",
            actor_member_id=turn.member.id if turn.member else None,
        )
    except DomainError as exc:
        return turn.repeat(turn.t(exc.key, **exc.params))
    label = turn.t(f"admin.field.{name}")
    await turn.session.refresh(plan, ["coordinator"])
    notice = (
        turn.t("collectives.plan.saved", field=label, value=_value(plan, name))
        if done
        else turn.t("admin.plan.unchanged", id=plan.id)
    )
    return await _details(turn, plan.id, notice)


async def resume(turn: Turn, step: str) -> list[Reply]:
    """Continue the plan details form."""
    if turn.member is None or not is_office(turn.member):
        return await turn.done(turn.t("collectives.chat.forbidden_plan"))
    data = turn.data
    c = turn.choice or ""
    if c == "cancel":
        return await turn.done(turn.t("common.closed"))
    if step == "plan":
        if c.startswith("plan:") and c[5:].isdigit():
            return await _details(turn, int(c[5:]))
        return turn.repeat(turn.t("form.choose_listed"))
    if step == "details":
        name = c[2:] if c.startswith("f:") else ""
        if name not in admin.PLAN_FIELDS:
            return turn.repeat(turn.t("form.choose_listed"))
        plan = await turn.session.get(Plan, data["plan_id"])
        if plan is None:
            return await turn.done(turn.t("status.no_plan"))
        await turn.session.refresh(plan, ["coordinator"])
        data["field"] = name
        hint = "collectives.plan.ask_date" if name == "issued_on" else "collectives.plan.ask"
        question = turn.t(
            hint, field=turn.t(f"admin.field.{name}"), value=_value(plan, name), clear=CLEAR
        )
        options = [Option("back", turn.t("common.back"))]
        return await turn.ask(FLOW, "value", question, options, data)
    # step == "value"
    if c == "back":
        return await _details(turn, data["plan_id"])
    text = turn.msg.text.strip()
    if not text or c:
        return turn.repeat()
    return await _save(turn, data, text)


router = Router(
    "plan",
    commands=(Command("plan", start, vi="kehoach"),),
    flows=(Flow(FLOW, checked(resume)),),
    help=(HelpLine("collectives.plan.help", office=True),),
)

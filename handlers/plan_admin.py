"""`/kehoach` (`/plan`): the office reads and edits the plan details the compiled report prints
(title, short title, number, date, issuer, parent body, place, coordinator, signer)."""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from db.models import Plan
from domain import admin
from domain.errors import DomainError
from domain.membership import is_office
from handlers.collectives import office_plan_entry
from handlers.common import fmt_date, short
from handlers.forms import Form, Step, Typed, first, one_of, option_id, option_key, text
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
    return await FORM.ask(turn, "details", "\n".join(lines), options, PlanEdit(plan.id))


async def _save(turn: Turn, edit: PlanEdit, text: str) -> list[Reply]:
    plan = await turn.session.get(Plan, edit.plan_id)
    if plan is None:
        return await turn.done(turn.t("status.no_plan"))
    await turn.session.refresh(plan, ["coordinator"])
    name = edit.field or ""
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


@dataclass
class PlanEdit:
    """The plan details form's data: the plan, and the field being edited."""

    plan_id: int = 0
    field: str | None = None

    def to_json(self) -> dict[str, Any]:
        """Stored in the form row."""
        out: dict[str, Any] = {"plan_id": self.plan_id} if self.plan_id else {}
        if self.field is not None:
            out["field"] = self.field
        return out

    @classmethod
    def from_json(cls, raw: Mapping[str, Any]) -> PlanEdit:
        """Read back from the form row."""
        name = raw.get("field")
        return cls(int(raw.get("plan_id", 0)), str(name) if name else None)


class Back(enum.Enum):
    """Back to the plan's details."""

    BACK = "back"


async def _office_only(turn: Turn) -> list[Reply] | None:
    if turn.member is None or not is_office(turn.member):
        return await turn.done(turn.t("collectives.chat.forbidden_plan"))
    return None


async def _on_plan(turn: Turn, edit: PlanEdit, plan_id: int) -> list[Reply]:
    del edit  # nothing chosen before the plan
    return await _details(turn, plan_id)


async def _on_field(turn: Turn, edit: PlanEdit, name: str) -> list[Reply]:
    """A field picked: ask its new value."""
    plan = await turn.session.get(Plan, edit.plan_id)
    if plan is None:
        return await turn.done(turn.t("status.no_plan"))
    await turn.session.refresh(plan, ["coordinator"])
    edit.field = name
    hint = "collectives.plan.ask_date" if name == "issued_on" else "collectives.plan.ask"
    question = turn.t(
        hint, field=turn.t(f"admin.field.{name}"), value=_value(plan, name), clear=CLEAR
    )
    options = [Option(Back.BACK.value, turn.t("common.back"))]
    return await FORM.ask(turn, "value", question, options, edit)


async def _on_value(turn: Turn, edit: PlanEdit, value: Back | Typed[str]) -> list[Reply]:
    if isinstance(value, Typed) and edit.field in admin.PLAN_FIELDS:
        return await _save(turn, edit, value.value)
    return await _details(turn, edit.plan_id)


FORM: Form[PlanEdit] = Form(
    FLOW,
    PlanEdit,
    [
        Step("plan", option_id("plan:"), _on_plan),
        Step("details", option_key("f:", lambda name: name in admin.PLAN_FIELDS), _on_field),
        Step("value", first(one_of(Back.BACK), text()), _on_value),
    ],
    gate=_office_only,
    cancel="common.closed",
)


router = Router(
    "plan",
    commands=(Command("plan", start, vi="kehoach"),),
    flows=(Flow(FLOW, FORM),),
    help=(HelpLine("collectives.plan.help", office=True),),
)

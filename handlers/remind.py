"""Reminder texts (unit reminders, the office digest) and the coordinator's on-demand nudges."""

from __future__ import annotations

import asyncio
import datetime as dt
import enum
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Plan, Unit
from domain.membership import is_office
from domain.periods import Period, period_label
from domain.reminders import (
    DIGEST,
    MANUAL,
    TASK_DEADLINE,
    Digest,
    Reminder,
    TaskRef,
    owing_tasks,
)
from domain.units import vi_sort_key
from handlers.common import active_plans, plan_periods, short
from handlers.forms import Form, Step, one_of, option_id
from handlers.messages import Option, Reply
from handlers.routing import Command, Flow, HelpLine, Router
from handlers.turn import Turn
from locales import t

# The option offered with every reminder: the router starts the report form on it
# (the same as the user typing /report).
REPORT_OPTION = "cmd:report"
# Tasks listed in one reminder; the rest are counted.
MAX_TASKS_LISTED = 15


def fmt_date(day: dt.date) -> str:
    """dd/mm/yyyy, as Vietnamese documents write dates."""
    return day.strftime("%d/%m/%Y")


def days_text(days: int, locale: str) -> str:
    """ "3 ngày" / "1 day"."""
    return t("reminders.days_one" if abs(days) == 1 else "reminders.days", locale, days=abs(days))


def render(rem: Reminder, locale: str, today: dt.date) -> Reply:
    """The message for one reminder in the recipient's language, as of `today`."""
    if rem.slot.kind == DIGEST and rem.digest is not None:
        return render_digest(rem, rem.digest, locale, today)
    return render_unit(rem, locale, today)


def render_unit(rem: Reminder, locale: str, today: dt.date) -> Reply:
    """A reminder to a unit's focal points: deadline, days left, missing tasks, a way to start."""
    slot = rem.slot
    tone = "request" if rem.independent else "assign"
    left = (slot.due - today).days
    due = fmt_date(slot.due)
    lines = [t("reminders.greeting", locale, unit=rem.unit_name or "")]
    if slot.kind == MANUAL:
        lines.append(t("reminders.manual", locale))
    if slot.kind == TASK_DEADLINE and rem.tasks:
        task = rem.tasks[0]
        params = {"ref": task.ref, "task": task.title, "plan": rem.plan_title, "due": due}
        if left > 0:
            lines.append(t("reminders.task.before", locale, days=days_text(left, locale), **params))
        elif left == 0:
            lines.append(t("reminders.task.today", locale, **params))
        else:
            lines.append(
                t("reminders.task.overdue", locale, days=days_text(left, locale), **params)
            )
        lines.append(t(f"reminders.{tone}.task_ask", locale))
    else:
        label = period_label(slot.period_key, locale) if slot.period_key else ""
        params = {"period": label, "plan": rem.plan_title, "due": due}
        if left > 0:
            lines.append(
                t("reminders.period.before", locale, days=days_text(left, locale), **params)
            )
        elif left == 0:
            lines.append(t("reminders.period.today", locale, **params))
        else:
            lines.append(
                t("reminders.period.overdue", locale, days=days_text(left, locale), **params)
            )
        if rem.tasks:
            lines.append("")
            lines.append(t(f"reminders.{tone}.missing", locale, count=len(rem.tasks)))
            for task in rem.tasks[:MAX_TASKS_LISTED]:
                lines.append(f"- {task.ref}. {task.title}")
            extra = len(rem.tasks) - MAX_TASKS_LISTED
            if extra > 0:
                lines.append(t("reminders.more_tasks", locale, count=extra))
            lines.append("")
        ask = "ask" if left >= 0 else "ask_overdue"
        lines.append(t(f"reminders.{tone}.{ask}", locale))
    lines.append(t("reminders.how", locale))
    return Reply(
        text="\n".join(lines),
        options=[Option(REPORT_OPTION, t("reminders.start_report", locale))],
    )


def render_digest(rem: Reminder, digest: Digest, locale: str, today: dt.date) -> Reply:
    """The office's digest: on time, late, missing, unreachable focal points."""
    slot = rem.slot
    label = period_label(slot.period_key, locale) if slot.period_key else ""
    lines = [
        t(
            "reminders.digest.title",
            locale,
            period=label,
            plan=rem.plan_title,
            due=fmt_date(slot.due),
            today=fmt_date(today),
        )
    ]
    if digest.on_time:
        lines.append(
            t(
                "reminders.digest.on_time",
                locale,
                count=len(digest.on_time),
                units="; ".join(digest.on_time),
            )
        )
    if digest.late:
        lines.append(t("reminders.digest.late", locale, count=len(digest.late)))
        for unit, days in digest.late:
            lines.append(
                t("reminders.digest.late_line", locale, unit=unit, days=days_text(days, locale))
            )
    if digest.missing:
        lines.append(t("reminders.digest.missing", locale, count=len(digest.missing)))
        for unit, reported, expected in digest.missing:
            lines.append(
                t(
                    "reminders.digest.missing_line",
                    locale,
                    unit=unit,
                    reported=reported,
                    expected=expected,
                )
            )
    else:
        lines.append(t("reminders.digest.all_done", locale))
    if digest.unmapped:
        lines.append(t("collectives.digest.unmapped", locale, count=len(digest.unmapped)))
        lines.extend(f"  {line}" for line in digest.unmapped[:15])
        lines.append(t("collectives.digest.how", locale))
    if digest.unreachable:
        lines.append(t("reminders.digest.unreachable", locale, count=len(digest.unreachable)))
        for item in digest.unreachable:
            if item.reason == "never_joined":
                lines.append(t("reminders.digest.never_joined", locale, unit=item.unit))
            else:
                person = item.person or t("reminders.digest.someone", locale)
                lines.append(t("reminders.digest.blocked", locale, unit=item.unit, person=person))
    if digest.given_up:
        lines.append(t("delivery.digest.given_up", locale, count=len(digest.given_up)))
        for unit, person in digest.given_up:
            lines.append(t("delivery.digest.given_up_line", locale, unit=unit, person=person))
    return Reply(text="\n".join(lines))


# ---- /remind: the coordinating office nudges missing units now ----------------------------

FLOW = "remind"


@dataclass(frozen=True)
class NudgeRequest:
    """Who asked to nudge whom: the office member's chat gets the outcome."""

    plan_id: int
    period_key: str
    unit_ids: list[int] | None  # None: every unit still missing
    channel: str
    chat_id: str
    locale: str
    member_id: int | None


class Nudger(Protocol):
    """Sends on-demand reminders (the scheduler's engine implements it)."""

    async def nudge(self, request: NudgeRequest) -> None:
        """Send the reminders, then tell the requester how it went."""
        ...


_nudger: Nudger | None = None
_running: set[asyncio.Task[None]] = set()


def set_nudger(nudger: Nudger | None) -> None:
    """Installed by the composition root once the channels' outbounds exist."""
    global _nudger
    _nudger = nudger


async def drain() -> None:
    """Wait for nudges in progress (tests, shutdown)."""
    while _running:
        await asyncio.gather(*list(_running), return_exceptions=True)


def _launch(request: NudgeRequest) -> bool:
    """Send after the current turn commits (its transaction may hold the database's lock)."""
    if _nudger is None:
        return False
    task = asyncio.get_running_loop().create_task(_nudger.nudge(request))
    _running.add(task)
    task.add_done_callback(_running.discard)
    return True


async def _open_plan(turn: Turn, plan_id: int | None) -> tuple[Plan, Period] | None:
    plans = await active_plans(turn.session)
    plan = next((p for p in plans if p.id == plan_id), None) if plan_id else None
    if plan is None and plans:
        plan = plans[0]
    if plan is None:
        return None
    pp = await plan_periods(turn.session, plan, turn.deps.today())
    return (plan, pp.current) if pp.current else None


@dataclass
class NudgeChoice:
    """The /remind form's data: the plan, its open period, the units (None: all missing)."""

    plan_id: int = 0
    period: str = ""
    units: list[int] | None = None

    def to_json(self) -> dict[str, Any]:
        """Stored in the form row."""
        if not self.plan_id:
            return {}
        return {"plan_id": self.plan_id, "period": self.period, "units": self.units}

    @classmethod
    def from_json(cls, raw: Mapping[str, Any]) -> NudgeChoice:
        """Read back from the form row."""
        units = raw.get("units")
        return cls(
            plan_id=int(raw.get("plan_id", 0)),
            period=str(raw.get("period", "")),
            units=[int(u) for u in units] if units else None,
        )


class Confirm(enum.Enum):
    """The answers to "send the reminders now?"."""

    YES = "yes"
    NO = "no"


async def _office_only(turn: Turn) -> list[Reply] | None:
    if turn.member is None or not is_office(turn.member):
        return await turn.done(turn.t("reminders.remind.not_allowed"))
    return None


async def start(turn: Turn) -> list[Reply]:
    """`/remind`: confirm, then nudge every unit still missing the open period's report."""
    refused = await _office_only(turn)
    if refused is not None:
        return refused
    plans = await active_plans(turn.session)
    if not plans:
        return await turn.done(turn.t("reminders.remind.no_plan"))
    if len(plans) > 1 and not turn.msg.args:
        options = [Option(f"plan:{p.id}", short(p.number or p.title)) for p in plans]
        text = turn.t("report.choose_plan")
        return await FORM.ask(turn, "plan", text, options, NudgeChoice())
    wanted = next((p.id for p in plans if turn.msg.args in (str(p.id), p.number)), plans[0].id)
    return await _confirm_all(turn, wanted)


async def _confirm_all(turn: Turn, plan_id: int) -> list[Reply]:
    found = await _open_plan(turn, plan_id)
    if found is None:
        return await turn.done(turn.t("reminders.remind.no_period"))
    plan, period = found
    owing = await owing_units(turn.session, plan.id, period)
    label = period.label(turn.locale)
    if not owing:
        return await turn.done(turn.t("reminders.remind.nothing", period=label))
    names = await unit_names(turn.session, owing)
    listing = "\n".join(
        f"- {names[u]} ({len(owing[u])})"
        for u in sorted(owing, key=lambda u: vi_sort_key(names.get(u, "")))
    )
    text = turn.t(
        "reminders.remind.confirm",
        count=len(owing),
        period=label,
        due=fmt_date(period.due),
        units=listing,
    )
    return await _ask_confirm(turn, text, NudgeChoice(plan.id, period.key))


async def start_unit(turn: Turn, plan_id: int, period_key: str, unit_id: int) -> list[Reply]:
    """From the /status drill-down: confirm, then nudge one unit."""
    refused = await _office_only(turn)
    if refused is not None:
        return refused
    plan = await turn.session.get(Plan, plan_id)
    unit = await turn.session.get(Unit, unit_id)
    if plan is None or unit is None:
        return await turn.done(turn.t("reminders.remind.expired"))
    pp = await plan_periods(turn.session, plan, turn.deps.today())
    period = pp.find(period_key)
    if period is None:
        return await turn.done(turn.t("reminders.remind.no_period"))
    owing = await owing_units(turn.session, plan.id, period)
    label = period.label(turn.locale)
    if unit_id not in owing:
        return await turn.done(turn.t("reminders.remind.unit_done", unit=unit.name, period=label))
    text = turn.t(
        "reminders.remind.confirm_unit", unit=unit.name, period=label, due=fmt_date(period.due)
    )
    return await _ask_confirm(turn, text, NudgeChoice(plan.id, period.key, [unit_id]))


async def _ask_confirm(turn: Turn, text: str, choice: NudgeChoice) -> list[Reply]:
    options = [
        Option(Confirm.YES.value, turn.t("reminders.remind.yes")),
        Option(Confirm.NO.value, turn.t("reminders.remind.no")),
    ]
    return await FORM.ask(turn, "confirm", text, options, choice)


async def _on_plan(turn: Turn, choice: NudgeChoice, plan_id: int) -> list[Reply]:
    del choice  # nothing chosen before the plan
    return await _confirm_all(turn, plan_id)


async def _on_confirm(turn: Turn, choice: NudgeChoice, answer: Confirm) -> list[Reply]:
    """Send (after this turn commits), or not."""
    assert turn.member is not None
    if answer is Confirm.NO:
        return await turn.done(turn.t("reminders.remind.cancelled"))
    request = NudgeRequest(
        plan_id=choice.plan_id,
        period_key=choice.period,
        unit_ids=choice.units,
        channel=turn.msg.channel,
        chat_id=turn.msg.chat_id,
        locale=turn.locale,
        member_id=turn.member.id,
    )
    if not _launch(request):
        return await turn.done(turn.t("reminders.remind.unavailable"))
    count = len(request.unit_ids) if request.unit_ids else None
    key = "reminders.remind.started_one" if count == 1 else "reminders.remind.started"
    return await turn.done(turn.t(key))


FORM: Form[NudgeChoice] = Form(
    FLOW,
    NudgeChoice,
    [
        Step("plan", option_id("plan:"), _on_plan),
        Step("confirm", one_of(Confirm.YES, Confirm.NO), _on_confirm),
    ],
    gate=_office_only,
    cancel=None,
)


async def owing_units(
    session: AsyncSession, plan_id: int, period: Period
) -> dict[int, list[TaskRef]]:
    """unit id -> task ids still without a report for the period."""
    return await owing_tasks(session, plan_id, period)


async def unit_names(session: AsyncSession, ids: Iterable[int]) -> dict[int, str]:
    """unit id -> name."""
    rows = await session.execute(select(Unit.id, Unit.name).where(Unit.id.in_(list(ids))))
    return {uid: name for uid, name in rows}


def outcome_text(
    locale: str, units: int, sent: int, failed_units: Sequence[str], already: int
) -> str:
    """What the requester is told once the nudges went out."""
    lines = [t("reminders.remind.done", locale, units=units, sent=sent)]
    if already:
        lines.append(t("reminders.remind.already", locale, count=already))
    if failed_units:
        lines.append(
            t(
                "reminders.remind.failed",
                locale,
                units="; ".join(sorted(failed_units, key=vi_sort_key)),
            )
        )
    return "\n".join(lines)


def unit_option(turn: Turn, unit_id: int) -> Option:
    """The button the /status drill-down shows under a unit: nudge this unit now."""
    return Option(f"remind:{unit_id}", turn.t("reminders.remind.button"))


router = Router(
    "remind",
    commands=(Command("remind", start, vi="nhacviec"),),
    flows=(Flow(FLOW, FORM),),
    help=(HelpLine("help.remind", office=True),),
)

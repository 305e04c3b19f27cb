"""`/status` for the coordinating office: the open period, who reported, drill-down."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from db.models import Plan, Task, Unit, UnitKind
from domain.collectives import unmapped_lines, unmapped_tasks
from domain.export.labels import plan_name
from domain.membership import is_office
from domain.periods import Period
from domain.registry import task_page
from domain.status import SENT_LATE, UnitState, summary, task_detail, unit_detail
from domain.units import matches
from handlers import export, remind
from handlers.common import PAGE_SIZE, active_plans, fmt_date, parse_id, plan_periods, short
from handlers.forms import Answer, Form, Refusal, Step, Typed, first, one_of, text
from handlers.messages import Option, Reply
from handlers.routing import Command, Flow, HelpLine, Router
from handlers.turn import Turn

FLOW = "status"
STATE_MARK = {
    UnitState.DONE: "✅",
    UnitState.DONE_LATE: "🕘",
    UnitState.PARTIAL: "◐",
    UnitState.PARTIAL_LATE: "🕘",
    UnitState.MISSING: "❌",
    UnitState.NOTHING_DUE: "·",
}


@dataclass
class StatusView:
    """The drill-down's data: the plan and the period shown (None: the open one)."""

    plan_id: int = 0
    period: str | None = None

    def to_json(self) -> dict[str, Any]:
        """Stored in the form row."""
        out: dict[str, Any] = {"plan_id": self.plan_id} if self.plan_id else {}
        if self.period is not None:
            out["period"] = self.period
        return out

    @classmethod
    def from_json(cls, raw: Mapping[str, Any]) -> StatusView:
        """Read back from the form row."""
        period = raw.get("period")
        return cls(int(raw.get("plan_id", 0)), str(period) if period else None)


async def start(turn: Turn) -> list[Reply]:
    """Entry: refuse non-office members, choose the plan if there are several."""
    if turn.member is None or not is_office(turn.member):
        return await turn.done(turn.t("status.forbidden"))
    plans = await active_plans(turn.session)
    if not plans:
        return await turn.done(turn.t("status.no_plan"))
    if len(plans) > 1:
        options = [Option(f"plan:{p.id}", short(p.number or p.title)) for p in plans]
        text = turn.t("report.choose_plan")
        return await FORM.ask(turn, "plan", text, options, StatusView())
    return await _summary(turn, StatusView(plans[0].id))


async def _period(turn: Turn, view: StatusView) -> tuple[Plan, Period] | None:
    plan = await turn.session.get(Plan, view.plan_id)
    if plan is None:
        return None
    pp = await plan_periods(turn.session, plan, turn.deps.today())
    period = pp.find(view.period) if view.period else pp.current
    return (plan, period) if period else None


def summary_text(turn: Turn, s: Any) -> str:
    """The summary message (shared with the office digest)."""
    days = s.days_left
    left = turn.t("common.days_left", n=days) if days >= 0 else turn.t("common.days_over", n=-days)
    lines = [
        turn.t("status.head", plan=plan_name(s.plan)),
        turn.t(
            "report.period_line",
            period=s.period.label(turn.locale),
            due=fmt_date(s.period.due),
            left=left,
        ),
        # The compiled report's classes: late whatever the completeness, silent apart.
        turn.t(
            "status.counts",
            done=len(s.complete),
            total=s.total,
            late=len(s.sent_late),
            silent=sum(1 for u in s.units if u.state is UnitState.MISSING),
        ),
    ]
    if s.unassigned:
        # Counted as the compiled report counts them: nobody owes them, they are not "not due".
        lines.append(turn.t("status.unassigned", n=len(s.unassigned)))
    if s.missing:
        lines.append("")
        lines.append(turn.t("status.missing_head", n=len(s.missing)))
        for u in s.missing[:15]:
            line = f"{STATE_MARK[u.state]} {u.name}: {u.reported}/{u.expected}"
            if u.state is UnitState.PARTIAL_LATE:
                line += f" ({turn.t('status.late_by', n=u.max_days_late)})"
            lines.append(line)
        if len(s.missing) > 15:
            lines.append(turn.t("status.more", n=len(s.missing) - 15))
    # Late whatever the completeness, as the compiled report counts it.
    sent_late = [u for u in s.units if u.state in SENT_LATE]
    if sent_late:
        lines.append("")
        lines.append(turn.t("status.late_head", n=len(sent_late)))
        for u in sent_late[:15]:
            how = (
                turn.t("status.late_by", n=u.max_days_late)
                if u.state is UnitState.DONE_LATE
                else turn.t(
                    "status.late_partial",
                    n=u.max_days_late,
                    reported=u.reported,
                    expected=u.expected,
                )
            )
            lines.append(f"🕘 {u.name}: {how}")
    if s.unmapped:
        # Tasks nobody owes yet because their group has no units: shown, never dropped.
        items = unmapped_lines(s.unmapped, width=60)
        lines.append("")
        lines.append(turn.t("collectives.unmapped.head", n=len(items)))
        lines.extend(f"⚠️ {line}" for line in items[:10])
        if len(items) > 10:
            lines.append(turn.t("collectives.unmapped.more", n=len(items) - 10))
        lines.append(turn.t("collectives.unmapped.how"))
    return "\n".join(lines)


async def _summary(turn: Turn, view: StatusView) -> list[Reply]:
    found = await _period(turn, view)
    if found is None:
        return await turn.done(turn.t("report.no_regime"))
    plan, period = found
    s = await summary(turn.session, plan, period, turn.now, turn.deps.tz)
    view = StatusView(plan.id, period.key)
    options = [
        Option("units:0", turn.t("status.by_unit")),
        Option("tasks:0", turn.t("status.by_task")),
        Option("chart", turn.t("export.chat.send_chart")),
        Option("period", turn.t("report.other_period")),
        Option("cancel", turn.t("common.close")),
    ]
    return await FORM.ask(turn, "summary", summary_text(turn, s), options, view)


def _pager(turn: Turn, prefix: str, page: int, total: int) -> list[Option]:
    opts = []
    if page > 0:
        opts.append(Option(f"{prefix}:{page - 1}", turn.t("common.prev")))
    if (page + 1) * PAGE_SIZE < total:
        opts.append(Option(f"{prefix}:{page + 1}", turn.t("common.more")))
    opts.append(Option("back", turn.t("common.back")))
    return opts


async def _units(turn: Turn, view: StatusView, page: int) -> list[Reply]:
    found = await _period(turn, view)
    if found is None:
        return await turn.done(turn.t("report.no_regime"))
    plan, period = found
    s = await summary(turn.session, plan, period, turn.now, turn.deps.tz)
    units = [u for u in s.units if u.state is not UnitState.NOTHING_DUE]
    chunk = units[page * PAGE_SIZE : (page + 1) * PAGE_SIZE]
    options = [
        Option(f"u:{u.unit_id}", short(f"{STATE_MARK[u.state]} {u.name} {u.reported}/{u.expected}"))
        for u in chunk
    ]
    text = turn.t("status.choose_unit", page=page + 1, pages=max(1, -(-len(units) // PAGE_SIZE)))
    if len(units) > PAGE_SIZE:
        text += "\n" + turn.t("status.search_hint")
    options += _pager(turn, "units", page, len(units))
    return await FORM.ask(turn, "units", text, options, view)


# Longest search text taken from a unit list (longer text is not a unit name).
MAX_QUERY = 100


async def _search_units(turn: Turn, view: StatusView, query: str) -> list[Reply]:
    """Units whose name holds every typed word (tone marks and case ignored)."""
    if len(query) > MAX_QUERY:
        return turn.repeat(turn.t("error.too_long", limit=MAX_QUERY, got=len(query)))
    found = await _period(turn, view)
    if found is None:
        return await turn.done(turn.t("report.no_regime"))
    plan, period = found
    s = await summary(turn.session, plan, period, turn.now, turn.deps.tz)
    hits = [u for u in s.units if u.state is not UnitState.NOTHING_DUE and matches(query, u.name)]
    if not hits:
        return turn.repeat(turn.t("status.search_none", query=short(query, 60)))
    options = [
        Option(f"u:{u.unit_id}", short(f"{STATE_MARK[u.state]} {u.name} {u.reported}/{u.expected}"))
        for u in hits[:PAGE_SIZE]
    ]
    text = turn.t("status.search_found", query=short(query, 60), n=len(hits))
    if len(hits) > PAGE_SIZE:
        text += "\n" + turn.t("status.search_more", n=PAGE_SIZE)
    options += [
        Option("units:0", turn.t("status.all_units")),
        Option("back", turn.t("common.back")),
    ]
    return await FORM.ask(turn, "units", text, options, view)


async def _tasks(turn: Turn, view: StatusView, page: int) -> list[Reply]:
    plan = await turn.session.get(Plan, view.plan_id)
    if plan is None:
        return await turn.done(turn.t("status.no_plan"))
    chunk, total = await task_page(turn.session, plan.id, page * PAGE_SIZE, PAGE_SIZE)
    # Typing a task's own ref picks it; the pager's options get letters.
    options = [
        Option(f"k:{t.id}", short(f"{t.ref}. {t.title}"), t.ref.strip() or None) for t in chunk
    ]
    text = turn.t("status.choose_task", page=page + 1, pages=max(1, -(-total // PAGE_SIZE)))
    return await FORM.ask(turn, "tasks", text, options + _pager(turn, "tasks", page, total), view)


def report_line(turn: Turn, report: Any, due: Any) -> str:
    """One report in a drill-down: status, progress, when, and the results as written."""
    when = report.first_submitted_at.astimezone(turn.deps.tz).date()
    late = (when - due).days
    timing = turn.t("status.on_time") if late <= 0 else turn.t("status.late_by", n=late)
    pct = f" {report.progress}%" if report.progress is not None else ""
    head = f"{turn.t(f'status.{report.status.value}')}{pct} · {fmt_date(when)} · {timing}"
    return head + (f"\n   {short(report.results, 300)}" if report.results else "")


async def _unit(turn: Turn, view: StatusView, unit_id: int) -> list[Reply]:
    found = await _period(turn, view)
    unit = await turn.session.get(Unit, unit_id)
    if found is None or unit is None:
        return turn.repeat(turn.t("form.choose_listed"))
    plan, period = found
    lines = [turn.t("status.unit_head", unit=unit.name, period=period.label(turn.locale))]
    for line in await unit_detail(turn.session, plan, period, unit_id):
        if line.report is not None:
            lines.append(f"✅ {line.task.ref}. {short(line.task.title, 80)}")
            lines.append(f"   {report_line(turn, line.report, period.due)}")
        else:
            mark = "❌" if line.expected else "·"
            lines.append(f"{mark} {line.task.ref}. {short(line.task.title, 80)}")
    options = [
        remind.unit_option(turn, unit_id),
        Option("back", turn.t("common.back")),
        Option("cancel", turn.t("common.close")),
    ]
    return await FORM.ask(turn, "detail", "\n".join(lines), options, view)


async def _task(turn: Turn, view: StatusView, task_id: int) -> list[Reply]:
    found = await _period(turn, view)
    task = await turn.session.get(Task, task_id)
    if found is None or task is None:
        return turn.repeat(turn.t("form.choose_listed"))
    plan, period = found
    lines = [
        turn.t(
            "report.task_head",
            ref=task.ref,
            title=task.title,
            timeframe=task.timeframe_text or turn.t("report.no_timeframe"),
        ),
        period.label(turn.locale),
    ]
    for line in await task_detail(turn.session, plan, period, task_id):
        if line.report is not None:
            lines.append(f"✅ {line.unit.name}: {report_line(turn, line.report, period.due)}")
        elif line.unit.kind is UnitKind.GROUP:
            # A lead recorded as a group ("các đơn vị liên quan") owes nothing until mapped.
            lines.append(f"⚠️ {turn.t('collectives.export.note', name=line.unit.name)}")
        else:
            lines.append(f"❌ {line.unit.name}: {turn.t('status.not_sent')}")
    for item in await unmapped_tasks(turn.session, plan.id, task_id):
        lines.append(f"⚠️ {turn.t('collectives.export.note', name=item.group)}")
    options = [Option("back", turn.t("common.back")), Option("cancel", turn.t("common.close"))]
    return await FORM.ask(turn, "detail", "\n".join(lines), options, view)


class Nav(enum.Enum):
    """The drill-down's fixed options."""

    BACK = "back"
    CHART = "chart"
    PERIODS = "period"


class Go(enum.Enum):
    """The drill-down's options that carry a value ("units:2" is the unit list's third page)."""

    PLAN = "plan:"
    UNITS = "units:"
    TASKS = "tasks:"
    UNIT = "u:"
    TASK = "k:"
    REMIND = "remind:"
    PERIOD = "p:"


@dataclass(frozen=True)
class Target:
    """Where an option with a value leads: a plan, a page, a unit, a task, a period key."""

    go: Go
    arg: int | str


def _target(answer: Answer) -> Target | Refusal | None:
    choice = answer.choice
    if choice is None:
        return None
    for go in Go:
        if choice.startswith(go.value):
            rest = choice[len(go.value) :]
            if go is Go.PERIOD:
                return Target(go, rest) if rest else Refusal()
            number = parse_id(rest) if go not in (Go.UNITS, Go.TASKS) else _page(rest)
            return Target(go, number) if number is not None else Refusal()
    return None


def _page(text: str) -> int | None:
    return int(text) if text.isascii() and text.isdigit() and len(text) <= 6 else None


async def _on_action(turn: Turn, view: StatusView, act: Nav | Target | Typed[str]) -> list[Reply]:
    """Continue the drill-down with the option picked (or units searched by name)."""
    if isinstance(act, Typed):
        return await _search_units(turn, view, act.value)
    if act is Nav.BACK:
        return await _summary(turn, view)
    if act is Nav.CHART:
        chart = await export.status_chart(turn, view.plan_id, view.period)
        return [chart, *turn.repeat()]
    if act is Nav.PERIODS:
        plan = await turn.session.get(Plan, view.plan_id)
        if plan is None:
            return await turn.done(turn.t("status.no_plan"))
        pp = await plan_periods(turn.session, plan, turn.deps.today())
        options = [Option(f"p:{p.key}", p.label(turn.locale)) for p in pp.choosable]
        return await FORM.ask(turn, "period", turn.t("report.choose_period"), options, view)
    assert isinstance(act, Target)
    return await _go(turn, view, act)


async def _go(turn: Turn, view: StatusView, act: Target) -> list[Reply]:
    number = act.arg if isinstance(act.arg, int) else 0
    if act.go is Go.PLAN:
        return await _summary(turn, StatusView(number))
    if act.go is Go.PERIOD:
        return await _summary(turn, StatusView(view.plan_id, str(act.arg)))
    if act.go is Go.REMIND and view.period:
        return await remind.start_unit(turn, view.plan_id, view.period, number)
    if act.go is Go.UNITS:
        return await _units(turn, view, number)
    if act.go is Go.TASKS:
        return await _tasks(turn, view, number)
    if act.go is Go.UNIT:
        return await _unit(turn, view, number)
    if act.go is Go.TASK:
        return await _task(turn, view, number)
    return turn.repeat(turn.t("form.choose_listed"))


async def _office_only(turn: Turn) -> list[Reply] | None:
    if turn.member is None or not is_office(turn.member):
        return await turn.done(turn.t("status.forbidden"))
    return None


_ACTION = first(one_of(*Nav), _target)
FORM: Form[StatusView] = Form(
    FLOW,
    StatusView,
    [
        Step("plan", _ACTION, _on_action),
        Step("summary", _ACTION, _on_action),
        # A unit list also takes words of a unit's name.
        Step("units", first(one_of(*Nav), _target, text(MAX_QUERY, required=False)), _on_action),
        Step("tasks", _ACTION, _on_action),
        Step("detail", _ACTION, _on_action),
        Step("period", _ACTION, _on_action),
    ],
    gate=_office_only,
    cancel="common.closed",
)


router = Router(
    "status",
    commands=(Command("status", start, vi="tinhhinh", menu="office"),),
    flows=(Flow(FLOW, FORM),),
    help=(HelpLine("help.status", office=True),),
)

"""The progress report form: period, task, status, progress, texts, evidence, preview, confirm."""

from __future__ import annotations

import re
from typing import Any

from db.models import Plan, ReportStatus, ScheduleKind, Task, TaskRole, Unit
from domain.errors import DomainError
from domain.membership import can_report
from domain.periods import Period
from domain.reports import (
    ReportAnswers,
    expected_pairs,
    get_report,
    previous_report,
    reported_tasks,
    submit_report,
    unit_tasks,
)
from handlers import files
from handlers.common import PlanPeriods, fmt_date, plan_periods, plans_of_unit, short
from handlers.messages import MAX_TEXT, Option, Reply
from handlers.routing import Command, Flow, HelpLine, Router
from handlers.turn import Turn

FLOW = "report"
STATUSES = [
    ReportStatus.NOT_STARTED,
    ReportStatus.IN_PROGRESS,
    ReportStatus.DONE,
    ReportStatus.ONGOING,
    ReportStatus.BLOCKED,
]
TEXT_STEPS = ("results", "difficulties", "proposals", "next_plan")
OPTIONAL_STEPS = ("difficulties", "proposals", "next_plan")
_PERCENT = re.compile(r"^\s*([0-9]{1,3})(?:[.,]0+)?\s*%?\s*$")  # ASCII digits only


def status_label(turn: Turn, status: str) -> str:
    """Localised label of a report status."""
    return turn.t(f"status.{status}")


async def start(turn: Turn, task_id: int | None = None) -> list[Reply]:
    """`/report`: pick the plan (if several), the open period, then the task."""
    member = turn.member
    if member is None or not can_report(member) or member.unit_id is None:
        return await turn.done(turn.t("report.no_unit"))
    plans = await plans_of_unit(turn.session, member.unit_id)
    if not plans:
        return await turn.done(turn.t("report.no_tasks"))
    if len(plans) > 1 and task_id is None:
        options = [Option(f"plan:{p.id}", short(p.number or p.title)) for p in plans]
        return await turn.ask(FLOW, "plan", turn.t("report.choose_plan"), options, data={})
    plan = plans[0]
    if task_id is not None:
        task = await turn.session.get(Task, task_id)
        if task is not None:
            plan = await turn.session.get(Plan, task.plan_id) or plan
    return await _choose_task(turn, {"plan_id": plan.id}, task_id=task_id)


async def _choose_task(
    turn: Turn, data: dict[str, Any], *, task_id: int | None = None, note: str | None = None
) -> list[Reply]:
    assert turn.member is not None and turn.member.unit_id is not None
    plan = await turn.session.get(Plan, data["plan_id"])
    if plan is None:
        return await turn.done(turn.t("report.no_tasks"))
    pp = await plan_periods(turn.session, plan, turn.deps.today())
    if data.get("period"):
        period = pp.find(data["period"])
    else:
        overdue = await _overdue_owed(turn, pp, task_id)
        if overdue and task_id is not None:
            period = overdue[0][0]
        elif overdue:
            # After a deadline the overdue period comes first: its report is still owed.
            return await _ask_period(turn, {"plan_id": plan.id}, overdue=overdue)
        else:
            period = pp.current
    if period is None:
        return await turn.done(turn.t("report.no_regime"))
    data = {"plan_id": plan.id, "period": period.key}
    if task_id is not None:
        return await _pick_task(turn, data, task_id)
    unit_id = turn.member.unit_id
    tasks = await unit_tasks(turn.session, plan.id, unit_id)
    expected = set(
        (await expected_pairs(turn.session, plan.id, period, [unit_id])).get(unit_id, [])
    )
    done = await reported_tasks(turn.session, plan.id, period.key, unit_id)
    owed = [t for t, _r in tasks if t.id in expected]
    reported = sum(1 for t in owed if t.id in done)
    days_left = (period.due - turn.deps.today()).days
    lines = [
        turn.t(
            "report.period_line",
            period=period.label(turn.locale),
            due=fmt_date(period.due),
            left=turn.t("common.days_left", n=days_left)
            if days_left >= 0
            else turn.t("common.days_over", n=-days_left),
        ),
        turn.t("report.progress_line", done=reported, total=len(owed)),
    ]
    if note:
        lines.insert(0, note)
    lines.append(turn.t("report.choose_task"))
    options = []
    for task, role in tasks:
        mark = "✅" if task.id in done else ("⬜" if task.id in expected else "·")
        role_note = f"({turn.t('role.support_short')}) " if role is TaskRole.SUPPORT else ""
        # Typing the task's own ref picks it ("24" is task 24, wherever it is listed).
        label = short(f"{mark} {task.ref}. {role_note}{task.title}")
        options.append(Option(f"t:{task.id}", label, task.ref.strip() or None))
    if len(pp.choosable) > 1:
        options.append(Option("period", turn.t("report.other_period")))
    options.append(Option("cancel", turn.t("common.cancel")))
    return await turn.ask(FLOW, "task", "\n".join(lines), options, data=data)


async def _pick_task(turn: Turn, data: dict[str, Any], task_id: int) -> list[Reply]:
    assert turn.member is not None and turn.member.unit_id is not None
    task = await turn.session.get(Task, task_id)
    mine = {t.id for t, _r in await unit_tasks(turn.session, data["plan_id"], turn.member.unit_id)}
    if task is None or task.id not in mine:
        return await _choose_task(turn, data, note=turn.t("error.not_your_task"))
    data = {**data, "task_id": task.id, "answers": {}}
    head = turn.t(
        "report.task_head",
        ref=task.ref,
        title=task.title,
        timeframe=task.timeframe_text or turn.t("report.no_timeframe"),
    )
    existing = await get_report(turn.session, task.id, turn.member.unit_id, data["period"])
    if existing is not None:
        data["answers"] = _answers_of(existing)
        data["editing"] = True
        text = (
            head
            + "\n\n"
            + turn.t(
                "report.already",
                when=fmt_date(existing.submitted_at.astimezone(turn.deps.tz).date()),
                version=existing.version,
            )
        )
        options = [
            Option("edit", turn.t("report.edit")),
            Option("back", turn.t("report.other_task")),
            Option("cancel", turn.t("common.cancel")),
        ]
        return await turn.ask(FLOW, "existing", text, options, data=data)
    prev = await previous_report(turn.session, task.id, turn.member.unit_id, data["period"])
    if prev is not None:
        data["previous"] = _answers_of(prev)
        text = head + "\n\n" + turn.t("report.copy_offer", period=_label(turn, prev.period_key))
        options = [Option("copy", turn.t("report.copy")), Option("fresh", turn.t("report.fresh"))]
        return await turn.ask(FLOW, "copy", text, options, data=data)
    turn.say(head)
    return await _ask_status(turn, data)


def _label(turn: Turn, key: str) -> str:
    from domain.periods import period_label

    return period_label(key, turn.locale)


def _answers_of(report: Any) -> dict[str, Any]:
    return {
        "status": report.status.value,
        "progress": report.progress,
        "results": report.results,
        "difficulties": report.difficulties,
        "proposals": report.proposals,
        "next_plan": report.next_plan,
        "evidence_ref": report.evidence_ref,
        "files": [],
    }


def _keep(turn: Turn, data: dict[str, Any], field: str) -> list[Option]:
    """A "keep" option when editing and the field has a value."""
    value = data.get("answers", {}).get(field)
    if value in (None, ""):
        return []
    shown = status_label(turn, value) if field == "status" else str(value)
    return [Option("keep", short(turn.t("form.keep", value=shown), 60))]


async def _ask_status(turn: Turn, data: dict[str, Any]) -> list[Reply]:
    task = await turn.session.get(Task, data["task_id"])
    statuses = list(STATUSES)
    if task is not None and task.schedule not in (ScheduleKind.RECURRING, ScheduleKind.COMPOSITE):
        statuses.remove(ReportStatus.ONGOING)
    options = _keep(turn, data, "status") + [
        Option(f"s:{s.value}", status_label(turn, s.value)) for s in statuses
    ]
    return await turn.ask(FLOW, "status", turn.t("report.ask_status"), options, data=data)


async def _ask_progress(turn: Turn, data: dict[str, Any]) -> list[Reply]:
    options = _keep(turn, data, "progress") + [
        # No typed marker: a number typed here is a percentage, never an option's position.
        Option(f"pct:{n}", f"{n}%", key="")
        for n in (0, 25, 50, 75, 100)
    ]
    return await turn.ask(FLOW, "progress", turn.t("report.ask_progress"), options, data=data)


async def _ask_text(turn: Turn, data: dict[str, Any], step: str) -> list[Reply]:
    options = _keep(turn, data, step)
    text = turn.t(f"report.ask_{step}")
    if options:
        text += "\n" + turn.t("form.current", value=data["answers"][step])
    if step in OPTIONAL_STEPS:
        options.append(Option("skip", turn.t("form.none")))
    return await turn.ask(FLOW, step, text, options, data=data)


async def _ask_evidence(turn: Turn, data: dict[str, Any]) -> list[Reply]:
    files = data.get("answers", {}).get("files", [])
    text = turn.t("report.ask_evidence")
    if files or data.get("answers", {}).get("evidence_ref"):
        text += "\n" + _evidence_line(turn, data["answers"])
    options = [Option("skip", turn.t("form.next"))]
    return await turn.ask(FLOW, "evidence", text, options, data=data)


def _evidence_line(turn: Turn, answers: dict[str, Any]) -> str:
    parts = [f["filename"] for f in answers.get("files", [])]
    if answers.get("evidence_ref"):
        parts.append(answers["evidence_ref"])
    return (
        turn.t("report.evidence_has", items="; ".join(parts))
        if parts
        else turn.t("report.evidence_none")
    )


async def _preview(turn: Turn, data: dict[str, Any]) -> list[Reply]:
    task = await turn.session.get(Task, data["task_id"])
    assert task is not None
    a = data["answers"]
    none = turn.t("form.empty")
    lines = [
        turn.t("report.preview_head", period=_label(turn, data["period"])),
        turn.t(
            "report.task_head",
            ref=task.ref,
            title=task.title,
            timeframe=task.timeframe_text or turn.t("report.no_timeframe"),
        ),
        "",
        f"{turn.t('field.status')}: {status_label(turn, a['status'])}",
        f"{turn.t('field.progress')}: {a['progress'] if a.get('progress') is not None else none}%"
        if a.get("progress") is not None
        else f"{turn.t('field.progress')}: {none}",
        f"{turn.t('field.results')}: {a.get('results') or none}",
        f"{turn.t('field.difficulties')}: {a.get('difficulties') or none}",
        f"{turn.t('field.proposals')}: {a.get('proposals') or none}",
        f"{turn.t('field.next_plan')}: {a.get('next_plan') or none}",
        _evidence_line(turn, a),
        "",
        turn.t("report.confirm_q"),
    ]
    options = [
        Option("ok", turn.t("report.send")),
        Option("redo", turn.t("report.redo")),
        Option("cancel", turn.t("common.cancel")),
    ]
    return await turn.ask(FLOW, "preview", "\n".join(lines), options, data=data)


async def _after_status(turn: Turn, data: dict[str, Any]) -> list[Reply]:
    status = data["answers"]["status"]
    if status == ReportStatus.DONE.value:
        data["answers"]["progress"] = 100
        return await _ask_text(turn, data, "results")
    if status == ReportStatus.NOT_STARTED.value:
        data["answers"]["progress"] = 0
        return await _ask_text(turn, data, "results")
    return await _ask_progress(turn, data)


def _next_text_step(step: str) -> str | None:
    idx = TEXT_STEPS.index(step)
    return TEXT_STEPS[idx + 1] if idx + 1 < len(TEXT_STEPS) else None


async def resume(turn: Turn, step: str) -> list[Reply]:
    """Continue the form at `step` with the user's choice or text."""
    data = turn.data
    choice = turn.choice
    text = turn.msg.text.strip()
    if choice == "cancel":
        return await turn.done(turn.t("form.cancelled"))
    if step == "plan":
        if choice and choice.startswith("plan:"):
            return await _choose_task(turn, {"plan_id": int(choice[5:])})
        return await _repeat(turn)
    if step == "task":
        if choice and choice.startswith("t:"):
            return await _pick_task(turn, data, int(choice[2:]))
        if choice == "period":
            return await _ask_period(turn, data)
        return await _repeat(turn)
    if step == "period":
        if choice and choice.startswith("p:"):
            return await _choose_task(turn, {"plan_id": data["plan_id"], "period": choice[2:]})
        return await _repeat(turn)
    if step == "existing":
        if choice == "edit":
            return await _ask_status(turn, data)
        if choice == "back":
            return await _choose_task(turn, data)
        return await _repeat(turn)
    if step == "copy":
        if choice == "copy":
            data["answers"] = dict(data.get("previous", {}))
            data["answers"]["files"] = []
            return await _ask_status(turn, data)
        if choice == "fresh":
            return await _ask_status(turn, data)
        return await _repeat(turn)
    if step == "status":
        if choice == "keep" and data["answers"].get("status"):
            return await _after_status(turn, data)
        if choice and choice.startswith("s:"):
            data["answers"]["status"] = choice[2:]
            return await _after_status(turn, data)
        return await _repeat(turn)
    if step == "progress":
        if choice == "keep":
            return await _ask_text(turn, data, "results")
        raw = choice[4:] if choice and choice.startswith("pct:") else text
        m = _PERCENT.match(raw)
        if not m or not 0 <= int(m.group(1)) <= 100:
            return turn.repeat(turn.t("error.progress_range"))
        data["answers"]["progress"] = int(m.group(1))
        if choice is None:
            turn.say(turn.t("forms.echo_value", value=f"{int(m.group(1))}%"))
        return await _ask_text(turn, data, "results")
    if step in TEXT_STEPS:
        if choice == "keep":
            pass
        elif choice == "skip" and step in OPTIONAL_STEPS:
            data["answers"][step] = ""
        elif turn.msg.file is not None or choice:
            return await _repeat(turn)
        elif not text:
            return turn.repeat(turn.t("error.required"))
        elif len(text) > MAX_TEXT:
            return turn.repeat(turn.t("error.too_long", limit=MAX_TEXT, got=len(text)))
        else:
            data["answers"][step] = text
            turn.say(turn.t("forms.echo_value", value=short(text, 80)))
        nxt = _next_text_step(step)
        return await (_ask_text(turn, data, nxt) if nxt else _ask_evidence(turn, data))
    if step == "evidence":
        return await _on_evidence(turn, data, choice, text)
    if step == "preview":
        if choice == "ok":
            return await _submit(turn, data)
        if choice == "redo":
            return await _ask_status(turn, data)
        return await _repeat(turn)
    return await turn.done(turn.t("form.cancelled"))


async def _on_evidence(
    turn: Turn, data: dict[str, Any], choice: str | None, text: str
) -> list[Reply]:
    answers = data["answers"]
    answers.setdefault("files", [])
    if choice == "skip":
        return await _preview(turn, data)
    file = turn.msg.file
    if file is not None:
        try:
            stored = await files.store_file(turn.deps, file, channel=turn.msg.channel)
        except DomainError as exc:
            turn.say(turn.t(exc.key, **exc.params))
            return await _ask_evidence(turn, data)
        answers["files"].append(stored)
        turn.say(turn.t("report.file_saved", name=stored["filename"]))
        return await _ask_evidence(turn, data)
    if text and not choice:
        if len(text) > MAX_TEXT:
            return turn.repeat(turn.t("error.too_long", limit=MAX_TEXT, got=len(text)))
        answers["evidence_ref"] = text
        turn.say(turn.t("forms.echo_value", value=short(text, 80)))
        return await _preview(turn, data)
    return await _repeat(turn)


async def _overdue_owed(
    turn: Turn, pp: PlanPeriods, task_id: int | None = None
) -> list[tuple[Period, int]]:
    """Periods whose deadline passed and in which the unit still owes reports, latest first.

    Each comes with the number of reports still owed (on `task_id` only, when given).
    """
    assert turn.member is not None and turn.member.unit_id is not None
    unit_id = turn.member.unit_id
    today = turn.deps.today()
    out: list[tuple[Period, int]] = []
    created = pp.plan.created_at
    registered = created.astimezone(turn.deps.tz).date() if created.tzinfo else created.date()
    for period in pp.choosable:
        # Not owed: still open, or already past when the plan was registered in dondoc.
        if period.due >= today or period.due < registered:
            continue
        expected = (await expected_pairs(turn.session, pp.plan.id, period, [unit_id])).get(
            unit_id, []
        )
        if task_id is not None:
            expected = [tid for tid in expected if tid == task_id]
        if not expected:
            continue
        done = await reported_tasks(turn.session, pp.plan.id, period.key, unit_id)
        left = sum(1 for tid in expected if tid not in done)
        if left:
            out.append((period, left))
    return sorted(out, key=lambda item: item[0].due, reverse=True)


async def _ask_period(
    turn: Turn, data: dict[str, Any], *, overdue: list[tuple[Period, int]] | None = None
) -> list[Reply]:
    """The periods a unit may report for: overdue ones still owed first, then the open one."""
    plan = await turn.session.get(Plan, data["plan_id"])
    assert plan is not None
    pp = await plan_periods(turn.session, plan, turn.deps.today())
    if overdue is None:
        overdue = await _overdue_owed(turn, pp)
    today = turn.deps.today()
    options: list[Option] = []
    text = turn.t("report.choose_period")
    for p, left in overdue:
        options.append(
            Option(
                f"p:{p.key}",
                turn.t(
                    "report.period_overdue",
                    period=p.label(turn.locale),
                    days=(today - p.due).days,
                    left=left,
                ),
            )
        )
    if overdue:
        text = turn.t("report.overdue_first", n=len(overdue)) + "\n" + text
    shown = {p.key for p, _left in overdue}
    for p in pp.choosable:
        if p.key in shown:
            continue
        if p.due < today:
            label = turn.t("report.period_past", period=p.label(turn.locale), due=fmt_date(p.due))
        else:
            label = f"{p.label(turn.locale)} ({turn.t('common.due')} {fmt_date(p.due)})"
        options.append(Option(f"p:{p.key}", label))
    options.append(Option("cancel", turn.t("common.cancel")))
    return await turn.ask(FLOW, "period", text, options, data=data)


async def _submit(turn: Turn, data: dict[str, Any]) -> list[Reply]:
    member = turn.member
    assert member is not None and member.unit_id is not None
    plan = await turn.session.get(Plan, data["plan_id"])
    task = await turn.session.get(Task, data["task_id"])
    unit = await turn.session.get(Unit, member.unit_id)
    if plan is None or task is None or unit is None:
        return await turn.done(turn.t("form.cancelled"))
    pp = await plan_periods(turn.session, plan, turn.deps.today())
    period = pp.find(data["period"])
    if period is None:
        return await turn.done(turn.t("report.no_regime"))
    try:
        report = await submit_report(
            turn.session,
            turn.now,
            turn.deps.tz,
            plan=plan,
            period=period,
            task=task,
            unit=unit,
            member=member,
            answers=ReportAnswers.from_dict(data["answers"]),
        )
    except DomainError as exc:
        return turn.repeat(turn.t(exc.key, **exc.params))
    late = turn.deps.today() > period.due
    expected = (await expected_pairs(turn.session, plan.id, period, [unit.id])).get(unit.id, [])
    reported = await reported_tasks(turn.session, plan.id, period.key, unit.id)
    left = [tid for tid in expected if tid not in reported]
    key = "report.saved_edit" if report.version > 1 else "report.saved"
    lines = [turn.t(key, ref=task.ref, period=period.label(turn.locale))]
    if late:
        lines.append(turn.t("report.saved_late", due=fmt_date(period.due)))
    if left:
        lines.append(turn.t("report.left", n=len(left)))
        nxt = await turn.session.get(Task, left[0])
        options = [
            Option(
                f"cmd:report:{left[0]}", short(turn.t("report.next", ref=nxt.ref if nxt else ""))
            ),
            Option("cmd:done", turn.t("common.close")),
        ]
        return await turn.done("\n".join(lines), options)
    lines.append(turn.t("report.all_done", period=period.label(turn.locale)))
    return await turn.done("\n".join(lines))


async def _repeat(turn: Turn) -> list[Reply]:
    """Ask the current question again after an answer that does not fit it."""
    return turn.repeat(turn.t("form.choose_listed") if turn.offered() else turn.t("error.required"))


async def unit_has_tasks(turn: Turn) -> bool:
    """True when the member's unit has tasks in an active plan."""
    if turn.member is None or turn.member.unit_id is None:
        return False
    return bool(await plans_of_unit(turn.session, turn.member.unit_id))


router = Router(
    "report",
    commands=(Command("report", start, vi="baocao", menu="all"),),
    flows=(Flow(FLOW, resume),),
    help=(HelpLine("help.report"),),
)

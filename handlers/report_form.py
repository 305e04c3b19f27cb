"""The progress report form: period, task, status, progress, texts, evidence, preview, confirm.

A table of typed steps (`handlers.forms`): each step's parser turns the answer into a typed
value (a task id, a `ReportStatus`, a percentage, a text), which its `then` applies to the
`ReportDraft` before the next question. The rules of a report (which statuses a task may take,
the progress a status settles) are `domain.reports`'.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal, TypedDict, cast

from db.models import Plan, ReportStatus, Task, TaskRole, Unit
from domain.errors import DomainError
from domain.membership import can_report
from domain.periods import Period, period_label
from domain.reports import (
    ReportAnswers,
    expected_pairs,
    get_report,
    implied_progress,
    previous_report,
    reported_tasks,
    statuses_for,
    submit_report,
    unit_tasks,
)
from handlers import files
from handlers.common import PlanPeriods, fmt_date, plan_periods, plans_of_unit, short
from handlers.forms import (
    Answer,
    Form,
    Refusal,
    Step,
    Typed,
    a_file,
    echo,
    first,
    one_of,
    option_id,
    option_key,
    percent,
    text,
)
from handlers.messages import IncomingFile, Option, Reply
from handlers.routing import Command, Flow, HelpLine, Router
from handlers.turn import Turn

FLOW = "report"
TextField = Literal["results", "difficulties", "proposals", "next_plan"]
TEXT_STEPS: tuple[TextField, ...] = ("results", "difficulties", "proposals", "next_plan")
OPTIONAL_STEPS: tuple[TextField, ...] = ("difficulties", "proposals", "next_plan")


class DraftAnswers(TypedDict, total=False):
    """The report's answers so far (the JSON `ReportAnswers.as_dict` writes)."""

    status: str
    progress: int | None
    results: str
    difficulties: str
    proposals: str
    next_plan: str
    evidence_ref: str
    files: list[dict[str, Any]]


@dataclass
class ReportDraft:
    """The form's data: the plan, the period, the task and the answers given so far."""

    plan_id: int
    period: str | None = None
    task_id: int | None = None
    answers: DraftAnswers | None = None
    editing: bool = False  # the unit's report for the period exists: this edits it
    previous: DraftAnswers | None = None  # last period's answers, offered as a start

    @property
    def given(self) -> DraftAnswers:
        """The answers (a task was picked)."""
        if self.answers is None:
            self.answers = DraftAnswers(files=[])
        return self.answers

    def to_json(self) -> dict[str, Any]:
        """Stored in the form row."""
        out: dict[str, Any] = {"plan_id": self.plan_id}
        if self.period is not None:
            out["period"] = self.period
        if self.task_id is not None:
            out["task_id"] = self.task_id
        if self.answers is not None:
            out["answers"] = dict(self.answers)
        if self.editing:
            out["editing"] = True
        if self.previous is not None:
            out["previous"] = dict(self.previous)
        return out

    @classmethod
    def from_json(cls, raw: Mapping[str, Any]) -> ReportDraft:
        """Read back from the form row."""
        task_id = raw.get("task_id")
        answers, previous = raw.get("answers"), raw.get("previous")
        return cls(
            plan_id=int(raw.get("plan_id", 0)),
            period=str(raw["period"]) if raw.get("period") else None,
            task_id=int(task_id) if task_id is not None else None,
            answers=cast(DraftAnswers, dict(answers)) if isinstance(answers, dict) else None,
            editing=bool(raw.get("editing")),
            previous=cast(DraftAnswers, dict(previous)) if isinstance(previous, dict) else None,
        )


class Pick(enum.Enum):
    """The fixed options of the report form's questions."""

    OTHER_PERIOD = "period"
    EDIT = "edit"
    BACK = "back"
    COPY = "copy"
    FRESH = "fresh"
    KEEP = "keep"
    SKIP = "skip"
    SEND = "ok"
    REDO = "redo"


def _status(answer: Answer) -> ReportStatus | Refusal | None:
    if answer.choice is None or not answer.choice.startswith("s:"):
        return None
    try:
        return ReportStatus(answer.choice[2:])
    except ValueError:
        return Refusal()


def status_label(turn: Turn, status: str) -> str:
    """Localised label of a report status."""
    return turn.t(f"status.{status}")


async def _ask(
    turn: Turn, step: str, question: str, options: list[Option], draft: ReportDraft
) -> list[Reply]:
    return await FORM.ask(turn, step, question, options, draft)


# ---- entry, plan, period and task ------------------------------------------------------------


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
        return await _ask(turn, "plan", turn.t("report.choose_plan"), options, ReportDraft(0))
    plan = plans[0]
    if task_id is not None:
        task = await turn.session.get(Task, task_id)
        if task is not None:
            plan = await turn.session.get(Plan, task.plan_id) or plan
    return await _choose_task(turn, ReportDraft(plan.id), task_id=task_id)


async def _on_plan(turn: Turn, draft: ReportDraft, plan_id: int) -> list[Reply]:
    del draft  # nothing chosen before the plan
    return await _choose_task(turn, ReportDraft(plan_id))


async def _choose_task(
    turn: Turn, draft: ReportDraft, *, task_id: int | None = None, note: str | None = None
) -> list[Reply]:
    assert turn.member is not None and turn.member.unit_id is not None
    plan = await turn.session.get(Plan, draft.plan_id)
    if plan is None:
        return await turn.done(turn.t("report.no_tasks"))
    pp = await plan_periods(turn.session, plan, turn.deps.today())
    if draft.period:
        period = pp.find(draft.period)
    else:
        overdue = await _overdue_owed(turn, pp, task_id)
        if overdue and task_id is not None:
            period = overdue[0][0]
        elif overdue:
            # After a deadline the overdue period comes first: its report is still owed.
            return await _ask_period(turn, ReportDraft(plan.id), overdue=overdue)
        else:
            period = pp.current
    if period is None:
        return await turn.done(turn.t("report.no_regime"))
    draft = ReportDraft(plan.id, period.key)
    if task_id is not None:
        return await _open_task(turn, draft, task_id)
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
        options.append(Option(Pick.OTHER_PERIOD.value, turn.t("report.other_period")))
    options.append(Option("cancel", turn.t("common.cancel")))
    return await _ask(turn, "task", "\n".join(lines), options, draft)


async def _on_task(turn: Turn, draft: ReportDraft, picked: int | Pick) -> list[Reply]:
    if picked is Pick.OTHER_PERIOD:
        return await _ask_period(turn, draft)
    assert isinstance(picked, int)
    return await _open_task(turn, draft, picked)


async def _on_period(turn: Turn, draft: ReportDraft, key: str) -> list[Reply]:
    return await _choose_task(turn, ReportDraft(draft.plan_id, key))


async def _open_task(turn: Turn, draft: ReportDraft, task_id: int) -> list[Reply]:
    """The task picked: edit the existing report, copy last period's, or start afresh."""
    assert turn.member is not None and turn.member.unit_id is not None
    assert draft.period is not None
    period = draft.period
    task = await turn.session.get(Task, task_id)
    mine = {t.id for t, _r in await unit_tasks(turn.session, draft.plan_id, turn.member.unit_id)}
    if task is None or task.id not in mine:
        return await _choose_task(turn, draft, note=turn.t("error.not_your_task"))
    draft = ReportDraft(draft.plan_id, draft.period, task.id, DraftAnswers(files=[]))
    head = _task_head(turn, task)
    existing = await get_report(turn.session, task.id, turn.member.unit_id, period)
    if existing is not None:
        draft.answers = _answers_of(existing)
        draft.editing = True
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
            Option(Pick.EDIT.value, turn.t("report.edit")),
            Option(Pick.BACK.value, turn.t("report.other_task")),
            Option("cancel", turn.t("common.cancel")),
        ]
        return await _ask(turn, "existing", text, options, draft)
    prev = await previous_report(turn.session, task.id, turn.member.unit_id, period)
    if prev is not None:
        draft.previous = _answers_of(prev)
        text = head + "\n\n" + turn.t("report.copy_offer", period=_label(turn, prev.period_key))
        options = [
            Option(Pick.COPY.value, turn.t("report.copy")),
            Option(Pick.FRESH.value, turn.t("report.fresh")),
        ]
        return await _ask(turn, "copy", text, options, draft)
    turn.say(head)
    return await _ask_status(turn, draft)


def _task_head(turn: Turn, task: Task) -> str:
    return turn.t(
        "report.task_head",
        ref=task.ref,
        title=task.title,
        timeframe=task.timeframe_text or turn.t("report.no_timeframe"),
    )


def _label(turn: Turn, key: str) -> str:
    return period_label(key, turn.locale)


def _answers_of(report: Any) -> DraftAnswers:
    return DraftAnswers(
        status=report.status.value,
        progress=report.progress,
        results=report.results,
        difficulties=report.difficulties,
        proposals=report.proposals,
        next_plan=report.next_plan,
        evidence_ref=report.evidence_ref,
        files=[],
    )


async def _on_existing(turn: Turn, draft: ReportDraft, picked: Pick) -> list[Reply]:
    if picked is Pick.EDIT:
        return await _ask_status(turn, draft)
    return await _choose_task(turn, draft)


async def _on_copy(turn: Turn, draft: ReportDraft, picked: Pick) -> list[Reply]:
    if picked is Pick.COPY:
        draft.answers = DraftAnswers(**(draft.previous or {}))
        draft.answers["files"] = []
    return await _ask_status(turn, draft)


# ---- the answers ------------------------------------------------------------------------------


def _keep(turn: Turn, draft: ReportDraft, name: str) -> list[Option]:
    """A "keep" option when editing and the field has a value."""
    value = cast(Mapping[str, Any], draft.given).get(name)
    if value in (None, ""):
        return []
    shown = status_label(turn, value) if name == "status" else str(value)
    return [Option(Pick.KEEP.value, short(turn.t("form.keep", value=shown), 60))]


async def _ask_status(turn: Turn, draft: ReportDraft) -> list[Reply]:
    assert draft.task_id is not None
    task = await turn.session.get(Task, draft.task_id)
    statuses = statuses_for(task.schedule if task is not None else None)
    options = _keep(turn, draft, "status") + [
        Option(f"s:{s.value}", status_label(turn, s.value)) for s in statuses
    ]
    return await _ask(turn, "status", turn.t("report.ask_status"), options, draft)


async def _on_status(turn: Turn, draft: ReportDraft, picked: ReportStatus | Pick) -> list[Reply]:
    answers = draft.given
    if isinstance(picked, ReportStatus):
        answers["status"] = picked.value
    elif not answers.get("status"):
        return turn.repeat(turn.t("form.choose_listed"))
    settled = implied_progress(ReportStatus(answers["status"]))
    if settled is None:
        return await _ask_progress(turn, draft)
    answers["progress"] = settled
    return await _ask_text(turn, draft, "results")


async def _ask_progress(turn: Turn, draft: ReportDraft) -> list[Reply]:
    options = _keep(turn, draft, "progress") + [
        # No typed marker: a number typed here is a percentage, never an option's position.
        Option(f"pct:{n}", f"{n}%", key="")
        for n in (0, 25, 50, 75, 100)
    ]
    return await _ask(turn, "progress", turn.t("report.ask_progress"), options, draft)


async def _on_progress(
    turn: Turn, draft: ReportDraft, value: int | Typed[int] | Pick
) -> list[Reply]:
    if isinstance(value, Typed):
        echo(turn, f"{value.value}%")
        value = value.value
    if isinstance(value, int):
        draft.given["progress"] = value
    return await _ask_text(turn, draft, "results")


async def _ask_text(turn: Turn, draft: ReportDraft, step: TextField) -> list[Reply]:
    options = _keep(turn, draft, step)
    question = turn.t(f"report.ask_{step}")
    if options:
        question += "\n" + turn.t("form.current", value=draft.given.get(step))
    if step in OPTIONAL_STEPS:
        options.append(Option(Pick.SKIP.value, turn.t("form.none")))
    return await _ask(turn, step, question, options, draft)


def _text_step(name: TextField) -> Step[ReportDraft, Any]:
    """One of the four text questions: keep (editing), skip (optional ones) or typed text."""
    picks = (Pick.KEEP, Pick.SKIP) if name in OPTIONAL_STEPS else (Pick.KEEP,)

    async def then(turn: Turn, draft: ReportDraft, value: Typed[str] | Pick) -> list[Reply]:
        if value is Pick.SKIP:
            draft.given[name] = ""
        elif isinstance(value, Typed):
            draft.given[name] = value.value
            echo(turn, value.value)
        at = TEXT_STEPS.index(name)
        if at + 1 < len(TEXT_STEPS):
            return await _ask_text(turn, draft, TEXT_STEPS[at + 1])
        return await _ask_evidence(turn, draft)

    return Step(name, first(one_of(*picks), text()), then)


async def _ask_evidence(turn: Turn, draft: ReportDraft) -> list[Reply]:
    answers = draft.given
    question = turn.t("report.ask_evidence")
    if answers.get("files") or answers.get("evidence_ref"):
        question += "\n" + _evidence_line(turn, answers)
    options = [Option(Pick.SKIP.value, turn.t("form.next"))]
    return await _ask(turn, "evidence", question, options, draft)


def _evidence_line(turn: Turn, answers: DraftAnswers) -> str:
    parts = [f["filename"] for f in answers.get("files", [])]
    if answers.get("evidence_ref"):
        parts.append(answers["evidence_ref"])
    return (
        turn.t("report.evidence_has", items="; ".join(parts))
        if parts
        else turn.t("report.evidence_none")
    )


async def _on_evidence(
    turn: Turn, draft: ReportDraft, value: Pick | IncomingFile | Typed[str]
) -> list[Reply]:
    answers = draft.given
    answers.setdefault("files", [])
    if isinstance(value, Pick):  # "next": no (more) evidence
        return await _preview(turn, draft)
    if isinstance(value, Typed):
        answers["evidence_ref"] = value.value
        echo(turn, value.value)
        return await _preview(turn, draft)
    try:
        stored = await files.store_file(turn.deps, value, channel=turn.msg.channel)
    except DomainError as exc:
        turn.say(turn.t(exc.key, **exc.params))
        return await _ask_evidence(turn, draft)
    answers["files"].append(stored)
    turn.say(turn.t("report.file_saved", name=stored["filename"]))
    return await _ask_evidence(turn, draft)


async def _preview(turn: Turn, draft: ReportDraft) -> list[Reply]:
    assert draft.task_id is not None and draft.period is not None
    task = await turn.session.get(Task, draft.task_id)
    assert task is not None
    a = draft.given
    none = turn.t("form.empty")
    progress = a.get("progress")
    lines = [
        turn.t("report.preview_head", period=_label(turn, draft.period)),
        _task_head(turn, task),
        "",
        f"{turn.t('field.status')}: {status_label(turn, a.get('status', ''))}",
        f"{turn.t('field.progress')}: {progress}%"
        if progress is not None
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
        Option(Pick.SEND.value, turn.t("report.send")),
        Option(Pick.REDO.value, turn.t("report.redo")),
        Option("cancel", turn.t("common.cancel")),
    ]
    return await _ask(turn, "preview", "\n".join(lines), options, draft)


async def _on_preview(turn: Turn, draft: ReportDraft, picked: Pick) -> list[Reply]:
    if picked is Pick.REDO:
        return await _ask_status(turn, draft)
    return await _submit(turn, draft)


# ---- sending, and the periods still owed ----------------------------------------------------


async def _submit(turn: Turn, draft: ReportDraft) -> list[Reply]:
    member = turn.member
    assert member is not None and member.unit_id is not None
    assert draft.task_id is not None and draft.period is not None
    plan = await turn.session.get(Plan, draft.plan_id)
    task = await turn.session.get(Task, draft.task_id)
    unit = await turn.session.get(Unit, member.unit_id)
    if plan is None or task is None or unit is None:
        return await turn.done(turn.t("form.cancelled"))
    pp = await plan_periods(turn.session, plan, turn.deps.today())
    period = pp.find(draft.period)
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
            answers=ReportAnswers.from_dict(draft.given),
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
    turn: Turn, draft: ReportDraft, *, overdue: list[tuple[Period, int]] | None = None
) -> list[Reply]:
    """The periods a unit may report for: overdue ones still owed first, then the open one."""
    plan = await turn.session.get(Plan, draft.plan_id)
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
    return await _ask(turn, "period", text, options, ReportDraft(draft.plan_id))


FORM: Form[ReportDraft] = Form(
    FLOW,
    ReportDraft,
    [
        Step("plan", option_id("plan:"), _on_plan),
        Step("task", first(option_id("t:"), one_of(Pick.OTHER_PERIOD)), _on_task),
        Step("period", option_key("p:"), _on_period),
        Step("existing", one_of(Pick.EDIT, Pick.BACK), _on_existing),
        Step("copy", one_of(Pick.COPY, Pick.FRESH), _on_copy),
        Step("status", first(one_of(Pick.KEEP), _status), _on_status),
        Step("progress", first(one_of(Pick.KEEP), percent()), _on_progress),
        *(_text_step(name) for name in TEXT_STEPS),
        Step("evidence", first(one_of(Pick.SKIP), a_file, text(required=False)), _on_evidence),
        Step("preview", one_of(Pick.SEND, Pick.REDO), _on_preview),
    ],
)

router = Router(
    "report",
    commands=(Command("report", start, vi="baocao", menu="all"),),
    flows=(Flow(FLOW, FORM),),
    help=(HelpLine("help.report"),),
)

"""`/export` (`/xuatbaocao`): the coordinating office picks a period and a format, gets the file.

Also the chart the `/status` flow can send on request (`status_chart`).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from db.models import Plan
from domain.deps import Deps
from domain.errors import DomainError
from domain.export import MIME_TYPES, ExportData, ExportFormat, Timeliness, gather, render
from domain.export.labels import export_filename, plan_name
from domain.export.service import FALLBACK_RULES
from domain.membership import is_office
from domain.periods import Period, parse_key, recent_periods
from handlers.common import PlanPeriods, active_plans, fmt_date, plan_periods, short
from handlers.forms import Answer, Form, Refusal, Step, first, option_id, option_key
from handlers.messages import Option, OutgoingFile, Reply
from handlers.routing import Command, Flow, HelpLine, Router
from handlers.turn import Turn, clear_form

log = logging.getLogger(__name__)

FLOW = "export"
CHAT_FORMATS = (ExportFormat.DOCX, ExportFormat.XLSX, ExportFormat.PNG)
# Channels whose bot API cannot send a file (Zalo Bot Platform: text, stickers, photo URLs).
FILELESS_CHANNELS = frozenset({"zalo"})
# Files handed to a channel are kept this long under DATA_DIR/exports, then removed.
KEEP_FILES = dt.timedelta(hours=24)


@dataclass
class ExportChoice:
    """The export form's data: the plan, the period and the format chosen so far."""

    plan_id: int | None = None
    period: str | None = None
    format: ExportFormat | None = None

    def to_json(self) -> dict[str, Any]:
        """Stored in the form row."""
        out: dict[str, Any] = {}
        if self.plan_id is not None:
            out["plan_id"] = self.plan_id
        if self.period is not None:
            out["period"] = self.period
        if self.format is not None:
            out["format"] = self.format.value
        return out

    @classmethod
    def from_json(cls, raw: Mapping[str, Any]) -> ExportChoice:
        """Read back from the form row."""
        fmt = raw.get("format")
        return cls(
            plan_id=int(raw["plan_id"]) if raw.get("plan_id") is not None else None,
            period=str(raw["period"]) if raw.get("period") else None,
            format=ExportFormat(fmt) if fmt else None,
        )


async def _office_only(turn: Turn) -> list[Reply] | None:
    if turn.member is None or not is_office(turn.member):
        return await turn.done(turn.t("export.chat.forbidden"))
    return None


async def start(turn: Turn) -> list[Reply]:
    """Entry: office members only; `/export 2026-Q4 docx` skips the questions it answers."""
    refused = await _office_only(turn)
    if refused is not None:
        return refused
    if turn.msg.channel in FILELESS_CHANNELS:
        return await turn.done(turn.t("export.chat.no_files_here"))
    choice = _parse_args(turn.msg.args)
    if choice is None:
        return await turn.done(turn.t("export.chat.usage"))
    plans = await active_plans(turn.session)
    if not plans:
        return await turn.done(turn.t("export.error.no_plan"))
    if len(plans) > 1:
        options = [Option(f"plan:{p.id}", short(p.number or p.title)) for p in plans]
        return await FORM.ask(turn, "plan", turn.t("export.chat.choose_plan"), options, choice)
    choice.plan_id = plans[0].id
    return await _next(turn, choice)


def _period_key(word: str) -> str | None:
    """A period key as typed ("2026-q3" -> "2026-Q3"), or None."""
    key = word.strip().upper()
    try:
        parse_key(key)
    except ValueError:
        return None
    return key


def _format(word: str) -> ExportFormat | None:
    low = word.lower().lstrip(".")
    return next((f for f in CHAT_FORMATS if f.value == low), None)


def _parse_args(args: str) -> ExportChoice | None:
    """A period key and/or a format in any order; None when a word is neither."""
    choice = ExportChoice()
    for word in args.split():
        fmt = _format(word)
        if fmt is not None:
            choice.format = fmt
            continue
        key = _period_key(word)
        if key is None:
            return None
        choice.period = key
    return choice


async def _next(turn: Turn, choice: ExportChoice) -> list[Reply]:
    """Ask what is still missing, or produce the file."""
    assert choice.plan_id is not None
    plan = await turn.session.get(Plan, choice.plan_id)
    if plan is None:
        return await turn.done(turn.t("export.error.no_plan"))
    pp = await plan_periods(turn.session, plan, turn.deps.today())
    if not pp.rules:
        # No reporting clause in the plan: calendar quarters, due the quarter's last day.
        pp = fallback_periods(plan, turn.deps.today())
        turn.say(turn.t("export.chat.no_rules_quarters", plan=plan_name(plan)))
    if choice.period is None:
        options = [
            Option(
                f"p:{p.key}",
                turn.t(
                    "export.chat.period_option", period=p.label(turn.locale), due=fmt_date(p.due)
                ),
            )
            for p in pp.choosable
        ]
        options.append(Option("cancel", turn.t("export.chat.cancel")))
        return await FORM.ask(turn, "period", turn.t("export.chat.choose_period"), options, choice)
    period = pp.find(choice.period)
    if period is None:
        choice.period = None
        turn.say(turn.t("export.chat.period_unknown", plan=plan.number or plan.title))
        return await _next(turn, choice)
    if choice.format is None:
        options = [
            Option(f"f:{f.value}", turn.t(f"export.chat.format.{f.value}")) for f in CHAT_FORMATS
        ]
        options.append(Option("cancel", turn.t("export.chat.cancel")))
        text = turn.t("export.chat.choose_format", period=period.label(turn.locale))
        return await FORM.ask(turn, "format", text, options, choice)
    return await _produce(turn, plan, period, choice.format)


def fallback_periods(plan: Plan, today: dt.date) -> PlanPeriods:
    """Calendar quarters for a plan without a reporting clause (see service.FALLBACK_RULES)."""
    rules = list(FALLBACK_RULES)
    return PlanPeriods(plan, rules, recent_periods(rules, today, plan.cutoff_mode))


def _typed_period(answer: Answer) -> str | Refusal | None:
    """A period key typed at the period step ("2026-Q3") is accepted too."""
    typed = answer.typed
    if typed is None:
        return None
    return _period_key(typed) or Refusal()


async def _on_plan(turn: Turn, choice: ExportChoice, plan_id: int) -> list[Reply]:
    choice.plan_id = plan_id
    return await _next(turn, choice)


async def _on_period(turn: Turn, choice: ExportChoice, key: str) -> list[Reply]:
    choice.period = key
    return await _next(turn, choice)


async def _on_format(turn: Turn, choice: ExportChoice, fmt: ExportFormat) -> list[Reply]:
    choice.format = fmt
    return await _next(turn, choice)


def _format_option(answer: Answer) -> ExportFormat | None:
    key = option_key("f:")(answer)
    return _format(key) if key else None


FORM: Form[ExportChoice] = Form(
    FLOW,
    ExportChoice,
    [
        Step("plan", option_id("plan:"), _on_plan),
        Step("period", first(option_key("p:"), _typed_period), _on_period),
        Step("format", _format_option, _on_format),
    ],
    gate=_office_only,
    cancel="export.chat.cancelled",
    choose_listed="export.chat.choose_listed",
)


async def _produce(turn: Turn, plan: Plan, period: Period, fmt: ExportFormat) -> list[Reply]:
    """Gather, render off the event loop, store under DATA_DIR and hand the file over."""
    await clear_form(turn.session, turn.msg.channel, turn.msg.user_id)
    turn.form = None
    data = await gather(
        turn.session,
        plan,
        period,
        turn.now,
        turn.deps.tz,
        label=period.label(turn.locale),
        locale=turn.locale,
    )
    try:
        file = await _render_to_file(turn.deps, data, fmt, turn.locale)
    except OSError:
        return [*turn.replies, Reply(turn.t("export.chat.write_failed"))]
    except Exception:
        # A plan's data the renderer cannot lay out: say so to the office, keep the details.
        log.exception("export of plan %s, %s as %s failed", plan.id, period.key, fmt.value)
        return [
            *turn.replies,
            Reply(
                turn.t(
                    "export.chat.render_failed",
                    fmt=turn.t(f"export.chat.format.{fmt.value}"),
                    plan=plan_name(plan),
                    period=data.period_label,
                )
            ),
        ]
    caption = turn.t(
        f"export.chat.sent.{fmt.value}",
        period=data.period_label,
        plan=plan_name(plan),
        total=len(data.units),
        on_time=data.unit_counts()[Timeliness.ON_TIME],
    )
    if not data.has_reports:
        caption += "\n" + turn.t("export.chat.no_reports_yet")
    replies = [*turn.replies, Reply(caption, file=file)]
    if fmt is ExportFormat.DOCX:
        preview = await _pdf_copy(turn, file)
        if preview is not None:
            replies.append(preview)
    return replies


async def _pdf_copy(turn: Turn, docx: OutgoingFile) -> Reply | None:
    """The draft as PDF beside the .docx, to check on a phone; None without LibreOffice."""
    from domain.export.pdf import docx_to_pdf, soffice

    if soffice() is None:
        return None
    try:
        content = await asyncio.to_thread(
            docx_to_pdf, await asyncio.to_thread(docx.path.read_bytes)
        )
        name = docx.filename.rsplit(".", 1)[0] + ".pdf"
        path = docx.path.with_suffix(".pdf")
        await asyncio.to_thread(path.write_bytes, content)
    except (DomainError, OSError):
        log.warning("PDF copy of %s failed", docx.filename)
        return None
    pdf = OutgoingFile(path=path, filename=name, mime_type=MIME_TYPES[ExportFormat.PDF])
    return Reply(turn.t("export.chat.pdf_caption"), file=pdf)


async def _render_to_file(
    deps: Deps, data: ExportData, fmt: ExportFormat, locale: str
) -> OutgoingFile:
    content = await asyncio.to_thread(render, data, fmt, locale, deps)
    folder = deps.data_dir / "exports"
    await asyncio.to_thread(_prune, folder, deps.now())
    folder.mkdir(parents=True, exist_ok=True)
    name = export_filename(data, fmt.value)
    path = folder / f"{secrets.token_hex(6)}-{name}"
    await asyncio.to_thread(path.write_bytes, content)
    return OutgoingFile(
        path=path, filename=name, mime_type=MIME_TYPES[fmt], is_image=fmt is ExportFormat.PNG
    )


def _prune(folder: Path, now: dt.datetime) -> None:
    """Remove exports older than KEEP_FILES (they were sent long ago)."""
    if not folder.is_dir():
        return
    cutoff = (now - KEEP_FILES).timestamp()
    for old in folder.iterdir():
        try:
            if old.is_file() and old.stat().st_mtime < cutoff:
                old.unlink()
        except OSError:
            continue


async def status_chart(turn: Turn, plan_id: int, period_key: str | None = None) -> Reply:
    """The PNG chart of a period, for the `/status` flow's "send chart" option.

    Returns a Reply carrying the image, or a Reply explaining why there is none.
    """
    if turn.msg.channel in FILELESS_CHANNELS:
        return Reply(turn.t("export.chat.no_files_here"))
    plan = await turn.session.get(Plan, plan_id)
    if plan is None:
        return Reply(turn.t("export.error.no_plan"))
    pp = await plan_periods(turn.session, plan, turn.deps.today())
    if not pp.rules:
        pp = fallback_periods(plan, turn.deps.today())
    period = pp.find(period_key) if period_key else pp.current
    if period is None:
        return Reply(turn.t("export.error.no_rules", plan=plan_name(plan)))
    data = await gather(
        turn.session,
        plan,
        period,
        turn.now,
        turn.deps.tz,
        label=period.label(turn.locale),
        locale=turn.locale,
    )
    try:
        file = await _render_to_file(turn.deps, data, ExportFormat.PNG, turn.locale)
    except OSError:
        return Reply(turn.t("export.chat.write_failed"))
    except Exception:
        log.exception("chart of plan %s, %s failed", plan.id, period.key)
        return Reply(
            turn.t(
                "export.chat.render_failed",
                fmt=turn.t("export.chat.format.png"),
                plan=plan_name(plan),
                period=data.period_label,
            )
        )
    return Reply(
        turn.t("export.chat.chart_caption", period=data.period_label, plan=plan_name(plan)),
        file=file,
    )


router = Router(
    "export",
    commands=(Command("export", start, vi="xuatbaocao"),),
    flows=(Flow(FLOW, FORM),),
    help=(HelpLine("export.help", office=True),),
)

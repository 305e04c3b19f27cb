"""One entry point for the CLI and the chat: resolve plan and period, gather, render."""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy.ext.asyncio import AsyncSession

from db.models import PeriodKind, Plan
from domain.deps import Deps
from domain.errors import DomainError
from domain.export.data import ExportData, gather
from domain.export.labels import export_filename, plan_name
from domain.periods import (
    Period,
    RuleSpec,
    open_period,
    parse_key,
    period_by_key,
    period_label,
)
from domain.registry import find_plan, rule_specs
from domain.workdays import deadline_calendar

# A plan with no reporting clause is still exported: by calendar quarter, due its last day.
FALLBACK_RULES = (RuleSpec(PeriodKind.QUARTERLY, 31),)


class ExportFormat(StrEnum):
    """The formats a compiled report can be produced in."""

    DOCX = "docx"
    XLSX = "xlsx"
    PNG = "png"
    JSON = "json"
    PDF = "pdf"


MIME_TYPES = {
    ExportFormat.DOCX: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ExportFormat.XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ExportFormat.PNG: "image/png",
    ExportFormat.JSON: "application/json",
    ExportFormat.PDF: "application/pdf",
}


@dataclass(frozen=True)
class Exported:
    """A rendered export: its bytes, a suggested file name and the MIME type."""

    content: bytes
    filename: str
    mime_type: str
    data: ExportData


async def resolve_plan(session: AsyncSession, ref: str | int | None) -> Plan:
    """The plan by id or number (the newest active one without a reference)."""
    plan = await find_plan(session, ref)
    if plan is None:
        if ref in (None, ""):
            raise DomainError("export.error.no_plan")
        raise DomainError("export.error.plan_not_found", ref=ref)
    return plan


async def resolve_period(
    session: AsyncSession, plan: Plan, key: str | None, deps: Deps, locale: str
) -> Period:
    """The period with this key under the plan's rules; the open one when no key is given."""
    rules = await rule_specs(session, plan.id) or list(FALLBACK_RULES)
    cal = await deadline_calendar(session, plan.keep_written_deadlines)
    if not key:
        period = open_period(rules, deps.today(), plan.cutoff_mode, cal)
        if period is None:
            raise DomainError("export.error.no_rules", plan=plan_name(plan))
        return period
    try:
        parse_key(key)
    except ValueError:
        raise DomainError("export.error.bad_period", value=key) from None
    period = period_by_key(rules, key.strip(), plan.cutoff_mode, cal)
    if period is None:
        raise DomainError(
            "export.error.period_not_in_plan",
            period=period_label(key.strip(), locale),
            plan=plan_name(plan),
        )
    return period


async def gather_export(
    deps: Deps, plan_ref: str | int | None, period_key: str | None, locale: str
) -> ExportData:
    """Read everything one export needs, in one read-only session."""
    async with deps.db.read() as session:
        plan = await resolve_plan(session, plan_ref)
        period = await resolve_period(session, plan, period_key, deps, locale)
        return await gather(
            session, plan, period, deps.now(), deps.tz, label=period.label(locale), locale=locale
        )


def render(data: ExportData, fmt: ExportFormat, locale: str, deps: Deps) -> bytes:
    """Render gathered data in one format (CPU-bound: call it from a worker thread).

    The renderers are imported here, not at module load: matplotlib alone takes about 1.5 s
    to import, which every `dondoc` command and the bot's start-up would otherwise pay.
    """
    if fmt is ExportFormat.DOCX:
        from domain.export.word import render_docx

        return render_docx(data, locale, deps.tz)
    if fmt is ExportFormat.PDF:
        from domain.export.pdf import docx_to_pdf
        from domain.export.word import render_docx

        return docx_to_pdf(render_docx(data, locale, deps.tz))
    if fmt is ExportFormat.XLSX:
        from domain.export.excel import render_xlsx

        return render_xlsx(data, locale, deps.tz)
    if fmt is ExportFormat.PNG:
        from domain.export.chart import render_png

        return render_png(data, locale)
    return json.dumps(data.as_dict(), ensure_ascii=False, indent=2).encode("utf-8")


async def export(
    deps: Deps,
    *,
    plan_ref: str | int | None,
    period_key: str | None,
    fmt: ExportFormat,
    locale: str = "vi",
) -> Exported:
    """Gather and render; rendering runs in a thread so the event loop keeps serving chats."""
    data = await gather_export(deps, plan_ref, period_key, locale)
    content = await asyncio.to_thread(render, data, fmt, locale, deps)
    return Exported(content, export_filename(data, fmt.value), MIME_TYPES[fmt], data)

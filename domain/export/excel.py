"""The Excel matrix: one row per task and unit, filterable, with Vietnamese headers."""

from __future__ import annotations

import io
import zoneinfo
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from domain.export.data import ExportData, TaskData
from domain.export.labels import (
    entry_timeliness_label,
    fmt_date,
    status_label,
    unit_timeliness_label,
    xml_safe,
)
from locales import t

# (catalog key suffix, column width in characters)
MATRIX_COLUMNS: tuple[tuple[str, int], ...] = (
    ("no", 6),
    ("task", 45),
    ("lead", 26),
    ("support", 26),
    ("timeframe", 18),
    ("unit", 26),
    ("role", 11),
    ("status", 16),
    ("progress", 10),
    ("results", 50),
    ("difficulties", 40),
    ("proposals", 40),
    ("next_plan", 40),
    ("evidence", 24),
    ("submitted_at", 17),
    ("timeliness", 18),
    ("days_late", 10),
)
UNIT_COLUMNS: tuple[tuple[str, int], ...] = (
    ("no", 6),
    ("unit", 40),
    ("expected", 14),
    ("reported", 12),
    ("late_reports", 12),
    ("submitted_at", 17),
    ("timeliness", 28),
)
DATE_FORMAT = "dd/mm/yyyy hh:mm"
_HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
_THIN = Side(style="thin", color="999999")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)


def _sheet_title(text: str) -> str:
    """Excel forbids []:*?/\\ in sheet names and allows 31 characters."""
    for ch in "[]:*?/\\":
        text = text.replace(ch, "-")
    return text[:31]


def _header(ws: Worksheet, columns: tuple[tuple[str, int], ...], prefix: str, locale: str) -> None:
    ws.append([t(f"{prefix}.{key}", locale) for key, _width in columns])
    for i, (_key, width) in enumerate(columns, 1):
        cell = ws.cell(row=1, column=i)
        cell.font = Font(name="Times New Roman", bold=True)
        cell.fill = _HEADER_FILL
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        cell.border = _BORDER
        ws.column_dimensions[get_column_letter(i)].width = width
    ws.row_dimensions[1].height = 32
    ws.freeze_panes = "A2"


def _finish(ws: Worksheet, ncols: int) -> None:
    body_font = Font(name="Times New Roman")
    wrap = Alignment(vertical="top", wrap_text=True)
    for row in ws.iter_rows(min_row=2, max_col=ncols):
        for cell in row:
            if cell.data_type == "f":
                # A unit's text starting with "=" is text, never a formula Excel would run.
                cell.data_type = "s"
            cell.font = body_font
            cell.alignment = wrap
            cell.border = _BORDER
    ws.auto_filter.ref = f"A1:{get_column_letter(ncols)}{max(ws.max_row, 1)}"


def _local(moment: Any, tz: zoneinfo.ZoneInfo) -> Any:
    # Excel has no time zones: write the deployment's local time, without offset.
    return moment.astimezone(tz).replace(tzinfo=None) if moment else None


def _task_cells(task: TaskData) -> list[Any]:
    return [
        task.ref,
        xml_safe(task.title),
        xml_safe("\n".join(task.leads)),
        xml_safe("\n".join(task.supports)),
        xml_safe(task.timeframe_text) or fmt_date(task.due_date),
    ]


def matrix_rows(data: ExportData, locale: str, tz: zoneinfo.ZoneInfo) -> list[list[Any]]:
    """The matrix body: one row per task and unit (a task without units still gets a row)."""
    rows: list[list[Any]] = []
    for task in data.tasks:
        for words in task.unmapped_groups:
            rows.append(
                # unit, role, status, 7 report columns, timeliness, days late
                [
                    *_task_cells(task),
                    f"«{words}»",
                    "",
                    "",
                    *([None] * 7),
                    t("collectives.export.cell", locale),
                    None,
                ]
            )
        if not task.entries and not task.unmapped_groups:
            rows.append(
                [*_task_cells(task), "", "", status_label(task.state, locale)]
                + [None] * (len(MATRIX_COLUMNS) - 8)
            )
            continue
        for e in task.entries:
            rows.append(
                [
                    *_task_cells(task),
                    e.unit_name,
                    t(f"export.role.{e.role.value}", locale),
                    status_label(e.status, locale) if e.status else "",
                    e.progress,
                    xml_safe(e.results),
                    xml_safe(e.difficulties),
                    xml_safe(e.proposals),
                    xml_safe(e.next_plan),
                    xml_safe(e.evidence_ref),
                    _local(e.submitted_at, tz),
                    entry_timeliness_label(e, locale),
                    e.days_late if e.has_report else None,
                ]
            )
    return rows


def render_xlsx(data: ExportData, locale: str = "vi", tz: zoneinfo.ZoneInfo | None = None) -> bytes:
    """The matrix workbook as bytes: sheet 1 tasks x units, sheet 2 units' timeliness."""
    zone = tz or zoneinfo.ZoneInfo("Asia/Ho_Chi_Minh")
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = _sheet_title(t("export.xlsx.sheet_matrix", locale, period=data.period_label))
    _header(ws, MATRIX_COLUMNS, "export.xlsx.col", locale)
    for row in matrix_rows(data, locale, zone):
        ws.append(row)
    submitted_col = [k for k, _ in MATRIX_COLUMNS].index("submitted_at") + 1
    for (cell,) in ws.iter_rows(min_row=2, min_col=submitted_col, max_col=submitted_col):
        cell.number_format = DATE_FORMAT
    _finish(ws, len(MATRIX_COLUMNS))

    us = wb.create_sheet(_sheet_title(t("export.xlsx.sheet_units", locale)))
    _header(us, UNIT_COLUMNS, "export.xlsx.unit_col", locale)
    for i, unit in enumerate(data.units, 1):
        us.append(
            [
                i,
                unit.name,
                unit.expected,
                unit.reported,
                unit.late_reports,
                _local(unit.last_submitted_at, zone),
                unit_timeliness_label(unit, locale),
            ]
        )
        us.cell(row=us.max_row, column=6).number_format = DATE_FORMAT
    _finish(us, len(UNIT_COLUMNS))

    wb.properties.title = t(
        "export.xlsx.title",
        locale,
        period=data.period_label,
        plan=data.plan.number or data.plan.title,
    )
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()

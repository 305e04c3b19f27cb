"""The Excel matrix: one row per task and unit, filterable, with Vietnamese headers."""

from __future__ import annotations

import io
import zoneinfo
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.worksheet.worksheet import Worksheet

from domain.export.data import (
    TASK_PROGRESS_ORDER,
    TIMELINESS_ORDER,
    Entry,
    ExportData,
    TaskData,
    TaskState,
    Timeliness,
)
from domain.export.labels import (
    entry_timeliness_label,
    fmt_date,
    plan_name,
    short_title,
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
            # A lead recorded as a group ("các đơn vị liên quan") owes nothing until mapped.
            group = task.unassigned and not e.has_report
            rows.append(
                [
                    *_task_cells(task),
                    e.unit_name,
                    t(f"export.role.{e.role.value}", locale),
                    # Same words as the Word draft: no report is "Chưa có báo cáo".
                    t("collectives.export.cell", locale)
                    if group
                    else status_label(e.status or TaskState.NO_REPORT, locale),
                    e.progress,
                    xml_safe(e.results),
                    xml_safe(e.difficulties),
                    xml_safe(e.proposals),
                    xml_safe(e.next_plan),
                    xml_safe(e.evidence_ref),
                    _local(e.submitted_at, tz),
                    t("collectives.export.cell", locale)
                    if group
                    else entry_timeliness_label(e, locale),
                    e.days_late if e.has_report else None,
                ]
            )
    return rows


# Grid cell colours, by what the unit's entry on the task shows.
GRID_FILLS = {
    "done": "C6EFCE",  # green: done
    "on_time": "DDEBF7",  # blue: reported on time
    "late": "FFEB9C",  # amber: reported late
    "not_sent": "FFC7CE",  # red: owed, not sent
    "blocked": "F4B084",  # orange: blocked
    "other": "EDEDED",  # grey: nothing owed this period
}


def _grid_kind(entry: Entry) -> str:
    if entry.timeliness is Timeliness.NOT_SENT:
        return "not_sent"
    if entry.status is not None and entry.status.value == "blocked":
        return "blocked"
    if entry.status is not None and entry.status.value == "done":
        return "done"
    if entry.timeliness is Timeliness.LATE:
        return "late"
    if entry.timeliness is Timeliness.ON_TIME:
        return "on_time"
    return "other"


def _print_setup(ws: Worksheet, title_rows: str) -> None:
    """A4 landscape, fitting the width, the title rows repeated on every printed page."""
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    ws.print_title_rows = title_rows
    ws.page_margins.left = ws.page_margins.right = 0.4


def _summary_sheet(ws: Worksheet, data: ExportData, locale: str) -> None:
    """Plan, period, as-of date, then units and tasks by state with their rates."""
    bold = Font(name="Times New Roman", bold=True, size=13)
    plain = Font(name="Times New Roman")
    ws.column_dimensions["A"].width = 48
    ws.column_dimensions["B"].width = 12
    ws.column_dimensions["C"].width = 12
    rows: list[tuple[Any, ...]] = [
        (t("export.xlsx.summary_title", locale, period=data.period_label),),
        (xml_safe(short_title(data.plan.title)),),
        (t("export.xlsx.as_of", locale, date=fmt_date(data.today)),),
        (),
        (t("export.xlsx.units_head", locale), t("export.xlsx.count", locale), "%"),
    ]
    total = len(data.units)
    counts = data.unit_counts()
    for state in TIMELINESS_ORDER:
        n = counts[state]
        rows.append((t(f"export.xlsx.unit_state.{state.value}", locale), n, _rate(n, total)))
    rows.append((t("export.xlsx.total", locale), total, 1 if total else 0))
    rows += [(), (t("export.xlsx.tasks_head", locale), t("export.xlsx.count", locale), "%")]
    progress = data.progress_counts()
    tasks = len(data.tasks)
    for cls in TASK_PROGRESS_ORDER:
        n = progress[cls]
        rows.append((t(f"export.xlsx.task_class.{cls.value}", locale), n, _rate(n, tasks)))
    rows.append((t("export.xlsx.total", locale), tasks, 1 if tasks else 0))
    for row in rows:
        ws.append(list(row))
    for row in ws.iter_rows():
        for cell in row:
            cell.font = plain
            if cell.column == 3 and isinstance(cell.value, int | float):
                cell.number_format = "0.0%"
    for r in (1, 5, 5 + len(TIMELINESS_ORDER) + 3):
        for cell in ws[r]:
            cell.font = bold
    _print_setup(ws, "1:3")


def _rate(part: int, whole: int) -> float:
    return part / whole if whole else 0.0


def _grid_sheet(ws: Worksheet, data: ExportData, locale: str) -> None:
    """Units down, tasks across; each cell the unit's status on the task, coloured."""
    units: dict[int, str] = {}
    cells: dict[tuple[int, int], Entry] = {}
    for col, task in enumerate(data.tasks):
        for e in task.entries:
            units.setdefault(e.unit_id, e.unit_name)
            cells[(e.unit_id, col)] = e
    head = Font(name="Times New Roman", bold=True)
    ws.append([t("export.xlsx.grid_title", locale, period=data.period_label)])
    ws.append([t("export.xlsx.grid_unit", locale)] + [task.ref for task in data.tasks])
    for i in range(1, len(data.tasks) + 2):
        cell = ws.cell(row=2, column=i)
        cell.font = head
        cell.fill = _HEADER_FILL
        cell.border = _BORDER
        cell.alignment = Alignment(horizontal="center", vertical="center")
        if i > 1:
            ws.column_dimensions[get_column_letter(i)].width = 7
            cell.comment = None
    ws.column_dimensions["A"].width = 40
    ws.cell(row=1, column=1).font = Font(name="Times New Roman", bold=True, size=13)
    for uid, name in sorted(units.items(), key=lambda item: item[1].casefold()):
        ws.append([name] + [None] * len(data.tasks))
        r = ws.max_row
        ws.cell(row=r, column=1).font = Font(name="Times New Roman")
        ws.cell(row=r, column=1).border = _BORDER
        for col in range(len(data.tasks)):
            cell = ws.cell(row=r, column=col + 2)
            cell.border = _BORDER
            entry = cells.get((uid, col))
            if entry is None:
                continue
            kind = _grid_kind(entry)
            cell.value = t(f"export.xlsx.grid_code.{kind}", locale)
            cell.fill = PatternFill("solid", fgColor=GRID_FILLS[kind])
            cell.alignment = Alignment(horizontal="center")
            cell.font = Font(name="Times New Roman")
    last = ws.max_row
    ws.freeze_panes = "B3"
    if last > 2:
        ws.auto_filter.ref = f"A2:{get_column_letter(len(data.tasks) + 1)}{last}"
    # The legend under the grid.
    ws.append([])
    ws.append([t("export.xlsx.legend", locale)])
    ws.cell(row=ws.max_row, column=1).font = head
    for kind, colour in GRID_FILLS.items():
        ws.append([t(f"export.xlsx.grid_legend.{kind}", locale)])
        cell = ws.cell(row=ws.max_row, column=1)
        cell.fill = PatternFill("solid", fgColor=colour)
        cell.font = Font(name="Times New Roman")
    _print_setup(ws, "1:2")


def render_xlsx(data: ExportData, locale: str = "vi", tz: zoneinfo.ZoneInfo | None = None) -> bytes:
    """The matrix workbook as bytes: sheet 1 tasks x units, sheet 2 units' timeliness."""
    zone = tz or zoneinfo.ZoneInfo("Asia/Ho_Chi_Minh")
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = _sheet_title(t("export.xlsx.sheet_matrix", locale, period=data.period_label))
    _header(ws, MATRIX_COLUMNS, "export.xlsx.col", locale)
    _print_setup(ws, "1:1")
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
    _print_setup(us, "1:1")
    summary = wb.create_sheet(_sheet_title(t("export.xlsx.sheet_summary", locale)), 0)
    _summary_sheet(summary, data, locale)
    grid = wb.create_sheet(_sheet_title(t("export.xlsx.sheet_grid", locale)), 1)
    _grid_sheet(grid, data, locale)
    wb.active = 0

    wb.properties.title = t(
        "export.xlsx.title",
        locale,
        period=data.period_label,
        plan=plan_name(data.plan),
    )
    wb.properties.creator = data.plan.issuer or ""
    wb.properties.language = "vi-VN" if locale == "vi" else "en-US"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()

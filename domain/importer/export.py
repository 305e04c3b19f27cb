"""The canonical task sheet: written by `plan export --xlsx`, read back by `plan import --plan`."""

from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Plan, TaskRole
from domain import collectives, registry
from locales import t

COLUMNS = ("ref", "title", "lead", "support", "time", "section")
WIDTHS = (8, 70, 35, 45, 28, 35)


async def export_xlsx(session: AsyncSession, plan: Plan, path: Path, locale: str | None) -> int:
    """Write the plan's active tasks as the canonical sheet; returns how many rows."""
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = t("importer.sheet.name", locale)[:31]
    ws.append([t("importer.sheet.title", locale, title=plan.title)])
    ws.append([t("importer.sheet.number", locale, number=plan.number or "", id=plan.id)])
    ws.append([])
    ws.append([t(f"importer.sheet.col.{c}", locale) for c in COLUMNS])
    header_row = ws.max_row
    for cell in ws[header_row]:
        cell.font = Font(bold=True)
    count = 0
    groups = await collectives.task_group_words(session, plan.id)
    for task in await registry.list_tasks(session, plan.id):
        if not task.active:
            continue
        # Units the plan names, then its collectives as written (not the units they map to).
        direct = [tu for tu in task.units if tu.via_group_id is None]
        lead = [tu.written_as or tu.unit.name for tu in direct if tu.role is TaskRole.LEAD]
        support = [tu.written_as or tu.unit.name for tu in direct if tu.role is TaskRole.SUPPORT]
        for role, words in groups.get(task.id, []):
            (lead if role is TaskRole.LEAD else support).append(words)
        ws.append(
            [
                task.ref,
                task.title,
                "; ".join(lead),
                "; ".join(support),
                task.timeframe_text,
                task.section or "",
            ]
        )
        ws.cell(ws.max_row, 1).number_format = "@"
        count += 1
    for i, width in enumerate(WIDTHS, 1):
        ws.column_dimensions[chr(64 + i)].width = width
    for row in ws.iter_rows(min_row=header_row + 1):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return count

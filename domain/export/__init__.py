"""The compiled report: gather a plan's period once, render it as Word, Excel, PNG or JSON."""

from domain.export.chart import render_png
from domain.export.data import (
    Entry,
    ExportData,
    PlanInfo,
    TaskData,
    TaskState,
    Timeliness,
    UnitTimeliness,
    gather,
)
from domain.export.excel import render_xlsx
from domain.export.service import (
    MIME_TYPES,
    Exported,
    ExportFormat,
    export,
    gather_export,
    render,
    resolve_period,
    resolve_plan,
)
from domain.export.word import render_docx

__all__ = [
    "MIME_TYPES",
    "Entry",
    "ExportData",
    "ExportFormat",
    "Exported",
    "PlanInfo",
    "TaskData",
    "TaskState",
    "Timeliness",
    "UnitTimeliness",
    "export",
    "gather",
    "gather_export",
    "render",
    "render_docx",
    "render_png",
    "render_xlsx",
    "resolve_period",
    "resolve_plan",
]

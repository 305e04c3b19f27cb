"""The compiled report: gather a plan's period once, render it as Word, Excel, PNG or JSON.

The renderers (domain.export.word, .excel, .chart) are imported on use: they pull in
python-docx, openpyxl and matplotlib.
"""

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
    "resolve_period",
    "resolve_plan",
]

"""A PNG chart of the period: units by reporting state, tasks by status."""

from __future__ import annotations

import io
import textwrap

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from domain.export.data import ExportData, TaskProgress, TaskState, Timeliness
from domain.export.labels import fmt_date, plan_name, short_title
from locales import t

UNIT_COLOURS = {
    Timeliness.ON_TIME: "#2e7d32",
    Timeliness.LATE: "#f9a825",
    Timeliness.PARTIAL: "#ef6c00",
    Timeliness.NOT_SENT: "#c62828",
}
TASK_COLOURS = {
    TaskState.DONE: "#2e7d32",
    TaskState.ONGOING: "#66bb6a",
    TaskState.IN_PROGRESS: "#1e88e5",
    TaskState.NOT_STARTED: "#9e9e9e",
    TaskState.BLOCKED: "#c62828",
    TaskState.NO_REPORT: "#cfd8dc",
}


PROGRESS_COLOURS = {
    TaskProgress.COMPLETED: "#2e7d32",
    TaskProgress.ON_SCHEDULE: "#1e88e5",
    TaskProgress.BEHIND: "#c62828",
    TaskProgress.NOT_STARTED: "#9e9e9e",
    TaskProgress.NOT_DUE: "#cfd8dc",
    TaskProgress.NO_REPORT: "#ef9a9a",
    TaskProgress.UNASSIGNED: "#b39ddb",
}
FONT_PT = 15


def chart_title(data: ExportData, locale: str, width: int = 46) -> str:
    """Short title (wrapped), then the period and "tính đến ngày dd/mm/yyyy"."""
    name = short_title(data.plan.title) or plan_name(data.plan)
    lines = textwrap.wrap(name, width)
    if len(lines) > 3:
        lines = [*lines[:2], lines[2].rstrip(",;") + "…"]
    lines.append(
        t("export.chart.period_as_of", locale, period=data.period_label, date=fmt_date(data.today))
    )
    return "\n".join(lines)


def render_png(data: ExportData, locale: str = "vi", *, dpi: int = 110) -> bytes:
    """Two bar panels one above the other, in a tall image a phone shows at full width."""
    fig = Figure(figsize=(7.5, 10), dpi=dpi, layout="constrained")
    FigureCanvasAgg(fig)
    top, bottom = fig.subplots(2, 1)

    units = data.unit_counts()
    labels = [textwrap.fill(t(f"export.chart.unit.{s.value}", locale), 18) for s in units]
    bars = top.barh(labels, list(units.values()), color=[UNIT_COLOURS[s] for s in units])
    top.bar_label(bars, padding=3, fontsize=FONT_PT)
    top.set_title(
        t("export.chart.units_title", locale, total=len(data.units)), fontsize=FONT_PT + 1
    )

    tasks = data.progress_counts()
    labels = [textwrap.fill(t(f"export.xlsx.task_class.{s.value}", locale), 18) for s in tasks]
    bars = bottom.barh(labels, list(tasks.values()), color=[PROGRESS_COLOURS[s] for s in tasks])
    bottom.bar_label(bars, padding=3, fontsize=FONT_PT)
    bottom.set_title(
        t("export.chart.tasks_title", locale, total=len(data.tasks)), fontsize=FONT_PT + 1
    )

    for ax, counts in ((top, list(units.values())), (bottom, list(tasks.values()))):
        ax.invert_yaxis()
        ax.tick_params(axis="y", labelsize=FONT_PT)
        ax.tick_params(axis="x", labelsize=FONT_PT - 3)
        ax.xaxis.get_major_locator().set_params(integer=True)
        ax.set_xlim(0, max([1, *counts]) * 1.2)
        ax.spines[["top", "right"]].set_visible(False)
    fig.suptitle(chart_title(data, locale), fontweight="bold", fontsize=FONT_PT + 1)
    out = io.BytesIO()
    fig.savefig(out, format="png")
    return out.getvalue()

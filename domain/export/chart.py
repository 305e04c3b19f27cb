"""A PNG chart of the period: units by reporting state, tasks by status."""

from __future__ import annotations

import io

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from domain.export.data import ExportData, TaskState, Timeliness
from domain.export.labels import status_label
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


def render_png(data: ExportData, locale: str = "vi", *, dpi: int = 110) -> bytes:
    """Two horizontal bar panels in one PNG (Agg backend, no global pyplot state)."""
    fig = Figure(figsize=(11, 4.8), dpi=dpi, layout="constrained")
    FigureCanvasAgg(fig)
    left, right = fig.subplots(1, 2)

    units = data.unit_counts()
    labels = [t(f"export.chart.unit.{s.value}", locale) for s in units]
    bars = left.barh(labels, list(units.values()), color=[UNIT_COLOURS[s] for s in units])
    left.bar_label(bars, padding=3)
    left.invert_yaxis()
    left.set_title(t("export.chart.units_title", locale, total=len(data.units)))
    left.set_xlabel(t("export.chart.units_axis", locale))

    tasks = data.task_counts()
    labels = [status_label(s, locale) for s in tasks]
    bars = right.barh(labels, list(tasks.values()), color=[TASK_COLOURS[s] for s in tasks])
    right.bar_label(bars, padding=3)
    right.invert_yaxis()
    right.set_title(t("export.chart.tasks_title", locale, total=len(data.tasks)))
    right.set_xlabel(t("export.chart.tasks_axis", locale))

    for ax, counts in ((left, list(units.values())), (right, list(tasks.values()))):
        ax.xaxis.get_major_locator().set_params(integer=True)
        ax.set_xlim(0, max([1, *counts]) * 1.15)
        ax.spines[["top", "right"]].set_visible(False)
    fig.suptitle(
        t(
            "export.chart.title",
            locale,
            period=data.period_label,
            plan=data.plan.number or data.plan.title,
        ),
        fontweight="bold",
    )
    out = io.BytesIO()
    fig.savefig(out, format="png")
    return out.getvalue()

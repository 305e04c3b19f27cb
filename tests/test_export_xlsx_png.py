"""The Excel matrix and the PNG chart, opened again and checked against the scenario."""

from __future__ import annotations

import datetime as dt
import io
import struct
import zlib

from openpyxl import load_workbook

from db.database import Database
from db.models import TaskRole
from domain.clock import FrozenClock
from domain.export import ExportFormat, export, gather_export
from domain.export.data import Entry, ExportData, TaskData, TaskState, Timeliness
from domain.export.excel import render_xlsx
from tests.test_export_data import (
    CA,
    DIFF_VHXH,
    GROUP,
    KT,
    MTTQ,
    PROPOSAL_KT,
    RESULTS_KT,
    RESULTS_TYT,
    RESULTS_VHXH,
    TYT,
    TZ,
    VHXH,
    build_plan,
)

HEADERS = [
    "STT",
    "Nhiệm vụ",
    "Đơn vị chủ trì",
    "Đơn vị phối hợp",
    "Thời gian thực hiện",
    "Đơn vị báo cáo",
    "Vai trò",
    "Tình trạng",
    "Tiến độ (%)",
    "Kết quả đạt được",
    "Khó khăn, vướng mắc",
    "Đề xuất, kiến nghị",
    "Nhiệm vụ kỳ tới",
    "Văn bản, tài liệu kèm theo",
    "Thời điểm gửi",
    "Đúng hạn / chậm / chưa gửi",
    "Số ngày chậm",
]


async def test_matrix_one_row_per_task_and_unit(db: Database, clock: FrozenClock) -> None:
    sc = await build_plan(db, clock)
    out = await export(sc.deps, plan_ref=None, period_key="2026-Q4", fmt=ExportFormat.XLSX)
    wb = load_workbook(io.BytesIO(out.content))
    ws = wb.worksheets[2]
    assert ws.title == "Quý IV-2026"
    assert [c.value for c in ws[1]] == HEADERS
    assert ws.freeze_panes == "A2"
    assert ws.auto_filter.ref == f"A1:Q{ws.max_row}"
    assert ws.column_dimensions["B"].width >= 40 and ws.column_dimensions["J"].width >= 40
    assert ws["J2"].alignment.wrap_text

    col = {h: i for i, h in enumerate(HEADERS)}
    rows = [list(r) for r in ws.iter_rows(min_row=2, values_only=True)]
    pairs = [(r[col["STT"]], r[col["Đơn vị báo cáo"]]) for r in rows]
    assert pairs == [
        ("1", VHXH),
        ("2", TYT),
        ("3", KT),
        ("3", CA),
        ("4", MTTQ),
        ("5", GROUP),
        ("6", KT),
    ]
    by = {(r[0], r[col["Đơn vị báo cáo"]]): r for r in rows}
    vhxh = by[("1", VHXH)]
    assert vhxh[col["Kết quả đạt được"]] == RESULTS_VHXH
    assert vhxh[col["Khó khăn, vướng mắc"]] == DIFF_VHXH
    assert vhxh[col["Tình trạng"]] == "Tiếp tục duy trì"
    assert vhxh[col["Đơn vị phối hợp"]] == TYT
    assert vhxh[col["Thời điểm gửi"]] == dt.datetime(2026, 11, 20, 9, 0)
    assert vhxh[col["Đúng hạn / chậm / chưa gửi"]] == "Đúng hạn"
    tyt = by[("2", TYT)]
    assert tyt[col["Tiến độ (%)"]] == 78 and tyt[col["Kết quả đạt được"]] == RESULTS_TYT
    assert tyt[col["Đúng hạn / chậm / chưa gửi"]] == "Chậm 3 ngày"
    assert tyt[col["Số ngày chậm"]] == 3
    kt = by[("3", KT)]
    assert kt[col["Đơn vị chủ trì"]] == f"{KT}\n{CA}"
    assert kt[col["Kết quả đạt được"]] == RESULTS_KT
    assert kt[col["Đề xuất, kiến nghị"]] == PROPOSAL_KT
    assert kt[col["Thời điểm gửi"]] == dt.datetime(2026, 12, 9, 16, 0)
    ca = by[("3", CA)]
    assert ca[col["Đúng hạn / chậm / chưa gửi"]] == "Chưa gửi"
    # The same words as the Word draft for a report owed and not sent.
    assert ca[col["Tình trạng"]] == "Chưa có báo cáo" and ca[col["Thời điểm gửi"]] is None
    # A lead recorded as a group owes nothing until mapped, and the matrix says why.
    assert by[("5", GROUP)][col["Đúng hạn / chậm / chưa gửi"]] == "Nhóm chưa xác định đơn vị"
    assert by[("5", GROUP)][col["Tình trạng"]] == "Nhóm chưa xác định đơn vị"

    units = wb.worksheets[3]
    assert units.title == "Đơn vị" and units.freeze_panes == "A2"
    summary = {r[1]: r for r in units.iter_rows(min_row=2, values_only=True)}
    assert summary[TYT][2:5] == (1, 1, 1) and summary[TYT][6] == "Chậm 3 ngày"
    assert summary[KT][6] == "Đã gửi 1/2 nhiệm vụ"
    assert summary[CA][6] == "Chưa gửi"


async def test_formula_like_text_stays_text(db: Database, clock: FrozenClock) -> None:
    sc = await build_plan(db, clock, with_reports=False)
    data = await gather_export(sc.deps, None, "2026-Q4", "vi")
    data.tasks[0].entries[0] = Entry(
        unit_id=1,
        unit_name=VHXH,
        role=TaskRole.LEAD,
        expected=True,
        timeliness=Timeliness.ON_TIME,
        status=None,
        results='=HYPERLINK("http://x")\x07',
    )
    wb = load_workbook(io.BytesIO(render_xlsx(data, "vi", TZ)))
    cell = wb.worksheets[2]["J2"]
    assert cell.data_type == "s"
    assert cell.value == '=HYPERLINK("http://x")\ufffd'


def png_size(blob: bytes) -> tuple[int, int]:
    """Width and height from a PNG's IHDR chunk, after checking signature and CRC."""
    assert blob[:8] == b"\x89PNG\r\n\x1a\n"
    length, kind = struct.unpack(">I4s", blob[8:16])
    assert kind == b"IHDR" and length == 13
    body = blob[16:29]
    (crc,) = struct.unpack(">I", blob[29:33])
    assert zlib.crc32(kind + body) == crc
    width, height = struct.unpack(">II", body[:8])
    assert blob.endswith(b"IEND\xaeB`\x82")
    return width, height


async def test_chart_is_a_valid_png(db: Database, clock: FrozenClock) -> None:
    sc = await build_plan(db, clock)
    out = await export(sc.deps, plan_ref=None, period_key="2026-Q4", fmt=ExportFormat.PNG)
    assert out.mime_type == "image/png" and out.filename.endswith(".png")
    width, height = png_size(out.content)
    assert 700 <= width <= 1200 and width < height <= 1400  # tall, readable on a phone
    counts = out.data.unit_counts()
    assert counts[Timeliness.NOT_SENT] == 2
    tasks = out.data.task_counts()
    assert tasks[TaskState.NO_REPORT] == 3 and sum(tasks.values()) == 6


def test_chart_of_an_empty_period_renders() -> None:
    from db.models import DocumentFamily
    from domain.export.chart import render_png
    from domain.export.data import PlanInfo

    data = ExportData(
        plan=PlanInfo(
            1,
            None,
            "Kế hoạch thử",
            None,
            None,
            None,
            None,
            2026,
            DocumentFamily.ADMINISTRATIVE,
            None,
        ),
        period_key="2026-Q1",
        period_label="Quý I/2026",
        period_start=dt.date(2025, 12, 15),
        period_end=dt.date(2026, 3, 14),
        period_due=dt.date(2026, 3, 10),
        generated_at=dt.datetime(2026, 3, 1, tzinfo=dt.UTC),
        today=dt.date(2026, 3, 1),
        units=[],
        tasks=[
            TaskData(
                1, "1", None, "Nhiệm vụ", [], [], "", None, "unspecified", TaskState.NO_REPORT, None
            )
        ],
    )
    png_size(render_png(data, "en"))


async def test_summary_and_unit_task_grid(db: Database, clock: FrozenClock) -> None:
    """Sheet 1 the counts and rates, sheet 2 units x tasks coloured with a legend; both set
    to print A4 landscape fitting the width with their title rows repeated."""
    sc = await build_plan(db, clock)
    data = await gather_export(sc.deps, str(sc.plan_id), "2026-Q4", "vi")
    wb = load_workbook(io.BytesIO(render_xlsx(data, "vi", TZ)))
    assert wb.sheetnames[:2] == ["Tổng hợp", "Ma trận đơn vị - nhiệm vụ"]
    summary = {r[0]: r[1:] for r in wb.worksheets[0].iter_rows(values_only=True) if r[0]}
    assert summary["Số liệu tính đến ngày 15/12/2026"] is not None
    assert summary["Gửi đúng hạn, đầy đủ"] == (1, 0.2)
    assert summary["Gửi chậm"] == (1, 0.2)
    assert summary["Gửi đúng hạn nhưng chưa đầy đủ"] == (1, 0.2)
    assert summary["Chưa gửi"] == (2, 0.4)
    assert summary["Đang triển khai đúng tiến độ"] == (3, 0.5)
    # The same classes as the Word text: task 5's group has no units, it is not "not due".
    unassigned = summary["Giao cho nhóm chưa xác định đơn vị"]
    assert unassigned[0] == 1 and abs(unassigned[1] - 1 / 6) < 1e-9
    assert summary["Chưa đến kỳ báo cáo"] == (0, 0)
    grid = wb.worksheets[1]
    rows = list(grid.iter_rows(values_only=True))
    assert rows[1][:7] == ("Đơn vị \\ Nhiệm vụ", "1", "2", "3", "4", "5", "6")
    by_unit = {r[0]: r for r in rows[2:] if r[0]}
    assert by_unit[VHXH][1] == "Đ" and by_unit[TYT][2] == "C" and by_unit[KT][3] == "HT"
    assert by_unit[CA][3] == "X"
    fills = {
        grid.cell(row=r, column=c).value: grid.cell(row=r, column=c).fill.fgColor.rgb
        for r in range(3, grid.max_row + 1)
        for c in range(2, 8)
        if grid.cell(row=r, column=c).value
    }
    assert fills["X"].endswith("FFC7CE") and fills["C"].endswith("FFEB9C")
    assert "Chú thích:" in [r[0] for r in rows]
    assert grid.freeze_panes == "B3" and grid.auto_filter.ref
    for ws in wb.worksheets:
        assert ws.page_setup.orientation == "landscape" and ws.page_setup.fitToWidth == 1
        assert ws.print_title_rows


async def test_chart_title_names_plan_period_and_date(db: Database, clock: FrozenClock) -> None:
    from domain.export.chart import chart_title

    sc = await build_plan(db, clock)
    data = await gather_export(sc.deps, str(sc.plan_id), "2026-Q4", "vi")
    title = chart_title(data, "vi").split("\n")
    assert title[-1] == "Quý IV/2026 - tính đến ngày 15/12/2026"
    assert title[0].startswith("Triển khai thực hiện Nghị quyết số 72-NQ/TW")
    assert all(len(line) <= 46 for line in title[:-1])

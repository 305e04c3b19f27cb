"""Accuracy on the two public sample plans in ../shared/plans/ (skipped when absent).

Expected values were written from reading the plans row by row.
"""

from __future__ import annotations

import datetime as dt
import functools
from pathlib import Path

import pytest

from db.database import Database
from db.models import PeriodKind, Plan
from domain import registry
from domain.clock import FrozenClock
from domain.importer.export import export_xlsx
from domain.importer.parse import parse_document
from domain.importer.readers import read_document
from domain.importer.service import apply_plan, is_collective, prepare
from domain.periods import RuleSpec, periods_for_year

# `../shared/plans` beside the repository root (looked for upwards, so a worktree finds it too).
PLANS = next(
    (
        p / "shared" / "plans"
        for p in Path(__file__).resolve().parents
        if (p / "shared" / "plans").is_dir()
    ),
    Path(__file__).resolve().parents[2] / "shared" / "plans",
)
KIEN_HAI = PLANS / "dac-khu-kien-hai-2026.txt"
SO_TU_PHAP = PLANS / "so-tu-phap-hai-phong-2026.txt"
pytestmark = pytest.mark.skipif(not PLANS.is_dir(), reason="../shared/plans is absent")

Expected = tuple[str, list[str], list[str], str, str, str | None, str | None]

# ref, lead units, supporting units, timeframe words, kind, due, recurrence
KIEN_HAI_TASKS: list[Expected] = [
    (
        "1",
        ["Các cơ quan, phòng, ban, ngành"],
        ["Trung tâm Dịch vụ tổng hợp"],
        "Thường xuyên",
        "recurring",
        None,
        None,
    ),
    (
        "2",
        ["Các cơ quan, phòng, ban, ngành"],
        ["Các cơ quan liên quan"],
        "Hàng năm và từng giai đoạn",
        "recurring",
        "2026-12-31",
        "annual",
    ),
    (
        "3",
        ["Trạm Y tế"],
        ["Các cơ quan, phòng, ban, ngành liên quan"],
        "Hàng năm",
        "recurring",
        "2026-12-31",
        "annual",
    ),
    (
        "4",
        ["Trung tâm Dịch vụ tổng hợp"],
        ["Các cơ quan, phòng, ban, ngành"],
        "Quý I/2027",
        "one_off",
        "2027-03-31",
        None,
    ),
    (
        "5",
        ["Các cơ quan, phòng, ban, ngành theo chức năng, nhiệm vụ"],
        ["Các cơ quan, phòng, ban, ngành liên quan"],
        "Thường xuyên",
        "recurring",
        None,
        None,
    ),
    (
        "6",
        ["Trạm Y tế"],
        ["Các ban, ngành, cơ quan liên quan"],
        "Thường xuyên",
        "recurring",
        None,
        None,
    ),
    (
        "7",
        ["Phòng Văn hoá - Xã hội (lĩnh vực giáo dục)"],
        ["Các Trường", "Trạm Y tế", "các cơ quan, phòng, ban, ngành liên quan"],
        "2026",
        "one_off",
        "2026-12-31",
        None,
    ),
    (
        "8",
        ["Phòng Văn hoá - Xã hội (lĩnh vực giáo dục)"],
        ["Các Trường", "Trạm Y tế", "các cơ quan, phòng, ban, ngành"],
        "Quý IV/2026, triển khai thường xuyên",
        "composite",
        "2026-12-31",
        None,
    ),
    (
        "9",
        ["Các Trường học", "Phòng VH-XH (nơi làm việc)", "Trung tâm Dịch vụ tổng hợp (cộng đồng)"],
        ["Các cơ quan, phòng, ban, ngành"],
        "Thường xuyên",
        "recurring",
        None,
        None,
    ),
    (
        "10",
        ["Phòng Kinh tế"],
        ["Các cơ quan, phòng, ban, ngành"],
        "Thường xuyên",
        "recurring",
        None,
        None,
    ),
    (
        "11",
        ["Trạm Y tế"],
        ["Các cơ quan, phòng, ban, ngành liên quan"],
        "",
        "unspecified",
        None,
        None,
    ),
    ("12", ["Các cơ quan, phòng, ban, ngành"], [], "Thường xuyên", "recurring", None, None),
    (
        "13",
        ["Trạm Y tế"],
        ["Văn phòng HĐND-UBND", "Các cơ quan, phòng, ban, ngành"],
        "",
        "unspecified",
        None,
        None,
    ),
    (
        "14",
        ["Trạm Y tế"],
        ["Văn phòng HĐND-UBND", "Các cơ quan, phòng, ban, ngành"],
        "2025-2030",
        "one_off",
        "2030-12-31",
        "annual",
    ),
    (
        "15",
        ["Trạm Y tế"],
        ["Phòng Kinh tế", "Các cơ quan, phòng, ban, ngành"],
        "2026",
        "one_off",
        "2026-12-31",
        None,
    ),
    (
        "16",
        ["Trạm Y tế"],
        ["Phòng Kinh tế", "Các cơ quan, phòng, ban, ngành"],
        "2026",
        "one_off",
        "2026-12-31",
        None,
    ),
    (
        "17",
        ["Trạm Y tế"],
        ["Các cơ quan, phòng, ban, ngành liên quan"],
        "Thường xuyên",
        "recurring",
        None,
        None,
    ),
    (
        "18",
        ["Trung tâm Y tế"],
        ["Công an đặc khu", "Ban Chỉ huy quân sự đặc khu", "các cơ quan, phòng, ban, ngành"],
        "Quý II/2026",
        "one_off",
        "2026-06-30",
        None,
    ),
    (
        "19",
        ["Công an đặc khu", "Trạm Y tế", "Bảo hiểm xã hội cơ sở Kiên Hải"],
        [],
        "Thường xuyên",
        "recurring",
        None,
        None,
    ),
    ("20", ["Trạm Y tế"], ["Phòng Kinh tế"], "2030-2035", "one_off", "2035-12-31", "annual"),
    ("21", ["Trạm Y tế"], [], "Thường xuyên", "recurring", None, None),
    ("22", ["Phòng Kinh tế"], ["Trạm Y tế"], "2026", "one_off", "2026-12-31", None),
    (
        "23",
        ["Trạm Y tế", "các cơ quan, phòng, ban, ngành"],
        ["Các cơ quan liên quan"],
        "Thường xuyên",
        "recurring",
        None,
        None,
    ),
    ("24", ["Trạm Y tế"], ["Các cơ quan liên quan"], "Thường xuyên", "recurring", None, None),
    ("25", ["Trạm Y tế"], [], "Quý IV/2026", "one_off", "2026-12-31", None),
    (
        "26",
        ["Trạm Y tế"],
        ["Phòng VH-XH", "Phòng Kinh tế", "Ban Chỉ huy quân sự", "Công an đặc khu"],
        "2026",
        "one_off",
        "2026-12-31",
        None,
    ),
    ("27", ["Trạm Y tế"], ["Phòng VH-XH", "Phòng Kinh tế"], "2026", "one_off", "2026-12-31", None),
    (
        "28",
        ["Phòng Kinh tế"],
        ["Trạm Y tế", "Các cơ quan, phòng, ban, ngành"],
        "Hàng năm",
        "recurring",
        "2026-12-31",
        "annual",
    ),
    (
        "29",
        ["Bảo hiểm xã hội cơ sở Kiên Hải"],
        ["Trạm Y tế", "các phòng, ban, ngành"],
        "Hàng năm",
        "recurring",
        "2026-12-31",
        "annual",
    ),
    (
        "30",
        ["Bảo hiểm xã hội cơ sở Kiên Hải"],
        ["Trạm Y tế", "các Phòng, ban, ngành, cơ quan liên quan"],
        "2026",
        "one_off",
        "2026-12-31",
        None,
    ),
    ("31", ["Trạm Y tế"], [], "2026", "one_off", "2026-12-31", None),
    (
        "32",
        ["Trạm Y tế"],
        ["Phòng Kinh tế", "các phòng, ban, ngành"],
        "2028",
        "one_off",
        "2028-12-31",
        None,
    ),
    ("33", ["Trạm Y tế"], ["Phòng Kinh tế"], "Quý I/2026", "one_off", "2026-03-31", None),
    (
        "34",
        ["Các phòng, ban, ngành", "các đơn vị"],
        ["Trạm Y tế", "các phòng, ban, ngành liên quan"],
        "Thường xuyên",
        "recurring",
        None,
        None,
    ),
    ("35", ["Phòng Kinh tế"], ["Các phòng, ban, ngành"], "Thường xuyên", "recurring", None, None),
    (
        "36",
        ["Phòng Kinh tế", "các cơ quan, phòng, ban, ngành"],
        ["Các cơ quan, phòng, ban, ngành liên quan"],
        "Thường xuyên",
        "recurring",
        None,
        None,
    ),
    (
        "37",
        ["Các cơ quan, phòng, ban, ngành"],
        ["Các cơ quan liên quan"],
        "Thường xuyên",
        "recurring",
        None,
        None,
    ),
]
SO_TU_PHAP_TASKS: list[Expected] = [
    (
        "1.1",
        ["Phòng Phổ biến, giáo dục pháp luật", "Văn phòng Sở"],
        ["Các phòng, đơn vị thuộc Sở"],
        "Thường xuyên",
        "recurring",
        None,
        None,
    ),
    (
        "1.2",
        ["Văn phòng", "các phòng, đơn vị thuộc Sở"],
        [],
        "Thường xuyên",
        "recurring",
        None,
        None,
    ),
    (
        "2",
        ["Phòng Xây dựng văn bản quy phạm pháp luật"],
        ["Các phòng, đơn vị thuộc Sở"],
        "Khi có đề nghị của các Sở, ban, ngành",
        "event_driven",
        None,
        None,
    ),
    (
        "3",
        ["Phòng Xây dựng văn bản quy phạm pháp luật"],
        ["Các phòng, đơn vị thuộc Sở"],
        "Khi có đề nghị của các Sở, ban, ngành",
        "event_driven",
        None,
        None,
    ),
    (
        "4",
        ["Phòng Quản lý xử lý vi phạm hành chính và Kiểm tra, theo dõi thi hành pháp luật"],
        [
            "Các phòng, đơn vị thuộc Sở",
            "các Sở, ban, ngành",
            "Ủy ban nhân dân cấp xã",
            "các cơ quan, đơn vị có liên quan",
        ],
        "Thường xuyên",
        "recurring",
        None,
        None,
    ),
    (
        "5",
        ["Văn phòng Sở", "Chi đoàn thanh niên Sở"],
        ["Các phòng, đơn vị thuộc Sở"],
        "Theo chương trình hoặc kế hoạch phát động của thành phố"
        " và các cơ quan, đơn vị có liên quan",
        "inherited",
        None,
        None,
    ),
    (
        "6",
        ["Văn phòng Sở"],
        ["Các phòng, đơn vị thuộc Sở"],
        "Theo chương trình hoặc kế hoạch cụ thể",
        "inherited",
        None,
        None,
    ),
]


@functools.cache
def _parse(path: Path):  # type: ignore[no-untyped-def]
    return parse_document(read_document(path.read_bytes(), path.name), default_year=2026)


def _actual(plan) -> list[Expected]:  # type: ignore[no-untyped-def]
    return [
        (
            t.ref,
            t.lead,
            t.support,
            t.timeframe.text,
            t.timeframe.kind.value,
            t.timeframe.due.isoformat() if t.timeframe.due else None,
            t.timeframe.recurrence.value if t.timeframe.recurrence else None,
        )
        for t in plan.tasks
    ]


@pytest.mark.parametrize("index", range(37))
def test_kien_hai_each_appendix_task(index: int) -> None:
    plan = _parse(KIEN_HAI)
    assert len(plan.tasks) == 37
    assert _actual(plan)[index] == KIEN_HAI_TASKS[index]


def test_kien_hai_titles_including_the_row_split_across_a_page_break() -> None:
    plan = _parse(KIEN_HAI)
    assert [t.ref for t in plan.tasks] == [str(i) for i in range(1, 38)]
    row36 = plan.tasks[35]
    assert row36.title.startswith("Ưu tiên dành trụ sở cơ quan Nhà nước đô dư sau sắp xếp cho")
    assert row36.title.endswith("đối với cơ sở y tế tư nhân theo quy định")
    assert plan.tasks[0].title.startswith("Truyền thông, giáo dục, tư vấn")
    assert plan.tasks[36].title.endswith("xử lý nghiêm các sai phạm")
    assert all("STT" not in t.title and "Tên nhiệm vụ" not in t.title for t in plan.tasks)


def test_kien_hai_reporting_regime_exactly() -> None:
    plan = _parse(KIEN_HAI)
    assert plan.rules == [
        RuleSpec(PeriodKind.QUARTERLY, 10, None),
        RuleSpec(PeriodKind.SEMIANNUAL, 15, 6),
        RuleSpec(PeriodKind.ANNUAL, 5, 11),
    ]
    dues = sorted(p.due for p in periods_for_year(plan.rules, 2026))
    assert dues == [
        dt.date(2026, 3, 10),
        dt.date(2026, 6, 10),
        dt.date(2026, 6, 15),
        dt.date(2026, 9, 10),
        dt.date(2026, 11, 5),
        dt.date(2026, 12, 10),
    ]


def test_kien_hai_metadata_and_units() -> None:
    plan = _parse(KIEN_HAI)
    assert plan.number == "/KH-UBND"
    assert plan.issuer == "Ủy ban nhân dân đặc khu Kiên Hải"
    assert plan.parent_body == "Ủy ban nhân dân tỉnh An Giang"
    assert plan.place == "Kiên Hải" and plan.year == 2026 and plan.issued_on is None
    assert plan.coordinator == "Phòng Văn hoá - Xã hội"
    by_name = {u.name: u for u in plan.units}
    assert "Phòng VH-XH" in by_name["Phòng Văn hoá - Xã hội"].aliases
    assert "Trạm Y tế đặc khu" in by_name["Trạm Y tế"].aliases
    assert by_name["Các cơ quan, phòng, ban, ngành"].group
    assert not by_name["Trạm Y tế"].group
    keys = [w.key for w in plan.warnings]
    assert keys.count("importer.warn.timeframe_blank") == 2  # tasks 11 and 13
    assert "importer.warn.no_reporting" not in keys


@pytest.mark.parametrize("index", range(7))
def test_so_tu_phap_each_task(index: int) -> None:
    plan = _parse(SO_TU_PHAP)
    assert len(plan.tasks) == 7
    assert _actual(plan)[index] == SO_TU_PHAP_TASKS[index]


def test_so_tu_phap_structure() -> None:
    plan = _parse(SO_TU_PHAP)
    assert plan.number == "/KH-STP" and plan.issuer == "Sở Tư pháp"
    assert plan.place == "Hải Phòng" and plan.year == 2026
    assert plan.coordinator == "Phòng Phổ biến, giáo dục pháp luật"
    assert plan.rules == []
    assert "importer.warn.no_reporting" in [w.key for w in plan.warnings]
    two = plan.tasks[2]
    # The bold heading continues on the next line ("nhân dân thành phố …").
    assert "Chủ tịch Ủy ban nhân dân thành phố trong công tác bảo vệ" in two.title
    assert plan.tasks[0].section is not None and plan.tasks[0].section.startswith(
        "Đẩy mạnh truyền thông"
    )
    inherited = [t.ref for t in plan.tasks if t.timeframe.kind.value == "inherited"]
    assert inherited == ["5", "6"]


@pytest.mark.parametrize("path", [KIEN_HAI, SO_TU_PHAP], ids=["kien-hai", "so-tu-phap"])
async def test_saved_then_exported_sheet_reimports_unchanged(
    path: Path, db: Database, clock: FrozenClock, tmp_path: Path
) -> None:
    async with db.transaction() as s:
        parsed = await prepare(s, path.read_bytes(), path.name, 2026)
        result = await apply_plan(s, parsed, clock.now())
    assert len(result.added) == len(parsed.tasks)
    sheet = tmp_path / "sheet.xlsx"
    async with db.read() as s:
        plan = await s.get(Plan, result.plan_id)
        assert plan is not None
        await export_xlsx(s, plan, sheet, "vi")
        assert len(await registry.rule_specs(s, plan.id)) == len(parsed.rules)
    async with db.transaction() as s:
        again = await prepare(s, sheet.read_bytes(), sheet.name, 2026)
        assert again.target_plan_id == result.plan_id
        units = [u for u in again.units if not is_collective(u)]  # groups are not units
        assert [u.existing_id is not None for u in units] == [True] * len(units)
        redo = await apply_plan(s, again, clock.now(), target=await s.get(Plan, result.plan_id))
    assert (redo.added, redo.changed, redo.removed, redo.new_units) == ([], [], [], [])

"""Each format the importer reads, on our own invented fixtures (tests/fixtures/)."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from collections.abc import Callable

import pytest

from db.models import PeriodKind
from domain.errors import DomainError
from domain.importer.model import ParsedPlan
from domain.importer.parse import parse_document
from domain.importer.readers import read_document
from domain.importer.service import parse_bytes
from domain.importer.unitnames import KnownNames, split_units
from domain.periods import RuleSpec
from tests.fixtures import plan_fixtures as F

TABLE_FORMATS: dict[str, Callable[[], bytes]] = {
    "ke-hoach.txt": F.text_plan,
    "ke-hoach.docx": F.docx_plan,
    "ke-hoach.xlsx": F.xlsx_plan,
    "ke-hoach.csv": F.csv_plan,
}
SECTION_FORMATS: dict[str, Callable[[], bytes]] = {
    "ke-hoach.md": F.md_plan,
    "ke-hoach.pdf": F.pdf_plan,
}


def _parse(name: str, data: bytes, year: int = 2026) -> ParsedPlan:
    return parse_document(read_document(data, name), default_year=year)


@pytest.mark.parametrize("name", list(TABLE_FORMATS))
def test_appendix_table_in_every_format(name: str) -> None:
    plan = _parse(name, TABLE_FORMATS[name]())
    assert [t.ref for t in plan.tasks] == [r.ref for r in F.TASKS]
    for task, row in zip(plan.tasks, F.TASKS, strict=True):
        assert task.title == row.title
        assert task.lead == list(row.lead_units), row.ref
        assert task.support == list(row.support_units), row.ref
        assert task.timeframe.kind.value == row.kind, row.ref
        assert task.timeframe.due == row.due, row.ref
        assert (
            task.timeframe.recurrence.value if task.timeframe.recurrence else None
        ) == row.recurrence
    # Group rows (I, II) name the sections and are not tasks.
    assert plan.tasks[0].section == F.GROUPS["I"]
    assert plan.tasks[-1].section == F.GROUPS["II"]


@pytest.mark.parametrize("name", ["ke-hoach.txt", "ke-hoach.docx"])
def test_metadata_coordinator_and_regime(name: str) -> None:
    plan = _parse(name, TABLE_FORMATS[name]())
    assert plan.title == F.TITLE
    assert plan.number == "45/KH-UBND"
    assert plan.issuer == "ỦY BAN NHÂN DÂN XÃ BÌNH MINH"
    assert plan.place == "Bình Minh"
    assert plan.issued_on == dt.date(2026, 3, 12)
    assert plan.coordinator == "Phòng Văn hóa - Xã hội"
    assert plan.rules == [
        RuleSpec(PeriodKind.QUARTERLY, 18, None),
        RuleSpec(PeriodKind.SEMIANNUAL, 18, None),
        RuleSpec(PeriodKind.ANNUAL, 18, None),
    ]


def test_units_matched_by_key_and_alias_and_groups_kept() -> None:
    plan = _parse("ke-hoach.txt", F.text_plan())
    names = {u.name: u for u in plan.units}
    assert names["Phòng Văn hóa - Xã hội"].aliases == ["Phòng VH-XH"]
    assert "Phòng Kinh tế, Hạ tầng và Đô thị" in names  # not split on its comma or "và"
    assert names["Các thôn, tổ dân phố"].group
    assert names["Các đơn vị liên quan"].group  # a group, its name capitalised
    assert not names["Trạm Y tế xã"].group


def test_text_warnings_for_what_was_not_read_with_confidence() -> None:
    plan = _parse("ke-hoach.csv", F.csv_plan())
    keys = [w.key for w in plan.warnings]
    assert "importer.warn.timeframe_inherited" in keys  # "Theo kế hoạch của …"
    assert "importer.warn.no_reporting" in keys
    assert "importer.warn.no_coordinator" in keys


def test_csv_without_year_takes_the_default_year() -> None:
    plan = _parse("ke-hoach.csv", F.csv_plan(), year=2027)
    assert plan.year == 2027
    assert plan.tasks[0].timeframe.due == dt.date(2027, 6, 30)  # "Quý II"


@pytest.mark.parametrize("name", list(SECTION_FORMATS))
def test_numbered_sections_with_unit_lines(name: str) -> None:
    plan = _parse(name, SECTION_FORMATS[name]())
    got = [(t.ref, t.title, t.lead, t.support, t.timeframe.text) for t in plan.tasks]
    # Tasks come from two sections (II's items, III's duty of Trạm Y tế), so refs keep the
    # Roman numeral; the coordinator's own clause (III.1) is not a task.
    assert got == [
        (
            "II.1",
            F.SECTION_TASKS[0][1],
            ["Trung tâm Văn hóa, Thông tin và Thể thao"],
            ["Trạm Y tế xã", "các thôn"],
            "Thường xuyên",
        ),
        (
            "II.2",
            F.SECTION_TASKS[1][1],
            ["Trạm Y tế xã"],
            ["Công an xã", "các tổ dân phố"],
            "Trước ngày 20/5",
        ),
        ("II.3", F.SECTION_TASKS[2][1], ["Trạm Y tế xã"], [], "6 tháng đầu năm 2026"),
        ("III.2", "Hướng dẫn chuyên môn cho các thôn về xử lý ổ dịch", ["Trạm Y tế xã"], [], ""),
    ]
    assert plan.tasks[1].timeframe.due == dt.date(2026, 5, 20)
    assert plan.tasks[2].timeframe.due == dt.date(2026, 6, 30)
    assert plan.number == "45/KH-UBND" and plan.coordinator == "Phòng Văn hóa - Xã hội"
    assert len(plan.rules) == 3


def test_prose_and_organisation_duties() -> None:
    plan = _parse("ke-hoach-van-xuoi.txt", F.prose_plan())
    got = [(t.lead, t.support, t.timeframe.kind.value, t.timeframe.due) for t in plan.tasks]
    assert got == [
        (["Trạm Y tế xã"], ["Phòng Văn hóa - Xã hội"], "one_off", dt.date(2026, 9, 30)),
        (
            ["Phòng Kinh tế, Hạ tầng và Đô thị"],
            ["Công an xã", "Đoàn Thanh niên xã"],
            "one_off",
            dt.date(2026, 9, 30),
        ),
        (["Hội Liên hiệp Phụ nữ xã"], [], "recurring", None),
    ]
    assert plan.coordinator == "Văn phòng HĐND và UBND"
    assert plan.rules == [RuleSpec(PeriodKind.SEMIANNUAL, 31, None)]
    assert "importer.warn.day_assumed" in [w.key for w in plan.warnings]


def test_scanned_pdf_without_text_gives_a_clear_error() -> None:
    with pytest.raises(DomainError) as err:
        read_document(F.scanned_pdf(), "ban-scan.pdf")
    assert err.value.key == "importer.error.pdf_no_text"


@pytest.mark.parametrize(
    ("name", "data", "key"),
    [
        ("hong.docx", b"PK\x03\x04 not really a zip", "importer.error.unreadable"),
        ("hong.xlsx", b"garbage bytes", "importer.error.unreadable"),
        ("hong.pdf", b"%PDF-1.4 broken", "importer.error.unreadable"),
        ("rong.txt", b"   \n\n", "importer.error.empty"),
        ("anh.jpg", b"\xff\xd8\xff", "importer.error.format"),
    ],
)
def test_broken_or_unsupported_files(name: str, data: bytes, key: str) -> None:
    with pytest.raises(DomainError) as err:
        read_document(data, name)
    assert err.value.key == key


def test_a_file_without_tasks_is_refused() -> None:
    with pytest.raises(DomainError) as err:
        parse_bytes(
            "Thông báo lịch họp giao ban tuần.\nKính mời các đồng chí dự.".encode(), "tb.txt"
        )
    assert err.value.key == "importer.error.no_tasks"


def test_docx_is_a_real_word_file_with_a_table() -> None:
    data = F.docx_plan()
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        body = z.read("word/document.xml").decode()
    assert body.count("<w:tbl>") == 2 and "gridSpan" in body


@pytest.mark.parametrize(
    ("cell", "units"),
    [
        (
            "Phòng Kinh tế, Hạ tầng và Đô thị, Trạm Y tế",
            ["Phòng Kinh tế, Hạ tầng và Đô thị", "Trạm Y tế"],
        ),
        ("Văn phòng HĐND và UBND; Công an xã", ["Văn phòng HĐND và UBND", "Công an xã"]),
        (
            "Trạm Y tế, các phòng, ban, ngành liên quan",
            ["Trạm Y tế", "các phòng, ban, ngành liên quan"],
        ),
        ("Phòng VH-XH Phòng Kinh tế", ["Phòng VH-XH", "Phòng Kinh tế"]),
        ("Công an xã và Ban Chỉ huy Quân sự xã", ["Công an xã", "Ban Chỉ huy Quân sự xã"]),
        ("Phòng Tư pháp, Văn hóa và Thể thao", ["Phòng Tư pháp, Văn hóa và Thể thao"]),
        ("Trạm Y tế\nCông an xã", ["Trạm Y tế", "Công an xã"]),
        ("Trạm Y tế, Trạm y tế", ["Trạm Y tế"]),
    ],
)
def test_unit_lists_split_without_breaking_names(cell: str, units: list[str]) -> None:
    assert split_units(cell, KnownNames()) == units


def test_units_in_the_database_guide_splitting() -> None:
    cell = "Ban Quản lý Chợ và Trạm Thủy lợi; Công an xã"
    # Unknown, "và" before a head word ("Trạm") separates two units ...
    assert split_units(cell, KnownNames()) == ["Ban Quản lý Chợ", "Trạm Thủy lợi", "Công an xã"]
    # ... but a unit of that name in the database stays whole.
    known = KnownNames(["Ban Quản lý Chợ và Trạm Thủy lợi"])
    assert split_units(cell, known) == ["Ban Quản lý Chợ và Trạm Thủy lợi", "Công an xã"]


def test_pdf_with_a_drawn_table_across_pages() -> None:
    plan = _parse("phu-luc.pdf", F.pdf_table_plan())
    assert plan.number == "45/KH-UBND" and plan.coordinator == "Phòng Văn hóa - Xã hội"
    assert len(plan.rules) == 3
    got = [
        (t.ref, t.title, t.lead, t.support, t.timeframe.kind.value, t.timeframe.due)
        for t in plan.tasks
    ]
    want = [
        (r.ref, r.title, list(r.lead_units), list(r.support_units), r.kind, r.due) for r in F.TASKS
    ]
    assert got == want


def _lines(text: str) -> ParsedPlan:
    return _parse("ke-hoach.txt", text.encode())


def test_inline_fields_and_lettered_items() -> None:
    plan = _lines(
        "KẾ HOẠCH\nCải cách hành chính năm 2026\nII. NHIỆM VỤ\n1. Công tác thông tin\n"
        "a) Tổ chức hội thi tìm hiểu pháp luật (Đơn vị chủ trì: Phòng Văn hóa - Xã hội; "
        "phối hợp: Đoàn Thanh niên xã; thời gian: Quý III/2026).\n"
        "b) Niêm yết thủ tục tại bộ phận một cửa\n"
        "- Cơ quan, đơn vị chủ trì thực hiện: Văn phòng HĐND và UBND\n"
        "- Thời gian hoàn thành: Tháng 5/2026\n"
        "2. Rà soát hồ sơ tồn đọng. Chủ trì: Công an xã. Thời hạn: trước ngày 30/6/2026.\n"
    )
    got = [(t.ref, t.title, t.lead, t.support, t.timeframe.due, t.section) for t in plan.tasks]
    # Refs keep their Roman section, even when one section holds every task (LABELS.md).
    assert got == [
        (
            "II.1.a",
            "Tổ chức hội thi tìm hiểu pháp luật",
            ["Phòng Văn hóa - Xã hội"],
            ["Đoàn Thanh niên xã"],
            dt.date(2026, 9, 30),
            "Công tác thông tin",
        ),
        (
            "II.1.b",
            "Niêm yết thủ tục tại bộ phận một cửa",
            ["Văn phòng HĐND và UBND"],
            [],
            dt.date(2026, 5, 31),
            "Công tác thông tin",
        ),
        ("II.2", "Rà soát hồ sơ tồn đọng", ["Công an xã"], [], dt.date(2026, 6, 30), "NHIỆM VỤ"),
    ]


def test_numbered_parent_rows_and_header_words_in_data() -> None:
    rows = [
        [
            "STT",
            "Nội dung công việc",
            "Cơ quan, đơn vị chủ trì",
            "Cơ quan, đơn vị phối hợp",
            "Sản phẩm hoàn thành",
            "Tiến độ",
        ],
        ["1", "Công tác tổ chức", "", "", "", ""],
        [
            "1.1",
            "Rà soát nhiệm vụ được giao cho các đơn vị phối hợp",
            "Văn phòng HĐND và UBND",
            "Các đơn vị phối hợp thực hiện",
            "Danh mục",
            "Quý I",
        ],
        ["1.2", "Kiện toàn tổ công tác", "Phòng Nội vụ", "", "Quyết định", "Tháng 2"],
        ["2", "Tổng kết", "Phòng Nội vụ", "Các phòng, ban", "Báo cáo", "Tháng 12"],
    ]
    plan = _lines("\n".join("\t".join(r) for r in rows))
    got = [(t.ref, t.lead, t.support, t.timeframe.due, t.section) for t in plan.tasks]
    assert got == [
        (
            "1.1",
            ["Văn phòng HĐND và UBND"],
            ["Các đơn vị phối hợp thực hiện"],
            dt.date(2026, 3, 31),
            "Công tác tổ chức",
        ),
        ("1.2", ["Phòng Nội vụ"], [], dt.date(2026, 2, 28), "Công tác tổ chức"),
        ("2", ["Phòng Nội vụ"], ["Các phòng, ban"], dt.date(2026, 12, 31), None),
    ]


def test_xlsx_lead_cell_merged_over_several_rows() -> None:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(["STT", "Nhiệm vụ", "Đơn vị thực hiện", "Thời gian thực hiện"])
    ws.append([1, "Khảo sát hộ nghèo", "Phòng Văn hóa - Xã hội", "Quý I"])
    ws.append([2, "Cập nhật dữ liệu hộ nghèo", None, "Quý II"])
    ws.merge_cells("C2:C3")
    buf = io.BytesIO()
    wb.save(buf)
    plan = _parse("ho-ngheo.xlsx", buf.getvalue())
    assert [t.lead for t in plan.tasks] == [["Phòng Văn hóa - Xã hội"], ["Phòng Văn hóa - Xã hội"]]


def test_party_committee_header() -> None:
    text = "\n".join(
        [
            "ĐẢNG BỘ HUYỆN SÔNG XANH",
            "ĐẢNG ỦY XÃ BÌNH MINH",
            "*",
            "Số 12-KH/ĐU",
            "ĐẢNG CỘNG SẢN VIỆT NAM",
            "Bình Minh, ngày 05 tháng 01 năm 2027",
            "KẾ HOẠCH",
            "Học tập, quán triệt nghị quyết của Đảng bộ xã",
            "Căn cứ chương trình công tác năm 2027, Đảng ủy xã xây dựng kế hoạch như sau:",
            "1. Tổ chức hội nghị quán triệt",
            "- Đơn vị thực hiện: Văn phòng Đảng ủy.",
            "- Thời gian: Quý I.",
        ]
    )
    plan = _lines(text)
    assert plan.family.value == "party"
    assert (plan.number, plan.issuer, plan.parent_body) == (
        "12-KH/ĐU",
        "ĐẢNG ỦY XÃ BÌNH MINH",
        "ĐẢNG BỘ HUYỆN SÔNG XANH",
    )
    assert plan.issued_on == dt.date(2027, 1, 5)
    assert plan.title == "Học tập, quán triệt nghị quyết của Đảng bộ xã"
    assert [(t.lead, t.timeframe.due) for t in plan.tasks] == [
        (["Văn phòng Đảng ủy"], dt.date(2027, 3, 31))
    ]


def test_organisation_bullets_with_unit_and_colon() -> None:
    plan = _lines(
        "KẾ HOẠCH\nGiữ gìn vệ sinh chợ năm 2026\n1. Mục đích\nGiữ chợ sạch, an toàn.\n"
        "2. Tổ chức thực hiện\n"
        "- Phòng Kinh tế, Hạ tầng và Đô thị: chủ trì, phối hợp với Ban quản lý chợ kiểm tra "
        "vệ sinh hằng tháng; là cơ quan thường trực theo dõi, đôn đốc, tổng hợp kết quả.\n"
        "- Công an xã: bảo đảm trật tự khu vực chợ trong tháng 2/2026.\n"
        "- Giao Trạm Y tế xã: kiểm tra an toàn thực phẩm tại chợ trước ngày 15/3/2026.\n"
        "Định kỳ các đơn vị gửi báo cáo quý trước ngày 20 của tháng cuối quý.\n"
    )
    assert plan.coordinator == "Phòng Kinh tế, Hạ tầng và Đô thị"
    assert plan.rules == [RuleSpec(PeriodKind.QUARTERLY, 20, None)]
    got = [(t.lead, t.support, t.timeframe.kind.value, t.timeframe.due) for t in plan.tasks]
    assert got == [
        (
            ["Phòng Kinh tế, Hạ tầng và Đô thị"],
            ["Ban quản lý chợ"],
            "recurring",
            dt.date(2026, 1, 31),
        ),
        (["Công an xã"], [], "one_off", dt.date(2026, 2, 28)),
        (["Trạm Y tế xã"], [], "one_off", dt.date(2026, 3, 15)),
    ]
    # The coordinating role itself is not a task.
    assert "đôn đốc" not in plan.tasks[0].title


def test_cells_copied_from_a_spreadsheet_keep_their_line_breaks() -> None:
    text = (
        "STT\tNội dung\tChủ trì\tPhối hợp\tThời gian\n"
        '1\t"Lập danh sách hộ\ncó người cao tuổi"\tTrạm Y tế xã\t"Công an xã\nCác thôn"\tQuý II\n'
        "2\tThăm hỏi người cao tuổi\tHội Người cao tuổi xã\t\tTháng 10\n"
    )
    plan = _lines(text)
    got = [(t.title, t.lead, t.support) for t in plan.tasks]
    assert got == [
        # The line break inside the cell is kept (an exported sheet comes back unchanged).
        ("Lập danh sách hộ\ncó người cao tuổi", ["Trạm Y tế xã"], ["Công an xã", "Các thôn"]),
        ("Thăm hỏi người cao tuổi", ["Hội Người cao tuổi xã"], []),
    ]


def test_table_without_number_column_and_lettered_groups() -> None:
    rows = [
        ["Nội dung công việc", "Đơn vị chủ trì thực hiện", "Đơn vị phối hợp", "Thời hạn"],
        ["A. Công tác chuẩn bị", "", "", ""],
        ["Lập kế hoạch chi tiết cho", "Phòng Nội vụ", "", "Tháng 3"],
        ["từng thôn", "", "", ""],
        ["B. Tổ chức thực hiện", "", "", ""],
        ["Kiểm tra thực tế tại thôn", "Công an xã", "Các thôn", "Quý II"],
    ]
    plan = _lines("\n".join("\t".join(r) for r in rows))
    got = [(t.ref, t.title, t.lead, t.section) for t in plan.tasks]
    assert got == [
        ("1", "Lập kế hoạch chi tiết cho từng thôn", ["Phòng Nội vụ"], "Công tác chuẩn bị"),
        ("2", "Kiểm tra thực tế tại thôn", ["Công an xã"], "Tổ chức thực hiện"),
    ]


def test_task_name_and_detail_columns() -> None:
    rows = [
        ["STT", "Nhiệm vụ", "Nội dung thực hiện", "Đơn vị thực hiện", "Thời gian thực hiện"],
        [
            "1",
            "Tuyên truyền",
            "Phát thanh 2 buổi mỗi tuần",
            "Trung tâm Văn hóa, Thông tin và Thể thao",
            "Thường xuyên",
        ],
    ]
    plan = _lines("\n".join("\t".join(r) for r in rows))
    task = plan.tasks[0]
    assert task.title == "Tuyên truyền: Phát thanh 2 buổi mỗi tuần"
    assert task.lead == ["Trung tâm Văn hóa, Thông tin và Thể thao"]
    assert task.timeframe.kind.value == "recurring"


def test_a_misread_unit_list_is_clamped_and_reported() -> None:
    long_cell = "Trạm Y tế xã tổ chức " + "rất nhiều hoạt động khác nhau " * 12
    rows = [["STT", "Nhiệm vụ", "Chủ trì", "Thời gian"], ["1", "Khám sàng lọc", long_cell, "Quý I"]]
    plan = _lines("\n".join("\t".join(r) for r in rows))
    assert len(plan.tasks[0].lead[0]) <= 200
    assert "importer.warn.unit_too_long" in [w.key for w in plan.warnings]


def test_text_table_laid_out_with_spaces() -> None:
    text = "KẾ HOẠCH\nPhòng chống đuối nước cho trẻ em năm 2026\n\n" + "\n".join(
        [
            "TT  Nội dung nhiệm vụ                Đơn vị chủ trì      Đơn vị phối hợp  Thời gian",
            "1   Dạy bơi miễn phí cho học sinh    Trung tâm Văn hóa,  Các trường học   Tháng 6",
            "    tiểu học trong dịp hè            Thông tin và Thể",
            "                                     thao",
            "2   Cắm biển cảnh báo tại ao hồ      Công an xã          Các thôn         Quý II",
        ]
    )
    plan = _lines(text)
    got = [(t.ref, t.title, t.lead, t.support, t.timeframe.due) for t in plan.tasks]
    assert got == [
        (
            "1",
            "Dạy bơi miễn phí cho học sinh tiểu học trong dịp hè",
            ["Trung tâm Văn hóa, Thông tin và Thể thao"],
            ["Các trường học"],
            dt.date(2026, 6, 30),
        ),
        ("2", "Cắm biển cảnh báo tại ao hồ", ["Công an xã"], ["Các thôn"], dt.date(2026, 6, 30)),
    ]


def test_prose_lead_described_as_the_body_in_charge() -> None:
    plan = _lines(
        "KẾ HOẠCH\nTrồng cây xanh năm 2026\nI. NHIỆM VỤ\n"
        "Giao Phòng Kinh tế, Hạ tầng và Đô thị là cơ quan chủ trì, phối hợp với Đoàn Thanh niên "
        "xã tổ chức trồng 500 cây xanh trong quý I/2027.\n"
        "Hội Cựu chiến binh xã có trách nhiệm chủ trì vận động hội viên chăm sóc cây "
        "thường xuyên.\n"
    )
    got = [(t.lead, t.support, t.timeframe.kind.value, t.timeframe.due) for t in plan.tasks]
    assert got == [
        (
            ["Phòng Kinh tế, Hạ tầng và Đô thị"],
            ["Đoàn Thanh niên xã"],
            "one_off",
            dt.date(2027, 3, 31),
        ),
        (["Hội Cựu chiến binh xã"], [], "recurring", None),
    ]


def test_word_automatic_numbering_leaves_no_numbers_in_the_text() -> None:
    from docx import Document

    doc = Document()
    for line in [
        "KẾ HOẠCH",
        "Phòng chống thiên tai năm 2026",
        "II. NHIỆM VỤ",
        "Công tác chuẩn bị",
        "Rà soát các hộ dân sống ven sông",
        "Đơn vị chủ trì: Công an xã",
        "Thời gian thực hiện: Tháng 5/2026",
        "Diễn tập phương án sơ tán dân",
        "Chi tiết: mỗi thôn một buổi.",
        "Đơn vị chủ trì: Ban Chỉ huy Quân sự xã",
        "Đơn vị phối hợp: Các thôn",
        "Thời gian thực hiện: Quý II",
    ]:
        para = doc.add_paragraph(style="List Number" if line.startswith(("Rà", "Diễn")) else None)
        para.add_run(line).bold = line == "Công tác chuẩn bị"
    buf = io.BytesIO()
    doc.save(buf)
    plan = _parse("thien-tai.docx", buf.getvalue())
    got = [(t.ref, t.title, t.lead, t.support, t.timeframe.due, t.section) for t in plan.tasks]
    assert got == [
        (
            "1",
            "Rà soát các hộ dân sống ven sông",
            ["Công an xã"],
            [],
            dt.date(2026, 5, 31),
            "Công tác chuẩn bị",
        ),
        (
            "2",
            "Diễn tập phương án sơ tán dân\nChi tiết: mỗi thôn một buổi.",
            ["Ban Chỉ huy Quân sự xã"],
            ["Các thôn"],
            dt.date(2026, 6, 30),
            "Công tác chuẩn bị",
        ),
    ]


def test_organisation_units_without_numbers_or_bullets() -> None:
    plan = _lines(
        "KẾ HOẠCH\nPhòng chống dịch bệnh gia súc năm 2026\n"
        "III. TỔ CHỨC THỰC HIỆN\n"
        "Phòng Kinh tế\n"
        "Theo dõi, đôn đốc các đơn vị; tổng hợp báo cáo Ủy ban nhân dân xã.\n"
        "Trạm Y tế xã\n"
        "Phối hợp kiểm tra an toàn thực phẩm tại các lò mổ trong quý III/2026.\n"
    )
    assert plan.coordinator == "Phòng Kinh tế"
    got = [(t.lead, t.timeframe.due) for t in plan.tasks]
    assert got == [(["Trạm Y tế xã"], dt.date(2026, 9, 30))]


def test_role_words_written_in_a_unit_cell() -> None:
    assert split_units("Phòng VH-XH chủ trì; Công an xã (phối hợp)") == [
        "Phòng VH-XH",
        "Công an xã",
    ]

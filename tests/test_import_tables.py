"""Task tables on their own: the rebuild of pipe tables whose rows run over several lines, the
column roles, rows without a number, and the units each cell names."""

from __future__ import annotations

from db.models import PeriodKind
from domain.importer.model import Document, Table
from domain.importer.normalise import normalise_text
from domain.importer.parse import parse_document
from domain.importer.tables import cell_units, collective_kinds, column_role

# A pipe table as a web page's text gives it: cells with line breaks run over several lines,
# the number column is left empty, and rows end on an empty trailing cell.
MULTILINE = """KẾ HOẠCH

Xây dựng các quy định của xã năm 2026

| TT | Tên văn bản | Cơ quan trình | Cơ quan soạn thảo | Cơ quan thẩm định | Tiến độ | Hồ sơ | |
|
| I. Văn bản thuộc thẩm quyền của Hội đồng nhân dân xã |
| |||||
| | Nghị quyết về mức hỗ trợ học phí cho học sinh | Ủy ban nhân dân xã | Phòng Văn hóa - Xã hội
| - Phòng Kinh tế chủ trì thẩm định; - Văn phòng HĐND và UBND xã tham gia.
| - Trình kỳ họp thứ hai (tháng 7/2026) | - Tờ trình; dự thảo | |
| Nghị quyết về chợ tạm | Ủy ban nhân dân xã | Phòng Kinh tế (Công an xã phối hợp)
| Phòng Văn hóa - Xã hội thẩm định
| Quý III/2026 | - Tờ trình | ||
| II. Văn bản thuộc thẩm quyền của Ủy ban nhân dân xã | |||||||
|
| |||||||
| | Quyết định về quy chế tiếp công dân | Trạm Y tế xã |
Trạm Y tế xã |
| Trước ngày 15/5/2026 | - Dự thảo | |
| Quyết định về quy chế văn thư | Văn phòng HĐND và UBND xã | Văn phòng HĐND và UBND xã
| Phòng Kinh tế thẩm định | Tháng 9/2026 | - Dự thảo
| ||

Ghi chú: hồ sơ gửi qua hệ thống.
"""


def test_a_pipe_table_whose_rows_run_over_lines_is_rebuilt() -> None:
    tables = [b for b in normalise_text(MULTILINE) if isinstance(b, Table)]
    assert len(tables) == 1
    rows = tables[0].rows
    assert rows[0][:3] == ["TT", "Tên văn bản", "Cơ quan trình"]
    # header, two section rows, four task rows; every row as wide as the header
    assert len(rows) == 7 and {len(r) for r in rows} == {8}
    first = rows[2]
    assert first[1] == "Nghị quyết về mức hỗ trợ học phí cho học sinh"
    assert first[4].startswith("- Phòng Kinh tế chủ trì thẩm định")
    assert first[5] == "- Trình kỳ họp thứ hai (tháng 7/2026)"
    # "|" closing one line and "|" opening the next leave an empty cell between them
    third = rows[5]
    assert third[3] == "Trạm Y tế xã" and third[4] == "" and third[5].startswith("Trước ngày")


def test_a_table_with_an_empty_number_column_gives_one_task_per_row() -> None:
    doc = Document("ke-hoach.txt", normalise_text(MULTILINE))
    plan = parse_document(doc, default_year=2026)
    assert [t.ref for t in plan.tasks] == ["I.1", "I.2", "II.1", "II.2"]
    one, two, three, four = plan.tasks
    assert one.title.startswith("Nghị quyết về mức hỗ trợ học phí")
    assert one.lead == ["Phòng Văn hóa - Xã hội"]
    assert one.timeframe.due is not None and one.timeframe.due.isoformat() == "2026-07-31"
    assert two.timeframe.due is not None and two.timeframe.due.isoformat() == "2026-09-30"
    assert three.lead == ["Trạm Y tế xã"] and three.support == []
    assert three.timeframe.due is not None and three.timeframe.due.isoformat() == "2026-05-15"
    assert four.title == "Quyết định về quy chế văn thư"


def test_column_roles_of_a_drafting_programme() -> None:
    assert column_role("Cơ quan soạn thảo") == "lead"
    assert column_role("Cơ quan chủ trì soạn thảo") == "lead"
    assert column_role("Cơ quan thẩm tra/chuẩn bị ý kiến") == "support"
    assert column_role("Cơ quan trình") == "other"
    assert column_role("Hồ sơ") == "other"
    assert column_role("Tiến độ") == "time"


def test_cell_units_role_words_and_bracketed_bodies() -> None:
    lead, support = cell_units(
        "Ban soạn thảo do xã thành lập (Phòng Kinh tế là cơ quan thường trực của Ban)",
        "- Phòng Nội vụ chủ trì thẩm định; - Công an xã, Trạm Y tế xã tham gia.",
    )
    assert lead == "Ban soạn thảo do xã thành lập; Phòng Kinh tế"
    assert support == "Phòng Nội vụ; Công an xã, Trạm Y tế xã"
    lead, support = cell_units("Phòng Tư pháp [2] (Văn phòng xã phối hợp chuẩn bị)", "")
    assert (lead, support) == ("Phòng Tư pháp", "Văn phòng xã")
    # A qualifier in brackets stays with its unit; a collective keeps its own words.
    assert cell_units(
        "Phòng Văn hóa - Xã hội (lĩnh vực y tế)", "Các đơn vị phối hợp thực hiện"
    ) == (
        "Phòng Văn hóa - Xã hội (lĩnh vực y tế)",
        "Các đơn vị phối hợp thực hiện",
    )


def test_collective_kinds_stay_one_entry() -> None:
    assert collective_kinds("Viện, Trường; Doanh nghiệp") == ["Viện, Trường"]
    assert collective_kinds("Các sở, ban, ngành, Ủy ban nhân dân xã, phường") == [
        "Các sở, ban, ngành, Ủy ban nhân dân xã, phường"
    ]
    # A list that names a unit, or a further "các …" entry, is not one collective.
    assert collective_kinds("Hội đồng nhân dân, các Ban của Hội đồng") == []
    assert collective_kinds("Các phòng, ban, ngành, các đơn vị") == []
    assert collective_kinds("Sở Tài chính và Sở Nội vụ, Công an") == []


def test_generic_partner_dropped_beside_named_ones_in_a_table() -> None:
    rows = [
        ["STT", "Nhiệm vụ", "Chủ trì", "Phối hợp", "Thời gian"],
        ["1", "Khảo sát nhu cầu", "Phòng Kinh tế", "Viện, Trường; Các cơ quan liên quan", "2026"],
        ["2", "Tổng hợp kết quả", "Phòng Nội vụ", "Các cơ quan liên quan", "Quý IV/2026"],
    ]
    plan = parse_document(Document("x.txt", [Table(rows)]), default_year=2026)
    assert [t.support for t in plan.tasks] == [["Viện, Trường"], ["Các cơ quan liên quan"]]


def test_a_table_of_targets_takes_its_time_from_the_heading() -> None:
    blocks = normalise_text(
        "PHỤ LỤC\n\nPHÂN CÔNG CÁC CHỈ TIÊU CHUYỂN ĐỔI SỐ CỦA XÃ ĐẾN NĂM 2030\n\n"
        "(Kèm theo Kế hoạch số 5/KH-UBND ngày 02 tháng 3 năm 2026)\n\n"
        "|\nTT\n|\nChỉ tiêu\n|\nChủ trì\n|\n|\n1\n|\nTỷ lệ hộ dùng thanh toán số đạt 80%\n|\n"
        "Phòng Kinh tế thúc đẩy, theo dõi, báo cáo chỉ tiêu\n|\n|\n2\n|\n"
        "Mỗi năm công bố 02 bộ dữ liệu mở\n|\nVăn phòng xã chủ trì hướng dẫn; Các thôn, tổ dân phố"
        " thực hiện công bố\n|\n"
    )
    plan = parse_document(Document("x.txt", blocks), default_year=2026)
    assert [t.ref for t in plan.tasks] == ["1", "2"]
    assert plan.tasks[0].lead == ["Phòng Kinh tế"]
    assert plan.tasks[1].lead == ["Văn phòng xã"]
    assert plan.tasks[1].support == ["Các thôn, tổ dân phố"]
    for task in plan.tasks:
        assert task.timeframe.due is not None and task.timeframe.due.isoformat() == "2030-12-31"
    # A target that opens with a cadence ("Mỗi năm …") is also done every year.
    kinds = [(t.timeframe.kind.value, t.timeframe.recurrence) for t in plan.tasks]
    assert kinds == [("one_off", None), ("composite", PeriodKind.ANNUAL)]


def test_a_whole_pipe_table_and_the_prose_after_it() -> None:
    blocks = normalise_text(
        "| STT | Nhiệm vụ | Chủ trì | Thời gian |\n|---|---|---|---|\n"
        "| 1 | Rà soát hồ sơ | Sở Sở Tư pháp | Quý I/2026 |\n"
        "Các đơn vị triển khai nghiêm túc.\n"
    )
    assert isinstance(blocks[0], Table) and len(blocks[0].rows) == 2
    assert [b.text for b in blocks[1:] if not isinstance(b, Table)] == [
        "Các đơn vị triển khai nghiêm túc."
    ]
    plan = parse_document(Document("x.txt", blocks), default_year=2026)
    assert [t.lead for t in plan.tasks] == [["Sở Tư pháp"]]


def test_one_cell_for_both_lead_and_partners() -> None:
    assert cell_units("- Chủ trì: Phòng Kinh tế\n- Phối hợp: Công an xã; Trạm Y tế xã", "") == (
        "Phòng Kinh tế",
        "Công an xã; Trạm Y tế xã",
    )
    assert cell_units("Phòng Nội vụ chủ trì, Văn phòng xã phối hợp", "") == (
        "Phòng Nội vụ",
        "Văn phòng xã",
    )
    assert cell_units("Phòng Nội vụ (chủ trì); Văn phòng xã (phối hợp)", "") == (
        "Phòng Nội vụ",
        "Văn phòng xã",
    )


def test_start_and_end_columns_the_end_is_the_due() -> None:
    rows = [
        ["STT", "Nhiệm vụ", "Đơn vị thực hiện", "Thời gian", "Thời gian"],
        ["", "", "", "Bắt đầu", "Hoàn thành"],
        ["1", "Lập danh sách hộ nghèo", "Phòng Văn hóa - Xã hội", "Tháng 1/2026", "Quý II/2026"],
    ]
    plan = parse_document(Document("x.txt", [Table(rows)]), default_year=2026)
    [task] = plan.tasks
    assert task.lead == ["Phòng Văn hóa - Xã hội"]
    assert task.timeframe.due is not None and task.timeframe.due.isoformat() == "2026-06-30"
    rows = [
        ["STT", "Nhiệm vụ", "Chủ trì", "Thời gian bắt đầu", "Thời gian hoàn thành"],
        ["1", "Lập danh sách hộ nghèo", "Phòng Kinh tế", "Tháng 1/2026", "Tháng 9/2026"],
    ]
    plan = parse_document(Document("x.txt", [Table(rows)]), default_year=2026)
    [task] = plan.tasks
    assert task.timeframe.due is not None and task.timeframe.due.isoformat() == "2026-09-30"


def test_lettered_rows_under_a_numbered_heading_row_and_numbering_restarting_per_group() -> None:
    rows = [
        ["STT", "Nội dung", "Cơ quan chủ trì", "Cơ quan phối hợp", "Lộ trình"],
        ["I", "CÔNG TÁC TUYÊN TRUYỀN", "", "", ""],
        ["1", "Tuyên truyền về chuyển đổi số", "", "", ""],
        ["a", "Tổ chức hội nghị", "Phòng Tư pháp", "Phòng Nội vụ", "Quý I/2026"],
        ["b", "In tờ rơi", "Phòng Tư pháp", "", "Quý II/2026"],
        ["2", "Kiểm tra", "Phòng Nội vụ", "", "Năm 2026"],
        ["II", "KIỂM TRA", "", "", ""],
        ["1", "Kiểm tra định kỳ", "Công an xã", "", "Hằng năm"],
    ]
    plan = parse_document(Document("x.txt", [Table(rows)]), default_year=2026)
    assert [t.ref for t in plan.tasks] == ["I.1.a", "I.1.b", "I.2", "II.1"]
    assert plan.tasks[0].section == "Tuyên truyền về chuyển đổi số"
    dues = [t.timeframe.due.isoformat() if t.timeframe.due else None for t in plan.tasks]
    assert dues == ["2026-03-31", "2026-06-30", "2026-12-31", "2026-12-31"]


def test_a_text_without_a_header_takes_number_and_date_from_its_annex_line() -> None:
    text = MULTILINE.replace(
        "Xây dựng các quy định của xã năm 2026\n",
        "Xây dựng các quy định của xã năm 2026\n\n"
        "(Ban hành kèm theo Nghị quyết số 12/NQ-HĐND ngày 05 tháng 01 năm 2026 của Hội đồng"
        " nhân dân xã)\n",
    )
    plan = parse_document(Document("x.txt", normalise_text(text)), default_year=2026)
    assert plan.number == "12/NQ-HĐND"
    assert plan.issued_on is not None and plan.issued_on.isoformat() == "2026-01-05"
    # With a "Số:" header the header wins.
    plan = parse_document(
        Document("x.txt", normalise_text("Số: 7/KH-UBND\n\n" + text)), default_year=2026
    )
    assert plan.number == "7/KH-UBND"


def test_a_markdown_table_with_a_cell_wrapped_onto_the_next_line() -> None:
    blocks = normalise_text(
        "| STT | Nhiệm vụ | Chủ trì | Thời gian |\n|---|---|---|---|\n"
        "| 1 | Tổ chức hội nghị triển khai\nkế hoạch tới các thôn | Văn phòng xã | Quý I/2026 |\n"
        "| 2 | Kiểm tra việc thực hiện | Phòng Nội vụ | Quý IV/2026 |\n"
    )
    [table] = [b for b in blocks if isinstance(b, Table)]
    assert table.rows[1] == [
        "1",
        "Tổ chức hội nghị triển khai kế hoạch tới các thôn",
        "Văn phòng xã",
        "Quý I/2026",
    ]
    assert table.rows[2][1] == "Kiểm tra việc thực hiện" and len(table.rows) == 3


def test_rows_one_cell_short_of_the_header_lack_their_number() -> None:
    # One cell per line from a web page: the empty number cells of the rows are left out.
    rows = [
        ["STT", "Nhiệm vụ", "Chủ trì", "Phối hợp", "Thời gian"],
        ["Rà soát danh sách hộ nghèo", "Phòng Văn hóa - Xã hội", "Các thôn", "Quý I/2026"],
        [
            "Cập nhật phần mềm quản lý hộ nghèo",
            "Phòng Văn hóa - Xã hội",
            "Văn phòng xã",
            "Quý II/2026",
        ],
    ]
    plan = parse_document(Document("x.txt", [Table(rows)]), default_year=2026)
    assert [t.ref for t in plan.tasks] == ["1", "2"]
    assert plan.tasks[1].title == "Cập nhật phần mềm quản lý hộ nghèo"
    assert plan.tasks[1].lead == ["Phòng Văn hóa - Xã hội"]
    assert plan.tasks[1].support == ["Văn phòng xã"]
    assert plan.tasks[1].timeframe.due is not None


def test_rows_after_a_left_out_part_belong_to_the_group_before_the_next() -> None:
    def row(n: str, text: str) -> list[str]:
        return [n, text, "Phòng Kinh tế", "", "Năm 2026"]

    rows = [
        ["STT", "Nhiệm vụ", "Chủ trì", "Phối hợp", "Thời gian"],
        ["I", "KIỆN TOÀN TỔ CHỨC"],
        row("1", "Kiện toàn ban chỉ đạo"),
        row("2", "Ban hành quy chế"),
        ["II", "TUYÊN TRUYỀN"],
        row("1", "Tổ chức hội nghị"),
        row("2", "In tờ rơi"),
        # the copy leaves out the end of II, all of III and the start of IV
        row("2", "Lập quỹ phòng chống thiên tai"),
        row("3", "Mua sắm trang thiết bị"),
        ["V", "DIỄN TẬP"],
        row("1", "Diễn tập cấp xã"),
    ]
    plan = parse_document(Document("x.txt", [Table(rows)]), default_year=2026)
    assert [t.ref for t in plan.tasks] == ["I.1", "I.2", "II.1", "II.2", "IV.2", "IV.3", "V.1"]

"""Confidence and provenance: doubtful tasks are flagged with their source line, listed first."""

from __future__ import annotations

from domain.importer.confidence import LOW, doubtful, unit_doubt
from domain.importer.output import summary_text, to_json
from domain.importer.parse import parse_document
from domain.importer.readers import read_document

PLAN = """ỦY BAN NHÂN DÂN
XÃ AN BÌNH
Số: 12/KH-UBND
An Bình, ngày 02 tháng 3 năm 2026
KẾ HOẠCH
Vệ sinh môi trường năm 2026
II. NHIỆM VỤ
1. Tổng vệ sinh các tuyến đường liên ấp
- Đơn vị chủ trì: Ban nhân dân các ấp.
- Đơn vị phối hợp: Đoàn Thanh niên xã.
- Thời gian thực hiện: Quý II/2026.
2. Kiểm tra cơ sở kinh doanh ăn uống
- Đơn vị phối hợp: Trạm Y tế xã.
- Thời gian thực hiện: khi thuận lợi.
III. TỔ CHỨC THỰC HIỆN
Giao Văn phòng HĐND và UBND xã theo dõi, đôn đốc, tổng hợp kết quả thực hiện.
"""


def _plan():  # type: ignore[no-untyped-def]
    return parse_document(read_document(PLAN.encode(), "kh.txt"), default_year=2026)


def test_each_task_knows_its_source_line_and_how_sure_the_reader_is() -> None:
    plan = _plan()
    first, second = plan.tasks
    assert (first.ref, first.line, first.confidence, first.doubts) == ("II.1", 8, 1.0, [])
    assert second.line == 12
    assert second.doubts == ["no_lead", "time_unread"] and second.confidence < 0.5
    assert doubtful(plan) == [second]


def test_review_lists_doubtful_items_first_quoting_the_source() -> None:
    plan = _plan()
    text = summary_text(plan, "vi")
    check = text.index("Cần xem lại trước (1):")
    assert check < text.index("Nhiệm vụ (2):")
    assert "2 (dòng 12" in text and "chưa xác định được đơn vị chủ trì" in text
    assert "«Kiểm tra cơ sở kinh doanh ăn uống" in text
    english = summary_text(plan, "en")
    assert "Check these first (1):" in english and "no lead unit found" in english


def test_a_low_confidence_read_says_so_before_anything_else() -> None:
    text = "KẾ HOẠCH\nViệc chung\nI. NHIỆM VỤ\n1. Một việc\n- Đơn vị phối hợp: Trạm Y tế xã.\n"
    plan = parse_document(read_document(text.encode(), "x.txt"), default_year=2026)
    assert plan.confidence < LOW
    assert summary_text(plan, "vi").startswith("Lưu ý: kế hoạch này đọc được với độ tin cậy thấp")
    data = to_json(plan, "vi")
    assert data["plan"]["low_confidence"] is True
    assert data["tasks"][0]["source"] == {"line": 4, "text": "Một việc"}


def test_sentence_fragments_are_not_taken_for_unit_names() -> None:
    assert not unit_doubt("Ủy ban nhân dân các xã, phường")
    assert not unit_doubt("Sở Văn hóa, Thể thao và Du lịch")
    assert unit_doubt("Sở Tài chính triển khai thực hiện khi có Quyết định thay thế")
    assert unit_doubt("các cơ quan, đơn vị phối hợp với")

# ruff: noqa: E501
"""Tasks written as prose: bullets naming who acts, the coordinator's own clause, heads read as
their units. Plans invented for the tests."""

from __future__ import annotations

from domain.importer.model import ParsedPlan
from domain.importer.parse import parse_document
from domain.importer.prose import cut_at_verb
from domain.importer.readers import read_document
from domain.importer.unitnames import KnownNames, split_units

PLAN = """ỦY BAN NHÂN DÂN XÃ AN BÌNH
Số: 21/KH-UBND
An Bình, ngày 05 tháng 3 năm 2026

KẾ HOẠCH
Phòng, chống sạt lở bờ sông năm 2026

I. MỤC ĐÍCH, YÊU CẦU
1. Mục đích
- Ban Chỉ huy Quân sự xã nâng cao khả năng ứng phó của lực lượng tại chỗ.

II. NỘI DUNG
1. Khảo sát các điểm sạt lở
a) Lập bản đồ điểm nguy cơ
- Đo đạc chiều dài bờ sông bị sạt lở.
- Trạm Y tế xã chuẩn bị cơ số thuốc cho các hộ ở vùng sạt lở.
b) Cắm biển cảnh báo
- Cắm biển ở các đoạn bờ nguy hiểm.
2. Di dời hộ dân
- Đề nghị Ủy ban Mặt trận Tổ quốc Việt Nam xã và các đoàn thể, Thủ trưởng các ban, ngành xã và Chủ tịch Ủy ban nhân dân các ấp vận động người dân di dời.

III. TỔ CHỨC THỰC HIỆN
1. Văn phòng Hội đồng nhân dân và Ủy ban nhân dân xã
Chủ trì, phối hợp với các ban, ngành theo dõi, đôn đốc việc thực hiện Kế hoạch này; định kỳ báo cáo Ủy ban nhân dân xã.
2. Công an xã
Chủ trì bảo đảm an ninh trật tự tại các điểm di dời.
3. Căn cứ Kế hoạch này, các ban, ngành xã xây dựng kế hoạch của đơn vị mình.
4. Trung tâm Dịch vụ tổng hợp xã
Chuẩn bị phòng họp và loa truyền thanh cho các buổi tuyên truyền; theo dõi, tổng hợp số hộ đã di dời.
"""


def _plan() -> ParsedPlan:
    return parse_document(read_document(PLAN.encode(), "ke-hoach.txt"), default_year=2026)


def test_a_bullet_naming_who_acts_makes_its_item_the_task() -> None:
    tasks = {t.ref: t for t in _plan().tasks}
    assert tasks["II.1.a"].lead == ["Trạm Y tế xã"]
    assert "II.1.b" not in tasks  # no one is named


def test_a_body_named_under_purposes_is_context_not_a_task() -> None:
    assert all(t.lead != ["Ban Chỉ huy Quân sự xã"] for t in _plan().tasks)


def test_heads_in_a_list_are_read_as_their_units() -> None:
    tasks = {t.ref: t for t in _plan().tasks}
    assert tasks["II.2"].lead == [
        "Ủy ban Mặt trận Tổ quốc Việt Nam xã",
        "các đoàn thể",
        "các ban, ngành xã",
        "Ủy ban nhân dân các ấp",
    ]


def test_an_entry_that_only_monitors_and_reports_is_the_coordinators_clause() -> None:
    plan = _plan()
    refs = [t.ref for t in plan.tasks]
    assert "III.1" not in refs and "III.2" in refs
    assert plan.coordinator == "Văn phòng Hội đồng nhân dân và Ủy ban nhân dân xã"


def test_the_body_named_after_an_opening_phrase_is_the_lead() -> None:
    tasks = {t.ref: t for t in _plan().tasks}
    assert tasks["III.3"].lead == ["các ban, ngành xã"]


def test_an_entry_that_starts_with_its_own_work_stays_a_task_despite_a_compiling_clause() -> None:
    tasks = {t.ref: t for t in _plan().tasks}
    assert tasks["III.4"].lead == ["Trung tâm Dịch vụ tổng hợp xã"]


def _coordinator(clause: str) -> str | None:
    text = PLAN.split("III. TỔ CHỨC THỰC HIỆN")[0] + "III. TỔ CHỨC THỰC HIỆN\n" + clause
    return parse_document(
        read_document(text.encode(), "ke-hoach.txt"), default_year=2026
    ).coordinator


def test_coordinator_is_whom_reports_go_to_or_through() -> None:
    # To the issuer through an office: the office; to a department through its branch: the
    # department; "gửi X để tổng hợp": X.
    assert (
        _coordinator("Các đơn vị báo cáo về Ủy ban nhân dân xã (qua Công an xã).\n") == "Công an xã"
    )
    assert (
        _coordinator("Các ấp báo cáo về Trạm Y tế xã (qua Trung tâm Dịch vụ tổng hợp xã).\n")
        == "Trạm Y tế xã"
    )
    assert _coordinator("Các ấp gửi báo cáo về Trạm Y tế xã để tổng hợp.\n") == "Trạm Y tế xã"


def test_partners_in_an_entrys_opening_paragraph_hold_for_its_sub_items() -> None:
    text = PLAN.split("III. TỔ CHỨC THỰC HIỆN")[0] + (
        "III. TỔ CHỨC THỰC HIỆN\n1. Trạm Y tế xã\nChủ trì, phối hợp với Công an xã:\n"
        "a) Phun khử trùng các điểm ngập.\nb) Cấp thuốc cho các hộ.\n"
    )
    plan = parse_document(read_document(text.encode(), "ke-hoach.txt"), default_year=2026)
    tasks = {t.ref: t for t in plan.tasks}
    assert tasks["III.1.a"].support == ["Công an xã"] == tasks["III.1.b"].support
    assert tasks["III.1.a"].lead == ["Trạm Y tế xã"]


def test_a_business_that_organises_is_not_named_by_the_verb() -> None:
    text = "các cơ quan, đơn vị, doanh nghiệp tổ chức triển khai kế hoạch"
    assert cut_at_verb(text, KnownNames()) == "các cơ quan, đơn vị, doanh nghiệp"


def test_a_sub_item_restating_its_body_keeps_the_headings_spelling() -> None:
    text = PLAN.split("III. TỔ CHỨC THỰC HIỆN")[0] + (
        "III. TỔ CHỨC THỰC HIỆN\n1. Các hợp tác xã trên địa bàn\n"
        "a) Hợp tác xã trên địa bàn chủ động tham gia khắc phục sạt lở.\n"
        "b) Liên minh Hợp tác xã, Hội Nông dân xã vận động thành viên.\n"
    )
    plan = parse_document(read_document(text.encode(), "ke-hoach.txt"), default_year=2026)
    tasks = {t.ref: t for t in plan.tasks}
    assert tasks["III.1.a"].lead == ["Các hợp tác xã trên địa bàn"]
    assert tasks["III.1.b"].lead == ["Liên minh Hợp tác xã", "Hội Nông dân xã"]


def test_a_title_left_after_its_subject_starts_with_a_capital() -> None:
    text = (
        "KẾ HOẠCH\nDọn vệ sinh kênh mương năm 2026\n\nII. PHƯƠNG ÁN\n"
        "1. Phân công\n"
        "a) Ủy ban nhân dân các ấp\nvận động hộ dân ven kênh tham gia ngày chủ nhật xanh.\n"
        "b) Hội Nông dân xã\nphát động đoàn viên nạo vét mương nội đồng.\n"
    )
    plan = parse_document(read_document(text.encode(), "kh.txt"), default_year=2026)
    titles = [t.title for t in plan.tasks]
    assert titles and all(t[:1].isupper() for t in titles), titles
    assert any(t.startswith("Vận động hộ dân") for t in titles), titles


def test_names_from_the_database_neither_hide_a_verb_nor_glue_bodies() -> None:
    """A two-word unit saved once ("Tổ chức") is also a verb; a collective listing several
    bodies, saved from one plan, must not join those bodies in another plan's sentence."""
    known = KnownNames(["Tổ chức", "Các phòng, ban ngành xã, Ủy ban Mặt trận Tổ quốc xã"])
    assert cut_at_verb("Ban nhân dân các ấp tổ chức vận chuyển hàng cứu trợ", known) == (
        "Ban nhân dân các ấp"
    )
    assert split_units("Các phòng, ban ngành xã, Ủy ban Mặt trận Tổ quốc xã", known) == [
        "Các phòng, ban ngành xã",
        "Ủy ban Mặt trận Tổ quốc xã",
    ]
    # A single body whose name joins two heads stays whole.
    assert split_units(
        "Văn phòng Hội đồng nhân dân và Ủy ban nhân dân xã",
        KnownNames(["Văn phòng Hội đồng nhân dân và Ủy ban nhân dân xã"]),
    ) == ["Văn phòng Hội đồng nhân dân và Ủy ban nhân dân xã"]


def test_a_verb_capitalised_after_a_head_word_is_part_of_the_name() -> None:
    from domain.importer.prose import trim_unit

    assert trim_unit("các Ban Xây dựng Đảng") == "các Ban Xây dựng Đảng"
    assert trim_unit("Phòng Tuyên truyền và Đào tạo") == "Phòng Tuyên truyền và Đào tạo"
    # Lower case, or capitalised after a place rather than a head word: a clause begins.
    assert trim_unit("Phòng Kinh tế xây dựng kế hoạch") == "Phòng Kinh tế"
    assert trim_unit("Ủy ban nhân dân các xã, phường Xây dựng kế hoạch") == (
        "Ủy ban nhân dân các xã, phường"
    )


def test_a_known_name_ending_in_thuoc_is_completed_not_split() -> None:
    known = KnownNames(["Các chi bộ trực thuộc", "Đảng ủy"])
    assert split_units("Các chi bộ trực thuộc Đảng ủy", known) == ["Các chi bộ trực thuộc Đảng ủy"]
    # Two names written one after the other still split where the left one is known.
    assert split_units(
        "Phòng Văn hóa - Xã hội Phòng Kinh tế", KnownNames(["Phòng Văn hóa - Xã hội"])
    ) == [
        "Phòng Văn hóa - Xã hội",
        "Phòng Kinh tế",
    ]

"""The importer's header fields: issuing body, the body above it, the plan's date.

Made-up documents for each rule, then the two sample plans in ../shared/plans when present.
"""

from __future__ import annotations

import datetime as dt

import pytest

from domain.importer.service import parse_bytes
from tests.test_import_shared_plans import KIEN_HAI, SO_TU_PHAP

TASKS = (
    "II. NHIỆM VỤ\n\n"
    "1. Tuyên truyền về an toàn giao thông cho người dân\n\n"
    "Phòng Văn hóa - Xã hội chủ trì, thực hiện trong Quý I/2027.\n\n"
    "2. Kiểm tra hành lang an toàn đường bộ\n\n"
    "Phòng Kinh tế chủ trì, thực hiện trong năm 2027.\n"
)


def parse(text: str, name: str = "ke-hoach.txt") -> object:
    return parse_bytes(text.encode(), name, None, 2027)


def test_commune_committee_gets_its_province_from_the_preamble() -> None:
    plan = parse(
        "\n\nSố: /KH-UBND\n\nHòa Bình, ngày tháng năm 2027\n\nKẾ HOẠCH\n\n"
        "Bảo đảm trật tự an toàn giao thông năm 2027\n\n"
        "Thực hiện Kế hoạch số 12/KH-UBND ngày 05/01/2027 của Ủy ban Nhân dân tỉnh Phú Thọ"
        " về bảo đảm trật tự an toàn giao thông;\n\n"
        "Ủy ban Nhân dân xã Hòa Bình ban hành Kế hoạch thực hiện như sau:\n\n" + TASKS
    )
    assert plan.issuer == "Ủy ban nhân dân xã Hòa Bình"  # type: ignore[attr-defined]
    assert plan.parent_body == "Ủy ban nhân dân tỉnh Phú Thọ"  # type: ignore[attr-defined]
    assert plan.issued_on is None  # type: ignore[attr-defined]  # the document leaves it blank


def test_department_takes_the_city_named_in_its_header() -> None:
    plan = parse(
        "Số: /KH-SGTVT\n\nĐà Nẵng, ngày 03 tháng 02 năm 2027\n\nKẾ HOẠCH\n\n"
        "Bảo đảm trật tự an toàn giao thông năm 2027\n\n"
        "Thực hiện Kế hoạch số 40/KH-UBND ngày 10/01/2027 của Ủy ban nhân dân thành phố"
        " về an toàn giao thông; Sở Giao thông vận tải ban hành Kế hoạch như sau:\n\n" + TASKS
    )
    assert plan.issuer == "Sở Giao thông vận tải"  # type: ignore[attr-defined]
    assert plan.parent_body == "Ủy ban nhân dân thành phố Đà Nẵng"  # type: ignore[attr-defined]
    assert plan.issued_on == dt.date(2027, 2, 3)  # type: ignore[attr-defined]


def test_provincial_committee_has_no_parent_and_a_doc_type_is_no_body() -> None:
    plan = parse(
        "ỦY BAN NHÂN DÂN\nTỈNH PHÚ THỌ\n\nSố: 12/KH-UBND\n\nPhú Thọ, ngày 05 tháng 01 năm 2027\n\n"
        "KẾ HOẠCH\n\nBảo đảm trật tự an toàn giao thông năm 2027\n\n"
        "Thực hiện Chỉ thị số 10/CT-TTg của Thủ tướng Chính phủ; Kế hoạch số 3/KH-UBND của"
        " Ủy ban nhân dân tỉnh Phú Thọ năm 2026.\n\n" + TASKS
    )
    assert plan.issuer == "ỦY BAN NHÂN DÂN TỈNH PHÚ THỌ"  # type: ignore[attr-defined]
    assert plan.parent_body is None  # type: ignore[attr-defined]
    resolution = parse(
        "**NGHỊ QUYẾT**\n\nBan hành Kế hoạch bảo đảm an toàn giao thông\n\n"
        "**HỘI ĐỒNG NHÂN DÂN TỈNH PHÚ THỌ**\n\nQUYẾT NGHỊ:\n\n" + TASKS
    )
    assert resolution.issuer == "HỘI ĐỒNG NHÂN DÂN TỈNH PHÚ THỌ"  # type: ignore[attr-defined]
    assert resolution.parent_body is None  # type: ignore[attr-defined]


def test_blank_header_date_is_read_from_the_annex_heading() -> None:
    plan = parse(
        "Số: 7/KH-UBND\n\nHòa Bình, ngày tháng năm 2027\n\nKẾ HOẠCH\n\n"
        "Bảo đảm trật tự an toàn giao thông năm 2027\n\n"
        "Ủy ban nhân dân xã Hòa Bình ban hành Kế hoạch thực hiện như sau:\n\n"
        + TASKS
        + "\n(Kèm theo Kế hoạch số 7/KH-UBND ngày 14/01/2027 của Ủy ban nhân dân xã)\n"
    )
    assert plan.issued_on == dt.date(2027, 1, 14)  # type: ignore[attr-defined]
    # A placeholder date ("ngày .././2027") is no date.
    blank = parse(
        "Số: /KH-UBND\n\nHòa Bình, ngày tháng năm 2027\n\nKẾ HOẠCH\n\nAn toàn giao thông\n\n"
        + TASKS
        + "\n(Kèm theo Kế hoạch số /KH-UBND ngày .././2027 của Ủy ban nhân dân xã)\n"
    )
    assert blank.issued_on is None  # type: ignore[attr-defined]


@pytest.mark.skipif(not KIEN_HAI.is_file(), reason="../shared/plans is absent")
def test_sample_plans_header() -> None:
    kien_hai = parse_bytes(KIEN_HAI.read_bytes(), KIEN_HAI.name, None, 2026)
    assert kien_hai.issuer == "Ủy ban nhân dân đặc khu Kiên Hải"
    assert kien_hai.parent_body == "Ủy ban nhân dân tỉnh An Giang"
    assert kien_hai.place == "Kiên Hải" and kien_hai.number == "/KH-UBND"
    # "ngày tháng năm 2026" and "ngày .././2026": the document carries no date to read.
    assert kien_hai.issued_on is None and kien_hai.year == 2026
    so_tu_phap = parse_bytes(SO_TU_PHAP.read_bytes(), SO_TU_PHAP.name, None, 2026)
    assert so_tu_phap.issuer == "Sở Tư pháp"
    assert so_tu_phap.parent_body == "Ủy ban nhân dân thành phố Hải Phòng"


def test_commune_header_place_is_not_its_province() -> None:
    plan = parse(
        "ỦY BAN NHÂN DÂN\nXÃ HÒA BÌNH\n\nSố: 7/KH-UBND\n\nHòa Bình, ngày 05 tháng 01 năm 2027\n\n"
        "KẾ HOẠCH\n\nBảo đảm trật tự an toàn giao thông năm 2027\n\n"
        "Căn cứ Kế hoạch của Ủy ban nhân dân tỉnh về an toàn giao thông năm 2027;\n\n" + TASKS
    )
    assert plan.parent_body is None  # type: ignore[attr-defined]


COVERING_DECISION = (
    "ỦY BAN NHÂN DÂN\nTỈNH LÂM HÀ\n\nSố: 88/QĐ-UBND\n\nLâm Hà, ngày 02 tháng 3 năm 2027\n\n"
    "QUYẾT ĐỊNH\n\nBAN HÀNH KẾ HOẠCH THỰC HIỆN ĐỀ ÁN “XÂY DỰNG XÃ HỘI HỌC TẬP”\n\n"
    "ỦY BAN NHÂN DÂN TỈNH LÂM HÀ\n\n"
    "Căn cứ Chỉ thị số 05/CT-TTg của Thủ tướng Chính phủ;\n\n"
    "Điều 1. Ban hành kèm theo Quyết định này Kế hoạch thực hiện Đề án “Xây dựng xã hội học tập”"
    " trên địa bàn tỉnh Lâm Hà.\n\n"
    "Điều 2. Quyết định này có hiệu lực kể từ ngày ký.\n\n"
    "KẾ HOẠCH\n\n"
    "THỰC HIỆN ĐỀ ÁN “XÂY DỰNG XÃ HỘI HỌC TẬP” THEO CHỈ THỊ SỐ 05/CT-TTG TRÊN ĐỊA BÀN"
    " TỈNH LÂM HÀ\n\n"
    "(Kèm theo Quyết định số 88/QĐ-UBND ngày 02 tháng 3 năm 2027 của Ủy ban nhân dân tỉnh)\n\n"
    "I. MỤC ĐÍCH\n\nĐưa Đề án vào cuộc sống; mọi người dân được học tập suốt đời.\n\n" + TASKS
)


def test_plan_title_is_its_own_heading_not_the_covering_decision() -> None:
    plan = parse(COVERING_DECISION)
    # Sentence case with each word as the body writes it: the project's name after its opening
    # quote, the instruction's code, and the province named after "tỉnh" (the body only ever
    # spells "Lâm Hà" at a sentence start, so the place rule capitalises it).
    assert plan.title == (  # type: ignore[attr-defined]
        "Thực hiện Đề án “Xây dựng xã hội học tập” theo Chỉ thị số 05/CT-TTg"
        " trên địa bàn tỉnh Lâm Hà"
    )


def test_covering_decision_subject_when_the_plan_heading_is_missing() -> None:
    plan = parse(COVERING_DECISION.split("KẾ HOẠCH\n\nTHỰC HIỆN")[0] + TASKS)
    assert plan.title.startswith("Thực hiện Đề án “Xây dựng xã hội học tập”")  # type: ignore[attr-defined]
    assert "ban hành" not in plan.title.lower()  # type: ignore[attr-defined]


def test_year_of_an_undated_title_is_the_year_in_the_annex_note() -> None:
    plan = parse(
        "NGHỊ QUYẾT\n\nBan hành Kế hoạch rà soát văn bản\n\nQUYẾT NGHỊ:\n\n"
        "KẾ HOẠCH\n\nRÀ SOÁT VĂN BẢN QUY PHẠM PHÁP LUẬT\n\n"
        "(Ban hành kèm theo Nghị quyết số 15/NQ-HĐND ngày 20 tháng 12 năm 2025 của Hội đồng"
        " nhân dân tỉnh)\n\n" + TASKS.replace("2027", "2026")
    )
    assert plan.title == "Rà soát văn bản quy phạm pháp luật"  # type: ignore[attr-defined]
    assert plan.year == 2025  # type: ignore[attr-defined]


# A Party plan copied from a PDF: every line hard-wrapped at about 80 columns, the letterhead
# fields one per line with no blank line between them, one Roman section holding the tasks.
WRAPPED_PARTY_PLAN = """ĐẢNG BỘ TỈNH BÌNH NGUYÊN
ĐẢNG ỦY XÃ SUỐI MÂY
*
Số 07-KH/ĐU
ĐẢNG CỘNG SẢN VIỆT NAM
Suối Mây, ngày 14 tháng 5 năm 2027

KẾ HOẠCH
thực hiện Chỉ thị số 09-CT/TU ngày 02/3/2026 của Ban Thường vụ Tỉnh ủy về phát
triển phong trào văn nghệ quần chúng ở cơ sở

Thực hiện Chỉ thị số 09-CT/TU ngày 02/3/2026 của Ban Thường vụ Tỉnh ủy, Ban Chấp
hành Đảng bộ xã Suối Mây xây dựng Kế hoạch thực hiện trên địa bàn xã như sau:

I. MỤC ĐÍCH, YÊU CẦU
1. Đưa phong trào văn nghệ quần chúng về từng thôn, bản; phát huy vai trò của các
câu lạc bộ văn nghệ trong đời sống tinh thần của Nhân dân.

II. NHIỆM VỤ, GIẢI PHÁP
1. Thành lập câu lạc bộ văn nghệ ở các thôn
Vận động mỗi thôn thành lập ít nhất một câu lạc bộ văn nghệ, có quy chế hoạt động
và người phụ trách.
Cơ quan thực hiện:
- Đơn vị chủ trì: Ban Tuyên giáo và Dân vận Đảng ủy.
- Đơn vị phối hợp: Văn phòng Đảng ủy.
- Thời gian: Quý III/2027.
2. Tổ chức liên hoan văn nghệ quần chúng cấp xã
Tổ chức liên hoan văn nghệ quần chúng cấp xã để các câu lạc bộ giao lưu, học hỏi
lẫn nhau.
Cơ quan thực hiện:
- Đơn vị chủ trì: Ủy ban nhân dân xã.
- Đơn vị phối hợp: Đoàn Thanh niên xã.
- Thời gian: Tháng 11/2027.
"""


def test_wrapped_party_letterhead_fields_are_read_one_per_line() -> None:
    plan = parse(WRAPPED_PARTY_PLAN)
    assert plan.issued_on == dt.date(2027, 5, 14)  # type: ignore[attr-defined]
    assert plan.number == "07-KH/ĐU"  # type: ignore[attr-defined]
    assert plan.issuer.lower() == "đảng ủy xã suối mây"  # type: ignore[attr-defined]
    assert plan.parent_body.lower() == "đảng bộ tỉnh bình nguyên"  # type: ignore[attr-defined]
    # The year is the plan's own, not that of the directive its title cites.
    assert plan.year == 2027  # type: ignore[attr-defined]


def test_tasks_in_a_single_roman_section_keep_its_numeral() -> None:
    plan = parse(WRAPPED_PARTY_PLAN)
    assert [t.ref for t in plan.tasks] == ["II.1", "II.2"]  # type: ignore[attr-defined]

"""The normalisation stage and the outline detectors, each on its own."""

from __future__ import annotations

from domain.importer.model import Para, Table
from domain.importer.normalise import looks_like_web_text, normalise_text, strip_markup
from domain.importer.outline import build_outline, find_tasks, leading_unit, ref_of
from domain.importer.parse import _cut_at_verb, _take_inline
from domain.importer.unitnames import KnownNames

WEB = """Bản dịch này thuộc quyền sở hữu của **THƯ VIỆN PHÁP LUẬT**.
Đang tải văn bản...
|
**ỦY BAN NHÂN
DÂN**
**XÃ HÒA AN**
|
**CỘNG HÒA XÃ
HỘI CHỦ NGHĨA VIỆT NAM**
|
|
Số: 7/KH-UBND
|
*Hòa An, ngày
09 tháng 4 năm 2026*
|


**KẾ HOẠCH**

Căn cứ tình hình
thực tế của địa phương, Ủy ban nhân dân xã ban hành
Kế hoạch như sau:

**I. NHIỆM
VỤ**

1. Trạm Y tế xã chủ trì, phối hợp với
Hội Liên hiệp Phụ nữ xã tổ chức khám sức khỏe cho người cao tuổi trong quý
III/2026.

12

|
**STT**
|
**Nội dung**
|
**Chủ trì**
|
**Thời gian**
|
|
1
|
Rà soát danh sách hộ
nghèo
|
Công an xã
|
Quý II/2026
|
|
|
Lập hồ sơ đề nghị hỗ trợ
|
Phòng Văn hóa - Xã hội
|
|
"""


def test_web_text_becomes_clean_paragraphs_and_tables() -> None:
    assert looks_like_web_text(WEB)
    blocks = normalise_text(WEB)
    paras = [b.text for b in blocks if isinstance(b, Para)]
    tables = [b for b in blocks if isinstance(b, Table)]
    # Boilerplate gone, letterhead rebuilt as a 2-column table, bold and wraps undone.
    assert not any("THƯ VIỆN" in p for p in paras)
    assert tables[0].rows[0] == ["ỦY BAN NHÂN DÂN\nXÃ HÒA AN", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"]
    assert tables[0].rows[1] == ["Số: 7/KH-UBND", "Hòa An, ngày 09 tháng 4 năm 2026"]
    assert (
        "Căn cứ tình hình thực tế của địa phương, Ủy ban nhân dân xã ban hành Kế hoạch như sau:"
        in paras
    )
    assert "I. NHIỆM VỤ" in paras
    item = next(p for p in paras if p.startswith("1. Trạm Y tế"))
    assert item.endswith("trong quý III/2026.") and "\n" not in item
    assert "12" not in paras  # a page number
    # The vertical table: a row with an empty first cell (a run of three "|" lines).
    assert tables[1].rows == [
        ["STT", "Nội dung", "Chủ trì", "Thời gian"],
        ["1", "Rà soát danh sách hộ nghèo", "Công an xã", "Quý II/2026"],
        ["", "Lập hồ sơ đề nghị hỗ trợ", "Phòng Văn hóa - Xã hội"],
    ]
    heading = next(b for b in blocks if isinstance(b, Para) and b.text == "I. NHIỆM VỤ")
    assert heading.bold and heading.line == 25


def test_markup_and_plain_files() -> None:
    assert strip_markup("**1.** Sở Tài chính *(đầu mối)*") == "1. Sở Tài chính (đầu mối)"
    assert strip_markup("<b>Phòng</b> Kinh tế") == "Phòng Kinh tế"
    plain = "\n".join(
        f"{i}. Một dòng đầy đủ của văn bản Word không ngắt dòng." * 3 for i in range(30)
    )
    assert not looks_like_web_text(plain)


def test_a_dash_continuing_a_hyphenated_name_across_a_wrap_is_no_bullet() -> None:
    from domain.importer.normalise import Line, unwrap

    lines = [
        "- Đơn vị phối hợp: Hội Cựu chiến binh xã, Hội Nông dân xã và các tổ chức chính trị",
        "- xã hội của thôn.",
        "- Các nội dung gồm:",
        "- tuyên truyền",
        "- tập huấn",
    ]
    paras = [p.text for p in unwrap([Line(i + 1, t) for i, t in enumerate(lines)])]
    assert paras[0].endswith("các tổ chức chính trị - xã hội của thôn.")
    # A short list item with a lower-case start is still a bullet of its own.
    assert paras[1:] == ["- Các nội dung gồm:", "- tuyên truyền", "- tập huấn"]


def _outline(text: str):  # type: ignore[no-untyped-def]
    return build_outline([Para(line, line=i + 1) for i, line in enumerate(text.splitlines())])


def test_outline_refs_keep_the_documents_numbering() -> None:
    root = _outline(
        "I. MỤC ĐÍCH\n1. Mục đích\nII. TỔ CHỨC THỰC HIỆN\n1. Sở Tài chính\n"
        "a) Bố trí kinh phí.\nb) Hướng dẫn thanh toán.\n2. Công an tỉnh: bảo đảm an ninh."
    )
    second = root.children[1]
    assert [ref_of(n) for n in second.children] == ["II.1", "II.2"]
    assert [ref_of(n) for n in second.children[0].children] == ["II.1.a", "II.1.b"]


def test_duties_by_body_one_task_per_lettered_sub_item() -> None:
    known = KnownNames()
    root = _outline(
        "III. TỔ CHỨC THỰC HIỆN\n1. Sở Y tế\na) Chủ trì, phối hợp với Sở Tài chính lập dự toán.\n"
        "b) Tập huấn cho cán bộ y tế cơ sở.\n2. Sở Nội vụ: là cơ quan thường trực, theo dõi, "
        "đôn đốc, tổng hợp kết quả.\n3. Đề nghị Ủy ban Mặt trận Tổ quốc Việt Nam tỉnh: vận động "
        "Nhân dân tham gia."
    )
    found = find_tasks(
        root,
        known,
        lambda t: _cut_at_verb(t, known),
        lambda t: "Sở Tài chính" if "Sở Tài chính" in t else "",
        _take_inline,
    )
    got = [(f.ref, f.lead, f.support, f.source) for f in found]
    assert got == [
        ("III.1.a", "Sở Y tế", "Sở Tài chính", "duty"),
        ("III.1.b", "Sở Y tế", "", "duty"),
        # III.2 is only the coordinator's own clause: not a task.
        ("III.3", "Ủy ban Mặt trận Tổ quốc Việt Nam tỉnh", "", "duty"),
    ]


def test_leading_unit_is_never_a_verb_or_a_topic() -> None:
    known = KnownNames()

    def cut(text: str) -> str:
        return _cut_at_verb(text, known)

    assert leading_unit("Tổ chức hội thi tìm hiểu pháp luật", known, cut) == (
        "",
        "Tổ chức hội thi tìm hiểu pháp luật",
    )
    assert leading_unit("Giao Phòng Kinh tế chủ trì kiểm tra chợ", known, cut)[0] == "Phòng Kinh tế"
    assert leading_unit("Các nội dung cần thực hiện", known, cut)[0] == ""

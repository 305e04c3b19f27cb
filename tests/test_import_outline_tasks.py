# ruff: noqa: E501
"""Which items of a plan's outline are tasks, and their refs: topics and encouragements among
actions, bodies' entries, explicit assignments, the issuer's own acts, closing words, wrapped
lines. Plans invented for the tests."""

from __future__ import annotations

from functools import cache

from domain.importer.model import Para, ParsedPlan, ParsedTask
from domain.importer.normalise import normalise_text
from domain.importer.parse import parse_document
from domain.importer.readers import read_document

PLAN = """ỦY BAN NHÂN DÂN
TỈNH AN HÒA
Số: 45/KH-UBND
An Hòa, ngày 10 tháng 4 năm 2026

KẾ HOẠCH
Phát triển điểm đọc sách cộng đồng năm 2026

I. MỤC ĐÍCH, YÊU CẦU
1. Nâng cao văn hóa đọc trong Nhân dân.

II. PHẠM VI, ĐỐI TƯỢNG VÀ PHƯƠNG ÁN HỖ TRỢ
1. Phạm vi: các xã miền núi của tỉnh.
2. Phương án cấp sách
- Giai đoạn đầu: chuyển sách đến các điểm đọc, ưu tiên các thôn vùng cao cấp độ
1. Bổ sung sách thiếu nhi cho các điểm đọc đã có.
- Ủy ban nhân dân các xã bố trí phòng đọc tại nhà văn hóa thôn.

III. NHIỆM VỤ, GIẢI PHÁP
1. Hạ tầng điểm đọc
- Khuyến khích các hội khuyến học quyên góp sách cũ cho điểm đọc.
a) Nâng cấp phòng đọc của thư viện tỉnh.
2. Doanh nghiệp xuất bản
a) Phát hành sách giá thấp cho vùng khó khăn.
b) Tặng sách cho trường học vùng cao.
3. Xã hội hóa nguồn sách
a) Vận động các nhà hảo tâm góp sách.
b) Khuyến khích các doanh nghiệp in ấn tài trợ giấy in cho các tủ sách cộng đồng.
c) Tổ chức ngày hội đọc sách vào tháng 4 hằng năm.
4. Tiêu chí đánh giá
a) Trên cơ sở số lượt mượn sách của từng điểm đọc, giao Sở Văn hóa, Thể thao và Du lịch tổ chức chấm điểm các điểm đọc cấp xã.
b) Điểm đọc đạt từ 80 điểm được xếp loại tốt.
5. Cấp sách cho trường học: Sở Giáo dục và Đào tạo phối hợp với Trung tâm Văn hóa tỉnh lập danh mục sách cho các trường.
6. Hình thức: Hội nghị cấp tỉnh tổ chức trực tuyến đến các xã.
7. Khen thưởng
a) Chủ tịch Ủy ban nhân dân tỉnh xem xét tặng Bằng khen cho các điểm đọc tiêu biểu.

IV. TỔ CHỨC THỰC HIỆN
1. Sở Văn hóa, Thể thao và Du lịch
Chủ trì xây dựng mạng lưới điểm đọc trên địa bàn tỉnh.
2. Đài Phát thanh và Truyền hình tỉnh; Báo An Hòa điện tử
Đưa tin thường xuyên về hoạt động của các điểm đọc.
3. Tỉnh đoàn
Vận động đoàn viên làm tình nguyện viên tại các điểm đọc.
4. Ủy ban nhân dân các xã
a) Bố trí phòng đọc và người trông coi.
b) Chủ tịch Ủy ban nhân dân xã chịu trách nhiệm trước Chủ tịch Ủy ban nhân dân tỉnh về hiệu quả hoạt động của điểm đọc trên địa bàn, tăng cường kiểm tra, đôn đốc các thôn giữ gìn sách.
5. Khuyến khích các doanh nghiệp trên địa bàn
Tài trợ tủ sách cho các điểm đọc.
6. Đề nghị Văn phòng Tỉnh ủy, Ban Tuyên giáo và Dân vận Tỉnh ủy, Ủy ban Mặt trận Tổ quốc Việt Nam tỉnh, Hội Liên hiệp Phụ nữ tỉnh, Hội Nông dân tỉnh, Hội Cựu chiến binh tỉnh, Liên đoàn Lao động tỉnh, Tòa án nhân dân tỉnh, Viện kiểm sát nhân dân tỉnh, Kho bạc nhà nước khu vực IX, Ngân hàng nhà nước khu vực 5 tăng cường tuyên truyền phong trào đọc sách trong cán bộ, công chức.
7. Giao Sở Văn hóa, Thể thao và Du lịch chủ trì, phối hợp với các sở, ngành theo dõi, đôn đốc việc thực hiện Kế hoạch này; tổng hợp báo cáo Ủy ban nhân dân tỉnh.

Trong quá trình triển khai thực hiện, nếu có phát sinh khó khăn, vướng mắc, các sở, ban, ngành và Ủy ban nhân dân các xã kịp thời phản ánh về Sở Văn hóa, Thể thao và Du lịch để tổng hợp, tham mưu Ủy ban nhân dân tỉnh xem xét, điều chỉnh cho phù hợp.

Kế hoạch này thay thế Kế hoạch số 12/KH-UBND ngày 05/01/2025 của Ủy ban nhân dân tỉnh An Hòa về phát triển điểm đọc sách cộng đồng trên địa bàn tỉnh giai đoạn trước.
"""


@cache
def _tasks() -> dict[str, ParsedTask]:
    plan: ParsedPlan = parse_document(
        read_document(PLAN.encode(), "ke-hoach.txt"), default_year=2026
    )
    return {t.ref: t for t in plan.tasks}


def test_a_number_breaking_the_numbering_after_a_cut_sentence_is_a_wrapped_line() -> None:
    tasks = _tasks()
    # "1. Bổ sung …" goes on with the bullet above it; the body named below stays in item 2.
    assert tasks["II.2"].lead == ["Ủy ban nhân dân các xã"]
    assert "II.1" not in tasks


def test_a_scope_heading_that_also_names_the_work_is_not_context_only() -> None:
    assert "II.2" in _tasks()


def test_a_bare_name_among_topics_is_a_topic_not_a_body() -> None:
    assert not any(ref.startswith("III.2") for ref in _tasks())


def test_an_encouragement_among_actions_is_a_policy_not_a_task() -> None:
    tasks = _tasks()
    assert "III.3.b" not in tasks
    assert "III.1" not in tasks  # its bullet "Khuyến khích các hội …" either


def test_an_encouragement_among_bodies_entries_is_a_task() -> None:
    assert [u.lower() for u in _tasks()["IV.5"].lead] == ["các doanh nghiệp trên địa bàn"]


def test_an_explicit_assignment_counts_inside_a_criteria_section() -> None:
    tasks = _tasks()
    assert tasks["III.4.a"].lead == ["Sở Văn hóa, Thể thao và Du lịch"]
    assert "III.4.b" not in tasks


def test_the_body_after_a_topic_and_a_colon_is_the_lead() -> None:
    tasks = _tasks()
    assert tasks["III.5"].lead == ["Sở Giáo dục và Đào tạo"]
    assert tasks["III.5"].support == ["Trung tâm Văn hóa tỉnh"]
    assert "III.6" not in tasks  # "Hình thức: Hội nghị …": a conference is not a body


def test_the_issuers_own_chairman_acting_is_not_a_task() -> None:
    assert "III.7.a" not in _tasks()


def test_a_heading_listing_bodies_split_by_semicolons_is_their_names() -> None:
    assert _tasks()["IV.2"].lead == ["Đài Phát thanh và Truyền hình tỉnh", "Báo An Hòa điện tử"]


def test_a_short_name_among_bodies_entries_is_a_body() -> None:
    task = _tasks()["IV.3"]
    assert task.lead == ["Tỉnh đoàn"]
    assert task.title.startswith("Vận động đoàn viên")


def test_a_sub_item_whose_main_clause_is_other_work_is_a_task_despite_urging() -> None:
    assert _tasks()["IV.4.b"].lead == ["Ủy ban nhân dân xã"]


def test_a_long_list_of_bodies_asked_to_act_is_read() -> None:
    lead = _tasks()["IV.6"].lead
    assert "Tòa án nhân dân tỉnh" in lead
    assert "Ngân hàng nhà nước khu vực 5" in lead


def test_closing_paragraphs_do_not_turn_the_coordinators_clause_into_a_task() -> None:
    assert "IV.7" not in _tasks()


def test_a_short_bullet_line_is_no_title_so_a_wrapped_list_of_bodies_stays_whole() -> None:
    text = "2. Phối hợp liên ngành\n\n- Hội Liên hiệp Phụ nữ, Đoàn\nThanh niên, Hội Nông dân tặng sách cho các điểm đọc.\n"
    paras = [b.text for b in normalise_text(text) if isinstance(b, Para)]
    assert (
        paras[-1]
        == "- Hội Liên hiệp Phụ nữ, Đoàn Thanh niên, Hội Nông dân tặng sách cho các điểm đọc."
    )


WARD_PLAN = """ỦY BAN NHÂN DÂN
PHƯỜNG BẾN GỖ
Số: 21/KH-UBND
Bến Gỗ, ngày 03 tháng 2 năm 2027

KẾ HOẠCH
Xây dựng tuyến phố văn minh năm 2027

I. MỤC ĐÍCH, YÊU CẦU
1. Mỗi khu phố có ít nhất một tuyến phố đạt chuẩn văn minh.

II. NHIỆM VỤ
1. Trồng cây xanh trên các tuyến phố
Giao Phòng Kinh tế, Hạ tầng và Đô thị chủ trì, phối hợp với các Ban điều hành khu phố trồng bổ sung cây xanh trên các tuyến phố chính, hoàn thành trong quý II/2027.
2. Vận động hộ kinh doanh giữ vỉa hè thông thoáng
Định kỳ hằng quý, đề nghị Hội Liên hiệp Phụ nữ phường chủ trì, phối hợp với Đoàn Thanh niên phường vận động các hộ kinh doanh ký cam kết không lấn chiếm vỉa hè.

III. TỔ CHỨC THỰC HIỆN
1. Văn phòng HĐND và UBND phường: Là đầu mối giúp Ủy ban nhân dân phường theo dõi, đôn đốc, tổng hợp kết quả; tham mưu tổ chức hội nghị tổng kết và đề xuất biểu dương các khu phố làm tốt.
2. Công an phường: Tổ chức tuần tra, xử lý lấn chiếm vỉa hè vào các buổi tối cuối tuần.
3. Phòng Văn hóa - Xã hội: Biên soạn tờ rơi hướng dẫn nếp sống văn minh cho các hộ gia đình.
Các phòng, đơn vị và các Ban điều hành khu phố gửi báo cáo kết quả thực hiện về Ủy ban nhân dân phường định kỳ 6 tháng (trước ngày 10/6) và năm (trước ngày 10/12).
"""


@cache
def _ward_tasks() -> dict[str, ParsedTask]:
    plan: ParsedPlan = parse_document(
        read_document(WARD_PLAN.encode(), "ke-hoach.txt"), default_year=2027
    )
    return {t.ref: t for t in plan.tasks}


def test_a_time_adverbial_before_the_assignment_still_names_who_acts() -> None:
    task = _ward_tasks()["II.2"]
    assert task.lead == ["Hội Liên hiệp Phụ nữ phường"]


def test_the_coordinators_entry_with_other_work_after_its_role_is_a_task() -> None:
    assert _ward_tasks()["III.1"].lead == ["Văn phòng HĐND và UBND phường"]


def test_the_reporting_paragraph_after_the_last_entry_is_not_part_of_it() -> None:
    task = _ward_tasks()["III.3"]
    assert "báo cáo" not in (task.quote or "")
    assert task.timeframe.due is None

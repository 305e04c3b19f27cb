"""The timeframe a duty's or a prose item's own words give it (domain/importer/fields.py)."""

from __future__ import annotations

import datetime as dt

import pytest

from db.models import PeriodKind, ScheduleKind
from domain.importer.fields import cadence_in, dated_by_schedule, schedule_items, text_timeframe
from domain.importer.model import Document
from domain.importer.normalise import normalise_text
from domain.importer.parse import parse_document
from domain.importer.unitnames import KnownNames, split_units
from domain.periods import RuleSpec
from domain.timeframes import parse_reporting, parse_timeframe
from domain.units import unit_key

# The main action of a task's text: spans, "then ongoing", and sentences that date nothing.
_MAIN_ACTION_CASES = [
    # A cadence after the verb of the item's one clause; a dash inside a name is no bullet.
    (
        "Giao Phòng Kế hoạch - Đầu tư chủ trì, phối hợp với Hội Cựu chiến binh xã kiểm tra"
        " thường xuyên các điểm khai thác cát; xử lý nghiêm các trường hợp vi phạm.",
        "recurring",
        None,
        None,
    ),
    # A cadence in a purpose clause qualifies that clause only.
    (
        "Trung tâm Dịch vụ nông nghiệp xây dựng sổ tay điện tử để nông dân tra cứu thường xuyên.",
        None,
        None,
        None,
    ),
    # A short object between "hoàn thành" and the year.
    (
        "Đoàn Thanh niên xã vận động thanh niên trồng cây, phấn đấu hoàn thành 3.000 cây xanh"
        " dọc tuyến đê trong năm 2027.",
        "one_off",
        "2027-12-31",
        None,
    ),
    # A deadline, then the work carried on: composite, due at the deadline.
    (
        "Ban Quản lý chợ sắp xếp lại các quầy hàng, hoàn thành trong tháng 5/2026; sau đó duy"
        " trì kiểm tra thường xuyên, không để lấn chiếm trở lại.",
        "composite",
        "2026-05-31",
        None,
    ),
    # A span of days: done by its last day.
    (
        "Công an xã bố trí lực lượng trực tại các bến đò trong mùa lũ từ ngày 01/9/2026 đến"
        " ngày 30/11/2026.",
        "one_off",
        "2026-11-30",
        None,
    ),
    # A later sentence with the plan's reporting regime dates nothing in the task.
    (
        "Tham gia giám sát việc sắp xếp quầy hàng. Các ban, ngành báo cáo kết quả về Ủy ban"
        " nhân dân xã định kỳ 6 tháng (trước ngày 10/6) và năm (trước ngày 10/12).",
        None,
        None,
        None,
    ),
]


@pytest.mark.parametrize(
    ("text", "kind", "due", "recurrence"),
    [
        ("Thường xuyên rà soát, cập nhật cơ sở dữ liệu.", "recurring", None, None),
        ("Hằng năm, tổ chức kiểm tra việc thực hiện.", "recurring", "2026-12-31", "annual"),
        (
            "Tổng hợp, báo cáo kết quả; hoàn thành trước ngày 31/5/2026.",
            "one_off",
            "2026-05-31",
            None,
        ),
        (
            "Đánh giá kết quả, báo cáo định kỳ hằng năm hoặc đột xuất.",
            "recurring",
            "2026-12-31",
            "annual",
        ),
        (
            "Chủ trì bố trí kinh phí chi thường xuyên hằng năm để thực hiện.",
            "recurring",
            "2026-12-31",
            "annual",
        ),
        ("Xây dựng phương án phân bổ kế hoạch đầu tư công trung hạn, hằng năm.", None, None, None),
        ("Chủ trì thực hiện Dự án 6 theo chỉ đạo của Bộ Y tế.", "inherited", None, None),
        (
            "Triển khai hạ tầng định danh theo chương trình, kế hoạch của Bộ Công an.",
            "inherited",
            None,
            None,
        ),
        (
            "Đề xuất danh sách cá nhân tiêu biểu để khen thưởng (nếu có nhu cầu).",
            "event_driven",
            None,
            None,
        ),
        (
            "Cụ thể hóa các chỉ tiêu vào kế hoạch của phường. Thời gian thực hiện: 2026 - 2030.",
            "one_off",
            "2030-12-31",
            "annual",
        ),
        # A later clause's adverb or occasion qualifies that clause only.
        (
            "Ghi chép số liệu; cung cấp thông tin khi có yêu cầu của cơ quan có thẩm quyền.",
            None,
            None,
            None,
        ),
        ("Tuyên truyền cho người dân; tổng hợp kết quả hằng năm.", None, None, None),
        ("Hỗ trợ lực lượng y tế xã khi cần thiết.", "event_driven", None, None),
        # A yearly cadence keeps the day, month or quarter it falls on.
        ("Tổ chức hội nghị tổng kết vào tháng 11 hằng năm.", "recurring", "2026-11-30", "annual"),
        ("Trong quý II hằng năm, rà soát danh sách hộ.", "recurring", "2026-06-30", "annual"),
        ("Gửi số liệu thống kê trước ngày 20/10 hàng năm.", "recurring", "2026-10-20", "annual"),
        # Weekly and daily duties are ongoing, reported every period of the regime.
        ("Hằng tuần, rà soát số hộ cần hỗ trợ gửi về xã.", "recurring", None, None),
        ("Mỗi ngày cập nhật mực nước các hồ chứa.", "recurring", None, None),
        (
            "Kiện toàn tổ công nghệ số cộng đồng. Thời điểm hoàn thành: quý II/2026.",
            "one_off",
            "2026-06-30",
            None,
        ),
        # "mỗi năm" is "hằng năm".
        ("Mỗi năm mở ít nhất hai lớp tập huấn cho cán bộ.", "recurring", "2026-12-31", "annual"),
        # A monthly benefit is not monthly work.
        ("Lập danh sách chi trả trợ cấp xã hội cho người cao tuổi hằng tháng.", None, None, None),
        ("Rà soát hồ sơ hưởng phụ cấp, trợ cấp hàng tháng của thôn.", None, None, None),
        # A deadline counted from receipt, also without "trong thời hạn".
        (
            "Gửi ý kiến về Văn phòng 05 ngày làm việc kể từ ngày nhận được dự thảo.",
            "one_off",
            None,
            None,
        ),
        (
            "Hoàn thiện hồ sơ trong 15 ngày kể từ ngày có kết quả thẩm định.",
            "one_off",
            None,
            None,
        ),
        *_MAIN_ACTION_CASES,
    ],
)
def test_text_timeframe(
    text: str, kind: str | None, due: str | None, recurrence: str | None
) -> None:
    tf = text_timeframe(text, 2026)
    if kind is None:
        assert tf is None
        return
    assert tf is not None
    assert (tf.kind.value, tf.due.isoformat() if tf.due else None) == (kind, due)
    assert (tf.recurrence.value if tf.recurrence else None) == recurrence
    # The words kept read back to the same schedule (a re-import re-reads them).
    again = parse_timeframe(tf.text, 2026)
    assert (again.kind, again.due, again.recurrence) == (tf.kind, tf.due, tf.recurrence)


def test_cadence_word_that_names_a_plan_or_spending_is_not_a_cadence() -> None:
    assert cadence_in("lập kế hoạch hằng năm của đơn vị") is None
    assert cadence_in("bố trí kinh phí chi thường xuyên") is None
    assert cadence_in("định kỳ 6 tháng kiểm tra") == "định kỳ 6 tháng"


def test_how_often_something_happens_at_a_place_is_not_a_cadence() -> None:
    assert cadence_in("lắp biển cảnh báo tại các đoạn đê thường xuyên sạt lở") is None
    assert cadence_in("kiểm tra thường xuyên các đoạn đê xung yếu") == "thường xuyên"


def test_periodic_words_with_a_cadence_are_yearly_not_ongoing() -> None:
    tf = parse_timeframe("định kỳ hằng năm", 2026)
    assert (tf.kind, tf.due, tf.recurrence) == (
        ScheduleKind.RECURRING,
        dt.date(2026, 12, 31),
        PeriodKind.ANNUAL,
    )
    assert parse_timeframe("định kỳ", 2026).kind is ScheduleKind.RECURRING
    assert parse_timeframe("theo chỉ đạo của Bộ Y tế", 2026).kind is ScheduleKind.INHERITED


@pytest.mark.parametrize(
    ("text", "names"),
    [
        (
            "Các sở, ban, ngành, Ủy ban nhân dân các xã, phường",
            ["Các sở, ban, ngành, Ủy ban nhân dân các xã, phường"],
        ),
        (
            "Các sở, ban, ngành, các tổ chức chính trị - xã hội",
            ["Các sở, ban, ngành, các tổ chức chính trị - xã hội"],
        ),
        # "và" splits; so does a list that names a specific unit first.
        (
            "các Sở, ban, ngành, Ủy ban nhân dân cấp xã và các cơ quan, đơn vị có liên quan",
            ["các Sở, ban, ngành", "Ủy ban nhân dân cấp xã", "các cơ quan, đơn vị có liên quan"],
        ),
        (
            "Thường trực Hội đồng Dân tộc, các Ủy ban của Quốc hội, các cơ quan thuộc Ủy ban",
            ["Thường trực Hội đồng Dân tộc", "các Ủy ban của Quốc hội", "các cơ quan thuộc Ủy ban"],
        ),
        ("Các phòng, ban, ngành, các đơn vị", ["Các phòng, ban, ngành", "các đơn vị"]),
    ],
)
def test_comma_joined_collectives(text: str, names: list[str]) -> None:
    assert split_units(text) == names


def test_department_abbreviations_match_their_full_names() -> None:
    assert unit_key("Sở KH&CN") == unit_key("Sở Khoa học và Công nghệ")
    assert unit_key("Bộ CHQS tỉnh") == unit_key("Bộ Chỉ huy Quân sự tỉnh")
    assert unit_key("Sở TN&MT") == unit_key("Sở Tài nguyên và Môi trường")


@pytest.mark.parametrize(
    ("short", "full"),
    [
        ("Chi cục BVMT", "Chi cục Bảo vệ môi trường"),
        ("Chi cục PTNT", "Chi cục Phát triển nông thôn"),
        ("Phòng KH-TC", "Phòng Kế hoạch - Tài chính"),
        ("Phòng TC-KH", "Phòng Tài chính - Kế hoạch"),
        ("Đài PT-TH huyện", "Đài Phát thanh - Truyền hình huyện"),
        ("Sở KH&ĐT", "Sở Kế hoạch và Đầu tư"),
        ("Sở VH,TT&DL", "Sở Văn hóa, Thể thao và Du lịch"),
        ("Sở NN&PTNT", "Sở Nông nghiệp và Phát triển nông thôn"),
        ("Phòng NV", "Phòng Nội vụ"),
        ("UBKT Đảng ủy", "Ủy ban Kiểm tra Đảng ủy"),
    ],
)
def test_standard_office_abbreviations_match_their_full_names(short: str, full: str) -> None:
    assert unit_key(short) == unit_key(full)


def test_an_abbreviation_reads_as_the_full_name_the_plan_writes() -> None:
    from domain.importer.unitnames import spelled_out

    body = (
        "Giao Trung tâm Văn hóa - Thể thao huyện chủ trì. Đội Quản lý trật tự đô thị và Phòng"
        " Kinh tế phối hợp. Sở Công Thương, Phòng Kế hoạch - Tài chính thẩm định."
    )
    assert spelled_out("Trung tâm VH-TT huyện", body) == "Trung tâm Văn hóa - Thể thao huyện"
    # The name ends before "và Phòng …", another unit.
    assert spelled_out("Đội QLTTĐT", body) == "Đội Quản lý trật tự đô thị"
    # Letters that are only the start of a longer name, or no such name: as written.
    assert spelled_out("Phòng KH", body) is None
    assert spelled_out("Phòng GDĐT", body) is None
    assert spelled_out("Trung tâm Văn hóa - Thể thao II", body) is None
    # Already the same key (a built-in abbreviation): kept as written.
    assert spelled_out("Phòng KH-TC", body) is None
    known = KnownNames()
    known.learn_short_forms([body])
    assert split_units("Trung tâm VH-TT huyện; Đội QLTTĐT", known) == [
        "Trung tâm Văn hóa - Thể thao huyện",
        "Đội Quản lý trật tự đô thị",
    ]


def test_a_known_name_ending_in_thuoc_is_not_split_from_its_body() -> None:
    known = KnownNames(["Các trường trực thuộc"])
    assert split_units("Các trường trực thuộc Phòng Giáo dục", known) == [
        "Các trường trực thuộc Phòng Giáo dục"
    ]


def test_an_abbreviation_with_commas_is_not_split() -> None:
    assert split_units("Sở VH,TT&DL; Ban quản lý chợ") == ["Sở VH,TT&DL", "Ban quản lý chợ"]
    assert split_units("Sở VH,TT&DL, Công an huyện") == ["Sở VH,TT&DL", "Công an huyện"]
    # A spaced list of short names still splits.
    assert split_units("Sở TC, Sở XD") == ["Sở TC", "Sở XD"]


def test_generic_tail_after_named_units_is_its_own_entry() -> None:
    assert split_units(
        "các bộ, cơ quan ngang bộ, Ủy ban nhân dân các tỉnh, cơ quan, tổ chức khác có liên quan"
    ) == [
        "các bộ, cơ quan ngang bộ, Ủy ban nhân dân các tỉnh",
        "cơ quan, tổ chức khác có liên quan",
    ]
    assert split_units("Các cơ quan, đơn vị có liên quan") == ["Các cơ quan, đơn vị có liên quan"]
    assert split_units("Sở Tài chính và cơ quan, địa phương liên quan") == [
        "Sở Tài chính",
        "cơ quan, địa phương liên quan",
    ]


def test_yearly_report_dated_in_its_first_year_is_an_annual_rule() -> None:
    rules = parse_reporting(
        "Các đơn vị báo cáo kết quả về Ủy ban nhân dân xã định kỳ hằng quý trước ngày 15 của"
        " tháng cuối quý và báo cáo năm trước ngày 10/12/2026."
    )
    assert rules == [
        RuleSpec(PeriodKind.QUARTERLY, 15, None),
        RuleSpec(PeriodKind.ANNUAL, 10, 12),
    ]


def test_one_bodys_own_yearly_report_duty_is_not_the_units_regime() -> None:
    assert parse_reporting("Tổ chức đánh giá, báo cáo kết quả thực hiện Đề án hàng năm.") == []
    assert parse_reporting(
        "Định kỳ 6 tháng các cơ quan báo cáo kết quả thực hiện gửi về Sở Y tế để tổng hợp."
    ) == [RuleSpec(PeriodKind.SEMIANNUAL, 31, None)]


def test_kinds_of_bodies_listed_without_cac_are_one_collective() -> None:
    assert split_units("sở, ban, ngành, Ủy ban nhân dân xã, phường") == [
        "sở, ban, ngành, Ủy ban nhân dân xã, phường"
    ]


def test_prepositions_and_verbs_end_a_name_but_not_inside_a_word() -> None:
    from domain.importer.prose import cut_at_verb

    known = KnownNames()
    assert cut_at_verb("các Đoàn thể tỉnh bằng nhiều hình thức", known) == "các Đoàn thể tỉnh"
    assert cut_at_verb("UBND các xã dựng nhà bạt", known) == "UBND các xã"
    assert (
        cut_at_verb("Viện Lúa đồng bằng sông Cửu Long tuyên truyền", known)
        == "Viện Lúa đồng bằng sông Cửu Long"
    )


def test_a_name_wrapped_after_mat_tran_is_joined() -> None:
    from domain.importer.normalise import normalise_text

    blocks = normalise_text("3. Đề nghị Ủy ban Mặt trận\nTổ quốc Việt Nam xã tuyên truyền.\n")
    assert [b.text for b in blocks] == [
        "3. Đề nghị Ủy ban Mặt trận Tổ quốc Việt Nam xã tuyên truyền."
    ]


def test_partners_of_the_issuer_are_not_the_bodys_and_one_catch_all_is_enough() -> None:
    from domain.importer.prose import drop_generic, partners
    from domain.importer.unitnames import KnownNames

    text = "Tham mưu Ủy ban nhân dân tỉnh phối hợp các bộ, ngành Trung ương xây dựng Đề án."
    assert partners(text, KnownNames()) == ""
    assert drop_generic(["các sở, ngành có liên quan", "các sở, ban, ngành có liên quan"]) == [
        "các sở, ngành có liên quan"
    ]


def test_a_numbered_name_wrapped_before_its_verb_is_joined() -> None:
    from domain.importer.normalise import normalise_text

    text = (
        "3. Bộ Tư lệnh\nThành phố chủ trì, phối hợp với Sở Y tế.\n"
        "4. Sở Tài chính\nChủ trì bố trí.\n"
    )
    assert [b.text for b in normalise_text(text)] == [
        "3. Bộ Tư lệnh Thành phố chủ trì, phối hợp với Sở Y tế.",
        "4. Sở Tài chính",
        "Chủ trì bố trí.",
    ]


def test_a_relative_deadline_in_the_task_text_is_a_one_off_without_date() -> None:
    tf = text_timeframe(
        "Xây dựng kế hoạch, gửi về Sở trong thời hạn 10 ngày kể từ ngày nhận.", 2026
    )
    assert tf is not None and (tf.kind, tf.due) == (ScheduleKind.ONE_OFF, None)


def test_thong_tan_xa_is_a_unit_of_its_own_in_a_list() -> None:
    assert split_units("Đài Truyền hình Việt Nam, Thông tấn xã Việt Nam") == [
        "Đài Truyền hình Việt Nam",
        "Thông tấn xã Việt Nam",
    ]


def test_a_short_form_the_plan_defines_reads_as_the_full_name() -> None:
    from domain.importer.unitnames import KnownNames, defined_short_forms

    text = (
        "Căn cứ kết quả chấm điểm của Ban Thi đua - Khen thưởng ngành Giáo dục huyện"
        " (sau đây gọi tắt là Ban thi đua), Ủy ban nhân dân các thôn, bản (viết tắt là UBND"
        " cấp thôn) và Chương trình mục tiêu (sau đây gọi tắt là Chương trình)."
    )
    assert defined_short_forms(text) == [
        ("Ban Thi đua - Khen thưởng ngành Giáo dục huyện", "Ban thi đua"),
        ("Ủy ban nhân dân các thôn, bản", "UBND cấp thôn"),
    ]
    known = KnownNames()
    known.learn_short_forms([text])
    assert split_units("Ban thi đua; UBND cấp thôn", known) == [
        "Ban Thi đua - Khen thưởng ngành Giáo dục huyện",
        "Ủy ban nhân dân các thôn, bản",
    ]


def test_examples_in_brackets_stay_with_their_unit() -> None:
    assert split_units(
        "các hợp tác xã nông nghiệp (Hòa Bình, Tân Tiến và hợp tác xã khác), Sở Tài chính"
    ) == [
        "các hợp tác xã nông nghiệp (Hòa Bình, Tân Tiến và hợp tác xã khác)",
        "Sở Tài chính",
    ]


def test_heads_of_bodies_read_as_their_bodies() -> None:
    assert split_units(
        "Bộ trưởng, Thủ trưởng cơ quan ngang bộ, cơ quan thuộc Chính phủ, Chủ tịch Ủy ban nhân"
        " dân các tỉnh"
    ) == ["Các bộ, cơ quan ngang bộ, cơ quan thuộc Chính phủ", "Ủy ban nhân dân các tỉnh"]
    assert split_units("Cục trưởng Cục Thống kê, Giám đốc Sở Xây dựng") == [
        "Cục Thống kê",
        "Sở Xây dựng",
    ]


def test_the_force_of_a_local_body_is_that_body() -> None:
    assert split_units("lực lượng Công an phường và lực lượng Công an") == [
        "Công an phường",
        "lực lượng Công an",
    ]


def test_lower_case_partner_after_a_known_body_is_its_own_entry() -> None:
    from domain.importer.prose import drop_generic
    from domain.importer.unitnames import KnownNames

    known = KnownNames(["Sở Xây dựng", "Sở Tài chính"])
    names = split_units("Sở Xây dựng, địa phương; Sở Tài chính, đơn vị được giao thẩm tra", known)
    assert names == [
        "Sở Xây dựng",
        "địa phương",
        "Sở Tài chính",
        "đơn vị được giao thẩm tra",
    ]
    assert drop_generic(names) == ["Sở Xây dựng", "Sở Tài chính"]
    # An unknown name may still go on in lower case.
    assert split_units("Sở Văn hóa, thể thao và du lịch") == ["Sở Văn hóa, thể thao và du lịch"]


def test_a_system_named_beside_units_is_a_partner_of_its_own() -> None:
    assert split_units("Đài Phát thanh huyện và hệ thống loa truyền thanh thôn") == [
        "Đài Phát thanh huyện",
        "hệ thống loa truyền thanh thôn",
    ]
    assert split_units("Trang thông tin điện tử xã, hệ thống loa truyền thanh") == [
        "Trang thông tin điện tử xã",
        "hệ thống loa truyền thanh",
    ]


def test_a_unit_list_running_on_into_a_clause_stops_at_its_verb() -> None:
    assert split_units("các hợp tác xã, tích cực tham gia chuỗi liên kết cùng Nhà nước") == [
        "các hợp tác xã"
    ]
    assert split_units("Quỹ tín dụng nhân dân ưu tiên cho vay hộ nghèo; Sở Tài chính") == [
        "Quỹ tín dụng nhân dân",
        "Sở Tài chính",
    ]


def test_field_work_verbs_end_a_partner_name() -> None:
    from domain.importer.prose import cut_at_verb

    known = KnownNames()
    assert cut_at_verb("Đội Dân phòng thị trấn ra quân dọn dẹp bờ kênh", known) == (
        "Đội Dân phòng thị trấn"
    )
    assert cut_at_verb("Công an xã tuần tra các tuyến đê vào ban đêm", known) == "Công an xã"


def test_research_institutes_keep_their_verb_like_name() -> None:
    from domain.importer.prose import cut_at_verb

    assert (
        cut_at_verb("các viện nghiên cứu để chuyển giao giống lúa mới", KnownNames())
        == "các viện nghiên cứu"
    )


def test_partners_after_phoi_hop_cung_or_a_shared_second_verb() -> None:
    from domain.importer.prose import partners
    from domain.importer.unitnames import KnownNames

    known = KnownNames()
    assert partners("Chủ động phối hợp cùng Sở Xây dựng rà soát quy hoạch.", known) == (
        "Sở Xây dựng"
    )
    assert (
        partners(
            "Định kỳ phối hợp, trao đổi thông tin với Công an xã trong quản lý đối tượng.", known
        )
        == "Công an xã"
    )


def test_a_collective_that_lists_its_places_reads_as_one_unit_per_place() -> None:
    from domain.importer.prose import partners
    from domain.importer.unitnames import KnownNames, expand_places

    assert split_units("Ủy ban nhân dân các xã: Hòa Lạc, Phú Mỹ và Tân Thành") == [
        "Ủy ban nhân dân xã Hòa Lạc",
        "Ủy ban nhân dân xã Phú Mỹ",
        "Ủy ban nhân dân xã Tân Thành",
    ]
    assert (
        partners("Phối hợp với UBND 02 phường: An Lạc, Bình Đông khảo sát bến cá.", KnownNames())
        == "UBND phường An Lạc, UBND phường Bình Đông"
    )
    # A list of places with no body before it is left as written.
    assert expand_places("gồm các xã: Hòa Lạc, Phú Mỹ") == "gồm các xã: Hòa Lạc, Phú Mỹ"
    assert split_units("Sở Công Thương và Ủy ban nhân dân 02 xã: Hòa Lạc, Phú Mỹ") == [
        "Sở Công Thương",
        "Ủy ban nhân dân xã Hòa Lạc",
        "Ủy ban nhân dân xã Phú Mỹ",
    ]


_SCHEDULED = """ỦY BAN NHÂN DÂN XÃ AN HÒA
KẾ HOẠCH
Triển khai chuyển đổi số tại xã năm 2026

I. MỤC ĐÍCH, YÊU CẦU
Nâng cao kỹ năng số của cán bộ và người dân.

II. THỜI GIAN
1. Thời gian thực hiện: từ năm 2026 đến năm 2030.
2. Thời gian khảo sát hiện trạng hạ tầng mạng tại các thôn trước ngày 30/4/2026.
3. Thời gian tập huấn kỹ năng số cho cán bộ thôn hoàn thành trong quý III/2026.
4. Thời gian gửi báo cáo kết quả thực hiện về Văn phòng xã trước ngày 10/12/2026.

III. TỔ CHỨC THỰC HIỆN
1. Phòng Văn hóa - Xã hội
a) Chủ trì khảo sát hiện trạng hạ tầng mạng tại các thôn, đề xuất phương án nâng cấp.
b) Tổ chức tập huấn kỹ năng số cho cán bộ thôn, tổ dân phố.
c) Tuyên truyền về chuyển đổi số trên hệ thống loa truyền thanh.
2. Trạm Y tế xã
Hướng dẫn người dân đặt lịch khám qua ứng dụng; gửi báo cáo kết quả thực hiện về Văn phòng xã.
"""


def test_a_schedule_section_dates_the_tasks_whose_words_name_its_activity() -> None:
    plan = parse_document(Document("x.txt", normalise_text(_SCHEDULED)), default_year=2026)
    due = {t.ref: (t.timeframe.kind.value, t.timeframe.due) for t in plan.tasks}
    assert due == {
        "III.1.a": ("one_off", dt.date(2026, 4, 30)),
        "III.1.b": ("one_off", dt.date(2026, 9, 30)),
        # The plan's own term and the reporting deadline date no task.
        "III.1.c": ("unspecified", None),
        "III.2": ("unspecified", None),
    }


def test_entries_under_a_progress_heading() -> None:
    texts = [
        "IV. TIẾN ĐỘ THỰC HIỆN",
        "- Tháng 3/2026: rà soát danh sách hộ nghèo cần hỗ trợ thiết bị học tập.",
        "- Hoàn thiện cơ sở dữ liệu dân cư của xã: trước ngày 15/6/2026.",
        "V. KINH PHÍ",
        "- Năm 2026: bố trí kinh phí mua sắm thiết bị cho các thôn.",
    ]
    items = schedule_items(texts, 2026)
    assert [(a, tf.due) for a, tf in items] == [
        ("rà soát danh sách hộ nghèo cần hỗ trợ thiết bị học tập.", dt.date(2026, 3, 31)),
        ("Hoàn thiện cơ sở dữ liệu dân cư của xã", dt.date(2026, 6, 15)),
    ]
    task = "Chủ trì rà soát danh sách hộ nghèo cần hỗ trợ thiết bị, đề xuất mức hỗ trợ."
    tf = dated_by_schedule(task, items)
    assert tf is not None and tf.due == dt.date(2026, 3, 31)
    assert dated_by_schedule("Tuyên truyền về cơ sở dữ liệu trên loa truyền thanh.", items) is None


def test_a_time_and_progress_heading_and_a_plan_wide_term() -> None:
    texts = [
        "3. Thời gian và tiến độ thực hiện",
        "a) Kiểm kê tài sản công của các thôn: hoàn thành trong tháng 7/2026.",
        "4. Kinh phí",
        "Thời gian thực hiện Đề án: từ năm 2026 đến năm 2030.",
    ]
    items = schedule_items(texts, 2026)
    assert [(a, tf.due) for a, tf in items] == [
        ("Kiểm kê tài sản công của các thôn", dt.date(2026, 7, 31))
    ]
    task = "Chủ trì kiểm kê tài sản công của các thôn, tổ dân phố."
    assert dated_by_schedule(task, items) == items[0][1]


def test_a_data_period_is_no_deadline() -> None:
    tf = text_timeframe("Thống kê số liệu từ ngày 01/01/2026 đến ngày 30/6/2026 gửi Sở.", 2026)
    assert tf is None

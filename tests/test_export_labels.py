"""Wording built from a plan's identity: short titles, references, addressees (no database)."""

from __future__ import annotations

import datetime as dt

from db.models import CutoffMode, DocumentFamily, PeriodKind
from domain.export.data import PlanInfo
from domain.export.labels import (
    about,
    addressee,
    has_number,
    plan_name,
    plan_reference,
    short_title,
    unit_abbreviation,
)
from domain.export.word import issuer_lines, percent
from domain.periods import RuleSpec, make_period

CHAINED = (
    "Thực hiện Kế hoạch số 12/KH-UBND ngày 01/02/2026 của Ủy ban nhân dân tỉnh Bình Minh và "
    "Kế hoạch số 7-KH/ĐU, ngày 03/02/2026 của Đảng ủy xã thực hiện Nghị quyết số 99-NQ/TW, "
    "ngày 05/01/2026 của Bộ Chính trị về phát triển thể thao quần chúng trên địa bàn xã Hòa An"
)


def plan(number: str | None, title: str = CHAINED, issued: dt.date | None = None) -> PlanInfo:
    return PlanInfo(
        id=1,
        number=number,
        title=title,
        issuer="Ủy ban nhân dân xã Hòa An",
        parent_body=None,
        place="Hòa An",
        issued_on=issued,
        year=2026,
        family=DocumentFamily.ADMINISTRATIVE,
        coordinator="Phòng Văn hóa - Xã hội",
    )


def test_short_title_keeps_the_substance_of_a_chained_title() -> None:
    short = short_title(CHAINED)
    assert short == (
        "Thực hiện Nghị quyết số 99-NQ/TW về phát triển thể thao quần chúng trên địa bàn xã Hòa An"
    )
    # No doubled "về thực hiện" after the plan's reference.
    assert about(CHAINED).startswith("triển khai Nghị quyết số 99-NQ/TW về")


def test_all_capital_title_gets_sentence_case_with_place_names() -> None:
    title = "PHÁT TRIỂN KINH TẾ SỐ TRÊN ĐỊA BÀN TỈNH BÌNH MINH GIAI ĐOẠN 2026 - 2030"
    assert short_title(title) == (
        "Phát triển kinh tế số trên địa bàn tỉnh Bình Minh giai đoạn 2026 - 2030"
    )


def test_long_title_is_cut_at_a_word_and_never_over_the_limit() -> None:
    title = "Tăng cường công tác phối hợp, " * 20
    short = short_title(title)
    assert len(short) <= 150 and not short.endswith((",", " "))


def test_blank_number_is_never_written_as_so_slash() -> None:
    assert not has_number("/KH-UBND") and not has_number(None) and has_number("125/KH-UBND")
    assert plan_reference(plan("/KH-UBND"), "vi") == "Kế hoạch"
    dated = plan("/KH-UBND", issued=dt.date(2026, 1, 15))
    assert plan_reference(dated, "vi") == "Kế hoạch ngày 15/01/2026"
    assert plan_reference(plan("125/KH-UBND"), "vi") == "Kế hoạch số 125/KH-UBND"
    assert plan_name(plan("/KH-UBND")).startswith("Thực hiện Nghị quyết số 99-NQ/TW")


def test_addressee_header_lines_and_abbreviation() -> None:
    assert addressee(plan("1/KH-UBND")) == "Ủy ban nhân dân tỉnh Bình Minh"
    assert issuer_lines(None, "Ủy ban nhân dân xã Hòa An") == ([], ["ỦY BAN NHÂN DÂN", "XÃ HÒA AN"])
    assert issuer_lines("Ủy ban nhân dân thành phố Cảng", "Sở Tư pháp") == (
        ["ỦY BAN NHÂN DÂN THÀNH PHỐ CẢNG"],
        ["SỞ TƯ PHÁP"],
    )
    assert issuer_lines("HỘI CHỦ NGHĨA VIỆT NAM", "Sở Tư pháp")[0] == []
    assert unit_abbreviation("Phòng Văn hóa - Xã hội") == "VHXH"
    assert percent(1, 7) == "14,3%" and percent(0, 0) == "0%" and percent(3, 6) == "50%"


def test_report_window_ends_before_the_due_date() -> None:
    """Quarterly reports due the 10th of the quarter's last month (Decree 09/2019 window)."""
    q4 = make_period(RuleSpec(PeriodKind.QUARTERLY, 10), 2026, 4, CutoffMode.DECREE_09)
    assert (q4.start, q4.end, q4.due) == (
        dt.date(2026, 9, 10),
        dt.date(2026, 12, 9),
        dt.date(2026, 12, 10),
    )
    q3 = make_period(RuleSpec(PeriodKind.QUARTERLY, 10), 2026, 3, CutoffMode.DECREE_09)
    assert q3.end + dt.timedelta(days=1) == q4.start  # contiguous
    # Due after the 14th: the decree's window stands.
    q4b = make_period(RuleSpec(PeriodKind.QUARTERLY, 20), 2026, 4, CutoffMode.DECREE_09)
    assert (q4b.start, q4b.end) == (dt.date(2026, 9, 15), dt.date(2026, 12, 14))

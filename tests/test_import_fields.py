"""The timeframe a duty's or a prose item's own words give it (domain/importer/fields.py)."""

from __future__ import annotations

import datetime as dt

import pytest

from db.models import PeriodKind, ScheduleKind
from domain.importer.fields import cadence_in, text_timeframe
from domain.timeframes import parse_timeframe


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
    assert tf.kind.value == kind
    assert (tf.due.isoformat() if tf.due else None) == due
    assert (tf.recurrence.value if tf.recurrence else None) == recurrence
    # The words kept read back to the same schedule (a re-import re-reads them).
    again = parse_timeframe(tf.text, 2026)
    assert (again.kind, again.due, again.recurrence) == (tf.kind, tf.due, tf.recurrence)


def test_cadence_word_that_names_a_plan_or_spending_is_not_a_cadence() -> None:
    assert cadence_in("lập kế hoạch hằng năm của đơn vị") is None
    assert cadence_in("bố trí kinh phí chi thường xuyên") is None
    assert cadence_in("định kỳ 6 tháng kiểm tra") == "định kỳ 6 tháng"


def test_periodic_words_with_a_cadence_are_yearly_not_ongoing() -> None:
    tf = parse_timeframe("định kỳ hằng năm", 2026)
    assert (tf.kind, tf.due, tf.recurrence) == (
        ScheduleKind.RECURRING,
        dt.date(2026, 12, 31),
        PeriodKind.ANNUAL,
    )
    assert parse_timeframe("định kỳ", 2026).kind is ScheduleKind.RECURRING
    assert parse_timeframe("theo chỉ đạo của Bộ Y tế", 2026).kind is ScheduleKind.INHERITED

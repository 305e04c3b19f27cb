"""Timeframe words to schedules (DOMAIN.md section 3) and reporting clauses (section 4)."""

from __future__ import annotations

import datetime as dt

import pytest

from db.models import PeriodKind, ScheduleKind
from domain.periods import RuleSpec, periods_for_year
from domain.timeframes import find_deadline, parse_reporting, parse_timeframe

D = dt.date
K = ScheduleKind
P = PeriodKind

# Every row of DOMAIN.md section 3 (plan year 2026), plus spelling variants.
ROWS = [
    ("Thường xuyên", K.RECURRING, None, None),
    ("Hằng năm, thường xuyên", K.RECURRING, None, None),
    ("Hằng năm", K.RECURRING, D(2026, 12, 31), P.ANNUAL),
    ("Hàng năm", K.RECURRING, D(2026, 12, 31), P.ANNUAL),
    ("2026", K.ONE_OFF, D(2026, 12, 31), None),
    ("Năm 2026", K.ONE_OFF, D(2026, 12, 31), None),
    ("Trong năm 2026", K.ONE_OFF, D(2026, 12, 31), None),
    ("Quý I/2027", K.ONE_OFF, D(2027, 3, 31), None),
    ("quý 1/2027", K.ONE_OFF, D(2027, 3, 31), None),
    ("QI/2027", K.ONE_OFF, D(2027, 3, 31), None),
    ("Q1/2027", K.ONE_OFF, D(2027, 3, 31), None),
    ("Quý IV/2026, triển khai thường xuyên", K.COMPOSITE, D(2026, 12, 31), None),
    ("Tháng 6/2026", K.ONE_OFF, D(2026, 6, 30), None),
    ("6 tháng đầu năm 2026", K.ONE_OFF, D(2026, 6, 30), None),
    ("2025-2030", K.ONE_OFF, D(2030, 12, 31), P.ANNUAL),
    ("Giai đoạn 2026 - 2030", K.ONE_OFF, D(2030, 12, 31), P.ANNUAL),
    ("Trước ngày 24/6/2026", K.ONE_OFF, D(2026, 6, 24), None),
    ("Chậm nhất ngày 25/6/2026", K.ONE_OFF, D(2026, 6, 25), None),
    ("Khi có đề nghị", K.EVENT_DRIVEN, None, None),
    ("Khi có yêu cầu", K.EVENT_DRIVEN, None, None),
    ("Đột xuất", K.EVENT_DRIVEN, None, None),
    ("Theo chương trình", K.INHERITED, None, None),
    ("Theo kế hoạch của Ủy ban nhân dân huyện", K.INHERITED, None, None),
    ("", K.UNSPECIFIED, None, None),
    ("   ", K.UNSPECIFIED, None, None),
]


@pytest.mark.parametrize(("words", "kind", "due", "recurrence"), ROWS)
def test_every_row_of_the_table(
    words: str, kind: ScheduleKind, due: dt.date | None, recurrence: PeriodKind | None
) -> None:
    tf = parse_timeframe(words, 2026)
    assert (tf.kind, tf.due, tf.recurrence) == (kind, due, recurrence)
    assert tf.text == words.strip()  # the words are kept as written


def test_strictly_before_is_flagged_and_due_stays_as_written() -> None:
    tf = parse_timeframe("Trước ngày 24/6/2026", 2026)
    assert tf.strict and tf.due == D(2026, 6, 24)
    assert not parse_timeframe("Chậm nhất ngày 25/6/2026", 2026).strict


@pytest.mark.parametrize(
    ("words", "due"),
    [
        ("Quý IV", D(2027, 12, 31)),
        ("quý 2", D(2027, 6, 30)),
        ("Tháng 9", D(2027, 9, 30)),
        ("Trước ngày 24/6", D(2027, 6, 24)),
        ("6 tháng đầu năm", D(2027, 6, 30)),
    ],
)
def test_a_year_left_out_takes_the_plans_year(words: str, due: dt.date) -> None:
    assert parse_timeframe(words, 2027).due == due


def test_unreadable_words_are_unspecified_but_kept() -> None:
    tf = parse_timeframe("Sớm nhất có thể", 2026)
    assert tf.kind is K.UNSPECIFIED and tf.text == "Sớm nhất có thể"


def test_trailing_punctuation_is_not_part_of_the_words() -> None:
    assert parse_timeframe("Thường xuyên.", 2026).text == "Thường xuyên"


@pytest.mark.parametrize(
    ("sentence", "text", "due"),
    [
        (
            "Hoàn thiện dự thảo, trình Chủ tịch trước ngày 24/6/2026 để ký ban hành",
            "Trước ngày 24/6/2026",
            D(2026, 6, 24),
        ),
        (
            "Tổ chức hội nghị tập huấn trong quý III/2026 cho cán bộ thôn",
            "Quý III/2026",
            D(2026, 9, 30),
        ),
        ("Gửi danh sách chậm nhất ngày 05/10/2026", "Chậm nhất ngày 05/10/2026", D(2026, 10, 5)),
        ("Khảo sát và hoàn thành trong tháng 8/2026", "Tháng 8/2026", D(2026, 8, 31)),
    ],
)
def test_deadline_hidden_in_a_task_sentence(sentence: str, text: str, due: dt.date) -> None:
    tf = find_deadline(sentence, 2026)
    assert tf is not None and tf.due == due and tf.kind is K.ONE_OFF
    assert tf.text == text


def test_no_deadline_in_a_plain_sentence() -> None:
    assert find_deadline("Xây dựng kế hoạch truyền thông ngày 07/4 hằng năm", 2026) is None


# Every phrase of DOMAIN.md section 4.
CLAUSES = [
    ("Báo cáo quý gửi trước ngày 10 của tháng cuối", [RuleSpec(P.QUARTERLY, 10, None)]),
    ("Báo cáo 6 tháng gửi trước ngày 15 tháng 6", [RuleSpec(P.SEMIANNUAL, 15, 6)]),
    ("Báo cáo năm gửi trước ngày 05 tháng 11", [RuleSpec(P.ANNUAL, 5, 11)]),
    (
        "gửi báo cáo quý, 6 tháng, năm … trước ngày 20 của tháng cuối kỳ",
        [
            RuleSpec(P.QUARTERLY, 20, None),
            RuleSpec(P.SEMIANNUAL, 20, None),
            RuleSpec(P.ANNUAL, 20, None),
        ],
    ),
    ("báo cáo đánh giá tháng 6 và tháng 12 hàng năm", [RuleSpec(P.SEMIANNUAL, 31, None)]),
    (
        "trước ngày 20 của tháng cuối quý và trước ngày 15/11 hằng năm",
        [RuleSpec(P.QUARTERLY, 20, None), RuleSpec(P.ANNUAL, 15, 11)],
    ),
]


@pytest.mark.parametrize(("clause", "rules"), CLAUSES)
def test_every_reporting_phrase(clause: str, rules: list[RuleSpec]) -> None:
    assert parse_reporting(clause) == rules


def test_three_phrases_together_give_the_three_deadlines() -> None:
    clause = (
        "Các đơn vị gửi báo cáo về Ủy ban nhân dân (qua Phòng Văn hóa - Xã hội), cụ thể:\n"
        "- Báo cáo quý gửi trước ngày 10 của tháng cuối.\n"
        "- Báo cáo 6 tháng gửi trước ngày 15 tháng 6.\n"
        "- Báo cáo năm gửi trước ngày 05 tháng 11."
    )
    rules = parse_reporting(clause)
    dues = {(p.key, p.due) for p in periods_for_year(rules, 2026)}
    assert dues == {
        ("2026-Q1", D(2026, 3, 10)),
        ("2026-Q2", D(2026, 6, 10)),
        ("2026-Q3", D(2026, 9, 10)),
        ("2026-Q4", D(2026, 12, 10)),
        ("2026-H1", D(2026, 6, 15)),
        ("2026", D(2026, 11, 5)),
    }


def test_all_three_at_the_end_of_each_period() -> None:
    rules = parse_reporting("gửi báo cáo quý, 6 tháng, năm trước ngày 20 của tháng cuối kỳ")
    dues = {p.key: p.due for p in periods_for_year(rules, 2026)}
    assert dues["2026-Q1"] == D(2026, 3, 20) and dues["2026-H2"] == D(2026, 12, 20)
    assert dues["2026"] == D(2026, 12, 20)


def test_dated_one_off_reports_are_not_a_regime() -> None:
    assert parse_reporting("Báo cáo kết quả về Ủy ban nhân dân trước ngày 30/6/2026.") == []
    assert parse_reporting("Định kỳ báo cáo theo quy định.") == []


@pytest.mark.parametrize(
    ("clause", "rules"),
    [
        (
            "Định kỳ hằng quý (trước ngày 15 của tháng cuối quý), 6 tháng (trước ngày 15/6), "
            "năm (trước ngày 15/12) gửi báo cáo về Ủy ban nhân dân xã.",
            [
                RuleSpec(P.QUARTERLY, 15, None),
                RuleSpec(P.SEMIANNUAL, 15, 6),
                RuleSpec(P.ANNUAL, 15, 12),
            ],
        ),
        ("Báo cáo tháng gửi trước ngày 25 hằng tháng.", [RuleSpec(P.MONTHLY, 25, None)]),
        (
            "Gửi báo cáo quý trước ngày 12 của tháng cuối quý; báo cáo năm trước ngày 01/12.",
            [RuleSpec(P.QUARTERLY, 12, None), RuleSpec(P.ANNUAL, 1, 12)],
        ),
        ("Báo cáo 9 tháng gửi trước ngày 20 tháng 9.", [RuleSpec(P.NINE_MONTHS, 20, 9)]),
    ],
)
def test_other_wordings_of_the_same_regimes(clause: str, rules: list[RuleSpec]) -> None:
    assert parse_reporting(clause) == rules


@pytest.mark.parametrize(
    ("words", "kind", "due", "recurrence"),
    [
        ("Năm 2026 và những năm tiếp theo", K.COMPOSITE, D(2026, 12, 31), P.ANNUAL),
        ("Từ năm 2027 trở đi", K.RECURRING, D(2027, 12, 31), P.ANNUAL),
        ("Hằng quý", K.RECURRING, D(2026, 3, 31), P.QUARTERLY),
        ("Trước 30/9/2026", K.ONE_OFF, D(2026, 9, 30), None),
        ("Đến năm 2030", K.ONE_OFF, D(2030, 12, 31), None),
        ("Sau khi có Nghị định mới", K.EVENT_DRIVEN, None, None),
        ("Dịp Tết Nguyên đán", K.UNSPECIFIED, None, None),
        ("Quý I hằng năm", K.RECURRING, D(2026, 3, 31), P.ANNUAL),
        ("Trước ngày 15/12 hằng năm", K.RECURRING, D(2026, 12, 15), P.ANNUAL),
    ],
)
def test_more_wordings(
    words: str, kind: ScheduleKind, due: dt.date | None, recurrence: PeriodKind | None
) -> None:
    tf = parse_timeframe(words, 2026)
    assert (tf.kind, tf.due, tf.recurrence) == (kind, due, recurrence)


@pytest.mark.parametrize(
    ("words", "kind", "due"),
    [
        ("Theo kết quả rà soát, đề xuất của các cơ quan", K.INHERITED, None),
        ("Theo tiến độ được giao của Luật An ninh mạng 2025", K.INHERITED, None),
        ("Theo tiến độ, hoàn thành năm 2025", K.ONE_OFF, D(2025, 12, 31)),
        ("trong thời hạn 10 ngày kể từ ngày nhận Kế hoạch này", K.ONE_OFF, None),
        ("chậm nhất 15 ngày làm việc kể từ ngày ban hành", K.ONE_OFF, None),
    ],
)
def test_inherited_and_relative_deadlines(words: str, kind: ScheduleKind, due: D | None) -> None:
    tf = parse_timeframe(words, 2026)
    assert (tf.kind, tf.due) == (kind, due)


@pytest.mark.parametrize(
    ("words", "kind", "due", "recurrence"),
    [
        # Spellings real plans use for the forms of DOMAIN.md section 3 and LABELS.md.
        ("Năm 2025 và các năm tiếp theo", K.COMPOSITE, D(2025, 12, 31), P.ANNUAL),
        ("Quý IV/2025 - Quý II/2026", K.ONE_OFF, D(2026, 6, 30), None),
        ("Quý IV/2025 – Quý II/2026", K.ONE_OFF, D(2026, 6, 30), None),
        ("6 tháng cuối năm", K.ONE_OFF, D(2026, 12, 31), None),
        ("Sáu tháng đầu năm 2027", K.ONE_OFF, D(2027, 6, 30), None),
        ("9 tháng đầu năm 2026", K.ONE_OFF, D(2026, 9, 30), None),
        ("Tháng 12 hàng năm", K.RECURRING, D(2026, 12, 31), P.ANNUAL),
        ("Hàng ngày", K.RECURRING, None, None),
        ("24/24 giờ", K.RECURRING, None, None),
        ("Quý 4", K.ONE_OFF, D(2026, 12, 31), None),
        ("quý IV năm 2026", K.ONE_OFF, D(2026, 12, 31), None),
        ("quý II-2027", K.ONE_OFF, D(2027, 6, 30), None),
        ("năm 2026-2027", K.ONE_OFF, D(2027, 12, 31), P.ANNUAL),
        ("giai đoạn 2026 - 2030", K.ONE_OFF, D(2030, 12, 31), P.ANNUAL),
        ("trong tháng 3", K.ONE_OFF, D(2026, 3, 31), None),
        ("tháng 1 năm 2027", K.ONE_OFF, D(2027, 1, 31), None),
        ("Cuối năm 2026", K.ONE_OFF, D(2026, 12, 31), None),
        ("Đầu quý III/2026", K.ONE_OFF, D(2026, 9, 30), None),
        ("Trước ngày 31 tháng 12 năm 2026", K.ONE_OFF, D(2026, 12, 31), None),
        ("Tháng 12/2026 - tháng 02/2027", K.ONE_OFF, D(2027, 2, 28), None),
        ("Quý I/2027 và thường xuyên", K.COMPOSITE, D(2027, 3, 31), None),
        ("Thường xuyên, liên tục", K.RECURRING, None, None),
        ("Định kỳ, đột xuất", K.RECURRING, None, None),
        ("theo kế hoạch của Bộ", K.INHERITED, None, None),
        ("Theo chỉ đạo của Trung ương", K.INHERITED, None, None),
        ("Khi có văn bản hướng dẫn", K.EVENT_DRIVEN, None, None),
        ("Khi phát hiện sai phạm", K.EVENT_DRIVEN, None, None),
    ],
)
def test_spelling_variants(
    words: str, kind: ScheduleKind, due: dt.date | None, recurrence: PeriodKind | None
) -> None:
    tf = parse_timeframe(words, 2026)
    assert (tf.kind, tf.due, tf.recurrence) == (kind, due, recurrence)


@pytest.mark.parametrize(
    ("words", "kind", "due"),
    [
        # Several months or quarters under one word: done by the end of the last.
        ("Tháng 10-12/2026", K.ONE_OFF, D(2026, 12, 31)),
        ("tháng 7, 8 và 9/2026", K.ONE_OFF, D(2026, 9, 30)),
        ("Tháng 4 đến tháng 5 năm 2027", K.ONE_OFF, D(2027, 5, 31)),
        ("Quý III, IV/2026", K.ONE_OFF, D(2026, 12, 31)),
        ("quý I và II năm 2027", K.ONE_OFF, D(2027, 6, 30)),
        # A year after a comma, and "Q." for quý.
        ("Quý I, năm 2027", K.ONE_OFF, D(2027, 3, 31)),
        ("Q.II/2026", K.ONE_OFF, D(2026, 6, 30)),
        # No year: the plan's.
        ("Cuối năm", K.ONE_OFF, D(2026, 12, 31)),
        ("Trong năm", K.ONE_OFF, D(2026, 12, 31)),
        # A deadline counted from receipt, with no "trong thời hạn" before it.
        ("07 ngày làm việc kể từ ngày nhận văn bản", K.ONE_OFF, None),
        ("trong 20 ngày kể từ ngày ký", K.ONE_OFF, None),
    ],
)
def test_lists_bare_years_and_relative_deadlines(
    words: str, kind: ScheduleKind, due: D | None
) -> None:
    tf = parse_timeframe(words, 2026)
    assert (tf.kind, tf.due) == (kind, due)


def test_a_date_range_inside_one_month_is_not_a_month_list() -> None:
    tf = parse_timeframe("Từ ngày 05 tháng 6 - 20 tháng 7/2026", 2026)
    assert tf.due == D(2026, 7, 20)


@pytest.mark.parametrize(
    ("words", "due"),
    [
        # "Trước" a month, quarter or year: done by the end of the one before.
        ("Trước tháng 8/2026", D(2026, 7, 31)),
        ("trước tháng 1/2027", D(2026, 12, 31)),
        ("Trước quý III/2026", D(2026, 6, 30)),
        ("trước quý I năm 2027", D(2026, 12, 31)),
        ("Trước năm 2029", D(2028, 12, 31)),
    ],
)
def test_before_a_month_quarter_or_year(words: str, due: dt.date) -> None:
    tf = parse_timeframe(words, 2026)
    assert (tf.kind, tf.due) == (K.ONE_OFF, due)


@pytest.mark.parametrize(
    ("sentence", "due"),
    [
        ("Sửa đổi quy chế làm việc, xong trước tháng 11/2026.", D(2026, 10, 31)),
        ("Thí điểm mô hình ở hai thôn, hoàn thành trước năm 2028.", D(2027, 12, 31)),
        ("Tổ chức hội nghị sơ kết vào cuối năm 2026.", D(2026, 12, 31)),
        ("Số hóa sổ hộ tịch cũ, xong năm 2027.", D(2027, 12, 31)),
        ("Ban hành quy chế phối hợp, hoàn thành quý II/2026.", D(2026, 6, 30)),
        ("Tổ chức hội thi tìm hiểu pháp luật vào quý III/2026.", D(2026, 9, 30)),
        ("Sửa đổi nội quy, hoàn thành trước 30/6/2026.", D(2026, 6, 30)),
        ("Trình Ủy ban nhân dân xã chậm nhất tháng 10/2026.", D(2026, 10, 31)),
    ],
)
def test_more_deadlines_hidden_in_a_sentence(sentence: str, due: dt.date) -> None:
    tf = find_deadline(sentence, 2026)
    assert tf is not None and tf.due == due


def test_a_count_of_months_is_not_a_date() -> None:
    assert find_deadline("Gửi hồ sơ trước 2 tháng 10 ngày làm việc.", 2026) is None


@pytest.mark.parametrize(
    ("words", "kind", "due", "recurrence"),
    [
        # Occasions: no deadline until the occasion comes.
        ("Khi cần thiết", K.EVENT_DRIVEN, None, None),
        ("Khi có thiên tai xảy ra", K.EVENT_DRIVEN, None, None),
        ("Sau khi được cấp có thẩm quyền phê duyệt", K.EVENT_DRIVEN, None, None),
        # Right after this plan: once, with no date of its own.
        ("Ngay sau khi Kế hoạch được ban hành", K.ONE_OFF, None, None),
        (
            "Sau khi ban hành Kế hoạch, hoàn thành trong quý III/2026",
            K.ONE_OFF,
            D(2026, 9, 30),
            None,
        ),
        # Yearly from a year on.
        ("Hằng năm (từ năm 2027)", K.RECURRING, D(2027, 12, 31), P.ANNUAL),
    ],
)
def test_occasions_and_starts(
    words: str, kind: ScheduleKind, due: dt.date | None, recurrence: PeriodKind | None
) -> None:
    tf = parse_timeframe(words, 2026)
    assert (tf.kind, tf.due, tf.recurrence) == (kind, due, recurrence)


@pytest.mark.parametrize(
    ("words", "kind", "due", "recurrence"),
    [
        # "T" for "tháng" in a crowded cell.
        ("T9/2026", K.ONE_OFF, D(2026, 9, 30), None),
        ("T5-T6/2027", K.ONE_OFF, D(2027, 6, 30), None),
        # "(Năm) 2027 trở đi": yearly from that year, like "Từ năm 2027".
        ("Năm 2027 trở đi", K.RECURRING, D(2027, 12, 31), P.ANNUAL),
        ("2027 trở đi", K.RECURRING, D(2027, 12, 31), P.ANNUAL),
        # "các năm sau" is "các năm tiếp theo".
        ("Năm 2026, duy trì trong các năm sau", K.COMPOSITE, D(2026, 12, 31), P.ANNUAL),
    ],
)
def test_abbreviations_and_from_a_year_on(
    words: str, kind: ScheduleKind, due: dt.date | None, recurrence: PeriodKind | None
) -> None:
    tf = parse_timeframe(words, 2026)
    assert (tf.kind, tf.due, tf.recurrence) == (kind, due, recurrence)


@pytest.mark.parametrize(
    "words",
    [
        "Theo Kế hoạch số 08/KH-UBND ngày 12/02/2026 của Ủy ban nhân dân xã",
        "Thực hiện theo Công văn số 31/VP-TH ngày 03 tháng 4 năm 2026",
        "Theo Quyết định số 456/QĐ-UBND",
    ],
)
def test_a_cited_document_date_is_no_deadline(words: str) -> None:
    tf = parse_timeframe(words, 2026)
    assert (tf.kind, tf.due) == (K.INHERITED, None)


@pytest.mark.parametrize(
    ("words", "kind", "due", "recurrence"),
    [
        # Opening "Theo kế hoạch/chương trình …": a year or cadence names that document.
        ("Theo Kế hoạch thanh tra năm 2027 của Chánh Thanh tra tỉnh", K.INHERITED, None, None),
        ("Theo chương trình kiểm tra hằng năm của Hội Nông dân xã", K.INHERITED, None, None),
        ("Thực hiện theo lịch tiếp công dân hằng tháng", K.INHERITED, None, None),
        # A later clause with its own date still dates the task.
        ("Theo kế hoạch; hoàn thành trước ngày 30/9/2026", K.ONE_OFF, D(2026, 9, 30), None),
        # An occasion opening the words.
        ("Khi có phản ánh của người dân", K.EVENT_DRIVEN, None, None),
        ("Khi có sự cố môi trường", K.EVENT_DRIVEN, None, None),
        # "khi có" later on is not read that way alone.
        ("Quý III/2026 và khi có sự cố", K.ONE_OFF, D(2026, 9, 30), None),
    ],
)
def test_inherited_openings_and_occasions(
    words: str, kind: ScheduleKind, due: dt.date | None, recurrence: PeriodKind | None
) -> None:
    tf = parse_timeframe(words, 2026)
    assert (tf.kind, tf.due, tf.recurrence) == (kind, due, recurrence)


@pytest.mark.parametrize(
    "clause",
    [
        # The period named in brackets after its deadline.
        "Các phòng gửi báo cáo về Văn phòng trước ngày 18/6 (báo cáo 6 tháng) và trước ngày"
        " 18/12 (báo cáo năm) hằng năm.",
        "Các phòng báo cáo trước ngày 18/6 (kỳ báo cáo 6 tháng), trước ngày 18/12"
        " (kỳ báo cáo năm).",
        # The period before its deadline, named or in brackets.
        "Các phòng gửi báo cáo 6 tháng trước ngày 18/6, báo cáo năm trước ngày 18/12 về Văn phòng.",
        "Các phòng báo cáo về Văn phòng định kỳ 6 tháng (trước ngày 18/6) và hằng năm (trước ngày"
        " 18/12).",
        # Unbracketed "đối với …", and two days for two periods named before them.
        "Các phòng gửi báo cáo trước ngày 18/6 đối với báo cáo 6 tháng và trước ngày 18/12 đối"
        " với báo cáo năm.",
        "Các phòng báo cáo định kỳ 6 tháng, năm về Văn phòng trước ngày 18/6 và 18/12.",
    ],
)
def test_period_named_before_or_after_its_deadline(clause: str) -> None:
    assert parse_reporting(clause) == [
        RuleSpec(P.SEMIANNUAL, 18, 6),
        RuleSpec(P.ANNUAL, 18, 12),
    ]


@pytest.mark.parametrize(
    ("sentence", "kind", "due", "recurrence"),
    [
        # A span of days is done by its last day, in either spelling.
        (
            "Trực chốt tại các bến đò từ ngày 20/8/2026 đến ngày 10/10/2026.",
            K.ONE_OFF,
            D(2026, 10, 10),
            None,
        ),
        (
            "Trực chốt từ ngày 05 tháng 11 năm 2026 đến ngày 05 tháng 01 năm 2027.",
            K.ONE_OFF,
            D(2027, 1, 5),
            None,
        ),
        (
            "Ra quân dọn kênh từ ngày 10 đến ngày 25 tháng 7 năm 2026.",
            K.ONE_OFF,
            D(2026, 7, 25),
            None,
        ),
        (
            "Ra quân dọn kênh từ ngày 01/4 đến hết ngày 30/4 hằng năm.",
            K.RECURRING,
            D(2026, 4, 30),
            P.ANNUAL,
        ),
        # "hoàn thành" with a short object before the year.
        ("Phấn đấu hoàn thành 20 nhà văn hóa ấp trong năm 2027.", K.ONE_OFF, D(2027, 12, 31), None),
        # A deadline, then the work carried on.
        (
            "Dọn dẹp bờ kênh, hoàn thành trước ngày 30/4/2026; sau đó tổ chức ra quân hằng tháng.",
            K.COMPOSITE,
            D(2026, 4, 30),
            P.MONTHLY,
        ),
    ],
)
def test_spans_gaps_and_then_ongoing_in_a_sentence(
    sentence: str, kind: ScheduleKind, due: dt.date, recurrence: PeriodKind | None
) -> None:
    tf = find_deadline(sentence, 2026)
    assert tf is not None
    assert (tf.kind, tf.due, tf.recurrence) == (kind, due, recurrence)


def test_a_data_period_or_a_plain_next_step_adds_nothing() -> None:
    assert find_deadline("Tổng hợp số liệu từ ngày 01/01/2026 đến ngày 30/6/2026.", 2026) is None
    tf = find_deadline("Rà soát, hoàn thành trong tháng 4/2026; sau đó báo cáo Sở.", 2026)
    assert tf is not None
    assert (tf.kind, tf.due) == (K.ONE_OFF, D(2026, 4, 30))

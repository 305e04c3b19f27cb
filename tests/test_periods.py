"""Reporting calendar: every regime of DOMAIN.md section 4, periods of 2026 and 2027."""

from __future__ import annotations

import datetime as dt

import pytest

from db.models import CutoffMode, PeriodKind
from domain.periods import (
    RuleSpec,
    open_period,
    parse_key,
    period_by_key,
    period_label,
    periods_for_year,
    recent_periods,
    window,
    years_later,
)

D = dt.date
Q, H, Y, M, N = (
    PeriodKind.QUARTERLY,
    PeriodKind.SEMIANNUAL,
    PeriodKind.ANNUAL,
    PeriodKind.MONTHLY,
    PeriodKind.NINE_MONTHS,
)


def due_map(rules: list[RuleSpec], year: int) -> dict[str, dt.date]:
    return {p.key: p.due for p in periods_for_year(rules, year)}


@pytest.mark.parametrize("year", [2026, 2027])
def test_kien_hai_regime(year: int) -> None:
    # Quarterly before the 10th of the last month; half-year 15 June; annual 5 November.
    rules = [RuleSpec(Q, 10), RuleSpec(H, 15, 6), RuleSpec(Y, 5, 11)]
    assert due_map(rules, year) == {
        f"{year}-Q1": D(year, 3, 10),
        f"{year}-Q2": D(year, 6, 10),
        f"{year}-Q3": D(year, 9, 10),
        f"{year}-Q4": D(year, 12, 10),
        f"{year}-H1": D(year, 6, 15),
        f"{year}": D(year, 11, 5),
    }


@pytest.mark.parametrize("year", [2026, 2027])
def test_all_three_on_the_20th_of_the_last_month(year: int) -> None:
    rules = [RuleSpec(Q, 20), RuleSpec(H, 20), RuleSpec(Y, 20)]
    assert due_map(rules, year) == {
        f"{year}-Q1": D(year, 3, 20),
        f"{year}-Q2": D(year, 6, 20),
        f"{year}-Q3": D(year, 9, 20),
        f"{year}-Q4": D(year, 12, 20),
        f"{year}-H1": D(year, 6, 20),
        f"{year}-H2": D(year, 12, 20),
        f"{year}": D(year, 12, 20),
    }


@pytest.mark.parametrize("year", [2026, 2027])
def test_half_yearly_in_june_and_december(year: int) -> None:
    assert due_map([RuleSpec(H, 15)], year) == {
        f"{year}-H1": D(year, 6, 15),
        f"{year}-H2": D(year, 12, 15),
    }


@pytest.mark.parametrize("year", [2026, 2027])
def test_quarterly_day_20_and_annual_15_november(year: int) -> None:
    dues = due_map([RuleSpec(Q, 20), RuleSpec(Y, 15, 11)], year)
    assert dues[f"{year}-Q4"] == D(year, 12, 20)
    assert dues[f"{year}"] == D(year, 11, 15)
    assert len(dues) == 5


def test_monthly_and_nine_months() -> None:
    dues = due_map([RuleSpec(M, 20), RuleSpec(N, 25)], 2026)
    assert dues["2026-02"] == D(2026, 2, 20)
    assert dues["2026-09"] == D(2026, 9, 20)
    assert dues["2026-9M"] == D(2026, 9, 25)
    assert len(dues) == 13


def test_due_day_clamped_to_month_end() -> None:
    assert due_map([RuleSpec(M, 31)], 2026)["2026-02"] == D(2026, 2, 28)
    assert due_map([RuleSpec(M, 31)], 2028)["2028-02"] == D(2028, 2, 29)


def test_decree_09_windows() -> None:
    c = CutoffMode.DECREE_09
    assert window(M, 2026, 1, c) == (D(2025, 12, 15), D(2026, 1, 14))
    assert window(Q, 2026, 1, c) == (D(2025, 12, 15), D(2026, 3, 14))
    assert window(Q, 2026, 4, c) == (D(2026, 9, 15), D(2026, 12, 14))
    assert window(H, 2026, 1, c) == (D(2025, 12, 15), D(2026, 6, 14))
    assert window(H, 2026, 2, c) == (D(2026, 6, 15), D(2026, 12, 14))
    assert window(Y, 2026, 1, c) == (D(2025, 12, 15), D(2026, 12, 14))


def test_calendar_windows() -> None:
    c = CutoffMode.CALENDAR
    assert window(Q, 2026, 4, c) == (D(2026, 10, 1), D(2026, 12, 31))
    assert window(M, 2026, 2, c) == (D(2026, 2, 1), D(2026, 2, 28))
    assert window(Y, 2027, 1, c) == (D(2027, 1, 1), D(2027, 12, 31))


def test_labels() -> None:
    assert period_label("2026-09", "vi") == "Tháng 9/2026"
    assert period_label("2026-Q4", "vi") == "Quý IV/2026"
    assert period_label("2026-H1", "vi") == "6 tháng đầu năm 2026"
    assert period_label("2026-H2", "vi") == "6 tháng cuối năm 2026"
    assert period_label("2026-9M", "vi") == "9 tháng năm 2026"
    assert period_label("2026", "vi") == "Năm 2026"
    assert period_label("2026-Q4", "en") == "Q4 2026"


def test_keys_round_trip_and_reject_garbage() -> None:
    for key in ("2026-09", "2026-Q4", "2026-H1", "2026-9M", "2026"):
        kind, year, index = parse_key(key)
        assert year == 2026
        assert kind in PeriodKind
        del index
    for bad in ("2026-13", "2026-Q5", "26-Q1", "2026-H3", "Q4"):
        with pytest.raises(ValueError):
            parse_key(bad)


def test_open_and_recent_periods() -> None:
    rules = [RuleSpec(Q, 10), RuleSpec(H, 15, 6), RuleSpec(Y, 5, 11)]
    opened = open_period(rules, D(2026, 11, 23))
    assert opened is not None and opened.key == "2026-Q4"
    # On the due day itself the period is still open.
    opened = open_period(rules, D(2026, 12, 10))
    assert opened is not None and opened.key == "2026-Q4"
    opened = open_period(rules, D(2026, 12, 11))
    assert opened is not None and opened.key == "2027-Q1"
    recent = [p.key for p in recent_periods(rules, D(2026, 12, 11))]
    assert recent == ["2027-Q1", "2026-Q4", "2026"]
    assert open_period([], D(2026, 1, 1)) is None


def test_period_by_key_respects_rules() -> None:
    rules = [RuleSpec(H, 15, 6)]
    p = period_by_key(rules, "2026-H1")
    assert p is not None and p.due == D(2026, 6, 15)
    assert period_by_key(rules, "2026-H2") is None
    assert period_by_key(rules, "2026-Q1") is None


def test_open_and_recent_periods_on_29_february() -> None:
    """Two years on from a leap day is 28 February (this used to raise ValueError)."""
    rules = [RuleSpec(Q, 10)]
    opened = open_period(rules, D(2028, 2, 29))
    assert opened is not None and opened.key == "2028-Q1"
    assert [p.key for p in recent_periods(rules, D(2028, 2, 29))] == [
        "2028-Q1",
        "2027-Q4",
        "2027-Q3",
    ]
    assert years_later(D(2028, 2, 29), 2) == D(2030, 2, 28)
    assert years_later(D(2028, 2, 29), -4) == D(2024, 2, 29)


def test_periods_for_year_is_a_fresh_list_each_time() -> None:
    """The periods are computed once per rule set and year; callers may still change theirs."""
    rules = [RuleSpec(Q, 10)]
    first = periods_for_year(rules, 2026)
    first.clear()
    assert [p.key for p in periods_for_year(rules, 2026)] == [f"2026-Q{i}" for i in (1, 2, 3, 4)]

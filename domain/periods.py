"""Reporting periods: keys, labels, covered windows and due dates (DOMAIN.md section 4)."""

from __future__ import annotations

import calendar
import datetime as dt
import functools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Protocol

from db.models import CutoffMode, PeriodKind
from locales import t

ROMAN = {1: "I", 2: "II", 3: "III", 4: "IV"}

# Months each kind of period spans, as (first month, last month) per index within a year.
SPANS: dict[PeriodKind, list[tuple[int, int]]] = {
    PeriodKind.MONTHLY: [(m, m) for m in range(1, 13)],
    PeriodKind.QUARTERLY: [(1, 3), (4, 6), (7, 9), (10, 12)],
    PeriodKind.SEMIANNUAL: [(1, 6), (7, 12)],
    PeriodKind.NINE_MONTHS: [(1, 9)],
    PeriodKind.ANNUAL: [(1, 12)],
}

_KEY_RE = re.compile(r"^(\d{4})(?:-(?:(\d{2})|Q([1-4])|H([12])|(9M)))?$")


class Deadlines(Protocol):
    """Moves a deadline written on a day off (domain.workdays.WorkCalendar)."""

    def deadline(self, day: dt.date) -> dt.date:
        """When a deadline written as `day` ends."""
        ...


@dataclass(frozen=True, order=True)
class RuleSpec:
    """A reporting rule: the period kind and when its report is due."""

    kind: PeriodKind
    due_day: int
    due_month: int | None = None  # None: the last month of the period


@dataclass(frozen=True)
class Period:
    """One reporting period of a plan, with its window and due date."""

    key: str
    kind: PeriodKind
    year: int
    index: int  # month 1-12, quarter 1-4, half 1-2, or 1
    start: dt.date  # covered window (data cut-off)
    end: dt.date
    due: dt.date  # when the report is due: the written date, or the working day after it
    written: dt.date | None = None  # the date the plan wrote, when `due` was moved off a day off

    def label(self, locale: str | None = None) -> str:
        """Human label: "Quý IV/2026", "6 tháng đầu năm 2026", "Q4 2026"…"""
        return period_label(self.key, locale)


def _clamp_day(year: int, month: int, day: int) -> dt.date:
    return dt.date(year, month, min(day, calendar.monthrange(year, month)[1]))


def _shift_month(year: int, month: int, delta: int) -> tuple[int, int]:
    idx = year * 12 + (month - 1) + delta
    return idx // 12, idx % 12 + 1


def period_key(kind: PeriodKind, year: int, index: int) -> str:
    """The canonical key: 2026-09, 2026-Q4, 2026-H1, 2026-9M, 2026."""
    if kind is PeriodKind.MONTHLY:
        return f"{year}-{index:02d}"
    if kind is PeriodKind.QUARTERLY:
        return f"{year}-Q{index}"
    if kind is PeriodKind.SEMIANNUAL:
        return f"{year}-H{index}"
    if kind is PeriodKind.NINE_MONTHS:
        return f"{year}-9M"
    return f"{year}"


def parse_key(key: str) -> tuple[PeriodKind, int, int]:
    """Split a period key into (kind, year, index); ValueError when malformed."""
    m = _KEY_RE.match(key.strip())
    if not m:
        raise ValueError(f"not a period key: {key!r}")
    year = int(m.group(1))
    if m.group(2):
        month = int(m.group(2))
        if not 1 <= month <= 12:
            raise ValueError(f"not a period key: {key!r}")
        return PeriodKind.MONTHLY, year, month
    if m.group(3):
        return PeriodKind.QUARTERLY, year, int(m.group(3))
    if m.group(4):
        return PeriodKind.SEMIANNUAL, year, int(m.group(4))
    if m.group(5):
        return PeriodKind.NINE_MONTHS, year, 1
    return PeriodKind.ANNUAL, year, 1


def months_of(kind: PeriodKind, index: int) -> tuple[int, int]:
    """First and last month of a period."""
    if kind is PeriodKind.MONTHLY:
        return index, index
    return SPANS[kind][index - 1]


def window(kind: PeriodKind, year: int, index: int, mode: CutoffMode) -> tuple[dt.date, dt.date]:
    """The dates a period's report covers (Decree 09/2019 art. 12, or calendar)."""
    first, last = months_of(kind, index)
    if mode is CutoffMode.CALENDAR:
        return dt.date(year, first, 1), _clamp_day(year, last, 31)
    if kind in (PeriodKind.ANNUAL, PeriodKind.NINE_MONTHS):
        start = dt.date(year - 1, 12, 15)
    else:
        sy, sm = _shift_month(year, first, -1)
        start = dt.date(sy, sm, 15)
    return start, dt.date(year, last, 14)


def due_date(rule: RuleSpec, year: int, index: int) -> dt.date:
    """When the report for a period is due under a rule."""
    _first, last = months_of(rule.kind, index)
    month = last if rule.due_month is None else rule.due_month
    return _clamp_day(year, month, rule.due_day)


def applies(rule: RuleSpec, index: int) -> bool:
    """A rule with a fixed due month only yields the periods containing that month.

    "Báo cáo 6 tháng gửi trước ngày 15 tháng 6" is the first-half report only.
    """
    if rule.due_month is None or rule.kind in (PeriodKind.ANNUAL, PeriodKind.MONTHLY):
        return True
    first, last = months_of(rule.kind, index)
    return first <= rule.due_month <= last


def make_period(rule: RuleSpec, year: int, index: int, mode: CutoffMode) -> Period:
    """Build one period of a rule."""
    start, end = window(rule.kind, year, index, mode)
    due = due_date(rule, year, index)
    if due <= end:
        # The data a report covers cannot run past the day it is sent: end the window the day
        # before the due date, and start it as many days earlier so periods stay contiguous.
        shift = end - (due - dt.timedelta(days=1))
        end = due - dt.timedelta(days=1)
        if mode is not CutoffMode.CALENDAR:
            start = start - shift
    return Period(
        key=period_key(rule.kind, year, index),
        kind=rule.kind,
        year=year,
        index=index,
        start=start,
        end=end,
        due=due,
    )


def on_working_day(period: Period, cal: Deadlines | None) -> Period:
    """The period with its deadline moved off a day off (Civil Code art. 148(5))."""
    if cal is None:
        return period
    due = cal.deadline(period.due)
    return period if due == period.due else replace(period, due=due, written=period.due)


def periods_for_year(
    rules: Iterable[RuleSpec],
    year: int,
    mode: CutoffMode = CutoffMode.DECREE_09,
    cal: Deadlines | None = None,
) -> list[Period]:
    """Every period of the year under the given rules, ordered by due date.

    With `cal`, a deadline on a day off moves to the next working day.
    """
    periods = _periods_for_year(tuple(rules), year, mode)
    if cal is None:
        return list(periods)
    return sorted((on_working_day(p, cal) for p in periods), key=lambda p: (p.due, p.key))


@functools.lru_cache(maxsize=4096)
def _periods_for_year(
    rules: tuple[RuleSpec, ...], year: int, mode: CutoffMode
) -> tuple[Period, ...]:
    # Pure and asked on every report form step that needs the period: computed once.
    out: list[Period] = []
    for rule in rules:
        count = 12 if rule.kind is PeriodKind.MONTHLY else len(SPANS[rule.kind])
        for index in range(1, count + 1):
            if applies(rule, index):
                out.append(make_period(rule, year, index, mode))
    return tuple(sorted(out, key=lambda p: (p.due, p.key)))


def years_later(day: dt.date, years: int) -> dt.date:
    """The same day `years` later (or earlier); 29 February becomes the 28th."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def periods_between(
    rules: Sequence[RuleSpec],
    first: dt.date,
    last: dt.date,
    mode: CutoffMode = CutoffMode.DECREE_09,
    cal: Deadlines | None = None,
) -> list[Period]:
    """Periods whose due date falls within [first, last]."""
    out: list[Period] = []
    for year in range(first.year - 1, last.year + 2):
        out.extend(p for p in periods_for_year(rules, year, mode, cal) if first <= p.due <= last)
    return sorted(out, key=lambda p: (p.due, p.key))


def open_period(
    rules: Sequence[RuleSpec],
    today: dt.date,
    mode: CutoffMode = CutoffMode.DECREE_09,
    cal: Deadlines | None = None,
) -> Period | None:
    """The period whose report is due next (today included); None without rules."""
    if not rules:
        return None
    upcoming = periods_between(rules, today, years_later(today, 2), mode, cal)
    return upcoming[0] if upcoming else None


def recent_periods(
    rules: Sequence[RuleSpec],
    today: dt.date,
    mode: CutoffMode = CutoffMode.DECREE_09,
    *,
    back: int = 2,
    cal: Deadlines | None = None,
) -> list[Period]:
    """The open period first, then up to `back` whose deadline has passed (late reports)."""
    if not rules:
        return []
    opened = open_period(rules, today, mode, cal)
    past = periods_between(rules, years_later(today, -2), today - dt.timedelta(days=1), mode, cal)
    result = [opened] if opened else []
    result.extend(reversed(past[-back:]))
    return result


def period_by_key(
    rules: Sequence[RuleSpec],
    key: str,
    mode: CutoffMode = CutoffMode.DECREE_09,
    cal: Deadlines | None = None,
) -> Period | None:
    """The period with this key under the plan's rules, or None if no rule yields it."""
    kind, year, index = parse_key(key)
    for rule in rules:
        if rule.kind is kind and applies(rule, index):
            return on_working_day(make_period(rule, year, index, mode), cal)
    return None


def period_label(key: str, locale: str | None = None) -> str:
    """Localised label of a period key."""
    kind, year, index = parse_key(key)
    if kind is PeriodKind.MONTHLY:
        return t("period.month", locale, month=index, year=year)
    if kind is PeriodKind.QUARTERLY:
        return t("period.quarter", locale, roman=ROMAN[index], quarter=index, year=year)
    if kind is PeriodKind.SEMIANNUAL:
        return t("period.half1" if index == 1 else "period.half2", locale, year=year)
    if kind is PeriodKind.NINE_MONTHS:
        return t("period.nine_months", locale, year=year)
    return t("period.year", locale, year=year)

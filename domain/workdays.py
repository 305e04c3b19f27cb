"""The working-day calendar: weekends, public holidays and the civil-service arrangement.

Two sources (DOMAIN.md section 5):

- the statutory days off (Labour Code 2019 art. 112: 1/1, Tết, Giỗ Tổ 10/3 lunar, 30/4, 1/5, 2/9
  and the day next to it, with their "nghỉ bù" when one falls on a weekend), computed for any year
  by the `holidays` package (lunar dates included). 24/11 (Vietnamese Culture Day), which the
  package lists from 2026 on the strength of Resolution 80-NQ/TW, is left out: it is not among the
  days of art. 112 that DOMAIN.md lists, and a Party resolution is not the Labour Code. An office
  whose staff get the day off records it with `dondoc holiday add 2026-11-24 --name …`;
- the yearly arrangement for civil servants (swapped days off, make-up working Saturdays): rows
  of the `holidays` table an administrator edits (`dondoc holiday add/remove/list`), 2026
  preloaded. A row overrides the computed day (a `working` row cancels a computed day off).

Reminders never fall on a day off; a deadline on a day off ends with the next working day (Civil
Code 2015 art. 148(5)) unless the plan keeps deadlines as written.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Holiday
from domain.errors import DomainError
from domain.registry import audit

# How far a search for a working day may go (Tết plus weekends is under two weeks).
_MAX_SEARCH = 60

# Computed days left out (see the module docstring): (month, day) from the given year on.
_NOT_STATUTORY = {(11, 24)}


@functools.lru_cache(maxsize=64)
def statutory_days(year: int) -> Mapping[dt.date, str]:
    """Statutory days off of a year (Vietnamese names), from the `holidays` package."""
    if not 1995 <= year <= 2200:
        return {}
    from holidays.countries.vietnam import Vietnam  # ~0.1 s: only when a calendar is needed

    days = Vietnam(years=year, language="vi")  # type: ignore[no-untyped-call]
    return {d: str(n) for d, n in sorted(days.items()) if (d.month, d.day) not in _NOT_STATUTORY}


@dataclass(frozen=True)
class WorkCalendar:
    """Days off and make-up working days; everything else follows Monday-Friday.

    `off` and `working` are the recorded arrangement; with `computed` the statutory days off of
    every year count too.
    """

    off: frozenset[dt.date] = field(default_factory=frozenset)
    working: frozenset[dt.date] = field(default_factory=frozenset)
    computed: bool = True

    @property
    def years(self) -> set[int]:
        """Years for which an arrangement (any row) is recorded."""
        return {d.year for d in self.off | self.working}

    def is_working(self, day: dt.date) -> bool:
        """True on a working day."""
        if day in self.working:
            return True
        if day in self.off:
            return False
        if self.computed and day in statutory_days(day.year):
            return False
        return day.weekday() < 5

    def previous_working(self, day: dt.date) -> dt.date:
        """The day itself if it is a working day, else the closest working day before it."""
        for _ in range(_MAX_SEARCH):
            if self.is_working(day):
                return day
            day -= dt.timedelta(days=1)
        raise DomainError("workdays.no_working_day", day=day.strftime("%d/%m/%Y"))

    def next_working(self, day: dt.date) -> dt.date:
        """The day itself if it is a working day, else the closest working day after it."""
        for _ in range(_MAX_SEARCH):
            if self.is_working(day):
                return day
            day += dt.timedelta(days=1)
        raise DomainError("workdays.no_working_day", day=day.strftime("%d/%m/%Y"))

    def deadline(self, day: dt.date) -> dt.date:
        """When a deadline written as `day` ends: the next working day if `day` is a day off."""
        return self.next_working(day)

    def missing_years(self, first: dt.date, last: dt.date) -> list[int]:
        """Years touched by [first, last] that have no arrangement recorded."""
        known = self.years
        return [y for y in range(first.year, last.year + 1) if y not in known]


def calendar_from(rows: Iterable[Holiday], *, computed: bool = True) -> WorkCalendar:
    """Build a calendar from holiday rows (plus the computed statutory days)."""
    off: set[dt.date] = set()
    working: set[dt.date] = set()
    for row in rows:
        (working if row.working else off).add(row.day)
    return WorkCalendar(off=frozenset(off), working=frozenset(working), computed=computed)


_ALL = select(Holiday)


async def load_calendar(session: AsyncSession) -> WorkCalendar:
    """The calendar: the recorded arrangement plus the computed statutory days."""
    return calendar_from((await session.execute(_ALL)).scalars())


async def deadline_calendar(session: AsyncSession, keep_written: bool) -> WorkCalendar | None:
    """The calendar that moves a plan's deadlines off days off, or None if it keeps them."""
    return None if keep_written else await load_calendar(session)


def task_deadline(due: dt.date | None, cal: WorkCalendar | None) -> dt.date | None:
    """When a task's own deadline ends: as written, or the next working day if it falls on a
    day off and the plan moves its deadlines (`cal` from `deadline_calendar`, None to keep)."""
    if due is None or cal is None:
        return due
    return cal.deadline(due)


def years_missing_holidays(
    cal: WorkCalendar, today: dt.date, until: dt.date | None = None
) -> list[int]:
    """Years that have only the computed days: no civil-service arrangement recorded.

    This year always; next year from 1 October, or earlier when `until` reaches into it.
    """
    years = {today.year}
    if today.month >= 10:
        years.add(today.year + 1)
    if until is not None:
        years.update(range(today.year, until.year + 1))
    return [y for y in sorted(years) if y not in cal.years]


@dataclass(frozen=True)
class DayEntry:
    """One line of the calendar of a year: a day off or a make-up working day."""

    day: dt.date
    name: str
    working: bool
    source: str  # "law" (computed), "arrangement" (recorded), "both" (recorded over a law day)


async def calendar_of_year(session: AsyncSession, year: int) -> list[DayEntry]:
    """Every day off (computed or recorded) and make-up working day of a year, by date."""
    law = statutory_days(year)
    recorded = {h.day: h for h in await list_holidays(session, year)}
    out: list[DayEntry] = []
    for day in sorted(set(law) | set(recorded)):
        row = recorded.get(day)
        if row is None:
            out.append(DayEntry(day, law[day], False, "law"))
        else:
            out.append(
                DayEntry(day, row.name, row.working, "both" if day in law else "arrangement")
            )
    return out


async def list_holidays(session: AsyncSession, year: int | None = None) -> list[Holiday]:
    """Holidays (and make-up days), by date, optionally of one year."""
    q = select(Holiday).order_by(Holiday.day)
    if year is not None:
        q = q.where(Holiday.day >= dt.date(year, 1, 1), Holiday.day <= dt.date(year, 12, 31))
    return list((await session.execute(q)).scalars())


def _days(first: dt.date, last: dt.date) -> list[dt.date]:
    if last < first:
        raise DomainError(
            "workdays.bad_range", first=first.strftime("%d/%m/%Y"), last=last.strftime("%d/%m/%Y")
        )
    if (last - first).days > 31:
        raise DomainError(
            "workdays.range_too_long",
            first=first.strftime("%d/%m/%Y"),
            last=last.strftime("%d/%m/%Y"),
        )
    return [first + dt.timedelta(days=i) for i in range((last - first).days + 1)]


async def add_holidays(
    session: AsyncSession,
    now: dt.datetime,
    first: dt.date,
    last: dt.date,
    name: str,
    *,
    working: bool = False,
    actor: str = "",
) -> list[Holiday]:
    """Record days off (or make-up working days) from first to last; existing days are replaced."""
    if not name.strip():
        raise DomainError("workdays.name_empty")
    out: list[Holiday] = []
    for day in _days(first, last):
        row = await session.get(Holiday, day)
        if row is None:
            row = Holiday(day=day, name=name.strip(), working=working)
            session.add(row)
        else:
            row.name, row.working = name.strip(), working
        out.append(row)
    await session.flush()
    audit(
        session,
        now,
        "add",
        "holiday",
        None,
        actor=actor,
        first=first.isoformat(),
        last=last.isoformat(),
        name=name.strip(),
        working=working,
    )
    return out


async def remove_holidays(
    session: AsyncSession, now: dt.datetime, first: dt.date, last: dt.date, *, actor: str = ""
) -> int:
    """Delete the entries from first to last; returns how many there were."""
    days = _days(first, last)
    result = await session.execute(delete(Holiday).where(Holiday.day.in_(days)))
    count = int(getattr(result, "rowcount", 0) or 0)
    audit(
        session,
        now,
        "remove",
        "holiday",
        None,
        actor=actor,
        first=first.isoformat(),
        last=last.isoformat(),
        count=count,
    )
    return count

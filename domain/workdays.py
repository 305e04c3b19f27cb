"""The working-day calendar: weekends, public holidays and make-up working Saturdays.

Holidays are data (the `holidays` table, 2026 preloaded by migration 0001) that an administrator
edits each year; reminders never fall on a day off (DOMAIN.md section 5).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Holiday
from domain.errors import DomainError
from domain.registry import audit

# How far a search for a working day may go (Tết plus weekends is under two weeks).
_MAX_SEARCH = 60


@dataclass(frozen=True)
class WorkCalendar:
    """Days off and make-up working days; everything else follows Monday-Friday."""

    off: frozenset[dt.date] = field(default_factory=frozenset)
    working: frozenset[dt.date] = field(default_factory=frozenset)

    @property
    def years(self) -> set[int]:
        """Years for which any holiday is recorded."""
        return {d.year for d in self.off | self.working}

    def is_working(self, day: dt.date) -> bool:
        """True on a working day."""
        if day in self.working:
            return True
        if day in self.off:
            return False
        return day.weekday() < 5

    def previous_working(self, day: dt.date) -> dt.date:
        """The day itself if it is a working day, else the closest working day before it."""
        for _ in range(_MAX_SEARCH):
            if self.is_working(day):
                return day
            day -= dt.timedelta(days=1)
        raise DomainError("workdays.no_working_day", day=day.isoformat())

    def next_working(self, day: dt.date) -> dt.date:
        """The day itself if it is a working day, else the closest working day after it."""
        for _ in range(_MAX_SEARCH):
            if self.is_working(day):
                return day
            day += dt.timedelta(days=1)
        raise DomainError("workdays.no_working_day", day=day.isoformat())

    def missing_years(self, first: dt.date, last: dt.date) -> list[int]:
        """Years touched by [first, last] that have no holiday recorded."""
        known = self.years
        return [y for y in range(first.year, last.year + 1) if y not in known]


def calendar_from(rows: Iterable[Holiday]) -> WorkCalendar:
    """Build a calendar from holiday rows."""
    off: set[dt.date] = set()
    working: set[dt.date] = set()
    for row in rows:
        (working if row.working else off).add(row.day)
    return WorkCalendar(off=frozenset(off), working=frozenset(working))


async def load_calendar(session: AsyncSession) -> WorkCalendar:
    """The calendar as stored."""
    return calendar_from((await session.execute(select(Holiday))).scalars())


def years_missing_holidays(
    cal: WorkCalendar, today: dt.date, until: dt.date | None = None
) -> list[int]:
    """Years whose holidays should be recorded but are not.

    This year always; next year from 1 October, or earlier when `until` reaches into it.
    """
    years = {today.year}
    if today.month >= 10:
        years.add(today.year + 1)
    if until is not None:
        years.update(range(today.year, until.year + 1))
    return [y for y in sorted(years) if y not in cal.years]


async def list_holidays(session: AsyncSession, year: int | None = None) -> list[Holiday]:
    """Holidays (and make-up days), by date, optionally of one year."""
    q = select(Holiday).order_by(Holiday.day)
    if year is not None:
        q = q.where(Holiday.day >= dt.date(year, 1, 1), Holiday.day <= dt.date(year, 12, 31))
    return list((await session.execute(q)).scalars())


def _days(first: dt.date, last: dt.date) -> list[dt.date]:
    if last < first:
        raise DomainError("workdays.bad_range", first=first.isoformat(), last=last.isoformat())
    if (last - first).days > 31:
        raise DomainError("workdays.range_too_long", first=first.isoformat(), last=last.isoformat())
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

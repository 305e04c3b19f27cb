"""The working-day calendar: weekends, 2026 holidays from the migration, make-up Saturdays, CLI."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
from collections.abc import Iterator

import pytest
from sqlalchemy import delete

from bot.cli import main
from db.database import Database
from db.models import Holiday
from domain.errors import DomainError
from domain.workdays import (
    add_holidays,
    load_calendar,
    remove_holidays,
    years_missing_holidays,
)

D = dt.date


async def forget_after_2026(database_url: str) -> None:
    """PostgreSQL keeps the holidays table between tests: drop what a test added."""
    database = Database(database_url)
    async with database.transaction() as s:
        await s.execute(delete(Holiday).where(Holiday.day > D(2026, 12, 31)))
    await database.dispose()


@pytest.fixture(autouse=True)
def _clean_holidays(database_url: str) -> Iterator[None]:
    asyncio.run(forget_after_2026(database_url))
    yield
    asyncio.run(forget_after_2026(database_url))


async def test_2026_calendar_from_migration(db: Database) -> None:
    async with db.read() as s:
        cal = await load_calendar(s)
    # New Year 01-04/01, make-up Saturday 10/01.
    assert not cal.is_working(D(2026, 1, 2))
    assert cal.is_working(D(2026, 1, 10))  # a Saturday, worked in exchange
    assert not cal.is_working(D(2026, 1, 17))  # an ordinary Saturday
    # Tết 14-22/02: the day before Tết is Friday 13/02.
    assert cal.previous_working(D(2026, 2, 20)) == D(2026, 2, 13)
    assert cal.next_working(D(2026, 2, 14)) == D(2026, 2, 23)
    # Hùng Kings 25-27/04 then 30/4-3/5: only 28 and 29/04 work in between.
    assert cal.previous_working(D(2026, 5, 2)) == D(2026, 4, 29)
    assert cal.next_working(D(2026, 4, 30)) == D(2026, 5, 4)
    assert cal.next_working(D(2026, 4, 25)) == D(2026, 4, 28)
    # National Day 29/08-02/09 with make-up Saturday 22/08.
    assert cal.is_working(D(2026, 8, 22))
    assert cal.previous_working(D(2026, 9, 1)) == D(2026, 8, 28)
    # An ordinary working day stays put.
    assert cal.previous_working(D(2026, 12, 7)) == D(2026, 12, 7)


async def test_missing_next_year_is_flagged(db: Database) -> None:
    async with db.read() as s:
        cal = await load_calendar(s)
    assert years_missing_holidays(cal, D(2026, 6, 1)) == []
    assert years_missing_holidays(cal, D(2026, 10, 1)) == [2027]
    assert years_missing_holidays(cal, D(2026, 6, 1), D(2027, 1, 31)) == [2027]
    async with db.transaction() as s:
        await add_holidays(s, dt.datetime.now(dt.UTC), D(2027, 1, 1), D(2027, 1, 1), "Tết DL")
    async with db.read() as s:
        cal = await load_calendar(s)
    assert years_missing_holidays(cal, D(2026, 11, 23)) == []


async def test_add_and_remove(db: Database) -> None:
    now = dt.datetime.now(dt.UTC)
    async with db.transaction() as s:
        rows = await add_holidays(s, now, D(2027, 2, 5), D(2027, 2, 9), "Tết Nguyên đán")
        assert len(rows) == 5
    async with db.read() as s:
        cal = await load_calendar(s)
    assert cal.previous_working(D(2027, 2, 9)) == D(2027, 2, 4)
    async with db.transaction() as s:
        assert await remove_holidays(s, now, D(2027, 2, 8), D(2027, 2, 9)) == 2
    async with db.read() as s:
        cal = await load_calendar(s)
    assert cal.is_working(D(2027, 2, 9))
    with pytest.raises(DomainError) as err:
        async with db.transaction() as s:
            await add_holidays(s, now, D(2027, 2, 9), D(2027, 2, 5), "x")
    assert err.value.key == "workdays.bad_range"
    with pytest.raises(DomainError):
        async with db.transaction() as s:
            await add_holidays(s, now, D(2027, 2, 5), D(2027, 2, 5), "  ")


def test_holiday_cli(
    database_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DATABASE_URL", database_url)
    assert main(["holiday", "add", "2027-02-05", "--to", "2027-02-09", "--name", "Tết"]) == 0
    assert "5" in capsys.readouterr().out
    assert main(["holiday", "add", "2027-02-20", "--name", "Làm bù", "--working"]) == 0
    capsys.readouterr()
    assert main(["--json", "holiday", "list", "--year", "2027"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [d["day"] for d in listed][:2] == ["2027-02-05", "2027-02-06"]
    assert listed[-1] == {"day": "2027-02-20", "name": "Làm bù", "working": True}
    assert main(["holiday", "list", "--year", "2026"]) == 0
    text = capsys.readouterr().out
    assert "30/04/2026" in text and "làm việc bù" in text
    assert main(["holiday", "remove", "2027-02-05", "--to", "2027-02-09"]) == 0
    capsys.readouterr()
    assert main(["holiday", "add", "2027-13-01", "--name", "x"]) == 1
    assert "2027-13-01" in capsys.readouterr().err

    async def count() -> int:
        database = Database(database_url)
        async with database.read() as s:
            cal = await load_calendar(s)
        await database.dispose()
        return len([d for d in cal.off | cal.working if d.year == 2027])

    assert asyncio.run(count()) == 1

"""The working-day calendar: statutory days computed for any year (Tết 2027), the 2026
civil-service arrangement as data, deadlines moved off days off, and the `holiday` commands."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
from collections.abc import Iterator

import pytest
from sqlalchemy import delete, select

from bot.cli import main
from db.database import Database
from db.models import Holiday, PeriodKind, Plan
from domain.errors import DomainError
from domain.periods import RuleSpec, open_period, period_by_key, periods_between
from domain.workdays import (
    WorkCalendar,
    add_holidays,
    load_calendar,
    remove_holidays,
    statutory_days,
    years_missing_holidays,
)
from handlers.common import plan_periods
from tests.test_reminders_cli import seeded

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


def test_statutory_days_any_year() -> None:
    tet27 = statutory_days(2027)
    assert "Tết" in tet27[D(2027, 2, 6)]  # lunar New Year 2027
    assert {D(2027, 2, 4), D(2027, 2, 10)} <= set(tet27)
    assert D(2027, 4, 16) in tet27  # Giỗ Tổ, 10/3 lunar
    assert D(2027, 5, 3) in tet27  # 1/5 on a Saturday: the Monday off (nghỉ bù)
    assert D(2030, 2, 3) in statutory_days(2030)  # Tết 2030
    # 24/11 (Culture Day) is not among the Labour Code's days: left to the administrator.
    assert D(2026, 11, 24) not in statutory_days(2026)
    assert D(2027, 11, 24) not in tet27


def test_tet_2027_without_any_data() -> None:
    cal = WorkCalendar()
    assert not cal.is_working(D(2027, 2, 10))
    assert cal.previous_working(D(2027, 2, 10)) == D(2027, 2, 3)
    assert cal.next_working(D(2027, 2, 5)) == D(2027, 2, 11)
    assert cal.deadline(D(2027, 2, 10)) == D(2027, 2, 11)
    assert cal.deadline(D(2027, 2, 11)) == D(2027, 2, 11)
    # Across 31 December: New Year 2027 is a Friday, then the weekend.
    assert cal.next_working(D(2026, 12, 31)) == D(2026, 12, 31)
    assert cal.deadline(D(2027, 1, 1)) == D(2027, 1, 4)
    assert cal.previous_working(D(2027, 1, 3)) == D(2026, 12, 31)
    assert WorkCalendar(computed=False).is_working(D(2027, 2, 10))


async def test_2026_calendar_computed_plus_arrangement(db: Database) -> None:
    async with db.read() as s:
        cal = await load_calendar(s)
        rows = {h.day: h for h in (await s.execute(select(Holiday))).scalars()}
    # Only the arrangement is data: swapped Fridays/Mondays and make-up Saturdays.
    assert {d for d in rows if d.year == 2026} == {
        D(2026, 1, 2),
        D(2026, 1, 10),
        D(2026, 8, 22),
        D(2026, 8, 31),
    }
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
    assert cal.previous_working(D(2026, 12, 7)) == D(2026, 12, 7)
    # Exactly the table of DOMAIN.md section 5: 13 weekdays off in 2026, no more.
    off = [D(2026, 1, 1) + dt.timedelta(days=i) for i in range(365)]
    spans = [
        (D(2026, 1, 1), D(2026, 1, 4)),
        (D(2026, 2, 14), D(2026, 2, 22)),
        (D(2026, 4, 25), D(2026, 4, 27)),
        (D(2026, 4, 30), D(2026, 5, 3)),
        (D(2026, 8, 29), D(2026, 9, 2)),
    ]
    for first, last in spans:
        assert all(not cal.is_working(d) for d in off if first <= d <= last)
    assert sum(1 for d in off if not cal.is_working(d) and d.weekday() < 5) == 13


async def test_only_computed_years_are_flagged(db: Database) -> None:
    async with db.read() as s:
        cal = await load_calendar(s)
    assert years_missing_holidays(cal, D(2026, 6, 1)) == []
    assert years_missing_holidays(cal, D(2026, 10, 1)) == [2027]
    assert years_missing_holidays(cal, D(2026, 6, 1), D(2027, 1, 31)) == [2027]
    async with db.transaction() as s:
        await add_holidays(s, dt.datetime.now(dt.UTC), D(2027, 1, 2), D(2027, 1, 2), "Làm bù")
    async with db.read() as s:
        cal = await load_calendar(s)
    assert years_missing_holidays(cal, D(2026, 11, 23)) == []


async def test_add_and_remove(db: Database) -> None:
    now = dt.datetime.now(dt.UTC)
    async with db.transaction() as s:
        rows = await add_holidays(s, now, D(2027, 2, 11), D(2027, 2, 12), "Nghỉ bù Tết")
        assert len(rows) == 2
        # A working row cancels a computed day off.
        await add_holidays(s, now, D(2027, 2, 4), D(2027, 2, 4), "Làm việc", working=True)
    async with db.read() as s:
        cal = await load_calendar(s)
    assert cal.next_working(D(2027, 2, 10)) == D(2027, 2, 15)
    assert cal.previous_working(D(2027, 2, 10)) == D(2027, 2, 4)
    async with db.transaction() as s:
        assert await remove_holidays(s, now, D(2027, 2, 11), D(2027, 2, 12)) == 2
    async with db.read() as s:
        cal = await load_calendar(s)
    assert cal.is_working(D(2027, 2, 11))
    assert not cal.is_working(D(2027, 2, 10))  # still Tết: computed
    with pytest.raises(DomainError) as err:
        async with db.transaction() as s:
            await add_holidays(s, now, D(2027, 2, 9), D(2027, 2, 5), "x")
    assert err.value.key == "workdays.bad_range"
    with pytest.raises(DomainError):
        async with db.transaction() as s:
            await add_holidays(s, now, D(2027, 2, 5), D(2027, 2, 5), "  ")


def test_deadlines_move_to_next_working_day() -> None:
    cal = WorkCalendar()
    monthly = [RuleSpec(PeriodKind.MONTHLY, 10)]
    feb = period_by_key(monthly, "2027-02", cal=cal)
    assert feb is not None and feb.due == D(2027, 2, 11) and feb.written == D(2027, 2, 10)
    as_written = period_by_key(monthly, "2027-02")
    assert as_written is not None and as_written.due == D(2027, 2, 10)
    # On 11/02 the February report is still open (the office was closed 04-10/02).
    opened = open_period(monthly, D(2027, 2, 11), cal=cal)
    assert opened is not None and opened.key == "2027-02"
    assert open_period(monthly, D(2027, 2, 11)).key == "2027-03"  # type: ignore[union-attr]
    # A report due 31/12 rolls into the next year only when 31/12 is a day off.
    yearly = [RuleSpec(PeriodKind.ANNUAL, 31, 12)]
    due = [p.due for p in periods_between(yearly, D(2027, 1, 1), D(2029, 1, 31), cal=cal)]
    assert due == [D(2027, 12, 31), D(2029, 1, 2)]  # 31/12/2028 is a Sunday, 1/1/2029 a holiday


async def test_plan_may_keep_deadlines_as_written(db: Database) -> None:
    seeded_plan = await _plan_with_monthly_rule(db)
    async with db.read() as s:
        plan = await s.get(Plan, seeded_plan)
        assert plan is not None
        moved = await plan_periods(s, plan, D(2027, 2, 11))
    assert moved.current is not None and moved.current.key == "2027-02"
    assert moved.current.due == D(2027, 2, 11)
    async with db.transaction() as s:
        row = await s.get(Plan, seeded_plan)
        assert row is not None
        row.keep_written_deadlines = True
    async with db.read() as s:
        plan = await s.get(Plan, seeded_plan)
        assert plan is not None
        kept = await plan_periods(s, plan, D(2027, 2, 11))
    assert kept.current is not None and kept.current.key == "2027-03"
    late = kept.find("2027-02")
    assert late is not None and late.due == D(2027, 2, 10)


async def _plan_with_monthly_rule(db: Database) -> int:
    from tests.test_reminders_support import build_world, local

    world = await build_world(db, local(2026, 11, 1, 9), rules=((PeriodKind.MONTHLY, 10, None),))
    return world.plan_id


def test_holiday_cli(
    database_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("DEFAULT_LOCALE", "vi")
    assert main(["holiday", "list", "--year", "2027"]) == 0
    out, err = capsys.readouterr()
    assert "06/02/2027 (T7)  Tết Nguyên Đán" in out
    assert "10/02/2027 (T4)" in out and "Bộ luật Lao động" in out
    assert "năm 2027 mới có các ngày nghỉ lễ" in err
    assert main(["holiday", "add", "11/02/2027", "--to", "12/02/2027", "--name", "Nghỉ bù"]) == 0
    assert "2 ngày" in capsys.readouterr().out
    assert main(["holiday", "add", "2027-02-20", "--name", "Làm bù", "--working"]) == 0
    capsys.readouterr()
    assert main(["holiday", "list", "--year", "2027", "--json"]) == 0
    out, err = capsys.readouterr()
    listed = json.loads(out)
    assert err == ""  # 2027 now has an arrangement
    by_day = {d["day"]: d for d in listed}
    assert by_day["2027-02-06"]["source"] == "law"
    assert by_day["2027-02-11"] == {
        "day": "2027-02-11",
        "name": "Nghỉ bù",
        "working": False,
        "source": "arrangement",
    }
    assert by_day["2027-02-20"]["working"] is True
    assert main(["--json", "holiday", "list", "--year", "2026"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert {d["day"] for d in listed if d["source"] != "law"} == {
        "2026-01-02",
        "2026-01-10",
        "2026-08-22",
        "2026-08-31",
    }
    assert main(["holiday", "list", "--year", "2026"]) == 0
    text = capsys.readouterr().out
    assert "30/04/2026" in text and "làm việc bù" in text
    assert main(["holiday", "remove", "2027-02-11", "--to", "2027-02-12"]) == 0
    assert "2 ngày" in capsys.readouterr().out
    assert main(["holiday", "add", "2027-13-01", "--name", "x"]) == 1
    assert "2027-13-01" in capsys.readouterr().err


def test_q1_2027_reminders_preview_respects_tet(
    database_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("TIMEZONE", "Asia/Ho_Chi_Minh")
    world = seeded(database_url)
    assert (
        main(["rule", "set", "--plan", str(world.plan_id), "--period", "monthly", "--day", "10"])
        == 0
    )
    capsys.readouterr()
    argv = ["reminders", "preview", "--plan", str(world.plan_id), "--json"]
    assert main([*argv, "--from", "2027-01-01", "--to", "2027-03-31"]) == 0
    data = json.loads(capsys.readouterr().out)
    days = {D.fromisoformat(r["at"][:10]) for r in data["reminders"]}
    tet = {D(2027, 2, 4) + dt.timedelta(days=i) for i in range(7)}
    assert days and not days & tet  # nobody is reminded during Tết 04-10/02
    assert all(d.weekday() < 5 for d in days)
    assert D(2027, 1, 1) not in days
    feb = [r for r in data["reminders"] if r["period"] == "2027-02"]
    assert {r["due"] for r in feb} == {"2027-02-11"}  # due 10/02 (Tết): the next working day
    assert {r["at"][:10] for r in feb if r["kind"] == "before_due"} == {"2027-02-03"}
    assert any("2027" in w for w in data["warnings"])  # only computed days for 2027
    # Across 31 December: the December report's overdue reminder lands on 04/01/2027.
    assert main([*argv, "--from", "2026-12-15", "--to", "2027-01-15"]) == 0
    data = json.loads(capsys.readouterr().out)
    seen = sorted({(r["at"][:10], r["kind"], r["due"]) for r in data["reminders"]})
    assert ("2026-12-28", "task_deadline", "2026-12-31") in seen
    # January's report is due Sunday 10/01/2027: it ends Monday 11/01.
    jan = [(at, kind) for at, kind, due in seen if due == "2027-01-11"]
    assert jan[:3] == [
        ("2027-01-04", "before_due"),
        ("2027-01-08", "before_due"),
        ("2027-01-11", "due_day"),
    ]

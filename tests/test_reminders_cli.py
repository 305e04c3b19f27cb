"""`dondoc reminders preview|policy`: the JSON shape, and the preview matches what is sent."""

from __future__ import annotations

import asyncio
import datetime as dt
import json

import pytest
from sqlalchemy import select

from bot.cli import main
from db.database import Database
from db.models import ReminderDelivery
from domain.clock import FrozenClock
from scheduler.engine import ReminderEngine
from tests.test_reminders_support import TZ, RecordingOutbound, World, build_world, local


def seeded(url: str) -> World:
    async def go() -> World:
        db = Database(url)
        if db.is_postgres:
            from tests.conftest import _truncate

            await _truncate(db)
        try:
            return await build_world(db, local(2026, 11, 1, 9))
        finally:
            await db.dispose()

    return asyncio.run(go())


def run_json(capsys: pytest.CaptureFixture[str], *argv: str) -> object:
    assert main(list(argv)) == 0
    return json.loads(capsys.readouterr().out)


def test_preview_json_shape_and_matches_sends(
    database_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("TIMEZONE", "Asia/Ho_Chi_Minh")
    world = seeded(database_url)
    plan = str(world.plan_id)
    data = run_json(
        capsys,
        "reminders",
        "preview",
        "--plan",
        plan,
        "--from",
        "2026-12-01",
        "--to",
        "2026-12-31",
        "--json",
    )
    assert isinstance(data, dict) and set(data) == {"reminders", "warnings"}
    first = data["reminders"][0]
    assert set(first) == {"at", "kind", "plan", "period", "due", "unit", "recipients"}
    assert first["at"] == "2026-12-03T08:00:00+07:00"
    assert first["plan"] == world.plan_id and first["period"] == "2026-Q4"
    assert first["due"] == "2026-12-10" and first["kind"] == "before_due"
    dec7 = [r for r in data["reminders"] if r["at"] == "2026-12-07T08:00:00+07:00"]
    assert {r["unit"] for r in dec7} == {
        "Phòng Kinh tế",
        "Phòng Văn hóa - Xã hội",
        "Trạm Y tế xã",
        "Ủy ban Mặt trận Tổ quốc Việt Nam xã",
    }
    nobody = next(r for r in dec7 if r["unit"] == "Phòng Kinh tế")
    assert nobody["recipients"] == []
    assert any("Phòng Kinh tế" in w for w in data["warnings"])
    assert any(r["kind"] == "digest" and r["unit"] is None for r in data["reminders"])
    assert {r["kind"] for r in data["reminders"]} == {
        "before_due",
        "due_day",
        "overdue",
        "digest",
        "task_deadline",
    }
    # The global flag works too, and the text form names the time zone.
    again = run_json(
        capsys,
        "--json",
        "reminders",
        "preview",
        "--plan",
        plan,
        "--from",
        "2026-12-01",
        "--to",
        "2026-12-31",
    )
    assert again == data
    assert (
        main(["reminders", "preview", "--plan", plan, "--from", "2026-12-07", "--to", "2026-12-07"])
        == 0
    )
    text = capsys.readouterr().out
    assert "07/12/2026 08:00" in text and "Lưu ý:" in text

    # Now let the engine walk December and compare with the preview, delivery by delivery.
    expected = {
        (r["at"], r["kind"], x["member"], x["channel"])
        for r in data["reminders"]
        for x in r["recipients"]
    }
    expected_chats = sorted(x["chat_id"] for r in data["reminders"] for x in r["recipients"])

    async def walk() -> tuple[set[tuple[str, str, int | None, str]], list[str]]:
        db = Database(database_url)
        clock = FrozenClock(local(2026, 12, 1, 0))
        outs = {"telegram": RecordingOutbound("telegram"), "zalo": RecordingOutbound("zalo")}
        engine = ReminderEngine(db, clock, TZ, outs)
        day = dt.date(2026, 12, 1)
        while day <= dt.date(2026, 12, 31):
            for hour in (8, 15):
                clock.set(local(day.year, day.month, day.day, hour))
                await engine.tick()
            day += dt.timedelta(days=1)
        async with db.read() as s:
            rows = list(
                (
                    await s.execute(select(ReminderDelivery).where(ReminderDelivery.channel != "*"))
                ).scalars()
            )
        await db.dispose()
        assert all(r.state == "sent" for r in rows)
        got = {
            (r.scheduled_at.astimezone(TZ).isoformat(), r.kind, r.member_id, r.channel)
            for r in rows
        }
        return got, sorted(c for o in outs.values() for c, _ in o.sent)

    got, chats = asyncio.run(walk())
    assert got == expected
    assert chats == expected_chats


def test_policy_command(
    database_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DATABASE_URL", database_url)
    world = seeded(database_url)
    plan = str(world.plan_id)
    data = run_json(capsys, "reminders", "policy", "--plan", plan, "--json")
    assert data == {
        "plan": world.plan_id,
        "days": [],
        "offsets": [7, 3, 1, 0],
        "overdue": [1, 3],
        "task_offsets": [14, 3],
        "time": "08:00",
    }
    data = run_json(
        capsys,
        "reminders",
        "policy",
        "--plan",
        plan,
        "--days",
        "10,15,20",
        "--offsets",
        "5,0",
        "--overdue",
        "2",
        "--task-offsets",
        "7",
        "--time",
        "7:30",
        "--json",
    )
    assert data == {
        "plan": world.plan_id,
        "days": [10, 15, 20],
        "offsets": [5, 0],
        "overdue": [2],
        "task_offsets": [7],
        "time": "07:30",
    }
    assert main(["reminders", "policy", "--plan", plan]) == 0
    assert "10,15,20" in capsys.readouterr().out
    assert main(["reminders", "policy", "--plan", plan, "--offsets", "7,x"]) == 1
    assert "7,x" in capsys.readouterr().err
    assert main(["reminders", "policy", "--plan", plan, "--time", "8h"]) == 1
    assert main(["reminders", "policy", "--plan", "999"]) == 1
    assert (
        main(["reminders", "preview", "--plan", plan, "--from", "2026-12-31", "--to", "2026-12-01"])
        == 1
    )

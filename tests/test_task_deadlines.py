"""A one-off task's own deadline on a day off (Tết 2027) ends with the next working day, as a
report deadline does: in `task list`, `plan show`, the reminders, the chat's /tasks and the export.
A plan that keeps deadlines as written keeps the task's date too."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
from pathlib import Path

import pytest

from bot.cli import main
from db.database import Database
from domain.workdays import WorkCalendar, task_deadline
from tests.test_reminders_support import World, build_world, local

D = dt.date
WRITTEN = D(2027, 2, 8)  # Monday, "Mùng ba Tết" 2027
MOVED = D(2027, 2, 11)  # Thursday: Tết 2027 runs 04-10/02


def test_task_deadline_rule() -> None:
    cal = WorkCalendar()
    assert statutory_day_off(WRITTEN)
    assert task_deadline(WRITTEN, cal) == MOVED
    assert task_deadline(D(2027, 2, 6), cal) == MOVED  # Saturday inside Tết
    assert task_deadline(D(2027, 3, 31), cal) == D(2027, 3, 31)  # a Wednesday: unchanged
    assert task_deadline(D(2027, 10, 31), cal) == D(2027, 11, 1)  # a Sunday
    assert task_deadline(WRITTEN, None) == WRITTEN  # the plan keeps deadlines as written
    assert task_deadline(None, cal) is None


def statutory_day_off(day: dt.date) -> bool:
    return not WorkCalendar().is_working(day)


def _world(url: str) -> World:
    async def go() -> World:
        db = Database(url)
        if db.is_postgres:
            from tests.conftest import _truncate

            await _truncate(db)
        try:
            return await build_world(db, local(2026, 12, 1, 9), one_off_due=WRITTEN)
        finally:
            await db.dispose()

    return asyncio.run(go())


def _json(capsys: pytest.CaptureFixture[str], *argv: str) -> object:
    assert main([*argv, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def _export_due(url: str, world: World, tmp_path: Path) -> str | None:
    out = tmp_path / "q1.json"
    argv = ["export", "--plan", str(world.plan_id), "--period", "2027-Q1", "--format", "json"]
    assert main([*argv, "--output", str(out)]) == 0
    data = json.loads(out.read_text(encoding="utf-8"))
    task = next(t for t in data["tasks"] if t["ref"] == "5")
    return task["due_date"]  # type: ignore[no-any-return]


def test_one_off_task_due_in_tet(
    database_url: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("TIMEZONE", "Asia/Ho_Chi_Minh")
    monkeypatch.setenv("DEFAULT_LOCALE", "vi")
    world = _world(database_url)
    plan = str(world.plan_id)

    tasks = _json(capsys, "task", "list", "--plan", plan)
    assert isinstance(tasks, list)
    five = next(t for t in tasks if t["ref"] == "5")
    assert (five["due"], five["due_written"]) == ("2027-02-11", "2027-02-08")
    assert main(["task", "list", "--plan", plan]) == 0
    text = capsys.readouterr().out
    assert "Hạn: 11/02/2027 (kế hoạch ghi 08/02/2027, trùng ngày nghỉ)" in text
    shown = _json(capsys, "plan", "show", plan)
    assert isinstance(shown, dict)
    assert {t["ref"]: t["due"] for t in shown["tasks"]}["5"] == "2027-02-11"

    # Reminders count back from 11/02, on working days; one on the deadline day itself even
    # when the window starts after the written date (08/02).
    assert main(["reminders", "policy", "--plan", plan, "--task-offsets", "14,3,0"]) == 0
    capsys.readouterr()
    argv = ["reminders", "preview", "--plan", plan]
    data = _json(capsys, *argv, "--from", "2027-01-15", "--to", "2027-02-28")
    assert isinstance(data, dict)
    task_rems = {
        (r["at"][:10], r["due"]) for r in data["reminders"] if r["kind"] == "task_deadline"
    }
    assert {at for at, _ in task_rems} == {"2027-01-28", "2027-02-03", "2027-02-11"}
    assert {due for _, due in task_rems} == {"2027-02-11"}
    data = _json(capsys, *argv, "--from", "2027-02-09", "--to", "2027-02-28")
    assert isinstance(data, dict)
    assert [r["at"][:10] for r in data["reminders"] if r["kind"] == "task_deadline"] == [
        "2027-02-11"
    ]
    assert _export_due(database_url, world, tmp_path) == "2027-02-11"

    # A plan that keeps deadlines as written keeps the task's date as well.
    rule = ["rule", "set", "--plan", plan, "--period", "quarterly", "--day", "10"]
    assert main([*rule, "--deadlines", "as-written"]) == 0
    capsys.readouterr()
    tasks = _json(capsys, "task", "list", "--plan", plan)
    assert isinstance(tasks, list)
    assert next(t for t in tasks if t["ref"] == "5")["due"] == "2027-02-08"
    data = _json(capsys, *argv, "--from", "2027-01-15", "--to", "2027-02-28")
    assert isinstance(data, dict)
    kept = {(r["at"][:10], r["due"]) for r in data["reminders"] if r["kind"] == "task_deadline"}
    # Reminders still fall on working days: 08/02 itself is a day off, so the last is 03/02.
    assert kept == {("2027-01-25", "2027-02-08"), ("2027-02-03", "2027-02-08")}
    assert _export_due(database_url, world, tmp_path) == "2027-02-08"


async def test_chat_task_list_shows_the_moved_deadline(db: Database, tmp_path: Path) -> None:
    from domain.clock import FrozenClock
    from handlers.router import Conversations
    from tests.support import Chat, make_deps

    await build_world(db, local(2026, 12, 1, 9), one_off_due=WRITTEN)
    deps = make_deps(db, FrozenClock(local(2026, 12, 1, 9)), tmp_path)
    chat = Chat(Conversations(deps), user_id="201", channel="telegram")  # Trạm Y tế's focal
    await chat.send("/nhiemvu")
    assert "5. Xây dựng đề án y tế cơ sở" in chat.text
    assert "hạn 11/02/2027" in chat.text and "08/02/2027" not in chat.text

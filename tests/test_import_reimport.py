"""Re-import is an update: the same plan sent again (same number and issuer, or same title)
shows what changed and updates the registered plan; never a silent duplicate."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.cli import main
from db.database import Database
from db.models import Plan, Task
from domain.clock import FrozenClock
from domain.importer.service import apply_plan, find_registered, prepare
from tests.fixtures import plan_fixtures as F


def _cli(monkeypatch: pytest.MonkeyPatch, url: str, tmp_path: Path, *argv: str) -> int:
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("DATA_DIR", str(tmp_path / "data"))
    monkeypatch.chdir(tmp_path)
    return main(list(argv))


async def test_same_number_and_issuer_or_same_title_find_the_registered_plan(
    db: Database, clock: FrozenClock
) -> None:
    data = F.text_plan()
    async with db.transaction() as s:
        parsed = await prepare(s, data, "ke-hoach.txt", 2026)
        assert await find_registered(s, parsed) is None
        saved = await apply_plan(s, parsed, clock.now())
    async with db.transaction() as s:
        again = await prepare(s, data, "ban-sao.txt", 2026)
        found = await find_registered(s, again)
        assert found is not None and found.id == saved.plan_id
        # Another number from the same issuer, another title: a different plan.
        other = await prepare(s, data.replace(b"45/KH-UBND", b"46/KH-UBND"), "k.txt", 2026)
        other.title = "Một kế hoạch khác hẳn năm 2026"
        assert await find_registered(s, other) is None
        # A retitled copy with the same number and issuer is still that plan.
        other = await prepare(s, data, "k.txt", 2026)
        other.title = "Tên đã sửa của kế hoạch"
        found = await find_registered(s, other)
        assert found is not None and found.id == saved.plan_id


def test_cli_second_import_updates_and_shows_the_changes(
    monkeypatch: pytest.MonkeyPatch,
    database_url: str,
    db: Database,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    first = tmp_path / "ke-hoach.txt"
    first.write_bytes(F.text_plan())
    assert _cli(monkeypatch, database_url, tmp_path, "db", "upgrade") == 0
    assert _cli(monkeypatch, database_url, tmp_path, "plan", "import", str(first)) == 0
    capsys.readouterr()
    changed = tmp_path / "ke-hoach-sua.txt"
    text = F.text_plan().decode("utf-8")
    row = next(line for line in text.splitlines() if line.startswith("2\t"))
    changed.write_text(text.replace(row, row.replace("\t", "\t(sửa) ", 1)), encoding="utf-8")
    code = _cli(monkeypatch, database_url, tmp_path, "--json", "plan", "import", str(changed))
    assert code == 0
    result = json.loads(capsys.readouterr().out)
    assert result["created"] is False and result["changed"] == ["2"]
    assert result["added"] == [] and result["removed"] == []

    async def counts() -> tuple[int, int]:
        async with db.read() as s:
            plans = await s.scalar(select(func.count()).select_from(Plan))
            tasks = await s.scalar(select(func.count()).select_from(Task))
        return int(plans or 0), int(tasks or 0)

    import asyncio

    plans, tasks = asyncio.run(counts())
    assert plans == 1 and tasks == len(F.TASKS)

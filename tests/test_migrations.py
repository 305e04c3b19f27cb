"""Migrations upgrade an empty database to head, and the models agree with them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, select, text
from sqlalchemy.ext.asyncio import create_async_engine

from db.database import Database
from db.migrate import alembic_config, upgrade_sync
from db.models import Base, Holiday


def _diff(conn: Any) -> list[Any]:
    ctx = MigrationContext.configure(conn, opts={"compare_type": True})
    return list(compare_metadata(ctx, Base.metadata))


async def test_upgrade_to_head_and_models_agree(database_url: str) -> None:
    engine = create_async_engine(database_url)
    async with engine.connect() as conn:
        version = (await conn.execute(text("SELECT version_num FROM alembic_version"))).scalar()
        diff = await conn.run_sync(_diff)
    await engine.dispose()
    head = ScriptDirectory.from_config(alembic_config(database_url)).get_current_head()
    assert version == head
    assert diff == [], f"models and migrations differ: {diff}"


async def test_2026_arrangement_preloaded(db: Database) -> None:
    async with db.read() as s:
        days = {h.day.isoformat(): h for h in (await s.execute(select(Holiday))).scalars()}
    # Only the civil-service arrangement is data; the statutory days are computed.
    assert "2026-02-17" not in days
    assert days["2026-01-02"].working is False  # swapped day off
    assert days["2026-08-31"].working is False
    assert days["2026-01-10"].working is True  # make-up Saturday
    assert days["2026-08-22"].working is True


def test_0002_trims_the_former_2026_seed(tmp_path: Path) -> None:
    """A database seeded in full by the former 0001 keeps edits, loses what is now computed."""
    path = tmp_path / "old.db"
    upgrade_sync(f"sqlite+aiosqlite:///{path}", "0001")
    engine = create_engine(f"sqlite:///{path}")
    former = [
        ("2026-01-01", "Tết Dương lịch", False),
        ("2026-01-02", "Tết Dương lịch", False),
        ("2026-01-10", "Làm bù Tết Dương lịch", True),
        ("2026-02-17", "Tết Nguyên đán", False),
        ("2026-09-02", "Quốc khánh", False),
        ("2026-12-24", "Nghỉ riêng của cơ quan", False),  # an administrator's own entry
    ]
    with engine.begin() as conn:
        for day, name, working in former:
            conn.execute(
                text("INSERT INTO holidays (day, name, working) VALUES (:d, :n, :w)"),
                {"d": day, "n": name, "w": working},
            )
    upgrade_sync(f"sqlite+aiosqlite:///{path}", "head")
    with engine.connect() as conn:
        rows = dict(conn.execute(text("SELECT day, working FROM holidays")).all())
    engine.dispose()
    assert set(rows) == {"2026-01-02", "2026-01-10", "2026-08-22", "2026-08-31", "2026-12-24"}


def test_single_head() -> None:
    heads = ScriptDirectory.from_config(alembic_config("sqlite://")).get_heads()
    assert len(heads) == 1, heads


def test_0006_councils_are_no_longer_independent(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    upgrade_sync(f"sqlite+aiosqlite:///{path}", "0005")
    engine = create_engine(f"sqlite:///{path}")
    units = [
        ("Hội đồng Thi đua - Khen thưởng tỉnh", True),
        ("Hội Nông dân xã", True),
        ("Phòng Tư pháp", False),
    ]
    with engine.begin() as conn:
        for i, (name, independent) in enumerate(units, 1):
            conn.execute(
                text(
                    "INSERT INTO units (id, name, key, kind, independent, created_at)"
                    " VALUES (:i, :n, :k, 'UNIT', :ind, '2026-01-01 00:00:00')"
                ),
                {"i": i, "n": name, "k": f"k{i}", "ind": independent},
            )
    upgrade_sync(f"sqlite+aiosqlite:///{path}", "head")
    with engine.connect() as conn:
        rows = dict(conn.execute(text("SELECT name, independent FROM units")).all())
    engine.dispose()
    assert rows == {
        "Hội đồng Thi đua - Khen thưởng tỉnh": 0,
        "Hội Nông dân xã": 1,
        "Phòng Tư pháp": 0,
    }


def test_0007_keys_follow_the_current_rule(tmp_path: Path) -> None:
    """A unit saved under an earlier key is found by its name again; a key taken stays."""
    from domain.units import unit_key

    path = tmp_path / "old.db"
    upgrade_sync(f"sqlite+aiosqlite:///{path}", "0006")
    engine = create_engine(f"sqlite:///{path}")
    units = [
        (1, "Chi cục QLCL", "old-1"),
        (2, "Đài PT-TH huyện", "old-2"),
        (3, "Đài Phát thanh - Truyền hình huyện", unit_key("Đài Phát thanh - Truyền hình huyện")),
    ]
    with engine.begin() as conn:
        for i, name, key in units:
            conn.execute(
                text(
                    "INSERT INTO units (id, name, key, kind, independent, created_at)"
                    " VALUES (:i, :n, :k, 'UNIT', 0, '2026-01-01 00:00:00')"
                ),
                {"i": i, "n": name, "k": key},
            )
        conn.execute(
            text("INSERT INTO unit_aliases (id, unit_id, alias, key) VALUES (1, 1, :a, 'old-a')"),
            {"a": "Chi cục Quản lý chất lượng"},
        )
    upgrade_sync(f"sqlite+aiosqlite:///{path}", "head")
    with engine.connect() as conn:
        keys = dict(conn.execute(text("SELECT id, key FROM units")).all())
        alias_key = conn.execute(text("SELECT key FROM unit_aliases")).scalar()
    engine.dispose()
    assert keys[1] == unit_key("Chi cục QLCL")
    assert keys[2] == "old-2"  # its new key is another unit's: left for the office to merge
    assert keys[3] == unit_key("Đài Phát thanh - Truyền hình huyện")
    assert alias_key == unit_key("Chi cục Quản lý chất lượng")

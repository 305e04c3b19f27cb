"""Migrations upgrade an empty database to head, and the models agree with them."""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import create_async_engine

from db.database import Database
from db.migrate import alembic_config
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


async def test_holidays_2026_preloaded(db: Database) -> None:
    async with db.read() as s:
        days = {h.day.isoformat(): h for h in (await s.execute(select(Holiday))).scalars()}
    assert days["2026-02-17"].working is False  # Tết
    assert days["2026-09-02"].working is False
    assert days["2026-01-10"].working is True  # make-up Saturday
    assert days["2026-08-22"].working is True
    assert len([d for d in days.values() if not d.working]) == 25


def test_single_head() -> None:
    heads = ScriptDirectory.from_config(alembic_config("sqlite://")).get_heads()
    assert len(heads) == 1, heads

"""Shared fixtures: a migrated database per test, on SQLite and (when configured) PostgreSQL.

Set DONDOC_TEST_POSTGRES_URL (e.g. postgresql+asyncpg://postgres@127.0.0.1:5432/test) to run
every database test on PostgreSQL as well; a scratch database is created and dropped.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import secrets
import shutil
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from db.database import Database
from db.migrate import upgrade_sync
from db.models import Base
from domain.clock import FrozenClock

PG_URL = os.environ.get("DONDOC_TEST_POSTGRES_URL", "")
BACKENDS = ["sqlite", "postgres"] if PG_URL else ["sqlite"]
# 23 Nov 2026, 09:00 in Hanoi.
DEFAULT_NOW = dt.datetime(2026, 11, 23, 2, 0, tzinfo=dt.UTC)


async def _admin(sql: str) -> None:
    engine = create_async_engine(PG_URL, isolation_level="AUTOCOMMIT")
    async with engine.connect() as conn:
        await conn.execute(text(sql))
    await engine.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An SQLite file migrated to head once; each test gets a copy."""
    path = tmp_path_factory.mktemp("template") / "template.db"
    upgrade_sync(f"sqlite+aiosqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A scratch PostgreSQL database migrated to head, dropped at the end."""
    if not PG_URL:
        pytest.skip("DONDOC_TEST_POSTGRES_URL not set")

    name = f"dondoc_test_{secrets.token_hex(4)}"
    asyncio.run(_admin(f'CREATE DATABASE "{name}"'))
    url = make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    upgrade_sync(url)
    yield url
    asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


async def _truncate(database: Database) -> None:
    tables = [t.name for t in Base.metadata.sorted_tables if t.name != "holidays"]
    async with database.transaction() as s:
        await s.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    """Which database backend this test runs on."""
    return str(request.param)


@pytest.fixture
def database_url(backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """URL of a freshly migrated, empty database."""
    if backend == "sqlite":
        template: Path = request.getfixturevalue("sqlite_template")
        path = tmp_path / "dondoc.db"
        shutil.copy(template, path)
        return f"sqlite+aiosqlite:///{path}"
    url = str(request.getfixturevalue("postgres_url"))
    # Empty the shared scratch database first (outside any event loop: this fixture is sync),
    # so every test, including those that only take the URL, starts from an empty schema.
    asyncio.run(_empty(url))
    return url


async def _empty(url: str) -> None:
    database = Database(url)
    try:
        await _truncate(database)
    finally:
        await database.dispose()


@pytest.fixture
async def db(database_url: str, backend: str) -> AsyncIterator[Database]:
    """A Database on an empty, migrated schema (holidays preloaded)."""
    database = Database(database_url)
    yield database
    await database.dispose()


@pytest.fixture
def clock() -> FrozenClock:
    """A clock frozen at 23 Nov 2026, 09:00 Hanoi time."""
    return FrozenClock(DEFAULT_NOW)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test that uses the database with `db`."""
    for item in items:
        if "database_url" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.db)

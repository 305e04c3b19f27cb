"""The SQLite driver: one worker-thread round trip per statement, and in-process writer order."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import sqlite3
import time
from pathlib import Path

import pytest
from sqlalchemy import bindparam, insert, select, text, update
from sqlalchemy.exc import IntegrityError

import db.database as database_module
from db.database import HEAVY, Database, DatabaseUnavailable
from db.migrate import upgrade
from db.models import KeyValue, Unit
from db.sqlite import OneHopConnection, PrefetchCursor

NOW = dt.datetime(2026, 12, 1, tzinfo=dt.UTC)


@pytest.fixture
async def sqlite_db(tmp_path: Path) -> Database:
    url = f"sqlite+aiosqlite:///{tmp_path / 'driver.db'}"
    await upgrade(url)
    database = Database(url)
    yield database  # type: ignore[misc]
    await database.dispose()


def _count_round_trips(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    calls: list[str] = []
    original = OneHopConnection._execute

    async def counted(self: OneHopConnection, fn: object, *args: object, **kw: object) -> object:
        calls.append(getattr(fn, "__name__", "call"))
        return await original(self, fn, *args, **kw)  # type: ignore[no-untyped-call]

    monkeypatch.setattr(OneHopConnection, "_execute", counted)
    return calls


async def test_the_engine_uses_the_one_hop_driver(sqlite_db: Database) -> None:
    async with sqlite_db.engine.connect() as conn:
        raw = await conn.get_raw_connection()
        assert isinstance(raw.driver_connection, OneHopConnection)
        assert isinstance(raw.driver_connection.cursor(), PrefetchCursor)


async def test_round_trips_to_the_worker_thread(
    sqlite_db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A write transaction takes one trip to the worker thread, for COMMIT: BEGIN IMMEDIATE
    (lock free) and the statements run on the event loop's thread, and a committed transaction
    is not rolled back again when its connection returns to the pool. Outside one (a read
    session), or when marked for offloading, a statement takes one trip (stock: 3-4)."""
    async with sqlite_db.transaction() as s:  # warm the pool: connecting is not counted
        pass
    calls = _count_round_trips(monkeypatch)
    async with sqlite_db.transaction() as s:
        await s.execute(text("SELECT 1"))
        await s.execute(insert(KeyValue).values(key="a", value="1"))
        await s.execute(update(KeyValue).values(value="2"))
        assert calls == []
        await s.execute(select(KeyValue.value).execution_options(**HEAVY))
        assert len(calls) == 1
        await s.execute(select(KeyValue.value))
        assert len(calls) == 1
    assert calls[1:] == ["commit"]
    async with sqlite_db.read() as s:
        await s.execute(select(KeyValue.value))
        assert len(calls) == 4  # BEGIN (deferred), SELECT
    assert len(calls) == 5  # the read session's rollback
    with pytest.raises(ValueError, match="boom"):
        async with sqlite_db.transaction() as s:
            await s.execute(insert(KeyValue).values(key="b", value="1"))
            raise ValueError("boom")
    assert calls[-1] == "rollback"
    async with sqlite_db.read() as s:
        assert await s.get(KeyValue, "b") is None


async def test_results_match_the_stock_driver(sqlite_db: Database, tmp_path: Path) -> None:
    """Rows, row counts, generated keys and many-row inserts behave as with plain aiosqlite."""
    async with sqlite_db.transaction() as s:
        unit = Unit(name="Phòng Tư pháp", key="phong tu phap", created_at=NOW)
        s.add(unit)
        await s.flush()
        assert unit.id == 1  # lastrowid
        await s.execute(
            insert(KeyValue),
            [{"key": f"k{i}", "value": str(i)} for i in range(5)],  # executemany
        )
        result = await s.execute(
            update(KeyValue).where(KeyValue.key.in_(["k1", "k2"])).values(value="x")
        )
        assert result.rowcount == 2  # type: ignore[attr-defined]
    async with sqlite_db.read() as s:
        rows = (await s.execute(select(KeyValue.key, KeyValue.value).order_by(KeyValue.key))).all()
        assert rows == [("k0", "0"), ("k1", "x"), ("k2", "x"), ("k3", "3"), ("k4", "4")]
        # Partial fetches of a prefetched result.
        result = await s.execute(select(KeyValue.key).order_by(KeyValue.key))
        assert result.fetchone() == ("k0",)
        assert result.fetchmany(2) == [("k1",), ("k2",)]
        assert result.fetchall() == [("k3",), ("k4",)]
        stmt = select(Unit.name).where(Unit.key == bindparam("key"))
        assert (await s.execute(stmt, {"key": "phong tu phap"})).scalar() == "Phòng Tư pháp"


async def test_errors_keep_their_sqlalchemy_types(sqlite_db: Database) -> None:
    async with sqlite_db.transaction() as s:
        s.add(KeyValue(key="dup", value="1"))
    with pytest.raises(IntegrityError):
        async with sqlite_db.transaction() as s:
            s.add(KeyValue(key="dup", value="2"))
    # The failed transaction was rolled back and released the writer lock.
    async with sqlite_db.transaction() as s:
        row = await s.get(KeyValue, "dup")
        assert row is not None and row.value == "1"


async def test_writers_queue_in_order_and_time_out(
    sqlite_db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Writers of one process take turns in arrival order; one waiting longer than the busy
    timeout gets DatabaseUnavailable, and a cancelled waiter leaves the lock usable."""
    order: list[int] = []
    release = asyncio.Event()

    async def writer(n: int) -> None:
        async with sqlite_db.transaction() as s:
            order.append(n)
            if n == 0:
                await release.wait()
            s.add(KeyValue(key=f"w{n}", value=str(n)))

    first = asyncio.create_task(writer(0))
    await asyncio.sleep(0.05)
    waiters = [asyncio.create_task(writer(n)) for n in range(1, 4)]
    await asyncio.sleep(0.05)
    assert order == [0]

    monkeypatch.setattr(database_module, "BUSY_TIMEOUT", 0.1)
    with pytest.raises(DatabaseUnavailable):
        async with sqlite_db.transaction():
            pass
    cancelled = asyncio.create_task(writer(99))
    await asyncio.sleep(0.01)
    cancelled.cancel()

    release.set()
    await asyncio.gather(first, *waiters)
    assert order == [0, 1, 2, 3]
    async with sqlite_db.transaction() as s:
        assert await s.get(KeyValue, "w3") is not None
        assert await s.get(KeyValue, "w99") is None


async def test_a_writer_cancelled_at_any_point_leaves_the_database_unlocked(
    sqlite_db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Cancelling writers (a crash, a shutdown) at any point, mid-statement included, never
    leaves SQLite's write lock held by a pooled connection: another process can still write."""
    monkeypatch.setattr(database_module, "BUSY_TIMEOUT", 1)
    other = Database(sqlite_db.url)  # a second process: its own connections
    try:
        for attempt in range(30):

            async def writer(n: int) -> None:
                for i in range(1000):
                    async with sqlite_db.transaction() as s:
                        await s.execute(insert(KeyValue).values(key=f"c{n}-{i}", value="x"))
                        await s.execute(update(KeyValue).values(value="y"))

            async def writers(a: int = attempt) -> None:
                await asyncio.gather(*(writer(a * 10 + n) for n in range(3)))

            task = asyncio.create_task(writers())
            await asyncio.sleep(0.0005 * (attempt % 10))
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
            async with other.transaction() as s:
                s.add(KeyValue(key=f"other{attempt}", value="ok"))
    finally:
        await other.dispose()


async def test_begin_waits_for_another_process_without_blocking_the_event_loop(
    sqlite_db: Database, tmp_path: Path
) -> None:
    """While another process holds SQLite's write lock, a writer here waits for it on the
    worker thread; the event loop keeps running, and the writer proceeds once it is free."""
    async with sqlite_db.transaction() as s:  # the schema is in place, the pool warm
        s.add(KeyValue(key="x", value="0"))
    other = sqlite3.connect(str(tmp_path / "driver.db"), isolation_level=None)
    other.execute("BEGIN IMMEDIATE")

    async def write() -> None:
        async with sqlite_db.transaction() as s:
            row = await s.get(KeyValue, "x")
            assert row is not None
            row.value = "1"

    task = asyncio.create_task(write())
    started = time.perf_counter()
    for _ in range(5):
        await asyncio.sleep(0.02)
    assert time.perf_counter() - started < 0.5  # the loop was not blocked
    assert not task.done()
    other.execute("COMMIT")
    await asyncio.wait_for(task, 5)
    other.close()
    async with sqlite_db.read() as s:
        row = await s.get(KeyValue, "x")
        assert row is not None and row.value == "1"

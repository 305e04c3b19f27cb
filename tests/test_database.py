"""The Database handle under concurrent writers."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path

import pytest
from sqlalchemy import func, select

import db.database as database_module
from db.database import Database
from db.migrate import upgrade
from db.models import KeyValue, Member, Role
from domain.clock import FrozenClock
from domain.demo import load_demo
from handlers.router import Conversations
from tests.support import Chat, invite_code, make_deps


async def test_concurrent_conversations_never_hit_a_locked_database(
    db: Database, clock: FrozenClock, tmp_path: Path
) -> None:
    """40 users each read then write in one transaction, all at once: none fails."""
    deps = make_deps(db, clock, tmp_path)
    async with db.transaction() as s:
        await load_demo(s, clock.now())
    codes = [await invite_code(deps, "Trạm Y tế phường", Role.FOCAL) for _ in range(40)]
    chats = [Chat(Conversations(deps), f"user-{i}") for i in range(40)]
    await asyncio.gather(*(c.send(f"/start {code}") for c, code in zip(chats, codes, strict=True)))
    assert all("Chào mừng" in c.text for c in chats), [
        c.text for c in chats if "Chào" not in c.text
    ]
    await asyncio.gather(*(c.send("/baocao") for c in chats))
    assert all("Quý IV/2026" in c.text for c in chats)
    async with db.read() as s:
        assert (await s.execute(select(func.count()).select_from(Member))).scalar_one() == 40


async def test_transactions_are_isolated_read_modify_write(db: Database) -> None:
    """Concurrent read-modify-write transactions on a locked row lose no update (both backends).

    On SQLite this needs BEGIN IMMEDIATE: with the driver's default, reads ran outside the
    transaction and two writers both read the old value.
    """
    async with db.transaction() as s:
        s.add(KeyValue(key="counter", value="0"))

    async def bump() -> None:
        async with db.transaction() as s:
            row = await s.get(KeyValue, "counter", with_for_update=True)
            assert row is not None
            await asyncio.sleep(0.02)
            row.value = str(int(row.value) + 1)

    await asyncio.gather(*(bump() for _ in range(6)))
    async with db.read() as s:
        row = await s.get(KeyValue, "counter")
        assert row is not None and row.value == "6"


DB_DOWN = "không kết nối được cơ sở dữ liệu"


async def test_a_database_that_cannot_be_reached_gets_a_clear_message(
    clock: FrozenClock, tmp_path: Path
) -> None:
    """SQLite file that cannot be opened, PostgreSQL with nothing listening: the user is told
    the message was not recorded and to send it again, nothing is pretended."""
    for url in (
        f"sqlite+aiosqlite:///{tmp_path / 'no-such-folder' / 'dondoc.db'}",
        "postgresql+asyncpg://dondoc@127.0.0.1:1/dondoc",  # nothing listens on port 1
    ):
        down = Database(url)
        threads = set(threading.enumerate())
        try:
            chat = Chat(Conversations(make_deps(down, clock, tmp_path)), "u1")
            await chat.send("/baocao")
            assert DB_DOWN in chat.text, (url, chat.text)
        finally:
            await down.dispose()
        # aiosqlite stops the worker thread of a connection that failed to open on its own;
        # let it finish while this test's event loop still runs.
        for thread in set(threading.enumerate()) - threads:
            if "_connection_worker_thread" in thread.name:
                await asyncio.to_thread(thread.join, 5)


async def test_a_turn_that_waits_too_long_for_the_sqlite_writer_is_told_to_retry(
    clock: FrozenClock, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A writer of this process holding the lock past the busy timeout: the next message gets
    the same clear answer, and once the lock is free the same message goes through."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'busy.db'}"
    await upgrade(url)
    db = Database(url)
    try:
        deps = make_deps(db, clock, tmp_path)
        async with db.transaction() as s:
            await load_demo(s, clock.now())
        code = await invite_code(deps, "Trạm Y tế phường", Role.FOCAL)
        chat = Chat(Conversations(deps), "u1")
        monkeypatch.setattr(database_module, "BUSY_TIMEOUT", 0.2)
        release = asyncio.Event()

        async def hold() -> None:
            async with db.transaction():
                await release.wait()

        holder = asyncio.create_task(hold())
        await asyncio.sleep(0.05)
        await chat.send(f"/start {code}")
        assert DB_DOWN in chat.text
        release.set()
        await holder
        await chat.send(f"/start {code}")
        assert "Chào mừng" in chat.text
    finally:
        await db.dispose()

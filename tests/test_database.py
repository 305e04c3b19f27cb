"""The Database handle under concurrent writers."""

from __future__ import annotations

import asyncio
from pathlib import Path

from sqlalchemy import func, select

from db.database import Database
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

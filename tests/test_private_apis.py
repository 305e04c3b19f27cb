"""The private parts of libraries dondoc relies on are still there, with the same shape.

db/sqlite.py subclasses aiosqlite's Connection (`_conn`, `_execute`); bot/telegram/render.py
posts raw Bot API calls through `ExtBot._post`. pyproject.toml pins both libraries below the
next release; if an upgrade changes these, this test fails before anything else does.
"""

from __future__ import annotations

import asyncio
import inspect
import sqlite3
from pathlib import Path

import aiosqlite
from telegram.ext import ExtBot

from bot.telegram.render import DondocBot


def test_ptb_post_takes_an_endpoint_and_data() -> None:
    params = list(inspect.signature(ExtBot._post).parameters)
    assert params[:3] == ["self", "endpoint", "data"]
    assert inspect.iscoroutinefunction(ExtBot._post)
    assert DondocBot.call.__qualname__ == "DondocBot.call"


async def test_aiosqlite_execute_runs_a_call_on_the_worker_thread(tmp_path: Path) -> None:
    assert inspect.iscoroutinefunction(aiosqlite.Connection._execute)
    conn = await aiosqlite.connect(tmp_path / "x.db")
    try:
        raw = conn._conn
        assert isinstance(raw, sqlite3.Connection)
        result = await conn._execute(lambda: raw.execute("SELECT 41 + 1").fetchone())
        assert result == (42,)
        await asyncio.sleep(0)
    finally:
        await conn.close()

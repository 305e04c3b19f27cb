"""One reminder sender at a time across processes, so the per-bot flood budget is not multiplied.

PostgreSQL: a session-level advisory lock held on a connection of its own; when the holder dies
its session ends, the lock is free, and the next process to try takes over. SQLite: an
exclusive `flock` on a file next to the database, released by the OS when the process dies.
Every process still answers its users; only the reminder ticks wait for the lock.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
from typing import IO

from sqlalchemy import make_url, text
from sqlalchemy.ext.asyncio import AsyncConnection

from db.database import Database
from locales import DEFAULT_LOCALE, t

log = logging.getLogger("dondoc.scheduler")

# pg_try_advisory_lock key: "dondoc reminders" (any constant shared by all dondoc processes).
ADVISORY_KEY = 0x646F6E646F6301


class SenderLock:
    """`await acquire()` -> True while this process is the reminder sender."""

    def __init__(self, db: Database, locale: str = DEFAULT_LOCALE) -> None:
        self.db = db
        self.locale = locale
        self._conn: AsyncConnection | None = None
        self._file: IO[bytes] | None = None
        self.held = False

    def _lock_path(self) -> str | None:
        database = make_url(self.db.url).database
        if not database or database == ":memory:" or database.startswith("file:"):
            return None
        return os.path.abspath(database) + ".sender.lock"

    async def acquire(self) -> bool:
        """Take the lock if free (never waits); True if this process holds it."""
        if self.db.is_postgres:
            return await self._acquire_pg()
        return self._acquire_file()

    def _acquire_file(self) -> bool:
        if self.held:
            return True
        path = self._lock_path()
        if path is None:
            self.held = True
            return True
        handle = open(path, "ab")  # noqa: SIM115 - kept open while the lock is held
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            handle.close()
            return False
        self._file = handle
        self.held = True
        log.info(t("cli.scheduler.sender", self.locale))
        return True

    async def _acquire_pg(self) -> bool:
        if self._conn is not None:
            try:
                await self._conn.execute(text("SELECT 1"))
                await self._conn.commit()
                return True
            except Exception:
                log.warning(t("cli.scheduler.sender_lost", self.locale))
                await self._drop()
        conn = await self.db.engine.connect()
        try:
            got = (
                await conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": ADVISORY_KEY})
            ).scalar_one()
            await conn.commit()
        except BaseException:
            await conn.close()
            raise
        if not got:
            await conn.close()
            return False
        self._conn = conn
        self.held = True
        log.info(t("cli.scheduler.sender", self.locale))
        return True

    async def _drop(self) -> None:
        conn, self._conn = self._conn, None
        self.held = False
        if conn is not None:
            with contextlib.suppress(Exception):
                await conn.invalidate()
            with contextlib.suppress(Exception):
                await conn.close()

    async def release(self) -> None:
        """Let another process send."""
        if self._conn is not None:
            with contextlib.suppress(Exception):
                await self._conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": ADVISORY_KEY})
                await self._conn.commit()
            with contextlib.suppress(Exception):
                await self._conn.close()
            self._conn = None
        if self._file is not None:
            with contextlib.suppress(OSError):
                fcntl.flock(self._file.fileno(), fcntl.LOCK_UN)
            self._file.close()
            self._file = None
        self.held = False

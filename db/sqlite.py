"""aiosqlite with one thread round trip per statement.

aiosqlite runs each sqlite3 call on its connection's worker thread; SQLAlchemy's adapter makes
four such calls per SELECT (open a cursor, execute, fetch all, close) and three per write.
Each round trip costs about 40 µs of CPU (a queue put, a GIL hand-over, a wake-up of the event
loop), where the statement itself takes about 1 µs. This module gives SQLAlchemy the same
aiosqlite connection, whose `cursor()` returns a cursor that opens, executes, fetches and closes
in one call on the worker thread. Rows are always fetched in full (SQLAlchemy's adapter does so
too for ordinary cursors; dondoc streams no results).

The dialect is still `sqlite+aiosqlite`: only the DBAPI module handed to it changes
(`create_async_engine(..., module=dbapi())`).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Generator, Sequence
from pathlib import Path
from typing import Any

import aiosqlite
from sqlalchemy.dialects.sqlite.aiosqlite import AsyncAdapt_aiosqlite_dbapi

Row = tuple[Any, ...]
Description = tuple[tuple[Any, ...], ...] | None


class PrefetchCursor:
    """The async cursor surface SQLAlchemy's aiosqlite adapter uses, one hop per execute."""

    arraysize = 1

    def __init__(self, connection: OneHopConnection) -> None:
        self._connection = connection
        self._rows: list[Row] = []
        self.description: Description = None
        self.rowcount = -1
        self.lastrowid: int | None = None

    def __await__(self) -> Generator[Any, None, PrefetchCursor]:
        # `await connection.cursor()` (SQLAlchemy 2.0) as well as `async with` (2.1).
        return self.__aenter__().__await__()

    async def __aenter__(self) -> PrefetchCursor:
        return self

    async def __aexit__(self, *exc: object) -> None:
        self._rows = []

    async def _run(self, call: Callable[[sqlite3.Cursor], object]) -> PrefetchCursor:
        def work(conn: sqlite3.Connection) -> tuple[list[Row], Description, int, int | None]:
            cursor = conn.cursor()
            try:
                call(cursor)
                rows = cursor.fetchall() if cursor.description else []
                return rows, cursor.description, cursor.rowcount, cursor.lastrowid
            finally:
                cursor.close()

        result = await self._connection.run(work)
        self._rows, self.description, self.rowcount, self.lastrowid = result
        return self

    async def execute(self, sql: str, parameters: Any = None) -> PrefetchCursor:
        """Execute and fetch every row in one round trip."""
        if parameters is None:
            return await self._run(lambda c: c.execute(sql))
        return await self._run(lambda c: c.execute(sql, parameters))

    async def executemany(self, sql: str, parameters: Any) -> PrefetchCursor:
        """Execute for each parameter set in one round trip."""
        return await self._run(lambda c: c.executemany(sql, parameters))

    async def fetchall(self) -> list[Row]:
        """The remaining rows (already fetched)."""
        rows, self._rows = self._rows, []
        return rows

    async def fetchone(self) -> Row | None:
        """The next row, if any."""
        return self._rows.pop(0) if self._rows else None

    async def fetchmany(self, size: int | None = None) -> Sequence[Row]:
        """Up to `size` rows (default `arraysize`)."""
        n = self.arraysize if size is None else size
        rows, self._rows = self._rows[:n], self._rows[n:]
        return rows

    async def close(self) -> None:
        """Nothing to release on the worker thread: the sqlite3 cursor is closed already."""
        self._rows = []


class OneHopConnection(aiosqlite.Connection):
    """An aiosqlite connection whose cursors need one worker-thread round trip each.

    `settled` is true while nothing has been sent to the worker since a commit or rollback
    finished: the pool then needs no rollback when the connection comes back. A statement
    still queued or running (its task was cancelled, say) leaves it false.
    """

    settled = True

    async def _execute(self, fn: Any, *args: Any, **kwargs: Any) -> Any:
        self.settled = False
        return await super()._execute(fn, *args, **kwargs)  # type: ignore[no-untyped-call]

    async def commit(self) -> None:
        """Commit; the connection is settled once it is done."""
        await super().commit()
        self.settled = True

    async def rollback(self) -> None:
        """Roll back; the connection is settled once it is done."""
        await super().rollback()
        self.settled = True

    def cursor(self) -> PrefetchCursor:  # type: ignore[override]
        """A prefetching cursor (no round trip to open it)."""
        return PrefetchCursor(self)

    async def run(self, fn: Callable[[sqlite3.Connection], Any]) -> Any:
        """Call `fn(sqlite3_connection)` on the worker thread."""
        return await self._execute(lambda: fn(self._conn))


def connect(
    database: str | bytes | Path, *, iter_chunk_size: int = 64, **kwargs: Any
) -> OneHopConnection:
    """`aiosqlite.connect`, returning a `OneHopConnection`."""
    loc = database.decode() if isinstance(database, bytes) else str(database)

    def connector() -> sqlite3.Connection:
        conn: sqlite3.Connection = sqlite3.connect(loc, **kwargs)
        return conn

    return OneHopConnection(connector, iter_chunk_size)


class _Driver:
    """The aiosqlite module as SQLAlchemy sees it, with `connect` replaced."""

    Connection = OneHopConnection

    def __getattr__(self, name: str) -> Any:
        return getattr(aiosqlite, name)

    connect = staticmethod(connect)


def dbapi() -> AsyncAdapt_aiosqlite_dbapi:
    """The DBAPI module to pass as `create_async_engine(..., module=...)`."""
    return AsyncAdapt_aiosqlite_dbapi(_Driver(), sqlite3)  # type: ignore[arg-type]

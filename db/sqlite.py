"""aiosqlite with at most one worker-thread round trip per statement, and none where none is
needed.

aiosqlite runs each sqlite3 call on its connection's worker thread; SQLAlchemy's adapter makes
four such calls per SELECT (open a cursor, execute, fetch all, close) and three per write.
Each round trip costs about 40 µs of CPU on an idle process (a queue put, a GIL hand-over, a
wake-up of the event loop) and far more on a busy one, whose event loop holds the GIL while
the worker waits for it; the statement itself takes a few microseconds. This module gives
SQLAlchemy the same aiosqlite connection with a cursor that:

- opens, executes, fetches and closes in **one** trip to the worker thread; and
- inside a write transaction this connection holds (after `BEGIN IMMEDIATE`), runs the
  statement **on the event loop's thread** instead, with no trip at all. There it cannot wait
  for a lock: SQLite's write lock is already ours and in WAL mode readers never block a writer.
  `BEGIN IMMEDIATE` itself is tried there with no busy wait, and goes to the worker thread to
  wait only when another process holds the lock (this process's writers queue on
  `Database`'s lock first). COMMIT (it may fsync), ROLLBACK and every statement outside such
  a transaction still go to the worker thread, as does a statement marked
  `execution_options(dondoc_offload=True)` (a large aggregate that would hold up the event
  loop), and any statement while the worker still has a call queued.

Rows are always fetched in full (SQLAlchemy's adapter does so too for ordinary cursors; dondoc
streams no results). The dialect is still `sqlite+aiosqlite`: only the DBAPI module handed to
it changes (`create_async_engine(..., module=dbapi())`).
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
Outcome = tuple[list[Row], Description, int, int | None]

BEGIN_IMMEDIATE = "BEGIN IMMEDIATE"
# Execution option: run this statement on the worker thread even inside a write transaction.
OFFLOAD = "dondoc_offload"


def _execute_on(conn: sqlite3.Connection, call: Callable[[sqlite3.Cursor], object]) -> Outcome:
    cursor = conn.cursor()
    try:
        call(cursor)
        rows = cursor.fetchall() if cursor.description else []
        return rows, cursor.description, cursor.rowcount, cursor.lastrowid
    finally:
        cursor.close()


class PrefetchCursor:
    """The async cursor surface SQLAlchemy's aiosqlite adapter uses."""

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

    async def _run(self, call: Callable[[sqlite3.Cursor], object], sql: str) -> PrefetchCursor:
        conn = self._connection
        offload, conn.offload_next = conn.offload_next, False
        if sql == BEGIN_IMMEDIATE:
            if not (conn.idle and conn.try_begin_immediate()):
                await conn.run(lambda raw: _execute_on(raw, call))  # waits for the lock
            conn.write_locked = True
            result: Outcome = ([], None, -1, None)
        elif conn.write_locked and not offload and conn.idle:
            conn.settled = False
            result = _execute_on(conn.raw, call)
        else:
            result = await conn.run(lambda raw: _execute_on(raw, call))
        self._rows, self.description, self.rowcount, self.lastrowid = result
        return self

    async def execute(self, sql: str, parameters: Any = None) -> PrefetchCursor:
        """Execute and fetch every row."""
        if parameters is None:
            return await self._run(lambda c: c.execute(sql), sql)
        return await self._run(lambda c: c.execute(sql, parameters), sql)

    async def executemany(self, sql: str, parameters: Any) -> PrefetchCursor:
        """Execute for each parameter set."""
        return await self._run(lambda c: c.executemany(sql, parameters), sql)

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
        """Nothing to release: the sqlite3 cursor is closed already."""
        self._rows = []


class OneHopConnection(aiosqlite.Connection):
    """An aiosqlite connection for `PrefetchCursor`.

    `write_locked`: a `BEGIN IMMEDIATE` succeeded and no commit or rollback was asked since.
    `settled`: nothing has been sent since a commit or rollback finished, so the pool needs no
    rollback when the connection comes back (a statement still queued or running for a
    cancelled task leaves it false). `idle`: the worker thread has nothing queued or running.
    """

    settled = True
    write_locked = False
    offload_next = False
    _busy_ms: int | None = None
    # Calls queued (counted on the event loop's thread) and finished (on the worker thread):
    # each counter has a single writer, so neither loses an update.
    _queued = 0
    _finished = 0

    @property
    def idle(self) -> bool:
        """True when the worker thread has no call queued or running."""
        return self._queued == self._finished

    @property
    def raw(self) -> sqlite3.Connection:
        """The sqlite3 connection (opened with check_same_thread=False by SQLAlchemy)."""
        return self._conn

    async def _execute(self, fn: Any, *args: Any, **kwargs: Any) -> Any:
        self.settled = False
        self._queued += 1

        def call() -> Any:
            try:
                return fn(*args, **kwargs)
            finally:
                self._finished += 1

        return await super()._execute(call)  # type: ignore[no-untyped-call]

    async def commit(self) -> None:
        """Commit on the worker thread (it may fsync); settled once done."""
        self.write_locked = False
        await super().commit()
        self.settled = True

    async def rollback(self) -> None:
        """Roll back on the worker thread; settled once done."""
        self.write_locked = False
        await super().rollback()
        self.settled = True

    def try_begin_immediate(self) -> bool:
        """BEGIN IMMEDIATE on the event loop's thread if SQLite's write lock is free now,
        without waiting; False when another process holds it (then wait on the worker)."""
        raw = self.raw
        if self._busy_ms is None:
            self._busy_ms = int(raw.execute("PRAGMA busy_timeout").fetchone()[0])
        self.settled = False
        raw.execute("PRAGMA busy_timeout=0")
        try:
            raw.execute(BEGIN_IMMEDIATE)
        except sqlite3.OperationalError:
            if raw.in_transaction:
                raise
            return False
        finally:
            raw.execute(f"PRAGMA busy_timeout={self._busy_ms}")
        return True

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
        # Used from the worker thread and, inside a held write transaction, the event loop's.
        conn: sqlite3.Connection = sqlite3.connect(loc, **{**kwargs, "check_same_thread": False})
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


def mark_offload(dbapi_connection: Any) -> None:
    """Send the next statement on this (SQLAlchemy-adapted) connection to the worker thread."""
    driver = getattr(dbapi_connection, "driver_connection", None)
    if isinstance(driver, OneHopConnection):
        driver.offload_next = True

"""The database handle: engine, sessions, and transactions owned by service calls."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.pool import PoolResetState

from db import sqlite


class DatabaseUnavailable(Exception):
    """The database could not be reached; the caller shows a clear message and retries later."""


IMMEDIATE = "dondoc_immediate"
# Execution options for a large aggregate (the office's status over every unit, exports): on
# SQLite it runs on the driver's thread so the event loop keeps serving chats meanwhile.
HEAVY: dict[str, Any] = {sqlite.OFFLOAD: True}
# Seconds SQLite waits for another process's write lock (and a writer here for its turn).
BUSY_TIMEOUT = 10


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    # Let SQLAlchemy's "begin" event emit BEGIN itself (see _sqlite_begin).
    dbapi_conn.isolation_level = None
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute(f"PRAGMA busy_timeout={int(BUSY_TIMEOUT * 1000)}")
    cur.close()


def _sqlite_begin(conn: Any) -> None:
    """Writers take SQLite's write lock up front (BEGIN IMMEDIATE).

    A deferred transaction that reads and then writes fails with "database is locked" at once,
    whatever the busy timeout, when another writer committed in between; an immediate one waits
    its turn instead. Read-only sessions keep plain deferred transactions.
    """
    immediate = conn.get_execution_options().get(IMMEDIATE, False)
    # Straight to the driver: SQLAlchemy's statement machinery costs more than the BEGIN.
    cursor = conn.connection.dbapi_connection.cursor()
    try:
        cursor.execute("BEGIN IMMEDIATE" if immediate else "BEGIN")
    finally:
        cursor.close()


def _sqlite_offload(
    conn: Any, _cursor: Any, _sql: str, _params: Any, context: Any, _many: bool
) -> None:
    """Statements marked `execution_options(dondoc_offload=True)` (large aggregates) run on
    the driver's thread even inside a write transaction (see db.sqlite)."""
    if context is not None and context.execution_options.get(sqlite.OFFLOAD):
        sqlite.mark_offload(conn.connection.dbapi_connection)


def _sqlite_reset(dbapi_conn: Any, _record: Any, state: PoolResetState) -> None:
    """Roll back a connection coming back to the pool unless it is settled (its last commit or
    rollback finished and nothing was sent since): after a commit the stock reset would roll
    back anyway, one more trip to the driver's thread. As in the stock reset, nothing is done
    to a connection about to be terminated or outside the event loop."""
    if state.terminate_only or not state.asyncio_safe:
        return
    if not dbapi_conn.driver_connection.settled:
        dbapi_conn.rollback()


class Database:
    """Owns the async engine; `transaction()` is the only way services write."""

    def __init__(self, url: str, *, echo: bool = False) -> None:
        self.url = url
        parsed = make_url(url)
        self.dialect = parsed.get_backend_name()
        kwargs: dict[str, Any] = {"echo": echo}
        if self.dialect == "postgresql":
            kwargs.update(pool_size=10, max_overflow=10, pool_pre_ping=True)
        if self.dialect == "sqlite":
            kwargs.update(module=sqlite.dbapi(), pool_reset_on_return=None)
        self.engine: AsyncEngine = create_async_engine(url, **kwargs)
        # SQLite has one writer at a time. Writers of this process queue here, in order, rather
        # than in SQLite's busy handler, which polls with sleeps of up to 100 ms and so leaves
        # the lock idle while they sleep. Other processes still wait through busy_timeout.
        self._writer = asyncio.Lock()
        if self.dialect == "sqlite":
            event.listen(self.engine.sync_engine, "connect", _sqlite_pragmas)
            event.listen(self.engine.sync_engine, "begin", _sqlite_begin)
            event.listen(self.engine.sync_engine, "reset", _sqlite_reset)
            event.listen(self.engine.sync_engine, "before_cursor_execute", _sqlite_offload)

        self.sessions = async_sessionmaker(self.engine, expire_on_commit=False)

    @property
    def is_postgres(self) -> bool:
        """True on PostgreSQL (row locks and advisory locks are available)."""
        return self.dialect == "postgresql"

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """A session inside one transaction: committed on success, rolled back on error."""
        if self.dialect != "sqlite":
            async with self.sessions() as session, session.begin():
                yield session
            return
        try:
            # Not wait_for: on Python 3.11 a cancellation racing the acquisition can leave the
            # lock held by nobody.
            async with asyncio.timeout(BUSY_TIMEOUT):
                await self._writer.acquire()
        except TimeoutError as exc:
            raise DatabaseUnavailable("timed out waiting for the SQLite write lock") from exc
        try:
            async with self.sessions() as session, session.begin():
                await session.connection(execution_options={IMMEDIATE: True})
                yield session
        finally:
            self._writer.release()

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncSession]:
        """A session for reads only."""
        async with self.sessions() as session:
            yield session

    async def dispose(self) -> None:
        """Close every pooled connection."""
        await self.engine.dispose()

"""Builds the shared dependencies from settings, and closes them."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, OperationalError

from bot.settings import Settings
from db.database import Database, DatabaseUnavailable
from db.migrate import upgrade
from db.models import KeyValue
from domain.clock import Clock, SystemClock
from domain.deps import Deps
from locales import t


@dataclass
class Runtime:
    """Settings plus the dependencies built from them."""

    settings: Settings
    deps: Deps

    @property
    def db(self) -> Database:
        """The database."""
        return self.deps.db

    async def close(self) -> None:
        """Release connections."""
        await self.deps.db.dispose()


async def load_join_links(db: Database) -> dict[str, str]:
    """Join-link templates remembered from the channels (e.g. the Telegram bot's username)."""
    async with db.read() as s:
        rows = await s.execute(select(KeyValue).where(KeyValue.key.like("join_link:%")))
        return {kv.key.split(":", 1)[1]: kv.value for kv in rows.scalars()}


def db_unavailable(exc: BaseException, url: str) -> DatabaseUnavailable:
    """A DatabaseUnavailable naming DATABASE_URL (password hidden) and the driver's first line."""
    orig = getattr(exc, "orig", None) or exc
    lines = [ln.strip() for ln in str(orig).strip().splitlines() if ln.strip()]
    cause = lines[0] if lines else type(orig).__name__
    if isinstance(orig, OSError) and not lines:
        cause = type(orig).__name__
    try:
        shown = make_url(url).render_as_string(hide_password=True)
    except Exception:  # the URL was validated at start; never show a password if it was not
        shown = "?"
    return DatabaseStartError(f"DATABASE_URL={shown}: {cause}", _hint_key(exc))


class DatabaseStartError(DatabaseUnavailable):
    """The database cannot be used at start; `hint_key` names the likely cause in words."""

    def __init__(self, message: str, hint_key: str | None) -> None:
        super().__init__(message)
        self.hint_key = hint_key


# The likely cause in words, by the driver's exception class (asyncpg, OSError).
_HINTS = {
    "InvalidCatalogNameError": "cli.db_hint.no_database",
    "InvalidPasswordError": "cli.db_hint.password",
    "InvalidAuthorizationSpecificationError": "cli.db_hint.user",
    "CannotConnectNowError": "cli.db_hint.starting",
    "TooManyConnectionsError": "cli.db_hint.too_many",
    "ConnectionRefusedError": "cli.db_hint.refused",
    "gaierror": "cli.db_hint.host",
    "TimeoutError": "cli.db_hint.timeout",
}


def _hint_key(exc: BaseException) -> str | None:
    """The hint for an error or any error it wraps (SQLAlchemy wraps asyncpg's)."""
    seen: set[int] = set()
    todo: list[BaseException | None] = [exc]
    while todo:
        error = todo.pop(0)
        if error is None or id(error) in seen:
            continue
        seen.add(id(error))
        for cls in type(error).__mro__:
            if cls.__name__ in _HINTS:
                return _HINTS[cls.__name__]
        if isinstance(error, OSError) and error.errno == 111:
            return "cli.db_hint.refused"
        todo += [getattr(error, "orig", None), error.__cause__, error.__context__]
    return None


async def upgrade_or_explain(url: str) -> None:
    """Migrate to head; a database that cannot be reached raises a DatabaseUnavailable."""
    parsed = make_url(url)
    if parsed.drivername.startswith("sqlite") and parsed.database not in (None, "", ":memory:"):
        folder = Path(str(parsed.database)).parent
        if not folder.is_dir():
            # Checked here: aiosqlite's failed connect would outlive the migration's event loop.
            raise db_unavailable(OSError(t("cli.no_folder", None, folder=folder)), url)
    try:
        await upgrade(url)
    except (OperationalError, DBAPIError, OSError) as exc:
        raise db_unavailable(exc, url) from exc
    except Exception as exc:
        # asyncpg raises its own errors (wrong password, missing database) on connect.
        if type(exc).__module__.startswith("asyncpg"):
            raise db_unavailable(exc, url) from exc
        raise


async def open_runtime(
    settings: Settings, *, migrate: bool = True, clock: Clock | None = None
) -> Runtime:
    """Connect (and migrate to head) the database and assemble the dependencies."""
    db = Database(settings.database_url)
    deps = Deps(
        db=db,
        clock=clock or SystemClock(),
        tz=settings.tz,
        data_dir=settings.data_dir,
        default_locale=settings.default_locale,
    )
    deps.invite_ttl = dt.timedelta(days=settings.invite_ttl_days)
    if migrate:
        try:
            await upgrade_or_explain(settings.database_url)
            deps.join_links = await load_join_links(db)
        except (OperationalError, DBAPIError, OSError) as exc:
            await db.dispose()
            raise db_unavailable(exc, settings.database_url) from exc
        except DatabaseUnavailable:
            await db.dispose()
            raise
    return Runtime(settings=settings, deps=deps)

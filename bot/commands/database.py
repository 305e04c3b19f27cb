"""`dondoc db upgrade`."""

from __future__ import annotations

import argparse

from bot.runtime import Runtime
from db.migrate import upgrade


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the `db` commands."""
    db = sub.add_parser("db", help="database maintenance")
    dbsub = db.add_subparsers(dest="db_command", metavar="ACTION", required=True)
    up = dbsub.add_parser("upgrade", help="apply migrations up to the latest schema")
    up.set_defaults(func=_upgrade, needs_db=False)


async def _upgrade(args: argparse.Namespace, runtime: Runtime) -> int:
    await upgrade(runtime.settings.database_url)
    print("ok")
    return 0

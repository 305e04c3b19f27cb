"""`dondoc db upgrade`."""

from __future__ import annotations

import argparse

from bot.cli import help_text
from bot.runtime import Runtime, upgrade_or_explain
from locales import t


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the `db` commands."""
    db = sub.add_parser("db", help=help_text("cli.help.db"))
    dbsub = db.add_subparsers(
        dest="db_command", metavar=help_text("cli.metavar.action"), required=True
    )
    up = dbsub.add_parser("upgrade", help=help_text("cli.help.db_upgrade"))
    up.set_defaults(func=_upgrade, needs_db=False)


async def _upgrade(args: argparse.Namespace, runtime: Runtime) -> int:
    await upgrade_or_explain(runtime.settings.database_url)
    print(t("cli.db_upgraded", runtime.settings.default_locale))
    return 0

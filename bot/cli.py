"""The `dondoc` command line: every sub-command is registered by a module in bot/commands/."""

from __future__ import annotations

import argparse
import asyncio
import importlib
import json
import logging
import sys
from collections.abc import Awaitable, Callable
from typing import Any

from bot.runtime import Runtime, open_runtime
from bot.settings import load_settings
from db.database import DatabaseUnavailable
from domain.errors import DomainError
from locales import t

# Each module defines `register(sub: argparse._SubParsersAction) -> None` and sets
# `func` (an async callable taking (args, runtime)) on every parser it adds.
COMMAND_MODULES = (
    "bot.commands.database",
    "bot.commands.registry",
    "bot.commands.run",
    "bot.commands.reminders",
    "bot.commands.holidays",
    "bot.commands.plan_import",
    "bot.commands.export",
    "bot.commands.admin",
    "bot.zalo.cli",
)

Handler = Callable[[argparse.Namespace, Runtime], Awaitable[int | None]]
log = logging.getLogger("dondoc")


class CliError(Exception):
    """An error to print as one line before exiting with status 1."""


def emit(args: argparse.Namespace, data: Any, text: str | None = None) -> None:
    """Print JSON with --json, else the human text."""
    if getattr(args, "json", False):
        print(json.dumps(data, ensure_ascii=False, indent=2, default=str))
    elif text is not None:
        print(text)


def configure_logging(level: str) -> None:
    """Log to stderr; libraries that would print URLs (with the bot token) stay at WARNING."""
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for noisy in ("alembic", "httpx", "httpcore", "apscheduler", "aiohttp.access"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


def build_parser() -> argparse.ArgumentParser:
    """The full argument parser."""
    parser = argparse.ArgumentParser(
        prog="dondoc",
        description="dondoc: follow up implementation plans on Telegram and Zalo.",
    )
    parser.add_argument("--json", action="store_true", help="machine-readable output")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `dondoc` script."""
    parser = build_parser()
    args = parser.parse_args(argv)
    func: Handler | None = getattr(args, "func", None)
    if func is None:
        parser.print_help()
        return 0
    settings = load_settings()
    configure_logging(settings.log_level)
    needs_db = getattr(args, "needs_db", True)

    async def _go() -> int:
        runtime = await open_runtime(settings, migrate=needs_db)
        try:
            return int(await func(args, runtime) or 0)
        finally:
            await runtime.close()

    try:
        return asyncio.run(_go())
    except DomainError as exc:
        print(f"dondoc: {t(exc.key, settings.default_locale, **exc.params)}", file=sys.stderr)
        return 1
    except CliError as exc:
        print(f"dondoc: {exc}", file=sys.stderr)
        return 1
    except DatabaseUnavailable as exc:
        print(f"dondoc: {t('error.db_down', settings.default_locale)} ({exc})", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130

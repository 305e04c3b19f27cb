"""The `dondoc` command line: every sub-command is registered by a module in bot/commands/.

Every bad start ends with one line on stderr and its own exit status (see the EXIT_* values).
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import importlib
import json
import logging
import os
import re
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from locales import has, t

if TYPE_CHECKING:
    from bot.runtime import Runtime

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

# Top-level commands of each module, for `dondoc --help` without importing the modules (their
# imports take seconds). A module missing here is imported to list its commands.
TOP_LEVEL_HELP: dict[str, tuple[tuple[str, str], ...]] = {
    "bot.commands.database": (("db", "cli.help.db"),),
    "bot.commands.registry": (
        ("plan", "cli.help.plan_top"),
        ("unit", "cli.help.unit"),
        ("task", "cli.help.task"),
        ("rule", "cli.help.rule"),
        ("invite", "cli.help.invite"),
        ("member", "cli.help.member"),
    ),
    "bot.commands.run": (("run", "cli.help.run"), ("chat", "cli.help.chat")),
    "bot.commands.reminders": (("reminders", "cli.help.reminders"),),
    "bot.commands.holidays": (("holiday", "cli.help.holiday"),),
    "bot.commands.plan_import": (),
    "bot.commands.export": (("export", "cli.help.export"),),
    "bot.zalo.cli": (("zalo", "cli.help.zalo"),),
    "bot.commands.admin": (("group", "cli.help.group"),),
}

# Exit statuses: 1 a command refused (bad input), 2 usage or a bad setting, 3 the database,
# 4 a channel (token refused, API unreachable), 5 the HTTP port, 141 a closed output pipe.
EXIT_ERROR = 1
EXIT_USAGE = 2
EXIT_DATABASE = 3
EXIT_CHANNEL = 4
EXIT_PORT = 5
EXIT_PIPE = 141

Handler = Callable[[argparse.Namespace, "Runtime"], Awaitable[int | None]]
log = logging.getLogger("dondoc")


class CliError(Exception):
    """An error to print as one line before exiting with status 1 (or `status`)."""

    def __init__(self, message: str, status: int = EXIT_ERROR) -> None:
        super().__init__(message)
        self.status = status


def cli_locale() -> str:
    """The configured language, read without loading the settings (fast `--help`)."""
    value = os.environ.get("DEFAULT_LOCALE")
    if value is None:
        env = Path(".env")
        try:
            lines = env.read_text(encoding="utf-8").splitlines() if env.is_file() else []
        except (OSError, UnicodeDecodeError):
            lines = []
        for line in lines:
            key, _, rest = line.partition("=")
            if key.strip() == "DEFAULT_LOCALE":
                value = rest.strip().strip("\"'")
    return value if value in ("vi", "en") else "vi"


def help_text(key: str, **params: Any) -> str:
    """A --help text in the configured language."""
    return t(key, cli_locale(), **params)


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
    if level != "DEBUG":  # PTB's English "Application started/stopping": our own lines say it
        logging.getLogger("telegram.ext").setLevel(logging.WARNING)


# argparse's own error messages (Python 3.11 wording) and their catalog keys; `%s`, `%r` and
# `%(name)s` become `{a0}`, `{a1}`… and `{name}` in the catalog.
ARGPARSE_MESSAGES: tuple[tuple[str, str], ...] = (
    ("argument %(argument_name)s: %(message)s", "cli.argparse.argument"),
    ("the following arguments are required: %s", "cli.argparse.required"),
    ("invalid choice: %(value)r (choose from %(choices)s)", "cli.argparse.choice"),
    ("invalid %(type)s value: %(value)r", "cli.argparse.invalid_value"),
    ("expected one argument", "cli.argparse.expected_one"),
    ("expected at least one argument", "cli.argparse.expected_at_least_one"),
    ("expected at most one argument", "cli.argparse.expected_at_most_one"),
    ("expected %s argument", "cli.argparse.expected_n"),
    ("expected %s arguments", "cli.argparse.expected_n"),
    ("unrecognized arguments: %s", "cli.argparse.unrecognized"),
    ("ambiguous option: %(option)s could match %(matches)s", "cli.argparse.ambiguous"),
    ("not allowed with argument %s", "cli.argparse.not_allowed_with"),
    ("one of the arguments %s is required", "cli.argparse.one_required"),
    ("ignored explicit argument %r", "cli.argparse.ignored_explicit"),
)


@functools.cache
def _argparse_patterns() -> tuple[tuple[re.Pattern[str], str], ...]:
    out = []
    for english, key in ARGPARSE_MESSAGES:
        pattern, n = "", 0
        for part in re.split(r"(%\(\w+\)[sr]|%[sr])", english):
            if part.startswith("%(") and part[-1] in "sr":
                pattern += f"(?P<{part[2:-2]}>.+?)"
            elif part in ("%s", "%r"):
                pattern += f"(?P<a{n}>.+?)"
                n += 1
            else:
                pattern += re.escape(part)
        out.append((re.compile(f"^{pattern}$", re.S), key))
    return tuple(out)


def translate_argparse(message: str, loc: str) -> str:
    """argparse's English error message in the configured language (unknown ones unchanged)."""
    for pattern, key in _argparse_patterns():
        found = pattern.match(message)
        if found is None:
            continue
        params = found.groupdict()
        if "message" in params:  # "argument --day: invalid int value: 'x'"
            params["message"] = translate_argparse(params["message"], loc)
        return t(key, loc, **params)
    return message


class _Parser(argparse.ArgumentParser):
    """argparse with its own words in the configured language and one-line errors."""

    def add_argument(self, *args: Any, **kwargs: Any) -> argparse.Action:
        """Placeholders in the configured language ("--plan KẾ_HOẠCH"): `cli.metavar.<dest>`."""
        action = super().add_argument(*args, **kwargs)
        key = f"cli.metavar.{action.dest}"
        if action.metavar is None and action.choices is None and action.nargs != 0 and has(key):
            action.metavar = help_text(key)
        return action

    def error(self, message: str) -> Any:
        loc = cli_locale()
        text = t("cli.usage_error", loc, message=translate_argparse(message, loc))
        print(f"{self.prog}: {text}", file=sys.stderr)
        raise SystemExit(EXIT_USAGE)

    def format_help(self) -> str:
        loc = cli_locale()
        text = super().format_help()
        for english, key in (
            ("usage:", "cli.help.usage"),
            ("positional arguments:", "cli.help.positional"),
            ("options:", "cli.help.options"),
            ("show this help message and exit", "cli.help.help"),
        ):
            text = text.replace(english, t(key, loc))
        return text


def build_parser() -> argparse.ArgumentParser:
    """The full argument parser."""
    parser = _Parser(prog="dondoc", description=help_text("cli.help.description"))
    parser.add_argument("--json", action="store_true", help=help_text("cli.help.json"))
    sub = parser.add_subparsers(
        dest="command", metavar=help_text("cli.metavar.command"), parser_class=_Parser
    )
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    return parser


def build_top_parser() -> argparse.ArgumentParser:
    """The parser `dondoc --help` prints: top-level commands only, without heavy imports."""
    parser = _Parser(prog="dondoc", description=help_text("cli.help.description"))
    parser.add_argument("--json", action="store_true", help=help_text("cli.help.json"))
    sub = parser.add_subparsers(
        dest="command", metavar=help_text("cli.metavar.command"), parser_class=_Parser
    )
    for name in COMMAND_MODULES:
        known = TOP_LEVEL_HELP.get(name)
        if known is None:
            importlib.import_module(name).register(sub)
            continue
        for command, key in known:
            if command not in sub.choices:
                sub.add_parser(command, help=help_text(key))
    return parser


def split_json_flag(argv: list[str]) -> tuple[list[str], bool]:
    """Take `--json` out wherever it stands (before or after the sub-command)."""
    out: list[str] = []
    found = False
    for i, arg in enumerate(argv):
        if arg == "--":
            out.extend(argv[i:])
            break
        if arg == "--json":
            found = True
        else:
            out.append(arg)
    return out, found


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `dondoc` script."""
    try:
        status = _main(list(sys.argv[1:] if argv is None else argv))
        sys.stdout.flush()  # inside the try: a reader that left is noticed here, not at exit
        return status
    except BrokenPipeError:
        # `dondoc task list | head`: the reader left; say nothing more.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_PIPE


def _main(argv: list[str]) -> int:
    argv, as_json = split_json_flag(argv)
    if not argv or argv[0] in ("-h", "--help"):
        build_top_parser().print_help()
        return 0
    parser = build_parser()
    args = parser.parse_args(argv)
    args.json = as_json
    func: Handler | None = getattr(args, "func", None)
    if func is None:
        parser.print_help()
        return 0
    from bot.runtime import open_runtime
    from bot.settings import load_settings
    from db.database import DatabaseUnavailable
    from domain.errors import DomainError

    settings = load_settings()
    configure_logging(settings.log_level)
    needs_db = getattr(args, "needs_db", True)
    loc = settings.default_locale

    async def _go() -> int:
        runtime = await open_runtime(settings, migrate=needs_db)
        try:
            return int(await func(args, runtime) or 0)
        finally:
            await runtime.close()

    try:
        return asyncio.run(_go())
    except DomainError as exc:
        print(f"dondoc: {t(exc.key, loc, **exc.params)}", file=sys.stderr)
        return EXIT_ERROR
    except CliError as exc:
        print(f"dondoc: {exc}", file=sys.stderr)
        return exc.status
    except DatabaseUnavailable as exc:
        cause = str(exc)
        hint = getattr(exc, "hint_key", None)
        if hint:  # the driver's words, then what they mean
            cause += f" ({t(hint, loc)})"
        print(f"dondoc: {t('cli.db_unavailable', loc, cause=cause)}", file=sys.stderr)
        return EXIT_DATABASE
    except KeyboardInterrupt:
        return 130
    except (SystemExit, BrokenPipeError):
        raise
    except Exception as exc:
        # Never a traceback for a clerk: one line, the details in the log at DEBUG.
        log.debug("unexpected error", exc_info=True)
        cause = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
        print(
            f"dondoc: {t('cli.unexpected', loc, error=type(exc).__name__, cause=cause)}",
            file=sys.stderr,
        )
        return EXIT_ERROR

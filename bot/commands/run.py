"""`dondoc run` and `dondoc chat`."""

from __future__ import annotations

import argparse

from bot.app import run_chat, run_service
from bot.cli import help_text as H
from bot.runtime import Runtime


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add run and chat."""
    p = sub.add_parser("run", help=H("cli.help.run"), description=H("cli.help.run"))
    p.set_defaults(func=_run)
    p = sub.add_parser("chat", help=H("cli.help.chat"), description=H("cli.help.chat"))
    p.add_argument(
        "--as",
        dest="persona",
        choices=["focal", "office", "new"],
        help=H("cli.help.chat_as"),
    )
    p.add_argument("--locale", choices=["vi", "en"], help=H("cli.help.chat_locale"))
    p.set_defaults(func=_chat)


async def _run(args: argparse.Namespace, runtime: Runtime) -> int:
    return await run_service(runtime)


async def _chat(args: argparse.Namespace, runtime: Runtime) -> int:
    return await run_chat(runtime, persona=args.persona, locale=args.locale)

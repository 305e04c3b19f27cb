"""`dondoc run` and `dondoc chat`."""

from __future__ import annotations

import argparse

from bot.app import run_chat, run_service
from bot.runtime import Runtime


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add run and chat."""
    p = sub.add_parser(
        "run",
        help="run every configured channel and the scheduler "
        "(with none configured: the terminal chat on the demo plan)",
    )
    p.set_defaults(func=_run)
    p = sub.add_parser("chat", help="chat with the bot in the terminal")
    p.add_argument(
        "--as",
        dest="persona",
        choices=["focal", "office", "new"],
        help="who to play (asked when omitted)",
    )
    p.add_argument("--locale", choices=["vi", "en"], help="language of the chat")
    p.set_defaults(func=_chat)


async def _run(args: argparse.Namespace, runtime: Runtime) -> int:
    return await run_service(runtime)


async def _chat(args: argparse.Namespace, runtime: Runtime) -> int:
    return await run_chat(runtime, persona=args.persona, locale=args.locale)

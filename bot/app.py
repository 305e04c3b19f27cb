"""Process lifecycle: the configured channels, the scheduler and the HTTP server, or the demo."""

from __future__ import annotations

import logging

from bot.console import PERSONAS, ConsoleChat
from bot.runtime import Runtime
from domain.demo import load_demo
from handlers.router import Conversations
from locales import t

log = logging.getLogger(__name__)


async def ensure_demo(runtime: Runtime) -> bool:
    """Load the demo plan into an empty database; True if it was loaded."""
    async with runtime.db.transaction() as s:
        plan = await load_demo(s, runtime.deps.now())
    if plan is not None:
        log.info("demo plan loaded (plan %s)", plan.id)
    return plan is not None


async def run_chat(
    runtime: Runtime, *, persona: str | None = None, locale: str | None = None
) -> int:
    """The terminal chat on the database (demo plan loaded if it is empty)."""
    await ensure_demo(runtime)
    conversations = Conversations(runtime.deps)
    chat = ConsoleChat(
        runtime.deps, conversations, locale=locale or runtime.settings.default_locale
    )
    return await chat.run(PERSONAS[persona] if persona else None)


async def run_service(runtime: Runtime) -> int:
    """Run the configured channels and the scheduler; with none configured, the demo chat."""
    settings = runtime.settings
    if settings.telegram_bot_token is None and settings.zalo_bot_token is None:
        print(t("console.no_token", settings.default_locale))
        return await run_chat(runtime)
    raise SystemExit("channels are not wired yet")

"""Running the real Telegram binding against the fake Bot API in tests and benchmarks."""

from __future__ import annotations

import zoneinfo
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from telegram import Update
from telegram.ext import TypeHandler

from bot.settings import Settings
from bot.telegram.binding import Conversations
from bot.telegram.ratelimit import Limiter
from bot.telegram.runner import TelegramRunner, build_telegram
from db.database import Database
from db.models import Role, Unit
from domain.clock import Clock
from domain.deps import Deps
from domain.membership import create_invite
from domain.registry import get_or_create_unit
from tests.fakes.telegram_api import FakeTelegram


def make_deps(db: Database, clock: Clock, data_dir: Path) -> Deps:
    """Dependencies for a test bot."""
    return Deps(db=db, clock=clock, tz=zoneinfo.ZoneInfo("Asia/Ho_Chi_Minh"), data_dir=data_dir)


def fast_limiter() -> Limiter:
    """Flood limits loose enough for a dialogue to run in milliseconds; retries quick."""
    return Limiter(
        overall_per_second=1000,
        per_chat_per_second=100,
        chat_burst=100,
        group_per_minute=6000,
        backoff=0.05,
    )


def telegram_settings(fake: FakeTelegram, **extra: object) -> Settings:
    """Settings pointing the bot at the fake server (as TELEGRAM_API_BASE_URL would)."""
    return Settings(  # type: ignore[call-arg]
        _env_file=None,
        telegram_bot_token=fake.token,
        telegram_api_base_url=fake.base_url,
        **extra,
    )


@asynccontextmanager
async def running_bot(
    fake: FakeTelegram,
    deps: Deps,
    conversations: Conversations,
    *,
    limiter: Limiter | None = None,
    start: bool = True,
    **settings: object,
) -> AsyncIterator[TelegramRunner]:
    """A started Telegram runner (polling unless told otherwise), stopped on exit."""
    runner = build_telegram(
        telegram_settings(fake, **settings),
        deps,
        conversations,
        limiter=limiter or fast_limiter(),
        poll_timeout=1,
    )

    async def processed(update: Update, context: object) -> None:
        await fake.mark_processed(update.update_id)

    # Group 1 runs after the binding's handler (group 0) has finished with the update.
    runner.application.add_handler(TypeHandler(Update, processed), group=1)
    if start:
        await runner.start()
    try:
        yield runner
    finally:
        await runner.stop()


async def new_invite(deps: Deps, unit_name: str, role: Role = Role.FOCAL) -> str:
    """A fresh invite code for a unit (created if needed)."""
    async with deps.db.transaction() as session:
        unit: Unit | None = None
        if unit_name:
            unit, _ = await get_or_create_unit(session, unit_name, deps.now())
        created = await create_invite(
            session, deps.now(), role=role, unit=unit, ttl=deps.invite_ttl, actor="test"
        )
        return created.code

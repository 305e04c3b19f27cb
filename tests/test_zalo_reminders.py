"""The reminder engine delivering to a Zalo-only focal point through the Zalo outbound.

Skipped until the reminder engine (scheduler.engine) is on the branch.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.zalo.client import RetryPolicy, ZaloClient
from bot.zalo.runner import ZaloRunner
from db.database import Database
from db.models import ChatAccount, Role
from domain.clock import FrozenClock
from domain.demo import load_demo
from domain.deps import Deps
from domain.membership import create_invite
from domain.registry import find_unit
from handlers.messages import Incoming, Reply
from handlers.router import Conversations
from tests.fakes.zalo_api import FakeZaloApi

engine_module = pytest.importorskip("scheduler.engine")
TZ = zoneinfo.ZoneInfo("Asia/Ho_Chi_Minh")
FAST = RetryPolicy(attempts=3, base_delay=0.01, max_delay=0.05)


@pytest.fixture
async def fake() -> AsyncIterator[FakeZaloApi]:
    async with FakeZaloApi() as server:
        yield server


async def no_sleep(_seconds: float) -> None:
    return None


async def demo_with_invite(deps: Deps) -> str:
    """The demo plan, and an invite for the police's focal point."""
    async with deps.db.transaction() as s:
        await load_demo(s, deps.now())
        unit = await find_unit(s, "Công an phường")
        assert unit is not None
        new = await create_invite(s, deps.now(), role=Role.FOCAL, unit=unit, ttl=deps.invite_ttl)
    return new.code


async def test_engine_reminds_a_zalo_only_focal_point(
    fake: FakeZaloApi, db: Database, clock: FrozenClock, tmp_path: Path
) -> None:
    deps = Deps(db=db, clock=clock, tz=TZ, data_dir=tmp_path)
    code = await demo_with_invite(deps)
    client = ZaloClient(fake.token, fake.base_url, request_timeout=3, retry=FAST)
    runner = ZaloRunner(client, Conversations(deps), deps, poll_timeout=1, backoff_base=0.01)
    await runner.start()
    try:
        fake.text("z-rem", code)
        await fake.wait_sent("z-rem", 2)  # welcome + help
        joined = len(fake.sent("z-rem"))

        eng = engine_module.ReminderEngine(db, clock, TZ, {"zalo": runner.outbound}, sleep=no_sleep)
        # Q4/2026 is due the 20th, a Sunday: the deadline ends Monday 21/12, so the
        # 7-days-before reminder is Monday 14/12, 08:00.
        clock.set(dt.datetime(2026, 12, 14, 8, 0, tzinfo=TZ))
        fake.rate_limit("sendMessage", times=1, retry_after=0.01)
        report = await eng.tick()
        assert report.sent >= 1 and report.failed == 0
        reminders = fake.sent("z-rem")[joined:]
        assert reminders and any("Quý IV/2026" in text for text in reminders)
        assert any("(/baocao)" in text for text in reminders)  # the button, typed on Zalo
        again = await eng.tick()
        assert again.sent == 0 and fake.sent("z-rem")[joined:] == reminders  # exactly once

        # Three days before (Friday 18/12) the user has blocked the bot.
        clock.set(dt.datetime(2026, 12, 18, 8, 0, tzinfo=TZ))
        fake.fail("sendMessage", status=403, error_code=403, description="blocked", times=50)
        blocked = await eng.tick()
        assert blocked.unreachable >= 1 and blocked.sent == 0
    finally:
        await runner.stop()
    async with db.read() as s:
        account = await s.scalar(select(ChatAccount).where(ChatAccount.external_id == "z-rem"))
    assert account is not None and account.channel == "zalo"
    assert account.unreachable_since is not None  # the office sees it in the digest


class Recorder:
    """A Telegram outbound that records (Telegram has its own tests; here only who gets what)."""

    channel = "telegram"

    def __init__(self) -> None:
        self.sent: list[str] = []

    async def send(self, chat_id: str, reply: Reply) -> None:
        self.sent.append(chat_id)


async def test_engine_follows_the_preferred_channel_of_a_linked_member(
    fake: FakeZaloApi, db: Database, clock: FrozenClock, tmp_path: Path
) -> None:
    deps = Deps(db=db, clock=clock, tz=TZ, data_dir=tmp_path)
    code = await demo_with_invite(deps)
    conv = Conversations(deps)

    async def telegram(text: str) -> list[Reply]:
        return await conv.handle(
            Incoming(channel="telegram", user_id="55", chat_id="55", text=text)
        )

    await telegram("/start " + code)
    (answer,) = await telegram("/lienket")
    link_code = answer.text.split("\n", 1)[0].rsplit(" ", 1)[1]
    client = ZaloClient(fake.token, fake.base_url, request_timeout=3, retry=FAST)
    runner = ZaloRunner(client, conv, deps, poll_timeout=1, backoff_base=0.01)
    tg = Recorder()
    await runner.start()
    try:
        fake.text("z-both", link_code)
        fake.text("z-both", "/kenh zalo")
        await fake.wait_sent("z-both", 3)
        assert "Zalo" in fake.sent("z-both")[-1]
        before = len(fake.sent("z-both"))
        eng = engine_module.ReminderEngine(
            db, clock, TZ, {"zalo": runner.outbound, "telegram": tg}, sleep=no_sleep
        )
        clock.set(dt.datetime(2026, 12, 14, 8, 0, tzinfo=TZ))
        await eng.tick()
        assert len(fake.sent("z-both")) > before and tg.sent == []  # Zalo only

        await telegram("/kenh cả hai")
        before = len(fake.sent("z-both"))
        clock.set(dt.datetime(2026, 12, 18, 8, 0, tzinfo=TZ))
        await eng.tick()
        assert len(fake.sent("z-both")) > before and "55" in tg.sent  # both channels
    finally:
        await runner.stop()

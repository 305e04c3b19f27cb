"""`dondoc run`: both channels, the HTTP server and the scheduler in one process."""

from __future__ import annotations

import asyncio
import socket
from pathlib import Path

import aiohttp
import pytest

from bot.app import build_channels, ensure_demo, serve
from bot.runtime import open_runtime
from bot.settings import Settings
from db.models import Role
from domain.clock import FrozenClock
from domain.membership import create_invite
from domain.registry import find_unit
from handlers.router import Conversations
from tests.fakes.telegram_api import FakeTelegram
from tests.fakes.zalo_api import FakeZaloApi

pytestmark = pytest.mark.timeout(60)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def until(predicate: object, within: float = 10.0) -> None:
    deadline = asyncio.get_running_loop().time() + within
    while not predicate():  # type: ignore[operator]
        assert asyncio.get_running_loop().time() < deadline, "timed out"
        await asyncio.sleep(0.05)


async def test_run_serves_telegram_and_zalo_then_stops(
    database_url: str, clock: FrozenClock, tmp_path: Path
) -> None:
    port = free_port()
    async with FakeTelegram() as tg, FakeZaloApi() as zalo:
        settings = Settings(  # type: ignore[call-arg]
            _env_file=None,
            database_url=database_url,
            telegram_bot_token=tg.token,
            telegram_api_base_url=tg.base_url,
            zalo_bot_token=zalo.token,
            zalo_api_base_url=zalo.base_url,
            http_port=port,
            data_dir=tmp_path,
        )
        runtime = await open_runtime(settings, clock=clock)
        await ensure_demo(runtime)
        codes = []
        async with runtime.db.transaction() as s:
            unit = await find_unit(s, "Trạm Y tế phường")
            for _ in range(2):
                codes.append(
                    (
                        await create_invite(
                            s, clock.now(), role=Role.FOCAL, unit=unit, ttl=runtime.deps.invite_ttl
                        )
                    ).code
                )
        runners = build_channels(runtime, Conversations(runtime.deps))
        assert [r.name for r in runners] == ["telegram", "zalo"]
        stop = asyncio.Event()
        task = asyncio.create_task(serve(runtime, runners, stop))
        try:
            tg.send_text(501, f"/start {codes[0]}", first_name="Hoa")
            await until(lambda: any("Chào mừng" in t for t in tg.sent_texts(501)))
            zalo.push(zalo.text("z-77", f"/start {codes[1]}"))
            await until(lambda: any("Chào mừng" in t for t in zalo.sent("z-77")))
            async with (
                aiohttp.ClientSession() as http,
                http.get(f"http://127.0.0.1:{port}/healthz") as resp,
            ):
                body = await resp.json()
            assert resp.status == 200, body
            assert body["checks"] == {"database": True, "telegram": True, "zalo": True}
        finally:
            stop.set()
            assert await asyncio.wait_for(task, 20) == 0
            await runtime.close()

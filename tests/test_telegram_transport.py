"""The aiohttp transport under python-telegram-bot: errors mapped as PTB expects, no token."""

from __future__ import annotations

import asyncio
import socket

import pytest
from aiohttp import web
from telegram import Bot
from telegram.error import NetworkError, TimedOut

from bot.telegram.transport import AiohttpRequest
from tests.fakes.telegram_api import FakeTelegram

pytestmark = pytest.mark.timeout(30)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def test_unreachable_server_is_a_network_error_without_token() -> None:
    token = "42:SECRET-transport"
    request = AiohttpRequest()
    await request.initialize()
    try:
        with pytest.raises(NetworkError) as err:
            await request.post(f"http://127.0.0.1:{free_port()}/bot{token}/getMe")
        assert token not in str(err.value)
    finally:
        await request.shutdown()


async def test_slow_answer_times_out() -> None:
    async def slow(request: web.Request) -> web.Response:
        await asyncio.sleep(0.8)
        return web.json_response({"ok": True, "result": True})

    app = web.Application()
    app.router.add_post("/bot{token}/{method}", slow)
    runner = web.AppRunner(app)
    await runner.setup()
    port = free_port()
    site = web.TCPSite(runner, "127.0.0.1", port)
    await site.start()
    request = AiohttpRequest(read_timeout=0.2)
    await request.initialize()
    try:
        with pytest.raises(TimedOut):
            await request.post(f"http://127.0.0.1:{port}/bot1:x/getMe")
    finally:
        await request.shutdown()
        await runner.cleanup()


async def test_upload_download_and_params_round_trip() -> None:
    async with FakeTelegram() as fake:
        bot = Bot(
            fake.token,
            base_url=fake.base_url,
            base_file_url=fake.base_file_url,
            request=AiohttpRequest(),
        )
        async with bot:
            me = await bot.get_me()
            assert me.username == fake.username
            sent = await bot.send_document(
                "-100", b"%PDF-1 data", filename="Tổng hợp quý IV.pdf", caption="Bản nháp"
            )
            assert sent.caption == "Bản nháp"
            upload = fake.uploads[0]
            assert upload["filename"] == "Tổng hợp quý IV.pdf"
            assert upload["content"] == b"%PDF-1 data"
            stored = fake.add_file(b"\x89PNG\r\n\x1a\nimage")
            tg_file = await bot.get_file(stored.file_id)
            assert bytes(await tg_file.download_as_bytearray()) == b"\x89PNG\r\n\x1a\nimage"

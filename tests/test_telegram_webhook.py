"""Webhook mode on the shared aiohttp server, /healthz, the flood limiter and log hygiene."""

from __future__ import annotations

import asyncio
import logging
import time
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from bot.telegram.logs import protect_logs
from bot.telegram.ratelimit import Limiter
from bot.telegram.runner import file_base_url
from bot.web import WebServer
from db.database import Database
from domain.clock import FrozenClock
from handlers.messages import Incoming, Reply
from tests.fakes.telegram_api import FakeTelegram
from tests.fakes.telegram_harness import make_deps, running_bot

pytestmark = pytest.mark.timeout(30)

SECRET = "s3cret_Token-value"


class Echo:
    async def handle(self, msg: Incoming) -> list[Reply]:
        return [Reply(f"echo: {msg.text}")]


def update_body(fake: FakeTelegram, user_id: int, text: str) -> dict[str, Any]:
    return {"update_id": 900 + user_id, "message": fake.make_message(user_id, text)}


async def test_webhook_checks_the_secret(db: Database, clock: FrozenClock, tmp_path: Path) -> None:
    deps = make_deps(db, clock, tmp_path)
    async with (
        FakeTelegram() as fake,
        running_bot(
            fake,
            deps,
            Echo(),
            start=False,
            telegram_mode="webhook",
            telegram_webhook_url="https://bot.example.vn/hooks/telegram",
            telegram_webhook_secret=SECRET,
        ) as runner,
    ):
        server = WebServer("127.0.0.1", 0)
        server.add_routes(runner.web_routes())
        await server.start()
        try:
            await runner.start()
            assert fake.webhook is not None
            assert fake.webhook["url"] == "https://bot.example.vn/hooks/telegram"
            assert fake.webhook["secret_token"] == SECRET
            assert not fake.calls_of("getUpdates")
            url = f"{server.url}/hooks/telegram"
            async with aiohttp.ClientSession() as http:
                async with http.post(url, json=update_body(fake, 1, "a")) as resp:
                    assert resp.status == 403
                headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET + "x"}
                async with http.post(url, json=update_body(fake, 2, "b"), headers=headers) as resp:
                    assert resp.status == 403
                headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
                async with http.post(url, data=b"{not json", headers=headers) as resp:
                    assert resp.status == 400
                async with http.post(
                    url, json=update_body(fake, 3, "xin chào"), headers=headers
                ) as resp:
                    assert resp.status == 200
                async with http.get(f"{server.url}/healthz") as resp:
                    assert resp.status == 200
                    assert (await resp.json())["status"] == "ok"
            await fake.wait_calls("sendMessage", 1, 3)
            assert fake.sent_texts(3) == ["echo: xin chào"]
            assert not fake.calls_of("sendMessage", 1)
            assert not fake.calls_of("sendMessage", 2)
        finally:
            await server.stop()


def test_webhook_mode_needs_a_secret() -> None:
    from bot.telegram.runner import TelegramRunner

    with pytest.raises(ValueError, match="SECRET"):
        TelegramRunner(None, None, mode="webhook", webhook_url="https://x/y")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="SECRET"):
        TelegramRunner(
            None,  # type: ignore[arg-type]
            None,  # type: ignore[arg-type]
            mode="webhook",
            webhook_url="https://x/y",
            webhook_secret="has spaces and ; quotes",
        )


async def test_healthz_reports_failing_checks() -> None:
    server = WebServer("127.0.0.1", 0)

    async def db_up() -> bool:
        return False

    server.add_check("database", db_up)
    await server.start()
    try:
        async with aiohttp.ClientSession() as http, http.get(f"{server.url}/healthz") as resp:
            assert resp.status == 503
            assert await resp.json() == {"status": "failing", "checks": {"database": False}}
    finally:
        await server.stop()


def test_file_url_follows_the_api_url() -> None:
    assert file_base_url("https://tg.example.vn:8081/bot") == "https://tg.example.vn:8081/file/bot"
    assert file_base_url("http://127.0.0.1:9/bot/") == "http://127.0.0.1:9/file/bot"
    with pytest.raises(ValueError):
        file_base_url("https://tg.example.vn/api")


async def test_limiter_spaces_messages_per_chat_and_overall() -> None:
    limiter = Limiter(overall_per_second=20, per_chat_per_second=5, chat_burst=1)
    stamps: dict[str, list[float]] = {"1": [], "2": []}

    async def call(endpoint: str, data: dict[str, Any]) -> bool:
        stamps[str(data["chat_id"])].append(time.monotonic())
        return True

    async def send(chat: str) -> None:
        await limiter.process_request(
            call, ("sendMessage", {"chat_id": chat}), {}, "sendMessage", {"chat_id": chat}, None
        )

    start = time.monotonic()
    await asyncio.gather(*(send("1") for _ in range(4)), *(send("2") for _ in range(4)))
    for chat in ("1", "2"):
        gaps = [b - a for a, b in zip(stamps[chat], stamps[chat][1:], strict=False)]
        assert all(g >= 0.18 for g in gaps), gaps  # 5 a second per chat
    assert time.monotonic() - start >= 0.55
    # Calls that are not messages are not held back.
    t0 = time.monotonic()
    for _ in range(10):
        await limiter.process_request(
            call, ("x", {"chat_id": "1"}), {}, "answerCallbackQuery", {"chat_id": "1"}, None
        )
    assert time.monotonic() - t0 < 0.1


async def test_limiter_gives_up_after_bounded_retries() -> None:
    from telegram.error import NetworkError

    limiter = Limiter(max_retries=2, backoff=0.01)
    attempts = 0

    async def flaky(endpoint: str, data: dict[str, Any]) -> bool:
        nonlocal attempts
        attempts += 1
        raise NetworkError("Internal Server Error (500)")

    with pytest.raises(NetworkError):
        await limiter.process_request(
            flaky, ("sendMessage", {}), {}, "sendMessage", {"chat_id": "1"}, None
        )
    assert attempts == 3


def test_token_is_scrubbed_and_http_loggers_quiet(caplog: pytest.LogCaptureFixture) -> None:
    token = "999:SECRET-abc"
    logging.getLogger("httpx").setLevel(logging.DEBUG)
    protect_logs(token)
    assert logging.getLogger("httpx").getEffectiveLevel() >= logging.WARNING
    # protect_logs filters the handlers present when it runs; pytest's capture handler
    # is one of them only inside the test, so add the filter to it explicitly too.
    caplog.handler.addFilter(protect_logs(token))
    logging.getLogger("dondoc.test").warning("POST https://api.telegram.org/bot%s/getMe", token)
    try:
        raise RuntimeError(f"url bot{token}/x")
    except RuntimeError:
        logging.getLogger("dondoc.test").exception("failed")
    assert token not in caplog.text
    assert "<redacted>" in caplog.text

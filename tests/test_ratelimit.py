"""The Telegram limiter: flood budgets on aiolimiter, retries on the shared policy, and no
repeat of a message whose request may have arrived (real HTTP through PTB's HTTPXRequest)."""

from __future__ import annotations

import asyncio
import socket
import time
from typing import Any

import pytest
from aiohttp import web
from telegram.error import NetworkError, RetryAfter, TimedOut
from telegram.request import HTTPXRequest

from bot.telegram.ratelimit import Limiter, outcome_unknown, request_not_sent
from tests.fakes.loopback import serve_on_loopback


async def _send_through(limiter: Limiter, url: str, request: HTTPXRequest) -> tuple[int, Any]:
    """One sendMessage through the limiter; (times the callback ran, result or exception)."""
    calls = 0

    async def callback() -> Any:
        nonlocal calls
        calls += 1
        return await request.post(url)

    try:
        result: Any = await limiter.process_request(
            callback, (), {}, "sendMessage", {"chat_id": 7}, None
        )
    except Exception as exc:
        result = exc
    return calls, result


@pytest.mark.parametrize("how", ["stall", "drop"])
async def test_a_message_that_may_have_arrived_is_sent_once(how: str) -> None:
    arrived = 0

    async def handle(request: web.Request) -> web.StreamResponse:
        nonlocal arrived
        await request.read()
        arrived += 1
        if how == "drop":
            assert request.transport is not None
            request.transport.close()  # cut off after the request was read
        await asyncio.sleep(2)
        return web.json_response({"ok": True, "result": True})

    app = web.Application()
    app.router.add_post("/send", handle)
    runner, port = await serve_on_loopback(app)
    request = HTTPXRequest(read_timeout=0.3, connect_timeout=1.0)
    await request.initialize()
    try:
        calls, error = await _send_through(
            Limiter(max_retries=3, backoff=0.01), f"http://127.0.0.1:{port}/send", request
        )
    finally:
        await request.shutdown()
        await runner.cleanup()
    assert isinstance(error, TimedOut if how == "stall" else NetworkError), error
    assert outcome_unknown(error) and not request_not_sent(error)
    assert calls == 1 and arrived == 1


async def test_a_refused_connection_is_retried_as_never_sent() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    request = HTTPXRequest(connect_timeout=1.0)
    await request.initialize()
    try:
        calls, error = await _send_through(
            Limiter(max_retries=2, backoff=0.01), f"http://127.0.0.1:{port}/send", request
        )
    finally:
        await request.shutdown()
    assert isinstance(error, NetworkError) and request_not_sent(error)
    assert not outcome_unknown(error)
    assert calls == 3  # the first try and two retries


async def test_429_waits_retry_after_for_every_message() -> None:
    limiter = Limiter(max_retries=2, backoff=0.01)
    stamps: list[float] = []

    async def limited() -> bool:
        stamps.append(time.monotonic())
        if len(stamps) == 1:
            raise RetryAfter(1)
        return True

    assert await limiter.process_request(limited, (), {}, "sendMessage", {"chat_id": 1}, None)
    assert len(stamps) == 2 and stamps[1] - stamps[0] >= 0.95


async def test_429_longer_than_allowed_goes_to_the_caller() -> None:
    limiter = Limiter(max_retry_after=0.5)
    calls = 0

    async def limited() -> bool:
        nonlocal calls
        calls += 1
        raise RetryAfter(5)

    with pytest.raises(RetryAfter):
        await limiter.process_request(limited, (), {}, "sendMessage", {"chat_id": 1}, None)
    assert calls == 1


async def test_overall_budget_never_exceeds_30_in_any_second() -> None:
    limiter = Limiter(per_chat_per_second=0)
    stamps: list[float] = []

    async def call() -> bool:
        stamps.append(time.monotonic())
        return True

    async def send(chat: int) -> None:
        await limiter.process_request(call, (), {}, "sendMessage", {"chat_id": chat}, None)

    await asyncio.gather(*(send(i) for i in range(75)))
    stamps.sort()
    # Counted when the calls go out: never 31 within 1.04 s, so never within a second.
    worst = max(sum(1 for t in stamps if start <= t < start + 1.04) for start in stamps)
    assert worst <= 30, worst
    rate = (len(stamps) - 1) / (stamps[-1] - stamps[0])
    assert rate >= 26.0, rate  # about 28.8/s, not throttled far below the cap

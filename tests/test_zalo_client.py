"""The Zalo Bot API client against the fake server: methods, splitting, errors, retries."""

from __future__ import annotations

import socket
import time
from collections.abc import AsyncIterator

import pytest

from bot.retrying import RetryPolicy
from bot.zalo.client import (
    MAX_TEXT,
    ZaloApiError,
    ZaloClient,
    ZaloError,
    ZaloForbidden,
    ZaloNetworkError,
    ZaloOutcomeUnknown,
    ZaloRateLimited,
    ZaloTimeout,
    ZaloUnauthorized,
)
from bot.zalo.outbound import ZaloOutbound
from handlers.messages import (
    Option,
    OutcomeUnknown,
    RecipientUnreachable,
    Reply,
    RetryLater,
    SendError,
)
from tests.fakes.zalo_api import FakeZaloApi

FAST = RetryPolicy(attempts=4, base_delay=0.01, max_delay=0.05, max_wait=5.0)


@pytest.fixture
async def fake() -> AsyncIterator[FakeZaloApi]:
    async with FakeZaloApi() as server:
        yield server


@pytest.fixture
async def client(fake: FakeZaloApi) -> AsyncIterator[ZaloClient]:
    c = ZaloClient(fake.token, fake.base_url, request_timeout=2.0, retry=FAST)
    yield c
    await c.close()


async def test_get_me_and_webhook_methods(fake: FakeZaloApi, client: ZaloClient) -> None:
    me = await client.get_me()
    assert me["account_name"] == "bot.dondoc"
    await client.set_webhook("https://bot.example.vn/zalo", "s3cret-value")
    assert fake.webhook == {"url": "https://bot.example.vn/zalo", "secret_token": "s3cret-value"}
    assert (await client.get_webhook_info())["url"] == "https://bot.example.vn/zalo"
    await client.delete_webhook()
    assert (await client.get_webhook_info())["url"] == ""
    with pytest.raises(ValueError):
        await client.set_webhook("https://bot.example.vn/zalo", "short")


async def test_get_updates_one_event_then_408_means_nothing(
    fake: FakeZaloApi, client: ZaloClient
) -> None:
    fake.text("u1", "xin chào")
    fake.text("u2", "chào")
    first = await client.get_updates(wait=1)
    second = await client.get_updates(wait=1)
    assert first is not None and first["message"]["text"] == "xin chào"
    assert second is not None and second["message"]["from"]["id"] == "u2"
    started = time.monotonic()
    assert await client.get_updates(wait=1) is None
    assert time.monotonic() - started < 1.5
    assert fake.calls_to("getUpdates")[0].payload == {"timeout": "1"}


async def test_408_inside_ok_false_with_http_200_is_also_nothing() -> None:
    async with FakeZaloApi(empty_poll_http_status=200) as fake:
        c = ZaloClient(fake.token, fake.base_url, retry=FAST)
        try:
            assert await c.get_updates(wait=1) is None
        finally:
            await c.close()


async def test_long_text_is_split_on_line_boundaries(fake: FakeZaloApi, client: ZaloClient) -> None:
    lines = [f"Dòng {i}: " + "nội dung báo cáo " * 5 for i in range(60)]
    text = "\n".join(lines)
    assert len(text) > MAX_TEXT
    await client.send_message("u1", text)
    sent = fake.sent("u1")
    assert len(sent) >= 2
    assert all(1 <= len(part) <= MAX_TEXT for part in sent)
    assert "\n".join(sent) == text  # nothing lost, every cut between lines


async def test_429_is_retried_with_backoff(fake: FakeZaloApi, client: ZaloClient) -> None:
    fake.rate_limit("sendMessage", times=2, retry_after=0.05)
    started = time.monotonic()
    await client.send_message("u1", "Nhắc việc")
    assert time.monotonic() - started >= 0.1  # waited the server's retry_after twice
    assert len(fake.calls_to("sendMessage")) == 3
    assert fake.sent("u1") == ["Nhắc việc"]


async def test_429_that_persists_becomes_rate_limited(
    fake: FakeZaloApi, client: ZaloClient
) -> None:
    fake.rate_limit("sendMessage", times=10, retry_after=None)
    with pytest.raises(ZaloRateLimited) as info:
        await client.send_message("u1", "Nhắc việc")
    assert info.value.retry_after > 0
    assert len(fake.calls_to("sendMessage")) == FAST.attempts
    assert fake.sent("u1") == []


async def test_ok_false_is_a_typed_error_and_not_retried(
    fake: FakeZaloApi, client: ZaloClient
) -> None:
    fake.fail("sendMessage", error_code=400, description="chat_id invalid")
    with pytest.raises(ZaloApiError) as info:
        await client.send_message("u1", "x")
    assert info.value.error_code == 400 and "chat_id invalid" in str(info.value)
    assert len(fake.calls_to("sendMessage")) == 1


async def test_server_errors_are_retried(fake: FakeZaloApi, client: ZaloClient) -> None:
    fake.fail("getMe", status=502, raw=True, times=2)
    assert (await client.get_me())["id"]
    assert len(fake.calls_to("getMe")) == 3


async def test_wrong_token_is_unauthorized_and_never_quoted(fake: FakeZaloApi) -> None:
    secret = "999:wrong-token-value"
    c = ZaloClient(secret, fake.base_url, retry=FAST)
    try:
        with pytest.raises(ZaloUnauthorized) as info:
            await c.get_me()
    finally:
        await c.close()
    assert secret not in str(info.value) and secret not in repr(c)


async def test_network_errors_do_not_leak_the_token() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    token = "4242:very-secret-token"
    c = ZaloClient(token, f"http://127.0.0.1:{port}", retry=FAST)
    try:
        with pytest.raises(ZaloNetworkError) as info:
            await c.get_me()
    finally:
        await c.close()
    assert token not in str(info.value)
    assert info.value.__cause__ is None and info.value.__suppress_context__


async def test_timeouts_are_bounded(fake: FakeZaloApi) -> None:
    fake.delays["sendMessage"] = 1.0
    c = ZaloClient(fake.token, fake.base_url, request_timeout=0.2, retry=FAST)
    started = time.monotonic()
    try:
        with pytest.raises(ZaloTimeout):
            await c.send_message("u1", "x")
    finally:
        await c.close()
    assert time.monotonic() - started < 0.9


async def test_outbound_renders_choices_and_maps_errors(
    fake: FakeZaloApi, client: ZaloClient
) -> None:
    out = ZaloOutbound(client)
    await out.send(
        "u1", Reply("Tình trạng?", [Option("done", "Hoàn thành"), Option("wip", "Đang")])
    )
    (text,) = fake.sent("u1")
    assert "1. Hoàn thành" in text and "2. Đang" in text
    await out.send("u1", Reply("Nhắc việc", [Option("cmd:report:3", "Báo cáo ngay")]))
    assert "1. Báo cáo ngay (/baocao)" in fake.sent("u1")[-1]
    await out.send("u1", Reply("Reminder", [Option("cmd:report", "Report now")]), "en")
    assert "1. Report now (/report)" in fake.sent("u1")[-1]

    fake.rate_limit("sendMessage", times=10, retry_after=0.01)
    with pytest.raises(RetryLater):
        await out.send("u1", Reply("x"))
    fake.failures.clear()
    fake.fail("sendMessage", status=403, error_code=403, description="User blocked bot")
    with pytest.raises(RecipientUnreachable):
        await out.send("u1", Reply("x"))
    fake.fail("sendMessage", error_code=400, description="bad")
    with pytest.raises(SendError) as info:
        await out.send("u1", Reply("x"))
    assert not isinstance(info.value, RetryLater | RecipientUnreachable)
    fake.fail("sendMessage", status=503, raw=True, times=10)
    with pytest.raises(RetryLater):
        await out.send("u1", Reply("x"))


def test_errors_are_one_family() -> None:
    assert issubclass(ZaloForbidden, ZaloApiError) and issubclass(ZaloApiError, ZaloError)
    with pytest.raises(ValueError):
        ZaloClient("bad/token")


async def test_a_send_cut_off_after_it_left_is_not_repeated(
    fake: FakeZaloApi, client: ZaloClient
) -> None:
    fake.drops["sendMessage"] = 5
    with pytest.raises(ZaloOutcomeUnknown):
        await client.send_message("u1", "Nhắc việc")
    assert len(fake.calls_to("sendMessage")) == 1  # the client itself never repeats it
    assert fake.sent("u1") == ["Nhắc việc"]  # and it did arrive
    fake.drops["getMe"] = 1  # a call that changes nothing is repeated
    assert (await client.get_me())["id"]
    assert len(fake.calls_to("getMe")) == 2


async def test_outbound_reports_an_unknown_outcome(fake: FakeZaloApi, client: ZaloClient) -> None:
    fake.drops["sendMessage"] = 1
    with pytest.raises(OutcomeUnknown):
        await ZaloOutbound(client).send("u1", Reply("x"))
    fake.delays["sendMessage"] = 1.0
    slow = ZaloClient(fake.token, fake.base_url, request_timeout=0.2, retry=FAST)
    try:
        with pytest.raises(OutcomeUnknown):
            await ZaloOutbound(slow).send("u1", Reply("y"))
    finally:
        await slow.close()
    assert len(fake.calls_to("sendMessage")) == 2

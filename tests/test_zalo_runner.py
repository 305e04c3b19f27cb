"""The Zalo binding and runner (polling and webhook) with a test-only conversations double."""

from __future__ import annotations

import asyncio
import time
import zoneinfo
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web

from bot.zalo.client import RetryPolicy, ZaloClient
from bot.zalo.runner import ZaloConfigError, ZaloRunner
from db.database import Database
from domain.clock import FrozenClock
from domain.deps import Deps
from handlers.messages import Incoming, Option, Reply
from locales import t
from tests.fakes.loopback import serve_on_loopback
from tests.fakes.zalo_api import PNG, FakeZaloApi

FAST = RetryPolicy(attempts=3, base_delay=0.01, max_delay=0.05)
SECRET = "webhook-secret-123"


class Echo:
    """Stands in for handlers.router.Conversations: echoes, offers choices, can be slow."""

    def __init__(self, delay: float = 0.0) -> None:
        self.seen: list[Incoming] = []
        self.delay = delay
        self.photos: list[bytes] = []

    async def handle(self, msg: Incoming) -> list[Reply]:
        self.seen.append(msg)
        if msg.unsupported:  # as the router answers
            return [Reply(t("error.unsupported", "vi"))]
        if self.delay:
            await asyncio.sleep(self.delay)
        if msg.text == "boom":
            raise RuntimeError("flow failed")
        if msg.file is not None:
            self.photos.append(await msg.file.fetch())
            return [Reply(f"ảnh {msg.file.kind} {len(self.photos[-1])} byte")]
        if msg.text == "/chon":
            return [Reply("Chọn:", [Option("a", "Một"), Option("b", "Hai")])]
        return [Reply(f"echo {msg.text}")]


@pytest.fixture
async def fake() -> AsyncIterator[FakeZaloApi]:
    async with FakeZaloApi() as server:
        yield server


@pytest.fixture
def deps(db: Database, clock: FrozenClock, tmp_path: Path) -> Deps:
    return Deps(db=db, clock=clock, tz=zoneinfo.ZoneInfo("Asia/Ho_Chi_Minh"), data_dir=tmp_path)


def make_runner(fake: FakeZaloApi, deps: Deps, conv: Echo, **kw: object) -> ZaloRunner:
    client = ZaloClient(fake.token, fake.base_url, request_timeout=2.0, retry=FAST)
    return ZaloRunner(client, conv, deps, poll_timeout=1, backoff_base=0.01, **kw)  # type: ignore[arg-type]


async def test_polling_turns_events_into_conversations(fake: FakeZaloApi, deps: Deps) -> None:
    conv = Echo()
    runner = make_runner(fake, deps, conv)
    await runner.start()
    try:
        assert fake.calls_to("getMe") and fake.calls_to("deleteWebhook")
        fake.text("u1", "xin chào", name="Trần Thị B")
        fake.text("u1", "/chon")
        sent = await fake.wait_sent("u1", 2)
        assert sent[0] == "echo xin chào"
        assert "1. Một\n2. Hai" in sent[1] and t("zalo.choose_hint", "vi") in sent[1]
        msg = conv.seen[0]
        assert (msg.channel, msg.user_id, msg.chat_id) == ("zalo", "u1", "u1")
        assert msg.display_name == "Trần Thị B" and not msg.is_group
        assert fake.calls_to("sendChatAction")[0].payload == {"chat_id": "u1", "action": "typing"}
    finally:
        await runner.stop()
    assert runner.web_routes() == []


async def test_image_sticker_unsupported_and_group(fake: FakeZaloApi, deps: Deps) -> None:
    conv = Echo()
    runner = make_runner(fake, deps, conv)
    await runner.start()
    try:
        fake.image("u2", caption="biên bản")
        assert (await fake.wait_sent("u2", 1)) == [f"ảnh photo {len(PNG)} byte"]
        assert conv.photos == [PNG] and conv.seen[0].text == "biên bản"
        fake.sticker("u2")
        fake.unsupported("u2")
        sent = await fake.wait_sent("u2", 3)
        assert sent[1] == t("zalo.sticker", "vi")
        assert sent[2] == t("zalo.unsupported", "vi") and "Telegram" in sent[2]
        assert [m.unsupported for m in conv.seen[1:]] == ["sticker", "file"]
        assert len(fake.sent("u2")) == 3  # the generic line was replaced, not added to
        fake.text("u3", "chào nhóm", chat_id="g1", chat_type="GROUP")
        await fake.wait_sent("g1", 1)
        assert conv.seen[-1].is_group and conv.seen[-1].chat_id == "g1"
    finally:
        await runner.stop()


async def test_polling_survives_errors_and_keeps_order(fake: FakeZaloApi, deps: Deps) -> None:
    conv = Echo()
    fake.fail("getUpdates", status=502, raw=True, times=3)
    fake.fail("getUpdates", error_code=500, description="internal", status=500)
    runner = make_runner(fake, deps, conv)
    assert not await runner.healthy()
    await runner.start()
    try:
        for i in range(5):
            fake.text("u1", f"tin {i}")
        fake.text("u1", "boom")
        sent = await fake.wait_sent("u1", 6)
        assert sent[:5] == [f"echo tin {i}" for i in range(5)]
        assert sent[5] == t("zalo.error", "vi")
        assert await runner.healthy()
    finally:
        await runner.stop()
    assert len(fake.calls_to("getUpdates")) >= 5


async def test_duplicate_event_is_answered_once(fake: FakeZaloApi, deps: Deps) -> None:
    conv = Echo()
    runner = make_runner(fake, deps, conv)
    event = fake.text("u1", "một lần")
    fake.push(event)
    await runner.start()
    try:
        await fake.wait_sent("u1", 1)
        await asyncio.sleep(0.1)
    finally:
        await runner.stop()
    assert fake.sent("u1") == ["echo một lần"]


async def _serve(runner: ZaloRunner) -> tuple[web.AppRunner, str]:
    app = web.Application()
    app.add_routes(runner.web_routes())
    site_runner, port = await serve_on_loopback(app)
    return site_runner, f"http://127.0.0.1:{port}{runner.webhook_path}"


async def test_webhook_checks_secret_and_accepts_both_shapes(fake: FakeZaloApi, deps: Deps) -> None:
    conv = Echo(delay=0.3)
    runner = make_runner(
        fake, deps, conv, mode="webhook", webhook_url="https://x/zalo/hook", webhook_secret=SECRET
    )
    assert runner.webhook_path == "/zalo/hook"
    site, url = await _serve(runner)
    runner.webhook_url = url
    await runner.start()
    try:
        assert fake.webhook == {"url": url, "secret_token": SECRET}
        assert not fake.calls_to("getUpdates")
        assert (
            await fake.deliver_webhook(
                fake.event("message.text.received", "u1", text="sai"), secret="wrong-secret-123"
            )
            == 403
        )
        assert (
            await fake.deliver_webhook(
                fake.event("message.text.received", "u1", text="x"), secret=""
            )
            == 403
        )
        started = time.monotonic()
        wrapped = fake.event("message.text.received", "u1", text="bọc")
        assert await fake.deliver_webhook(wrapped, wrapped=True) == 200
        assert time.monotonic() - started < 0.25  # answered before the 0.3 s of work
        bare = fake.event("message.text.received", "u1", text="trần")
        assert await fake.deliver_webhook(bare, wrapped=False) == 200
        async with (
            aiohttp.ClientSession() as s,
            s.post(url, data=b"{not json", headers={"X-Bot-Api-Secret-Token": SECRET}) as resp,
        ):
            assert resp.status == 400
    finally:
        await runner.stop()  # waits for the events still being processed
        await site.cleanup()
    assert fake.sent("u1") == ["echo bọc", "echo trần"]
    assert [m.text for m in conv.seen] == ["bọc", "trần"]


def test_webhook_mode_needs_url_and_a_valid_secret(deps: Deps) -> None:
    client = ZaloClient("1:abc", "http://127.0.0.1:9")
    with pytest.raises(ZaloConfigError, match="ZALO_WEBHOOK_URL"):
        ZaloRunner(client, Echo(), deps, mode="webhook", webhook_secret=SECRET)
    with pytest.raises(ZaloConfigError, match="ZALO_WEBHOOK_SECRET"):
        ZaloRunner(
            client, Echo(), deps, mode="webhook", webhook_url="https://x/z", webhook_secret="short"
        )


async def test_build_zalo_from_settings(fake: FakeZaloApi, deps: Deps) -> None:
    from bot.settings import Settings
    from bot.zalo.runner import build_zalo

    settings = Settings(zalo_bot_token=fake.token, zalo_api_base_url=fake.base_url + "/")
    runner = build_zalo(settings, deps, Echo())
    assert runner.name == "zalo" and runner.web_routes() == []
    assert fake.token not in repr(runner.outbound) + repr(getattr(runner, "client", ""))
    await runner.start()
    try:
        fake.text("u9", "hello")
        assert await fake.wait_sent("u9", 1) == ["echo hello"]
        await runner.outbound.send("u9", Reply("Nhắc việc"))
        assert fake.sent("u9")[-1] == "Nhắc việc"
    finally:
        await runner.stop()

    hook = Settings(
        zalo_bot_token=fake.token,
        zalo_mode="webhook",
        zalo_webhook_url="https://bot.example.vn/zalo",
        zalo_webhook_secret=SECRET,
    )
    routes = build_zalo(hook, deps, Echo()).web_routes()
    assert [(r.method, r.path) for r in routes] == [("POST", "/zalo")]  # type: ignore[attr-defined]
    with pytest.raises(ZaloConfigError, match="ZALO_BOT_TOKEN"):
        build_zalo(Settings(zalo_bot_token=None), deps, Echo())


async def test_cli_info_and_delete_webhook(
    fake: FakeZaloApi, deps: Deps, capsys: pytest.CaptureFixture[str]
) -> None:
    import argparse
    import json

    from bot.cli import EXIT_CHANNEL, CliError
    from bot.runtime import Runtime
    from bot.settings import Settings
    from bot.zalo import cli

    parser = argparse.ArgumentParser()
    parser.add_argument("--json", action="store_true")
    cli.register(parser.add_subparsers())
    runtime = Runtime(Settings(zalo_bot_token=fake.token, zalo_api_base_url=fake.base_url), deps)
    fake.webhook = {"url": "https://bot.example.vn/zalo", "secret_token": SECRET}
    args = parser.parse_args(["--json", "zalo", "info"])
    assert await args.func(args, runtime) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["account_name"] == "bot.dondoc"
    assert shown["webhook_url"] == "https://bot.example.vn/zalo"
    args = parser.parse_args(["zalo", "delete-webhook"])
    assert await args.func(args, runtime) == 0
    assert fake.webhook["url"] == "" and "Đã gỡ webhook" in capsys.readouterr().out
    args = parser.parse_args(["zalo", "info"])
    assert await args.func(args, runtime) == 0
    assert "Chưa đăng ký webhook" in capsys.readouterr().out

    wrong = Runtime(Settings(zalo_bot_token="1:wrong", zalo_api_base_url=fake.base_url), deps)
    args = parser.parse_args(["zalo", "info"])
    with pytest.raises(CliError) as info:
        await args.func(args, wrong)
    assert "từ chối token" in str(info.value) and "1:wrong" not in str(info.value)
    assert info.value.status == EXIT_CHANNEL

"""Whole dialogues over the fake Zalo Bot API with the real router and a real database."""

from __future__ import annotations

import asyncio
import re
import zoneinfo
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from bot.zalo.client import RetryPolicy, ZaloClient
from bot.zalo.runner import ZaloRunner
from db.database import Database
from db.models import Attachment, ChatAccount, Member, Report, ReportStatus, Role
from domain.clock import FrozenClock
from domain.demo import load_demo
from domain.deps import Deps
from domain.membership import create_invite, mark_unreachable
from domain.registry import find_unit
from handlers.messages import Incoming, RecipientUnreachable, Reply, RetryLater
from handlers.router import Conversations
from locales import t
from tests.fakes.loopback import serve_on_loopback
from tests.fakes.zalo_api import FakeZaloApi

FAST = RetryPolicy(attempts=3, base_delay=0.01, max_delay=0.05)
POLICE = "Công an phường"
OFFICE = "Phòng Văn hóa - Xã hội"


@pytest.fixture
async def fake() -> AsyncIterator[FakeZaloApi]:
    async with FakeZaloApi() as server:
        yield server


@pytest.fixture
async def deps(db: Database, clock: FrozenClock, tmp_path: Path) -> Deps:
    d = Deps(db=db, clock=clock, tz=zoneinfo.ZoneInfo("Asia/Ho_Chi_Minh"), data_dir=tmp_path)
    d.join_links = {"telegram": "https://t.me/dondoc_test_bot?start={code}"}
    async with db.transaction() as s:
        assert await load_demo(s, d.now()) is not None
    return d


class Bot:
    """A running Zalo channel plus helpers to talk to it as a user would."""

    def __init__(self, fake: FakeZaloApi, deps: Deps) -> None:
        self.fake, self.deps = fake, deps
        self.runner: ZaloRunner | None = None
        self.events = 0

    async def start(self) -> None:
        client = ZaloClient(self.fake.token, self.fake.base_url, request_timeout=3, retry=FAST)
        self.runner = ZaloRunner(
            client, Conversations(self.deps), self.deps, poll_timeout=1, backoff_base=0.01
        )
        self.events = 0
        await self.runner.start()

    async def stop(self) -> None:
        if self.runner is not None:
            await self.runner.stop()
            self.runner = None

    async def _settle(self) -> None:
        assert self.runner is not None
        for _ in range(500):
            if self.runner.binding.processed >= self.events:
                return
            await asyncio.sleep(0.01)
        raise AssertionError("the bot did not answer within 5 s")

    async def say(self, user: str, text: str) -> str:
        """Type text; returns everything the bot answered, joined."""
        before = len(self.fake.sent(user))
        self.fake.text(user, text)
        self.events += 1
        await self._settle()
        return "\n---\n".join(self.fake.sent(user)[before:])

    async def say_in(self, chat: str, user: str, text: str) -> str:
        """Type text in a group chat."""
        before = len(self.fake.sent(chat))
        self.fake.text(user, text, chat_id=chat, chat_type="GROUP")
        self.events += 1
        await self._settle()
        return "\n---\n".join(self.fake.sent(chat)[before:])

    async def photo(self, user: str) -> str:
        before = len(self.fake.sent(user))
        self.fake.image(user)
        self.events += 1
        await self._settle()
        return "\n---\n".join(self.fake.sent(user)[before:])

    async def sticker(self, user: str) -> str:
        before = len(self.fake.sent(user))
        self.fake.sticker(user)
        self.events += 1
        await self._settle()
        return "\n---\n".join(self.fake.sent(user)[before:])


def number_of(text: str, label: str) -> str:
    """The number in front of the listed option whose label contains `label`."""
    last = text.rsplit("\n---\n", 1)[-1]
    for m in re.finditer(r"^(\d+)\. (.*)$", last, re.M):
        if label in m.group(2):
            return m.group(1)
    raise AssertionError(f"no option {label!r} in:\n{last}")


@pytest.fixture
async def bot(fake: FakeZaloApi, deps: Deps) -> AsyncIterator[Bot]:
    b = Bot(fake, deps)
    await b.start()
    yield b
    await b.stop()


async def invite(deps: Deps, unit: str, role: Role = Role.FOCAL) -> str:
    async with deps.db.transaction() as s:
        found = await find_unit(s, unit)
        assert found is not None
        new = await create_invite(s, deps.now(), role=role, unit=found, ttl=deps.invite_ttl)
    return new.code


async def member(deps: Deps, channel: str, external_id: str) -> Member:
    async with deps.db.read() as s:
        account = await s.scalar(
            select(ChatAccount)
            .where(ChatAccount.channel == channel, ChatAccount.external_id == external_id)
            .options(selectinload(ChatAccount.member).selectinload(Member.accounts))
        )
        assert account is not None
        return account.member


async def test_join_with_invite_then_help(bot: Bot, deps: Deps) -> None:
    first = await bot.say("z-new", "xin chào")
    assert first == t("start.how_to_join", "vi")
    joined = await bot.say("z-new", await invite(deps, POLICE))
    assert POLICE in joined and "/baocao" in joined and "/lienket" in joined
    m = await member(deps, "zalo", "z-new")
    assert m.role is Role.FOCAL and m.full_name == "Nguyễn Văn A"
    # In a group the bot stays quiet except for commands, which it sends to a private chat.
    bot.fake.sticker("z-new", chat_id="g-1", chat_type="GROUP")
    bot.fake.text("z-new", "chào cả nhóm", chat_id="g-1", chat_type="GROUP")
    bot.events += 2
    pointer = await bot.say_in("g-1", "z-new", "/baocao")
    assert pointer == t("group.private_only", "vi", link="").strip()
    assert bot.fake.sent("g-1") == [pointer]
    again = await bot.say("z-other", "/start " + await invite(deps, OFFICE, Role.COORDINATOR))
    assert OFFICE in again


async def test_full_report_by_numbers_with_a_photo_and_a_restart(
    bot: Bot, deps: Deps, tmp_path: Path
) -> None:
    await bot.say("z1", await invite(deps, POLICE))
    menu = await bot.say("z1", "/baocao")
    assert "Quý IV/2026" in menu and t("zalo.choose_hint", "vi") in menu
    task = await bot.say("z1", number_of(menu, "Hướng dẫn người dân"))
    assert t("report.ask_status", "vi") in task
    progress_q = await bot.say("z1", number_of(task, t("status.in_progress", "vi")))
    assert t("report.ask_progress", "vi") in progress_q

    # The process restarts in the middle of the form: the form lives in the database.
    await bot.stop()
    await bot.start()

    results_q = await bot.say("z1", "60")
    assert t("report.ask_results", "vi") in results_q
    difficulties_q = await bot.say("z1", "Đã hướng dẫn 1.240 người dân kích hoạt tài khoản.")
    proposals_q = await bot.say("z1", number_of(difficulties_q, t("form.none", "vi")))
    next_q = await bot.say("z1", "Đề nghị bổ sung 02 máy tính bảng.")
    evidence_q = await bot.say("z1", "Tiếp tục tổ chức tại các tổ dân phố.")
    assert t("report.ask_evidence", "vi") in evidence_q
    assert t("zalo.evidence_hint", "vi") in evidence_q
    sticker = await bot.sticker("z1")
    assert sticker.startswith(t("zalo.sticker", "vi"))
    assert t("report.ask_evidence", "vi") in sticker  # the question is asked again
    saved = await bot.photo("z1")
    assert "Đã nhận tệp" in saved
    preview = await bot.say("z1", number_of(saved, t("form.next", "vi")))
    assert "60%" in preview and "1.240" in preview
    done = await bot.say("z1", number_of(preview, t("report.send", "vi")))
    assert "Đã lưu báo cáo nhiệm vụ 2" in done
    assert proposals_q and next_q

    async with deps.db.read() as s:
        report = await s.scalar(select(Report))
        assert report is not None
        assert report.status is ReportStatus.IN_PROGRESS and report.progress == 60
        assert report.difficulties == "" and report.period_key == "2026-Q4"
        files = list((await s.execute(select(Attachment))).scalars())
    assert len(files) == 1 and files[0].channel == "zalo"
    stored = await asyncio.to_thread(Path(files[0].path).read_bytes)
    assert stored == bot.fake.files["photo.png"]


async def test_status_for_a_coordinator_and_not_for_a_focal_point(bot: Bot, deps: Deps) -> None:
    await bot.say("z-office", await invite(deps, OFFICE, Role.COORDINATOR))
    status = await bot.say("z-office", "/tinhhinh")
    assert "TÌNH HÌNH BÁO CÁO" in status and "Quý IV/2026" in status
    by_unit = await bot.say("z-office", number_of(status, t("status.by_unit", "vi")))
    assert POLICE in by_unit
    await bot.say("z-focal", await invite(deps, POLICE))
    assert await bot.say("z-focal", "/status") == t("status.forbidden", "vi")


async def test_replies_survive_429_and_report_ok_false(bot: Bot, deps: Deps) -> None:
    await bot.say("z2", await invite(deps, POLICE))
    bot.fake.rate_limit("sendMessage", times=2, retry_after=0.02)
    help_text = await bot.say("z2", "/trogiup")
    assert "/baocao" in help_text
    assert sum(1 for c in bot.fake.calls_to("sendMessage") if not c.ok) == 2
    bot.fake.fail("sendMessage", error_code=400, description="invalid chat")
    assert await bot.say("z2", "/nhiemvu") == ""  # that reply was refused by Zalo...
    assert "/baocao" in await bot.say("z2", "/trogiup")  # ...and the bot carries on


async def test_reminder_to_a_zalo_only_focal_point(bot: Bot, deps: Deps) -> None:
    await bot.say("z3", await invite(deps, POLICE))
    m = await member(deps, "zalo", "z3")
    (account,) = m.accounts
    assert account.channel == "zalo" and m.preferred_channel == "all"
    assert bot.runner is not None
    outbound = bot.runner.outbound
    assert outbound.channel == "zalo"
    text = "Nhắc việc: báo cáo Quý IV/2026 hạn 20/12/2026.\n" + "Chi tiết nhiệm vụ. " * 150
    before = len(bot.fake.sent("z3"))
    bot.fake.rate_limit("sendMessage", times=1, retry_after=0.02)
    await outbound.send(account.chat_id, Reply(text))
    parts = bot.fake.sent("z3")[before:]
    assert len(parts) == 3 and all(len(p) <= 2000 for p in parts)
    assert " ".join(parts).split() == text.split()  # split, nothing lost

    bot.fake.rate_limit("sendMessage", times=5, retry_after=0.01)
    with pytest.raises(RetryLater):
        await outbound.send(account.chat_id, Reply("Nhắc lại"))
    bot.fake.failures.clear()
    bot.fake.fail("sendMessage", status=403, error_code=403, description="user blocked the bot")
    with pytest.raises(RecipientUnreachable):
        await outbound.send(account.chat_id, Reply("Nhắc lại"))
    async with deps.db.transaction() as s:
        await mark_unreachable(s, "zalo", account.chat_id, deps.now(), "blocked")
    # Writing to the bot again makes the account reachable (the router clears the mark).
    await bot.say("z3", "/trogiup")
    m = await member(deps, "zalo", "z3")
    assert m.accounts[0].unreachable_since is None


async def test_link_a_telegram_member_to_zalo(bot: Bot, deps: Deps) -> None:
    conv = Conversations(deps)

    async def telegram(text: str) -> str:
        replies = await conv.handle(
            Incoming(channel="telegram", user_id="777", chat_id="777", text=text, language="vi")
        )
        return "\n".join(r.text for r in replies)

    assert POLICE in await telegram("/start " + await invite(deps, POLICE))
    answer = await telegram("/lienket")
    code = re.search(r"/start (\S+)", answer)
    assert code is not None and "Zalo" in answer
    linked = await bot.say("z-tg", code.group(1))  # just the code, typed on Zalo
    assert POLICE in linked
    m = await member(deps, "zalo", "z-tg")
    assert sorted(a.channel for a in m.accounts) == ["telegram", "zalo"]
    assert m.preferred_channel == "all"
    assert "https://t.me/dondoc_test_bot?start=" not in answer  # from Telegram, no deep link
    from_zalo = await bot.say("z-tg", "/lienket")
    assert "https://t.me/dondoc_test_bot?start=" in from_zalo

    menu = await bot.say("z-tg", "/kenh")
    assert "Telegram, Zalo" in menu
    chosen = await bot.say("z-tg", number_of(menu, "Zalo"))
    assert chosen == t("zalo.channel.set", "vi", preferred="Zalo")
    m = await member(deps, "telegram", "777")
    assert m.preferred_channel == "zalo"
    assert await telegram("/kenh telegram") == t("zalo.channel.set", "vi", preferred="Telegram")
    m = await member(deps, "telegram", "777")
    assert m.preferred_channel == "telegram"
    await bot.say("z-tg", "/kenh cả hai")
    assert (await member(deps, "zalo", "z-tg")).preferred_channel == "all"
    assert POLICE in await bot.say("z-solo", "/start " + await invite(deps, POLICE))
    assert await bot.say("z-solo", "/kenh telegram") == t(
        "zalo.channel.no_account", "vi", channel="Telegram"
    )


async def test_webhook_dialogue_with_the_real_router(fake: FakeZaloApi, deps: Deps) -> None:
    from aiohttp import web

    secret = "zalo-webhook-secret"
    client = ZaloClient(fake.token, fake.base_url, request_timeout=3, retry=FAST)
    runner = ZaloRunner(
        client,
        Conversations(deps),
        deps,
        mode="webhook",
        webhook_url="https://bot.example.vn/zalo",
        webhook_secret=secret,
    )
    app = web.Application()
    app.add_routes(runner.web_routes())
    site_runner, port = await serve_on_loopback(app)
    runner.webhook_url = f"http://127.0.0.1:{port}/zalo"
    await runner.start()
    try:
        code = await invite(deps, POLICE)
        join = fake.event("message.text.received", "z-hook", text=code)
        assert await fake.deliver_webhook(join, secret="not-the-secret") == 403
        assert await fake.deliver_webhook(join, wrapped=False) == 200
        (joined,) = await fake.wait_sent("z-hook", 1)
        assert POLICE in joined
        help_event = fake.event("message.text.received", "z-hook", text="/trogiup")
        assert await fake.deliver_webhook(help_event, wrapped=True) == 200
        assert "/baocao" in (await fake.wait_sent("z-hook", 2))[1]
    finally:
        await runner.stop()
        await site_runner.cleanup()
    assert (await member(deps, "zalo", "z-hook")).role is Role.FOCAL

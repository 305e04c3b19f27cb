"""The Telegram binding with the real python-telegram-bot over HTTP to the fake Bot API.

A scripted stand-in for the conversations isolates what the binding itself does: rendering,
buttons, files, groups, menus, errors, limits, webhook. End-to-end dialogues through the real
router are in test_telegram_dialogues.py.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.runtime import load_join_links
from db.database import Database
from db.models import ChatAccount, ChatGroup, KeyValue, Role
from domain.clock import FrozenClock
from domain.deps import Deps
from domain.errors import DomainError
from domain.membership import redeem_invite
from handlers.files import store_file
from handlers.messages import Incoming, Option, Reply
from locales import t
from tests.fakes.telegram_api import FakeTelegram
from tests.fakes.telegram_harness import make_deps, new_invite, running_bot

pytestmark = pytest.mark.timeout(30)

USER = 5001
PDF = b"%PDF-1.4\n" + b"0" * 2000


class Script:
    """A stand-in for the router: a few fixed answers, and every incoming message recorded."""

    def __init__(self, deps: Deps) -> None:
        self.deps = deps
        self.seen: list[Incoming] = []

    async def handle(self, msg: Incoming) -> list[Reply]:
        self.seen.append(msg)
        if msg.is_group:
            return (
                [Reply(f"private only: {self.deps.join_links['telegram']}")] if msg.command else []
            )
        if msg.command == "start" and msg.args:
            async with self.deps.db.transaction() as session:
                try:
                    member = await redeem_invite(
                        session,
                        self.deps.now(),
                        code=msg.args,
                        channel=msg.channel,
                        external_id=msg.user_id,
                        chat_id=msg.chat_id,
                        display_name=msg.display_name,
                        locale="vi",
                    )
                except DomainError as exc:
                    return [Reply(t(exc.key, "vi"))]
                return [Reply(f"joined {member.unit.name if member.unit else ''}")]
        if msg.choice is not None:
            return [Reply(f"chose {msg.choice}")]
        if msg.file is not None:
            stored = await store_file(self.deps, msg.file, channel=msg.channel)
            return [Reply(f"saved {stored['filename']} {stored['size']}")]
        if msg.text == "menu":
            return [
                Reply(
                    "Tình trạng thực hiện nhiệm vụ?",
                    options=[
                        Option("st:done", "Hoàn thành"),
                        Option("st:prog", "Đang triển khai"),
                    ],
                )
            ]
        if msg.text == "long":
            return [Reply("\n".join(f"Dòng {i}: " + "kết quả " * 12 for i in range(120)))]
        if msg.text == "boom":
            raise RuntimeError("the flow broke")
        return [Reply(f"echo: {msg.text}")]


@pytest.fixture
async def fake() -> FakeTelegram:
    async with FakeTelegram() as server:
        yield server  # type: ignore[misc]


@pytest.fixture
def deps(db: Database, clock: FrozenClock, tmp_path: Path) -> Deps:
    return make_deps(db, clock, tmp_path / "data")


async def test_start_registers_menus_and_join_link(fake: FakeTelegram, deps: Deps) -> None:
    async with running_bot(fake, deps, Script(deps)) as runner:
        await fake.wait_calls("getUpdates", 1)
        assert await runner.healthy()
        methods = [c.method for c in fake.calls]
        assert methods[0] == "getMe"
        assert "deleteWebhook" in methods
        assert {lang for (_scope, lang) in fake.commands} == {"", "vi", "en"}
        vi = {c["command"]: c["description"] for c in fake.commands[("default", "vi")]}
        en = {c["command"]: c["description"] for c in fake.commands[("default", "en")]}
        assert vi["report"] == t("telegram.cmd_report", "vi")
        assert en["report"] == t("telegram.cmd_report", "en")
        assert "status" not in vi
    template = f"https://t.me/{fake.username}?start={{code}}"
    assert deps.join_links["telegram"] == template
    async with deps.db.read() as session:
        row = await session.get(KeyValue, "join_link:telegram")
    assert row is not None and row.value == template
    # What `dondoc invite create` reads in its own process.
    assert await load_join_links(deps.db) == {"telegram": template}


async def test_text_in_buttons_out_and_press_edits_message(fake: FakeTelegram, deps: Deps) -> None:
    script = Script(deps)
    async with running_bot(fake, deps, script):
        fake.send_text(USER, "menu", first_name="Lan", language_code="en")
        await fake.wait_calls("sendMessage", 1, USER)
        incoming = script.seen[0]
        assert (incoming.channel, incoming.user_id, incoming.chat_id) == (
            "telegram",
            "5001",
            "5001",
        )
        assert incoming.language == "en" and not incoming.is_group
        call = fake.calls_of("sendMessage", USER)[0]
        assert "parse_mode" not in call.params
        message = fake.last_keyboard_message(USER)
        assert fake.buttons(message) == [("Hoàn thành", "st:done"), ("Đang triển khai", "st:prog")]

        fake.press(USER, fake.button(message, "Hoàn thành"), message)
        await fake.wait_calls("sendMessage", 2, USER)
        assert script.seen[-1].choice == "st:done"
        assert fake.calls_of("answerCallbackQuery")
        edit = fake.calls_of("editMessageText", USER)[0]
        assert edit.params["text"].endswith("✅ Hoàn thành")
        assert "reply_markup" not in edit.params
        assert "reply_markup" not in fake.messages[(str(USER), message["message_id"])]
        assert fake.sent_texts(USER)[-1] == "chose st:done"
        # The edit happens before the next question is sent, so the chat reads in order.
        order = [c.method for c in fake.calls if c.method in ("editMessageText", "sendMessage")]
        assert order == ["sendMessage", "editMessageText", "sendMessage"]


async def test_long_text_is_split_on_lines(fake: FakeTelegram, deps: Deps) -> None:
    async with running_bot(fake, deps, Script(deps)):
        fake.send_text(USER, "long")
        await fake.wait_calls("sendMessage", 2, USER)
        await asyncio.sleep(0.1)
        texts = fake.sent_texts(USER)
    assert len(texts) >= 2
    assert all(len(x) < 4096 for x in texts)
    assert all(x.startswith("Dòng ") for x in texts)
    assert sum(x.count("\n") + 1 for x in texts) == 120


def test_callback_data_over_64_bytes_is_refused() -> None:
    from bot.telegram.render import callback_data, keyboard_json

    ok = keyboard_json([Option("r:" + "x" * 58, "Hoàn thành " * 30)])
    assert ok is not None
    button = ok["inline_keyboard"][0][0]
    assert len(button["callback_data"].encode()) <= 64 and len(button["text"]) == 200
    with pytest.raises(ValueError):
        Option("ý" * 30, "non-ascii value")
    with pytest.raises(ValueError):
        callback_data(Option("r:" + "x" * 59, "too long"))
    assert keyboard_json([]) is None


async def test_document_is_downloaded_and_stored(fake: FakeTelegram, deps: Deps) -> None:
    script = Script(deps)
    async with running_bot(fake, deps, script):
        fake.send_document(USER, PDF, "Báo cáo quý IV.pdf", "application/pdf")
        await fake.wait_calls("sendMessage", 1, USER)
    assert fake.sent_texts(USER) == [f"saved Báo cáo quý IV.pdf {len(PDF)}"]
    assert fake.calls_of("getFile") and fake.calls_of("download")
    stored = list((deps.data_dir / "uploads").rglob("*.pdf"))
    assert len(stored) == 1 and stored[0].read_bytes() == PDF
    assert script.seen[0].file is not None and script.seen[0].file.kind == "document"


async def test_photo_becomes_a_jpeg_file(fake: FakeTelegram, deps: Deps) -> None:
    jpeg = b"\xff\xd8\xff\xe0" + b"1" * 500
    script = Script(deps)
    async with running_bot(fake, deps, script):
        fake.send_photo(USER, jpeg)
        await fake.wait_calls("sendMessage", 1, USER)
    incoming_file = script.seen[0].file
    assert incoming_file is not None and incoming_file.kind == "photo"
    assert incoming_file.mime_type == "image/jpeg" and incoming_file.size == len(jpeg)
    stored = list((deps.data_dir / "uploads").rglob("*.jpg"))
    assert len(stored) == 1 and stored[0].read_bytes() == jpeg


async def test_content_not_matching_its_name_is_refused(fake: FakeTelegram, deps: Deps) -> None:
    async with running_bot(fake, deps, Script(deps)):
        fake.send_document(USER, b"MZ\x90\x00 not a pdf", "bao-cao.pdf", "application/pdf")
        await fake.wait_for(lambda s: bool(s.calls_of("sendMessage", USER)))
    # The stand-in lets the DomainError escape: the error handler answers.
    assert fake.sent_texts(USER) == [t("telegram.error", "vi")]
    assert not (deps.data_dir / "uploads").exists() or not any(
        (deps.data_dir / "uploads").rglob("*.pdf")
    )


async def test_error_handler_logs_update_id_not_token(
    fake: FakeTelegram, deps: Deps, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    async with running_bot(fake, deps, Script(deps)):
        update = fake.send_text(USER, "boom", language_code="en")
        await fake.wait_calls("sendMessage", 1, USER)
        fake.send_text(USER, "after")
        await fake.wait_calls("sendMessage", 2, USER)
    assert fake.sent_texts(USER) == [t("telegram.error", "en"), "echo: after"]
    failures = [r for r in caplog.records if "failed" in r.getMessage() and r.levelname == "ERROR"]
    assert failures and str(update["update_id"]) in failures[0].getMessage()
    assert "the flow broke" in caplog.text
    assert fake.token not in caplog.text
    assert fake.token.split(":", 1)[1] not in caplog.text


async def test_groups_get_a_pointer_and_office_registers_them(
    fake: FakeTelegram, deps: Deps
) -> None:
    group = -100123
    script = Script(deps)
    code = await new_invite(deps, "Phòng Văn hóa - Xã hội", Role.COORDINATOR)
    async with running_bot(fake, deps, script):
        fake.send_text(USER, "/report", chat_id=group, chat_type="group", title="Tổ 72")
        fake.send_text(USER, "chào cả nhóm", chat_id=group, chat_type="group")
        fake.send_text(USER, "/register_group", chat_id=group, chat_type="group", title="Tổ 72")
        await fake.wait_calls("sendMessage", 2, group)
        pointer, refused = fake.sent_texts(group)
        assert f"https://t.me/{fake.username}" in pointer
        assert refused == t("groups.not_allowed", "vi")
        # Only the command reached the conversations; plain group chatter is not answered.
        assert [m.text for m in script.seen] == ["/report"] and script.seen[0].is_group

        fake.send_text(USER, f"/start {code}")
        await fake.wait_calls("sendMessage", 1, USER)
        # A coordinator who joins gets the office menu in their chat.
        await fake.wait_for(lambda s: ("chat:5001", "") in s.commands)
        assert "status" in {c["command"] for c in fake.commands[("chat:5001", "")]}

        fake.send_text(
            USER, "/register_group@dondoc_test_bot", chat_id=group, chat_type="group", title="Tổ 72"
        )
        await fake.wait_calls("sendMessage", 3, group)
        assert fake.sent_texts(group)[-1] == t("groups.registered", "vi", title="Tổ 72")
        fake.send_text(USER, "/status@other_bot", chat_id=group, chat_type="group")
        fake.send_text(USER, "/register_group", chat_id=group, chat_type="group", title="Tổ 72")
        await fake.wait_calls("sendMessage", 4, group)
        assert fake.sent_texts(group)[-1] == t("groups.already_registered", "vi", title="Tổ 72")
    async with deps.db.read() as session:
        groups = list((await session.execute(select(ChatGroup))).scalars())
    assert [(g.channel, g.chat_id, g.title) for g in groups] == [("telegram", str(group), "Tổ 72")]


async def test_office_menu_set_at_start_for_known_coordinators(
    fake: FakeTelegram, deps: Deps
) -> None:
    code = await new_invite(deps, "Văn phòng HĐND và UBND", Role.COORDINATOR)
    async with deps.db.transaction() as session:
        await redeem_invite(
            session,
            deps.now(),
            code=code,
            channel="telegram",
            external_id="777",
            chat_id="777",
            display_name="Hà",
            locale="en",
        )
    async with running_bot(fake, deps, Script(deps)):
        await fake.wait_calls("getUpdates", 1)
    commands = fake.commands[("chat:777", "")]
    assert commands[0]["command"] == "status"
    assert commands[0]["description"] == t("telegram.cmd_status", "en")


async def test_429_and_500_are_retried_and_nothing_is_lost(fake: FakeTelegram, deps: Deps) -> None:
    fake.fail("sendMessage", 429, retry_after=1, chat_id=USER)
    fake.fail("sendMessage", 500, times=2, chat_id=USER)
    fake.fail("getUpdates", 500, times=1)
    async with running_bot(fake, deps, Script(deps)):
        for i in range(5):
            fake.send_text(USER, f"tin {i}")
        await fake.wait_calls("sendMessage", 5, USER, within=15)
        await fake.wait_updates_done()
    assert fake.sent_texts(USER) == [f"echo: tin {i}" for i in range(5)]
    statuses = [c.status for c in fake.calls if c.method == "sendMessage"]
    assert statuses[:3] == [429, 500, 500]
    failed_polls = [c for c in fake.calls if c.method == "getUpdates" and c.status == 500]
    assert len(failed_polls) == 1


async def test_403_marks_the_account_unreachable(fake: FakeTelegram, deps: Deps) -> None:
    code = await new_invite(deps, "Trạm Y tế")
    async with running_bot(fake, deps, Script(deps)) as runner:
        fake.send_text(USER, f"/start {code}")
        await fake.wait_calls("sendMessage", 1, USER)
        fake.fail("sendMessage", 403, chat_id=USER)
        fake.send_text(USER, "hello")
        await fake.wait_for(lambda s: any(c.status == 403 for c in s.calls))
        await fake.wait_updates_done()
        await asyncio.sleep(0.2)
        async with deps.db.read() as session:
            account = (await session.execute(select(ChatAccount))).scalar_one()
        assert account.unreachable_since is not None
        assert "blocked" in (account.unreachable_reason or "")
        # The error handler does not try to write to a chat that blocked the bot.
        assert len(fake.calls_of("sendMessage", USER)) == 1

        from handlers.messages import RecipientUnreachable

        fake.fail("sendMessage", 403, chat_id=USER)
        with pytest.raises(RecipientUnreachable):
            await runner.outbound.send(str(USER), Reply("Nhắc báo cáo"))


async def test_outbound_sends_text_buttons_and_files(
    fake: FakeTelegram, deps: Deps, tmp_path: Path
) -> None:
    from handlers.messages import OutgoingFile

    export = tmp_path / "bao-cao.docx"
    export.write_bytes(b"PK\x03\x04docx")
    chart = tmp_path / "chart.png"
    chart.write_bytes(b"\x89PNG\r\n\x1a\nchart")
    async with running_bot(fake, deps, Script(deps)) as runner:
        out = runner.outbound
        assert out.channel == "telegram"
        await out.send("42", Reply("Nhắc: hạn báo cáo quý IV", [Option("report", "Báo cáo ngay")]))
        await out.send(
            "42",
            Reply("Bản tổng hợp", file=OutgoingFile(export, "Báo cáo.docx", "application/msword")),
        )
        await out.send(
            "42", Reply("", file=OutgoingFile(chart, "chart.png", "image/png", is_image=True))
        )
    assert fake.sent_texts(42) == ["Nhắc: hạn báo cáo quý IV"]
    assert fake.buttons(fake.last_keyboard_message(42)) == [("Báo cáo ngay", "report")]
    doc = fake.calls_of("sendDocument", 42)[0]
    assert doc.params["caption"] == "Bản tổng hợp"
    assert [u["kind"] for u in fake.uploads] == ["document", "photo"]
    assert fake.uploads[0]["content"] == b"PK\x03\x04docx"
    assert fake.uploads[0]["filename"] == "Báo cáo.docx"


async def test_bot_runs_when_menus_cannot_be_set(fake: FakeTelegram, deps: Deps) -> None:
    fake.fail("setMyCommands", 400, times=10, description="Bad Request: commands invalid")
    async with running_bot(fake, deps, Script(deps)) as runner:
        assert await runner.healthy()
        await fake.wait_processed(fake.send_text(USER, "ping"))
    assert fake.sent_texts(USER) == ["echo: ping"]


async def test_one_users_updates_in_order_users_in_parallel() -> None:
    from bot.telegram.binding import PerUserProcessor

    processor = PerUserProcessor(4)
    log: list[str] = []

    def update(user: int, n: int) -> object:
        from telegram import Chat, Message, Update, User

        sender = User(user, "U", False)
        message = Message(n, dt.datetime.now(dt.UTC), Chat(user, "private"), from_user=sender)
        return Update(n, message=message)

    async def work(name: str, delay: float) -> None:
        log.append(f"start {name}")
        await asyncio.sleep(delay)
        log.append(f"end {name}")

    await asyncio.gather(
        processor.process_update(update(1, 1), work("a1", 0.05)),
        processor.process_update(update(1, 2), work("a2", 0.0)),
        processor.process_update(update(1, 3), work("a3", 0.0)),
        processor.process_update(update(2, 4), work("b1", 0.0)),
    )
    # a2 waits for a1 although it is quicker; b1 does not wait for a's backlog.
    assert log.index("end a1") < log.index("start a2") < log.index("start a3")
    assert log.index("end b1") < log.index("end a1")

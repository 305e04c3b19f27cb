"""Whole dialogues through the real router, the real python-telegram-bot and the fake Bot API."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from db.database import Database
from db.models import ChatAccount, FormSession, PeriodKind, Report, Role, ScheduleKind
from domain.clock import FrozenClock
from domain.deps import Deps
from domain.registry import add_task, create_plan, set_rule
from handlers.router import Conversations
from locales import t
from tests.fakes.telegram_api import FakeTelegram
from tests.fakes.telegram_harness import make_deps, new_invite, running_bot

pytestmark = pytest.mark.timeout(60)

FOCAL = 7001
OFFICE = 7002
STRANGER = 7003
HEALTH = "Trạm Y tế xã Đông Hà"
OFFICE_UNIT = "Phòng Văn hóa - Xã hội"
PDF = b"%PDF-1.5\n" + b"evidence " * 300


class Chat:
    """One Telegram user talking to the bot through the fake server."""

    def __init__(self, fake: FakeTelegram, user_id: int, name: str = "Lan") -> None:
        self.fake = fake
        self.user_id = user_id
        self.name = name

    def _texts(self, before: int) -> list[str]:
        calls = self.fake.outgoing()[before:]
        return [
            str(c.params["text"])
            for c in calls
            if c.method == "sendMessage" and c.chat_id == str(self.user_id)
        ]

    async def say(self, text: str) -> list[str]:
        before = len(self.fake.outgoing())
        update = self.fake.send_text(self.user_id, text, first_name=self.name)
        await self.fake.wait_processed(update)
        return self._texts(before)

    def buttons(self) -> list[tuple[str, str]]:
        return self.fake.buttons(self.fake.last_keyboard_message(self.user_id))

    async def press(self, value: str | None = None, *, prefix: str | None = None) -> list[str]:
        message = self.fake.last_keyboard_message(self.user_id)
        data = [d for _label, d in self.fake.buttons(message)]
        chosen = (
            value
            if value in data
            else next((d for d in data if prefix and d.startswith(prefix)), None)
        )
        assert chosen is not None, f"no button {value or prefix!r} in {self.fake.buttons(message)}"
        before = len(self.fake.outgoing())
        update = self.fake.press(self.user_id, chosen, message, first_name=self.name)
        await self.fake.wait_processed(update)
        return self._texts(before)

    async def send_file(
        self, content: bytes, name: str, mime: str, size: int | None = None
    ) -> list[str]:
        before = len(self.fake.outgoing())
        update = self.fake.send_document(
            self.user_id, content, name, mime, size=size, first_name=self.name
        )
        await self.fake.wait_processed(update)
        return self._texts(before)


async def seed_plan(deps: Deps) -> None:
    """A small plan of our own: quarterly reports due the 20th; two health tasks."""
    now = deps.now()
    async with deps.db.transaction() as session:
        plan = await create_plan(
            session,
            now,
            title="Kế hoạch thử nghiệm chăm sóc sức khỏe ban đầu năm 2026",
            year=2026,
            number="99/KH-UBND",
            coordinator=OFFICE_UNIT,
        )
        await set_rule(session, plan, PeriodKind.QUARTERLY, 20, None, now)
        await add_task(
            session,
            plan,
            now,
            ref="1",
            title="Khám sàng lọc bệnh không lây nhiễm cho người cao tuổi",
            lead=[HEALTH],
            timeframe_text="Quý IV/2026",
            schedule=ScheduleKind.ONE_OFF,
            due_date=dt.date(2026, 12, 31),
        )
        await add_task(
            session,
            plan,
            now,
            ref="2",
            title="Truyền thông phòng chống dịch bệnh mùa đông",
            lead=[HEALTH],
            timeframe_text="Thường xuyên",
            schedule=ScheduleKind.RECURRING,
            recurrence=PeriodKind.QUARTERLY,
        )


@pytest.fixture
async def fake() -> FakeTelegram:
    async with FakeTelegram() as server:
        yield server  # type: ignore[misc]


@pytest.fixture
async def deps(db: Database, clock: FrozenClock, tmp_path: Path) -> Deps:
    d = make_deps(db, clock, tmp_path / "data")
    await seed_plan(d)
    return d


async def report_reaching_evidence(chat: Chat) -> None:
    """/report -> task 1 -> in progress -> 50% -> results -> skip the optional texts."""
    replies = await chat.say("/report")
    assert any("99/KH-UBND" in r or "Quý IV/2026" in r for r in replies), replies
    await chat.press(prefix="t:")
    await chat.press("s:in_progress")
    replies = await chat.press("pct:50")
    assert replies[-1] == t("report.ask_results", "vi")
    await chat.say("Đã khám sàng lọc cho 320 người cao tuổi, đạt 64% kế hoạch.")
    await chat.press("skip")
    await chat.press("skip")
    replies = await chat.press("skip")
    assert replies[-1].startswith(t("report.ask_evidence", "vi"))


async def test_focal_point_joins_reports_with_a_file_and_edits(
    fake: FakeTelegram, deps: Deps
) -> None:
    code = await new_invite(deps, HEALTH)
    chat = Chat(fake, FOCAL)
    async with running_bot(fake, deps, Conversations(deps)):
        link = deps.join_links["telegram"].format(code=code)
        assert link == f"https://t.me/{fake.username}?start={code}"
        replies = await chat.say(f"/start {code}")  # what Telegram sends for the deep link
        assert HEALTH in replies[0]
        await report_reaching_evidence(chat)

        replies = await chat.send_file(
            b"%PDF" + b"0" * 10, "lon.pdf", "application/pdf", size=25 * 1024 * 1024
        )
        assert replies[0] == t("evidence.too_big", "vi", limit_mb=20)
        replies = await chat.send_file(b"MZ", "chay.exe", "application/x-msdownload")
        assert replies[0] == t("evidence.bad_type", "vi")
        replies = await chat.send_file(PDF, "Kết quả khám sàng lọc.pdf", "application/pdf")
        assert replies[0] == t("report.file_saved", "vi", name="Kết quả khám sàng lọc.pdf")

        replies = await chat.press("skip")  # on to the preview
        assert "Kết quả khám sàng lọc.pdf" in replies[-1]
        replies = await chat.press("ok")
        assert replies[0].startswith(t("report.saved", "vi", ref="1", period="Quý IV/2026"))
        # Every pressed keyboard was closed: only the last answer may still carry buttons.
        open_keyboards = [m for m in fake.messages.values() if m.get("reply_markup")]
        assert len(open_keyboards) <= 1
        edits = fake.calls_of("editMessageText", FOCAL)
        assert edits and all("✅" in e.params["text"] for e in edits)

        # Edit the report: the same task again, "edit", keep answers, new results.
        await chat.say("/report")
        replies = await chat.press(prefix="t:")
        await chat.press("edit")
        await chat.press("keep")
        await chat.press("keep")
        await chat.say("Đã khám sàng lọc cho 410 người cao tuổi, đạt 82% kế hoạch.")
        for _ in range(3):  # difficulties, proposals, next-period plan: still none
            await chat.press("skip")
        replies = await chat.press("skip")  # evidence: nothing more
        assert "410" in replies[-1]
        replies = await chat.press("ok")
        assert replies[0].startswith(t("report.saved_edit", "vi", ref="1", period="Quý IV/2026"))

    async with deps.db.read() as session:
        report = (
            await session.execute(select(Report).options(selectinload(Report.attachments)))
        ).scalar_one()
    assert report.version == 2
    assert report.results.startswith("Đã khám sàng lọc cho 410")
    assert [a.filename for a in report.attachments] == ["Kết quả khám sàng lọc.pdf"]
    assert report.attachments[0].size == len(PDF)
    assert Path(report.attachments[0].path).name.endswith(".pdf")
    assert report.attachments[0].channel == "telegram"


async def test_coordinator_status_drill_down_and_stranger_refused(
    fake: FakeTelegram, deps: Deps
) -> None:
    office_code = await new_invite(deps, OFFICE_UNIT, Role.COORDINATOR)
    office = Chat(fake, OFFICE, "Hà")
    stranger = Chat(fake, STRANGER, "Nam")
    async with running_bot(fake, deps, Conversations(deps)):
        await office.say(f"/start {office_code}")
        await fake.wait_for(lambda s: (f"chat:{OFFICE}", "") in s.commands)
        menu = [c["command"] for c in fake.commands[(f"chat:{OFFICE}", "")]]
        assert menu[0] == "status"

        replies = await office.say("/status")
        assert "99/KH-UBND" in replies[-1]
        assert "units:0" in [d for _l, d in office.buttons()]
        replies = await office.press("units:0")
        unit_buttons = [(label, d) for label, d in office.buttons() if d.startswith("u:")]
        assert any(HEALTH[:20] in label for label, _d in unit_buttons), unit_buttons
        replies = await office.press(prefix="u:")
        assert HEALTH in "\n".join(replies)

        replies = await stranger.say("/status")
        assert replies == [t("start.how_to_join", "vi")]
        # A focal point who joined is refused too: /status is the office's.
        focal = Chat(fake, FOCAL)
        await focal.say(f"/start {await new_invite(deps, HEALTH)}")
        assert await focal.say("/status") == [t("status.forbidden", "vi")]
        assert (f"chat:{FOCAL}", "") not in fake.commands


async def test_restart_between_two_steps_continues_the_form(fake: FakeTelegram, deps: Deps) -> None:
    code = await new_invite(deps, HEALTH)
    chat = Chat(fake, FOCAL)
    async with running_bot(fake, deps, Conversations(deps)):
        await chat.say(f"/start {code}")
        await chat.say("/report")
        await chat.press(prefix="t:")
        await chat.press("s:in_progress")
    # The bot is down; the user answers meanwhile (Telegram keeps the update).
    async with deps.db.read() as session:
        form = (await session.execute(select(FormSession))).scalar_one()
    assert (form.flow, form.step) == ("report", "progress")
    keyboard_message = fake.last_keyboard_message(FOCAL)
    before = len(fake.outgoing())
    update = fake.press(FOCAL, "pct:75", keyboard_message)
    # A new process: new Application, new Conversations, same database.
    async with running_bot(fake, deps, Conversations(deps)):
        await fake.wait_processed(update)
        texts = [c.params["text"] for c in fake.outgoing()[before:] if c.method == "sendMessage"]
        assert texts[-1] == t("report.ask_results", "vi")
        await chat.say("Đã hoàn thành 75% khối lượng.")
    async with deps.db.read() as session:
        form = (await session.execute(select(FormSession))).scalar_one()
    assert form.step == "difficulties"
    assert form.data["answers"]["progress"] == 75
    assert form.data["answers"]["results"] == "Đã hoàn thành 75% khối lượng."


async def test_flood_and_server_errors_lose_nothing(fake: FakeTelegram, deps: Deps) -> None:
    code = await new_invite(deps, HEALTH)
    chat = Chat(fake, FOCAL)
    async with running_bot(fake, deps, Conversations(deps)):
        await chat.say(f"/start {code}")
        fake.fail("sendMessage", 429, retry_after=1, chat_id=FOCAL)
        fake.fail("editMessageText", 500, chat_id=FOCAL)
        fake.fail("sendMessage", 500, times=2, chat_id=FOCAL)
        fake.fail("getUpdates", 500)
        await chat.say("/report")
        await chat.press(prefix="t:")
        replies = await chat.press("s:in_progress")
        assert replies[-1] == t("report.ask_progress", "vi")
    failed = [c for c in fake.calls if c.status != 200]
    assert sorted(c.status for c in failed) == [429, 500, 500, 500, 500]
    # Each failed call was repeated: nothing the bot meant to say is missing.
    async with deps.db.read() as session:
        form = (await session.execute(select(FormSession))).scalar_one()
    assert form.step == "progress"


async def test_blocked_user_is_marked_unreachable(fake: FakeTelegram, deps: Deps) -> None:
    code = await new_invite(deps, HEALTH)
    chat = Chat(fake, FOCAL)
    async with running_bot(fake, deps, Conversations(deps)):
        await chat.say(f"/start {code}")
        fake.fail("sendMessage", 403, times=5, chat_id=FOCAL)
        await fake.wait_processed(fake.send_text(FOCAL, "/help"))
    async with deps.db.read() as session:
        account = (await session.execute(select(ChatAccount))).scalar_one()
    assert account.unreachable_since is not None


async def test_group_gets_a_pointer_and_the_office_registers_it(
    fake: FakeTelegram, deps: Deps
) -> None:
    group = -1001234
    office_code = await new_invite(deps, OFFICE_UNIT, Role.COORDINATOR)
    office = Chat(fake, OFFICE, "Hà")
    async with running_bot(fake, deps, Conversations(deps)):
        await office.say(f"/start {office_code}")
        update = fake.send_text(OFFICE, "/report", chat_id=group, chat_type="supergroup")
        await fake.wait_processed(update)
        pointer = fake.sent_texts(group)[-1]
        assert f"https://t.me/{fake.username}" in pointer
        assert "?start=" not in pointer
        update = fake.send_text(
            OFFICE, "/register_group", chat_id=group, chat_type="supergroup", title="Tổ công tác 72"
        )
        await fake.wait_processed(update)
        assert fake.sent_texts(group)[-1] == t("groups.registered", "vi", title="Tổ công tác 72")
        # No form was opened by the group command.
    async with deps.db.read() as session:
        assert (await session.execute(select(FormSession))).first() is None

"""Typed answers mean one thing on every channel: what is listed is what is accepted."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.console import PERSONAS, ConsoleChat
from bot.console import render as console_render
from bot.zalo.outbound import render as zalo_render
from db.database import Database
from db.models import FormSession, Report, Role
from domain.clock import FrozenClock
from domain.demo import load_demo
from domain.deps import Deps
from handlers.common import parse_id
from handlers.messages import (
    Incoming,
    Option,
    Reply,
    clean_text,
    option_markers,
    render_numbered,
    typed_option,
)
from handlers.router import Conversations
from locales import t
from tests.support import Chat, invite_code, make_deps

FOCAL_UNIT = "Phòng Kinh tế, Hạ tầng và Đô thị"
OFFICE_UNIT = "Phòng Văn hóa - Xã hội"
CHANNELS = ["console", "zalo", "telegram"]


@pytest.fixture
async def deps(db: Database, clock: FrozenClock, tmp_path: Path) -> Deps:
    d = make_deps(db, clock, tmp_path / "data")
    async with db.transaction() as s:
        assert await load_demo(s, clock.now()) is not None
    return d


async def joined(
    deps: Deps, user: str, unit: str = FOCAL_UNIT, channel: str = "console", role: Role = Role.FOCAL
) -> Chat:
    chat = Chat(Conversations(deps), user, channel=channel)
    await chat.send(f"/start {await invite_code(deps, unit, role)}")
    assert "Chào mừng" in chat.text, chat.text
    return chat


def listed(chat: Chat) -> dict[str, str]:
    """Marker -> label of the options, as the terminal and Zalo list them."""
    text = render_numbered(Reply("", chat.options))
    return dict(re.findall(r"^(\S+)\. (.*)$", text, re.M))


async def reports(db: Database) -> list[Report]:
    async with db.read() as s:
        return list((await s.execute(select(Report).order_by(Report.id))).scalars())


async def finish(chat: Chat) -> None:
    """From the results question to the saved report, by typing only."""
    await chat.send("Đã triển khai theo kế hoạch")
    for _ in range(3):
        await chat.send("Không có")
    await chat.send(listed_marker(chat, t("form.next", "vi")))
    assert "XEM LẠI BÁO CÁO" in chat.text
    await chat.send(listed_marker(chat, t("report.send", "vi")))
    assert re.search("Đã (lưu|cập nhật) báo cáo", chat.text), chat.text


def listed_marker(chat: Chat, fragment: str) -> str:
    found = [m for m, label in listed(chat).items() if fragment in label]
    assert found, (fragment, listed(chat))
    return found[0]


# -- the rule itself --------------------------------------------------------------------------


def test_markers_number_plain_lists_and_letter_the_rest_around_keys() -> None:
    plain = [Option("x", "Một"), Option("y", "Hai")]
    assert option_markers(plain) == ["1", "2"]
    tasks = [Option("t:1", "⬜ 5. Tuyên truyền", "5"), Option("t:2", "· 24. Kiểm tra", "24")]
    assert option_markers([*tasks, Option("period", "Kỳ khác"), Option("cancel", "Hủy")]) == [
        "5",
        "24",
        "a",
        "b",
    ]
    # A ref that is a letter is never reused as another option's marker.
    assert option_markers([Option("t:1", "a. X", "a"), Option("cancel", "Hủy")]) == ["a", "b"]
    percent = [
        Option("keep", "Giữ nguyên: 50"),
        *(Option(f"pct:{n}", f"{n}%", "") for n in (0, 50)),
    ]
    assert option_markers(percent) == ["a", "", ""]


def test_what_is_listed_is_what_is_accepted() -> None:
    options = [
        Option("t:7", "⬜ 24. Kiểm tra an toàn", "24"),
        Option("t:8", "✅ 3. Số hóa hồ sơ", "3"),
        Option("period", "Chọn kỳ báo cáo khác"),
        Option("cancel", "Hủy"),
    ]
    text = render_numbered(Reply("Chọn nhiệm vụ", options))
    assert "24. ⬜ Kiểm tra an toàn" in text and "3. ✅ Số hóa hồ sơ" in text
    assert "a. Chọn kỳ báo cáo khác" in text and "b. Hủy" in text
    for marker, _label in re.findall(r"^(\S+)\. (.*)$", text, re.M):
        picked = typed_option(options, marker)
        assert picked is not None and picked.key in (marker, None)
    assert typed_option(options, "24") == options[0]
    assert typed_option(options, " B. ") == options[3]
    assert typed_option(options, "hủy") == options[3]
    assert typed_option(options, "1") is None  # no option is listed as 1
    assert typed_option(options, "4") is None
    pct = [Option("keep", "Giữ nguyên: 75"), Option("pct:50", "50%", "")]
    shown = render_numbered(Reply("Tiến độ", pct))
    assert "a. Giữ nguyên: 75" in shown and "• 50%" in shown
    assert typed_option(pct, "1") is None and typed_option(pct, "50%") == pct[1]


def test_clean_text_drops_controls_and_direction_overrides() -> None:
    assert clean_text("abc\u202edcba\u202c") == "abcdcba"
    assert clean_text("a\x00b\x07c\x1b[31m") == "abc[31m"
    assert clean_text("dòng 1\r\ndòng 2\tx") == "dòng 1\ndòng 2 x"
    assert clean_text("\u2067x\u2069\u200f\ufeff") == "x"
    assert clean_text("ti\u0301") == "tí"  # NFC
    assert clean_text("\ud800ok") == "ok"  # a lone surrogate cannot be stored
    assert clean_text("👨\u200d👩\u200d👧") == "👨\u200d👩\u200d👧"  # emoji joiners are kept
    msg = Incoming("zalo", "u", "c", text="\u202eXin chào", display_name="\x00Lan\u202e ")
    assert msg.text == "Xin chào" and msg.display_name == "Lan"


def test_parse_id_is_bounded() -> None:
    assert parse_id("24") == 24
    assert parse_id("9" * 30) is None
    assert parse_id("0") is None and parse_id("") is None
    assert parse_id("²") is None and parse_id("٣") is None and parse_id("-1") is None


# -- dialogues ----------------------------------------------------------------------------------


@pytest.mark.parametrize("channel", CHANNELS)
async def test_a_typed_number_is_the_percentage(deps: Deps, db: Database, channel: str) -> None:
    chat = await joined(deps, "u1", channel=channel)
    await chat.send("/baocao")
    await chat.send("5")  # task 5 by its ref
    assert "Nhiệm vụ 5" in chat.text and "Tình trạng" in chat.text
    assert "Đã chọn: ⬜ 5." in chat.text
    await chat.send(listed_marker(chat, t("status.in_progress", "vi")))
    assert "Đã chọn: Đang triển khai" in chat.text
    assert t("report.ask_progress", "vi") in chat.text
    assert not any(m.isdigit() for m in listed(chat))  # no number is an option here
    await chat.send("3")
    assert "Đã ghi: 3%" in chat.text and t("report.ask_results", "vi") in chat.text
    await finish(chat)
    assert [(r.progress, r.status.value) for r in await reports(db)] == [(3, "in_progress")]


async def test_edit_mode_keeps_by_letter_and_saves_typed_numbers(deps: Deps, db: Database) -> None:
    chat = await joined(deps, "u1", channel="zalo")
    await chat.send("/baocao")
    await chat.send("9")
    await chat.press("Đang triển khai")
    await chat.send("40")
    await finish(chat)
    # Edit: "5" is 5%, never the fifth option (which used to be 75%).
    await chat.send("/baocao")
    await chat.send("9")
    await chat.press("Sửa báo cáo")
    await chat.press("Giữ nguyên")
    assert "a" in listed(chat) and "Giữ nguyên" in listed(chat)["a"]
    await chat.send("5")
    assert "Đã ghi: 5%" in chat.text
    await finish(chat)
    assert (await reports(db))[0].progress == 5
    # And "a" keeps the value.
    await chat.send("/baocao")
    await chat.send("9")
    await chat.press("Sửa báo cáo")
    await chat.press("Giữ nguyên")
    await chat.send("a")
    assert "Đã chọn: Giữ nguyên" in chat.text and t("report.ask_results", "vi") in chat.text
    await finish(chat)
    assert (await reports(db))[0].progress == 5


async def test_task_list_takes_refs_not_positions(deps: Deps, db: Database) -> None:
    chat = await joined(deps, "u1", channel="zalo")
    await chat.send("/baocao")
    shown = zalo_render(chat.last[-1], "vi")
    assert re.search(r"^9\. ⬜ Xây dựng", shown, re.M), shown
    assert re.search(r"^a\. Hủy|^b\. Hủy", shown, re.M), shown
    assert console_render(chat.last[-1]) in shown  # the terminal lists the same markers
    await chat.send("1")  # the first listed task is task 5: "1" is no option here
    assert t("form.choose_listed", "vi") in chat.text
    assert await chat_step(db) == "task"
    await chat.send("10")
    assert "Nhiệm vụ 10" in chat.text
    await chat.send("/huy")
    await chat.send("/baocao")
    await chat.send(listed_marker(chat, "Hủy"))
    assert "Đã hủy" in chat.text


async def chat_step(db: Database) -> str | None:
    async with db.read() as s:
        form = (await s.execute(select(FormSession))).scalar_one_or_none()
        return form.step if form else None


async def test_status_task_list_takes_refs(deps: Deps) -> None:
    office = await joined(deps, "o1", OFFICE_UNIT, "zalo", Role.COORDINATOR)
    await office.send("/tinhhinh")
    await office.press("Xem theo nhiệm vụ")
    assert "7" in listed(office) and "Trang sau" in " ".join(listed(office).values())
    await office.send("7")
    assert "7." in office.text and "Đã chọn: 7." in office.text


async def test_forged_and_huge_button_data_get_an_answer(deps: Deps, db: Database) -> None:
    chat = await joined(deps, "u1", channel="telegram")
    await chat.send(choice="cmd:report:" + "9" * 30)
    assert "Chọn nhiệm vụ" in chat.text or t("report.choose_task", "vi") in chat.text
    await chat.send(choice="t:" + "9" * 30)
    assert t("form.stale_button", "vi") in chat.text
    await chat.send("/huy")
    await chat.send(choice="cmd:report:²")
    assert t("report.choose_task", "vi") in chat.text


@pytest.mark.parametrize("text", ["   ", "\u202e", "\x00\x07", "\t\r\n"])
async def test_blank_messages_get_an_answer(deps: Deps, text: str) -> None:
    chat = await joined(deps, "u1", channel="zalo")
    await chat.send(text)
    assert chat.text.strip()
    await chat.send("/baocao")
    await chat.send(text)
    assert t("form.choose_listed", "vi") in chat.text
    stranger = Chat(Conversations(deps), "stranger", channel="zalo")
    await stranger.send(text)
    assert "mã mời" in stranger.text


async def test_direction_overrides_are_not_stored(deps: Deps, db: Database) -> None:
    chat = await joined(deps, "u1")
    await chat.send("/baocao")
    await chat.send("9")
    await chat.press("Hoàn thành")
    await chat.send("Đã xong \u202egnol\u202c\x00 việc")
    assert "Đã ghi: Đã xong gnol việc" in chat.text
    for _ in range(3):
        await chat.press("Không có")
    await chat.press("Tiếp tục")
    await chat.press("Gửi báo cáo")
    (report,) = await reports(db)
    assert report.results == "Đã xong gnol việc" and report.progress == 100


async def test_the_terminal_answers_a_blank_line(deps: Deps) -> None:
    lines = iter(["/baocao", "   ", "9", "2", "3", "/quit"])  # task 9, in progress, 3%
    written: list[str] = []

    async def read(_prompt: str) -> str | None:
        return next(lines, None)

    console = ConsoleChat(deps, Conversations(deps), read=read, write=written.append)
    assert await console.run(PERSONAS["focal"]) == 0
    out = "\n".join(written)
    assert t("form.choose_listed", "vi") in out  # the blank line was answered
    assert "9. ⬜ Xây dựng" in out and "Đã ghi: 3%" in out


@pytest.mark.parametrize("typed", ["٣", "３", "3.5", "1e2", "-1", "101"])
async def test_percent_refuses_what_is_not_a_plain_number(deps: Deps, typed: str) -> None:
    chat = await joined(deps, "u1", channel="zalo")
    await chat.send("/baocao")
    await chat.send("9")
    await chat.press("Đang triển khai")
    await chat.send(typed)
    assert t("error.progress_range", "vi") in chat.text
    assert t("report.ask_progress", "vi") in chat.text

"""Feature routers: one table for commands, flows, help, Telegram's menus and Zalo's words."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.telegram.binding import OFFICE_COMMANDS, USER_COMMANDS
from bot.zalo.outbound import render
from db.database import Database
from db.models import Role
from domain.clock import FrozenClock
from domain.demo import load_demo
from domain.deps import Deps
from handlers.messages import Option, Reply
from handlers.root import ROOT, ROUTES
from handlers.router import Conversations
from handlers.routing import Command, HelpLine, Router, Routes, RoutingError
from handlers.turn import Turn
from locales import t
from tests.support import Chat, invite_code, make_deps

FOCAL_UNIT = "Phòng Kinh tế, Hạ tầng và Đô thị"
OFFICE_UNIT = "Phòng Văn hóa - Xã hội"


@pytest.fixture
async def deps(db: Database, clock: FrozenClock, tmp_path: Path) -> Deps:
    d = make_deps(db, clock, tmp_path / "data")
    async with db.transaction() as s:
        assert await load_demo(s, clock.now()) is not None
    return d


def test_every_command_has_a_vietnamese_and_an_english_word() -> None:
    seen: set[str] = set()
    for router in ROOT.walk():
        for command in router.commands:
            assert command.word("vi") and command.word("en"), command.name
            assert ROUTES.command(command.word("vi")) is command
            assert ROUTES.command(command.word("en")) is command
            seen.add(command.name)
    assert {"report", "tasks", "status", "remind", "export", "groups", "plan", "link"} <= seen
    assert {"channel", "language", "help", "cancel", "start"} <= seen


def test_the_table_cannot_be_changed_after_start_up() -> None:
    with pytest.raises(TypeError):
        ROUTES.commands["ping"] = ROUTES.commands["help"]  # type: ignore[index]
    with pytest.raises(TypeError):
        ROUTES.flows["ping"] = ROUTES.flows["report"]  # type: ignore[index]


def test_a_word_claimed_twice_is_refused() -> None:
    async def other(turn: Turn) -> list[Reply]:
        return []

    clash = Router("clash", commands=(Command("tally", other, vi="baocao"),))
    with pytest.raises(RoutingError, match="baocao"):
        Routes(Router("root", routers=(ROOT, clash)))


def test_telegram_menus_and_zalo_words_come_from_the_routers() -> None:
    assert USER_COMMANDS == ("report", "tasks", "language", "cancel", "help")
    assert OFFICE_COMMANDS[:2] == ("status", "groups") and OFFICE_COMMANDS[2:] == USER_COMMANDS
    for name in OFFICE_COMMANDS:  # every menu entry is described in both languages
        assert t(f"telegram.cmd_{name}", "vi") != t(f"telegram.cmd_{name}", "en")
    reply = Reply("?", [Option("cmd:report:12", "Báo cáo"), Option("cmd:nhom", "Nhóm")])
    assert "Báo cáo (/baocao)" in render(reply, "vi")
    assert "Nhóm (/nhom)" in render(reply, "vi")
    assert "Báo cáo (/report)" in render(reply, "en")
    assert "Nhóm (/groups)" in render(reply, "en")


def test_help_lines_follow_the_root_order_and_the_role() -> None:
    everybody = [
        "help.report",
        "help.tasks",
        "zalo.help.link",
        "zalo.help.channel",
        "help.language",
        "help.cancel",
        "help.help",
    ]
    assert ROUTES.help_keys(office=False) == everybody
    office = ["help.status", "help.remind", "export.help", "collectives.help"]
    office.append("collectives.plan.help")
    assert ROUTES.help_keys(office=True) == everybody[:2] + office + everybody[2:]


async def test_a_new_command_is_one_router(deps: Deps) -> None:
    """A command added by composing one router: both words, help, office-only by its handler."""

    async def on_ping(turn: Turn) -> list[Reply]:
        return [Reply(turn.t("common.closed"))]

    ping = Router(
        "ping",
        commands=(Command("ping", on_ping, vi="kiemtra"),),
        help=(HelpLine("help.hint", office=True),),
    )
    routes = Routes(Router("root", routers=(ROOT, ping)))
    office = Chat(Conversations(deps, routes), "office")
    await office.send(f"/start {await invite_code(deps, OFFICE_UNIT, Role.COORDINATOR)}")
    assert t("help.hint", "vi") in office.text  # its help line, for the office
    for word in ("/kiemtra", "/ping"):
        await office.send(word)
        assert office.text == t("common.closed", "vi")
    focal = Chat(Conversations(deps, routes), "focal")
    await focal.send(f"/start {await invite_code(deps, FOCAL_UNIT)}")
    assert t("help.hint", "vi") not in focal.text
    # The root's own table does not know it.
    plain = Chat(Conversations(deps), "focal")
    await plain.send("/kiemtra")
    assert t("error.unknown_command", "vi", command="kiemtra") in plain.text

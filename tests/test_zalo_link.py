"""Link codes and the reminder channel through the real router (no network needed)."""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from db.database import Database
from db.models import ChatAccount, Role
from domain.clock import FrozenClock
from domain.deps import Deps
from domain.membership import create_invite
from domain.registry import get_or_create_unit
from handlers import link
from handlers.messages import Incoming
from handlers.root import ROOT, ROUTES
from handlers.router import Conversations
from handlers.routing import Router, Routes, RoutingError
from locales import t


@pytest.fixture
def deps(db: Database, clock: FrozenClock, tmp_path: Path) -> Deps:
    return Deps(db=db, clock=clock, tz=zoneinfo.ZoneInfo("Asia/Ho_Chi_Minh"), data_dir=tmp_path)


async def say(deps: Deps, channel: str, user: str, text: str) -> str:
    replies = await Conversations(deps).handle(
        Incoming(channel=channel, user_id=user, chat_id=user, text=text)
    )
    return "\n".join(r.text for r in replies)


async def invite(deps: Deps) -> str:
    async with deps.db.transaction() as s:
        unit, _ = await get_or_create_unit(s, "Trạm Y tế xã", deps.now())
        new = await create_invite(s, deps.now(), role=Role.FOCAL, unit=unit, ttl=deps.invite_ttl)
    return new.code


def code_in(text: str) -> str:
    found = re.search(r"/start (\S+)", text)
    assert found is not None, text
    return found.group(1)


def test_link_router_is_composed_once() -> None:
    lienket, kenh = ROUTES.command("lienket"), ROUTES.command("kenh")
    assert lienket is not None and lienket.handler is link.on_link
    assert kenh is not None and kenh.handler is link.on_channel
    assert ROUTES.command("link") is lienket and ROUTES.command("channel") is kenh
    assert ROUTES.help_keys(office=False).count("zalo.help.link") == 1
    # A second router claiming the same word is refused, not silently preferred.
    with pytest.raises(RoutingError):
        Routes(Router("twice", routers=(ROOT, link.router)))


async def test_link_code_is_single_use_and_expires(deps: Deps, clock: FrozenClock) -> None:
    assert await say(deps, "zalo", "z1", "/lienket") == t("start.how_to_join", "vi")
    await say(deps, "telegram", "1", "/start " + await invite(deps))
    answer = await say(deps, "telegram", "1", "/lienket")
    assert "09:30 23/11/2026" in answer  # valid 30 minutes, shown in local time
    code = code_in(answer)
    await say(deps, "zalo", "z1", code)
    assert t("error.invite_used", "vi") in await say(deps, "zalo", "z2", code)

    late = code_in(await say(deps, "telegram", "1", "/link"))
    clock.advance(dt.timedelta(minutes=31))
    assert t("error.invite_expired", "vi") in await say(deps, "zalo", "z3", late)


async def test_an_account_of_someone_else_is_not_taken(deps: Deps) -> None:
    await say(deps, "telegram", "1", "/start " + await invite(deps))
    await say(deps, "zalo", "z9", "/start " + await invite(deps))  # another person
    code = code_in(await say(deps, "telegram", "1", "/lienket"))
    answer = await say(deps, "zalo", "z9", "/start " + code)
    assert t("error.account_linked_elsewhere", "vi") in answer


async def test_channel_choice_typed_and_refused(deps: Deps) -> None:
    await say(deps, "telegram", "1", "/start " + await invite(deps))
    question = await say(deps, "telegram", "1", "/channel")
    assert "1. " not in question  # options travel as Option objects, not text
    assert await say(deps, "telegram", "1", "fax") == (
        t("form.choose_listed", "vi") + "\n" + question
    )
    assert await say(deps, "telegram", "1", "zalo") == t(
        "zalo.channel.no_account", "vi", channel="Zalo"
    )
    assert t("zalo.channel.unknown", "vi", value="fax") in await say(
        deps, "telegram", "1", "/kenh fax"
    )
    assert await say(deps, "telegram", "1", "/kenh tất cả") == t(
        "zalo.channel.set", "vi", preferred=t("zalo.channel.all", "vi")
    )
    async with deps.db.read() as s:
        account = await s.scalar(
            select(ChatAccount)
            .where(ChatAccount.external_id == "1")
            .options(selectinload(ChatAccount.member))
        )
    assert account is not None and account.member.preferred_channel == "all"


def test_parse_preference() -> None:
    assert link.parse_preference(" Cả  hai ") == "all"
    assert link.parse_preference("ZALO") == "zalo"
    assert link.parse_preference("channel:telegram") == "telegram"
    assert link.parse_preference("fax") is None

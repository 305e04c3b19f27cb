"""Linking a member's Telegram and Zalo accounts, and choosing where reminders go."""

from __future__ import annotations

import zoneinfo
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from db.database import Database
from db.models import ChatAccount, Member, Role
from domain.clock import FrozenClock
from domain.deps import Deps
from domain.membership import create_invite
from domain.registry import get_or_create_unit
from handlers import link
from handlers.messages import Incoming
from locales import t


@pytest.fixture
def deps(db: Database, clock: FrozenClock, tmp_path: Path) -> Deps:
    d = Deps(db=db, clock=clock, tz=zoneinfo.ZoneInfo("Asia/Ho_Chi_Minh"), data_dir=tmp_path)
    d.join_links = {"telegram": "https://t.me/dondoc_bot?start={code}"}
    return d


def tg(text: str = "", **kw: object) -> Incoming:
    return Incoming(channel="telegram", user_id="111", chat_id="111", text=text, **kw)  # type: ignore[arg-type]


def zl(text: str = "", **kw: object) -> Incoming:
    return Incoming(channel="zalo", user_id="z-abc", chat_id="z-abc", text=text, **kw)  # type: ignore[arg-type]


async def invite_code(deps: Deps, role: Role = Role.FOCAL) -> str:
    async with deps.db.transaction() as s:
        unit, _ = await get_or_create_unit(s, "Trạm Y tế xã", deps.now())
        new = await create_invite(s, deps.now(), role=role, unit=unit, ttl=deps.invite_ttl)
    return new.code


async def member_of(deps: Deps, channel: str, external_id: str) -> Member:
    async with deps.db.read() as s:
        account = await s.scalar(
            select(ChatAccount)
            .where(ChatAccount.channel == channel, ChatAccount.external_id == external_id)
            .options(selectinload(ChatAccount.member).selectinload(Member.accounts))
        )
        assert account is not None
        return account.member


async def test_link_a_telegram_member_to_zalo(deps: Deps, clock: FrozenClock) -> None:
    code = await invite_code(deps)
    (joined,) = await link.redeem_code(deps, tg(display_name="Lê Văn C"), code)
    assert "Lê Văn C" in joined.text and "Trạm Y tế xã" in joined.text

    (not_member,) = await link.handle(deps, zl("/lienket")) or []
    assert not_member.text == t("zalo.link.not_member", "vi")

    (answer,) = await link.handle(deps, tg("/lienket")) or []
    link_code = answer.text.split("\n", 1)[0].rsplit(" ", 1)[1]
    assert f"/start {link_code}" in answer.text and "Zalo" in answer.text
    assert "09:30 23/11/2026" in answer.text  # 30 minutes, local time
    (done,) = await link.redeem_code(deps, zl(display_name="C Zalo"), link_code)
    assert "Telegram, Zalo" in done.text

    m_tg = await member_of(deps, "telegram", "111")
    m_zl = await member_of(deps, "zalo", "z-abc")
    assert m_tg.id == m_zl.id and m_zl.role is Role.FOCAL
    assert sorted(a.channel for a in m_zl.accounts) == ["telegram", "zalo"]

    (again,) = await link.redeem_code(deps, zl(), link_code)
    assert again.text == t("error.invite_used", "vi")

    # From Zalo the code names Telegram and carries the deep link.
    (from_zalo,) = await link.handle(deps, zl("/link")) or []
    assert "https://t.me/dondoc_bot?start=" in from_zalo.text and "Telegram" in from_zalo.text


async def test_link_code_expires(deps: Deps, clock: FrozenClock) -> None:
    import datetime as dt

    await link.redeem_code(deps, tg(), await invite_code(deps))
    (answer,) = await link.request_link_code(deps, tg())
    code = answer.text.split("\n", 1)[0].rsplit(" ", 1)[1]
    clock.advance(dt.timedelta(minutes=31))
    (late,) = await link.redeem_code(deps, zl(), code)
    assert late.text == t("error.invite_expired", "vi")


async def test_zalo_account_of_someone_else_cannot_be_taken(deps: Deps) -> None:
    await link.redeem_code(deps, tg(), await invite_code(deps))
    await link.redeem_code(deps, zl(), await invite_code(deps))  # another person on Zalo
    (answer,) = await link.request_link_code(deps, tg())
    code = answer.text.split("\n", 1)[0].rsplit(" ", 1)[1]
    (refused,) = await link.redeem_code(deps, zl(), code)
    assert refused.text == t("error.account_linked_elsewhere", "vi")


async def test_preferred_channel(deps: Deps) -> None:
    await link.redeem_code(deps, tg(), await invite_code(deps))
    (menu,) = await link.handle(deps, tg("/kenh")) or []
    assert [o.value for o in menu.options] == ["channel:telegram", "channel:zalo", "channel:all"]
    (no_zalo,) = await link.handle(deps, tg("/kenh zalo")) or []
    assert no_zalo.text == t("zalo.channel.no_account", "vi", channel="Zalo")
    (bad,) = await link.handle(deps, tg("/channel fax")) or []
    assert "fax" in bad.text and bad.options

    (answer,) = await link.request_link_code(deps, tg())
    await link.redeem_code(deps, zl(), answer.text.split("\n", 1)[0].rsplit(" ", 1)[1])
    (ok,) = await link.handle(deps, zl("", choice="channel:zalo")) or []
    assert ok.text == t("zalo.channel.set", "vi", preferred="Zalo") and ok.chosen_label == "Zalo"
    member = await member_of(deps, "telegram", "111")
    assert member.preferred_channel == "zalo"
    assert [a.channel for a in link.delivery_accounts(member)] == ["zalo"]
    assert [a.channel for a in link.delivery_accounts(member, {"telegram"})] == ["telegram"]

    await link.handle(deps, tg("/kenh cả hai"))
    member = await member_of(deps, "telegram", "111")
    assert member.preferred_channel == "all"
    assert sorted(a.channel for a in link.delivery_accounts(member)) == ["telegram", "zalo"]

    assert await link.handle(deps, tg("/baocao")) is None


def test_parse_preference() -> None:
    assert link.parse_preference(" Cả  hai ") == "all"
    assert link.parse_preference("ZALO") == "zalo"
    assert link.parse_preference("channel:telegram") == "telegram"
    assert link.parse_preference("fax") is None

"""One person, two channels: link codes, joining or linking with a code, the reminder channel.

Channel-neutral: the router calls `handle()` for `/link` `/lienket` `/kenh` `/channel` and for
choices whose value starts with `channel:`; `redeem_code()` answers `/start CODE` or a bare
code (an invite joins, a link code attaches this chat account to an existing member).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from db.models import ChatAccount, Invite, Member
from domain.deps import Deps
from domain.errors import DomainError
from domain.membership import account_member, create_invite, hash_code, redeem_invite
from domain.registry import audit
from handlers.messages import Incoming, Option, Reply
from locales import normalize_locale, t

CHANNELS = ("telegram", "zalo")
PREFERENCES = (*CHANNELS, "all")
LINK_TTL = dt.timedelta(minutes=30)
LINK_COMMANDS = frozenset({"link", "lienket", "liênkết"})
CHANNEL_COMMANDS = frozenset({"kenh", "kênh", "channel"})
CHOICE_PREFIX = "channel:"

_ALIASES = {
    "telegram": "telegram",
    "tele": "telegram",
    "tg": "telegram",
    "zalo": "zalo",
    "all": "all",
    "both": "all",
    "ca hai": "all",
    "cả hai": "all",
    "tat ca": "all",
    "tất cả": "all",
    "ca": "all",
    "cả": "all",
}


def parse_preference(text: str) -> str | None:
    """ "telegram", "zalo" or "all" from what a user typed (Vietnamese or English), else None."""
    word = " ".join(text.strip().lower().split())
    if word.startswith(CHOICE_PREFIX):
        word = word[len(CHOICE_PREFIX) :]
    return _ALIASES.get(word)


def channel_name(channel: str, locale: str | None) -> str:
    """How a channel (or "all") is shown to users."""
    key = f"zalo.channel.{channel}"
    return t(key, locale) if channel in PREFERENCES else channel


def _channels_text(accounts: Collection[ChatAccount], locale: str | None) -> str:
    names = sorted({a.channel for a in accounts if a.channel in CHANNELS})
    return ", ".join(channel_name(c, locale) for c in names) or t("zalo.channel.none", locale)


def preference_options(locale: str | None) -> list[Option]:
    """The three choices for `/kenh`."""
    return [Option(CHOICE_PREFIX + p, channel_name(p, locale)) for p in PREFERENCES]


async def _member_with_accounts(deps: Deps, msg: Incoming) -> Member | None:
    async with deps.db.read() as session:
        found = await account_member(session, msg.channel, msg.user_id)
        if found is None:
            return None
        return await session.scalar(
            select(Member)
            .where(Member.id == found[1].id)
            .options(selectinload(Member.accounts), selectinload(Member.unit))
        )


def _locale(msg: Incoming, member: Member | None, deps: Deps) -> str:
    if member is not None:
        return member.locale
    return normalize_locale(msg.language) if msg.language else deps.default_locale


async def request_link_code(deps: Deps, msg: Incoming) -> list[Reply]:
    """`/lienket`: a one-time code (30 minutes) to attach another channel's account."""
    member = await _member_with_accounts(deps, msg)
    locale = _locale(msg, member, deps)
    if member is None:
        return [Reply(t("zalo.link.not_member", locale))]
    async with deps.db.transaction() as session:
        fresh = await session.get(Member, member.id)
        if fresh is None:  # removed meanwhile
            return [Reply(t("zalo.link.not_member", locale))]
        new = await create_invite(
            session,
            deps.now(),
            role=fresh.role,
            unit=None,
            ttl=LINK_TTL,
            member=fresh,
            actor=f"{msg.channel}:{msg.user_id}",
        )
    others = [c for c in CHANNELS if c != msg.channel]
    other = (
        channel_name(others[0], locale) if len(others) == 1 else t("zalo.link.other_any", locale)
    )
    expires = new.invite.expires_at.astimezone(deps.tz).strftime("%H:%M %d/%m/%Y")
    text = t("zalo.link.code", locale, code=new.code, other=other, expires=expires)
    template = deps.join_links.get(others[0]) if len(others) == 1 else None
    if template and "{code}" in template:
        text += "\n" + t("zalo.link.code_link", locale, link=template.format(code=new.code))
    return [Reply(text)]


async def redeem_code(deps: Deps, msg: Incoming, code: str) -> list[Reply]:
    """Join with an invite, or link this account with a link code; errors become replies."""
    before = await _member_with_accounts(deps, msg)
    locale = _locale(msg, before, deps)
    try:
        async with deps.db.transaction() as session:
            invite = await session.scalar(
                select(Invite).where(Invite.code_hash == hash_code(code.strip()))
            )
            linking = invite is not None and invite.member_id is not None
            member = await redeem_invite(
                session,
                deps.now(),
                code=code,
                channel=msg.channel,
                external_id=msg.user_id,
                chat_id=msg.chat_id,
                display_name=msg.display_name,
                locale=locale,
            )
            await session.refresh(member, ["accounts", "unit"])
            locale = member.locale
            name = member.full_name or msg.display_name or ""
            if linking:
                text = t(
                    "zalo.link.done",
                    locale,
                    channel=channel_name(msg.channel, locale),
                    name=name,
                    channels=_channels_text(member.accounts, locale),
                    preferred=channel_name(member.preferred_channel, locale),
                )
            else:
                unit = (
                    t("zalo.link.unit_suffix", locale, unit=member.unit.name) if member.unit else ""
                )
                text = t("zalo.link.joined", locale, name=name, unit=unit)
    except DomainError as exc:
        return [Reply(t(exc.key, locale, **exc.params))]
    return [Reply(text)]


async def set_preference(deps: Deps, msg: Incoming, value: str | None) -> list[Reply]:
    """`/kenh [telegram|zalo|all]`: show the choices, or set where reminders go."""
    member = await _member_with_accounts(deps, msg)
    locale = _locale(msg, member, deps)
    if member is None:
        return [Reply(t("zalo.link.not_member", locale))]
    if not value:
        text = t(
            "zalo.channel.current",
            locale,
            preferred=channel_name(member.preferred_channel, locale),
            channels=_channels_text(member.accounts, locale),
        )
        return [Reply(text, preference_options(locale))]
    choice = parse_preference(value)
    if choice is None:
        return [
            Reply(t("zalo.channel.unknown", locale, value=value[:40]), preference_options(locale))
        ]
    if choice != "all" and not any(a.channel == choice for a in member.accounts):
        return [Reply(t("zalo.channel.no_account", locale, channel=channel_name(choice, locale)))]
    async with deps.db.transaction() as session:
        fresh = await session.get(Member, member.id)
        if fresh is None:
            return [Reply(t("zalo.link.not_member", locale))]
        old = fresh.preferred_channel
        fresh.preferred_channel = choice
        audit(
            session,
            deps.now(),
            "update",
            "member",
            fresh.id,
            actor=f"{msg.channel}:{msg.user_id}",
            preferred_channel=choice,
            was=old,
        )
    label = channel_name(choice, locale)
    return [Reply(t("zalo.channel.set", locale, preferred=label), chosen_label=label)]


def is_link_message(msg: Incoming) -> bool:
    """True when `handle()` answers this message."""
    if msg.choice is not None:
        return msg.choice.startswith(CHOICE_PREFIX)
    return msg.command in LINK_COMMANDS or msg.command in CHANNEL_COMMANDS


async def handle(deps: Deps, msg: Incoming) -> list[Reply] | None:
    """The router's hook: replies for link and channel messages, None for anything else."""
    if msg.choice is not None and msg.choice.startswith(CHOICE_PREFIX):
        return await set_preference(deps, msg, msg.choice)
    if msg.command in LINK_COMMANDS:
        return await request_link_code(deps, msg)
    if msg.command in CHANNEL_COMMANDS:
        return await set_preference(deps, msg, msg.args or None)
    return None


def delivery_accounts(member: Member, available: Collection[str] = CHANNELS) -> list[ChatAccount]:
    """The accounts a reminder to `member` goes to, given the channels running.

    The preferred channel when it has a reachable account there; otherwise every reachable
    account (a preference must not silence reminders); if none is reachable, the accounts
    that match the preference anyway (the user may have unblocked the bot).
    """
    usable = [a for a in member.accounts if a.channel in available]
    reachable = [a for a in usable if a.unreachable_since is None]
    pref = member.preferred_channel
    if pref in CHANNELS:
        preferred = [a for a in reachable if a.channel == pref]
        if preferred:
            return preferred
    if reachable:
        return reachable
    return [a for a in usable if pref not in CHANNELS or a.channel == pref] or usable

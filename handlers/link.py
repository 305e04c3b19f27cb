"""One person, two channels: link codes and the channel reminders go to.

A member asks for a link code (`/lienket`, `/link`) on one channel and types it on the other
(`/start CODE` or just the code): `basics.join` redeems it, and `redeem_invite` attaches the new
chat account to the same member. `/kenh` (`/channel`) chooses where reminders go: Telegram, Zalo
or both (`Member.preferred_channel`, which the reminder engine honours).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection

from sqlalchemy import select

from db.models import ChatAccount, Member
from domain.membership import create_invite
from domain.registry import audit
from handlers.forms import Answer, Form, NoData, Step
from handlers.messages import Option, Reply
from handlers.routing import Command, Flow, HelpLine, Router
from handlers.turn import Turn

CHANNELS = ("telegram", "zalo")
PREFERENCES = (*CHANNELS, "all")
LINK_TTL = dt.timedelta(minutes=30)
FLOW = "channel"
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
}


def parse_preference(text: str) -> str | None:
    """ "telegram", "zalo" or "all" from what a user typed (Vietnamese or English), else None."""
    word = " ".join(text.strip().lower().split())
    word = word.removeprefix(CHOICE_PREFIX)
    return _ALIASES.get(word)


def channel_name(turn: Turn, channel: str) -> str:
    """How a channel (or "all") is shown to users."""
    return turn.t(f"zalo.channel.{channel}") if channel in PREFERENCES else channel


def preference_options(turn: Turn) -> list[Option]:
    """The three choices for `/kenh`."""
    return [Option(CHOICE_PREFIX + p, channel_name(turn, p)) for p in PREFERENCES]


async def _accounts(turn: Turn, member: Member) -> list[ChatAccount]:
    rows = await turn.session.execute(
        select(ChatAccount).where(ChatAccount.member_id == member.id).order_by(ChatAccount.id)
    )
    return list(rows.scalars())


def _channels_text(turn: Turn, accounts: Collection[ChatAccount]) -> str:
    names = sorted({a.channel for a in accounts if a.channel in CHANNELS})
    return ", ".join(channel_name(turn, c) for c in names) or turn.t("zalo.channel.none")


async def on_link(turn: Turn) -> list[Reply]:
    """`/lienket`: a one-time code, valid 30 minutes, to use this profile on the other channel."""
    member = turn.member
    if member is None:
        return [*turn.replies, Reply(turn.t("zalo.link.not_member"))]
    new = await create_invite(
        turn.session,
        turn.now,
        role=member.role,
        unit=None,
        ttl=LINK_TTL,
        member=member,
        actor=f"{turn.msg.channel}:{turn.msg.user_id}",
    )
    others = [c for c in CHANNELS if c != turn.msg.channel]
    other = channel_name(turn, others[0]) if len(others) == 1 else turn.t("zalo.link.other_any")
    expires = new.invite.expires_at.astimezone(turn.deps.tz).strftime("%H:%M %d/%m/%Y")
    text = turn.t("zalo.link.code", code=new.code, other=other, expires=expires)
    template = turn.deps.join_links.get(others[0]) if len(others) == 1 else None
    if template and "{code}" in template:
        text += "\n" + turn.t("zalo.link.code_link", link=template.format(code=new.code))
    return [*turn.replies, Reply(text)]


async def on_channel(turn: Turn) -> list[Reply]:
    """`/kenh [telegram|zalo|ca hai]`: set where reminders go, or ask."""
    member = turn.member
    if member is None:
        return [*turn.replies, Reply(turn.t("zalo.link.not_member"))]
    if turn.msg.args:
        return await _set(turn, member, turn.msg.args)
    accounts = await _accounts(turn, member)
    text = turn.t(
        "zalo.channel.current",
        preferred=channel_name(turn, member.preferred_channel),
        channels=_channels_text(turn, accounts),
    )
    return await FORM.ask(turn, "choose", text, preference_options(turn), NoData())


def _preference(answer: Answer) -> str | None:
    """A listed choice (button, number, label) or a channel's word typed."""
    value = answer.choice or answer.text
    return value if value and parse_preference(value) is not None else None


async def _on_choose(turn: Turn, data: NoData, value: str) -> list[Reply]:
    """The answer to the `/kenh` question."""
    del data
    assert turn.member is not None
    return await _set(turn, turn.member, value)


async def _members_only(turn: Turn) -> list[Reply] | None:
    if turn.member is None:
        return await turn.done(turn.t("zalo.link.not_member"))
    return None


FORM: Form[NoData] = Form(
    FLOW, NoData, [Step("choose", _preference, _on_choose)], gate=_members_only, cancel=None
)


async def _set(turn: Turn, member: Member, value: str) -> list[Reply]:
    choice = parse_preference(value)
    if choice is None:
        turn.say(turn.t("zalo.channel.unknown", value=value[:40]))
        if turn.form is not None:
            return turn.repeat()
        return turn.replies
    accounts = await _accounts(turn, member)
    if choice != "all" and not any(a.channel == choice for a in accounts):
        return await turn.done(
            turn.t("zalo.channel.no_account", channel=channel_name(turn, choice))
        )
    old = member.preferred_channel
    member.preferred_channel = choice
    audit(
        turn.session,
        turn.now,
        "update",
        "member",
        member.id,
        actor=f"{turn.msg.channel}:{turn.msg.user_id}",
        actor_member_id=member.id,
        preferred_channel=choice,
        was=old,
    )
    label = channel_name(turn, choice)
    replies = await turn.done(turn.t("zalo.channel.set", preferred=label))
    replies[-1].chosen_label = label
    return replies


router = Router(
    "link",
    commands=(
        Command("link", on_link, vi="lienket"),
        Command("channel", on_channel, vi="kenh"),
    ),
    flows=(Flow(FLOW, FORM),),
    help=(HelpLine("zalo.help.link"), HelpLine("zalo.help.channel")),
)

"""Joining with an invite, help, cancel and language: three routers (join, language, help)."""

from __future__ import annotations

import re
from typing import NewType

from domain.errors import DomainError
from domain.membership import is_office, redeem_invite
from handlers.forms import Answer, Form, NoData, Step, option_key
from handlers.messages import Option, Reply
from handlers.routing import Command, Flow, HelpLine, Router
from handlers.turn import Turn
from locales import SUPPORTED_LOCALES, normalize_locale

# An invite code: 22 URL-safe characters (128 bits), as domain.membership makes them.
CODE_RE = re.compile(r"^[A-Za-z0-9_-]{16,64}$")


InviteCode = NewType("InviteCode", str)


def looks_like_code(text: str) -> bool:
    """True for text that could be an invite code typed on its own."""
    return bool(CODE_RE.match(text.strip()))


def invite_code(answer: Answer) -> InviteCode | None:
    """A stranger's answer read as an invite (or link) code typed on its own, or None."""
    typed = answer.typed
    return InviteCode(typed) if typed is not None and looks_like_code(typed) else None


async def on_start(turn: Turn) -> list[Reply]:
    """`/start [CODE]`: join with a code, or greet / explain how to join."""
    code = turn.msg.args
    if code:
        return await join(turn, code)
    if turn.member is not None:
        return [
            *turn.replies,
            Reply(turn.t("start.welcome_back", unit=_unit_name(turn))),
            *help_replies(turn),
        ]
    return [*turn.replies, Reply(turn.t("start.how_to_join"))]


def _unit_name(turn: Turn) -> str:
    if turn.member is not None and turn.member.unit is not None:
        return turn.member.unit.name
    return turn.t("start.no_unit")


async def join(turn: Turn, code: str) -> list[Reply]:
    """Redeem an invite (or a link code) for this chat account."""
    locale = normalize_locale(turn.msg.language) if turn.member is None else turn.locale
    try:
        member = await redeem_invite(
            turn.session,
            turn.now,
            code=code,
            channel=turn.msg.channel,
            external_id=turn.msg.user_id,
            chat_id=turn.msg.chat_id,
            display_name=turn.msg.display_name,
            locale=locale if turn.member is None else turn.member.locale,
        )
    except DomainError as exc:
        return [*turn.replies, Reply(turn.t(exc.key, **exc.params))]
    turn.member = member
    turn.locale = member.locale
    unit = member.unit.name if member.unit else turn.t("start.no_unit")
    text = turn.t("start.joined", unit=unit, role=turn.t(f"role.{member.role.value}"))
    return [*turn.replies, Reply(text), *help_replies(turn)]


def help_replies(turn: Turn) -> list[Reply]:
    """The command list for this member's role: every router's help lines, in root order."""
    office = turn.member is not None and is_office(turn.member)
    lines = [turn.t("help.head"), *(turn.t(key) for key in turn.routes.help_keys(office))]
    return [Reply("\n".join(lines))]


async def on_help(turn: Turn) -> list[Reply]:
    """`/help`."""
    if turn.member is None:
        return [Reply(turn.t("start.how_to_join"))]
    return help_replies(turn)


async def on_cancel(turn: Turn) -> list[Reply]:
    """`/cancel`: end the form in progress, if any."""
    had_form = turn.in_form
    return await turn.done(turn.t("form.cancelled" if had_form else "form.nothing_to_cancel"))


async def on_language(turn: Turn) -> list[Reply]:
    """`/language [vi|en]`: switch the member's language."""
    wanted = turn.msg.args.lower()[:2]
    if wanted in SUPPORTED_LOCALES:
        return await set_language(turn, wanted)
    options = [Option(f"lang:{code}", turn.t(f"language.{code}")) for code in SUPPORTED_LOCALES]
    return await LANGUAGE_FORM.ask(turn, "choose", turn.t("language.choose"), options, NoData())


async def set_language(turn: Turn, code: str) -> list[Reply]:
    """Store the language and confirm in it."""
    if turn.member is not None:
        turn.member.locale = code
    turn.locale = code
    return await turn.done(turn.t("language.set"))


async def _on_language(turn: Turn, data: NoData, code: str) -> list[Reply]:
    del data
    return await set_language(turn, code)


LANGUAGE_FORM: Form[NoData] = Form(
    "language",
    NoData,
    [Step("choose", option_key("lang:", lambda code: code in SUPPORTED_LOCALES), _on_language)],
    cancel=None,
)


join_router = Router(
    "join",
    commands=(Command("start", on_start, vi="start", open=True),),
)
language_router = Router(
    "language",
    commands=(Command("language", on_language, vi="ngonngu", open=True, menu="all"),),
    flows=(Flow("language", LANGUAGE_FORM, open=True),),
    help=(HelpLine("help.language"),),
)
help_router = Router(
    "help",
    commands=(
        Command("cancel", on_cancel, vi="huy", sees_form=True, open=True, menu="all"),
        Command("help", on_help, vi="trogiup", keeps_form=True, open=True, menu="all"),
    ),
    help=(HelpLine("help.cancel"), HelpLine("help.help")),
)

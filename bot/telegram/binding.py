"""The Telegram binding: PTB updates in, `Conversations.handle` in the middle, replies out.

No business rules here: who may do what is decided by the conversations and the domain. The
binding renders choices as buttons and closes them once answered, keeps one user's updates in
order, lets the office register a group for digests, sets the command menus, and reports
errors to the user without ever logging the token.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable
from typing import Any, Protocol

from sqlalchemy import select
from telegram import (
    BotCommand,
    BotCommandScopeChat,
    BotCommandScopeDefault,
    Message,
    Update,
)
from telegram.error import BadRequest, Forbidden, TelegramError
from telegram.ext import Application, BaseUpdateProcessor, ContextTypes, TypeHandler

from bot.telegram.outbound import TelegramOutbound
from bot.telegram.render import (
    CHANNEL,
    DondocBot,
    chosen_text,
    incoming_choice,
    incoming_message,
    pressed_label,
    update_user_key,
)
from db.models import ChatAccount, KeyValue, Member
from domain.deps import Deps
from domain.errors import DomainError
from domain.groups import register_group, unregister_group
from domain.membership import OFFICE_ROLES, account_member, is_office
from handlers.messages import Incoming, RecipientUnreachable, Reply
from handlers.root import ROUTES
from locales import normalize_locale, t

log = logging.getLogger(__name__)

# Menus shown by Telegram next to the text box: the commands the routers list in it (see
# handlers/root.py), described by the catalogs' `telegram.cmd_<name>`.
USER_COMMANDS = tuple(ROUTES.menu("all"))
OFFICE_COMMANDS = tuple(ROUTES.menu("office"))
REGISTER_GROUP = frozenset({"register_group", "dangkynhom"})
UNREGISTER_GROUP = frozenset({"unregister_group", "huynhom"})
JOIN_LINK_KEY = f"join_link:{CHANNEL}"


class Conversations(Protocol):
    """What the binding needs from `handlers.router.Conversations`."""

    async def handle(self, msg: Incoming) -> list[Reply]:
        """Answer one incoming message."""
        ...


class PerUserProcessor(BaseUpdateProcessor):
    """Handles updates of different users concurrently and each user's updates in order.

    (PTB takes a concurrency slot before `do_process_update`, so a user's backlog waits
    holding slots; the limit is sized well above what one user sends at once.)
    """

    def __init__(self, max_concurrent_updates: int = 64) -> None:
        super().__init__(max_concurrent_updates)
        self._locks: dict[str, asyncio.Lock] = {}
        self._waiting: dict[str, int] = {}

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        """Run the handler coroutine once the user's previous updates are done."""
        key = update_user_key(update)
        lock = self._locks.setdefault(key, asyncio.Lock())
        self._waiting[key] = self._waiting.get(key, 0) + 1
        try:
            async with lock:
                await coroutine
        finally:
            self._waiting[key] -= 1
            if not self._waiting[key]:
                del self._waiting[key]
                self._locks.pop(key, None)

    async def initialize(self) -> None:
        """Nothing to open."""

    async def shutdown(self) -> None:
        """Nothing to close."""


class TelegramBinding:
    """Wires an `Application` to the conversations."""

    def __init__(
        self,
        application: Application[Any, Any, Any, Any, Any, Any],
        deps: Deps,
        conversations: Conversations,
    ) -> None:
        if not isinstance(application.bot, DondocBot):
            raise TypeError("the application's bot must be a DondocBot (see build_application)")
        self.application = application
        self.bot: DondocBot = application.bot
        self.deps = deps
        self.conversations = conversations
        self.outbound = TelegramOutbound(self.bot, deps)
        self.username = ""
        # chat id -> the message whose keyboard is still open (the question being asked).
        self.open_keyboards: dict[str, int] = {}
        application.add_handler(TypeHandler(Update, self.on_update))
        application.add_error_handler(self.on_error)

    # ---- start-up facts ---------------------------------------------------------------------

    @property
    def bot_link(self) -> str:
        """Link to a private chat with the bot."""
        return f"https://t.me/{self.username}"

    async def remember_join_link(self) -> None:
        """Store the deep-link template so `dondoc invite create` prints a Telegram link."""
        self.username = self.application.bot.username
        template = f"{self.bot_link}?start={{code}}"
        async with self.deps.db.transaction() as session:
            row = await session.get(KeyValue, JOIN_LINK_KEY)
            if row is None:
                session.add(KeyValue(key=JOIN_LINK_KEY, value=template))
            else:
                row.value = template
        self.deps.join_links[CHANNEL] = template

    @staticmethod
    def _commands(names: tuple[str, ...], locale: str) -> list[BotCommand]:
        return [BotCommand(name, t(f"telegram.cmd_{name}", locale)) for name in names]

    async def set_menus(self) -> None:
        """Command menus in both languages, and the office menu in each coordinator's chat."""
        bot = self.application.bot
        await bot.set_my_commands(
            self._commands(USER_COMMANDS, self.deps.default_locale), scope=BotCommandScopeDefault()
        )
        for locale in ("vi", "en"):
            await bot.set_my_commands(
                self._commands(USER_COMMANDS, locale),
                scope=BotCommandScopeDefault(),
                language_code=locale,
            )
        async with self.deps.db.read() as session:
            rows = await session.execute(
                select(ChatAccount.chat_id, Member.locale)
                .join(Member, Member.id == ChatAccount.member_id)
                .where(
                    ChatAccount.channel == CHANNEL,
                    Member.role.in_(OFFICE_ROLES),
                    Member.active.is_(True),
                    ChatAccount.unreachable_since.is_(None),
                )
            )
            office = [(row[0], row[1]) for row in rows]
        for chat_id, locale in office:
            await self.set_office_menu(chat_id, locale)

    async def set_office_menu(self, chat_id: str, locale: str) -> None:
        """The coordinators' menu (with /status) in one chat."""
        try:
            await self.application.bot.set_my_commands(
                self._commands(OFFICE_COMMANDS, normalize_locale(locale)),
                scope=BotCommandScopeChat(int(chat_id)),
            )
        except (BadRequest, Forbidden) as exc:
            log.warning("telegram: no office menu for chat %s: %s", chat_id, exc)

    # ---- updates ----------------------------------------------------------------------------

    def _locale(self, language: str | None) -> str:
        return normalize_locale(language) if language else self.deps.default_locale

    async def on_update(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Every update enters here."""
        if update.callback_query is not None:
            await self.on_button(update)
        elif update.message is not None and update.message.from_user is not None:
            if update.message.chat.type == "private":
                await self.on_private_message(update.message, update.update_id)
            else:
                await self.on_group_message(update.message)

    async def _reply(self, chat_id: str, replies: list[Reply]) -> None:
        """Answer in a chat; the keyboard of the question answered by typing is closed first,
        so the chat does not fill with dead buttons."""
        if not replies:
            return
        previous = self.open_keyboards.pop(chat_id, None)
        if previous is not None:
            try:
                await self.bot.close_keyboard(chat_id, previous)
            except BadRequest as exc:  # already closed, or too old
                log.debug("telegram: keyboard %s not closed: %s", previous, exc)
            except Forbidden:
                pass
        # A 403 marks the chat unreachable; there is nothing more to say to it.
        with contextlib.suppress(RecipientUnreachable):
            sent = await self.outbound.send_all(chat_id, replies)
            if sent is not None:
                self.open_keyboards[chat_id] = sent
        if len(self.open_keyboards) > 50_000:
            self.open_keyboards.clear()

    async def on_private_message(self, message: Message, update_id: int | None = None) -> None:
        """Text, commands, documents and photos in a private chat."""
        assert message.from_user is not None
        # Files go to the conversations as they are: the report form's evidence step refuses
        # those too big or of the wrong type and asks again.
        incoming = incoming_message(self.application.bot, message, message.from_user, update_id)
        replies = await self.conversations.handle(incoming)
        await self._reply(incoming.chat_id, replies)
        if incoming.command == "start" and incoming.args:
            await self._after_join(incoming)

    async def _after_join(self, incoming: Incoming) -> None:
        async with self.deps.db.read() as session:
            found = await account_member(session, CHANNEL, incoming.user_id)
        if found is not None and is_office(found[1]):
            await self.set_office_menu(incoming.chat_id, found[1].locale)

    async def on_button(self, update: Update) -> None:
        """A pressed inline button: answer it, mark the choice on its message, then reply."""
        query = update.callback_query
        assert query is not None
        try:
            await query.answer()
        except BadRequest as exc:  # too old to answer: the press itself still counts
            log.info("telegram: callback not answered: %s", exc)
        incoming = incoming_choice(query, update.update_id)
        if incoming.is_group:
            return
        label = pressed_label(query)
        replies = await self.conversations.handle(incoming)
        label = next((r.chosen_label for r in replies if r.chosen_label), None) or label
        await self._close_keyboard(query.message, label)
        pressed_on = query.message.message_id if isinstance(query.message, Message) else None
        if pressed_on is not None and self.open_keyboards.get(incoming.chat_id) == pressed_on:
            del self.open_keyboards[incoming.chat_id]
        await self._reply(incoming.chat_id, replies)

    async def _close_keyboard(self, message: object, label: str | None) -> None:
        if not isinstance(message, Message):
            return
        text = chosen_text(message.text, label) if label and message.text is not None else None
        try:
            await self.bot.close_keyboard(message.chat.id, message.message_id, text)
        except BadRequest as exc:  # already edited, or too old to edit
            log.info("telegram: keyboard not removed: %s", exc)

    async def on_group_message(self, message: Message) -> None:
        """Groups: the office registers them for digests; other commands go to the
        conversations, which answer with a pointer to the private chat (no forms in groups)."""
        assert message.from_user is not None
        incoming = incoming_message(self.application.bot, message, message.from_user)
        command = incoming.command
        if command is None:
            return
        target = message.text.split(maxsplit=1)[0] if message.text else ""
        if "@" in target and target.split("@", 1)[1].lower() != self.username.lower():
            return  # addressed to another bot
        if command in REGISTER_GROUP or command in UNREGISTER_GROUP:
            text = await self._group_registration(incoming, message, command in REGISTER_GROUP)
            await self._reply(incoming.chat_id, [Reply(text)])
        else:
            await self._reply(incoming.chat_id, await self.conversations.handle(incoming))

    async def _group_registration(self, incoming: Incoming, message: Message, add: bool) -> str:
        now = self.deps.now()
        title = message.chat.title
        async with self.deps.db.transaction() as session:
            found = await account_member(session, CHANNEL, incoming.user_id)
            if found is None:
                return t("groups.not_allowed", self._locale(incoming.language))
            member = found[1]
            try:
                if add:
                    _, created = await register_group(
                        session,
                        now,
                        channel=CHANNEL,
                        chat_id=incoming.chat_id,
                        title=title,
                        member=member,
                    )
                    key = "groups.registered" if created else "groups.already_registered"
                else:
                    removed = await unregister_group(
                        session, now, channel=CHANNEL, chat_id=incoming.chat_id, member=member
                    )
                    key = "groups.unregistered" if removed else "groups.not_registered"
            except DomainError as exc:
                return t(exc.key, member.locale, **exc.params)
            return t(key, member.locale, title=title or incoming.chat_id)

    # ---- errors -----------------------------------------------------------------------------

    async def on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Log the update id and the exception; tell the user something went wrong."""
        error = context.error
        update_id = update.update_id if isinstance(update, Update) else None
        log.error(
            "telegram update %s failed: %s: %s",
            update_id,
            type(error).__name__,
            error,
            exc_info=error,
        )
        if not isinstance(update, Update) or update.effective_chat is None:
            return
        chat = update.effective_chat
        if chat.type != "private" or isinstance(error, Forbidden):
            return
        user = update.effective_user
        locale = self._locale(user.language_code if user else None)
        try:
            await self.application.bot.send_message(chat.id, t("telegram.error", locale))
        except TelegramError as exc:
            log.warning("telegram: could not tell chat %s about the error: %s", chat.id, exc)

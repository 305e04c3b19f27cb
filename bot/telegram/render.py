"""Neutral replies -> Telegram messages; Telegram updates -> neutral incoming messages."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from telegram import (
    Bot,
    CallbackQuery,
    Message,
    Update,
    User,
)
from telegram.error import BadRequest, NetworkError
from telegram.ext import ExtBot

from bot.retrying import RetryPolicy
from handlers.messages import Incoming, IncomingFile, Option, Reply, split_text

log = logging.getLogger(__name__)

CHANNEL = "telegram"
TEXT_LIMIT = 4000  # below Telegram's 4096, leaving room for the chosen label on edits
CAPTION_LIMIT = 1024
CALLBACK_DATA_BYTES = 64


def callback_data(option: Option) -> str:
    """The option's value as callback data; refuses anything over Telegram's 64 bytes."""
    data = option.value
    if len(data.encode("utf-8")) > CALLBACK_DATA_BYTES:
        raise ValueError(f"callback_data over {CALLBACK_DATA_BYTES} bytes: {data!r}")
    return data


def keyboard_json(options: list[Option]) -> dict[str, Any] | None:
    """An inline keyboard as the Bot API's JSON, one button a row (Vietnamese labels are long);
    None without options."""
    if not options:
        return None
    rows = [[{"text": o.label[:200], "callback_data": callback_data(o)}] for o in options]
    return {"inline_keyboard": rows}


class DondocBot(ExtBot[None]):
    """PTB's bot, plus raw calls for the messages a conversation sends at every step.

    Their answers are read as the Bot API's JSON (a message id at most) instead of being
    parsed into `Message` objects, and keyboards are sent as JSON without building PTB's
    button objects: together that was a quarter of the CPU the binding spent per update. The
    calls go through the same request, rate limiter, retries and error mapping as any other.
    """

    async def call(self, method: str, params: dict[str, Any]) -> Any:
        """One Bot API call; returns the JSON result."""
        return await self._post(method, {k: v for k, v in params.items() if v is not None})

    async def send_text(
        self, chat_id: str | int, text: str, markup: dict[str, Any] | None = None
    ) -> int:
        """sendMessage with plain text (no parse mode); returns the message id."""
        result = await self.call(
            "sendMessage", {"chat_id": chat_id, "text": text, "reply_markup": markup}
        )
        return int(result["message_id"])

    async def close_keyboard(
        self, chat_id: str | int, message_id: int, new_text: str | None = None
    ) -> None:
        """Remove a message's keyboard, replacing its text when `new_text` is given."""
        if new_text is None:
            await self.call(
                "editMessageReplyMarkup", {"chat_id": chat_id, "message_id": message_id}
            )
        else:
            params = {"chat_id": chat_id, "message_id": message_id, "text": new_text}
            await self.call("editMessageText", params)


def pressed_label(query: CallbackQuery) -> str | None:
    """The label of the button that was pressed, read from the message's keyboard."""
    message = query.message
    markup = message.reply_markup if isinstance(message, Message) else None
    if markup is None:
        return None
    for row in markup.inline_keyboard:
        for button in row:
            if button.callback_data == query.data:
                return button.text
    return None


def chosen_text(original: str, label: str) -> str:
    """The text of a message once one of its buttons was pressed."""
    text = f"{original}\n\n✅ {label}" if original else f"✅ {label}"
    return text if len(text) <= 4096 else text[:4095] + "…"


async def send_reply(bot: DondocBot, chat_id: str, reply: Reply) -> int | None:
    """Send one neutral reply: text (split below 4096, keyboard on the last part), then file.

    Text goes out plain (no parse_mode), so nothing a user typed can be taken as markup.
    Returns the id of the message that carries the keyboard, if any.
    """
    return (await send_reply_ids(bot, chat_id, reply))[0]


async def send_reply_ids(bot: DondocBot, chat_id: str, reply: Reply) -> tuple[int | None, int]:
    """`send_reply`, returning (id of the message with the keyboard, id of the last text)."""
    chunks = split_text(reply.text, TEXT_LIMIT) if reply.text.strip() else []
    markup = keyboard_json(reply.options)
    if markup is not None and not chunks:
        chunks = ["…"]
    caption: str | None = None
    if (
        reply.file is not None
        and markup is None
        and len(chunks) == 1
        and len(chunks[0]) <= CAPTION_LIMIT
    ):
        caption = chunks.pop()
    with_keyboard: int | None = None
    sent = 0
    for i, chunk in enumerate(chunks):
        last = i == len(chunks) - 1
        sent = await bot.send_text(chat_id, chunk, markup if last else None)
        if last and markup is not None:
            with_keyboard = sent
    if reply.file is None:
        return with_keyboard, sent
    content = await asyncio.to_thread(reply.file.path.read_bytes)
    if reply.file.is_image:
        message = await bot.send_photo(
            chat_id, content, caption=caption, filename=reply.file.filename
        )
    else:
        message = await bot.send_document(
            chat_id, content, caption=caption, filename=reply.file.filename
        )
    return with_keyboard, message.message_id


def _downloader(bot: Bot, file_id: str, attempts: int = 3) -> Callable[[], Awaitable[bytes]]:
    policy = RetryPolicy(attempts=attempts, base_delay=0.5, max_delay=5.0)

    def retryable(exc: BaseException) -> bool:
        return isinstance(exc, NetworkError) and not isinstance(exc, BadRequest)

    async def once() -> bytes:
        tg_file = await bot.get_file(file_id)
        return bytes(await tg_file.download_as_bytearray())

    async def fetch() -> bytes:
        return await policy.call(once, retryable)

    return fetch


def incoming_file(bot: Bot, message: Message) -> IncomingFile | None:
    """A document or photo in a message, downloadable on demand."""
    if message.document is not None:
        doc = message.document
        return IncomingFile(
            name=doc.file_name or "",
            size=doc.file_size,
            mime_type=doc.mime_type,
            fetch=_downloader(bot, doc.file_id),
            kind="document",
        )
    if message.photo:
        photo = max(message.photo, key=lambda p: (p.file_size or 0, p.width * p.height))
        return IncomingFile(
            name=f"photo_{photo.file_unique_id}.jpg",
            size=photo.file_size,
            mime_type="image/jpeg",
            fetch=_downloader(bot, photo.file_id),
            kind="photo",
        )
    return None


def _unsupported_kind(message: Message) -> str:
    for kind in ("sticker", "voice", "audio", "video", "video_note", "animation", "location"):
        if getattr(message, kind, None):
            return kind
    if message.contact:
        return "contact"
    return "other"


def _display_name(user: User) -> str:
    return user.full_name or (user.username or str(user.id))


def incoming_message(
    bot: Bot, message: Message, user: User, update_id: int | None = None
) -> Incoming:
    """A private or group message as a neutral incoming message."""
    file = incoming_file(bot, message)
    text = message.text or ""
    unsupported = None
    if not text and file is None:
        unsupported = _unsupported_kind(message)
    return Incoming(
        channel=CHANNEL,
        user_id=str(user.id),
        chat_id=str(message.chat.id),
        text=text or (message.caption or ""),
        file=file,
        display_name=_display_name(user),
        language=user.language_code,
        is_group=message.chat.type != "private",
        unsupported=unsupported,
        update_seq=update_id,
        update_key=None if update_id is None else str(update_id),
    )


def incoming_choice(query: CallbackQuery, update_id: int | None = None) -> Incoming:
    """A button press as a neutral incoming message."""
    message = query.message
    chat_id = str(message.chat.id) if message is not None else str(query.from_user.id)
    chat_type = message.chat.type if message is not None else "private"
    return Incoming(
        channel=CHANNEL,
        user_id=str(query.from_user.id),
        chat_id=chat_id,
        choice=query.data or "",
        display_name=_display_name(query.from_user),
        language=query.from_user.language_code,
        is_group=chat_type != "private",
        update_seq=update_id,
        update_key=None if update_id is None else str(update_id),
    )


def update_user_key(update: object) -> str:
    """Who an update comes from, to run one user's updates in order."""
    if isinstance(update, Update):
        if update.effective_user is not None:
            return f"u{update.effective_user.id}"
        if update.effective_chat is not None:
            return f"c{update.effective_chat.id}"
    return "none"

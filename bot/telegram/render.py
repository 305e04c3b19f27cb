"""Neutral replies -> Telegram messages; Telegram updates -> neutral incoming messages."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from telegram import (
    Bot,
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    Update,
    User,
)
from telegram.error import BadRequest, NetworkError

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


def keyboard(options: list[Option]) -> InlineKeyboardMarkup | None:
    """One button a row (Vietnamese labels are long); None without options."""
    if not options:
        return None
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(o.label[:200], callback_data=callback_data(o))] for o in options]
    )


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


async def send_reply(bot: Bot, chat_id: str, reply: Reply) -> Message | None:
    """Send one neutral reply: text (split below 4096, keyboard on the last part), then file.

    Text goes out plain (no parse_mode), so nothing a user typed can be taken as markup.
    Returns the message that carries the keyboard, if any.
    """
    chunks = split_text(reply.text, TEXT_LIMIT) if reply.text.strip() else []
    markup = keyboard(reply.options)
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
    with_keyboard: Message | None = None
    for i, chunk in enumerate(chunks):
        last = i == len(chunks) - 1
        sent = await bot.send_message(chat_id, chunk, reply_markup=markup if last else None)
        if last and markup is not None:
            with_keyboard = sent
    if reply.file is None:
        return with_keyboard
    content = await asyncio.to_thread(reply.file.path.read_bytes)
    if reply.file.is_image:
        await bot.send_photo(chat_id, content, caption=caption, filename=reply.file.filename)
    else:
        await bot.send_document(chat_id, content, caption=caption, filename=reply.file.filename)
    return with_keyboard


def _downloader(bot: Bot, file_id: str, attempts: int = 3) -> Callable[[], Awaitable[bytes]]:
    async def fetch() -> bytes:
        for attempt in range(1, attempts + 1):
            try:
                tg_file = await bot.get_file(file_id)
                return bytes(await tg_file.download_as_bytearray())
            except BadRequest:
                raise
            except NetworkError:
                if attempt == attempts:
                    raise
                await asyncio.sleep(0.5 * attempt)
        raise AssertionError("unreachable")

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


def incoming_message(bot: Bot, message: Message, user: User) -> Incoming:
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
    )


def incoming_choice(query: CallbackQuery) -> Incoming:
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
    )


def update_user_key(update: object) -> str:
    """Who an update comes from, to run one user's updates in order."""
    if isinstance(update, Update):
        if update.effective_user is not None:
            return f"u{update.effective_user.id}"
        if update.effective_chat is not None:
            return f"c{update.effective_chat.id}"
    return "none"

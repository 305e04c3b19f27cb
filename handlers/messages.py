"""Neutral incoming messages and replies exchanged between channel bindings and the flows."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

# Longest text a user may type into a form field.
MAX_TEXT = 3500


@dataclass(frozen=True)
class IncomingFile:
    """A file the user sent; `fetch` downloads its bytes on demand."""

    name: str
    size: int | None
    mime_type: str | None
    fetch: Callable[[], Awaitable[bytes]]
    kind: Literal["document", "photo"] = "document"


@dataclass(frozen=True)
class Incoming:
    """What a user did, in channel-neutral terms."""

    channel: str  # "telegram" | "zalo" | "console"
    user_id: str  # the user's id on that channel
    chat_id: str  # where replies go
    text: str = ""
    choice: str | None = None  # an option's value chosen with a button
    file: IncomingFile | None = None
    display_name: str | None = None
    language: str | None = None  # the client's language code, if the channel tells
    is_group: bool = False
    unsupported: str | None = None  # a kind of message the channel cannot carry (sticker…)
    # The channel's order and identity of the update (Telegram update_id; Zalo message date in
    # ms and message id): a redelivered or older update than one handled changes nothing.
    update_seq: int | None = None
    update_key: str | None = None

    @property
    def command(self) -> str | None:
        """The command word without "/" and any "@botname", lower-cased; None for plain text."""
        text = self.text.strip()
        if not text.startswith("/") or len(text) < 2:
            return None
        word = text[1:].split(maxsplit=1)[0]
        return word.split("@", 1)[0].lower()

    @property
    def args(self) -> str:
        """Text after the command word."""
        parts = self.text.strip().split(maxsplit=1)
        return parts[1].strip() if len(parts) > 1 else ""


@dataclass(frozen=True)
class Option:
    """A choice offered to the user; `value` is ASCII and at most 60 bytes."""

    value: str
    label: str

    def __post_init__(self) -> None:
        if not self.value.isascii() or len(self.value) > 60:
            raise ValueError(f"option value must be ASCII and short: {self.value!r}")


@dataclass(frozen=True)
class OutgoingFile:
    """A file sent to the user (an export, a chart)."""

    path: Path
    filename: str
    mime_type: str
    is_image: bool = False


@dataclass
class Reply:
    """One message back to the user: text, optional choices, optional file.

    Text is plain (no markup); bindings escape it if they send with formatting.
    """

    text: str
    options: list[Option] = field(default_factory=list)
    file: OutgoingFile | None = None
    # Set by a flow when a button press was answered: the label to show in place of the keyboard.
    chosen_label: str | None = None


def render_numbered(reply: Reply) -> str:
    """Text with the options as a numbered list, for channels without buttons."""
    if not reply.options:
        return reply.text
    lines = [reply.text, ""]
    lines.extend(f"{i}. {opt.label}" for i, opt in enumerate(reply.options, 1))
    return "\n".join(lines)


def split_text(text: str, limit: int) -> list[str]:
    """Split text into chunks of at most `limit` characters, on line boundaries where possible."""
    if len(text) <= limit:
        return [text]
    chunks: list[str] = []
    current = ""
    for line in text.splitlines(keepends=True):
        while len(line) > limit:
            if current:
                chunks.append(current)
                current = ""
            cut = line.rfind(" ", 0, limit)
            cut = cut if cut > limit // 2 else limit
            chunks.append(line[:cut])
            line = line[cut:].lstrip(" ")
        if len(current) + len(line) > limit:
            chunks.append(current)
            current = ""
        current += line
    if current:
        chunks.append(current)
    return [c.rstrip("\n") for c in chunks if c.strip()]


class SendError(Exception):
    """Sending a message failed."""


class RecipientUnreachable(SendError):
    """The user blocked the bot or never started it (Telegram 403); do not retry."""


class RetryLater(SendError):
    """Rate limited or a transient failure; retry after `retry_after` seconds."""

    def __init__(self, message: str, retry_after: float = 1.0) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class OutcomeUnknown(SendError):
    """The send timed out after the request went out: the message may have been delivered."""

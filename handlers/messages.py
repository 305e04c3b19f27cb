"""Neutral incoming messages and replies exchanged between channel bindings and the flows."""

from __future__ import annotations

import re
import string
import unicodedata
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

# Longest text a user may type into a form field.
MAX_TEXT = 3500

# Invisible characters that reorder or hide text (bidirectional embeddings, overrides and
# isolates, directional marks, the byte-order mark): dropped from everything a user types.
_HIDDEN = dict.fromkeys(
    [*range(0x202A, 0x202F), *range(0x2066, 0x206A), 0x200E, 0x200F, 0x061C, 0xFEFF]
)
_KEEP_CONTROLS = {"\n"}


def clean_text(text: str) -> str:
    """Typed text as it may be stored: NFC, no control or bidi-override characters.

    Line breaks are kept (CR LF and CR become LF), tabs become spaces, lone surrogates go.
    """
    if text.isascii() and text.isprintable():
        return text
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\t", " ")
    text = text.translate(_HIDDEN)
    kept = (
        ch for ch in text if ch in _KEEP_CONTROLS or unicodedata.category(ch) not in ("Cc", "Cs")
    )
    return unicodedata.normalize("NFC", "".join(kept))


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

    def __post_init__(self) -> None:
        # Every channel's text is cleaned once, here, before any flow reads or stores it.
        object.__setattr__(self, "text", clean_text(self.text))
        if self.display_name is not None:
            object.__setattr__(self, "display_name", clean_text(self.display_name).strip())

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
    """A choice offered to the user; `value` is ASCII and at most 60 bytes.

    `key` is what the user types to pick the option where choices are listed as text (Zalo,
    the terminal), shown in front of the label: None for the default marker (the option's
    position, or a letter when other options carry their own key), a task's own ref, or ""
    for none (the option is picked by typing its label, e.g. "50%" where a free number is
    asked). See `option_markers`.
    """

    value: str
    label: str
    key: str | None = None

    def __post_init__(self) -> None:
        if not self.value.isascii() or len(self.value) > 60:
            raise ValueError(f"option value must be ASCII and short: {self.value!r}")
        if self.key is not None and (len(self.key) > 30 or self.key != self.key.strip()):
            raise ValueError(f"option key must be short and trimmed: {self.key!r}")


def option_markers(options: list[Option]) -> list[str]:
    """The marker shown in front of each option and accepted when typed ("" for none).

    Options without a key are numbered 1, 2, … unless another option has a key of its own
    (a task ref, or "" where a free number is asked): then they get letters a, b, … that no
    key uses, so that what is typed can only mean one thing.
    """
    if all(o.key is None for o in options):
        return [str(i) for i in range(1, len(options) + 1)]
    taken = {o.key.casefold() for o in options if o.key}
    letters = iter(c for c in string.ascii_lowercase if c not in taken)
    return [o.key if o.key is not None else next(letters, "") for o in options]


def _fold(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).split()).casefold()


def typed_option(options: list[Option], text: str) -> Option | None:
    """The option a typed answer picks: its marker ("24", "a", "b.") or its whole label."""
    folded = _fold(text)
    if not folded:
        return None
    bare = folded.rstrip(".)").strip()
    for marker, option in zip(option_markers(options), options, strict=True):
        if marker and marker.casefold() == bare:
            return option
    for option in options:
        if _fold(option.label) == folded:
            return option
    return None


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
    """Text with the options listed after their markers, for channels without buttons.

    A label that already names its marker after a state mark ("⬜ 24. Title" for task 24) is
    shown once, marker first ("24. ⬜ Title"); an option without a marker gets a bullet.
    """
    if not reply.options:
        return reply.text
    lines = [reply.text, ""]
    for marker, opt in zip(option_markers(reply.options), reply.options, strict=True):
        if not marker:
            lines.append(f"• {opt.label}")
            continue
        named = re.match(rf"^(\W*?)\s*{re.escape(marker)}\.\s+(.*)$", opt.label, re.S)
        label = f"{named.group(1)} {named.group(2)}".strip() if named else opt.label
        lines.append(f"{marker}. {label}")
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

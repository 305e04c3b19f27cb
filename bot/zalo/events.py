"""Zalo events (from getUpdates or the webhook) parsed into a small typed record."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

TEXT = "message.text.received"
IMAGE = "message.image.received"
STICKER = "message.sticker.received"
UNSUPPORTED = "message.unsupported.received"


@dataclass(frozen=True)
class ZaloEvent:
    """The parts of an event the binding uses; ids are strings, `date_ms` in milliseconds."""

    name: str
    message_id: str
    user_id: str
    chat_id: str
    is_group: bool
    display_name: str | None
    text: str
    photo_url: str | None
    date_ms: int | None


def _str(value: Any) -> str:
    return str(value) if isinstance(value, str | int) and not isinstance(value, bool) else ""


def _photo_url(msg: Mapping[str, Any]) -> str | None:
    for key in ("photo_url", "photo", "url", "image_url"):
        value = msg.get(key)
        if isinstance(value, str) and value.startswith(("http://", "https://")):
            return value
    attachments = msg.get("attachments")
    if isinstance(attachments, list):
        for item in attachments:
            payload = item.get("payload") if isinstance(item, Mapping) else None
            url = payload.get("url") if isinstance(payload, Mapping) else None
            if isinstance(url, str) and url.startswith(("http://", "https://")):
                return url
    return None


def unwrap(body: Any) -> Mapping[str, Any] | None:
    """The event from a body that is either bare or wrapped in `{ok, result}`."""
    if not isinstance(body, Mapping):
        return None
    if "result" in body and "event_name" not in body:
        inner = body.get("result")
        return inner if isinstance(inner, Mapping) else None
    return body


def parse_event(raw: Mapping[str, Any]) -> ZaloEvent | None:
    """A ZaloEvent, or None when the body is not a message event we can answer."""
    msg = raw.get("message")
    if not isinstance(msg, Mapping):
        return None
    sender_raw, chat_raw = msg.get("from"), msg.get("chat")
    sender: Mapping[str, Any] = sender_raw if isinstance(sender_raw, Mapping) else {}
    chat: Mapping[str, Any] = chat_raw if isinstance(chat_raw, Mapping) else {}
    user_id = _str(sender.get("id"))
    chat_id = _str(chat.get("id")) or user_id
    if not user_id:
        return None
    name = _str(raw.get("event_name"))
    photo = _photo_url(msg)
    if not name:  # older payloads carry no event name: infer it
        name = IMAGE if photo else TEXT if isinstance(msg.get("text"), str) else UNSUPPORTED
    display = sender.get("display_name") or sender.get("first_name") or sender.get("name")
    text = msg.get("text") if isinstance(msg.get("text"), str) else msg.get("caption")
    date = msg.get("date")
    return ZaloEvent(
        name=name,
        message_id=_str(msg.get("message_id")),
        user_id=user_id,
        chat_id=chat_id,
        is_group=str(chat.get("chat_type", "")).upper() == "GROUP",
        display_name=display if isinstance(display, str) and display else None,
        text=text if isinstance(text, str) else "",
        photo_url=photo,
        date_ms=int(date) if isinstance(date, int | float) and not isinstance(date, bool) else None,
    )

"""What the core needs from a channel to send unprompted messages (reminders, digests)."""

from __future__ import annotations

from typing import Protocol

from handlers.messages import Reply


class Outbound(Protocol):
    """A channel that can deliver a reply to a chat id.

    `send` raises `RecipientUnreachable` (blocked, never started), `RetryLater` (rate limited,
    transient), `OutcomeUnknown` (timed out after sending: may have arrived) or `SendError`,
    and returns the id of the (last) message sent when the channel tells it. A channel may also
    offer `async reserve(chat_id)`: wait for the flood budget of the next `send` to that chat.
    """

    channel: str

    async def send(self, chat_id: str, reply: Reply) -> str | int | None:
        """Deliver one reply."""
        ...

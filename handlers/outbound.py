"""What the core needs from a channel to send unprompted messages (reminders, digests)."""

from __future__ import annotations

from typing import Protocol

from handlers.messages import Reply


class Outbound(Protocol):
    """A channel that can deliver a reply to a chat id.

    `send` retries rate limits and transient errors itself within reason and raises
    `RecipientUnreachable` (blocked, never started) or `SendError` when it gives up.
    """

    channel: str

    async def send(self, chat_id: str, reply: Reply) -> None:
        """Deliver one reply."""
        ...

"""`handlers.outbound.Outbound` on Telegram: what reminders and digests send through."""

from __future__ import annotations

import logging

from telegram.error import Forbidden, RetryAfter, TelegramError

from bot.telegram.ratelimit import Limiter, outcome_unknown, prepaid, retry_after_seconds
from bot.telegram.render import CHANNEL, DondocBot, send_reply_ids
from domain.deps import Deps
from domain.membership import mark_unreachable
from handlers.messages import OutcomeUnknown, RecipientUnreachable, Reply, RetryLater, SendError

log = logging.getLogger(__name__)


class TelegramOutbound:
    """Sends neutral replies to Telegram chats.

    Flood limits, 429 and network errors are retried by the bot's limiter
    (`bot.telegram.ratelimit.Limiter`); what is still failing after that is raised as
    `RetryLater` or `SendError`. A 403 (blocked, never started) marks the chat's accounts
    unreachable and raises `RecipientUnreachable`. A message send that timed out is not
    repeated here, nor one whose connection broke after the request left: it may have
    arrived, so it is raised as `OutcomeUnknown` for the caller
    (the reminder engine records it) to decide.
    """

    channel = CHANNEL

    def __init__(self, bot: DondocBot, deps: Deps) -> None:
        self.bot = bot
        self.deps = deps

    async def reserve(self, chat_id: str) -> None:
        """Wait for the flood budget of the next message to `chat_id` sent from this task."""
        limiter = self.bot.rate_limiter
        if isinstance(limiter, Limiter):
            await limiter.reserve(chat_id)
            prepaid.set(True)

    async def send(self, chat_id: str, reply: Reply) -> int:
        """Deliver one reply; returns the id of the last message sent."""
        return (await self._send(chat_id, reply))[1]

    async def deliver(self, chat_id: str, reply: Reply) -> int | None:
        """Deliver one reply; returns the id of the message carrying its keyboard, if any."""
        return (await self._send(chat_id, reply))[0]

    async def _send(self, chat_id: str, reply: Reply) -> tuple[int | None, int]:
        try:
            return await send_reply_ids(self.bot, chat_id, reply)
        except Forbidden as exc:
            await self.mark_unreachable(chat_id, str(exc))
            raise RecipientUnreachable(str(exc)) from exc
        except RetryAfter as exc:
            raise RetryLater(str(exc), retry_after_seconds(exc)) from exc
        except TelegramError as exc:
            if outcome_unknown(exc):
                # Timed out or cut off after the request left: it may have arrived.
                raise OutcomeUnknown(f"{type(exc).__name__}: {exc}") from exc
            raise SendError(f"{type(exc).__name__}: {exc}") from exc
        finally:
            prepaid.set(False)

    async def send_all(self, chat_id: str, replies: list[Reply]) -> int | None:
        """Deliver replies in order; returns the id of the last message sent with a keyboard."""
        last: int | None = None
        for reply in replies:
            last = await self.deliver(chat_id, reply) or last
        return last

    async def mark_unreachable(self, chat_id: str, reason: str) -> None:
        """Remember that the chat blocked the bot (shown to the office)."""
        log.info("telegram chat %s unreachable: %s", chat_id, reason)
        async with self.deps.db.transaction() as session:
            await mark_unreachable(session, CHANNEL, chat_id, self.deps.now(), reason)

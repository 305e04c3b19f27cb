"""A channel-neutral send limiter: a token bucket overall plus a minimum gap per chat.

Telegram allows about 30 messages a second overall and one a second per chat; a binding calls
`await limiter.acquire(chat_id)` before each send and `limiter.pause(retry_after)` after a 429.
The overall bucket is kept as a "theoretical arrival time" (GCRA), which is a token bucket that
hands out future slots in order, so waiters do not wake together and race.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable


class RateLimiter:
    """At most `rate` sends a second (bursts up to `burst`), one per `per_chat` seconds per chat."""

    def __init__(
        self,
        rate: float = 30.0,
        *,
        burst: float = 1.0,
        per_chat: float = 1.0,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        if rate <= 0 or burst < 1:
            raise ValueError("rate must be positive and burst at least 1")
        self.rate = rate
        self.interval = 1.0 / rate
        self.tolerance = (burst - 1.0) * self.interval
        self.per_chat = per_chat
        self._monotonic = monotonic
        self._sleep = sleep
        self._tat = 0.0  # when the bucket is next empty-and-refilled (theoretical arrival time)
        self._paused_until = 0.0
        self._chat_next: dict[str, float] = {}

    def _book(self) -> float:
        """Book the next overall slot; seconds to wait for it."""
        now = self._monotonic()
        earliest = max(now, self._paused_until)
        tat = max(self._tat, earliest)
        send_at = max(earliest, tat - self.tolerance)
        self._tat = tat + self.interval
        return send_at - now

    async def acquire(self, chat_id: str | None = None) -> None:
        """Wait until a send to `chat_id` is allowed; the slot is then used."""
        per_chat = chat_id is not None and self.per_chat > 0
        if per_chat:
            assert chat_id is not None
            now = self._monotonic()
            start = max(now, self._chat_next.get(chat_id, 0.0))
            # Provisional, so a second send to the chat queues behind this one.
            self._chat_next[chat_id] = start + self.per_chat
            if len(self._chat_next) > 10_000:
                self._forget(now)
            if start > now:
                await self._sleep(start - now)
        wait = self._book()
        if per_chat:
            assert chat_id is not None
            done = self._monotonic() + wait + self.per_chat
            self._chat_next[chat_id] = max(self._chat_next.get(chat_id, 0.0), done)
        if wait > 0:
            await self._sleep(wait)

    def pause(self, seconds: float) -> None:
        """Nobody sends for `seconds` (the server answered 429 with retry_after)."""
        until = self._monotonic() + max(0.0, seconds)
        self._paused_until = max(self._paused_until, until)
        self._tat = max(self._tat, self._paused_until)

    def _forget(self, now: float) -> None:
        for chat, at in list(self._chat_next.items()):
            if at <= now:
                del self._chat_next[chat]

"""A channel-neutral send limiter: a token bucket overall plus a minimum gap per chat.

Telegram allows about 30 messages a second overall and one a second per chat; a binding calls
`await limiter.acquire(chat_id)` before each send and `limiter.pause(retry_after)` after a 429.

The overall bucket is kept as a "theoretical arrival time" (GCRA, the token bucket that hands
out future slots in order), so waiters do not wake together and race. Because an event loop can
stall and then release several sleepers at once, a second check counts the sends actually made:
never more than `rate` of them within `1 + safety` seconds. `safety` (default 4%) is the room
left for jitter between our clock and the server's.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections import deque
from collections.abc import Awaitable, Callable

# Differences below a microsecond are rounding, not a reason to wait again.
_EPS = 1e-6


class RateLimiter:
    """At most `rate` sends a second (bursts up to `burst`), one per `per_chat` seconds per chat."""

    def __init__(
        self,
        rate: float = 30.0,
        *,
        burst: float = 1.0,
        per_chat: float = 1.0,
        safety: float = 0.04,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        if rate <= 0 or burst < 1 or safety < 0:
            raise ValueError("rate must be positive, burst at least 1, safety not negative")
        self.rate = rate
        self.span = 1.0 + safety
        self.interval = self.span / rate
        self.tolerance = (burst - 1.0) * self.interval
        # Sends may catch up after a delay, but never closer together than this.
        self.min_gap = self.interval / 2 if burst <= 1 else 0.0
        self.per_chat = per_chat
        self._monotonic = monotonic
        self._sleep = sleep
        self._tat = 0.0  # theoretical arrival time of the next send
        self._paused_until = 0.0
        self._chat_next: dict[str, float] = {}
        self._window = max(1, math.floor(rate))
        self._sent: deque[float] = deque(maxlen=self._window)

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
        if wait > 0:
            await self._sleep(wait)
        # The sends actually made are the authority: after a pause or a stalled loop, the
        # sleepers released together still go out one gap apart and within the window.
        while True:
            now = self._monotonic()
            if now < self._paused_until - _EPS:
                wait = self._paused_until - now
            elif len(self._sent) == self._window and now - self._sent[0] < self.span - _EPS:
                wait = self.span - (now - self._sent[0])
            elif self._sent and now - self._sent[-1] < self.min_gap - _EPS:
                wait = self.min_gap - (now - self._sent[-1])
            else:
                self._sent.append(now)
                break
            await self._sleep(wait)
        if per_chat:
            assert chat_id is not None
            self._chat_next[chat_id] = max(self._chat_next.get(chat_id, 0.0), now + self.per_chat)

    def pause(self, seconds: float) -> None:
        """Nobody sends for `seconds` (the server answered 429 with retry_after)."""
        until = self._monotonic() + max(0.0, seconds)
        self._paused_until = max(self._paused_until, until)
        self._tat = max(self._tat, self._paused_until)

    def _forget(self, now: float) -> None:
        for chat, at in list(self._chat_next.items()):
            if at <= now:
                del self._chat_next[chat]

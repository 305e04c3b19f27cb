"""Outgoing-call limiter for python-telegram-bot: flood limits, 429 retries, network backoff.

Kept Telegram-specific on purpose: PTB's `AIORateLimiter` does not retry by default and has no
per-private-chat limit. Messages (send/edit) share an overall budget (about 30/s) and each chat
its own (about 1/s, with a small burst so a reply split in two is not held back a second).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import time
import warnings
from collections import deque
from collections.abc import Callable, Coroutine
from contextvars import ContextVar
from typing import Any

from telegram.error import BadRequest, NetworkError, RetryAfter, TimedOut
from telegram.ext import BaseRateLimiter

log = logging.getLogger(__name__)

# Calls that put a message in a chat (and count against Telegram's flood limits).
MESSAGE_METHODS = frozenset(
    {
        "sendMessage",
        "sendDocument",
        "sendPhoto",
        "editMessageText",
        "editMessageReplyMarkup",
        "editMessageCaption",
        "copyMessage",
        "forwardMessage",
    }
)
# A message call that timed out may have been delivered: it is not repeated here (the caller
# decides; the reminder engine allows one repeat). Other network errors are retried.

# Set by `Limiter.reserve` in the sending task: its next message call has its budget already.
prepaid: ContextVar[bool] = ContextVar("dondoc_telegram_prepaid", default=False)


class TokenBucket:
    """`rate` tokens a second, at most `burst` saved up."""

    def __init__(self, rate: float, burst: float) -> None:
        self.rate = rate
        self.burst = burst
        self.tokens = burst
        self.stamp = time.monotonic()
        self.lock = asyncio.Lock()

    async def take(self) -> None:
        """Wait for one token."""
        async with self.lock:
            while True:
                now = time.monotonic()
                self.tokens = min(self.burst, self.tokens + (now - self.stamp) * self.rate)
                self.stamp = now
                if self.tokens >= 1:
                    self.tokens -= 1
                    return
                await asyncio.sleep((1 - self.tokens) / self.rate)


class SlidingWindow:
    """At most `count` takes within any `span` seconds, evenly spaced (Telegram counts a bot's
    messages per second, so saved-up bursts are what get 429s).

    Slots are booked `span / count` apart in order (GCRA); a taker woken late may catch up,
    and the sends actually made are the authority: never `count` of them within `span`.
    """

    def __init__(self, count: int, span: float) -> None:
        self.count = max(1, count)
        self.span = span
        self.interval = span / self.count
        self.sent: deque[float] = deque(maxlen=self.count)
        self.lock = asyncio.Lock()
        self._tat = 0.0  # the next booked slot

    def pause_until(self, until: float) -> None:
        """No slot before `until` (after a 429)."""
        self._tat = max(self._tat, until)

    async def take(self) -> None:
        """Wait for the next slot and use it."""
        await self.pace()
        await self.admit()

    async def pace(self) -> None:
        """Wait for the next evenly spaced slot (booked in order)."""
        async with self.lock:
            now = time.monotonic()
            slot = max(self._tat, now)
            self._tat = slot + self.interval
            if slot > now:
                await asyncio.sleep(slot - now)

    async def admit(self) -> None:
        """The send goes now: wait only if `count` went within `span` (a send paced earlier
        but delayed on its way here), then count it."""
        while True:
            now = time.monotonic()
            if len(self.sent) == self.count and now - self.sent[0] < self.span:
                await asyncio.sleep(self.span - (now - self.sent[0]))
                continue
            self.sent.append(now)
            return


def retry_after_seconds(exc: RetryAfter) -> float:
    """`retry_after` of a 429 in seconds, whichever type this PTB version returns."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        value: int | float | dt.timedelta = exc.retry_after
    return value.total_seconds() if isinstance(value, dt.timedelta) else float(value)


class Limiter(BaseRateLimiter[None]):
    """Waits for the flood budgets, honours `retry_after` and retries network errors."""

    def __init__(
        self,
        *,
        overall_per_second: float = 30.0,
        overall_safety: float = 0.04,
        per_chat_per_second: float = 1.0,
        chat_burst: float = 3.0,
        group_per_minute: float = 20.0,
        max_retries: int = 5,
        backoff: float = 0.5,
        max_backoff: float = 10.0,
        max_retry_after: float = 60.0,
    ) -> None:
        # Overall: a sliding window, as the flood limit is counted (a token bucket that saved
        # up 30 would let 60 through within one second). The window is `overall_safety`
        # longer than a second: room for requests that reach the server later than others.
        self.overall = (
            SlidingWindow(int(overall_per_second), 1.0 + overall_safety)
            if overall_per_second
            else None
        )
        self.per_chat_per_second = per_chat_per_second
        self.chat_burst = chat_burst
        self.group_per_minute = group_per_minute
        self.max_retries = max_retries
        self.backoff = backoff
        self.max_backoff = max_backoff
        self.max_retry_after = max_retry_after
        self._chats: dict[str, TokenBucket] = {}
        # Set while a 429 pause is in force: every message waits for it.
        self._paused_until = 0.0

    async def initialize(self) -> None:
        """Nothing to open."""

    async def shutdown(self) -> None:
        """Nothing to close."""

    def _chat_bucket(self, chat_id: str) -> TokenBucket | None:
        if not self.per_chat_per_second:
            return None
        bucket = self._chats.get(chat_id)
        if bucket is None:
            if len(self._chats) > 10_000:
                self._chats.clear()
            if chat_id.startswith("-"):
                bucket = TokenBucket(self.group_per_minute / 60.0, 3.0)
            else:
                bucket = TokenBucket(self.per_chat_per_second, self.chat_burst)
            self._chats[chat_id] = bucket
        return bucket

    async def _acquire(self, chat_id: str | None, *, pace_only: bool = False) -> None:
        pause = self._paused_until - time.monotonic()
        if pause > 0:
            await asyncio.sleep(pause)
        if chat_id is not None:
            bucket = self._chat_bucket(chat_id)
            if bucket is not None:
                await bucket.take()
        if self.overall is not None:
            await (self.overall.pace() if pace_only else self.overall.take())

    async def reserve(self, chat_id: str | None) -> None:
        """Wait for the pace of one message to `chat_id` (see `prepaid`); the send itself is
        counted in the overall window when it goes, which waits only if it was delayed."""
        await self._acquire(chat_id, pace_only=True)

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | dict[str, Any] | list[dict[str, Any]]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: None,
    ) -> bool | dict[str, Any] | list[dict[str, Any]]:
        """Run one Bot API call within the limits, retrying 429 and transient errors."""
        counted = endpoint in MESSAGE_METHODS
        chat = data.get("chat_id")
        chat_id = None if chat is None else str(chat)
        attempt = 0
        while True:
            if counted:
                if attempt == 0 and prepaid.get():
                    prepaid.set(False)
                    if self.overall is not None:
                        await self.overall.admit()
                else:
                    await self._acquire(chat_id)
            try:
                return await callback(*args, **kwargs)
            except RetryAfter as exc:
                attempt += 1
                wait = min(retry_after_seconds(exc), self.max_retry_after)
                if attempt > self.max_retries:
                    raise
                log.warning("telegram %s: flood limit, retrying in %.1fs", endpoint, wait)
                self._paused_until = max(self._paused_until, time.monotonic() + wait)
                await asyncio.sleep(wait)
            except BadRequest:
                raise
            except TimedOut:
                if counted:
                    raise
                attempt += 1
                if attempt > self.max_retries:
                    raise
                await asyncio.sleep(min(self.backoff * 2 ** (attempt - 1), self.max_backoff))
            except NetworkError as exc:
                attempt += 1
                if attempt > self.max_retries:
                    raise
                wait = min(self.backoff * 2 ** (attempt - 1), self.max_backoff)
                log.warning(
                    "telegram %s: %s, retry %d in %.1fs",
                    endpoint,
                    type(exc).__name__,
                    attempt,
                    wait,
                )
                await asyncio.sleep(wait)

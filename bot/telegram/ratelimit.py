"""Outgoing-call limiter for python-telegram-bot: flood limits on aiolimiter, retries on the
shared policy (`bot.retrying`, tenacity).

Telegram's limits are per bot: about 30 messages a second overall, 1 a second per private chat
(short bursts tolerated), 20 a minute per group. Each is an `aiolimiter.AsyncLimiter` (a leaky
bucket: `rate` a second drain out, a message needs room for one in `capacity`).

The overall budget has two parts. Senders are paced by a bucket draining 30 per 1.04 s and
holding 1.4 (reminder senders take it in `reserve`, before their delivery's lease, so that a
lease is held only for the HTTP call: a process killed while holding leases makes those
deliveries "unknown outcome"); the 0.4 message of room absorbs a sender woken a few
milliseconds late on a busy event loop (a bucket of one loses every such delay). Then, right
before each message's HTTP call, `SendWindow` holds it back only if 30 calls already went out
within the last 1.04 s. Telegram (and the strict fake API of the benchmark and crash test)
counts messages per second: a leaky bucket alone lets `capacity + rate * T` through in any
`T` seconds and cannot model that window, so a bucket alone either gets 429s when the time
between the budget and the call varies (a lease taken in between, a busy machine: 2-18 429s
per 600 sends measured at load 5-7, 77-92 % of the cap) or must run well below 95 % of it.
PTB's own `AIORateLimiter` uses aiolimiter with a capacity of 30, which lets 30 go at once and
nearly 60 within a second, and has no per-private-chat limit.
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

import httpx
from aiolimiter import AsyncLimiter
from telegram.error import BadRequest, NetworkError, RetryAfter, TimedOut
from telegram.ext import BaseRateLimiter

from bot.retrying import RetryPolicy

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

# Set by `Limiter.reserve` in the sending task: its next message call has its budget already.
prepaid: ContextVar[bool] = ContextVar("dondoc_telegram_prepaid", default=False)

# httpx errors raised before a request was written: the server cannot have seen it.
_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)


def request_not_sent(exc: BaseException) -> bool:
    """True when a PTB network error certainly happened before the request left (connection
    refused, DNS, no free connection): repeating it cannot deliver a message twice.

    PTB's `HTTPXRequest` raises `NetworkError`/`TimedOut` *from* the httpx error
    (tests/test_ratelimit.py checks that this still holds, through a real HTTPXRequest).
    """
    return isinstance(exc, NetworkError) and isinstance(exc.__cause__, _NOT_SENT)


def outcome_unknown(exc: BaseException) -> bool:
    """A timeout, or a connection lost once the request may have left (no answer read): the
    message may have arrived. A `NetworkError` PTB raises for an HTTP answer (a 5xx) is not
    one: the server answered that it failed."""
    if not isinstance(exc, NetworkError) or isinstance(exc, BadRequest | RetryAfter):
        return False
    if request_not_sent(exc):
        return False
    return isinstance(exc, TimedOut) or isinstance(exc.__cause__, httpx.HTTPError)


class SendWindow:
    """At most `count` message calls within any `span` seconds, counted when they go out."""

    def __init__(self, count: int, span: float) -> None:
        self.count = max(1, count)
        self.span = span
        self.sent: deque[float] = deque(maxlen=self.count)

    async def admit(self) -> None:
        """Wait only if `count` calls went out within `span`, then count this one."""
        while len(self.sent) == self.count:
            wait = self.span - (time.monotonic() - self.sent[0])
            if wait <= 0:
                break
            await asyncio.sleep(wait)
        self.sent.append(time.monotonic())


def retry_after_seconds(exc: RetryAfter) -> float:
    """`retry_after` of a 429 in seconds, whichever type this PTB version returns."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        value: int | float | dt.timedelta = exc.retry_after
    return value.total_seconds() if isinstance(value, dt.timedelta) else float(value)


def _hint(exc: BaseException) -> float | None:
    return retry_after_seconds(exc) if isinstance(exc, RetryAfter) else None


class Limiter(BaseRateLimiter[None]):
    """Waits for the flood budgets, honours `retry_after` and retries what is safe to retry.

    A message call is repeated after a 429, a 5xx answer, or when the request never left; one
    that timed out or lost its connection midway may have arrived and is raised to the caller
    (the reminder engine counts it as a try of unknown outcome). Other calls (answering a
    button, reading a file) are also repeated after network errors and timeouts.
    """

    def __init__(
        self,
        *,
        overall_per_second: float = 30.0,
        overall_span: float = 1.04,
        overall_slack: float = 0.4,
        per_chat_per_second: float = 1.0,
        chat_burst: float = 3.0,
        group_per_minute: float = 20.0,
        max_retries: int = 5,
        backoff: float = 0.5,
        max_backoff: float = 10.0,
        max_retry_after: float = 60.0,
    ) -> None:
        # Room for 1.4 messages: evenly spaced, no saved-up burst (see the module docstring).
        capacity = 1.0 + overall_slack
        rate = overall_per_second / overall_span
        self.overall = AsyncLimiter(capacity, capacity / rate) if overall_per_second else None
        self.window = (
            SendWindow(int(overall_per_second), overall_span) if overall_per_second else None
        )
        self.per_chat_per_second = per_chat_per_second
        self.chat_burst = max(1.0, chat_burst)
        self.group_per_minute = group_per_minute
        self.policy = RetryPolicy(
            attempts=max_retries + 1,
            base_delay=backoff,
            max_delay=max_backoff,
            max_wait=max_retry_after,
        )
        self._chats: dict[str, AsyncLimiter] = {}
        # Set while a 429 pause is in force: every message waits for it.
        self._paused_until = 0.0

    async def initialize(self) -> None:
        """Nothing to open."""

    async def shutdown(self) -> None:
        """Nothing to close."""

    def _chat_limiter(self, chat_id: str) -> AsyncLimiter | None:
        if not self.per_chat_per_second:
            return None
        limiter = self._chats.get(chat_id)
        if limiter is None:
            if len(self._chats) > 10_000:
                self._chats.clear()
            if chat_id.startswith("-"):  # a group: 20 a minute, evenly spaced
                limiter = AsyncLimiter(1, 60.0 / self.group_per_minute)
            else:
                limiter = AsyncLimiter(self.chat_burst, self.chat_burst / self.per_chat_per_second)
            self._chats[chat_id] = limiter
        return limiter

    async def _acquire(self, chat_id: str | None) -> None:
        pause = self._paused_until - time.monotonic()
        if pause > 0:
            await asyncio.sleep(pause)
        if chat_id is not None:
            chat = self._chat_limiter(chat_id)
            if chat is not None:
                await chat.acquire()
        if self.overall is not None:
            await self.overall.acquire()

    async def reserve(self, chat_id: str | None) -> None:
        """Take the budget of one message to `chat_id` now; the sending task's next message
        call uses it (see `prepaid`)."""
        await self._acquire(chat_id)

    def _paused(self, exc: BaseException, failures: int, seconds: float) -> None:
        if isinstance(exc, RetryAfter):
            log.warning("telegram: flood limit, retrying in %.1fs", seconds)
            self._paused_until = max(self._paused_until, time.monotonic() + seconds)
        else:
            log.warning("telegram: %s, retry %d in %.1fs", type(exc).__name__, failures, seconds)

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | dict[str, Any] | list[dict[str, Any]]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: None,
    ) -> bool | dict[str, Any] | list[dict[str, Any]]:
        """Run one Bot API call within the limits, retrying per the shared policy."""
        counted = endpoint in MESSAGE_METHODS
        chat = data.get("chat_id")
        chat_id = None if chat is None else str(chat)

        def retryable(exc: BaseException) -> bool:
            if isinstance(exc, RetryAfter):
                return True
            if isinstance(exc, BadRequest) or not isinstance(exc, NetworkError):
                return False
            return not counted or not outcome_unknown(exc)

        first = True

        async def attempt() -> bool | dict[str, Any] | list[dict[str, Any]]:
            nonlocal first
            if counted:
                if first and prepaid.get():
                    prepaid.set(False)
                else:
                    await self._acquire(chat_id)
                if self.window is not None:
                    await self.window.admit()
            first = False
            return await callback(*args, **kwargs)

        return await self.policy.call(attempt, retryable, hint=_hint, before_sleep=self._paused)

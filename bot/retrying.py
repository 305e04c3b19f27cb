"""The one retry policy for outgoing calls (Telegram, Zalo, file downloads), on tenacity.

Every caller states *what* may be retried (a predicate on the exception) and, for flood
limits, how long the server asked to wait; the policy decides *how*: bounded tries,
exponential backoff with jitter, the server's `retry_after` honoured, and a wait longer than
`max_wait` handed back to the caller (the exception is re-raised) instead of blocking a worker.

A call whose request may have reached the server (a timeout, a connection dropped after the
request was written) must not be declared retryable for a message send: its outcome is
unknown, and the reminder engine alone decides on the one repeat it allows.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

from tenacity import AsyncRetrying, RetryCallState, retry_if_exception, stop_after_attempt
from tenacity.stop import stop_base

ExcPredicate = Callable[[BaseException], bool]
Hint = Callable[[BaseException], float | None]
BeforeSleep = Callable[[BaseException, int, float], None]
T = TypeVar("T")


def _no_hint(_: BaseException) -> float | None:
    return None


def _exception(state: RetryCallState) -> BaseException:
    outcome = state.outcome
    exc = outcome.exception() if outcome is not None else None
    if exc is None:  # pragma: no cover - tenacity waits/stops only after a failed try
        raise RuntimeError("no failed try to retry")
    return exc


class _stop_if_wait_too_long(stop_base):
    """Stop when the server asks for a longer wait than the caller may spend here."""

    def __init__(self, hint: Hint, max_wait: float) -> None:
        self.hint = hint
        self.max_wait = max_wait

    def __call__(self, retry_state: RetryCallState) -> bool:
        hinted = self.hint(_exception(retry_state))
        return hinted is not None and hinted > self.max_wait


@dataclass(frozen=True)
class RetryPolicy:
    """How outgoing calls wait out 429 and transient failures."""

    attempts: int = 4  # total tries per call, the first one included
    base_delay: float = 1.0  # backoff: base * 2**n, with jitter, capped at max_delay
    max_delay: float = 30.0
    # A server-announced retry_after longer than this is not waited for: the error goes to
    # the caller (the reminder engine records "retry later" and serves other recipients).
    max_wait: float = 60.0
    jitter: float = 0.25

    def delay(self, failures: int, hinted: float | None = None) -> float:
        """Seconds to wait after `failures` failed tries (1 = after the first)."""
        backoff = min(self.max_delay, self.base_delay * (2.0 ** max(failures - 1, 0)))
        backoff *= 1 + random.random() * self.jitter
        return max(hinted, backoff) if hinted is not None else backoff

    def retrying(
        self,
        retryable: ExcPredicate,
        *,
        hint: Hint = _no_hint,
        before_sleep: BeforeSleep | None = None,
    ) -> AsyncRetrying:
        """A tenacity controller: `async for attempt in policy.retrying(...): with attempt:`.

        The last exception is re-raised when the tries are used up or the wait asked for is
        too long; `before_sleep(exc, failures, seconds)` runs before each wait (logging, a
        shared pause after a 429).
        """

        def wait(state: RetryCallState) -> float:
            return self.delay(state.attempt_number, hint(_exception(state)))

        def sleeping(state: RetryCallState) -> None:
            if before_sleep is not None:
                seconds = state.upcoming_sleep
                before_sleep(_exception(state), state.attempt_number, seconds)

        return AsyncRetrying(
            retry=retry_if_exception(retryable),
            stop=stop_after_attempt(max(1, self.attempts))
            | _stop_if_wait_too_long(hint, self.max_wait),
            wait=wait,
            before_sleep=sleeping,
            sleep=asyncio.sleep,
            reraise=True,
        )

    async def call(
        self,
        fn: Callable[[], Awaitable[T]],
        retryable: ExcPredicate,
        *,
        hint: Hint = _no_hint,
        before_sleep: BeforeSleep | None = None,
    ) -> T:
        """Run `fn` under the policy. The first try runs before any tenacity object is built
        (most calls succeed: a Bot API call then costs nothing extra); its failure is handed
        to tenacity as the first failed try, so waits and stops are exactly the policy's."""
        try:
            return await fn()
        except Exception as exc:
            if not retryable(exc) or self.attempts <= 1:
                raise
            first: BaseException | None = exc
        async for attempt in self.retrying(retryable, hint=hint, before_sleep=before_sleep):
            with attempt:
                if first is not None:
                    failed, first = first, None
                    raise failed
                return await fn()
        raise AssertionError("unreachable")  # pragma: no cover - the policy re-raises

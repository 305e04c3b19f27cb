"""The channel-neutral rate limiter, on a simulated clock (no real sleeping)."""

from __future__ import annotations

import asyncio
import heapq
import itertools
from collections.abc import Coroutine
from typing import Any, TypeVar

import pytest

from scheduler.ratelimit import RateLimiter

T = TypeVar("T")


class SimClock:
    """Simulated time: sleepers wake in order of their wake-up time, without real waiting."""

    def __init__(self) -> None:
        self.now = 0.0
        self._seq = 0
        self._waiters: list[tuple[float, int, asyncio.Future[None]]] = []
        self.stall = 0.0  # a one-off freeze of the loop: every sleeper wakes this late

    def monotonic(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        fut: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._seq += 1
        heapq.heappush(self._waiters, (self.now + max(0.0, seconds), self._seq, fut))
        await fut

    async def run(self, coro: Coroutine[Any, Any, T]) -> T:
        """Run `coro`, advancing time whenever every task is asleep."""
        task = asyncio.ensure_future(coro)
        while not task.done():
            for _ in range(10):
                await asyncio.sleep(0)
            if self._waiters and not task.done():
                if self.stall:
                    # The loop was frozen: everyone due by then wakes at once.
                    self.now += self.stall
                    self.stall = 0.0
                    while self._waiters and self._waiters[0][0] <= self.now:
                        heapq.heappop(self._waiters)[2].set_result(None)
                    continue
                at, _seq, fut = heapq.heappop(self._waiters)
                self.now = max(self.now, at)
                fut.set_result(None)
        return task.result()


def make(clock: SimClock, **kw: float) -> RateLimiter:
    return RateLimiter(monotonic=clock.monotonic, sleep=clock.sleep, **kw)


def max_in_window(times: list[float], span: float) -> int:
    best = 0
    j = 0
    for i, t in enumerate(times):
        while times[j] <= t - span:
            j += 1
        best = max(best, i - j + 1)
    return best


async def test_overall_rate_is_capped_and_smooth() -> None:
    clock = SimClock()
    lim = make(clock, rate=30.0)
    times: list[float] = []

    async def go() -> None:
        for i in range(300):
            await lim.acquire(f"chat{i}")
            times.append(clock.now)

    await clock.run(go())
    assert max_in_window(times, 1.0) <= 30
    rate = (len(times) - 1) / (times[-1] - times[0])
    assert 0.95 * 30 <= rate <= 30
    gaps = [b - a for a, b in itertools.pairwise(times)]
    assert min(gaps) > 0.03


async def test_one_message_per_second_per_chat() -> None:
    clock = SimClock()
    lim = make(clock, rate=30.0, per_chat=1.0)
    times: list[float] = []

    async def go() -> None:
        for _ in range(5):
            await lim.acquire("same")
            times.append(clock.now)

    await clock.run(go())
    assert all(b - a >= 1.0 for a, b in itertools.pairwise(times))


async def test_pause_after_429_holds_everyone() -> None:
    clock = SimClock()
    lim = make(clock, rate=30.0)
    await clock.run(lim.acquire("a"))
    lim.pause(2.0)
    await clock.run(lim.acquire("b"))
    assert clock.now >= 2.0


async def test_sleepers_released_together_do_not_burst() -> None:
    """After a stalled loop, sends still keep the window: at most `rate` in 1 + safety s."""
    clock = SimClock()
    clock.stall = 2.5
    lim = make(clock, rate=10.0, safety=0.01)
    sent: list[float] = []

    async def one(i: int) -> None:
        await lim.acquire(f"c{i}")
        sent.append(clock.now)

    async def stall_then_release() -> None:
        await asyncio.gather(*(one(i) for i in range(40)))

    await clock.run(stall_then_release())
    sent.sort()
    assert max_in_window(sent, 1.0) <= 10
    gaps = [b - a for a, b in itertools.pairwise(sent)]
    assert min(gaps) >= 0.05


def test_bad_arguments() -> None:
    with pytest.raises(ValueError):
        RateLimiter(0)
    with pytest.raises(ValueError):
        RateLimiter(30, burst=0.5)

"""Injectable time: the system clock in production, a settable one in tests."""

from __future__ import annotations

import datetime as dt
from typing import Protocol


class Clock(Protocol):
    """Something that tells the current time (always timezone-aware, UTC)."""

    def now(self) -> dt.datetime:
        """The current instant."""
        ...


class SystemClock:
    """The real clock."""

    def now(self) -> dt.datetime:
        """The current instant in UTC."""
        return dt.datetime.now(dt.UTC)


class FrozenClock:
    """A clock that stands still until moved: tests walk a quarter in milliseconds."""

    def __init__(self, at: dt.datetime) -> None:
        if at.tzinfo is None:
            raise ValueError("FrozenClock needs an aware datetime")
        self._at = at

    def now(self) -> dt.datetime:
        """The frozen instant."""
        return self._at

    def set(self, at: dt.datetime) -> None:
        """Jump to another instant."""
        if at.tzinfo is None:
            raise ValueError("FrozenClock needs an aware datetime")
        self._at = at

    def advance(self, delta: dt.timedelta) -> None:
        """Move forward."""
        self._at += delta

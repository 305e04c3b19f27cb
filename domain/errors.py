"""Domain errors carry a message key and parameters, never an English sentence."""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """A rule was broken; `key` is a locales message key."""

    def __init__(self, key: str, **params: Any) -> None:
        super().__init__(key)
        self.key = key
        self.params = params

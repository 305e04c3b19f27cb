"""Entry point of every conversation: `Conversations.handle(incoming) -> replies`."""

from __future__ import annotations

from domain.deps import Deps
from handlers.messages import Incoming, Reply


class Conversations:
    """Routes a neutral incoming message to the right flow (being written on main)."""

    def __init__(self, deps: Deps) -> None:
        self.deps = deps

    async def handle(self, msg: Incoming) -> list[Reply]:
        """Answer one incoming message."""
        raise NotImplementedError("the router lands on main shortly")

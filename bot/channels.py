"""What `dondoc run` needs from a channel binding (Telegram, Zalo)."""

from __future__ import annotations

from typing import Protocol

from aiohttp import web

from handlers.outbound import Outbound


class ChannelRunner(Protocol):
    """A configured channel: receives updates (polling or webhook) and sends replies."""

    name: str

    @property
    def outbound(self) -> Outbound:
        """Sends unprompted messages (reminders, digests) on this channel."""
        ...

    async def healthy(self) -> bool:
        """True while the channel works (for /healthz)."""
        ...

    async def start(self) -> None:
        """Connect (getMe), then start polling or register the webhook."""
        ...

    async def stop(self) -> None:
        """Stop receiving and close connections; pending replies are flushed."""
        ...

    def web_routes(self) -> list[web.RouteDef]:
        """Routes to mount on the shared aiohttp server (webhook mode), else []."""
        ...

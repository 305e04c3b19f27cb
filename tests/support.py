"""Helpers for whole-dialogue tests through the channel-neutral layer."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass, field
from pathlib import Path

from db.database import Database
from db.models import Role
from domain.clock import FrozenClock
from domain.deps import Deps
from domain.membership import create_invite
from domain.registry import find_unit
from handlers.messages import Incoming, IncomingFile, Option, Reply
from handlers.router import Conversations

TZ = zoneinfo.ZoneInfo("Asia/Ho_Chi_Minh")


def make_deps(db: Database, clock: FrozenClock, data_dir: Path) -> Deps:
    """Deps for tests: Hanoi time, a temporary data folder."""
    return Deps(db=db, clock=clock, tz=TZ, data_dir=data_dir, default_locale="vi")


async def invite_code(
    deps: Deps, unit: str | None, role: Role = Role.FOCAL, ttl: dt.timedelta = dt.timedelta(days=14)
) -> str:
    """Create an invite and return its code."""
    async with deps.db.transaction() as s:
        found = await find_unit(s, unit) if unit else None
        assert unit is None or found is not None, unit
        new = await create_invite(s, deps.now(), role=role, unit=found, ttl=ttl)
        return new.code


@dataclass
class Chat:
    """One user talking to the bot; remembers the last options offered."""

    conversations: Conversations
    user_id: str
    channel: str = "console"
    language: str | None = "vi"
    last: list[Reply] = field(default_factory=list)

    async def send(
        self, text: str = "", *, choice: str | None = None, file: IncomingFile | None = None
    ) -> list[Reply]:
        """Send text (or press an option's value, or send a file)."""
        msg = Incoming(
            channel=self.channel,
            user_id=self.user_id,
            chat_id=f"chat-{self.user_id}",
            text=text,
            choice=choice,
            file=file,
            display_name=self.user_id,
            language=self.language,
        )
        self.last = await self.conversations.handle(msg)
        return self.last

    @property
    def text(self) -> str:
        """All text of the last answer."""
        return "\n".join(r.text for r in self.last)

    @property
    def options(self) -> list[Option]:
        """Options of the last reply that has any."""
        for reply in reversed(self.last):
            if reply.options:
                return reply.options
        return []

    def option(self, fragment: str) -> Option:
        """The offered option whose label contains `fragment`."""
        found = [o for o in self.options if fragment in o.label]
        assert found, f"no option containing {fragment!r} in {[o.label for o in self.options]}"
        return found[0]

    async def press(self, fragment: str) -> list[Reply]:
        """Press the button whose label contains `fragment`."""
        return await self.send(choice=self.option(fragment).value)


def file_of(name: str, data: bytes, mime: str | None = None) -> IncomingFile:
    """An incoming file whose bytes are at hand."""

    async def fetch() -> bytes:
        return data

    return IncomingFile(name=name, size=len(data), mime_type=mime, fetch=fetch)

"""The terminal chat: the same conversations, choices shown as numbered lists."""

from __future__ import annotations

import asyncio
import mimetypes
import sys
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select

from db.models import ChatAccount, Role
from domain.deps import Deps
from domain.membership import create_invite
from domain.registry import find_unit
from handlers.messages import Incoming, IncomingFile, Reply, render_numbered
from handlers.router import Conversations
from locales import t

CHANNEL = "console"
QUIT = ("/quit", "/exit", "/thoat", "/thoát")
ATTACH = ("/tep", "/tệp", "/file")
ReadLine = Callable[[str], Awaitable[str | None]]
Write = Callable[[str], None]


@dataclass(frozen=True)
class Persona:
    """Who the person at the terminal plays."""

    user_id: str
    role: Role | None  # None: a stranger who types the invite code themselves
    unit: str | None


PERSONAS = {
    "focal": Persona("console-focal", Role.FOCAL, "Phòng Kinh tế, Hạ tầng và Đô thị"),
    "office": Persona("console-office", Role.COORDINATOR, "Phòng Văn hóa - Xã hội"),
    "new": Persona("console-new", None, "Trạm Y tế phường"),
}


# On a real database: one person at this terminal, joining with an invite code from the office.
REAL_DB_PERSONA = Persona("console-user", None, None)


async def _stdin_line(prompt: str) -> str | None:
    try:
        return await asyncio.to_thread(input, prompt)
    except EOFError:
        return None


def _print(text: str) -> None:
    print(text, flush=True)


def render(reply: Reply) -> str:
    """A reply as terminal text."""
    text = render_numbered(reply)
    if reply.file is not None:
        text += f"\n[{reply.file.filename}: {reply.file.path}]"
    return text


class ConsoleChat:
    """Runs one member's chat in the terminal."""

    def __init__(
        self,
        deps: Deps,
        conversations: Conversations,
        *,
        read: ReadLine = _stdin_line,
        write: Write = _print,
        locale: str = "vi",
    ) -> None:
        self.deps = deps
        self.conversations = conversations
        self.read = read
        self.write = write
        self.locale = locale

    async def choose_persona(self) -> Persona | None:
        """Ask who to play."""
        self.write(t("console.welcome", self.locale))
        keys = list(PERSONAS)
        for i, key in enumerate(keys, 1):
            self.write(f"{i}. {t(f'console.persona_{key}', self.locale)}")
        while True:
            line = await self.read(t("cli.console.choose_prompt", self.locale))
            if line is None or line.strip().lower() in QUIT:
                return None
            line = line.strip()
            if line.isdigit() and 1 <= int(line) <= len(keys):
                return PERSONAS[keys[int(line) - 1]]
            if line in PERSONAS:
                return PERSONAS[line]
            self.write(t("form.choose_listed", self.locale))

    async def _invite(self, persona: Persona) -> str | None:
        """A fresh invite for the persona's unit (the demo hands it out)."""
        async with self.deps.db.transaction() as s:
            unit = await find_unit(s, persona.unit) if persona.unit else None
            if unit is None:
                return None
            invite = await create_invite(
                s,
                self.deps.now(),
                role=persona.role or Role.FOCAL,
                unit=unit,
                ttl=self.deps.invite_ttl,
                actor="console",
            )
            return invite.code

    def outbound(self) -> ConsoleOutbound:
        """Where reminders to console accounts go: printed here, as they would arrive."""
        return ConsoleOutbound(self.write, self.locale)

    async def join_quietly(self, persona: Persona) -> None:
        """Join a persona without printing (the demo's focal point, so reminders reach one)."""
        if await self._joined(persona):
            return
        code = await self._invite(persona)
        if code:
            msg = Incoming(
                channel=CHANNEL,
                user_id=persona.user_id,
                chat_id=persona.user_id,
                text=f"/start {code}",
                display_name=persona.user_id,
                language=self.locale,
            )
            await self.conversations.handle(msg)

    async def _joined(self, persona: Persona) -> bool:
        async with self.deps.db.read() as s:
            row = await s.execute(
                select(ChatAccount.id).where(
                    ChatAccount.channel == CHANNEL, ChatAccount.external_id == persona.user_id
                )
            )
            return row.first() is not None

    def attachment(self, arg: str) -> IncomingFile | None:
        """`/tep PATH`: a file from this computer, sent as if attached in the chat."""
        path = Path(arg.strip().strip("\"'")).expanduser()
        if not arg.strip() or not path.is_file():
            self.write(t("cli.console.no_file", self.locale, path=arg.strip() or "?"))
            return None
        data = path.read_bytes()

        async def fetch() -> bytes:
            return data

        mime = mimetypes.guess_type(path.name)[0]
        return IncomingFile(name=path.name, size=len(data), mime_type=mime, fetch=fetch)

    async def send(
        self, persona: Persona, text: str, file: IncomingFile | None = None
    ) -> list[Reply]:
        """Pass one line (or a file) to the conversations and print the replies."""
        msg = Incoming(
            channel=CHANNEL,
            user_id=persona.user_id,
            chat_id=persona.user_id,
            text=text,
            file=file,
            display_name=persona.user_id,
            language=self.locale,
        )
        replies = await self.conversations.handle(msg)
        for reply in replies:
            self.write(render(reply))
            self.write("")
        return replies

    async def run(self, persona: Persona | None = None) -> int:
        """The chat loop; /quit or end of input leaves."""
        persona = persona or await self.choose_persona()
        if persona is None:
            return 0
        if not await self._joined(persona):
            code = await self._invite(persona)
            if persona.role is None and code:
                self.write(t("console.your_code", self.locale, code=code, unit=persona.unit))
            elif code:
                self.write(f"> /start {code}")
                await self.send(persona, f"/start {code}")
        else:
            await self.send(persona, "/help")
        self.write(t("console.quit_hint", self.locale))
        while True:
            line = await self.read(t("cli.console.chat_prompt", self.locale))
            if line is None or line.strip().lower() in QUIT:
                return 0
            # Even a blank line gets an answer (the question again, or a hint).
            word, _, rest = line.strip().partition(" ")
            if word.lower() in ATTACH:
                file = self.attachment(rest)
                if file is not None:
                    await self.send(persona, "", file)
                continue
            await self.send(persona, line.strip())


class ConsoleOutbound:
    """Delivers to console accounts by printing, headed with who receives it."""

    channel = CHANNEL

    def __init__(self, write: Write, locale: str) -> None:
        self.write = write
        self.locale = locale

    async def send(self, chat_id: str, reply: Reply) -> None:
        """Print one message as it would arrive."""
        self.write(t("cli.console.delivered", self.locale, chat=chat_id))
        self.write(render(reply))
        self.write("")


def stdin_is_terminal() -> bool:
    """True when a person is typing (not piped input)."""
    return sys.stdin.isatty()

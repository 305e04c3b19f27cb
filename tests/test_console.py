"""The terminal chat: /quit at the role chooser, prompts that say what to type, /tep PATH."""

from __future__ import annotations

from pathlib import Path

from bot.console import PERSONAS, ConsoleChat
from db.database import Database
from domain.clock import FrozenClock
from domain.demo import load_demo
from handlers.router import Conversations
from tests.support import make_deps


class Script:
    """Feeds lines to the chat and records prompts and output."""

    def __init__(self, *lines: str) -> None:
        self.lines = list(lines)
        self.prompts: list[str] = []
        self.out: list[str] = []

    async def read(self, prompt: str) -> str | None:
        self.prompts.append(prompt)
        return self.lines.pop(0) if self.lines else None

    def write(self, text: str) -> None:
        self.out.append(text)


async def _chat(db: Database, clock: FrozenClock, tmp_path: Path, script: Script) -> ConsoleChat:
    deps = make_deps(db, clock, tmp_path / "data")
    async with db.transaction() as s:
        await load_demo(s, clock.now())
    return ConsoleChat(deps, Conversations(deps), read=script.read, write=script.write)


async def test_quit_at_the_role_chooser(db: Database, clock: FrozenClock, tmp_path: Path) -> None:
    script = Script("/quit", "should not be read")
    chat = await _chat(db, clock, tmp_path, script)
    assert await chat.run() == 0
    assert script.lines == ["should not be read"]
    assert "/quit" in script.prompts[0] and "số" in script.prompts[0]


async def test_attach_a_file(db: Database, clock: FrozenClock, tmp_path: Path) -> None:
    pdf = tmp_path / "cong-van.pdf"
    pdf.write_bytes(b"%PDF-1.4\n%test\n")
    script = Script("/tep /no/such/file.pdf", f"/tep {pdf}", "/quit")
    chat = await _chat(db, clock, tmp_path, script)
    assert await chat.run(PERSONAS["focal"]) == 0
    text = "\n".join(script.out)
    assert "Không có tệp «/no/such/file.pdf»" in text
    assert "/tep" in script.prompts[-1]
    # The file reached the conversations: outside a form the bot points to /baocao.
    assert "/baocao" in script.out[-2]

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


def test_demo_reminder_is_shown_in_the_terminal(tmp_path: Path) -> None:
    """`dondoc chat` on the demo: the office's /nhacviec prints the reminder as it arrives."""
    import os
    import subprocess
    import sys

    root = Path(__file__).resolve().parents[1]
    out = subprocess.run(
        [sys.executable, "-m", "bot", "chat", "--as", "office"],
        input="/nhacviec\n1\n/quit\n",
        env={
            **os.environ,
            "PYTHONPATH": str(root),
            "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/demo.db",
            "TELEGRAM_BOT_TOKEN": "",
            "ZALO_BOT_TOKEN": "",
            "DEFAULT_LOCALE": "vi",
        },
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr
    assert "📨 Tin nhắn bot gửi tới «console-focal»" in out.stdout
    assert "Kính gửi: Phòng Kinh tế, Hạ tầng và Đô thị." in out.stdout
    assert "chưa kết nối kênh gửi tin" not in out.stdout
    failed = next(ln for ln in out.stdout.splitlines() if ln.startswith("Không gửi được tới"))
    assert failed.index("Trạm Y tế") < failed.index("Trường") < failed.index("Ủy ban")


def test_terminal_chat_on_a_real_database(tmp_path: Path) -> None:
    """No demo roles on a real database: the person joins with an office's invite code."""
    import os
    import subprocess
    import sys

    root = Path(__file__).resolve().parents[1]
    env = {
        **os.environ,
        "PYTHONPATH": str(root),
        "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/real.db",
        "TELEGRAM_BOT_TOKEN": "",
        "ZALO_BOT_TOKEN": "",
        "DEFAULT_LOCALE": "vi",
    }

    def run(*argv: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "bot", *argv],
            input=stdin,
            env=env,
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=120,
        )

    assert run("plan", "create", "--title", "Kế hoạch thật", "--year", "2027").returncode == 0
    assert run("unit", "add", "Phòng Văn hóa - Xã hội").returncode == 0
    out = run("chat", "--as", "office")
    assert out.returncode == 2 and out.stderr.count("\n") == 1 and "mã mời" in out.stderr
    made = run("--json", "invite", "create", "--unit", "van hoa", "--role", "coordinator")
    code = __import__("json").loads(made.stdout)["code"]
    out = run("chat", stdin=f"{code}\n/quit\n")
    assert out.returncode == 0, out.stderr
    assert "gõ mã mời" in out.stdout
    assert "Chào mừng! Anh/chị đã tham gia với vai trò văn phòng điều phối" in out.stdout
    assert "Phòng Kinh tế" not in out.stdout  # no demo unit offered

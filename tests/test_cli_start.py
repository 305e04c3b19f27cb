"""Every bad start answers in one line with its own exit status (bot/cli.py EXIT_*)."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from bot.cli import EXIT_CHANNEL, EXIT_DATABASE, EXIT_ERROR, EXIT_PIPE, EXIT_PORT, EXIT_USAGE
from bot.settings import Settings
from tests.fakes.telegram_api import FakeTelegram

ROOT = Path(__file__).resolve().parents[1]
BASE_ENV = {"TELEGRAM_BOT_TOKEN": "", "ZALO_BOT_TOKEN": "", "PYTHONPATH": str(ROOT)}


def dondoc(cwd: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        env={**os.environ, **BASE_ENV, **env},
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
    )


def one_line(out: subprocess.CompletedProcess[str], status: int) -> str:
    assert out.returncode == status, (out.returncode, out.stderr)
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1, out.stderr
    assert "Traceback" not in out.stderr
    return lines[0]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_database_errors(tmp_path: Path) -> None:
    # Malformed: the port is not a number.
    line = one_line(
        dondoc(tmp_path, "plan", "list", DATABASE_URL="postgresql+asyncpg://u@h:abc/db"),
        EXIT_USAGE,
    )
    assert "DATABASE_URL" in line
    line = one_line(
        dondoc(tmp_path, "plan", "list", DATABASE_URL="postgresql+asyncpg://"), EXIT_USAGE
    )
    assert "DATABASE_URL" in line
    # Unreachable: nothing listens there; the password is not shown.
    url = f"postgresql+asyncpg://dondoc:s3cret@127.0.0.1:{free_port()}/dondoc"
    line = one_line(dondoc(tmp_path, "plan", "list", DATABASE_URL=url), EXIT_DATABASE)
    assert "DATABASE_URL=postgresql+asyncpg://dondoc:***@127.0.0.1" in line
    assert "s3cret" not in line
    assert "không có máy chủ cơ sở dữ liệu nào ở địa chỉ và cổng này" in line
    # SQLite in a folder that does not exist.
    url = f"sqlite+aiosqlite:///{tmp_path}/missing/dondoc.db"
    line = one_line(dondoc(tmp_path, "db", "upgrade", DATABASE_URL=url), EXIT_DATABASE)
    assert "DATABASE_URL" in line and "missing" in line


def test_missing_postgres_database(tmp_path: Path) -> None:
    base = os.environ.get("DONDOC_TEST_POSTGRES_URL")
    if not base:
        pytest.skip("DONDOC_TEST_POSTGRES_URL is not set")
    url = base.rsplit("/", 1)[0] + "/dondoc_no_such_database"
    line = one_line(dondoc(tmp_path, "plan", "list", DATABASE_URL=url), EXIT_DATABASE)
    assert "dondoc_no_such_database" in line and "does not exist" in line
    assert "chưa được tạo" in line  # what the driver's words mean, in the clerk's language
    url = base.replace("://postgres", "://dondoc_no_such_role", 1)
    line = one_line(dondoc(tmp_path, "plan", "list", DATABASE_URL=url), EXIT_DATABASE)
    assert "dondoc_no_such_role" in line and "tài khoản trong DATABASE_URL" in line


def test_telegram_settings_are_checked_before_any_network_call(tmp_path: Path) -> None:
    line = one_line(dondoc(tmp_path, "run", TELEGRAM_BOT_TOKEN="abc"), EXIT_USAGE)
    assert "TELEGRAM_BOT_TOKEN" in line and "abc" not in line
    line = one_line(
        dondoc(
            tmp_path,
            "run",
            TELEGRAM_BOT_TOKEN="123:abc",
            TELEGRAM_MODE="webhook",
            TELEGRAM_WEBHOOK_URL="https://example.org/tg",
            TELEGRAM_WEBHOOK_SECRET="has spaces!",
        ),
        EXIT_USAGE,
    )
    assert "TELEGRAM_WEBHOOK_SECRET" in line and "has spaces" not in line
    line = one_line(
        dondoc(tmp_path, "run", TELEGRAM_BOT_TOKEN="1:a", TELEGRAM_API_BASE_URL="ftp://x"),
        EXIT_USAGE,
    )
    assert "TELEGRAM_API_BASE_URL" in line


def test_bot_api_base_url_both_forms() -> None:
    for given in ("http://127.0.0.1:8081", "http://127.0.0.1:8081/", "http://127.0.0.1:8081/bot"):
        settings = Settings(_env_file=None, telegram_api_base_url=given)  # type: ignore[call-arg]
        assert settings.telegram_api_base_url == "http://127.0.0.1:8081/bot"
    assert Settings(_env_file=None).telegram_api_base_url == ""  # type: ignore[call-arg]


async def _run(tmp_path: Path, **env: str) -> tuple[int, str]:
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "run",
        env={
            **os.environ,
            **BASE_ENV,
            "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/dondoc.db",
            "HTTP_PORT": str(free_port()),
            **env,
        },
        cwd=tmp_path,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    _out, err = await asyncio.wait_for(proc.communicate(), 60)
    assert proc.returncode is not None
    return proc.returncode, err.decode()


def _last_line(status: int, err: str, expected: int) -> str:
    assert status == expected, err
    assert "Traceback" not in err and "Unclosed" not in err, err
    lines = [ln for ln in err.strip().splitlines() if ln.startswith("dondoc:")]
    assert len(lines) == 1, err
    return lines[0]


async def test_telegram_token_rejected_and_api_unreachable(tmp_path: Path) -> None:
    async with FakeTelegram() as fake:
        for base in (fake.base_url, fake.base_url.removesuffix("/bot")):
            status, err = await _run(
                tmp_path, TELEGRAM_BOT_TOKEN="999:WRONG", TELEGRAM_API_BASE_URL=base
            )
            assert "token" in _last_line(status, err, EXIT_CHANNEL)
            assert "WRONG" not in err
    dead = f"http://127.0.0.1:{free_port()}"
    status, err = await _run(tmp_path, TELEGRAM_BOT_TOKEN="999:X", TELEGRAM_API_BASE_URL=dead)
    assert "Telegram" in _last_line(status, err, EXIT_CHANNEL)


async def test_port_in_use(tmp_path: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        status, err = await _run(
            tmp_path,
            TELEGRAM_BOT_TOKEN="999:X",
            TELEGRAM_API_BASE_URL=f"http://127.0.0.1:{free_port()}",
            HTTP_PORT=str(port),
        )
    assert f"127.0.0.1:{port}" in _last_line(status, err, EXIT_PORT)


def test_command_mistakes(env_db: dict[str, str], tmp_path: Path) -> None:
    out = dondoc(tmp_path, "plan", "create", "--title", "KH", "--year", "2027", **env_db)
    assert out.returncode == 0, out.stderr
    line = one_line(
        dondoc(
            tmp_path,
            *("rule", "set", "--plan", "1", "--period", "quarterly", "--day", "31"),
            *("--month", "2"),
            **env_db,
        ),
        EXIT_ERROR,
    )
    assert "31" in line and "2" in line
    binary = tmp_path / "ke-hoach.txt"
    for content in (bytes(range(256)) * 64, bytes(range(1, 32)) * 200):
        binary.write_bytes(content)
        out = dondoc(tmp_path, "plan", "import", str(binary), "--dry-run", **env_db)
        assert "không phải văn bản" in one_line(out, EXIT_ERROR)
    line = one_line(dondoc(tmp_path, "plan", "lst", **env_db), EXIT_USAGE)
    assert "dondoc --help" in line


def test_json_after_the_sub_command(env_db: dict[str, str], tmp_path: Path) -> None:
    import json

    dondoc(tmp_path, "plan", "create", "--title", "KH", "--year", "2027", **env_db)
    for argv in (("--json", "plan", "list"), ("plan", "list", "--json")):
        out = dondoc(tmp_path, *argv, **env_db)
        assert out.returncode == 0, out.stderr
        assert json.loads(out.stdout)[0]["name"] == "KH"


def test_broken_pipe_is_silent(env_db: dict[str, str], tmp_path: Path) -> None:
    read, write = os.pipe()
    os.close(read)  # the reader has left (`| head` that already exited)
    try:
        out = subprocess.run(
            [sys.executable, "-m", "bot", "holiday", "list", "--year", "2027"],
            env={**os.environ, **BASE_ENV, **env_db},
            cwd=tmp_path,
            stdout=write,
            stderr=subprocess.PIPE,
            text=True,
            timeout=60,
        )
    finally:
        os.close(write)
    assert out.returncode == EXIT_PIPE
    assert "BrokenPipe" not in out.stderr and "Traceback" not in out.stderr


def test_help_in_vietnamese(tmp_path: Path) -> None:
    out = dondoc(tmp_path, "--help", DEFAULT_LOCALE="vi")
    assert out.returncode == 0
    assert "cách dùng:" in out.stdout and "tùy chọn:" in out.stdout
    out = dondoc(tmp_path, "holiday", "add", "--help", DEFAULT_LOCALE="vi")
    assert "ngày đầu, dd/mm/yyyy" in out.stdout
    out = dondoc(tmp_path, "holiday", "add", "--help", DEFAULT_LOCALE="en")
    assert "first day, dd/mm/yyyy" in out.stdout


@pytest.fixture
def env_db(database_url: str, tmp_path: Path) -> dict[str, str]:
    return {"DATABASE_URL": database_url, "DATA_DIR": str(tmp_path / "data")}


def test_top_level_help_is_light_and_complete(tmp_path: Path) -> None:
    from bot.cli import build_parser, build_top_parser

    def commands(parser: object) -> set[str]:
        for action in getattr(parser, "_actions", []):
            if hasattr(action, "choices") and isinstance(action.choices, dict):
                return set(action.choices)
        return set()

    assert commands(build_top_parser()) == commands(build_parser())
    probe = "import sys; from bot.cli import main; main(['--help']); print(sorted(sys.modules))"
    out = subprocess.run(
        [sys.executable, "-c", probe],
        env={**os.environ, **BASE_ENV},
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 0, out.stderr
    loaded = out.stdout.strip().splitlines()[-1]
    for heavy in ("sqlalchemy", "telegram", "openpyxl", "aiohttp", "alembic"):
        assert f"'{heavy}'" not in loaded


@pytest.mark.timeout(300)  # some 20 processes; slow on a loaded machine
def test_vietnamese_registry_output(env_db: dict[str, str], tmp_path: Path) -> None:
    def ok(*argv: str) -> str:
        out = dondoc(tmp_path, *argv, **env_db, DEFAULT_LOCALE="vi")
        assert out.returncode == 0, out.stderr
        return out.stdout

    ok(
        "plan",
        "create",
        "--title",
        "Kế hoạch y tế cơ sở",
        "--year",
        "2027",
        "--number",
        "5/KH-UBND",
    )
    for name in (
        "Trường THCS Kim Đồng",
        "Trạm Y tế phường",
        "Ủy ban MTTQ phường",
        "Đoàn Thanh niên",
    ):
        ok("unit", "add", name)
    ok("unit", "add", "Doanh nghiệp X", "--alias", "DNX")
    listed = [line.split("\t")[1] for line in ok("unit", "list").splitlines()]
    assert listed == [
        "Doanh nghiệp X",
        "Đoàn Thanh niên",
        "Trạm Y tế phường",
        "Trường THCS Kim Đồng",
        "Ủy ban MTTQ phường",
    ]
    # --plan by the number's digits, --lead and --unit without tone marks, as the chat does.
    ok(
        *("task", "add", "--plan", "5", "--ref", "1", "--title", "Khám sức khỏe"),
        *("--lead", "Trạm Y tế phường", "--due", "31/03/2027", "--timeframe", "Quý I/2027"),
    )
    tasks = ok("task", "list", "--plan", "y te co so")
    assert "1. Khám sức khỏe" in tasks
    assert "Chủ trì: Trạm Y tế phường · Hạn: 31/03/2027 (Quý I/2027)" in tasks
    shown = ok("plan", "show", "5/KH-UBND")
    assert "Số hiệu: 5/KH-UBND" in shown and "Số nhiệm vụ: 1" in shown
    invite = ok("invite", "create", "--unit", "tram y te", "--role", "focal")
    assert "Dành cho: cán bộ đầu mối, Trạm Y tế phường" in invite
    assert "Zalo" in invite and "Telegram" in invite
    expires = next(line for line in invite.splitlines() if line.startswith("Hiệu lực đến"))
    assert "/20" in expires and "+00:00" not in expires
    out = dondoc(tmp_path, "invite", "create", "--unit", "phuong", **env_db)
    assert out.returncode == EXIT_ERROR and "khớp nhiều đơn vị" in out.stderr
    rule = ok("rule", "set", "--plan", "5", "--period", "quarterly", "--day", "10")
    assert "Báo cáo quý: hạn ngày 10 tháng cuối kỳ" in rule
    assert "ngày làm việc tiếp theo" in rule
    rule = ok("rule", "set", "--plan", "5", "--period", "annual", "--day", "5", "--month", "11")
    assert "Báo cáo năm: hạn ngày 5 tháng 11" in rule
    kept = ok(
        "rule",
        "set",
        "--plan",
        "5",
        "--period",
        "annual",
        "--day",
        "5",
        "--month",
        "11",
        "--deadlines",
        "as-written",
    )
    assert "giữ nguyên" in kept
    assert "Cơ sở dữ liệu đã ở phiên bản mới nhất" in ok("db", "upgrade")

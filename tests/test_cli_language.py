"""The command line speaks the configured language: every --help, argparse's own errors, one
spelling and one form of address in the Vietnamese catalogs."""

from __future__ import annotations

import argparse
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from bot.cli import ARGPARSE_MESSAGES, build_parser, build_top_parser, translate_argparse

LOCALES = Path(__file__).resolve().parents[1] / "locales"

# Words of English prose that have no place in a Vietnamese help text.
ENGLISH = {
    "the", "of", "and", "to", "for", "with", "from", "this", "that", "which", "when", "into",
    "its", "is", "are", "be", "default", "file", "show", "save", "nothing", "would", "every",
    "each", "plan", "plans", "unit", "units", "task", "tasks", "report", "reports", "day",
    "days", "date", "name", "number", "title", "check", "remove", "list", "create", "write",
    "read", "who", "language", "output", "period", "format", "account", "webhook's", "bot's",
}  # fmt: skip


def _texts(parser: argparse.ArgumentParser, path: str) -> Iterator[tuple[str, str | None]]:
    """(where, text) of every description and help text of a parser tree, in a stable order."""
    if path:
        yield f"{path} (description)", parser.description
    for action in parser._actions:
        if isinstance(action, argparse._HelpAction):
            continue
        if isinstance(action, argparse._SubParsersAction):
            for choice in action._choices_actions:
                yield f"{path} {choice.dest}", choice.help
            for name, sub in action.choices.items():
                yield from _texts(sub, f"{path} {name}".strip())
            continue
        yield f"{path} {'/'.join(action.option_strings) or action.dest}", action.help


def _all(monkeypatch: pytest.MonkeyPatch, locale: str) -> list[tuple[str, str | None]]:
    monkeypatch.setenv("DEFAULT_LOCALE", locale)
    return list(_texts(build_parser(), "")) + [
        (f"(top) {where}", text) for where, text in _texts(build_top_parser(), "")
    ]


def _english_words(text: str) -> set[str]:
    text = re.sub(r"«[^»]*»|dondoc [a-z -]+|--?[a-z][a-z-]*|[A-Z_]{3,}", " ", text)
    return {w for w in re.findall(r"[A-Za-z']+", text) if w.lower() in ENGLISH}


def test_every_help_text_is_in_the_configured_language(monkeypatch: pytest.MonkeyPatch) -> None:
    vi = _all(monkeypatch, "vi")
    en = _all(monkeypatch, "en")
    assert [w for w, _ in vi] == [w for w, _ in en]
    assert len(vi) > 150  # every command module was walked
    missing, same, english = [], [], []
    for (where, vi_text), (_, en_text) in zip(vi, en, strict=True):
        if where.endswith("(description)") and vi_text is None and en_text is None:
            continue  # a parser without a description (its help line says it)
        if not vi_text or not en_text:
            missing.append(where)
        elif vi_text == en_text:
            same.append(f"{where}: {vi_text}")
        elif found := _english_words(vi_text):
            english.append(f"{where}: {sorted(found)} in {vi_text!r}")
    assert not missing, f"no help text: {missing}"
    assert not same, f"not translated: {same}"
    assert not english, f"English words: {english}"


def test_help_output_of_every_sub_command_differs_by_language(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The printed --help (titles, 'usage', '-h') is Vietnamese for every parser."""

    def parsers(parser: argparse.ArgumentParser) -> Iterator[argparse.ArgumentParser]:
        yield parser
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                for sub in action.choices.values():
                    yield from parsers(sub)

    monkeypatch.setenv("DEFAULT_LOCALE", "vi")
    shown = [p.format_help() for p in parsers(build_parser())]
    assert len(shown) > 40
    for text in shown:
        assert text.startswith("cách dùng: dondoc"), text
        for english in ("usage:", "options:", "positional", "show this help", "COMMAND", "ACTION"):
            assert english not in text, text
        # Placeholders too: "--plan KẾ_HOẠCH", not "--plan PLAN" ("STT" is Vietnamese).
        placeholders = set(re.findall(r"--[a-z-]+ ([A-Z_]+)\b", text))
        assert placeholders <= {"STT"}, (placeholders, text)


def test_argparse_errors_are_translated() -> None:
    for english, key in ARGPARSE_MESSAGES:
        sample = re.sub(r"%\(\w+\)[sr]|%[sr]", "X1", english)
        vi, en = translate_argparse(sample, "vi"), translate_argparse(sample, "en")
        assert vi != sample and vi != en, (key, vi)
        assert "X1" in vi or "%" not in english
    nested = "argument --day: invalid int value: 'x'"
    assert translate_argparse(nested, "vi") == "tham số --day: giá trị không hợp lệ: 'x'"
    assert translate_argparse("something argparse may say one day", "vi") == (
        "something argparse may say one day"
    )


def _vi_messages() -> list[tuple[str, str]]:
    out = []
    for po in sorted((LOCALES / "vi" / "LC_MESSAGES").glob("*.po")):
        with po.open("rb") as fh:
            out += [(f"{po.name}:{m.id}", str(m.string)) for m in read_po(fh, locale="vi") if m.id]
    return out


# Tone marks on the first vowel of "oa", "oe", "uy" ("hóa", "Hủy", "xóa"): the catalogs' style.
_NEW_STYLE = re.compile(r"(?<![qQ])(?:o[áàảãạ]|o[éèẻẽẹ]|u[ýỳỷỹỵ])(?![a-zà-ỹđ])", re.I)


def test_one_spelling_and_one_form_of_address() -> None:
    messages = _vi_messages()
    assert len(messages) > 500
    mixed = [f"{where}: {text}" for where, text in messages if _NEW_STYLE.search(text)]
    assert not mixed, "tone mark on the second vowel (write 'hóa', 'Hủy'):\n" + "\n".join(mixed)
    address = re.compile(r"\b(đồng chí|bạn|quý vị|ông/bà)\b", re.I)
    other = [f"{where}: {text}" for where, text in messages if address.search(text)]
    assert not other, "address the reader as 'anh/chị':\n" + "\n".join(other)
    assert sum("anh/chị" in text.lower() for _, text in messages) >= 20
    # The old style is what the catalogs use: the check above is not vacuous.
    assert any(re.search(r"\b(hóa|Hủy|hủy|xóa)\b", text) for _, text in messages)


BAD_SETTINGS = [
    ({"TELEGRAM_BOT_TOKEN": "abc"}, "TELEGRAM_BOT_TOKEN", "không phải token của bot"),
    ({"ZALO_BOT_TOKEN": "abc"}, "ZALO_BOT_TOKEN", "không phải token của bot"),
    ({"DATABASE_URL": "postgresql+asyncpg://u@h:abc/db"}, "DATABASE_URL", "viết sai"),
    ({"DATABASE_URL": "mysql://x"}, "DATABASE_URL", "sqlite+aiosqlite://"),
    ({"DATABASE_URL": "postgresql+asyncpg://"}, "DATABASE_URL", "tên máy chủ"),
    ({"HTTP_PORT": "99999"}, "HTTP_PORT", "nhỏ hơn hoặc bằng 65535"),
    ({"HTTP_PORT": "x"}, "HTTP_PORT", "số nguyên"),
    ({"TIMEZONE": "Mars/Olympus"}, "TIMEZONE", "không có múi giờ «Mars/Olympus»"),
    ({"DEFAULT_LOCALE": "fr"}, "DEFAULT_LOCALE", "vi, en"),
    ({"LOG_LEVEL": "LOUD"}, "LOG_LEVEL", "'DEBUG', 'INFO', 'WARNING', 'ERROR'"),
    ({"TELEGRAM_API_BASE_URL": "ftp://x"}, "TELEGRAM_API_BASE_URL", "http(s)"),
    ({"TELEGRAM_API_BASE_URL": "http://h:port"}, "TELEGRAM_API_BASE_URL", "không phải là số"),
    ({"INVITE_TTL_DAYS": "0"}, "INVITE_TTL_DAYS", "lớn hơn hoặc bằng 1"),
    (
        {"TELEGRAM_BOT_TOKEN": "1:a", "TELEGRAM_WEBHOOK_SECRET": "bad secret!"},
        "TELEGRAM_WEBHOOK_SECRET",
        "A-Z a-z 0-9 _ -",
    ),
    (
        {"TELEGRAM_BOT_TOKEN": "1:a", "TELEGRAM_MODE": "webhook"},
        "TELEGRAM_WEBHOOK_URL",
        "https://",
    ),
    (
        {
            "TELEGRAM_BOT_TOKEN": "1:a",
            "TELEGRAM_MODE": "webhook",
            "TELEGRAM_WEBHOOK_URL": "https://a/b",
        },
        "TELEGRAM_WEBHOOK_SECRET",
        "chuỗi bí mật",
    ),
    (
        {"ZALO_BOT_TOKEN": "1:a", "ZALO_MODE": "webhook", "ZALO_WEBHOOK_URL": "https://a/b"},
        "ZALO_WEBHOOK_SECRET",
        "8-256",
    ),
]


@pytest.mark.parametrize(("env", "name", "fragment"), BAD_SETTINGS)
def test_bad_settings_answer_in_one_vietnamese_line(
    env: dict[str, str],
    name: str,
    fragment: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    from bot.settings import load_settings

    monkeypatch.chdir(tmp_path)  # no .env
    monkeypatch.delenv("DEFAULT_LOCALE", raising=False)
    for key in ("TELEGRAM_BOT_TOKEN", "ZALO_BOT_TOKEN", "DATABASE_URL", "TELEGRAM_MODE"):
        monkeypatch.delenv(key, raising=False)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    with pytest.raises(SystemExit) as stop:
        load_settings()
    assert stop.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1, err
    assert err.startswith(f"dondoc: cấu hình {name} không hợp lệ: "), err
    assert fragment in err
    for english in ("must", "not a", "Input should", "expected", " or "):
        assert english not in err, err
    if name == "DEFAULT_LOCALE":
        return
    monkeypatch.setenv("DEFAULT_LOCALE", "en")
    with pytest.raises(SystemExit):
        load_settings()
    assert capsys.readouterr().err.startswith(f"dondoc: invalid setting {name}: ")


async def test_run_start_and_stop_lines_are_vietnamese(tmp_path: Path) -> None:
    import asyncio
    import os
    import signal
    import socket
    import sys

    from tests.fakes.telegram_api import FakeTelegram

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    async with FakeTelegram() as fake:
        env = {
            **os.environ,
            "PYTHONPATH": str(LOCALES.parent),
            "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/dondoc.db",
            "TELEGRAM_BOT_TOKEN": fake.token,
            "TELEGRAM_API_BASE_URL": fake.base_url,
            "ZALO_BOT_TOKEN": "",
            "HTTP_PORT": str(port),
        }
        env.pop("DEFAULT_LOCALE", None)
        proc = await asyncio.create_subprocess_exec(
            *(sys.executable, "-m", "bot", "run"),
            env=env,
            cwd=tmp_path,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        assert proc.stderr is not None
        seen: list[str] = []
        async with asyncio.timeout(90):
            while not any("dondoc đang chạy" in line for line in seen):
                line = (await proc.stderr.readline()).decode()
                assert line, "".join(seen)
                seen.append(line)
            proc.send_signal(signal.SIGTERM)
            _out, tail = await proc.communicate()
        seen += tail.decode().splitlines(keepends=True)
    assert proc.returncode == 0, "".join(seen)
    text = "".join(seen)
    assert "Telegram: đã kết nối bot @" in text and "(nhận tin bằng polling)" in text
    assert f"tình trạng: http://127.0.0.1:{port}/healthz" in text
    assert "Đang dừng dondoc…" in text and "dondoc đã dừng." in text
    for english in ("started", "stopping", "running", "Application", "http server", "process"):
        assert english not in text, text


def test_walk_outputs_are_vietnamese(
    database_url: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    """Reminders preview, invite, export and plan export: words, not identifiers; --plan by
    words of the title everywhere; units in Vietnamese alphabetical order."""
    from bot.cli import main
    from tests.test_reminders_cli import seeded

    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("TIMEZONE", "Asia/Ho_Chi_Minh")
    monkeypatch.delenv("DEFAULT_LOCALE", raising=False)
    monkeypatch.chdir(tmp_path)
    seeded(database_url)
    plan = "nghi quyet 72"  # words of the title, without tone marks
    argv = ["reminders", "preview", "--plan", plan, "--from", "2026-12-01", "--to", "2026-12-31"]
    assert main(argv) == 0
    text = capsys.readouterr().out
    for english in ("before_due", "due_day", "overdue", "task_deadline", "digest", "2026-Q4"):
        assert english not in text
    assert "trước hạn  Quý IV/2026  hạn 10/12/2026" in text
    assert "tổng hợp cho văn phòng" in text and "hạn nhiệm vụ  nhiệm vụ 5" in text
    dec7 = [line.split("  ")[4] for line in text.splitlines() if line.startswith("07/12/2026")]
    assert dec7 == [
        "Phòng Kinh tế",
        "Phòng Văn hóa - Xã hội",
        "Trạm Y tế xã",
        "Ủy ban Mặt trận Tổ quốc Việt Nam xã",
    ]
    assert main(["invite", "create", "--unit", "tram y te"]) == 0
    sample = next(line for line in capsys.readouterr().out.splitlines() if "Tin nhắn mẫu" in line)
    assert " (hiệu lực đến " in sample
    assert main(["export", "--plan", plan, "--period", "2026-Q4", "-o", "q4.xlsx"]) == 0
    assert capsys.readouterr().out.startswith("Đã ghi q4.xlsx (")
    assert main(["plan", "export", plan, "--xlsx", "tasks.xlsx"]) == 0
    assert "Đã xuất 5 nhiệm vụ" in capsys.readouterr().out
    assert main(["group", "list", "--plan", plan]) == 0
    capsys.readouterr()
    assert main(["export", "--plan", "khong co ke hoach nay", "--period", "2026-Q4"]) == 1
    assert "không tìm thấy kế hoạch «khong co ke hoach nay»" in capsys.readouterr().err


def test_task_list_into_a_closed_pipe_is_silent(database_url: str, tmp_path: Path) -> None:
    """`dondoc task list | head`: the reader left; no BrokenPipeError, status 141."""
    import os
    import subprocess
    import sys

    from bot.cli import EXIT_PIPE

    env = {
        **os.environ,
        "PYTHONPATH": str(LOCALES.parent),
        "DATABASE_URL": database_url,
        "TELEGRAM_BOT_TOKEN": "",
        "ZALO_BOT_TOKEN": "",
    }

    def run(*argv: str, stdout: int | None = subprocess.PIPE) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "bot", *argv],
            env=env,
            cwd=tmp_path,
            stdout=stdout,
            stderr=subprocess.PIPE,
            text=True,
            timeout=60,
        )

    assert run("plan", "create", "--title", "Kế hoạch ống", "--year", "2027").returncode == 0
    for ref in range(1, 4):
        title = f"Nhiệm vụ số {ref} " + "rất dài " * 400
        out = run(
            "task", "add", "--plan", "ong", "--ref", str(ref), "--title", title, "--lead", "A"
        )
        assert out.returncode == 0, out.stderr
    read, write = os.pipe()
    os.close(read)  # `head` already exited
    try:
        out = run("task", "list", "--plan", "ong", stdout=write)
    finally:
        os.close(write)
    assert out.returncode == EXIT_PIPE, out.stderr
    assert out.stderr == ""

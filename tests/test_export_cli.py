"""`dondoc export` end to end: a real process, the real database, files written and reopened."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from pathlib import Path

import pytest
from docx import Document
from openpyxl import load_workbook

from bot.cli import main
from db.database import Database
from domain.clock import FrozenClock
from tests.test_export_data import RESULTS_VHXH, TYT, build_plan

REPO = Path(__file__).resolve().parents[1]


async def dondoc(database_url: str, cwd: Path, *args: str) -> tuple[int, str, str]:
    """Run `python -m bot ARGS` with the test database; returns (status, stdout, stderr)."""
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "DATA_DIR": str(cwd / "data"),
        "LOG_LEVEL": "WARNING",
        "PYTHONPATH": str(REPO),
    }
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        *args,
        cwd=cwd,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(proc.communicate(), timeout=60)
    assert proc.returncode is not None
    return proc.returncode, out.decode(), err.decode()


async def test_cli_process_writes_the_word_draft(
    db: Database, clock: FrozenClock, database_url: str, tmp_path: Path
) -> None:
    await build_plan(db, clock)
    target = tmp_path / "bao-cao.docx"
    code, out, err = await dondoc(
        database_url,
        tmp_path,
        "export",
        "--plan",
        "125/KH-UBND",
        "--period",
        "2026-Q4",
        "--format",
        "docx",
        "--output",
        str(target),
    )
    assert code == 0, err
    assert str(target) in out and "Quý IV/2026" in out
    doc = Document(str(target))
    assert any("quý IV/2026" in p.text for p in doc.paragraphs[:6])
    assert any(RESULTS_VHXH in p.text for p in doc.paragraphs)


async def cli(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    """`bot.cli.main(argv)` in a worker thread (it runs its own event loop), output captured."""
    code = await asyncio.to_thread(main, argv)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.fixture
def cli_env(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Settings for in-process CLI runs: the test database, a scratch folder as cwd."""
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("LOG_LEVEL", "WARNING")
    monkeypatch.chdir(tmp_path)
    return tmp_path


async def test_cli_format_from_extension_json_and_stdout(
    db: Database, clock: FrozenClock, cli_env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    await build_plan(db, clock)
    code, out, err = await cli(
        ["--json", "export", "--period", "2026-Q4", "-o", "matrix.xlsx"], capsys
    )
    assert code == 0, err
    summary = json.loads(out)
    assert summary["format"] == "xlsx" and summary["period"] == "2026-Q4"
    assert summary["units"] == {"on_time": 1, "late": 1, "partial": 1, "not_sent": 2}
    wb = await asyncio.to_thread(load_workbook, cli_env / "matrix.xlsx")
    assert wb.worksheets[2].max_row == 1 + 7

    code, out, err = await cli(["export", "--period", "2026-Q4", "--format", "png"], capsys)
    assert code == 0, err
    pngs = [n for n in await asyncio.to_thread(os.listdir, cli_env) if n.endswith(".png")]
    assert len(pngs) == 1 and pngs[0].endswith("-2026-Q4.png") and pngs[0] in out
    blob = await asyncio.to_thread((cli_env / pngs[0]).read_bytes)
    assert blob.startswith(b"\x89PNG")

    code, out, err = await cli(
        ["export", "--period", "2026-Q4", "--format", "json", "--output", "-"], capsys
    )
    assert code == 0, err
    data = json.loads(out)
    assert {u["name"]: u["days_late"] for u in data["units"]}[TYT] == 3


async def test_cli_bad_input_is_one_line_and_fails(
    db: Database, clock: FrozenClock, cli_env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    tmp_path = cli_env
    await build_plan(db, clock, with_reports=False)
    cases = [
        (("--plan", "999/KH-UBND", "--period", "2026-Q4"), "tìm thấy kế hoạch «999/KH-UBND»"),
        (("--period", "2026-Q9"), "không hợp lệ"),
        (("--period", "2026-H1"), "không có kỳ báo cáo 6 tháng đầu năm 2026"),
        (("--period", "2026-Q4", "-o", "x.odt"), "không được hỗ trợ"),
        (("--period", "2026-Q4", "-o", str(tmp_path / "nope" / "x.docx")), "không tồn tại"),
    ]
    for args, expected in cases:
        code, out, err = await cli(["export", *args], capsys)
        assert code == 1, (args, out, err)
        lines = [line for line in err.splitlines() if line.strip()]
        assert len(lines) == 1, (args, err)
        assert lines[0].startswith("dondoc: ") and expected in lines[0], (args, err)
    left = await asyncio.to_thread(os.listdir, tmp_path)
    assert not [name for name in left if name.endswith((".docx", ".pdf")) or "dondoc-" in name]


async def test_cli_pdf_through_libreoffice_or_one_line(
    db: Database,
    clock: FrozenClock,
    cli_env: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from domain.export import pdf

    await build_plan(db, clock)
    if pdf.soffice() is not None:
        code, _out, err = await cli(["export", "--period", "2026-Q4", "-o", "r.pdf"], capsys)
        assert code == 0, err
        blob = await asyncio.to_thread((cli_env / "r.pdf").read_bytes)
        assert blob.startswith(b"%PDF")
    # Without LibreOffice on the PATH: one clear line naming the package to install.
    monkeypatch.setenv("PATH", str(cli_env))
    code, _out, err = await cli(["export", "--period", "2026-Q4", "--format", "pdf"], capsys)
    assert code == 1
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and "libreoffice-writer-nogui" in lines[0], err

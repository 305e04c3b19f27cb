"""The benchmarks still run (tiny sizes; their figures are not checked, only that they work)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _run(script: str, *args: str) -> str:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / script), *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def test_telegram_benchmark_runs_both_bots() -> None:
    out = _run("telegram_updates.py", "--users", "3")
    assert "reports saved: 3/3" in out
    assert out.count("echo    updates=   33") == 2 and "dondoc  updates=   33" in out
    assert "dondoc/echo rate:" in out


def test_conversations_benchmark_saves_every_report() -> None:
    out = _run("conversations.py", "--users", "3")
    assert "reports saved 3/3" in out
    assert "confirm" in out


def test_export_benchmark_runs() -> None:
    out = _run("export.py", "--tasks", "6", "--units", "4", "--runs", "1")
    assert "docx export:" in out and "gather" in out

#!/usr/bin/env python3
"""Set up and run dondoc on a fresh machine with nothing but Python 3.11+.

    python3 dev.py run [dondoc args]   # create .venv if needed, then `dondoc run`
    python3 dev.py test [pytest args]  # create .venv if needed, then ruff, mypy and pytest

The virtual environment is rebuilt when pyproject.toml changes.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
STAMP = VENV / ".dondoc-installed"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")


def _digest() -> str:
    return hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()


def ensure_venv() -> None:
    """Create .venv and install the project with its dev extras, once per pyproject change."""
    if sys.version_info < (3, 11):  # noqa: UP036 - dev.py may be started by an older python3
        sys.exit("dondoc needs Python 3.11 or newer")
    if STAMP.exists() and STAMP.read_text() == _digest():
        return
    if not (BIN / "python").exists():
        print("dev.py: creating .venv …", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    pip = [str(BIN / "python"), "-m", "pip", "--disable-pip-version-check", "-q"]
    print("dev.py: installing dondoc and its dependencies …", flush=True)
    subprocess.check_call([*pip, "install", "--upgrade", "pip"])
    subprocess.check_call([*pip, "install", "-e", f"{ROOT}[dev]"])
    STAMP.write_text(_digest())


def run(argv: list[str]) -> int:
    """`dondoc run` (or any dondoc sub-command given)."""
    args = argv or ["run"]
    return subprocess.call([str(BIN / "dondoc"), *args], cwd=ROOT)


def test(argv: list[str]) -> int:
    """Lint, type-check, then the whole test-suite."""
    py = str(BIN / "python")
    for step in (
        [py, "-m", "ruff", "check", "."],
        [py, "-m", "ruff", "format", "--check", "."],
        [py, "-m", "mypy"],
    ):
        print("dev.py:", " ".join(step[1:]), flush=True)
        code = subprocess.call(step, cwd=ROOT)
        if code:
            return code
    return subprocess.call([py, "-m", "pytest", *argv], cwd=ROOT)


def main() -> int:
    """Dispatch `run` or `test`."""
    if len(sys.argv) < 2 or sys.argv[1] not in ("run", "test"):
        print(__doc__)
        return 2
    ensure_venv()
    return run(sys.argv[2:]) if sys.argv[1] == "run" else test(sys.argv[2:])


if __name__ == "__main__":
    sys.exit(main())

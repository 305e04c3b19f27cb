"""The `dondoc` command line, run as a real process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def dondoc(
    *args: str, env: dict[str, str], cwd: Path, stdin: str = ""
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        env={**os.environ, "PYTHONPATH": str(ROOT), **env},
        cwd=cwd,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.fixture
def env(database_url: str, tmp_path: Path) -> dict[str, str]:
    return {
        "DATABASE_URL": database_url,
        "DATA_DIR": str(tmp_path / "data"),
        "TELEGRAM_BOT_TOKEN": "",
        "ZALO_BOT_TOKEN": "",
    }


def test_help_lists_commands(tmp_path: Path) -> None:
    out = dondoc("--help", env={}, cwd=tmp_path)
    assert out.returncode == 0
    for word in ("db", "plan", "unit", "task", "rule", "invite", "member", "run", "chat"):
        assert word in out.stdout


def test_bad_setting_stops_with_one_line(tmp_path: Path) -> None:
    out = dondoc("plan", "list", env={"TIMEZONE": "Mars/Olympus"}, cwd=tmp_path)
    assert out.returncode == 2
    assert out.stderr.strip().count("\n") == 0
    assert "TIMEZONE" in out.stderr
    out = dondoc("plan", "list", env={"DATABASE_URL": "mysql://x"}, cwd=tmp_path)
    assert out.returncode == 2 and "DATABASE_URL" in out.stderr


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("DONDOC_REMINDER_LEASE_SECONDS", "0"),
        ("DONDOC_REMINDER_LEASE_SECONDS", "sixty"),
        ("DONDOC_REMINDER_GRACE_HOURS", "-3"),
        ("DONDOC_REMINDER_TICK_SECONDS", "99999"),
    ],
)
def test_bad_reminder_setting_stops_with_one_line(tmp_path: Path, name: str, value: str) -> None:
    out = dondoc("plan", "list", env={name: value}, cwd=tmp_path)
    assert out.returncode == 2
    assert out.stderr.strip().count("\n") == 0 and "Traceback" not in out.stderr
    assert name in out.stderr


def test_reminder_settings_are_read(monkeypatch: pytest.MonkeyPatch) -> None:
    from bot.settings import Settings

    monkeypatch.setenv("DONDOC_REMINDER_LEASE_SECONDS", "3")
    monkeypatch.setenv("DONDOC_REMINDER_GRACE_HOURS", "1.5")
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert settings.reminder_lease_seconds == 3.0
    assert settings.reminder_grace_hours == 1.5
    assert settings.reminder_tick_seconds == 60.0  # the default


def test_secrets_are_never_printed(tmp_path: Path) -> None:
    secret = "123456:SECRET-TOKEN-VALUE"
    out = dondoc(
        "plan", "list", env={"TELEGRAM_BOT_TOKEN": secret, "HTTP_PORT": "99999"}, cwd=tmp_path
    )
    assert out.returncode == 2
    assert secret not in out.stdout + out.stderr


def test_registry_round_trip(env: dict[str, str], tmp_path: Path) -> None:
    out = dondoc(
        "--json",
        "plan",
        "create",
        "--title",
        "Kế hoạch thử nghiệm",
        "--year",
        "2026",
        "--number",
        "5/KH-UBND",
        "--coordinator",
        "Phòng VH-XH",
        env=env,
        cwd=tmp_path,
    )
    assert out.returncode == 0, out.stderr
    plan = json.loads(out.stdout)
    assert plan["id"] and plan["name"] == "Kế hoạch thử nghiệm"
    assert (
        dondoc(
            "rule",
            "set",
            "--plan",
            "5/KH-UBND",
            "--period",
            "quarterly",
            "--day",
            "10",
            env=env,
            cwd=tmp_path,
        ).returncode
        == 0
    )
    out = dondoc(
        "task",
        "add",
        "--plan",
        str(plan["id"]),
        "--ref",
        "1",
        "--title",
        "Việc một",
        "--lead",
        "Phòng Tư pháp",
        "--support",
        "Trạm Y tế; Công an phường",
        "--timeframe",
        "Quý I/2027",
        "--due",
        "2027-03-31",
        env=env,
        cwd=tmp_path,
    )
    assert out.returncode == 0, out.stderr
    units = json.loads(dondoc("--json", "unit", "list", env=env, cwd=tmp_path).stdout)
    assert {"Phòng Tư pháp", "Trạm Y tế", "Công an phường"} <= {u["name"] for u in units}
    assert all("id" in u and "name" in u for u in units)
    shown = json.loads(dondoc("--json", "plan", "show", "5/KH-UBND", env=env, cwd=tmp_path).stdout)
    assert shown["rules"] == [{"period": "quarterly", "due_day": 10, "due_month": "last"}]
    assert shown["tasks"][0]["lead"] == ["Phòng Tư pháp"]
    out = dondoc(
        "--json",
        "invite",
        "create",
        "--unit",
        "Phòng Tư pháp",
        "--role",
        "focal",
        env=env,
        cwd=tmp_path,
    )
    assert out.returncode == 0, out.stderr
    invite = json.loads(out.stdout)
    assert set(invite) == {"code", "link", "unit", "role", "expires_at"}
    assert len(invite["code"]) >= 22 and invite["unit"] == "Phòng Tư pháp"
    members = json.loads(dondoc("--json", "member", "list", env=env, cwd=tmp_path).stdout)
    assert members == []


def test_errors_are_one_line_and_non_zero(env: dict[str, str], tmp_path: Path) -> None:
    out = dondoc("task", "list", "--plan", "999", env=env, cwd=tmp_path)
    assert out.returncode == 1 and "không tìm thấy kế hoạch «999»" in out.stderr
    out = dondoc("invite", "create", "--unit", "Không tồn tại", env=env, cwd=tmp_path)
    assert out.returncode == 1 and "không tìm thấy đơn vị" in out.stderr
    out = dondoc(
        "rule", "set", "--plan", "1", "--period", "quarterly", "--day", "40", env=env, cwd=tmp_path
    )
    assert out.returncode == 1


def test_run_without_token_opens_the_demo_chat(env: dict[str, str], tmp_path: Path) -> None:
    out = dondoc("run", env=env, cwd=tmp_path, stdin="2\n/tinhhinh\n/quit\n")
    assert out.returncode == 0, out.stderr
    assert "TÌNH HÌNH BÁO CÁO" in out.stdout
    assert "Quý IV/2026" in out.stdout or "Quý I/2027" in out.stdout

"""Benchmark: `/status` (summary and one drill-down) on a large registry.

2,000 units, 20 tasks each (one plan, 40,000 tasks), 8 quarterly periods of reports
(about 250,000 reports). Times the real `/tinhhinh` dialogue through the channel-neutral
layer: the summary, then the drill-down into one unit. Median of several runs, on SQLite and,
when reachable, PostgreSQL.

    .venv/bin/python -m bench.status [--units 2000] [--tasks 20] [--runs 7] [--pg URL]
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import random
import secrets
import statistics
import tempfile
import time
import zoneinfo
from pathlib import Path

from sqlalchemy import insert, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from db.database import Database
from db.migrate import upgrade
from db.models import (
    ChatAccount,
    Member,
    PeriodKind,
    Plan,
    Report,
    ReportingRule,
    ReportStatus,
    Task,
    TaskUnit,
    Unit,
)
from domain.clock import FrozenClock
from domain.deps import Deps
from domain.periods import RuleSpec, periods_for_year
from handlers.messages import Incoming
from handlers.router import Conversations

TZ = zoneinfo.ZoneInfo("Asia/Ho_Chi_Minh")
NOW = dt.datetime(2026, 11, 23, 2, 0, tzinfo=dt.UTC)
CHUNK = 5000


async def _bulk(db: Database, model: type, rows: list[dict[str, object]]) -> None:
    async with db.transaction() as s:
        for i in range(0, len(rows), CHUNK):
            await s.execute(insert(model), rows[i : i + CHUNK])


async def fill(db: Database, units: int, tasks_per_unit: int) -> int:
    """Create the registry and reports; returns the coordinator's member id."""
    rng = random.Random(7)
    now = NOW
    await _bulk(
        db,
        Unit,
        [
            {
                "id": u,
                "name": f"Đơn vị số {u}",
                "key": f"don vi so {u}",
                "kind": "unit",
                "independent": False,
                "created_at": now,
            }
            for u in range(1, units + 1)
        ],
    )
    await _bulk(
        db,
        Plan,
        [
            {
                "id": 1,
                "title": "Kế hoạch đo hiệu năng",
                "year": 2026,
                "family": "administrative",
                "cutoff_mode": "decree09",
                "reminder_days": [],
                "reminder_offsets": [],
                "overdue_offsets": [],
                "task_deadline_offsets": [],
                "reminder_time": "08:00",
                "active": True,
                "created_at": now,
                "coordinator_unit_id": 1,
            }
        ],
    )
    await _bulk(
        db,
        ReportingRule,
        [{"plan_id": 1, "period_kind": "quarterly", "due_day": 10, "due_month": None}],
    )
    tasks, links = [], []
    tid = 0
    for u in range(1, units + 1):
        for k in range(tasks_per_unit):
            tid += 1
            tasks.append(
                {
                    "id": tid,
                    "plan_id": 1,
                    "ref": str(tid),
                    "position": tid,
                    "title": f"Nhiệm vụ {k + 1} của đơn vị {u}",
                    "timeframe_text": "Thường xuyên",
                    "schedule": "recurring",
                    "active": True,
                }
            )
            links.append({"task_id": tid, "unit_id": u, "role": "lead", "position": 0})
    await _bulk(db, Task, tasks)
    await _bulk(db, TaskUnit, links)
    await _bulk(
        db,
        Member,
        [
            {
                "id": 1,
                "full_name": "Văn phòng",
                "unit_id": 1,
                "role": "coordinator",
                "locale": "vi",
                "preferred_channel": "all",
                "active": True,
                "created_at": now,
            }
        ],
    )
    await _bulk(
        db,
        ChatAccount,
        [
            {
                "member_id": 1,
                "channel": "console",
                "external_id": "office",
                "chat_id": "office",
                "created_at": now,
            }
        ],
    )
    rules = [RuleSpec(PeriodKind.QUARTERLY, 10)]
    periods = periods_for_year(rules, 2025) + periods_for_year(rules, 2026)
    reports = []
    for period in periods:
        share = 0.6 if period.key == "2026-Q4" else 0.95
        submitted = dt.datetime.combine(period.due, dt.time(3), tzinfo=dt.UTC)
        for t in range(1, tid + 1):
            if rng.random() < share:
                reports.append(
                    {
                        "plan_id": 1,
                        "task_id": t,
                        "unit_id": (t - 1) // tasks_per_unit + 1,
                        "period_key": period.key,
                        "status": ReportStatus.ONGOING.value,
                        "progress": 50,
                        "results": "Đã thực hiện theo kế hoạch",
                        "difficulties": "",
                        "proposals": "",
                        "next_plan": "",
                        "evidence_ref": "",
                        "version": 1,
                        "first_submitted_at": submitted - dt.timedelta(days=rng.randint(0, 20)),
                        "submitted_at": submitted,
                        "late": False,
                        "submitted_by": 1,
                    }
                )
        await _bulk(db, Report, reports)
        reports = []
    return 1


async def measure(url: str, units: int, tasks: int, runs: int) -> dict[str, float]:
    """Fill a fresh database at `url` and time the status dialogue."""
    await upgrade(url)
    db = Database(url)
    t0 = time.perf_counter()
    await fill(db, units, tasks)
    if db.is_postgres:
        async with db.transaction() as s:
            await s.execute(text("ANALYZE"))
    fill_s = time.perf_counter() - t0
    deps = Deps(db=db, clock=FrozenClock(NOW), tz=TZ, data_dir=Path(tempfile.mkdtemp()))
    convo = Conversations(deps)
    msg = Incoming(channel="console", user_id="office", chat_id="office", text="/tinhhinh")
    summary_ms, drill_ms = [], []
    for _ in range(runs):
        t = time.perf_counter()
        replies = await convo.handle(msg)
        summary_ms.append((time.perf_counter() - t) * 1000)
        assert "Quý IV/2026" in replies[-1].text, replies[-1].text[:200]
        page = await convo.handle(
            Incoming(channel="console", user_id="office", chat_id="office", choice="units:0")
        )
        unit = page[-1].options[0]
        t = time.perf_counter()
        replies = await convo.handle(
            Incoming(channel="console", user_id="office", chat_id="office", choice=unit.value)
        )
        drill_ms.append((time.perf_counter() - t) * 1000)
        assert "Nhiệm vụ" in replies[-1].text, replies[-1].text[:200]
    await db.dispose()
    return {
        "fill_s": fill_s,
        "summary_ms": statistics.median(summary_ms),
        "drill_ms": statistics.median(drill_ms),
    }


async def _pg_scratch(url: str) -> tuple[str, str]:
    name = f"dondoc_bench_{secrets.token_hex(3)}"
    engine = create_async_engine(url, isolation_level="AUTOCOMMIT")
    async with engine.connect() as conn:
        await conn.execute(text(f'CREATE DATABASE "{name}"'))
    await engine.dispose()
    return name, make_url(url).set(database=name).render_as_string(hide_password=False)


async def _pg_drop(url: str, name: str) -> None:
    engine = create_async_engine(url, isolation_level="AUTOCOMMIT")
    async with engine.connect() as conn:
        await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    await engine.dispose()


async def main() -> None:
    """Run on SQLite, then PostgreSQL if reachable."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--units", type=int, default=2000)
    ap.add_argument("--tasks", type=int, default=20)
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--pg", default="postgresql+asyncpg://postgres@127.0.0.1:5432/test")
    args = ap.parse_args()
    print(f"registry: {args.units} units x {args.tasks} tasks, 8 quarterly periods of reports")
    with tempfile.TemporaryDirectory() as tmp:
        r = await measure(f"sqlite+aiosqlite:///{tmp}/bench.db", args.units, args.tasks, args.runs)
    print(
        f"SQLite     fill {r['fill_s']:.1f} s | /status summary median {r['summary_ms']:.0f} ms"
        f" | drill-down median {r['drill_ms']:.0f} ms"
    )
    try:
        name, url = await _pg_scratch(args.pg)
    except (OSError, Exception) as exc:
        print(f"PostgreSQL skipped: {type(exc).__name__}")
        return
    try:
        r = await measure(url, args.units, args.tasks, args.runs)
        print(
            f"PostgreSQL fill {r['fill_s']:.1f} s | /status summary median "
            f"{r['summary_ms']:.0f} ms | drill-down median {r['drill_ms']:.0f} ms"
        )
    finally:
        await _pg_drop(args.pg, name)


if __name__ == "__main__":
    asyncio.run(main())

"""Reminder benchmark: one tick's planning time, and the send rate through a rate-limited Bot API.

    PYTHONPATH=. python bench/reminders.py [--units 2000] [--tasks 20] [--postgres URL]

1. Seeds 2,000 units with 20 tasks each (one focal point per unit, a quarter of the units have
   reported part of their tasks) on SQLite and, when given, PostgreSQL; times the work one tick
   does to find out the reminders due at 08:00 on a reminder day (nothing is sent).
2. Starts a fake Bot API on 127.0.0.1 (an aiohttp server in a separate process) that answers 429
   with retry_after when more than 30 messages arrive within one second, and lets the engine
   send that tick's reminders the way `dondoc run` does (TelegramOutbound on DondocBot behind
   bot.telegram.ratelimit.Limiter, the reminder service with its sender lock); with
   `--processes 2` two such services tick at once (on SQLite, and on PostgreSQL when given).
   Prints the rate achieved as a fraction of the cap and the number of 429 answers.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import itertools
import json
import multiprocessing
import os
import secrets
import statistics
import sys
import tempfile
import time
import zoneinfo
from collections import deque
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import contextlib

from aiohttp import web
from sqlalchemy import insert, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine
from telegram.request import HTTPXRequest

from bot.telegram.outbound import TelegramOutbound
from bot.telegram.ratelimit import Limiter
from bot.telegram.render import DondocBot
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
    Role,
    ScheduleKind,
    Task,
    TaskRole,
    TaskUnit,
    Unit,
    UnitKind,
)
from domain.clock import FrozenClock
from domain.deps import Deps
from scheduler.engine import ReminderEngine
from scheduler.lock import SenderLock
from scheduler.service import ReminderScheduler

TZ = zoneinfo.ZoneInfo("Asia/Ho_Chi_Minh")
CAP = 30
TOKEN = "123456:BENCH"
# 7 December 2026, 08:00 in Hanoi: three days before the Q4 deadline (10 December).
TICK_AT = dt.datetime(2026, 12, 7, 8, 0, tzinfo=TZ)


# ---- seeding ----------------------------------------------------------------------------------


async def seed(db: Database, units: int, tasks_per_unit: int) -> None:
    """Bulk-insert the plan, units, tasks, focal points and some reports."""
    now = dt.datetime(2026, 10, 1, tzinfo=dt.UTC)
    async with db.transaction() as s:
        plan_id = (
            await s.execute(
                insert(Plan)
                .values(
                    title="Kế hoạch bench",
                    year=2026,
                    reminder_days=[],
                    reminder_offsets=[],
                    overdue_offsets=[],
                    task_deadline_offsets=[],
                    reminder_time="08:00",
                    active=True,
                    family="administrative",
                    cutoff_mode="decree09",
                    created_at=now,
                )
                .returning(Plan.id)
            )
        ).scalar_one()
        await s.execute(
            insert(ReportingRule).values(
                plan_id=plan_id, period_kind=PeriodKind.QUARTERLY, due_day=10, due_month=None
            )
        )
        await s.execute(
            insert(Unit),
            [
                {
                    "id": u + 1,
                    "name": f"Đơn vị {u:04d}",
                    "key": f"don vi {u:04d}",
                    "kind": UnitKind.UNIT,
                    "independent": u % 10 == 0,
                    "created_at": now,
                }
                for u in range(units)
            ],
        )
        task_rows, link_rows = [], []
        for u in range(units):
            for k in range(tasks_per_unit):
                tid = u * tasks_per_unit + k + 1
                task_rows.append(
                    {
                        "id": tid,
                        "plan_id": plan_id,
                        "ref": f"{u}.{k}",
                        "position": tid,
                        "title": f"Nhiệm vụ {k + 1} của đơn vị {u:04d}",
                        "timeframe_text": "Thường xuyên",
                        "schedule": ScheduleKind.RECURRING,
                        "active": True,
                    }
                )
                link_rows.append(
                    {"task_id": tid, "unit_id": u + 1, "role": TaskRole.LEAD, "position": 0}
                )
        for i in range(0, len(task_rows), 5000):
            await s.execute(insert(Task), task_rows[i : i + 5000])
            await s.execute(insert(TaskUnit), link_rows[i : i + 5000])
        await s.execute(
            insert(Member),
            [
                {
                    "id": u + 1,
                    "full_name": f"Cán bộ {u:04d}",
                    "unit_id": u + 1,
                    "role": Role.FOCAL,
                    "locale": "vi",
                    "preferred_channel": "telegram",
                    "active": True,
                    "created_at": now,
                }
                for u in range(units)
            ],
        )
        await s.execute(
            insert(ChatAccount),
            [
                {
                    "member_id": u + 1,
                    "channel": "telegram",
                    "external_id": str(1_000_000 + u),
                    "chat_id": str(1_000_000 + u),
                    "created_at": now,
                }
                for u in range(units)
            ],
        )
        reports = []
        for u in range(0, units, 4):  # a quarter of the units reported half their tasks
            for k in range(tasks_per_unit // 2):
                reports.append(
                    {
                        "plan_id": plan_id,
                        "task_id": u * tasks_per_unit + k + 1,
                        "unit_id": u + 1,
                        "period_key": "2026-Q4",
                        "status": ReportStatus.IN_PROGRESS,
                        "progress": 50,
                        "results": "",
                        "difficulties": "",
                        "proposals": "",
                        "next_plan": "",
                        "evidence_ref": "",
                        "version": 1,
                        "first_submitted_at": now,
                        "submitted_at": now,
                        "late": False,
                    }
                )
        for i in range(0, len(reports), 5000):
            await s.execute(insert(Report), reports[i : i + 5000])
    if db.is_postgres:
        async with db.transaction() as s:
            for table in ("units", "tasks", "members"):
                await s.execute(
                    text(
                        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                        f"(SELECT max(id) FROM {table}))"
                    )
                )
            await s.execute(text("ANALYZE"))


async def time_planning(db: Database, repeat: int = 5) -> tuple[list[float], int]:
    """Seconds to work out the tick's due reminders (no sending), several runs."""
    engine = ReminderEngine(db, FrozenClock(TICK_AT), TZ, {})
    times, deliveries = [], 0
    for _ in range(repeat):
        started = time.perf_counter()
        work = await engine.due_work(TICK_AT)
        times.append(time.perf_counter() - started)
        deliveries = sum(len(r.recipients) for _s, rems in work.fresh for r in rems)
    return times, deliveries


async def time_idle(db: Database, repeat: int = 5) -> float:
    """Seconds for a tick when nothing is due (the usual minute)."""
    at = dt.datetime(2026, 12, 5, 15, 0, tzinfo=TZ)
    engine = ReminderEngine(db, FrozenClock(at), TZ, {})
    runs = []
    for _ in range(repeat):
        started = time.perf_counter()
        await engine.tick()
        runs.append(time.perf_counter() - started)
    return statistics.median(runs)


# ---- the fake Bot API ---------------------------------------------------------------------------


def run_fake_bot_api(port_queue: Any, cap: int) -> None:
    """A Bot API that enforces `cap` messages in any one-second window (429 with retry_after).

    It stands in for Telegram's servers, which do not share our CPU: when allowed, it runs at a
    higher scheduling priority so that its arrival clock is not skewed by being descheduled.
    """
    with contextlib.suppress(PermissionError, OSError):
        os.setpriority(os.PRIO_PROCESS, 0, -10)
    arrivals: deque[float] = deque()
    stats = {"ok": 0, "429": 0, "first": 0.0, "last": 0.0}

    async def handle(request: web.Request) -> web.Response:
        arrived = time.monotonic()
        method = request.match_info["method"]
        if method == "getMe":
            return web.json_response(
                {
                    "ok": True,
                    "result": {
                        "id": 123456,
                        "is_bot": True,
                        "first_name": "dondoc",
                        "username": "dondoc_bench_bot",
                    },
                }
            )
        if method == "stats":
            return web.json_response(stats)
        if method == "reset":
            arrivals.clear()
            stats.update(ok=0, **{"429": 0}, first=0.0, last=0.0)
            return web.json_response({"ok": True})
        data = await request.post() if request.content_type != "application/json" else None
        payload = dict(data) if data is not None else await request.json()
        now = arrived
        while arrivals and arrivals[0] <= now - 1.0:
            arrivals.popleft()
        if len(arrivals) >= cap:
            stats["429"] += 1
            if os.environ.get("BENCH_DEBUG"):
                gaps = [round((b - a) * 1000) for a, b in itertools.pairwise(arrivals)]
                print(
                    "429 window gaps ms:",
                    gaps,
                    "span",
                    round((now - arrivals[0]) * 1000),
                    flush=True,
                )
            return web.json_response(
                {
                    "ok": False,
                    "error_code": 429,
                    "description": "Too Many Requests: retry after 1",
                    "parameters": {"retry_after": 1},
                },
                status=429,
            )
        arrivals.append(now)
        stats["ok"] += 1
        if not stats["first"]:
            stats["first"] = now
        stats["last"] = now
        chat_id = int(payload.get("chat_id", 0))
        return web.json_response(
            {
                "ok": True,
                "result": {
                    "message_id": stats["ok"],
                    "date": int(time.time()),
                    "chat": {"id": chat_id, "type": "private"},
                    "text": str(payload.get("text", ""))[:10],
                },
            }
        )

    async def main() -> None:
        app = web.Application()
        app.router.add_route("*", "/bot{token}/{method}", handle)
        runner = web.AppRunner(app)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        server = site._server
        assert server is not None
        port_queue.put(server.sockets[0].getsockname()[1])  # type: ignore[union-attr]
        await asyncio.Event().wait()

    asyncio.run(main())


async def measure_sending(
    db: Database, port: int, concurrency: int, processes: int = 1
) -> dict[str, Any]:
    """Let the reminder service deliver the tick's reminders through the fake Bot API.

    The real path: `TelegramOutbound` on a `DondocBot` behind the bot's `Limiter`. With
    `processes` = 2, two services (each its own database handle, sender lock, bot and limiter,
    as two `dondoc run` would have) tick at the same moment; the sender lock lets one send.
    """
    services = []
    bots = []
    handles = [db] + [Database(db.url) for _ in range(processes - 1)]
    for handle in handles:
        bot = DondocBot(
            TOKEN,
            base_url=f"http://127.0.0.1:{port}/bot",
            request=HTTPXRequest(connection_pool_size=concurrency, read_timeout=10),
            rate_limiter=Limiter(),
        )
        await bot.initialize()
        bots.append(bot)
        deps = Deps(
            db=handle, clock=FrozenClock(TICK_AT), tz=TZ, data_dir=Path(tempfile.gettempdir())
        )
        engine = ReminderEngine(
            handle,
            FrozenClock(TICK_AT),
            TZ,
            {"telegram": TelegramOutbound(bot, deps)},
            concurrency=concurrency,
        )
        services.append(ReminderScheduler(engine, lock=SenderLock(handle)))
    started = time.perf_counter()
    await asyncio.gather(*(s.run_tick() for s in services))
    elapsed = time.perf_counter() - started
    reports = [s.last_report for s in services if s.last_report is not None]
    for service in services:
        await service.stop()
    for bot in bots:
        await bot.shutdown()
    for handle in handles[1:]:
        await handle.dispose()
    return {
        "sent": sum(r.sent for r in reports),
        "failed": sum(r.failed + r.given_up for r in reports),
        "senders": sum(1 for r in reports if r.states),
        "elapsed": elapsed,
    }


async def reset_stats(port: int) -> None:
    """Clear the fake server's counters and window (between backends)."""
    import aiohttp

    async with (
        aiohttp.ClientSession() as session,
        session.get(f"http://127.0.0.1:{port}/bot{TOKEN}/reset") as resp,
    ):
        await resp.read()


async def fetch_stats(port: int) -> dict[str, Any]:
    """Read the fake server's counters."""
    import aiohttp

    async with (
        aiohttp.ClientSession() as session,
        session.get(f"http://127.0.0.1:{port}/bot{TOKEN}/stats") as resp,
    ):
        return dict(json.loads(await resp.text()))


# ---- main -------------------------------------------------------------------------------------


async def bench_backend(
    name: str, url: str, args: argparse.Namespace, port: int | None
) -> dict[str, Any]:
    """Seed, time the planning, and (once) the sending."""
    await upgrade(url)
    db = Database(url)
    try:
        t0 = time.perf_counter()
        await seed(db, args.units, args.tasks)
        seeded = time.perf_counter() - t0
        times, deliveries = await time_planning(db)
        idle = await time_idle(db)
        out: dict[str, Any] = {
            "backend": name,
            "seed_s": seeded,
            "plan_first_s": times[0],
            "plan_median_s": statistics.median(times),
            "deliveries": deliveries,
            "idle_tick_s": idle,
        }
        if port is not None:
            await reset_stats(port)
            sent = await measure_sending(db, port, args.concurrency, args.processes)
            stats = await fetch_stats(port)
            span = stats["last"] - stats["first"]
            achieved = (stats["ok"] - 1) / span if span > 0 else 0.0
            out.update(
                sent=sent["sent"],
                failed=sent["failed"],
                senders=sent["senders"],
                send_elapsed_s=sent["elapsed"],
                server_ok=stats["ok"],
                server_429=stats["429"],
                rate=achieved,
                fraction_of_cap=achieved / CAP,
            )
        return out
    finally:
        await db.dispose()


async def amain(args: argparse.Namespace) -> None:
    results = []
    port: int | None = None
    proc = None
    if not args.no_send:
        queue: Any = multiprocessing.get_context("spawn").Queue()
        proc = multiprocessing.get_context("spawn").Process(
            target=run_fake_bot_api, args=(queue, CAP), daemon=True
        )
        proc.start()
        port = int(queue.get(timeout=30))
    try:
        with tempfile.TemporaryDirectory() as tmp:
            sqlite_url = f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}"
            results.append(await bench_backend("sqlite", sqlite_url, args, port))
        if args.postgres:
            name = f"dondoc_bench_{secrets.token_hex(4)}"
            admin = create_async_engine(args.postgres, isolation_level="AUTOCOMMIT")
            async with admin.connect() as conn:
                await conn.execute(text(f'CREATE DATABASE "{name}"'))
            url = make_url(args.postgres).set(database=name).render_as_string(hide_password=False)
            try:
                results.append(await bench_backend("postgresql", url, args, port))
            finally:
                async with admin.connect() as conn:
                    await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
                await admin.dispose()
    finally:
        if proc is not None:
            proc.terminate()
    print(f"units={args.units} tasks/unit={args.tasks} (tasks={args.units * args.tasks})")
    for r in results:
        print(
            f"[{r['backend']}] tick planning: first {r['plan_first_s'] * 1000:.0f} ms, "
            f"median {r['plan_median_s'] * 1000:.0f} ms for {r['deliveries']} deliveries "
            f"(target < 1000 ms); idle tick {r['idle_tick_s'] * 1000:.1f} ms; "
            f"seeding {r['seed_s']:.1f} s"
        )
        if "rate" in r:
            print(
                f"[{r['backend']}] sending ({args.processes} process(es), {r['senders']} sent): "
                f"{r['sent']} sent, {r['failed']} failed in "
                f"{r['send_elapsed_s']:.1f} s; rate {r['rate']:.2f} msg/s = "
                f"{r['fraction_of_cap'] * 100:.1f}% of the {CAP}/s cap (target >= 95%); "
                f"429 answers: {r['server_429']} (target 0)"
            )
    if args.json:
        print(json.dumps(results, default=str, indent=2))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--units", type=int, default=2000)
    parser.add_argument("--tasks", type=int, default=20)
    parser.add_argument(
        "--postgres",
        default=os.environ.get("DONDOC_TEST_POSTGRES_URL", ""),
        help="admin URL of a PostgreSQL server (a scratch database is created)",
    )
    parser.add_argument(
        "--processes", type=int, default=1, help="reminder services ticking at once (1 or 2)"
    )
    parser.add_argument("--concurrency", type=int, default=16, help="engine send workers")
    parser.add_argument("--no-send", action="store_true", help="skip the send-rate part")
    parser.add_argument("--json", action="store_true")
    asyncio.run(amain(parser.parse_args()))


if __name__ == "__main__":
    main()

"""Benchmark: many focal points completing a report through the fake Bot API at once.

    /work/venv/bin/python bench/telegram_updates.py [--users 200] [--database-url URL]
                                                     [--flood-limits]

The fake Bot API server and the simulated users run in this process; each bot runs in a
child process of its own (as a real deployment would: Telegram's servers are not on the bot's
CPU), against the same fake server on 127.0.0.1:
1. dondoc's Telegram binding (real python-telegram-bot, real router, SQLite by default):
   each user joins with an invite, opens /report, presses through the form (task, status,
   progress), types the results, skips the optional fields and the evidence, and confirms;
2. a bare python-telegram-bot echo bot (default Application, MessageHandler echoing text),
   the same users sending the same number of updates.
For each it prints updates handled per second, the p50/p95 time from an update being queued
on the server to the bot having sent its whole answer (the bot reports each update it has
finished over a loopback UDP datagram, a few microseconds, the same for both bots), and the
CPU time the bot's process spent per update between starting and stopping (start-up excluded).

Telegram's flood limits (30 messages/s overall, 1/s per chat) would cap dondoc far below
what the code can do, and the echo bot has none; they are off unless --flood-limits.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import statistics
import sys
import tempfile
import time
import zoneinfo
from collections.abc import Callable
from pathlib import Path
from typing import Any

SCRIPT = Path(__file__).resolve()
ROOT = SCRIPT.parents[1]
sys.path.insert(0, str(ROOT))

from telegram import Update  # noqa: E402
from telegram.ext import (  # noqa: E402
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    ContextTypes,
    MessageHandler,
    TypeHandler,
    filters,
)

from bot.settings import Settings  # noqa: E402
from bot.telegram.ratelimit import Limiter  # noqa: E402
from bot.telegram.runner import build_telegram, file_base_url  # noqa: E402
from db.database import Database  # noqa: E402
from db.migrate import upgrade  # noqa: E402
from db.models import PeriodKind, Role, ScheduleKind  # noqa: E402
from domain.clock import SystemClock  # noqa: E402
from domain.deps import Deps  # noqa: E402
from domain.membership import create_invite  # noqa: E402
from domain.registry import add_task, create_plan, get_or_create_unit, set_rule  # noqa: E402
from handlers.router import Conversations  # noqa: E402
from tests.fakes.telegram_api import FakeTelegram  # noqa: E402

BASE_USER = 100_000
STEPS_PER_USER = 11


def make_deps(database_url: str) -> Deps:
    """Dependencies on the benchmark database."""
    return Deps(
        db=Database(database_url),
        clock=SystemClock(),
        tz=zoneinfo.ZoneInfo("Asia/Ho_Chi_Minh"),
        data_dir=Path(tempfile.mkdtemp(prefix="dondoc-bench-")),
    )


async def seed(database_url: str, users: int) -> tuple[list[str], int]:
    """One plan, one task led by `users` units; an invite per unit. Returns (codes, task id)."""
    deps = make_deps(database_url)
    now = deps.now()
    async with deps.db.transaction() as session:
        plan = await create_plan(
            session, now, title="Kế hoạch đo tải", year=now.year, coordinator="Văn phòng"
        )
        await set_rule(session, plan, PeriodKind.QUARTERLY, 28, None, now)
        names = [f"Đơn vị số {i}" for i in range(users)]
        task = await add_task(
            session,
            plan,
            now,
            ref="1",
            title="Nhiệm vụ đo tải",
            lead=names,
            timeframe_text="Thường xuyên",
            schedule=ScheduleKind.RECURRING,
            recurrence=PeriodKind.QUARTERLY,
        )
        codes = []
        for name in names:
            unit, _ = await get_or_create_unit(session, name, now)
            invite = await create_invite(
                session, now, role=Role.FOCAL, unit=unit, ttl=deps.invite_ttl
            )
            codes.append(invite.code)
        task_id = task.id
    await deps.db.dispose()
    return codes, task_id


# ---- the bots (child processes) ----------------------------------------------------------


def reporter(udp_port: int) -> Callable[[Update, ContextTypes.DEFAULT_TYPE], Any]:
    """A last-group handler telling the benchmark an update is fully handled."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)

    async def done(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        sock.sendto(str(update.update_id).encode(), ("127.0.0.1", udp_port))

    return done


def echo_application(token: str, base_url: str) -> Application[Any, Any, Any, Any, Any, Any]:
    """A bare PTB echo bot, default Application settings."""
    app = ApplicationBuilder().token(token).base_url(base_url)
    app = app.base_file_url(file_base_url(base_url))
    application = app.build()

    async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.message is not None and update.message.text is not None
        await update.message.reply_text(update.message.text)

    async def button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.callback_query is not None
        await update.callback_query.answer()

    application.add_handler(MessageHandler(filters.TEXT, echo))
    application.add_handler(CallbackQueryHandler(button))
    return application


async def child(args: argparse.Namespace) -> int:
    """Run one bot until stdin closes."""
    if args.child == "echo":
        application = echo_application(args.token, args.api)
        application.add_handler(TypeHandler(Update, reporter(args.udp)), group=1)
        await application.initialize()
        await application.start()
        assert application.updater is not None
        await application.updater.start_polling(poll_interval=0, timeout=10)

        async def stop() -> None:
            assert application.updater is not None
            await application.updater.stop()
            await application.stop()
            await application.shutdown()
    else:
        deps = make_deps(args.database_url)
        limiter = (
            Limiter() if args.flood_limits else Limiter(overall_per_second=0, per_chat_per_second=0)
        )
        settings = Settings(  # type: ignore[call-arg]
            _env_file=None, telegram_bot_token=args.token, telegram_api_base_url=args.api
        )
        runner = build_telegram(
            settings, deps, Conversations(deps), limiter=limiter, concurrency=args.concurrency
        )
        runner.application.add_handler(TypeHandler(Update, reporter(args.udp)), group=1)
        await runner.start()

        async def stop() -> None:
            await runner.stop()
            await deps.db.dispose()

    print(f"ready {time.process_time()}", flush=True)
    await asyncio.to_thread(sys.stdin.read)
    print(f"cpu {time.process_time()}", flush=True)
    await stop()
    return 0


# ---- the users and the measurement (this process) ----------------------------------------


class Tracker(asyncio.DatagramProtocol):
    """Update ids reported handled by the bot; resolves the users' waits."""

    def __init__(self) -> None:
        self.waiting: dict[int, asyncio.Future[float]] = {}
        self.latencies: list[float] = []

    def datagram_received(self, data: bytes, addr: tuple[str | Any, int]) -> None:
        future = self.waiting.pop(int(data), None)
        if future is not None and not future.done():
            future.set_result(time.perf_counter())

    async def send(self, push: Callable[[], dict[str, Any]]) -> None:
        """Queue an update on the server and wait for the bot to have answered it."""
        future: asyncio.Future[float] = asyncio.get_running_loop().create_future()
        started = time.perf_counter()
        update = push()
        self.waiting[update["update_id"]] = future
        finished = await asyncio.wait_for(future, 120)
        self.latencies.append(finished - started)


def figures(name: str, tracker: Tracker, seconds: float, cpu: float) -> dict[str, float]:
    """Print and return the rate, latency percentiles and CPU per update."""
    lat = sorted(tracker.latencies)
    p50 = statistics.median(lat)
    p95 = lat[min(len(lat) - 1, int(len(lat) * 0.95))]
    rate = len(lat) / seconds
    per_update = cpu / len(lat)
    print(
        f"{name:<7} updates={len(lat):5d}  time={seconds:6.2f}s  "
        f"rate={rate:7.1f} updates/s  p50={p50 * 1000:7.1f} ms  p95={p95 * 1000:7.1f} ms  "
        f"bot CPU={per_update * 1000:5.2f} ms/update ({cpu / seconds:4.0%} of a core)",
        flush=True,
    )
    return {"rate": rate, "p50": p50, "p95": p95, "cpu": per_update}


async def run_bot(
    kind: str,
    fake: FakeTelegram,
    args: argparse.Namespace,
    users: Callable[[Tracker], list[Any]],
) -> dict[str, float]:
    """Start a bot in a child process, let the users loose, measure."""
    loop = asyncio.get_running_loop()
    transport, tracker = await loop.create_datagram_endpoint(Tracker, local_addr=("127.0.0.1", 0))
    udp_port = transport.get_extra_info("sockname")[1]
    command = [
        sys.executable,
        str(SCRIPT),
        "--child",
        kind,
        "--token",
        fake.token,
        "--api",
        fake.base_url,
        "--udp",
        str(udp_port),
        "--database-url",
        args.database_url,
        "--concurrency",
        str(args.concurrency),
    ] + (["--flood-limits"] if args.flood_limits else [])
    proc = await asyncio.create_subprocess_exec(
        *command,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert proc.stdout is not None and proc.stdin is not None
    line = (await asyncio.wait_for(proc.stdout.readline(), 60)).split()
    if not line or line[0] != b"ready":
        raise RuntimeError(f"{kind} bot did not start")
    cpu_at_start = float(line[1])
    started = time.perf_counter()
    await asyncio.gather(*users(tracker))
    elapsed = time.perf_counter() - started
    proc.stdin.close()
    line = (await asyncio.wait_for(proc.stdout.readline(), 60)).split()
    cpu = float(line[1]) - cpu_at_start
    await asyncio.wait_for(proc.wait(), 60)
    transport.close()
    return figures(kind, tracker, elapsed, cpu)


async def main(args: argparse.Namespace) -> int:
    """Both runs, then the ratio."""
    if not args.database_url:
        args.database_url = f"sqlite+aiosqlite:///{tempfile.mkdtemp()}/bench.db"
    await upgrade(args.database_url)
    codes, task_id = await seed(args.database_url, args.users)
    async with FakeTelegram(max_poll=10) as fake:
        print(
            f"{args.users} users x {STEPS_PER_USER} updates; database "
            f"{args.database_url.split('://')[0]}; flood limits "
            f"{'on' if args.flood_limits else 'off'}; {os.cpu_count()} CPUs; "
            f"concurrency {args.concurrency or 'default'}",
            flush=True,
        )

        def dondoc_users(tracker: Tracker) -> list[Any]:
            async def user(n: int) -> None:
                uid = BASE_USER + n
                chat = str(uid)

                def text(value: str) -> Callable[[], dict[str, Any]]:
                    return lambda: fake.send_text(uid, value)

                def press(value: str) -> Callable[[], dict[str, Any]]:
                    return lambda: fake.press(uid, value, fake.latest_keyboard[chat])

                steps = [
                    text(f"/start {codes[n]}"),
                    text("/report"),
                    press(f"t:{task_id}"),
                    press("s:in_progress"),
                    press("pct:50"),
                    text(f"Đơn vị số {n} đã hoàn thành một nửa khối lượng công việc."),
                    press("skip"),
                    press("skip"),
                    press("skip"),
                    press("skip"),
                    press("ok"),
                ]
                assert len(steps) == STEPS_PER_USER
                for step in steps:
                    await tracker.send(step)

            return [user(n) for n in range(args.users)]

        def echo_users(tracker: Tracker) -> list[Any]:
            async def user(n: int) -> None:
                uid = BASE_USER + 10_000 + n
                for i in range(STEPS_PER_USER):
                    await tracker.send(
                        lambda i=i: fake.send_text(uid, f"tin nhắn {i} của người {n}")
                    )

            return [user(n) for n in range(args.users)]

        # The echo bot runs before and after dondoc, so that load from other processes on the
        # machine weighs on both alike.
        echo_rates = []
        if not args.no_echo:
            echo_rates.append((await run_bot("echo", fake, args, echo_users))["rate"])
        ours = await run_bot("dondoc", fake, args, dondoc_users)
        saved = sum(1 for c in fake.calls_of("sendMessage") if "Đã lưu báo cáo" in c.params["text"])
        print(f"{'':<7} reports saved: {saved}/{args.users}", flush=True)
        if not args.no_echo:
            echo_rates.append((await run_bot("echo", fake, args, echo_users))["rate"])
    if echo_rates:
        ratio = ours["rate"] / statistics.mean(echo_rates)
        verdict = "meets" if ratio >= 0.5 else "misses"
        print(f"dondoc/echo rate: {ratio:.2f} ({verdict} the target of 0.5)")
    return 0 if saved == args.users else 1


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(description="dondoc Telegram throughput benchmark")
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--database-url", default="")
    parser.add_argument("--flood-limits", action="store_true")
    parser.add_argument(
        "--concurrency", type=int, default=0, help="updates dondoc handles at once (0: default)"
    )
    parser.add_argument("--no-echo", action="store_true", help="measure dondoc only")
    parser.add_argument("--child", choices=["dondoc", "echo"], help=argparse.SUPPRESS)
    parser.add_argument("--token", help=argparse.SUPPRESS)
    parser.add_argument("--api", help=argparse.SUPPRESS)
    parser.add_argument("--udp", type=int, help=argparse.SUPPRESS)
    return parser.parse_args(argv)


if __name__ == "__main__":
    options = parse()
    if options.child and os.environ.get("BENCH_PROFILE"):
        import cProfile

        cProfile.run(
            "asyncio.run(child(options))", f"{os.environ['BENCH_PROFILE']}.{options.child}"
        )
        sys.exit(0)
    sys.exit(asyncio.run(child(options) if options.child else main(options)))

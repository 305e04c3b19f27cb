"""Benchmark: the channel-neutral conversations alone, one message at a time.

    PYTHONPATH=. .venv/bin/python bench/conversations.py [--users 200] [--database-url URL]
                                                         [--concurrent N]

The same 11 messages per focal point as bench/telegram_updates.py (join with an invite,
/report, pick the task, status, progress, results, four skips, confirm) go straight to
`Conversations.handle`, with no channel. Prints the wall time and the CPU time of this process
(event loop and driver threads) per message, and for each step its SQL statement count and
mean wall time. Users run one after another unless --concurrent.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import event  # noqa: E402

from bench.telegram_updates import make_deps, seed  # noqa: E402
from db.migrate import upgrade  # noqa: E402
from handlers.messages import Incoming  # noqa: E402
from handlers.router import Conversations  # noqa: E402

STEPS = [
    "join",
    "/report",
    "task",
    "status",
    "progress",
    "results",
    "skip",
    "skip",
    "skip",
    "skip",
    "confirm",
]


async def main(args: argparse.Namespace) -> int:
    """Seed, run every user's form, print the figures."""
    url = args.database_url or f"sqlite+aiosqlite:///{tempfile.mkdtemp()}/bench.db"
    await upgrade(url)
    codes, task_id = await seed(url, args.users)
    deps = make_deps(url)
    conversations = Conversations(deps)
    statements = {"n": 0}

    def count(*_: Any) -> None:
        statements["n"] += 1

    event.listen(deps.db.engine.sync_engine, "before_cursor_execute", count)
    per_step: dict[int, list[float]] = collections.defaultdict(list)
    sql_per_step: dict[int, int] = {}
    saved = 0

    async def user(n: int) -> None:
        nonlocal saved
        uid = str(100_000 + n)

        def msg(text: str = "", choice: str | None = None) -> Incoming:
            return Incoming("telegram", uid, uid, text=text, choice=choice, language="vi")

        messages = [
            msg(f"/start {codes[n]}"),
            msg("/report"),
            msg(choice=f"t:{task_id}"),
            msg(choice="s:in_progress"),
            msg(choice="pct:50"),
            msg(f"Đơn vị số {n} đã hoàn thành một nửa khối lượng công việc."),
            msg(choice="skip"),
            msg(choice="skip"),
            msg(choice="skip"),
            msg(choice="skip"),
            msg(choice="ok"),
        ]
        replies = []
        for i, m in enumerate(messages):
            before, started = statements["n"], time.perf_counter()
            replies = await conversations.handle(m)
            per_step[i].append(time.perf_counter() - started)
            sql_per_step[i] = statements["n"] - before
        if any("Đã lưu báo cáo" in r.text for r in replies):
            saved += 1

    started, cpu = time.perf_counter(), time.process_time()
    if args.concurrent > 1:
        gate = asyncio.Semaphore(args.concurrent)

        async def gated(n: int) -> None:
            async with gate:
                await user(n)

        await asyncio.gather(*(gated(n) for n in range(args.users)))
    else:
        for n in range(args.users):
            await user(n)
    wall, cpu = time.perf_counter() - started, time.process_time() - cpu
    total = args.users * len(STEPS)
    print(
        f"{args.users} users x {len(STEPS)} messages on {url.split(':')[0]}, "
        f"{max(args.concurrent, 1)} at a time: {wall * 1000 / total:.2f} ms wall, "
        f"{cpu * 1000 / total:.2f} ms CPU per message; reports saved {saved}/{args.users}"
    )
    for i, name in enumerate(STEPS):
        mean = sum(per_step[i]) / len(per_step[i])
        print(f"  {i:2d} {name:<9} {sql_per_step[i]:3d} SQL statements  {mean * 1000:6.2f} ms")
    await deps.db.dispose()
    return 0 if saved == args.users else 1


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(description="dondoc conversations benchmark")
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--database-url", default="")
    parser.add_argument("--concurrent", type=int, default=1)
    return parser.parse_args(argv)


if __name__ == "__main__":
    sys.exit(asyncio.run(main(parse())))

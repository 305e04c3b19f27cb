"""Benchmark: the compiled report of a 100-task, 50-unit plan in every format.

Builds the plan on a fresh SQLite database (quarterly reports due the 10th; about two thirds of
the units report, some late), then times gathering the data and rendering each format
(median of several runs). The Word draft, gathered and rendered, must take under 3 s.

    .venv/bin/python -m bench.export [--tasks 100] [--units 50] [--runs 5]
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import statistics
import tempfile
import time
import zoneinfo
from pathlib import Path

from db.database import Database
from db.migrate import upgrade
from db.models import PeriodKind, ReportStatus, Role, ScheduleKind
from domain.clock import FrozenClock
from domain.deps import Deps
from domain.export import ExportFormat, gather_export
from domain.export.service import render
from domain.membership import create_invite, redeem_invite
from domain.periods import period_by_key
from domain.registry import add_task, create_plan, find_unit, rule_specs, set_rule
from domain.reports import ReportAnswers, submit_report

TZ = zoneinfo.ZoneInfo("Asia/Ho_Chi_Minh")
LIMIT_S = 3.0


def hanoi(y: int, m: int, d: int) -> dt.datetime:
    """9:00 in Hanoi as UTC."""
    return dt.datetime(y, m, d, 9, tzinfo=TZ).astimezone(dt.UTC)


async def build(db: Database, clock: FrozenClock, tasks: int, units: int) -> int:
    """The plan, its units' focal points and the Q4/2026 reports; returns the plan id."""
    names = [f"Phòng chuyên môn số {i + 1}" for i in range(units)]
    async with db.transaction() as s:
        plan = await create_plan(
            s,
            clock.now(),
            title="Kế hoạch thử tải: triển khai các nhiệm vụ của đặc khu năm 2026",
            year=2026,
            number="99/KH-UBND",
            issuer="Ủy ban nhân dân đặc khu Thử Tải",
            place="Thử Tải",
            issued_on=dt.date(2026, 1, 5),
            coordinator=names[0],
        )
        await set_rule(s, plan, PeriodKind.QUARTERLY, 10, None, clock.now())
        made = []
        led_by: dict[str, list[int]] = {}
        for i in range(tasks):
            leads = [names[i % units]] + ([names[(i * 7 + 3) % units]] if i % 3 == 0 else [])
            for name in set(leads):
                led_by.setdefault(name, []).append(i)
            made.append(
                await add_task(
                    s,
                    plan,
                    clock.now(),
                    ref=str(i + 1),
                    section=f"{i // 20 + 1}. Nhóm nhiệm vụ {i // 20 + 1}",
                    title=f"Nhiệm vụ thử tải số {i + 1}: tổ chức thực hiện và báo cáo kết quả",
                    lead=sorted(set(leads)),
                    support=[names[(i + 1) % units]],
                    timeframe_text="Thường xuyên" if i % 2 else "Quý IV/2026",
                    schedule=ScheduleKind.RECURRING if i % 2 else ScheduleKind.ONE_OFF,
                    due_date=None if i % 2 else dt.date(2026, 12, 31),
                )
            )
        period = period_by_key(await rule_specs(s, plan.id), "2026-Q4")
        assert period is not None
        for u, name in enumerate(names):
            if u % 3 == 2:
                continue  # a third of the units send nothing
            unit = await find_unit(s, name)
            assert unit is not None
            invite = await create_invite(
                s, clock.now(), role=Role.FOCAL, unit=unit, ttl=dt.timedelta(days=7)
            )
            member = await redeem_invite(
                s,
                clock.now(),
                code=invite.code,
                channel="console",
                external_id=f"b{u}",
                chat_id=f"b{u}",
                display_name=name,
                locale="vi",
            )
            when = hanoi(2026, 12, 8) if u % 2 else hanoi(2026, 12, 13)
            for i in led_by.get(name, []):
                task = made[i]
                await submit_report(
                    s,
                    when,
                    TZ,
                    plan=plan,
                    period=period,
                    task=task,
                    unit=unit,
                    member=member,
                    answers=ReportAnswers(
                        status=ReportStatus.IN_PROGRESS,
                        progress=60,
                        results="Đã tổ chức 3 hội nghị, 450 lượt người tham dự.",
                        difficulties="Kinh phí còn hạn chế.",
                        proposals="Đề nghị bổ sung kinh phí năm 2027.",
                        next_plan="Tiếp tục triển khai trong quý I/2027.",
                    ),
                )
        return plan.id


async def main(tasks: int, units: int, runs: int) -> int:
    """Build, then time every format; non-zero exit when the Word draft misses the limit."""
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}"
        await upgrade(url)
        db = Database(url)
        clock = FrozenClock(hanoi(2026, 10, 1))
        deps = Deps(db=db, clock=clock, tz=TZ, data_dir=Path(tmp))
        plan_id = await build(db, clock, tasks, units)
        clock.set(hanoi(2026, 12, 15))
        # Warm the imports (matplotlib, python-docx) outside the timed runs.
        warm = await gather_export(deps, str(plan_id), "2026-Q4", "vi")
        for fmt in (ExportFormat.DOCX, ExportFormat.XLSX, ExportFormat.PNG):
            render(warm, fmt, "vi", deps)
        print(f"plan: {tasks} tasks, {units} units, quarter IV/2026, {runs} runs (median)")
        gathered: list[float] = []
        timings: dict[ExportFormat, list[float]] = {}
        for _ in range(runs):
            start = time.perf_counter()
            data = await gather_export(deps, str(plan_id), "2026-Q4", "vi")
            gathered.append(time.perf_counter() - start)
            for fmt in (ExportFormat.DOCX, ExportFormat.XLSX, ExportFormat.PNG, ExportFormat.JSON):
                start = time.perf_counter()
                render(data, fmt, "vi", deps)
                timings.setdefault(fmt, []).append(time.perf_counter() - start)
        await db.dispose()
    g = statistics.median(gathered)
    print(f"gather {g * 1000:8.0f} ms")
    for fmt, values in timings.items():
        m = statistics.median(values)
        print(f"{fmt.value:6} {m * 1000:8.0f} ms   gather+render {(g + m) * 1000:8.0f} ms")
    total = g + statistics.median(timings[ExportFormat.DOCX])
    verdict = "ok" if total < LIMIT_S else "TOO SLOW"
    print(f"docx export: {total:.2f} s (limit {LIMIT_S:.0f} s): {verdict}")
    return 0 if total < LIMIT_S else 1


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, default=100)
    parser.add_argument("--units", type=int, default=50)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    raise SystemExit(asyncio.run(main(args.tasks, args.units, args.runs)))

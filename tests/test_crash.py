"""Crash test: `dondoc run` killed with SIGKILL again and again during a reminder burst.

A subprocess bot sends a burst of reminders through the fake Bot API (strict 30 messages/s);
it is killed at random moments (fixed seed) and restarted each time. Afterwards every reminder
was delivered, no chat got more duplicates than there were kills, and the delivery table says
exactly what the fake API received. The last process is stopped with SIGTERM and must exit
within 10 s.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import random
import signal
import socket
import sys
import time
import zoneinfo
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import func, insert, select, update

from db.database import Database
from db.models import (
    ChatAccount,
    Member,
    Plan,
    ReminderDelivery,
    Role,
    ScheduleKind,
    Task,
    TaskRole,
    TaskUnit,
    Unit,
    UnitKind,
)
from domain.clock import SystemClock
from scheduler.engine import ReminderEngine
from tests.fakes.telegram_api import FakeTelegram

TZ = zoneinfo.ZoneInfo("Asia/Ho_Chi_Minh")
UNITS = 500
KILLS = 10
GRACE_HOURS = 240  # a point today or on the last working day before it (weekends, Tết)
ROOT = Path(__file__).resolve().parents[1]

pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]


async def seed(db: Database, units: int) -> None:
    """One plan; each unit leads one one-off task due today, reminded on its due day."""
    now = dt.datetime.now(dt.UTC)
    today = now.astimezone(TZ).date()
    async with db.transaction() as s:
        plan_id = (
            await s.execute(
                insert(Plan)
                .values(
                    title="Kế hoạch thử sập",
                    year=today.year,
                    reminder_days=[],
                    reminder_offsets=[],
                    overdue_offsets=[],
                    task_deadline_offsets=[0],
                    reminder_time="00:00",
                    active=True,
                    family="administrative",
                    cutoff_mode="decree09",
                    created_at=now,
                )
                .returning(Plan.id)
            )
        ).scalar_one()
        for u in range(units):
            unit_id = (
                await s.execute(
                    insert(Unit)
                    .values(
                        name=f"Đơn vị thử {u:04d}",
                        key=f"don vi thu {u:04d}",
                        kind=UnitKind.UNIT,
                        independent=False,
                        created_at=now,
                    )
                    .returning(Unit.id)
                )
            ).scalar_one()
            task_id = (
                await s.execute(
                    insert(Task)
                    .values(
                        plan_id=plan_id,
                        ref=str(u + 1),
                        position=u + 1,
                        title=f"Nhiệm vụ thử {u + 1}",
                        timeframe_text="Trong ngày",
                        schedule=ScheduleKind.ONE_OFF,
                        due_date=today,
                        active=True,
                    )
                    .returning(Task.id)
                )
            ).scalar_one()
            await s.execute(
                insert(TaskUnit).values(
                    task_id=task_id, unit_id=unit_id, role=TaskRole.LEAD, position=0
                )
            )
            member_id = (
                await s.execute(
                    insert(Member)
                    .values(
                        full_name=f"Cán bộ {u:04d}",
                        unit_id=unit_id,
                        role=Role.FOCAL,
                        locale="vi",
                        preferred_channel="telegram",
                        active=True,
                        created_at=now,
                    )
                    .returning(Member.id)
                )
            ).scalar_one()
            await s.execute(
                insert(ChatAccount).values(
                    member_id=member_id,
                    channel="telegram",
                    external_id=str(5_000_000 + u),
                    chat_id=str(5_000_000 + u),
                    created_at=now,
                )
            )
    # A reminder point at 00:00 on a holiday or weekend moves to the working day before it:
    # move the due date back until the engine finds every reminder due now.
    engine = ReminderEngine(db, SystemClock(), TZ, {}, grace=dt.timedelta(hours=GRACE_HOURS))
    for back in range(12):
        async with db.transaction() as s:
            await s.execute(update(Task).values(due_date=today - dt.timedelta(days=back)))
        work = await engine.due_work(dt.datetime.now(dt.UTC))
        if sum(len(r.recipients) for _s, rems in work.fresh for r in rems) == units:
            return
    raise AssertionError("no day with a reminder point due now")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def start_bot(
    fake: FakeTelegram, url: str, tmp: Path, port: int, n: int
) -> asyncio.subprocess.Process:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("TELEGRAM_", "ZALO_", "DATABASE_", "DONDOC_"))
    }
    env.update(
        DATABASE_URL=url,
        TELEGRAM_BOT_TOKEN=fake.token,
        TELEGRAM_API_BASE_URL=fake.base_url,
        HTTP_PORT=str(port),
        DATA_DIR=str(tmp / "data"),
        DONDOC_REMINDER_LEASE_SECONDS="3",
        DONDOC_REMINDER_GRACE_HOURS=str(GRACE_HOURS),
        DONDOC_REMINDER_TICK_SECONDS="2",
        PYTHONPATH=str(ROOT),
    )
    log = (tmp / f"bot-{n}.log").open("wb")
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run", cwd=tmp, env=env, stdout=log, stderr=log
    )


def delivered(fake: FakeTelegram) -> list[str]:
    """Chats of the reminders the fake accepted (one entry per message)."""
    return [
        c.chat_id or ""
        for c in fake.calls
        if c.method == "sendMessage" and c.status == 200 and (c.chat_id or "").startswith("5")
    ]


async def wait_until(check: object, within: float) -> bool:
    deadline = time.monotonic() + within
    for _ in range(int(within / 0.005) + 1):
        if check():  # type: ignore[operator]
            return True
        if time.monotonic() > deadline:
            break
        await asyncio.sleep(0.005)
    return False


async def outcomes(db: Database) -> tuple[Counter[str], int]:
    async with db.read() as s:
        states = Counter(
            dict(
                (
                    await s.execute(
                        select(ReminderDelivery.state, func.count())
                        .where(ReminderDelivery.channel == "telegram")
                        .group_by(ReminderDelivery.state)
                    )
                ).all()
            )
        )
        done = (
            await s.execute(
                select(func.count()).where(
                    ReminderDelivery.channel == "*", ReminderDelivery.state == "done"
                )
            )
        ).scalar_one()
    return states, int(done)


async def test_sigkill_during_a_burst_loses_nothing(
    db: Database, database_url: str, tmp_path: Path
) -> None:
    await seed(db, UNITS)
    rng = random.Random(20261202)
    port = free_port()
    kills = 0
    async with FakeTelegram(cap_per_second=30) as fake:
        for n in range(KILLS):
            before = len(delivered(fake))
            proc = await start_bot(fake, database_url, tmp_path, port, n)
            # A random moment of the burst: after 1-40 more reminders, then 0-30 ms more.
            target = before + rng.randint(1, 40)
            reached = await wait_until(lambda t=target: len(delivered(fake)) >= t, 60)
            await asyncio.sleep(rng.random() * 0.03)
            proc.send_signal(signal.SIGKILL)
            await proc.wait()
            kills += 1
            assert reached, (tmp_path / f"bot-{n}.log").read_text()[-3000:]
        assert len(delivered(fake)) < UNITS  # the kills did land during the burst
        proc = await start_bot(fake, database_url, tmp_path, port, KILLS)
        finished = False
        for _ in range(240):
            states, done = await outcomes(db)
            if done == UNITS and states["sent"] == UNITS:
                finished = True
                break
            await asyncio.sleep(0.5)
        # A graceful stop: SIGTERM, exit within 10 s.
        started = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        code = await asyncio.wait_for(proc.wait(), 15)
        stop_seconds = time.monotonic() - started
        assert finished, (states, done, (tmp_path / f"bot-{KILLS}.log").read_text()[-3000:])
        assert code == 0 and stop_seconds < 10
        chats = Counter(delivered(fake))
        sent_ids = {(chat, int(m["message_id"])) for (chat, _mid), m in fake.messages.items()}
        flood = fake.flood_429
    # Every reminder arrived; only sends of unknown outcome (at most one per kill) came twice.
    assert len(chats) == UNITS
    duplicates = sum(n - 1 for n in chats.values())
    assert duplicates <= kills
    assert max(chats.values()) <= 2
    # The table says what the fake received: each row's message id is a message the fake
    # accepted for that row's chat.
    async with db.read() as s:
        rows = (
            await s.execute(
                select(ChatAccount.chat_id, ReminderDelivery.message_id, ReminderDelivery.unknown)
                .join(ChatAccount, ChatAccount.member_id == ReminderDelivery.member_id)
                .where(ReminderDelivery.channel == "telegram")
            )
        ).all()
    assert len(rows) == UNITS
    assert {(chat, int(mid)) for chat, mid, _u in rows} <= sent_ids
    assert sum(1 for _c, _m, unknown in rows if unknown) >= duplicates
    print(f"kills={kills} duplicates={duplicates} 429={flood} stop={stop_seconds:.1f}s")

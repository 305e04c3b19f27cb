"""The reminder engine: a quarter walked with a fake clock, exactly-once delivery, failures."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections import Counter

import pytest
from sqlalchemy import select

from db.database import Database
from db.models import ChatAccount, Member, Plan, ReminderDelivery, Role
from domain.clock import FrozenClock
from domain.reminders import DIGEST, plan_window
from handlers.messages import Reply
from scheduler.engine import ReminderEngine
from scheduler.lock import SenderLock
from scheduler.service import CALENDAR_JOB, HANDED_OVER_JOB, TICK_JOB, ReminderScheduler
from tests.test_reminders_support import (
    TZ,
    RecordingOutbound,
    World,
    build_world,
    local,
    report_all,
)

D = dt.date


def outbounds(delay: float = 0.0) -> dict[str, RecordingOutbound]:
    return {
        "telegram": RecordingOutbound("telegram", delay=delay),
        "zalo": RecordingOutbound("zalo", delay=delay),
    }


def engine(
    db: Database, clock: FrozenClock, outs: dict[str, RecordingOutbound], **kw: object
) -> ReminderEngine:
    async def no_sleep(_s: float) -> None:
        return None

    kw.setdefault("sleep", no_sleep)
    return ReminderEngine(db, clock, TZ, outs, **kw)  # type: ignore[arg-type]


async def delivered(db: Database) -> list[ReminderDelivery]:
    async with db.read() as s:
        rows = await s.execute(select(ReminderDelivery).where(ReminderDelivery.channel != "*"))
        return list(rows.scalars())


async def preview_keys(
    db: Database, world: World, first: dt.date, last: dt.date, now: dt.datetime
) -> set[str]:
    async with db.read() as s:
        plan = await s.get(Plan, world.plan_id)
        assert plan is not None
        out = await plan_window(
            s,
            plan,
            TZ,
            dt.datetime.combine(first, dt.time.min, tzinfo=TZ),
            dt.datetime.combine(last, dt.time.max, tzinfo=TZ),
            now,
        )
    return {r.delivery_key(x) for r in out.reminders for x in r.recipients}


async def walk(eng: ReminderEngine, clock: FrozenClock, first: dt.date, last: dt.date) -> None:
    """Tick at 08:00 and 14:00 every day (the real scheduler ticks every minute)."""
    day = first
    while day <= last:
        for hour in (8, 14):
            clock.set(local(day.year, day.month, day.day, hour))
            await eng.tick()
        day += dt.timedelta(days=1)


async def test_quarter_walk_matches_preview(db: Database, clock: FrozenClock) -> None:
    clock.set(local(2026, 10, 1, 0))
    world = await build_world(db, clock.now())
    expected = await preview_keys(db, world, D(2026, 10, 1), D(2026, 12, 31), clock.now())
    outs = outbounds()
    eng = engine(db, clock, outs)
    await walk(eng, clock, D(2026, 10, 1), D(2026, 12, 31))
    rows = await delivered(db)
    assert {r.key for r in rows} == expected
    assert all(r.state == "sent" for r in rows)
    assert len(rows) == len(expected)
    sent = outs["telegram"].sent + outs["zalo"].sent
    assert len(sent) == len(expected)
    # VH-XH focal point (telegram 101): Q4 points on 3, 7, 9, 10, 11 and 14 December.
    assert sum(1 for chat, _ in sent if chat == "101") == 6
    # The TYT focal point prefers Zalo: nothing on its Telegram account; 6 + 2 task reminders.
    assert not any(chat == "201" for chat, _ in sent)
    assert sum(1 for chat, _ in sent if chat == "z201") == 8
    # The office got two digests.
    digests = [r for chat, r in sent if chat == "901"]
    assert len(digests) == 2 and "Chưa gửi đủ báo cáo (4)" in digests[0].text
    # Each message was sent at its point: the 7 December one says three days are left.
    on_7th = [r for r in rows if r.point == "before_due:2026-12-07" and r.member_id is not None]
    assert {r.sent_at for r in on_7th} == {local(2026, 12, 7, 8).astimezone(dt.UTC)}
    texts = [r.text for chat, r in sent if chat == "101"]
    assert "còn 3 ngày" in texts[1]
    # Walking again sends nothing more.
    before = len(sent)
    await walk(eng, clock, D(2026, 12, 1), D(2026, 12, 31))
    assert len(outs["telegram"].sent + outs["zalo"].sent) == before


async def test_no_reminder_after_the_unit_reported(db: Database, clock: FrozenClock) -> None:
    clock.set(local(2026, 12, 1, 0))
    world = await build_world(db, clock.now(), one_off_due=None)
    outs = outbounds()
    eng = engine(db, clock, outs)
    await walk(eng, clock, D(2026, 12, 1), D(2026, 12, 7))
    await report_all(db, world, "vhxh", "2026-Q4", local(2026, 12, 8, 9), "vhxh_focal")
    await walk(eng, clock, D(2026, 12, 8), D(2026, 12, 20))
    to_vhxh = [r for chat, r in outs["telegram"].sent if chat in ("101", "102")]
    assert len(to_vhxh) == 4  # 3 and 7 December, focal and backup
    to_kt_or_mttq = [chat for chat, _ in outs["telegram"].sent if chat == "301"]
    assert len(to_kt_or_mttq) == 6


async def test_grace_window_late_once_older_skipped(
    db: Database, clock: FrozenClock, caplog: pytest.LogCaptureFixture
) -> None:
    clock.set(local(2026, 12, 1, 0))
    await build_world(db, clock.now(), one_off_due=None)
    outs = outbounds()
    eng = engine(db, clock, outs)
    # Down from before 08:00 until 19:00 on 7 December: sent late, once.
    clock.set(local(2026, 12, 7, 19))
    report = await eng.tick()
    assert report.sent == 5 and report.skipped_slots == 0
    await eng.tick()
    assert len(outs["telegram"].sent + outs["zalo"].sent) == 5
    # Down again until 21:00 on 9 December: the 08:00 point is 13 hours old -> skipped, logged.
    clock.set(local(2026, 12, 9, 21))
    with caplog.at_level(logging.WARNING, logger="dondoc.reminders"):
        report = await eng.tick()
    assert report.sent == 0 and report.skipped_slots == 1
    assert "skipped" in caplog.text and "before_due:2026-12-09" in caplog.text
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="dondoc.reminders"):
        report = await eng.tick()
    assert report.skipped_slots == 0 and "skipped" not in caplog.text
    async with db.read() as s:
        marker = (
            await s.execute(
                select(ReminderDelivery).where(
                    ReminderDelivery.point == "before_due:2026-12-09",
                    ReminderDelivery.channel == "*",
                )
            )
        ).scalar_one()
    assert marker.state == "skipped"
    assert len(outs["telegram"].sent + outs["zalo"].sent) == 5


class CrashingOutbound(RecordingOutbound):
    """Kills the tick (like a process dying) after a number of messages."""

    def __init__(self, channel: str, after: int) -> None:
        super().__init__(channel)
        self.after = after
        self.victim: asyncio.Task[object] | None = None

    async def send(self, chat_id: str, reply: Reply) -> int:
        message_id = await super().send(chat_id, reply)
        if len(self.sent) >= self.after and self.victim is not None:
            self.victim.cancel()
            await asyncio.sleep(0)
        return message_id


async def add_units(db: Database, world: World, count: int, now: dt.datetime) -> None:
    """More lead units with a focal point each, to give the claim races something to share."""
    from domain.registry import add_task

    async with db.transaction() as s:
        plan = await s.get(Plan, world.plan_id)
        assert plan is not None
        for i in range(count):
            task = await add_task(
                s, plan, now, ref=f"x{i}", title=f"Nhiệm vụ {i}", lead=[f"Trường học số {i}"]
            )
            await s.refresh(task, ["units"])
            m = Member(
                full_name=f"gv{i}",
                unit_id=task.units[0].unit_id,
                role=Role.FOCAL,
                locale="vi",
                preferred_channel="all",
                created_at=now,
            )
            s.add(m)
            await s.flush()
            s.add(
                ChatAccount(
                    member_id=m.id,
                    channel="telegram",
                    external_id=f"t{i}",
                    chat_id=f"t{i}",
                    created_at=now,
                )
            )


async def test_restart_in_the_middle_of_a_tick_loses_nothing(
    db: Database, database_url: str, clock: FrozenClock
) -> None:
    clock.set(local(2026, 12, 1, 0))
    world = await build_world(db, clock.now(), one_off_due=None)
    await add_units(db, world, 12, clock.now())
    clock.set(local(2026, 12, 7, 8, 1))
    expected = await preview_keys(db, world, D(2026, 12, 7), D(2026, 12, 7), clock.now())
    crash = CrashingOutbound("telegram", after=5)
    first_zalo = RecordingOutbound("zalo")
    first = engine(
        db,
        clock,
        {"telegram": crash, "zalo": first_zalo},
        claim_batch=4,
        concurrency=1,
        instance="first",
    )
    task: asyncio.Task[object] = asyncio.create_task(first.tick())
    crash.victim = task
    with pytest.raises(asyncio.CancelledError):
        await task
    # The process died between a lease and its record (after the HTTP call, or just before it
    # when the cancellation landed there): that row is still leased ("sending"), everything
    # not tried yet is pending.
    rows = {r.key: r for r in await delivered(db)}
    assert set(rows) == expected
    leased = [r for r in rows.values() if r.state == "sending"]
    assert len(leased) == 1 and leased[0].claimed_by == "first"
    first_sent = len(crash.sent) + len(first_zalo.sent)
    assert 5 <= first_sent < len(expected)
    recorded = sum(1 for r in rows.values() if r.state == "sent")
    assert recorded in (first_sent - 1, first_sent)
    # A new process (new engine, new connections) takes over at once: it sends everything
    # else, but not the leased delivery while the lease lasts, and the point is not done.
    db2 = Database(database_url)
    try:
        outs = outbounds()
        second = engine(db2, clock, outs, instance="second")
        report = await second.tick()
        assert report.unfinished == 1
        assert report.sent == len(expected) - recorded - 1
        # The lease ends: the delivery whose outcome is unknown is sent again, once.
        clock.set(local(2026, 12, 7, 8, 3))
        report = await second.tick()
        assert report.sent == 1 and report.unfinished == 0
        assert (await second.tick()).sent == 0
    finally:
        await db2.dispose()
    sent_chats = [c for o in (crash, first_zalo, *outs.values()) for c, _ in o.sent]
    counts = Counter(sent_chats)
    # Every chat got the point; the one send of unknown outcome at most twice, nothing else twice.
    assert len(counts) == len(expected)
    duplicates = first_sent - recorded
    assert sorted(counts.values()) == [1] * (len(expected) - duplicates) + [2] * duplicates
    rows = {r.key: r for r in await delivered(db)}
    assert all(r.state == "sent" and r.message_id for r in rows.values())
    assert [r.unknown for r in rows.values() if r.unknown] == [1]
    async with db.read() as s:
        marker = (
            await s.execute(
                select(ReminderDelivery.state).where(
                    ReminderDelivery.point == "before_due:2026-12-07",
                    ReminderDelivery.channel == "*",
                )
            )
        ).scalar_one()
    assert marker == "done"


async def test_unknown_outcome_is_sent_twice_at_most(db: Database, clock: FrozenClock) -> None:
    clock.set(local(2026, 12, 1, 0))
    await build_world(db, clock.now(), one_off_due=None)
    outs = outbounds()
    outs["telegram"].timeouts["101"] = 1  # delivered, the answer timed out: sent again
    outs["telegram"].timeouts["102"] = 5  # times out every time: given up after two sends
    outs["telegram"].rate_limited["301"] = 2  # 429 twice: never delivered, retried
    eng = engine(db, clock, outs, max_attempts=4)
    clock.set(local(2026, 12, 7, 8))
    report = await eng.tick()
    chats = Counter(c for c, _ in outs["telegram"].sent)
    assert chats["101"] == 2 and chats["102"] == 2 and chats["301"] == 1
    assert report.given_up == 1
    rows = {r.member_id: r for r in await delivered(db) if r.channel == "telegram"}
    async with db.read() as s:
        ids = {
            a.chat_id: a.member_id
            for a in (await s.execute(select(ChatAccount))).scalars()
            if a.channel == "telegram"
        }
    assert rows[ids["101"]].state == "sent" and rows[ids["101"]].unknown == 1
    assert rows[ids["102"]].state == "given_up" and rows[ids["102"]].unknown == 2
    assert "outcome unknown" in (rows[ids["102"]].error or "")
    assert rows[ids["301"]].state == "sent" and rows[ids["301"]].unknown == 0
    # A given-up delivery has an outcome: the point is done and nothing is sent again.
    await eng.tick()
    assert Counter(c for c, _ in outs["telegram"].sent) == chats


async def test_two_processes_send_each_reminder_once(
    db: Database, database_url: str, clock: FrozenClock
) -> None:
    clock.set(local(2026, 12, 1, 0))
    world = await build_world(db, clock.now(), one_off_due=None)
    await add_units(db, world, 40, clock.now())
    db2 = Database(database_url)
    try:
        # The second process is up (connected) before the first starts, and sending takes
        # longer than claiming, so that both have deliveries to claim while the other sends.
        async with db2.transaction():
            pass
        outs1, outs2 = outbounds(delay=0.005), outbounds(delay=0.005)
        clock2 = FrozenClock(clock.now())
        e1 = engine(db, clock, outs1, claim_batch=5, instance="one")
        e2 = engine(db2, clock2, outs2, claim_batch=5, instance="two")
        expected: set[str] = set()
        for day in (7, 10, 11, 14):
            at = local(2026, 12, day, 8)
            expected |= await preview_keys(db, world, at.date(), at.date(), at)
            clock.set(at)
            clock2.set(at)
            await asyncio.gather(e1.tick(), e2.tick())
            await asyncio.gather(e1.tick(), e2.tick())
    finally:
        await db2.dispose()
    rows = await delivered(db)
    assert {r.key for r in rows} == expected
    assert all(r.state == "sent" for r in rows)
    total = sum(len(o.sent) for o in (*outs1.values(), *outs2.values()))
    assert total == len(expected)
    per_process = Counter(r.claimed_by for r in rows)
    assert set(per_process) == {"one", "two"}  # both did part of the work
    assert sum(per_process.values()) == len(expected)
    digests = [r for r in rows if r.kind == DIGEST]
    assert len(digests) == 2


async def test_send_errors(db: Database, clock: FrozenClock) -> None:
    clock.set(local(2026, 12, 1, 0))
    await build_world(db, clock.now(), one_off_due=None)
    outs = outbounds()
    outs["telegram"].blocked.add("301")
    outs["telegram"].rate_limited["101"] = 2
    outs["telegram"].flaky["102"] = 2
    outs["zalo"].flaky["z201"] = 10
    slept: list[float] = []

    async def record_sleep(seconds: float) -> None:
        slept.append(seconds)

    eng = engine(db, clock, outs, sleep=record_sleep, backoff=0.5, max_attempts=4)
    clock.set(local(2026, 12, 7, 8))
    report = await eng.tick()
    assert report.sent == 3 and report.unreachable == 1 and report.given_up == 1
    assert sorted(slept) == [0.5, 0.5, 1.0, 1.0, 2.0, 3, 3]
    rows = {(r.member_id, r.channel): r for r in await delivered(db)}
    async with db.read() as s:
        acc = (
            await s.execute(select(ChatAccount).where(ChatAccount.chat_id == "301"))
        ).scalar_one()
        tyt = (
            await s.execute(select(ChatAccount).where(ChatAccount.chat_id == "z201"))
        ).scalar_one()
    assert acc.unreachable_since is not None
    assert rows[(acc.member_id, "telegram")].state == "unreachable"
    assert rows[(tyt.member_id, "zalo")].state == "given_up"
    assert rows[(tyt.member_id, "zalo")].attempts == 4
    # The unreachable focal point is left out afterwards and shows in the office digest.
    clock.set(local(2026, 12, 11, 8))
    await eng.tick()
    digest = next(r for chat, r in outs["telegram"].sent if chat == "901")
    assert "mttq_focal đã chặn hoặc dừng bot" in digest.text
    # The reminder given up on 7 December is listed for the office.
    assert "Lời nhắc không gửi được sau nhiều lần thử (1):" in digest.text
    assert "- Trạm Y tế xã: tyt_focal" in digest.text
    assert [c for c, _ in outs["telegram"].sent].count("301") == 0


async def test_missing_channel_is_recorded_as_failed(db: Database, clock: FrozenClock) -> None:
    clock.set(local(2026, 12, 1, 0))
    await build_world(db, clock.now(), one_off_due=None)
    tg = RecordingOutbound("telegram")
    eng = engine(db, clock, {"telegram": tg})
    clock.set(local(2026, 12, 7, 8))
    report = await eng.tick()
    assert report.failed == 2  # the two Zalo deliveries
    assert {r.error for r in await delivered(db) if r.channel == "zalo"} == {
        "channel zalo is not configured"
    }


class TcpProxy:
    """A loopback TCP proxy to PostgreSQL that can be switched off (the database goes down)."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.server: asyncio.Server | None = None
        self.listen_port = 0
        self.writers: set[asyncio.StreamWriter] = set()

    async def start(self) -> None:
        self.server = await asyncio.start_server(self._serve, "127.0.0.1", self.listen_port)
        self.listen_port = self.server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        assert self.server is not None
        self.server.close()
        for w in list(self.writers):
            w.close()
        await self.server.wait_closed()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            up_r, up_w = await asyncio.open_connection(self.host, self.port)
        except OSError:
            writer.close()
            return
        self.writers.update((writer, up_w))

        async def pipe(r: asyncio.StreamReader, w: asyncio.StreamWriter) -> None:
            try:
                while data := await r.read(65536):
                    w.write(data)
                    await w.drain()
            except (OSError, asyncio.CancelledError):
                pass
            finally:
                w.close()

        await asyncio.gather(pipe(reader, up_w), pipe(up_r, writer))


async def test_database_down_fails_a_tick_and_a_later_one_succeeds(
    backend: str, database_url: str, clock: FrozenClock, tmp_path: object
) -> None:
    import shutil
    from pathlib import Path

    from sqlalchemy.engine import make_url

    proxy: TcpProxy | None = None
    if backend == "sqlite":
        src = Path(make_url(database_url).database or "")
        folder = Path(str(tmp_path)) / "live"
        folder.mkdir()
        shutil.copy(src, folder / "dondoc.db")
        url = f"sqlite+aiosqlite:///{folder / 'dondoc.db'}"
    else:
        parsed = make_url(database_url)
        proxy = TcpProxy(parsed.host or "127.0.0.1", parsed.port or 5432)
        await proxy.start()
        url = parsed.set(port=proxy.listen_port).render_as_string(hide_password=False)
    db = Database(url)
    try:
        if backend == "postgres":
            from tests.conftest import _truncate

            await _truncate(db)
        clock.set(local(2026, 12, 1, 0))
        await build_world(db, clock.now(), one_off_due=None)
        outs = outbounds()
        service = ReminderScheduler(engine(db, clock, outs))
        clock.set(local(2026, 12, 3, 8))
        assert await service.run_tick()
        assert len(outs["telegram"].sent) == 3
        # The database goes away.
        if proxy is not None:
            await proxy.stop()
        else:
            await db.dispose()
            folder.rename(folder.with_name("gone"))
        clock.set(local(2026, 12, 7, 8))
        assert not await service.run_tick()
        assert service.failures == 1
        # ... and comes back: the next tick sends what was due.
        if proxy is not None:
            await proxy.start()
        else:
            folder.with_name("gone").rename(folder)
        clock.set(local(2026, 12, 7, 8, 1))
        assert await service.run_tick()
        assert len(outs["telegram"].sent) == 6
    finally:
        await db.dispose()
        if proxy is not None and proxy.server is not None:
            proxy.server.close()


async def test_jobs_are_fixed(db: Database, clock: FrozenClock) -> None:
    service = ReminderScheduler(engine(db, clock, outbounds()))
    service.start()
    try:
        jobs = {j.id: j for j in service.scheduler.get_jobs()}
        assert set(jobs) == {TICK_JOB, CALENDAR_JOB, HANDED_OVER_JOB}
        for job in jobs.values():
            assert job.coalesce is True and job.max_instances == 1
        service.start()  # replace_existing: starting twice keeps three jobs
        assert len(service.scheduler.get_jobs()) == 3
    finally:
        service.shutdown()
    assert await service.check_calendar() == [2027]  # November 2026 and no 2027 holidays


async def test_one_sender_at_a_time_and_a_takeover(
    db: Database, database_url: str, clock: FrozenClock
) -> None:
    """Only the sender lock's holder ticks; when it goes, another process takes over."""
    clock.set(local(2026, 12, 1, 0))
    await build_world(db, clock.now(), one_off_due=None)
    db2 = Database(database_url)
    try:
        outs1, outs2 = outbounds(), outbounds()
        first = ReminderScheduler(engine(db, clock, outs1), lock=SenderLock(db))
        second = ReminderScheduler(engine(db2, clock, outs2), lock=SenderLock(db2))
        clock.set(local(2026, 12, 3, 8))
        assert await first.run_tick() and await second.run_tick()
        assert len(outs1["telegram"].sent) == 3 and not outs2["telegram"].sent
        assert first.lock is not None and first.lock.held
        assert second.lock is not None and not second.lock.held
        # The sender stops (or dies: its lock goes with its session or file): the other sends.
        await first.stop()
        clock.set(local(2026, 12, 7, 8))
        assert await second.run_tick()
        assert second.lock.held and len(outs2["telegram"].sent) == 3
        assert len(outs1["telegram"].sent) == 3
        await second.stop()
    finally:
        await db2.dispose()


async def test_graceful_stop_records_the_sends_in_flight(db: Database, clock: FrozenClock) -> None:
    clock.set(local(2026, 12, 1, 0))
    world = await build_world(db, clock.now(), one_off_due=None)
    await add_units(db, world, 30, clock.now())
    outs = outbounds(delay=0.02)
    service = ReminderScheduler(engine(db, clock, outs, concurrency=4))
    clock.set(local(2026, 12, 7, 8))
    ticking = asyncio.create_task(service.run_tick())
    for _ in range(1000):
        if len(outs["telegram"].sent) >= 5:
            break
        await asyncio.sleep(0.01)
    started = asyncio.get_running_loop().time()
    await service.stop()
    assert asyncio.get_running_loop().time() - started < 2
    assert await ticking
    rows = await delivered(db)
    states = Counter(r.state for r in rows)
    # Everything sent is recorded as sent, nothing is left leased; the rest waits, pending.
    assert states["sent"] == len(outs["telegram"].sent) + len(outs["zalo"].sent)
    assert set(states) == {"sent", "pending"} and states["pending"] > 0

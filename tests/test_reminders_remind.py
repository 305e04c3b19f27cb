"""/remind: the office nudges every missing unit (or one unit from /status) after confirming."""

from __future__ import annotations

from pathlib import Path

import pytest

from db.database import Database
from domain.clock import FrozenClock
from domain.deps import Deps
from handlers import remind
from handlers.messages import Incoming, Reply
from handlers.root import ROOT, ROUTES
from handlers.router import Conversations
from handlers.routing import Command, Router, Routes
from handlers.turn import Turn
from scheduler.engine import ReminderEngine
from tests.test_reminders_support import (
    TZ,
    RecordingOutbound,
    World,
    build_world,
    local,
    report_all,
)


@pytest.fixture
def hooked() -> None:
    """The root carries /remind (and /nhacviec) and its form: `remind.router`."""
    assert ROUTES.command("remind") is ROUTES.command("nhacviec") is remind.router.commands[0]
    assert ROUTES.flow(remind.FLOW) is remind.router.flows[0]


async def say(
    conv: Conversations, user: str, text: str = "", choice: str | None = None
) -> list[Reply]:
    return await conv.handle(
        Incoming(channel="telegram", user_id=user, chat_id=user, text=text, choice=choice)
    )


async def setup(
    db: Database, clock: FrozenClock, tmp_path: Path, routes: Routes = ROUTES
) -> tuple[World, Conversations, dict[str, RecordingOutbound], ReminderEngine]:
    clock.set(local(2026, 12, 8, 9))
    world = await build_world(db, local(2026, 11, 1), one_off_due=None)
    deps = Deps(db=db, clock=clock, tz=TZ, data_dir=tmp_path)
    outs = {"telegram": RecordingOutbound("telegram"), "zalo": RecordingOutbound("zalo")}
    engine = ReminderEngine(db, clock, TZ, outs)
    remind.set_nudger(engine)
    return world, Conversations(deps, routes), outs, engine


async def test_remind_every_missing_unit(
    db: Database, clock: FrozenClock, tmp_path: Path, hooked: None
) -> None:
    world, conv, outs, _engine = await setup(db, clock, tmp_path)
    try:
        await report_all(db, world, "vhxh", "2026-Q4", clock.now(), "vhxh_focal")
        # A focal point may not use it.
        replies = await say(conv, "101", "/remind")
        assert "Chỉ cán bộ văn phòng điều phối" in replies[-1].text
        replies = await say(conv, "901", "/remind")
        ask = replies[-1]
        assert "3 đơn vị" in ask.text and "Quý IV/2026" in ask.text and "10/12/2026" in ask.text
        assert "Phòng Văn hóa - Xã hội" not in ask.text  # it has reported
        assert [o.value for o in ask.options] == ["yes", "no"]
        replies = await say(conv, "901", choice="yes")
        assert "Đang gửi nhắc" in replies[-1].text
        await remind.drain()
        to_units = sorted(c for c, _ in outs["telegram"].sent + outs["zalo"].sent if c != "901")
        assert to_units == ["301", "z201"]  # MTTQ, TYT (Zalo); Phòng Kinh tế has nobody
        mttq = next(r for c, r in outs["telegram"].sent if c == "301")
        assert "Văn phòng theo dõi, đôn đốc" in mttq.text and "Kính đề nghị" in mttq.text
        assert "còn 2 ngày" in mttq.text
        outcome = [r.text for c, r in outs["telegram"].sent if c == "901"]
        assert len(outcome) == 1
        assert "Đã gửi nhắc tới 3 đơn vị (2 tin nhắn)" in outcome[0]
        assert "Không gửi được tới: Phòng Kinh tế" in outcome[0]
        # A second /remind the same day sends nothing twice.
        await say(conv, "901", "/remind")
        await say(conv, "901", choice="yes")
        await remind.drain()
        again = [r.text for c, r in outs["telegram"].sent if c == "901"][-1]
        assert "không gửi lại" in again
        assert sorted(c for c, _ in outs["telegram"].sent + outs["zalo"].sent if c != "901") == [
            "301",
            "z201",
        ]
        # Cancelling sends nothing.
        clock.set(local(2026, 12, 9, 9))
        await say(conv, "901", "/nhacviec")
        replies = await say(conv, "901", choice="no")
        assert "Đã hủy" in replies[-1].text
        await remind.drain()
        assert len(outs["zalo"].sent) == 1
    finally:
        remind.set_nudger(None)


async def test_remind_one_unit_from_status(
    db: Database, clock: FrozenClock, tmp_path: Path, hooked: None
) -> None:
    plan: dict[str, int] = {}

    async def from_status(turn: Turn) -> list[Reply]:
        # What status.resume does on the unit's "remind:<id>" button.
        return await remind.start_unit(turn, plan["id"], "2026-Q4", plan["tyt"])

    # A test-only command, in a router composed beside the root's.
    extra = Router("test", commands=(Command("nhacdonvi", from_status, vi="nhacdonvi"),))
    routes = Routes(Router("test-root", routers=(ROOT, extra)))
    world, conv, outs, _engine = await setup(db, clock, tmp_path, routes)
    plan.update(id=world.plan_id, tyt=world.units["tyt"])
    try:
        replies = await say(conv, "901", "/nhacdonvi")
        assert "Trạm Y tế xã" in replies[-1].text
        await say(conv, "901", choice="yes")
        await remind.drain()
        assert [c for c, _ in outs["zalo"].sent] == ["z201"]
        assert outs["telegram"].sent[-1][0] == "901"
        assert "Đã gửi nhắc tới 1 đơn vị (1 tin nhắn)" in outs["telegram"].sent[-1][1].text
        # Once the unit has reported, the button says there is nothing to do.
        await report_all(db, world, "tyt", "2026-Q4", clock.now(), "tyt_focal")
        replies = await say(conv, "901", "/nhacdonvi")
        assert "đã gửi đủ báo cáo" in replies[-1].text
    finally:
        remind.set_nudger(None)


async def test_without_channels_the_office_is_told(
    db: Database, clock: FrozenClock, tmp_path: Path, hooked: None
) -> None:
    _world, conv, _outs, _engine = await setup(db, clock, tmp_path)
    remind.set_nudger(None)
    await say(conv, "901", "/remind")
    replies = await say(conv, "901", choice="yes")
    assert "chưa kết nối kênh gửi tin" in replies[-1].text

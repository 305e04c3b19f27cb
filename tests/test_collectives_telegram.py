"""`/groups` on Telegram: the office maps a plan group with inline buttons (fake Bot API)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from db.database import Database
from db.models import PeriodKind, Role, ScheduleKind, TaskRole, TaskUnit
from domain import collectives
from domain.clock import FrozenClock
from domain.deps import Deps
from domain.registry import add_task, create_plan, get_or_create_unit, set_rule
from handlers.router import Conversations
from tests.fakes.telegram_api import FakeTelegram
from tests.fakes.telegram_harness import make_deps, new_invite, running_bot
from tests.test_telegram_dialogues import Chat

pytestmark = pytest.mark.timeout(60)

OFFICE = 7102
OFFICE_UNIT = "Phòng Văn hóa - Xã hội"
GROUP = "Các phòng, ban, ngành"


@pytest.fixture
async def fake() -> FakeTelegram:
    async with FakeTelegram() as server:
        yield server  # type: ignore[misc]


@pytest.fixture
async def deps(db: Database, clock: FrozenClock, tmp_path: Path) -> Deps:
    d = make_deps(db, clock, tmp_path / "data")
    now = d.now()
    async with d.db.transaction() as s:
        for name in ("Phòng Kinh tế", "Trạm Y tế xã", "Hội Nông dân xã"):
            await get_or_create_unit(s, name, now)
        plan = await create_plan(
            s, now, title="Kế hoạch thử", year=2026, number="7/KH-UBND", coordinator=OFFICE_UNIT
        )
        await set_rule(s, plan, PeriodKind.QUARTERLY, 20, None, now)
        task = await add_task(
            s,
            plan,
            now,
            ref="1",
            title="Tuyên truyền",
            lead=["Trạm Y tế xã"],
            support=["Hội Nông dân xã"],
            schedule=ScheduleKind.RECURRING,
        )
        await collectives.set_task_groups(s, task, [(TaskRole.LEAD, GROUP)], now)
    return d


async def test_office_maps_a_group_with_buttons(
    fake: FakeTelegram, deps: Deps, db: Database
) -> None:
    office = Chat(fake, OFFICE, "Hoa")
    code = await new_invite(deps, OFFICE_UNIT, Role.COORDINATOR)
    async with running_bot(fake, deps, Conversations(deps)):
        await office.say(f"/start {code}")
        replies = await office.say("/groups")
        assert "1 nhóm chưa xác định đơn vị" in replies[-1]
        replies = await office.press(prefix="g:")
        assert f"«{GROUP}» (nhiệm vụ 1)" in replies[-1]
        labels = dict(office.buttons())
        # First guess from the words "các phòng, ban, ngành": the Phòng units, not the Hội.
        assert "☑ Phòng Kinh tế" in labels and "☑ Phòng Văn hóa - Xã hội" in labels
        assert "☐ Hội Nông dân xã" in labels
        assert all(len(data.encode()) <= 64 for _label, data in office.buttons())
        await office.press(labels["☑ Phòng Văn hóa - Xã hội"])
        assert "☐ Phòng Văn hóa - Xã hội" in dict(office.buttons())
        replies = await office.press("save")
        assert f"Đã lưu: «{GROUP}» gồm 2 đơn vị: Phòng Kinh tế; Trạm Y tế xã" in replies[-1]
    async with db.read() as s:
        rows = (await s.execute(select(TaskUnit.unit_id, TaskUnit.via_group_id))).all()
    # Trạm Y tế leads directly (kept as is); Phòng Kinh tế is derived from the group.
    assert sorted(via is not None for _unit, via in rows) == [False, False, True]

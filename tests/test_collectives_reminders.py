"""Reminders and the office digest with plan groups (issue 13): unmapped tasks are named to the
coordinator; once mapped, member units are reminded of the group's task."""

from __future__ import annotations

import datetime as dt

from db.database import Database
from db.models import Plan, ScheduleKind, TaskRole
from domain import collectives
from domain.clock import FrozenClock
from domain.registry import add_task
from domain.reminders import DIGEST, PlanOutcome, plan_window
from handlers.remind import render
from tests.test_reminders_support import TZ, build_world

D = dt.date
GROUP = "Các cơ quan, ban, ngành"


async def _window(db: Database, plan_id: int, day: dt.date, now: dt.datetime) -> PlanOutcome:
    async with db.read() as s:
        plan = await s.get(Plan, plan_id)
        assert plan is not None
        return await plan_window(
            s,
            plan,
            TZ,
            dt.datetime.combine(day, dt.time.min, tzinfo=TZ),
            dt.datetime.combine(day, dt.time.max, tzinfo=TZ),
            now,
        )


async def test_digest_names_unmapped_tasks_then_members_are_reminded(
    db: Database, clock: FrozenClock
) -> None:
    world = await build_world(db, clock.now(), one_off_due=None)
    async with db.transaction() as s:
        plan = await s.get(Plan, world.plan_id)
        assert plan is not None
        task = await add_task(
            s,
            plan,
            clock.now(),
            ref="6",
            title="Phổ biến kiến thức dinh dưỡng",
            lead=[],
            schedule=ScheduleKind.RECURRING,
        )
        await collectives.set_task_groups(s, task, [(TaskRole.LEAD, GROUP)], clock.now())
    out = await _window(db, world.plan_id, D(2026, 12, 11), clock.now())
    digest = next(r for r in out.reminders if r.kind == DIGEST)
    assert digest.digest is not None
    text = render(digest, "vi", D(2026, 12, 11)).text
    assert "1 nhiệm vụ giao cho nhóm chưa xác định đơn vị" in text
    assert f"6. Phổ biến kiến thức dinh dưỡng → «{GROUP}»" in text
    assert "/nhom" in text
    # Before mapping nobody is reminded of task 6.
    before = await _window(db, world.plan_id, D(2026, 12, 3), clock.now())
    assert not any(t.ref == "6" for r in before.reminders for t in r.tasks)

    async with db.transaction() as s:
        group = await collectives.find_group(s, world.plan_id, GROUP)
        assert group is not None
        await collectives.set_members(
            s, group, [world.units["tyt"], world.units["mttq"]], clock.now()
        )
    after = await _window(db, world.plan_id, D(2026, 12, 3), clock.now())
    reminded = {r.unit_name for r in after.reminders if any(t.ref == "6" for t in r.tasks)}
    assert reminded == {"Trạm Y tế xã", "Ủy ban Mặt trận Tổ quốc Việt Nam xã"}
    out = await _window(db, world.plan_id, D(2026, 12, 11), clock.now())
    digest = next(r for r in out.reminders if r.kind == DIGEST)
    assert "chưa xác định đơn vị" not in render(digest, "vi", D(2026, 12, 11)).text

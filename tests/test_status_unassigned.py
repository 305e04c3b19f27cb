"""/tinhhinh counts tasks led only by a group with no units as the compiled report does."""

from __future__ import annotations

from db.database import Database
from db.models import Role
from domain.clock import FrozenClock
from domain.export import gather_export
from domain.export.data import TaskProgress
from handlers.router import Conversations
from tests.support import Chat, invite_code
from tests.test_export_data import GROUP, VHXH, build_plan


async def test_group_led_task_is_unassigned_in_status_and_export(
    db: Database, clock: FrozenClock
) -> None:
    sc = await build_plan(db, clock)
    data = await gather_export(sc.deps, str(sc.plan_id), "2026-Q4", "vi")
    counts = data.progress_counts()
    assert counts[TaskProgress.UNASSIGNED] == 1 and counts[TaskProgress.NOT_DUE] == 0
    office = Chat(Conversations(sc.deps), "office")
    await office.send(f"/start {await invite_code(sc.deps, VHXH, Role.COORDINATOR)}")
    await office.send("/tinhhinh")
    assert "Nhiệm vụ chưa có đơn vị chủ trì (giao cho nhóm chưa xác định đơn vị): 1" in office.text
    # Its drill-down says why nobody has reported, instead of "not sent".
    await office.press("Xem theo nhiệm vụ")
    await office.press("5. ")
    assert f"⚠️ Giao cho «{GROUP}»: nhóm chưa xác định đơn vị" in office.text
    assert "chưa gửi" not in office.text


async def test_digest_counts_a_late_and_partial_unit_late_and_owing(
    db: Database, clock: FrozenClock
) -> None:
    """Phòng VH-XH leads two tasks and reports one, two days after the deadline: the office's
    digest lists it among the late units and among those still owing."""
    import datetime as dt

    from sqlalchemy import select

    from db.models import Member, Plan, ReportStatus, Task, Unit
    from domain.periods import period_by_key
    from domain.registry import rule_specs
    from domain.reminders import DIGEST, plan_window
    from domain.reports import ReportAnswers, submit_report
    from tests.test_reminders_support import TZ, build_world, local

    world = await build_world(db, clock.now())
    at = local(2026, 12, 12, 10)
    async with db.transaction() as s:
        plan = await s.get(Plan, world.plan_id)
        task = await s.get(Task, world.tasks["1"])
        unit = await s.get(Unit, world.units["vhxh"])
        member = await s.get(Member, world.members["vhxh_focal"])
        assert plan and task and unit and member
        period = period_by_key(await rule_specs(s, plan.id), "2026-Q4")
        assert period is not None
        await submit_report(
            s,
            at,
            TZ,
            plan=plan,
            period=period,
            task=task,
            unit=unit,
            member=member,
            answers=ReportAnswers(status=ReportStatus.IN_PROGRESS, results="Đang làm."),
        )
    async with db.read() as s:
        plan = (await s.execute(select(Plan))).scalar_one()
        out = await plan_window(
            s,
            plan,
            TZ,
            dt.datetime(2026, 12, 1, tzinfo=TZ),
            dt.datetime(2026, 12, 31, 23, 59, tzinfo=TZ),
            local(2026, 12, 12, 12),
        )
    digest = next(r for r in out.reminders if r.kind == DIGEST).digest
    assert digest is not None
    assert ("Phòng Văn hóa - Xã hội", 2) in digest.late
    assert ("Phòng Văn hóa - Xã hội", 1, 2) in digest.missing

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

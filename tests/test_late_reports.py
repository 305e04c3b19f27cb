"""A late report belongs to the period it reports on (Kiên Hải plan, quarter IV/2026).

Walked with a frozen clock: one unit on time, one late through /baocao two days after the
deadline (the overdue quarter is offered first), one late and partial, one missing. The report
form, /tinhhinh's summary and the export all count each for quarter IV.
"""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pytest
from sqlalchemy import select

from db.database import Database
from db.models import (
    Plan,
    Report,
    ReportStatus,
    Role,
    Task,
    TaskGroup,
    TaskRole,
    TaskUnit,
    Unit,
    UnitKind,
)
from domain.clock import FrozenClock
from domain.deps import Deps
from domain.export import Timeliness, gather_export
from domain.export.data import TaskProgress
from domain.importer.service import apply_plan, prepare
from domain.membership import create_invite, redeem_invite
from domain.periods import period_by_key
from domain.registry import rule_specs
from domain.reports import ReportAnswers, expected_pairs, submit_report
from domain.status import UnitState, summary
from handlers.router import Conversations
from tests.support import Chat, invite_code, make_deps
from tests.test_export_data import TZ, hanoi
from tests.test_import_shared_plans import KIEN_HAI

pytestmark = pytest.mark.skipif(not KIEN_HAI.is_file(), reason="../shared/plans is absent")


async def _setup(db: Database, clock: FrozenClock, tmp_path: Path) -> tuple[Deps, int, list[int]]:
    """Import the plan; the four units owing the fewest Q4 reports (at least one each)."""
    clock.set(hanoi(2026, 9, 20))
    deps = make_deps(db, clock, tmp_path / "data")
    async with db.transaction() as s:
        parsed = await prepare(s, KIEN_HAI.read_bytes(), KIEN_HAI.name, 2026)
        plan_id = (await apply_plan(s, parsed, clock.now())).plan_id
        period = period_by_key(await rule_specs(s, plan_id), "2026-Q4")
        assert period is not None and period.due == dt.date(2026, 12, 10)
        owed = await expected_pairs(s, plan_id, period)
    units = sorted(owed, key=lambda uid: (len(owed[uid]), uid))[:4]
    assert len(units) == 4
    return deps, plan_id, units


async def _submit(
    deps: Deps, plan_id: int, unit_id: int, when: dt.datetime, how_many: int | None = None
) -> None:
    """The unit files its Q4 reports at `when` (all owed, or the first `how_many`)."""
    deps.clock.set(when)  # type: ignore[attr-defined]
    async with deps.db.transaction() as s:
        plan = await s.get(Plan, plan_id)
        unit = await s.get(Unit, unit_id)
        assert plan is not None and unit is not None
        period = period_by_key(await rule_specs(s, plan_id), "2026-Q4")
        assert period is not None
        invite = await create_invite(
            s, deps.now(), role=Role.FOCAL, unit=unit, ttl=dt.timedelta(days=7)
        )
        member = await redeem_invite(
            s,
            deps.now(),
            code=invite.code,
            channel="console",
            external_id=f"direct{unit_id}",
            chat_id=f"direct{unit_id}",
            display_name="Cán bộ",
            locale="vi",
        )
        task_ids = (await expected_pairs(s, plan_id, period, [unit_id]))[unit_id]
        for task_id in task_ids[:how_many]:
            task = await s.get(Task, task_id)
            assert task is not None
            await submit_report(
                s,
                deps.now(),
                TZ,
                plan=plan,
                period=period,
                task=task,
                unit=unit,
                member=member,
                answers=ReportAnswers(status=ReportStatus.IN_PROGRESS, progress=50, results="Ok."),
            )


async def _file_through_chat(chat: Chat, owed: int) -> None:
    """Two days after the deadline: /baocao offers Q4 first, overdue, then Q1/2027."""
    await chat.send("/baocao")
    labels = [o.label for o in chat.options]
    assert "quá hạn" in chat.text or "quá hạn" in labels[0]
    assert labels[0].startswith("Quý IV/2026") and "quá hạn 2 ngày" in labels[0]
    assert f"còn {owed} nhiệm vụ" in labels[0]
    assert any(label.startswith("Quý I/2027") for label in labels[1:])
    await chat.press("Quý IV/2026")
    assert "Quý IV/2026" in chat.text and "đã quá hạn 2 ngày" in chat.text
    for n in range(owed):
        if n == 0:
            await chat.press("⬜")
        else:
            # "Báo cáo tiếp" opens the next overdue task, still for quarter IV.
            await chat.send("1")
        assert "Tình trạng" in chat.text, chat.text
        await chat.press("Hoàn thành")
        await chat.send("Đã hoàn thành, có số liệu kèm theo")
        for _ in range(3):
            await chat.press("Không có")
        await chat.press("Tiếp tục")
        assert "Quý IV/2026" in chat.text
        await chat.press("Gửi báo cáo")
        assert "trễ hạn" in chat.text, chat.text


async def test_quarter_walk_on_time_late_partial_missing(
    db: Database, clock: FrozenClock, tmp_path: Path
) -> None:
    deps, plan_id, (on_time, late, partial, missing) = await _setup(db, clock, tmp_path)
    async with db.read() as s:
        period = period_by_key(await rule_specs(s, plan_id), "2026-Q4")
        assert period is not None
        owed = await expected_pairs(s, plan_id, period)
        late_name = (await s.get(Unit, late)).name  # type: ignore[union-attr]
    assert len(owed[partial]) >= 1

    await _submit(deps, plan_id, on_time, hanoi(2026, 12, 1))
    # Before the deadline /baocao goes straight to the open quarter.
    clock.set(hanoi(2026, 12, 5))
    chat = Chat(Conversations(deps), "late-unit")
    await chat.send(f"/start {await invite_code(deps, late_name)}")
    await chat.send("/baocao")
    # Before the Q4 deadline: the annual report (due 05/11) is the overdue one offered first,
    # and the open quarter follows with its due date.
    labels = [o.label for o in chat.options]
    assert labels[0].startswith("Năm 2026 – quá hạn 30 ngày"), labels
    assert "Quý IV/2026 (hạn 10/12/2026)" in labels
    await chat.press("Quý IV/2026")
    assert "Quý IV/2026" in chat.text and "còn 5 ngày" in chat.text
    await chat.send("/huy")

    clock.set(hanoi(2026, 12, 12))
    await _file_through_chat(chat, len(owed[late]))
    # Late and partial: one report of those owed, four days late (when it owes more than one).
    await _submit(deps, plan_id, partial, hanoi(2026, 12, 14), how_many=1)

    async with db.read() as s:
        stored = (await s.execute(select(Report).where(Report.unit_id == late))).scalars().all()
        assert {r.period_key for r in stored} == {"2026-Q4"}
        assert all(r.late for r in stored) and len(stored) == len(owed[late])
        plan = await s.get(Plan, plan_id)
        assert plan is not None
        clock.set(hanoi(2026, 12, 15))
        status = await summary(s, plan, period, clock.now(), TZ)
        q1 = period_by_key(await rule_specs(s, plan_id), "2027-Q1")
        assert q1 is not None
        nobody = await summary(s, plan, q1, clock.now(), TZ)
    states = {u.unit_id: u for u in status.units}
    assert states[on_time].state is UnitState.DONE
    assert states[late].state is UnitState.DONE_LATE and states[late].max_days_late == 2
    assert states[missing].state is UnitState.MISSING
    # Late and partial is its own state: late, and still owing the rest.
    assert states[partial].state is (
        UnitState.PARTIAL_LATE if len(owed[partial]) > 1 else UnitState.DONE_LATE
    )
    late_ids = {u.unit_id for u in status.late}
    assert {late, partial} <= late_ids
    # Quarter I/2027 holds no report that nobody wrote for it.
    assert all(u.reported == 0 for u in nobody.units)

    data = await gather_export(deps, str(plan_id), "2026-Q4", "vi")
    by_id = {u.unit_id: u for u in data.units}
    assert by_id[on_time].timeliness is Timeliness.ON_TIME
    assert by_id[late].timeliness is Timeliness.LATE and by_id[late].days_late == 2
    assert by_id[partial].timeliness is Timeliness.LATE and by_id[partial].days_late == 4
    assert by_id[partial].reported == 1
    assert by_id[missing].timeliness is Timeliness.NOT_SENT
    counts = data.unit_counts()
    assert counts[Timeliness.ON_TIME] >= 1 and counts[Timeliness.LATE] >= 2

    # The Word draft says the same in words: late counts whatever the completeness.
    from docx import Document
    from openpyxl import load_workbook

    from domain.export.excel import render_xlsx
    from domain.export.word import percent, render_docx

    docx_text = "\n".join(
        p.text for p in Document(io.BytesIO(render_docx(data, "vi", TZ))).paragraphs
    )
    total = len(data.units)
    on, late_n = counts[Timeliness.ON_TIME], counts[Timeliness.LATE]
    assert (
        f"Tổng số {total} đơn vị phải gửi báo cáo: {on} đơn vị gửi đúng hạn, đầy đủ"
        f" ({percent(on, total)}); {late_n} đơn vị gửi chậm ({percent(late_n, total)});"
    ) in docx_text
    assert late_n == 2 and on == 1

    # /tinhhinh says the same: the late and partial unit is late (with what it sent), and the
    # task totals use the compiled report's classes, groups with no units apart.
    async with db.read() as s:
        plan = await s.get(Plan, plan_id)
        assert plan is not None
        coordinator = await s.get(Unit, plan.coordinator_unit_id)
        partial_unit = await s.get(Unit, partial)
        assert coordinator is not None and partial_unit is not None
        lead_groups = {
            task_id
            for (task_id,) in await s.execute(
                select(TaskGroup.task_id).where(TaskGroup.role == TaskRole.LEAD)
            )
        }
        lead_units = {
            task_id
            for (task_id,) in await s.execute(
                select(TaskUnit.task_id)
                .join(Unit, Unit.id == TaskUnit.unit_id)
                .where(TaskUnit.role == TaskRole.LEAD, Unit.kind == UnitKind.UNIT)
            )
        }
    office = Chat(Conversations(deps), "office")
    await office.send(f"/start {await invite_code(deps, coordinator.name, Role.COORDINATOR)}")
    await office.send("/tinhhinh")
    if "Quý IV/2026" not in office.text.split("\n")[1]:
        await office.press("kỳ báo cáo khác")
        await office.press("Quý IV/2026")
    text = office.text
    # The same classes as the export: late whatever the completeness, silent units apart.
    silent = counts[Timeliness.NOT_SENT]
    assert f"· gửi chậm: {late_n} · chưa gửi: {silent}" in text
    late_block = text.split("Báo cáo trễ hạn (")[1]
    assert late_block.startswith(f"{late_n} đơn vị):"), text
    owed_partial = len(owed[partial])
    assert owed_partial > 1, owed_partial
    assert f"🕘 {partial_unit.name}: trễ 4 ngày, mới gửi 1/{owed_partial}" in late_block, text
    assert f"🕘 {partial_unit.name}: 1/{owed_partial} (trễ 4 ngày)" in text
    progress = data.progress_counts()
    unassigned = progress[TaskProgress.UNASSIGNED]
    # Tasks led only by groups the office has not mapped: counted apart, never "not due", and
    # the same number in /tinhhinh, the Word text and the Excel summary.
    assert unassigned == len(lead_groups - lead_units) > 0
    assert f"(giao cho nhóm chưa xác định đơn vị): {unassigned}" in text
    assert f"; {unassigned} nhiệm vụ giao cho nhóm chưa xác định đơn vị (" in docx_text
    summary_sheet = load_workbook(io.BytesIO(render_xlsx(data, "vi", TZ))).worksheets[0]
    rows = {r[0]: r[1] for r in summary_sheet.iter_rows(values_only=True) if r[0]}
    assert rows["Giao cho nhóm chưa xác định đơn vị"] == unassigned

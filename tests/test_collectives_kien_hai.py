"""Issue 13 on the real Kiên Hải plan: its collectives are groups, visible until mapped, and once
the office maps one in the chat a member unit reports and is counted everywhere."""

from __future__ import annotations

import io
from pathlib import Path

import docx
import openpyxl
import pytest
from sqlalchemy import select

from db.database import Database
from db.models import AuditLog, Plan, Role, Unit
from domain import admin, collectives
from domain.clock import FrozenClock
from domain.deps import Deps
from domain.export import ExportFormat, export
from domain.importer.output import summary_text
from domain.importer.service import apply_plan, prepare
from handlers.router import Conversations
from tests.support import Chat, invite_code, make_deps
from tests.test_import_shared_plans import KIEN_HAI

pytestmark = pytest.mark.skipif(not KIEN_HAI.is_file(), reason="../shared/plans is absent")

BROAD = "Các cơ quan, phòng, ban, ngành"
MEMBER = "Công an đặc khu"


@pytest.fixture
async def deps(db: Database, clock: FrozenClock, tmp_path: Path) -> Deps:
    d = make_deps(db, clock, tmp_path / "data")
    async with db.transaction() as s:
        parsed = await prepare(s, KIEN_HAI.read_bytes(), KIEN_HAI.name, 2026)
        await apply_plan(s, parsed, clock.now())
    return d


async def _join(deps: Deps, user: str, unit: str | None, role: Role) -> Chat:
    chat = Chat(Conversations(deps), user)
    await chat.send(f"/start {await invite_code(deps, unit, role)}")
    assert "Chào mừng" in chat.text, chat.text
    return chat


async def _office(deps: Deps) -> Chat:
    async with deps.db.read() as s:
        plan = (await s.execute(select(Plan))).scalar_one()
        coordinator = await s.get(Unit, plan.coordinator_unit_id)
    assert coordinator is not None
    return await _join(deps, "office", coordinator.name, Role.COORDINATOR)


async def _docx_text(deps: Deps) -> str:
    out = await export(deps, plan_ref=None, period_key="2026-Q4", fmt=ExportFormat.DOCX)
    document = docx.Document(io.BytesIO(out.content))
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            parts.extend(cell.text for cell in row.cells)
    return "\n".join(parts)


async def _xlsx_rows(deps: Deps) -> list[tuple[object, ...]]:
    out = await export(deps, plan_ref=None, period_key="2026-Q4", fmt=ExportFormat.XLSX)
    wb = openpyxl.load_workbook(io.BytesIO(out.content))
    # Sheets: summary, unit x task grid, then the task x unit matrix (render_xlsx's order).
    matrix = wb.worksheets[2]
    return list(matrix.iter_rows(values_only=True))


async def test_groups_are_recorded_not_units(deps: Deps) -> None:
    async with deps.db.read() as s:
        names = set((await s.execute(select(Unit.name))).scalars())
        plan = (await s.execute(select(Plan))).scalar_one()
        views = {v.name: v for v in await collectives.list_groups(s, plan.id)}
        unmapped = await collectives.unmapped_tasks(s, plan.id)
    assert not any(n.startswith(("Các ", "các ")) for n in names), names
    assert {"1", "2", "12", "37"} <= set(views[BROAD].tasks)
    assert "Các Trường" in views
    # Every task given to a group is listed as waiting for the office, none is dropped.
    refs = {u.ref for u in unmapped}
    assert {"1", "2", "5", "12", "34", "37"} <= refs


async def test_unmapped_group_shows_in_status_digest_and_exports(deps: Deps) -> None:
    office = await _office(deps)
    await office.send("/tinhhinh")
    assert "nhiệm vụ giao cho nhóm chưa xác định đơn vị" in office.text
    assert "⚠️ 1. " in office.text and f"«{BROAD}»" in office.text
    assert "/nhom" in office.text
    await office.press("Xem theo nhiệm vụ")
    await office.press("1. ")
    assert f"⚠️ Giao cho «{BROAD}»: nhóm chưa xác định đơn vị" in office.text
    text = await _docx_text(deps)
    assert "nhiệm vụ giao cho nhóm chưa xác định đơn vị" in text
    assert f"Giao cho «{BROAD}»: nhóm chưa xác định đơn vị" in text
    rows = await _xlsx_rows(deps)
    task1 = [r for r in rows if r[0] == "1"]
    assert any(r[5] == f"«{BROAD}»" and r[15] == "Nhóm chưa xác định đơn vị" for r in task1)


async def test_office_maps_a_group_in_the_chat_and_a_member_reports(
    deps: Deps, db: Database
) -> None:
    office = await _office(deps)
    await office.send("/nhom")
    assert "nhóm chưa xác định đơn vị" in office.text
    await office.press(f"⚠️ {BROAD} (")
    assert f"«{BROAD}»" in office.text
    # The first guess: every registered non-independent unit of the plan, pre-selected.
    assert f"☑ {MEMBER}" in [o.label for o in office.options]
    assert not any("Mặt trận" in o.label and "☑" in o.label for o in office.options)
    # Unselect everything, pick one unit by number (as on Zalo) and one typed without tones.
    await office.press("Bỏ chọn tất cả")
    number = next(i for i, o in enumerate(office.options, 1) if MEMBER in o.label)
    await office.send(str(number))
    assert f"☑ {MEMBER}" in [o.label for o in office.options]
    await office.send("tram y te")
    assert "Đã chọn thêm: Trạm Y tế" in office.text
    await office.send("Đội Quản lý thị trường số 9")
    assert "Tạo đơn vị mới" in office.text
    await office.press("Quay lại")
    await office.press("Lưu (2 đơn vị)")
    assert f"Đã lưu: «{BROAD}» gồm 2 đơn vị: {MEMBER}; Trạm Y tế" in office.text
    async with db.read() as s:
        plan = (await s.execute(select(Plan))).scalar_one()
        views = {v.name: v for v in await collectives.list_groups(s, plan.id)}
        audit = (
            (await s.execute(select(AuditLog).where(AuditLog.action == "map_group")))
            .scalars()
            .all()
        )
    assert [u.name for u in views[BROAD].members] == [MEMBER, "Trạm Y tế"]
    assert audit and audit[-1].details["group"] == BROAD

    # The member unit now owes task 1 and reports on it.
    focal = await _join(deps, "police", MEMBER, Role.FOCAL)
    await focal.send("/baocao")
    labels = [o.label for o in focal.options]
    # Task 1 is owed as lead (the group's role), listed first.
    assert labels[0].startswith("⬜ 1. "), labels
    await focal.press("⬜ 1. ")
    status_option = next(
        o for o in focal.options if "Tiếp tục duy trì" in o.label or "Hoàn thành" in o.label
    )
    await focal.send(choice=status_option.value)
    await focal.send("Đã tuyên truyền tại 12 tổ dân cư")
    for _ in range(6):
        skip = [o for o in focal.options if "Không có" in o.label or "Bỏ qua" in o.label]
        if not skip:
            break
        await focal.send(choice=skip[0].value)
    send = [o for o in focal.options if "Gửi báo cáo" in o.label]
    while not send:
        await focal.send(choice=focal.options[0].value)
        send = [o for o in focal.options if "Gửi báo cáo" in o.label]
    await focal.send(choice=send[0].value)
    assert "Đã lưu" in focal.text, focal.text

    await office.send("/tinhhinh")
    assert f"◐ {MEMBER}: 1/" in office.text
    await office.press("Xem theo nhiệm vụ")
    await office.press("1. ")
    assert f"✅ {MEMBER}" in office.text
    assert "❌ Trạm Y tế" in office.text
    text = await _docx_text(deps)
    assert "Đã tuyên truyền tại 12 tổ dân cư" in text
    assert f"Giao cho «{BROAD}»" not in text  # mapped: no longer listed as waiting
    rows = await _xlsx_rows(deps)
    task1 = [r for r in rows if r[0] == "1"]
    assert any(r[5] == MEMBER and r[9] == "Đã tuyên truyền tại 12 tổ dân cư" for r in task1)
    assert any(r[5] == "Trạm Y tế" for r in task1)
    # The plan's own words stay in the lead column.
    assert BROAD in str(task1[0][2])


async def test_import_review_names_the_groups(db: Database) -> None:
    async with db.read() as s:
        parsed = await prepare(s, KIEN_HAI.read_bytes(), KIEN_HAI.name, 2026)
    text = summary_text(parsed, "vi", limit=5)
    line = next(x for x in text.splitlines() if f"«{BROAD}»" in x)
    assert line.strip().startswith("- Nhiệm vụ 1, 2, 4, ")
    assert line.endswith(f"giao cho «{BROAD}»: chọn các đơn vị thuộc nhóm này")
    # The groups are not counted among the plan's (new) units.
    units_line = next(x for x in text.splitlines() if x.startswith("Đơn vị ("))
    assert units_line.startswith("Đơn vị (")
    listed = text.split(units_line, 1)[1].split("\n\n", 1)[0]
    assert "Các cơ quan" not in listed and "Công an đặc khu" in listed


async def test_office_edits_plan_details_in_the_chat(deps: Deps, db: Database) -> None:
    office = await _office(deps)
    await office.send("/kehoach")
    assert "- Tên ngắn: -" in office.text
    await office.press("Tên ngắn")
    await office.send("KH 72 Kiên Hải")
    assert "Đã lưu - Tên ngắn: KH 72 Kiên Hải" in office.text
    await office.press("Ngày ban hành")
    await office.send("31/02/2026")
    assert "Ngày không hợp lệ: 31/02/2026" in office.text
    await office.send("20/01/2026")
    assert "Đã lưu - Ngày ban hành: 20/01/2026" in office.text
    await office.press("Đơn vị đầu mối")
    await office.send("phong kinh te")
    assert "Đã lưu - Đơn vị đầu mối: Phòng Kinh tế" in office.text
    await office.press("Người ký")
    await office.send("Nguyễn Văn B")
    await office.press("Đóng")
    async with db.read() as s:
        plan = (await s.execute(select(Plan))).scalar_one()
        edits = (await s.execute(select(AuditLog).where(AuditLog.action == "edit"))).scalars().all()
    assert plan.short_title == "KH 72 Kiên Hải" and plan.signer_name == "Nguyễn Văn B"
    assert str(plan.issued_on) == "2026-01-20"
    assert len(edits) == 4 and edits[0].actor == "console:office"
    focal = await _join(deps, "police", MEMBER, Role.FOCAL)
    await focal.send("/kehoach")
    assert "Chỉ văn phòng điều phối" in focal.text


async def test_signer_set_by_the_office_is_printed(deps: Deps, db: Database) -> None:
    async with db.transaction() as s:
        plan = (await s.execute(select(Plan))).scalar_one()
        await s.refresh(plan, ["coordinator"])
        await admin.edit_plan(
            s,
            plan,
            {"signer_title": "KT. CHỦ TỊCH; Phó Chủ tịch", "signer_name": "Trần Văn C"},
            deps.now(),
        )
    text = await _docx_text(deps)
    assert "KT. CHỦ TỊCH\nPHÓ CHỦ TỊCH" in text
    assert "Trần Văn C" in text

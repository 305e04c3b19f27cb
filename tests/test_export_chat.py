"""`/export` (`/xuatbaocao`) as whole dialogues, and the chart the `/status` flow can send."""

from __future__ import annotations

import asyncio
import io
from pathlib import Path

import pytest
from docx import Document
from openpyxl import load_workbook

from db.database import Database
from db.models import PeriodKind, Role
from domain.clock import FrozenClock
from domain.deps import Deps
from domain.export.pdf import soffice
from domain.registry import create_plan, set_rule
from handlers import export
from handlers.messages import Incoming, OutgoingFile
from handlers.root import ROUTES
from handlers.router import Conversations
from handlers.turn import Turn
from tests.support import Chat, invite_code
from tests.test_export_data import TYT, VHXH, build_plan
from tests.test_export_xlsx_png import png_size


def test_router_offers_export() -> None:
    command, flow = ROUTES.command("export"), ROUTES.flow(export.FLOW)
    assert command is not None and command.handler is export.start
    assert ROUTES.command("xuatbaocao") is command
    assert flow is not None and flow.resume is export.FORM


async def joined(deps: Deps, user: str, unit: str, role: Role) -> Chat:
    chat = Chat(Conversations(deps), user)
    await chat.send(f"/start {await invite_code(deps, unit, role)}")
    assert "Chào mừng" in chat.text, chat.text
    return chat


def sent_file(chat: Chat) -> OutgoingFile:
    """The file an export sent (a Word draft may be followed by its PDF copy)."""
    files = [r.file for r in chat.last if r.file is not None]
    assert files and (len(files) == 1 or files[1].filename.endswith(".pdf")), chat.text
    return files[0]


async def read(path: Path) -> bytes:
    return await asyncio.to_thread(path.read_bytes)


async def test_office_picks_period_and_format_and_gets_files(
    db: Database, clock: FrozenClock, tmp_path: Path
) -> None:
    sc = await build_plan(db, clock, tmp_data=str(tmp_path))
    office = await joined(sc.deps, "office", VHXH, Role.COORDINATOR)

    await office.send("/xuatbaocao")
    # 15/12/2026: the open period is Q1/2027, then the two whose deadline passed.
    labels = [o.label for o in office.options]
    assert labels[:3] == [
        "Quý I/2027 (hạn 10/03/2027)",
        "Quý IV/2026 (hạn 10/12/2026)",
        "Quý III/2026 (hạn 10/09/2026)",
    ]
    await office.press("Quý IV/2026")
    assert "Quý IV/2026" in office.text
    await office.press("Word")
    word = sent_file(office)
    assert word.filename.endswith("-2026-Q4.docx") and not word.is_image
    assert word.mime_type.endswith("wordprocessingml.document")
    assert word.path.parent == tmp_path / "exports"
    assert "1/5 đơn vị gửi đúng hạn" in office.text
    doc = Document(io.BytesIO(await read(word.path)))
    assert any("quý IV/2026" in p.text for p in doc.paragraphs[:6])
    files = [r.file for r in office.last if r.file is not None]
    if soffice() is not None:
        # The PDF copy follows the .docx so the office can check it on a phone.
        assert len(files) == 2 and files[1].mime_type == "application/pdf"
        assert (await read(files[1].path)).startswith(b"%PDF")
        assert "PDF" in office.last[-1].text
    else:
        assert len(files) == 1

    # Period and format given with the command: no questions.
    await office.send("/export 2026-q4 xlsx")
    excel = sent_file(office)
    wb = load_workbook(io.BytesIO(await read(excel.path)))
    assert wb.worksheets[2].max_row == 1 + 7

    # Numbers typed back pick options (the console and Zalo have no buttons).
    await office.send("/export")
    await office.send("2")
    await office.send("3")
    chart = sent_file(office)
    assert chart.is_image and chart.mime_type == "image/png"
    png_size(await read(chart.path))

    # The form is gone once the file is sent.
    await office.send("2")
    assert not any(r.file for r in office.last)


async def test_refusals_bad_words_and_cancel(
    db: Database, clock: FrozenClock, tmp_path: Path
) -> None:
    sc = await build_plan(db, clock, tmp_data=str(tmp_path))
    focal = await joined(sc.deps, "focal", TYT, Role.FOCAL)
    await focal.send("/xuatbaocao")
    assert "chỉ dành cho văn phòng điều phối" in focal.text
    assert not any(r.file for r in focal.last)

    office = await joined(sc.deps, "office", VHXH, Role.COORDINATOR)
    await office.send("/export quý-tư")
    assert "Cách dùng" in office.text
    # A period the plan does not have: said plainly, then the list of its periods.
    await office.send("/export 2026-H1 docx")
    assert "không có kỳ báo cáo này" in office.text
    assert any("Quý IV/2026" in o.label for o in office.options)
    # A key typed at the period step is taken; "docx" given earlier was kept.
    await office.send("2026-Q3")
    assert sent_file(office).filename.endswith("-2026-Q3.docx")
    await office.send("/export")
    await office.press("Hủy")
    assert "Đã hủy" in office.text
    await office.send("1")
    assert not any(r.file for r in office.last)


async def test_choose_plan_when_several(db: Database, clock: FrozenClock, tmp_path: Path) -> None:
    sc = await build_plan(db, clock, tmp_data=str(tmp_path), with_reports=False)
    async with db.transaction() as s:
        other = await create_plan(
            s, clock.now(), title="Kế hoạch phòng, chống dịch bệnh", year=2026, number="200/KH-UBND"
        )
        await set_rule(s, other, PeriodKind.SEMIANNUAL, 15, None, clock.now())
    office = await joined(sc.deps, "office", VHXH, Role.COORDINATOR)
    await office.send("/xuatbaocao")
    assert [o.label for o in office.options] == ["200/KH-UBND", "125/KH-UBND"]
    await office.press("200/KH-UBND")
    await office.press("6 tháng cuối năm 2026")
    await office.press("Excel")
    wb = load_workbook(io.BytesIO(await read(sent_file(office).path)))
    assert wb.worksheets[2].max_row == 1  # a plan without tasks: headers only
    assert "chưa có đơn vị nào gửi báo cáo" in office.text


async def test_status_chart_reply(db: Database, clock: FrozenClock, tmp_path: Path) -> None:
    sc = await build_plan(db, clock, tmp_data=str(tmp_path))
    async with db.transaction() as s:
        turn = Turn(sc.deps, s, Incoming("console", "office", "c1"), clock.now(), "vi")
        reply = await export.status_chart(turn, sc.plan_id, "2026-Q4")
        missing = await export.status_chart(turn, 999, None)
    assert reply.file is not None and reply.file.is_image
    assert "Quý IV/2026" in reply.text
    width, height = png_size(await read(reply.file.path))
    assert height > width > 600  # tall, for a phone screen held upright
    assert missing.file is None and missing.text


async def test_zalo_cannot_carry_files_so_it_is_told(
    db: Database, clock: FrozenClock, tmp_path: Path
) -> None:
    sc = await build_plan(db, clock, tmp_data=str(tmp_path))
    office = Chat(Conversations(sc.deps), "zalo-office", channel="zalo")
    await office.send(f"/start {await invite_code(sc.deps, VHXH, Role.COORDINATOR)}")
    await office.send("/xuatbaocao 2026-Q4 docx")
    assert "Zalo chưa hỗ trợ gửi tệp" in office.text
    assert not any(r.file for r in office.last)
    async with db.transaction() as s:
        turn = Turn(sc.deps, s, Incoming("zalo", "zalo-office", "z1"), clock.now(), "vi")
        reply = await export.status_chart(turn, sc.plan_id, "2026-Q4")
    assert reply.file is None and "Zalo" in reply.text
    exported = tmp_path / "exports"
    assert not await asyncio.to_thread(exported.exists)


async def test_render_failure_is_explained_to_the_office(
    db: Database, clock: FrozenClock, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An unforeseen renderer error (simulated) gets a sentence meant for the office itself:
    what failed and what to do, never "báo văn phòng điều phối" said to that office."""
    sc = await build_plan(db, clock, tmp_data=str(tmp_path))
    office = await joined(sc.deps, "office", VHXH, Role.COORDINATOR)

    def broken(*_args: object) -> bytes:
        raise ValueError("a layout the renderer did not foresee")

    monkeypatch.setattr(export, "render", broken)
    await office.send("/xuatbaocao 2026-Q4 docx")
    assert not [r for r in office.last if r.file is not None]
    assert "Chưa tạo được tệp Dự thảo báo cáo (Word)" in office.text
    assert "quản trị viên" in office.text and "văn phòng điều phối" not in office.text
    # The office can go on: another format works.
    monkeypatch.undo()
    await office.send("/xuatbaocao 2026-Q4 xlsx")
    assert sent_file(office).filename.endswith(".xlsx")

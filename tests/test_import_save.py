"""Saving an import in one transaction, matching units, the xlsx round trip, and the CLI."""

from __future__ import annotations

import json
import zoneinfo
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import func, select

from bot.cli import main
from db.database import Database
from db.models import Member, PeriodKind, Plan, Report, ReportStatus, Role, Task, Unit, UnitAlias
from domain import collectives, registry
from domain.clock import FrozenClock
from domain.errors import DomainError
from domain.importer.export import export_xlsx
from domain.importer.service import apply_plan, prepare
from domain.periods import RuleSpec, period_by_key
from domain.reports import ReportAnswers, submit_report
from tests.fixtures import plan_fixtures as F

TZ = zoneinfo.ZoneInfo("Asia/Ho_Chi_Minh")


async def _count(db: Database, model: type) -> int:
    async with db.read() as s:
        return int((await s.execute(select(func.count()).select_from(model))).scalar_one())


async def _import(db: Database, clock: FrozenClock, data: bytes, name: str) -> int:
    async with db.transaction() as s:
        parsed = await prepare(s, data, name, 2026)
        result = await apply_plan(s, parsed, clock.now())
    return result.plan_id


async def test_save_writes_plan_units_tasks_and_rules(db: Database, clock: FrozenClock) -> None:
    plan_id = await _import(db, clock, F.docx_plan(), "ke-hoach.docx")
    async with db.read() as s:
        plan = await s.get(Plan, plan_id)
        assert plan is not None
        assert (plan.title, plan.number, plan.place, plan.year) == (
            F.TITLE,
            "45/KH-UBND",
            "Bình Minh",
            2026,
        )
        coord = await s.get(Unit, plan.coordinator_unit_id)
        assert coord is not None and coord.name == "Phòng Văn hóa - Xã hội"
        assert await registry.rule_specs(s, plan_id) == sorted(
            [
                RuleSpec(k, 18, None)
                for k in (PeriodKind.QUARTERLY, PeriodKind.SEMIANNUAL, PeriodKind.ANNUAL)
            ]
        )
        tasks = await registry.list_tasks(s, plan_id)
        assert [t.ref for t in tasks] == [r.ref for r in F.TASKS]
        five = tasks[4]
        assert [(tu.role.value, tu.unit.name) for tu in five.units] == [
            ("lead", "Trạm Y tế xã"),
            ("lead", "Phòng Văn hóa - Xã hội"),
        ]
        # The collective is a group of the plan, not a unit (issue 13).
        views = {v.name: v for v in await collectives.list_groups(s, plan_id)}
        assert five.ref in views["Các đơn vị liên quan"].tasks
        assert not views["Các đơn vị liên quan"].mapped
        assert five.schedule.value == "recurring" and five.recurrence is PeriodKind.ANNUAL
        two = tasks[1]
        # "Phòng VH-XH" is the same unit, kept as written on the task.
        assert two.units[0].unit.name == "Phòng Văn hóa - Xã hội"
        assert two.units[0].written_as == "Phòng VH-XH"
        assert "Các phòng, ban, ngành" in views
        assert (await s.execute(select(Unit).where(Unit.name.like("Các %")))).first() is None
        women = (
            await s.execute(select(Unit).where(Unit.name == "Hội Liên hiệp Phụ nữ xã"))
        ).scalar_one()
        assert women.independent


async def test_existing_units_are_matched_not_duplicated(db: Database, clock: FrozenClock) -> None:
    async with db.transaction() as s:
        await registry.get_or_create_unit(
            s, "Phòng Văn hoá - Xã hội", clock.now(), aliases=["VHXH xã"]
        )
        await registry.get_or_create_unit(s, "Trạm Y tế xã", clock.now())
    async with db.read() as s:
        parsed = await prepare(s, F.text_plan(), "kh.txt", 2026)
    by_name = {u.name: u for u in parsed.units}
    assert by_name["Phòng Văn hoá - Xã hội"].existing_id is not None  # the database's spelling
    assert by_name["Trạm Y tế xã"].existing_id is not None
    new_warning = next(w for w in parsed.warnings if w.key == "importer.warn.new_units")
    assert "Trạm Y tế xã" not in dict(new_warning.params)["names"]
    before = await _count(db, Unit)
    async with db.transaction() as s:
        result = await apply_plan(s, parsed, clock.now())
    assert await _count(db, Unit) == before + len(result.new_units)
    assert "Phòng Văn hoá - Xã hội" not in result.new_units


async def test_broken_file_saves_nothing(db: Database, clock: FrozenClock) -> None:
    with pytest.raises(DomainError):
        await _import(db, clock, b"PK\x03\x04broken", "hong.docx")
    with pytest.raises(DomainError):
        await _import(db, clock, "Giấy mời họp.\nKhông có nhiệm vụ.".encode(), "moi.txt")
    assert await _count(db, Plan) == 0
    assert await _count(db, Unit) == 0


async def test_a_failure_half_way_rolls_everything_back(db: Database, clock: FrozenClock) -> None:
    async with db.read() as s:
        parsed = await prepare(s, F.text_plan(), "kh.txt", 2026)
    # A rule the registry refuses, written after units, plan and tasks: the whole import goes.
    parsed.rules.append(RuleSpec(PeriodKind.MONTHLY, 40, None))
    with pytest.raises(DomainError):
        async with db.transaction() as s:
            await apply_plan(s, parsed, clock.now())
    for model in (Plan, Unit, UnitAlias, Task):
        assert await _count(db, model) == 0


async def test_xlsx_round_trip_keeps_reports_and_reports_changes(
    db: Database, clock: FrozenClock, tmp_path: Path
) -> None:
    plan_id = await _import(db, clock, F.text_plan(), "ke-hoach.txt")
    async with db.transaction() as s:
        plan = await s.get(Plan, plan_id)
        assert plan is not None
        tasks = {t.ref: t for t in await registry.list_tasks(s, plan_id)}
        unit = tasks["1"].units[0].unit
        member = Member(
            full_name="Cán bộ A", unit_id=unit.id, role=Role.FOCAL, created_at=clock.now()
        )
        s.add(member)
        await s.flush()
        period = period_by_key(await registry.rule_specs(s, plan_id), "2026-Q4")
        assert period is not None
        # Task 3 will be removed from the sheet: its report must stay.
        for ref in ("1", "3"):
            assert tasks[ref].units[0].unit_id == unit.id
            answers = ReportAnswers(ReportStatus.IN_PROGRESS, 40, "Đã làm một phần")
            await submit_report(
                s,
                clock.now(),
                TZ,
                plan=plan,
                period=period,
                task=tasks[ref],
                unit=unit,
                member=member,
                answers=answers,
            )
    reports_before = await _count(db, Report)
    assert reports_before == 2
    sheet = tmp_path / "nhiem-vu.xlsx"
    async with db.read() as s:
        plan = await s.get(Plan, plan_id)
        assert plan is not None
        assert await export_xlsx(s, plan, sheet, "vi") == len(F.TASKS)

    # Unchanged sheet: nothing changes.
    async with db.transaction() as s:
        parsed = await prepare(s, sheet.read_bytes(), sheet.name, 2026)
        assert parsed.target_plan_id == plan_id
        result = await apply_plan(s, parsed, clock.now(), target=await s.get(Plan, plan_id))
    assert (result.added, result.changed, result.removed) == ([], [], [])

    wb = openpyxl.load_workbook(sheet)
    ws = wb.active
    assert ws is not None
    rows = {str(ws.cell(r, 1).value): r for r in range(5, ws.max_row + 1)}
    ws.cell(rows["2"], 5).value = "Quý III"
    ws.cell(rows["4"], 4).value = "Văn phòng HĐND và UBND; Công an xã"
    ws.delete_rows(rows["3"])
    ws.append(
        [
            "9",
            "Tổng vệ sinh sau mùa mưa",
            "Trạm Y tế xã",
            "Các thôn, tổ dân phố",
            "Tháng 11/2026",
            "",
        ]
    )
    wb.save(sheet)

    async with db.transaction() as s:
        parsed = await prepare(s, sheet.read_bytes(), sheet.name, 2026)
        result = await apply_plan(s, parsed, clock.now(), target=await s.get(Plan, plan_id))
    assert result.added == ["9"]
    assert result.changed == ["2", "4"]
    assert result.removed == ["3"]
    assert await _count(db, Report) == reports_before  # reports already received are kept
    assert result.reports_kept == reports_before
    async with db.read() as s:
        tasks = {t.ref: t for t in await registry.list_tasks(s, plan_id)}
    assert not tasks["3"].active and tasks["9"].active
    assert tasks["2"].timeframe_text == "Quý III" and str(tasks["2"].due_date) == "2026-09-30"
    assert [tu.unit.name for tu in tasks["4"].units] == [
        "Phòng Kinh tế, Hạ tầng và Đô thị",
        "Văn phòng HĐND và UBND",
        "Công an xã",
    ]


def _cli(monkeypatch: pytest.MonkeyPatch, url: str, tmp_path: Path, *argv: str) -> int:
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("DATA_DIR", str(tmp_path / "data"))
    monkeypatch.chdir(tmp_path)
    return main(list(argv))


def test_cli_dry_run_json_shape(
    monkeypatch: pytest.MonkeyPatch,
    database_url: str,
    db: Database,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # `db` empties the database first (PostgreSQL keeps one database for the session).
    path = tmp_path / "ke-hoach.docx"
    path.write_bytes(F.docx_plan())
    assert (
        _cli(
            monkeypatch, database_url, tmp_path, "--json", "plan", "import", str(path), "--dry-run"
        )
        == 0
    )
    out = capsys.readouterr().out
    data = json.loads(out)  # exactly one JSON object on stdout
    assert set(data) == {"plan", "units", "tasks", "reporting", "warnings"}
    # Today's shape, plus the read's confidence (issue 12: fields added, none removed).
    assert set(data["plan"]) == {
        "title",
        "number",
        "issuer",
        "issued_on",
        "coordinator",
        "confidence",
        "low_confidence",
    }
    assert 0 <= data["plan"]["confidence"] <= 1 and data["plan"]["low_confidence"] is False
    assert data["plan"]["issued_on"] == "2026-03-12" and data["plan"]["number"] == "45/KH-UBND"
    for unit in data["units"]:
        assert set(unit) == {"name", "aliases"} and isinstance(unit["aliases"], list)
    for task in data["tasks"]:
        assert set(task) == {
            "ref",
            "title",
            "lead",
            "support",
            "timeframe",
            "confidence",
            "doubts",
            "source",
        }
        assert set(task["source"]) == {"line", "text"} and isinstance(task["doubts"], list)
        assert set(task["timeframe"]) == {"text", "kind", "due", "recurrence"}
        assert task["timeframe"]["kind"] in {
            "one_off",
            "recurring",
            "composite",
            "event_driven",
            "inherited",
            "unspecified",
        }
    assert data["tasks"][2]["timeframe"] == {
        "text": "Trước ngày 15/7/2026",
        "kind": "one_off",
        "due": "2026-07-15",
        "recurrence": None,
    }
    assert data["reporting"][0] == {"period": "quarterly", "due_day": 18, "due_month": "last"}
    assert all(isinstance(w, str) for w in data["warnings"])
    # A dry run saves nothing.
    assert _cli(monkeypatch, database_url, tmp_path, "--json", "plan", "list") == 0
    assert json.loads(capsys.readouterr().out) == []


def test_cli_import_export_reimport(
    monkeypatch: pytest.MonkeyPatch,
    database_url: str,
    db: Database,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # `db` empties the database first (PostgreSQL keeps one database for the session).
    src = tmp_path / "ke-hoach.xlsx"
    src.write_bytes(F.xlsx_plan())
    assert _cli(monkeypatch, database_url, tmp_path, "plan", "import", str(src), "--dry-run") == 0
    human = capsys.readouterr().out
    assert "Nhiệm vụ (8):" in human and "chưa lưu" in human
    # Warnings: no reporting clause, a timeframe set by another document, units not yet known.
    assert "Không tìm thấy quy định về chế độ báo cáo" in human
    assert "phụ thuộc văn bản khác" in human and "sẽ được tạo mới" in human
    assert _cli(monkeypatch, database_url, tmp_path, "--json", "plan", "import", str(src)) == 0
    saved = json.loads(capsys.readouterr().out)
    assert saved["created"] and len(saved["added"]) == 8
    sheet = tmp_path / "out.xlsx"
    assert (
        _cli(
            monkeypatch,
            database_url,
            tmp_path,
            "plan",
            "export",
            str(saved["plan_id"]),
            "--xlsx",
            str(sheet),
        )
        == 0
    )
    capsys.readouterr()
    wb = openpyxl.load_workbook(sheet)
    ws = wb.active
    assert ws is not None
    ws.cell(5, 2).value = "Tổ chức chiến dịch truyền thông (bổ sung nội dung)"
    wb.save(sheet)
    # A dry run of the edited sheet names its plan and shows the change, saving nothing.
    assert _cli(monkeypatch, database_url, tmp_path, "plan", "import", str(sheet), "--dry-run") == 0
    preview = capsys.readouterr().out
    assert f"kế hoạch #{saved['plan_id']}" in preview and "Thay đổi: 1" in preview
    assert "chế độ báo cáo" not in preview  # the plan keeps its regime on re-import
    assert (
        _cli(
            monkeypatch,
            database_url,
            tmp_path,
            "plan",
            "import",
            str(sheet),
            "--plan",
            str(saved["plan_id"]),
        )
        == 0
    )
    out = capsys.readouterr().out
    assert "Thay đổi: 1" in out and "thêm mới: 0" in out
    assert (
        _cli(monkeypatch, database_url, tmp_path, "plan", "import", str(tmp_path / "khong-co.docx"))
        == 1
    )
    assert "Không tìm thấy tệp" in capsys.readouterr().err


async def test_units_matched_across_locality_words_and_abbreviations(
    db: Database, clock: FrozenClock
) -> None:
    async with db.transaction() as s:
        front, _ = await registry.get_or_create_unit(
            s, "Ủy ban Mặt trận Tổ quốc Việt Nam xã", clock.now()
        )
        station, _ = await registry.get_or_create_unit(s, "Trạm Y tế xã", clock.now())
        front_id, station_id = front.id, station.id
    rows = [
        ["STT", "Nhiệm vụ", "Chủ trì", "Phối hợp", "Thời gian"],
        ["1", "Vận động hiến máu", "UBMTTQ xã", "Trạm Y tế", "Quý II"],
        ["2", "Khám sàng lọc", "Trạm y tế", "", "Quý III"],
    ]
    data = "\n".join("\t".join(r) for r in rows).encode()
    async with db.transaction() as s:
        parsed = await prepare(s, data, "hien-mau.txt", 2026)
        assert all(u.existing_id is not None for u in parsed.units)
        result = await apply_plan(s, parsed, clock.now())
    assert result.new_units == []
    async with db.read() as s:
        tasks = await registry.list_tasks(s, result.plan_id)
    assert [(tu.role.value, tu.unit_id) for tu in tasks[0].units] == [
        ("lead", front_id),
        ("support", station_id),
    ]
    assert [tu.written_as for tu in tasks[0].units] == ["UBMTTQ xã", "Trạm Y tế"]
    assert tasks[1].units[0].unit_id == station_id


async def test_round_trip_of_an_unchanged_sheet_changes_nothing(
    db: Database, clock: FrozenClock, tmp_path: Path
) -> None:
    text = (
        "KẾ HOẠCH\nTết trồng cây năm 2026\nII. NHIỆM VỤ\n"
        "1. Phát động Tết trồng cây\n"
        "Mỗi thôn trồng ít nhất 200 cây bóng mát.\n"
        "- Đơn vị chủ trì: Phòng Kinh tế, Hạ tầng và Đô thị (lĩnh vực nông nghiệp).\n"
        "- Đơn vị phối hợp: Các thôn; Đoàn Thanh niên xã.\n"
        "- Thời gian thực hiện: Tháng 2/2026.\n"
        "2. Chăm sóc cây sau trồng\n"
        "- Đơn vị thực hiện: Các thôn.\n"
        "- Thời gian: Thường xuyên.\n"
    )
    plan_id = await _import(db, clock, text.encode(), "tet-trong-cay.txt")
    sheet = tmp_path / "s.xlsx"
    async with db.read() as s:
        plan = await s.get(Plan, plan_id)
        assert plan is not None
        tasks = await registry.list_tasks(s, plan_id)
        assert tasks[0].title == "Phát động Tết trồng cây\nMỗi thôn trồng ít nhất 200 cây bóng mát."
        await export_xlsx(s, plan, sheet, "vi")
    async with db.transaction() as s:
        parsed = await prepare(s, sheet.read_bytes(), sheet.name, 2026)
        result = await apply_plan(s, parsed, clock.now(), target=await s.get(Plan, plan_id))
    assert (result.added, result.changed, result.removed) == ([], [], [])

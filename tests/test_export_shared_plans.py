"""Every plan the importer can read from ../shared/plans exports in every format, never crashing.

Skipped when the folder is absent. Each plan is imported as the chat would (read, parse, apply),
then exported with no reports at all and again after a few units reported (on time and late).
"""

from __future__ import annotations

import datetime as dt
import io
import json
from pathlib import Path

import pytest
from docx import Document
from openpyxl import load_workbook
from sqlalchemy import select

from db.database import Database
from db.models import Plan, ReportStatus, Role, Task, TaskRole, TaskUnit, Unit, UnitKind
from domain.clock import FrozenClock
from domain.deps import Deps
from domain.errors import DomainError
from domain.export import ExportFormat, gather_export
from domain.export.service import FALLBACK_RULES, render
from domain.importer.service import apply_plan, prepare
from domain.membership import create_invite, redeem_invite
from domain.periods import open_period, periods_between
from domain.registry import rule_specs
from domain.reports import ReportAnswers, submit_report
from tests.test_export_data import TZ, hanoi
from tests.test_import_shared_plans import PLANS

pytestmark = [
    pytest.mark.skipif(not PLANS.is_dir(), reason="../shared/plans is absent"),
    pytest.mark.slow,
]

FILES = sorted([*PLANS.glob("*.txt"), *(PLANS / "corpus").glob("*.txt")]) if PLANS.is_dir() else []


async def _import(db: Database, clock: FrozenClock, path: Path) -> int | None:
    """The plan's id, or None when the importer itself refuses the file (not an export matter)."""
    try:
        async with db.transaction() as s:
            parsed = await prepare(s, path.read_bytes(), path.name, 2026)
            result = await apply_plan(s, parsed, clock.now())
            return result.plan_id
    except DomainError as exc:
        assert exc.key == "importer.error.no_tasks"
        return None


async def _report_some(db: Database, clock: FrozenClock, plan_id: int, period_key: str) -> int:
    """The first lead units report on their first task: one on time, one late. Count sent."""
    async with db.transaction() as s:
        plan = await s.get(Plan, plan_id)
        assert plan is not None
        rules = await rule_specs(s, plan_id) or list(FALLBACK_RULES)
        period = next(
            p
            for p in periods_between(rules, dt.date(2026, 1, 1), dt.date(2027, 12, 31))
            if p.key == period_key
        )
        rows = (
            await s.execute(
                select(Task, Unit)
                .join(TaskUnit, TaskUnit.task_id == Task.id)
                .join(Unit, Unit.id == TaskUnit.unit_id)
                .where(
                    Task.plan_id == plan_id,
                    TaskUnit.role == TaskRole.LEAD,
                    Unit.kind == UnitKind.UNIT,
                )
                .order_by(Task.position, Unit.id)
            )
        ).all()
    sent = 0
    seen: set[int] = set()
    for task, unit in rows:
        if unit.id in seen or sent >= 2:
            continue
        seen.add(unit.id)
        when = period.due - dt.timedelta(days=3) if sent == 0 else period.due + dt.timedelta(days=2)
        clock.set(hanoi(when.year, when.month, when.day))
        async with db.transaction() as s:
            invite = await create_invite(
                s, clock.now(), role=Role.FOCAL, unit=unit, ttl=dt.timedelta(days=7)
            )
            member = await redeem_invite(
                s,
                clock.now(),
                code=invite.code,
                channel="telegram",
                external_id=f"x{unit.id}",
                chat_id=f"x{unit.id}",
                display_name="Cán bộ",
                locale="vi",
            )
            plan = await s.get(Plan, plan_id)
            assert plan is not None
            await submit_report(
                s,
                clock.now(),
                TZ,
                plan=plan,
                period=period,
                task=await s.merge(task),
                unit=await s.merge(unit),
                member=member,
                answers=ReportAnswers(
                    status=ReportStatus.IN_PROGRESS,
                    progress=40,
                    results="Đã triển khai một phần; số liệu kèm theo.",
                    difficulties="Thiếu kinh phí.",
                    proposals="Đề nghị bổ sung kinh phí.",
                ),
            )
        sent += 1
    return sent


def _check(content: bytes, fmt: ExportFormat) -> None:
    if fmt is ExportFormat.DOCX:
        doc = Document(io.BytesIO(content))
        props = doc.core_properties
        assert props.title and len(props.title) <= 255
        assert props.language == "vi-VN"
        text = "\n".join(p.text for p in doc.paragraphs)
        assert "số /" not in text and "Số /" not in text
    elif fmt is ExportFormat.XLSX:
        wb = load_workbook(io.BytesIO(content))
        assert wb.sheetnames
    elif fmt is ExportFormat.PNG:
        assert content.startswith(b"\x89PNG")
    else:
        json.loads(content)


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
async def test_every_shared_plan_exports(db: Database, clock: FrozenClock, path: Path) -> None:
    clock.set(hanoi(2026, 2, 2))
    deps = Deps(db=db, clock=clock, tz=TZ, data_dir=Path("/nonexistent"))
    plan_id = await _import(db, clock, path)
    if plan_id is None:
        pytest.skip(f"{path.name}: the importer finds no task")
    async with db.read() as s:
        # A plan without a reporting clause is exported by calendar quarter.
        rules = await rule_specs(s, plan_id) or list(FALLBACK_RULES)
    period = open_period(rules, dt.date(2026, 11, 1))
    assert period is not None
    key = period.key
    # PDF is the .docx through LibreOffice: looked at page by page in test_export_pages.py.
    formats = [f for f in ExportFormat if f is not ExportFormat.PDF]
    clock.set(hanoi(2026, 11, 1))
    data = await gather_export(deps, str(plan_id), key, "vi")
    assert not data.has_reports
    for fmt in formats:
        _check(render(data, fmt, "vi", deps), fmt)
    sent = await _report_some(db, clock, plan_id, key)
    clock.set(hanoi(2026, 12, 28))
    data = await gather_export(deps, str(plan_id), key, "vi")
    assert sum(len(t.reported) for t in data.tasks) == sent
    for fmt in formats:
        _check(render(data, fmt, "vi", deps), fmt)

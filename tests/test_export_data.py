"""Gathering a plan's period for the compiled report; the scenario other export tests reuse."""

from __future__ import annotations

import datetime as dt
import json
import tempfile
import zoneinfo
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from db.database import Database
from db.models import DocumentFamily, PeriodKind, Plan, ReportStatus, Role, ScheduleKind
from domain.clock import FrozenClock
from domain.deps import Deps
from domain.errors import DomainError
from domain.export import ExportFormat, TaskState, Timeliness, export, gather_export
from domain.membership import create_invite, redeem_invite
from domain.periods import period_by_key
from domain.registry import add_task, create_plan, find_unit, list_tasks, rule_specs, set_rule
from domain.reports import ReportAnswers, submit_report

TZ = zoneinfo.ZoneInfo("Asia/Ho_Chi_Minh")
VHXH = "Phòng Văn hóa - Xã hội"
TYT = "Trạm Y tế đặc khu"
KT = "Phòng Kinh tế"
CA = "Công an đặc khu"
MTTQ = "Ủy ban Mặt trận Tổ quốc Việt Nam đặc khu"
GROUP = "Các cơ quan, đơn vị liên quan"
# Unit texts with line breaks, a percent sign, braces and quotes: they must come out as written.
RESULTS_VHXH = (
    "Tổ chức 12 buổi truyền thông về chăm sóc sức khỏe ban đầu, thu hút 1.450 lượt người.\n"
    "Phát 3.000 tờ rơi {mẫu mới}; 95% hộ gia đình được tiếp cận."
)
DIFF_VHXH = 'Kinh phí truyền thông còn hạn chế; "nhân lực mỏng".'
PROPOSAL_VHXH = "Đề nghị bổ sung 20 triệu đồng kinh phí truyền thông năm 2027."
NEXT_VHXH = "Tiếp tục truyền thông tại 5 thôn còn lại."
RESULTS_TYT = "Cập nhật 8.200/10.500 hồ sơ sức khỏe điện tử (78%)."
RESULTS_KT = "Kiểm tra 14 bếp ăn tập thể; không phát hiện vi phạm."
PROPOSAL_KT = "Đề nghị tập huấn nghiệp vụ kiểm tra cho cán bộ mới."


def hanoi(y: int, m: int, d: int, hour: int = 9) -> dt.datetime:
    """An instant given in Hanoi time, as UTC."""
    return dt.datetime(y, m, d, hour, tzinfo=TZ).astimezone(dt.UTC)


@dataclass
class Scenario:
    """What the scenario built, for assertions."""

    plan_id: int
    deps: Deps
    unit_ids: dict[str, int] = field(default_factory=dict)


async def build_plan(
    db: Database,
    clock: FrozenClock,
    *,
    family: DocumentFamily = DocumentFamily.ADMINISTRATIVE,
    with_reports: bool = True,
    tmp_data: str | None = None,
) -> Scenario:
    """A special zone's plan with six tasks, a quarterly rule (day 10) and reports for 2026-Q4.

    Q4 is due 10/12/2026. Phòng VH-XH reports on time, Trạm Y tế three days late, Phòng Kinh tế
    one of its two tasks, Công an and MTTQ nothing; a group leads one task.
    """
    data_dir = Path(tmp_data) if tmp_data else Path(tempfile.gettempdir()) / "dondoc-export-tests"
    deps = Deps(db=db, clock=clock, tz=TZ, data_dir=data_dir)
    clock.set(hanoi(2026, 11, 2))
    now = clock.now()
    party = family is DocumentFamily.PARTY
    async with db.transaction() as s:
        plan = await create_plan(
            s,
            now,
            title="Triển khai thực hiện Nghị quyết số 72-NQ/TW về chăm sóc sức khỏe Nhân dân",
            year=2026,
            number="15-KH/ĐU" if party else "125/KH-UBND",
            issuer="Đảng ủy đặc khu Kiên Hải" if party else "Ủy ban nhân dân đặc khu Kiên Hải",
            parent_body="Đảng bộ tỉnh An Giang" if party else "Ủy ban nhân dân tỉnh An Giang",
            place="Kiên Hải",
            issued_on=dt.date(2026, 1, 15),
            coordinator=VHXH,
            family=family,
        )
        await set_rule(s, plan, PeriodKind.QUARTERLY, 10, None, now)
        tasks = [
            await add_task(
                s,
                plan,
                now,
                ref="1",
                section="1. Công tác truyền thông",
                title="Tuyên truyền về chăm sóc sức khỏe ban đầu cho người dân",
                lead=[VHXH],
                support=[TYT],
                timeframe_text="Thường xuyên",
                schedule=ScheduleKind.RECURRING,
            ),
            await add_task(
                s,
                plan,
                now,
                ref="2",
                section="2. Công tác chuyên môn",
                title="Rà soát, cập nhật hồ sơ sức khỏe điện tử",
                lead=[TYT],
                timeframe_text="Quý IV/2026",
                schedule=ScheduleKind.ONE_OFF,
                due_date=dt.date(2026, 12, 31),
            ),
            await add_task(
                s,
                plan,
                now,
                ref="3",
                section="2. Công tác chuyên môn",
                title="Kiểm tra an toàn thực phẩm tại bếp ăn tập thể",
                lead=[KT, CA],
                support=[TYT],
                timeframe_text="Trong năm 2026",
                schedule=ScheduleKind.ONE_OFF,
                due_date=dt.date(2026, 12, 31),
            ),
            await add_task(
                s,
                plan,
                now,
                ref="4",
                section="2. Công tác chuyên môn",
                title="Vận động hội viên khám sức khỏe định kỳ",
                lead=[MTTQ],
                timeframe_text="Hằng năm",
                schedule=ScheduleKind.RECURRING,
            ),
            await add_task(
                s,
                plan,
                now,
                ref="5",
                section="2. Công tác chuyên môn",
                title="Hưởng ứng các phong trào rèn luyện thân thể",
                lead=[GROUP],
                timeframe_text="Thường xuyên",
                schedule=ScheduleKind.RECURRING,
            ),
            await add_task(
                s,
                plan,
                now,
                ref="6",
                section="2. Công tác chuyên môn",
                title="Xây dựng phương án bố trí điểm sơ cứu tại bến tàu",
                lead=[KT],
                timeframe_text="Tháng 6/2026",
                schedule=ScheduleKind.ONE_OFF,
                due_date=dt.date(2026, 6, 30),
            ),
        ]
        units = {}
        for name in (VHXH, TYT, KT, CA, MTTQ, GROUP):
            unit = await find_unit(s, name)
            assert unit is not None
            units[name] = unit
        members = {}
        for i, name in enumerate((VHXH, TYT, KT)):
            invite = await create_invite(
                s, now, role=Role.FOCAL, unit=units[name], ttl=dt.timedelta(days=7)
            )
            members[name] = await redeem_invite(
                s,
                now,
                code=invite.code,
                channel="telegram",
                external_id=f"u{i}",
                chat_id=f"u{i}",
                display_name=f"Cán bộ {i}",
                locale="vi",
            )
        period = period_by_key(await rule_specs(s, plan.id), "2026-Q4")
        assert period is not None
        plan_id = plan.id

    async def submit(name: str, task_index: int, when: dt.datetime, answers: ReportAnswers) -> None:
        clock.set(when)
        async with db.transaction() as s:
            p = await s.get(Plan, plan_id)
            assert p is not None
            task = tasks[task_index]
            await submit_report(
                s,
                clock.now(),
                TZ,
                plan=p,
                period=period,
                task=await s.merge(task),
                unit=await s.merge(units[name]),
                member=await s.merge(members[name]),
                answers=answers,
            )

    if with_reports:
        await submit(
            VHXH,
            0,
            hanoi(2026, 11, 20),
            ReportAnswers(
                status=ReportStatus.ONGOING,
                results=RESULTS_VHXH,
                difficulties=DIFF_VHXH,
                proposals=PROPOSAL_VHXH,
                next_plan=NEXT_VHXH,
            ),
        )
        await submit(
            KT,
            2,
            hanoi(2026, 12, 9, 16),
            ReportAnswers(
                status=ReportStatus.DONE,
                progress=100,
                results=RESULTS_KT,
                proposals=PROPOSAL_KT,
                evidence_ref="Báo cáo số 45/BC-PKT ngày 08/12/2026",
            ),
        )
        await submit(
            TYT,
            1,
            hanoi(2026, 12, 13),
            ReportAnswers(status=ReportStatus.IN_PROGRESS, progress=78, results=RESULTS_TYT),
        )
    clock.set(hanoi(2026, 12, 15))
    return Scenario(plan_id=plan_id, deps=deps, unit_ids={name: u.id for name, u in units.items()})


async def test_gather_timeliness_and_texts(db: Database, clock: FrozenClock) -> None:
    sc = await build_plan(db, clock)
    data = await gather_export(sc.deps, str(sc.plan_id), "2026-Q4", "vi")
    assert data.period_label == "Quý IV/2026"
    assert data.period_due == dt.date(2026, 12, 10)
    states = {u.name: (u.timeliness, u.days_late, u.reported, u.expected) for u in data.units}
    assert states == {
        VHXH: (Timeliness.ON_TIME, 0, 1, 1),
        TYT: (Timeliness.LATE, 3, 1, 1),
        KT: (Timeliness.PARTIAL, 0, 1, 2),
        CA: (Timeliness.NOT_SENT, 0, 0, 1),
        MTTQ: (Timeliness.NOT_SENT, 0, 0, 1),
    }
    # Display order: on time, late, partial, not sent.
    assert [u.timeliness for u in data.units][:3] == [
        Timeliness.ON_TIME,
        Timeliness.LATE,
        Timeliness.PARTIAL,
    ]
    by_ref = {task.ref: task for task in data.tasks}
    assert [task.ref for task in data.tasks] == ["1", "2", "3", "4", "5", "6"]
    assert by_ref["1"].entries[0].results == RESULTS_VHXH
    assert by_ref["1"].state is TaskState.ONGOING
    assert by_ref["2"].state is TaskState.IN_PROGRESS
    assert by_ref["2"].entries[0].timeliness is Timeliness.LATE
    # Only Kinh tế reported (done); Công an is silent: the task is not complete yet.
    assert by_ref["3"].state is TaskState.IN_PROGRESS
    assert [e.unit_name for e in by_ref["3"].missing] == [CA]
    assert by_ref["5"].entries[0].timeliness is Timeliness.NOT_REQUIRED
    assert by_ref["6"].overdue_days == (dt.date(2026, 12, 15) - dt.date(2026, 6, 30)).days
    assert by_ref["6"].state is TaskState.NO_REPORT
    counts = data.unit_counts()
    assert counts == {
        Timeliness.ON_TIME: 1,
        Timeliness.LATE: 1,
        Timeliness.PARTIAL: 1,
        Timeliness.NOT_SENT: 2,
    }


async def test_json_export_is_the_gathered_data(db: Database, clock: FrozenClock) -> None:
    sc = await build_plan(db, clock)
    out = await export(sc.deps, plan_ref="125/KH-UBND", period_key="2026-Q4", fmt=ExportFormat.JSON)
    doc = json.loads(out.content)
    assert out.mime_type == "application/json"
    assert doc["period_key"] == "2026-Q4"
    assert doc["plan"]["number"] == "125/KH-UBND"
    assert {u["name"]: u["timeliness"] for u in doc["units"]}[TYT] == "late"
    assert doc["tasks"][0]["entries"][0]["results"] == RESULTS_VHXH
    assert doc["tasks"][0]["entries"][0]["submitted_at"].startswith("2026-11-20T02:00")


async def test_open_period_by_default_and_bad_input(db: Database, clock: FrozenClock) -> None:
    sc = await build_plan(db, clock, with_reports=False)
    clock.set(hanoi(2026, 11, 23))
    data = await gather_export(sc.deps, None, None, "vi")
    assert data.period_key == "2026-Q4"
    assert not data.has_reports
    with pytest.raises(DomainError) as bad:
        await gather_export(sc.deps, None, "2026-Q7", "vi")
    assert bad.value.key == "export.error.bad_period"
    with pytest.raises(DomainError) as absent:
        await gather_export(sc.deps, None, "2026-H1", "vi")
    assert absent.value.key == "export.error.period_not_in_plan"
    with pytest.raises(DomainError) as missing:
        await gather_export(sc.deps, "999/KH-UBND", None, "vi")
    assert missing.value.key == "export.error.plan_not_found"


async def test_task_done_in_an_earlier_period_owes_nothing(
    db: Database, clock: FrozenClock
) -> None:
    sc = await build_plan(db, clock, with_reports=False)
    clock.set(hanoi(2026, 9, 5))
    async with db.transaction() as s:
        plan = await s.get(Plan, sc.plan_id)
        assert plan is not None
        q3 = period_by_key(await rule_specs(s, plan.id), "2026-Q3")
        assert q3 is not None
        tasks = await list_tasks(s, plan.id)
        unit = await find_unit(s, TYT)
        assert unit is not None
        invite = await create_invite(
            s, clock.now(), role=Role.FOCAL, unit=unit, ttl=dt.timedelta(days=7)
        )
        member = await redeem_invite(
            s,
            clock.now(),
            code=invite.code,
            channel="console",
            external_id="tyt",
            chat_id="tyt",
            display_name=None,
            locale="vi",
        )
        await submit_report(
            s,
            clock.now(),
            TZ,
            plan=plan,
            period=q3,
            task=tasks[1],
            unit=unit,
            member=member,
            answers=ReportAnswers(status=ReportStatus.DONE, progress=100, results="Xong."),
        )
    clock.set(hanoi(2026, 12, 15))
    data = await gather_export(sc.deps, None, "2026-Q4", "vi")
    task2 = data.tasks[1]
    assert task2.entries[0].timeliness is Timeliness.DONE_EARLIER
    assert task2.state is TaskState.DONE and task2.overdue_days is None
    assert TYT not in {u.name for u in data.units}  # nothing left to report this period
    q3_data = await gather_export(sc.deps, None, "2026-Q3", "vi")
    assert {u.name: u.timeliness for u in q3_data.units}[TYT] is Timeliness.ON_TIME

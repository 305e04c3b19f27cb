"""Reminder planning: policy, working days, who is pinged, texts, the office digest."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import update

from db.database import Database
from db.models import ChatAccount, PeriodKind, Plan
from domain.clock import FrozenClock
from domain.errors import DomainError
from domain.periods import RuleSpec, periods_for_year
from domain.reminders import (
    BEFORE_DUE,
    DIGEST,
    DUE_DAY,
    OVERDUE,
    TASK_DEADLINE,
    Policy,
    period_days,
    plan_window,
    policy_of,
    set_policy,
)
from domain.workdays import WorkCalendar, load_calendar
from handlers.remind import REPORT_OPTION, render
from tests.test_reminders_support import TZ, build_world, local, report_all

D = dt.date
DEFAULT = Policy(
    days=(), offsets=(7, 3, 1, 0), overdue=(1, 3), task_offsets=(14, 3), time=dt.time(8, 0)
)


async def calendar(db: Database) -> WorkCalendar:
    async with db.read() as s:
        return await load_calendar(s)


async def window(db: Database, plan_id: int, first: dt.date, last: dt.date, now: dt.datetime):
    async with db.read() as s:
        plan = await s.get(Plan, plan_id)
        assert plan is not None
        return await plan_window(
            s,
            plan,
            TZ,
            dt.datetime.combine(first, dt.time.min, tzinfo=TZ),
            dt.datetime.combine(last, dt.time.max, tzinfo=TZ),
            now,
        )


def test_default_points_for_a_quarter() -> None:
    # Q4/2026 due Thursday 10/12: 7, 3, 1 days before, the day, 1 and 3 days after.
    days = period_days(DEFAULT, D(2026, 12, 10), WorkCalendar())
    assert days == [
        (BEFORE_DUE, D(2026, 12, 3)),
        (BEFORE_DUE, D(2026, 12, 7)),
        (BEFORE_DUE, D(2026, 12, 9)),
        (DUE_DAY, D(2026, 12, 10)),
        (OVERDUE, D(2026, 12, 11)),
        (OVERDUE, D(2026, 12, 14)),  # Sunday 13/12 moves to Monday
    ]


async def test_tet_moves_and_merges(db: Database) -> None:
    cal = await calendar(db)
    # Monthly report due Friday 20/02/2026, inside Tết (14-22/02): every reminder before the
    # deadline moves to Friday 13/02 and they become one; overdue ones move after Tết.
    assert period_days(DEFAULT, D(2026, 2, 20), cal) == [
        (DUE_DAY, D(2026, 2, 13)),
        (OVERDUE, D(2026, 2, 23)),
    ]


async def test_30_april_is_avoided(db: Database) -> None:
    cal = await calendar(db)
    # Due Tuesday 05/05/2026: 3 days before is Saturday 02/05 (holiday 30/4-3/5) -> 29/04.
    days = period_days(DEFAULT, D(2026, 5, 5), cal)
    assert days == [
        (BEFORE_DUE, D(2026, 4, 28)),
        (BEFORE_DUE, D(2026, 4, 29)),
        (BEFORE_DUE, D(2026, 5, 4)),
        (DUE_DAY, D(2026, 5, 5)),
        (OVERDUE, D(2026, 5, 6)),
        (OVERDUE, D(2026, 5, 8)),
    ]
    # A reminder on 30/04 itself goes back to 29/04; after the deadline, forward to 04/05.
    pol = Policy((), (0,), (1,), (), dt.time(8))
    assert period_days(pol, D(2026, 4, 30), cal) == [
        (DUE_DAY, D(2026, 4, 29)),
        (OVERDUE, D(2026, 5, 4)),
    ]


async def test_days_of_the_month_policy(db: Database) -> None:
    cal = await calendar(db)
    pol = Policy((10, 15, 20), (0,), (1,), (), dt.time(8))
    # Due 20/06/2026 (Saturday): 10/06 Wed, 15/06 Mon, 20/06 -> Fri 19/06; after: Mon 22/06.
    assert period_days(pol, D(2026, 6, 20), cal) == [
        (BEFORE_DUE, D(2026, 6, 10)),
        (BEFORE_DUE, D(2026, 6, 15)),
        (DUE_DAY, D(2026, 6, 19)),
        (OVERDUE, D(2026, 6, 22)),
    ]


REGIMES = {
    "quarterly_10": [RuleSpec(PeriodKind.QUARTERLY, 10)],
    "half_15_june": [RuleSpec(PeriodKind.SEMIANNUAL, 15, 6)],
    "annual_5_nov": [RuleSpec(PeriodKind.ANNUAL, 5, 11)],
    "all_20": [
        RuleSpec(PeriodKind.QUARTERLY, 20),
        RuleSpec(PeriodKind.SEMIANNUAL, 20),
        RuleSpec(PeriodKind.ANNUAL, 20),
    ],
    "june_december": [RuleSpec(PeriodKind.SEMIANNUAL, 30)],
    "quarter_20_year_15_nov": [
        RuleSpec(PeriodKind.QUARTERLY, 20),
        RuleSpec(PeriodKind.ANNUAL, 15, 11),
    ],
}


@pytest.mark.parametrize("regime", sorted(REGIMES))
async def test_regimes_fall_on_working_days(db: Database, regime: str) -> None:
    cal = await calendar(db)
    periods = periods_for_year(REGIMES[regime], 2026)
    assert periods
    for period in periods:
        days = period_days(DEFAULT, period.due, cal)
        assert len({d for _k, d in days}) == len(days)
        for kind, day in days:
            assert cal.is_working(day), (regime, period.key, day)
            if kind == OVERDUE:
                assert day > period.due
            else:
                assert day <= period.due
        assert [k for k, _ in days].count(OVERDUE) >= 1


async def test_all_three_due_20th_q2_on_a_saturday(db: Database) -> None:
    cal = await calendar(db)
    periods = {p.key: p for p in periods_for_year(REGIMES["all_20"], 2026)}
    assert sorted(periods) == [
        "2026",
        "2026-H1",
        "2026-H2",
        "2026-Q1",
        "2026-Q2",
        "2026-Q3",
        "2026-Q4",
    ]
    assert period_days(DEFAULT, periods["2026-Q2"].due, cal) == [
        (BEFORE_DUE, D(2026, 6, 12)),
        (BEFORE_DUE, D(2026, 6, 17)),
        (DUE_DAY, D(2026, 6, 19)),
        (OVERDUE, D(2026, 6, 22)),
        (OVERDUE, D(2026, 6, 23)),
    ]


async def test_exact_reminders_of_a_quarter(db: Database, clock: FrozenClock) -> None:
    world = await build_world(db, clock.now())
    out = await window(db, world.plan_id, D(2026, 10, 1), D(2026, 12, 31), clock.now())
    got = [(r.slot.at.isoformat(), r.kind, r.slot.period_key, r.unit_name) for r in out.reminders]
    units = [
        "Phòng Kinh tế",
        "Phòng Văn hóa - Xã hội",
        "Trạm Y tế xã",
        "Ủy ban Mặt trận Tổ quốc Việt Nam xã",
    ]
    expected = []
    for day, kind in [
        (3, BEFORE_DUE),
        (7, BEFORE_DUE),
        (9, BEFORE_DUE),
        (10, DUE_DAY),
        (11, OVERDUE),
        (14, OVERDUE),
    ]:
        at = local(2026, 12, day).isoformat()
        expected += [(at, kind, "2026-Q4", u) for u in units]
        if kind == OVERDUE:
            expected.append((at, DIGEST, "2026-Q4", None))
    expected.append((local(2026, 12, 17).isoformat(), TASK_DEADLINE, None, "Trạm Y tế xã"))
    expected.append((local(2026, 12, 28).isoformat(), TASK_DEADLINE, None, "Trạm Y tế xã"))
    assert got == expected
    assert got[1][0] == "2026-12-03T08:00:00+07:00"

    by_unit = {r.unit_name: r for r in out.reminders if r.slot.day == D(2026, 12, 7)}
    who = lambda name: [(x.name, x.channel, x.chat_id) for x in by_unit[name].recipients]  # noqa: E731
    assert who("Phòng Văn hóa - Xã hội") == [
        ("vhxh_focal", "telegram", "101"),
        ("vhxh_backup", "telegram", "102"),
        ("vhxh_backup", "zalo", "z102"),
    ]
    assert who("Trạm Y tế xã") == [("tyt_focal", "zalo", "z201")]  # prefers Zalo
    assert who("Phòng Kinh tế") == []
    assert [r.ref for r in by_unit["Phòng Văn hóa - Xã hội"].tasks] == ["1", "4"]
    assert [r.ref for r in by_unit["Trạm Y tế xã"].tasks] == ["2", "5"]
    texts = [n.key for n in out.warnings]
    assert "reminders.warn_no_recipient" in texts
    assert "workdays.missing_year" in texts  # 2027 is not recorded and it is November
    digest = next(r for r in out.reminders if r.kind == DIGEST)
    assert [(x.name, x.chat_id) for x in digest.recipients] == [("coord", "901")]
    data = digest.as_json(TZ)
    assert data == {
        "at": "2026-12-11T08:00:00+07:00",
        "kind": "digest",
        "plan": world.plan_id,
        "period": "2026-Q4",
        "due": "2026-12-10",
        "unit": None,
        "recipients": [
            {
                "member": world.members["coord"],
                "name": "coord",
                "role": "coordinator",
                "channel": "telegram",
                "chat_id": "901",
            }
        ],
    }


async def test_units_that_reported_get_nothing(db: Database, clock: FrozenClock) -> None:
    world = await build_world(db, clock.now(), one_off_due=None)
    await report_all(db, world, "vhxh", "2026-Q4", local(2026, 12, 4, 10), "vhxh_focal")
    await report_all(db, world, "tyt", "2026-Q4", local(2026, 12, 12, 10), "tyt_focal")
    now = local(2026, 12, 12, 12)
    out = await window(db, world.plan_id, D(2026, 12, 1), D(2026, 12, 31), now)
    named = {r.unit_name for r in out.reminders}
    assert "Phòng Văn hóa - Xã hội" not in named and "Trạm Y tế xã" not in named
    assert {"Phòng Kinh tế", "Ủy ban Mặt trận Tổ quốc Việt Nam xã"} <= named
    digest = next(r for r in out.reminders if r.kind == DIGEST).digest
    assert digest is not None
    assert digest.on_time == ["Phòng Văn hóa - Xã hội"]
    assert digest.late == [("Trạm Y tế xã", 2)]
    assert sorted(m[0] for m in digest.missing) == [
        "Phòng Kinh tế",
        "Ủy ban Mặt trận Tổ quốc Việt Nam xã",
    ]
    assert [(u.unit, u.reason) for u in digest.unreachable] == [("Phòng Kinh tế", "never_joined")]


async def test_texts_tone_and_option(db: Database, clock: FrozenClock) -> None:
    world = await build_world(db, clock.now())
    out = await window(db, world.plan_id, D(2026, 12, 7), D(2026, 12, 7), clock.now())
    rem = {r.unit_name: r for r in out.reminders}
    assign = render(rem["Phòng Văn hóa - Xã hội"], "vi", D(2026, 12, 7))
    assert "Kính gửi: Phòng Văn hóa - Xã hội." in assign.text
    assert "Quý IV/2026" in assign.text and "10/12/2026" in assign.text
    assert "còn 3 ngày" in assign.text
    assert "- 1. Tuyên truyền chăm sóc sức khỏe" in assign.text
    assert "Đề nghị đơn vị" in assign.text and "Quý cơ quan" not in assign.text
    assert [o.value for o in assign.options] == [REPORT_OPTION]
    request = render(rem["Ủy ban Mặt trận Tổ quốc Việt Nam xã"], "vi", D(2026, 12, 7))
    assert "Kính đề nghị Quý cơ quan" in request.text
    assert "Đề nghị đơn vị" not in request.text
    english = render(rem["Trạm Y tế xã"], "en", D(2026, 12, 7))
    assert "Q4 2026" in english.text or "2026" in english.text
    assert "3 days left" in english.text and "Report now" in english.options[0].label
    due = render(rem["Trạm Y tế xã"], "vi", D(2026, 12, 10))
    assert "Hôm nay, ngày 10/12/2026" in due.text
    late = render(rem["Trạm Y tế xã"], "vi", D(2026, 12, 14))
    assert "đã quá hạn 4 ngày" in late.text and "khẩn trương" in late.text


async def test_digest_text_and_blocked_focal_point(db: Database, clock: FrozenClock) -> None:
    world = await build_world(db, clock.now(), one_off_due=None)
    await report_all(db, world, "vhxh", "2026-Q4", local(2026, 12, 4, 10), "vhxh_focal")
    async with db.transaction() as s:
        await s.execute(
            update(ChatAccount)
            .where(ChatAccount.chat_id == "301")
            .values(unreachable_since=clock.now(), unreachable_reason="blocked")
        )
    out = await window(db, world.plan_id, D(2026, 12, 11), D(2026, 12, 11), clock.now())
    digest = next(r for r in out.reminders if r.kind == DIGEST)
    text = render(digest, "vi", D(2026, 12, 11)).text
    assert "Quý IV/2026" in text and "hạn ngày 10/12/2026" in text
    assert "Gửi đúng hạn (1): Phòng Văn hóa - Xã hội." in text
    assert "Chưa gửi đủ báo cáo (3):" in text
    assert "- Phòng Kinh tế: chưa có cán bộ đầu mối tham gia" in text
    assert "- Ủy ban Mặt trận Tổ quốc Việt Nam xã: mttq_focal đã chặn hoặc dừng bot" in text
    mttq = next(r for r in out.reminders if r.unit_name and r.unit_name.startswith("Ủy ban"))
    assert mttq.recipients == []


async def test_policy_defaults_and_changes(db: Database, clock: FrozenClock) -> None:
    world = await build_world(db, clock.now())
    async with db.transaction() as s:
        plan = await s.get(Plan, world.plan_id)
        assert plan is not None
        assert policy_of(plan) == DEFAULT
        pol = await set_policy(s, plan, clock.now(), offsets=[5, 0], time="07:30", days=[1])
        assert pol.offsets == (5, 0) and pol.time == dt.time(7, 30) and pol.days == (1,)
        with pytest.raises(DomainError):
            await set_policy(s, plan, clock.now(), overdue=[0])
        with pytest.raises(DomainError):
            await set_policy(s, plan, clock.now(), time="25:00")
    out = await window(db, world.plan_id, D(2026, 12, 1), D(2026, 12, 10), clock.now())
    days = sorted({r.slot.at.isoformat() for r in out.reminders})
    assert days == [
        "2026-12-01T07:30:00+07:00",
        "2026-12-04T07:30:00+07:00",
        "2026-12-10T07:30:00+07:00",
    ]

"""Helpers for the reminder tests: a small plan with units, people and a recording channel."""

from __future__ import annotations

import asyncio
import datetime as dt
import zoneinfo
from dataclasses import dataclass, field

from db.database import Database
from db.models import (
    ChatAccount,
    Member,
    PeriodKind,
    Plan,
    ReportStatus,
    Role,
    ScheduleKind,
)
from domain.periods import period_by_key
from domain.registry import add_task, create_plan, find_unit, rule_specs, set_rule
from domain.reports import ReportAnswers, submit_report
from handlers.messages import OutcomeUnknown, RecipientUnreachable, Reply, RetryLater

TZ = zoneinfo.ZoneInfo("Asia/Ho_Chi_Minh")


def local(y: int, m: int, d: int, hh: int = 8, mm: int = 0) -> dt.datetime:
    """A Hanoi wall-clock instant."""
    return dt.datetime(y, m, d, hh, mm, tzinfo=TZ)


class RecordingOutbound:
    """A fake channel that records what it is asked to send (and can refuse like Telegram)."""

    def __init__(self, channel: str = "telegram", *, delay: float = 0.0) -> None:
        self.channel = channel
        self.delay = delay
        self.sent: list[tuple[str, Reply]] = []
        self.blocked: set[str] = set()
        self.rate_limited: dict[str, int] = {}  # chat -> how many 429s before success
        self.flaky: dict[str, int] = {}  # chat -> how many transient errors before success
        # chat -> how many sends are delivered but time out before the answer (outcome unknown)
        self.timeouts: dict[str, int] = {}
        self.calls = 0

    async def send(self, chat_id: str, reply: Reply) -> int:
        """Record the message, or fail as configured."""
        self.calls += 1
        if self.delay:
            await asyncio.sleep(self.delay)
        if chat_id in self.blocked:
            raise RecipientUnreachable("Forbidden: bot was blocked by the user")
        if self.rate_limited.get(chat_id, 0) > 0:
            self.rate_limited[chat_id] -= 1
            raise RetryLater("Too Many Requests", retry_after=3)
        if self.flaky.get(chat_id, 0) > 0:
            self.flaky[chat_id] -= 1
            raise OSError("connection reset")
        self.sent.append((chat_id, reply))
        if self.timeouts.get(chat_id, 0) > 0:
            self.timeouts[chat_id] -= 1
            raise OutcomeUnknown("Timed out")
        return len(self.sent)


@dataclass
class World:
    """Ids of what `build_world` created."""

    plan_id: int
    units: dict[str, int] = field(default_factory=dict)
    tasks: dict[str, int] = field(default_factory=dict)
    members: dict[str, int] = field(default_factory=dict)


UNITS = {
    "vhxh": "Phòng Văn hóa - Xã hội",
    "tyt": "Trạm Y tế xã",
    "mttq": "Ủy ban Mặt trận Tổ quốc Việt Nam xã",
    "kt": "Phòng Kinh tế",
}


async def build_world(
    db: Database,
    now: dt.datetime,
    *,
    rules: tuple[tuple[PeriodKind, int, int | None], ...] = ((PeriodKind.QUARTERLY, 10, None),),
    one_off_due: dt.date | None = dt.date(2026, 12, 31),
) -> World:
    """A plan with four lead units: VH-XH (focal+backup), TYT (focal, Zalo preferred),
    MTTQ (independent, focal), Phòng Kinh tế (nobody joined); a coordinator; one one-off task."""
    async with db.transaction() as s:
        plan = await create_plan(
            s,
            now,
            title="Kế hoạch thực hiện Nghị quyết 72",
            year=2026,
            number="15/KH-UBND",
            coordinator="Văn phòng HĐND và UBND xã",
        )
        for kind, day, month in rules:
            await set_rule(s, plan, kind, day, month, now)
        world = World(plan.id)
        specs = [
            ("1", "Tuyên truyền chăm sóc sức khỏe", ["vhxh"], ScheduleKind.RECURRING, None),
            ("2", "Khám sức khỏe định kỳ cho người dân", ["tyt"], ScheduleKind.RECURRING, None),
            ("3", "Vận động nhân dân tham gia", ["mttq"], ScheduleKind.RECURRING, None),
            ("4", "Rà soát cơ sở vật chất", ["kt", "vhxh"], ScheduleKind.RECURRING, None),
            ("5", "Xây dựng đề án y tế cơ sở", ["tyt"], ScheduleKind.ONE_OFF, one_off_due),
        ]
        for ref, title, leads, schedule, due in specs:
            if due is None and schedule is ScheduleKind.ONE_OFF:
                schedule = ScheduleKind.RECURRING
            task = await add_task(
                s,
                plan,
                now,
                ref=ref,
                title=title,
                lead=[UNITS[k] for k in leads],
                schedule=schedule,
                due_date=due,
            )
            world.tasks[ref] = task.id
        for key, name in UNITS.items():
            unit = await find_unit(s, name)
            assert unit is not None
            world.units[key] = unit.id
        coord = await find_unit(s, "Văn phòng HĐND và UBND xã")
        assert coord is not None
        people = [
            ("vhxh_focal", "vhxh", Role.FOCAL, "all", [("telegram", "101")]),
            ("vhxh_backup", "vhxh", Role.BACKUP, "all", [("telegram", "102"), ("zalo", "z102")]),
            ("tyt_focal", "tyt", Role.FOCAL, "zalo", [("telegram", "201"), ("zalo", "z201")]),
            ("mttq_focal", "mttq", Role.FOCAL, "all", [("telegram", "301")]),
            ("coord", None, Role.COORDINATOR, "all", [("telegram", "901")]),
        ]
        for name, unit_key, role, pref, accounts in people:
            unit_id = world.units[unit_key] if unit_key else coord.id
            member = Member(
                full_name=name,
                unit_id=unit_id,
                role=role,
                locale="vi",
                preferred_channel=pref,
                created_at=now,
            )
            s.add(member)
            await s.flush()
            world.members[name] = member.id
            for channel, ext in accounts:
                s.add(
                    ChatAccount(
                        member_id=member.id,
                        channel=channel,
                        external_id=ext,
                        chat_id=ext,
                        created_at=now,
                    )
                )
        await s.flush()
    return world


async def report_all(
    db: Database, world: World, unit: str, period_key: str, at: dt.datetime, member: str
) -> None:
    """The unit reports every task it leads for the period."""
    from sqlalchemy import select

    from db.models import Member as M
    from db.models import Task, TaskRole, TaskUnit, Unit

    async with db.transaction() as s:
        plan = await s.get(Plan, world.plan_id)
        assert plan is not None
        period = period_by_key(await rule_specs(s, plan.id), period_key)
        assert period is not None
        unit_row = await s.get(Unit, world.units[unit])
        who = await s.get(M, world.members[member])
        assert unit_row is not None and who is not None
        tasks = (
            await s.execute(
                select(Task)
                .join(TaskUnit, TaskUnit.task_id == Task.id)
                .where(TaskUnit.unit_id == unit_row.id, TaskUnit.role == TaskRole.LEAD)
            )
        ).scalars()
        for task in list(tasks):
            await submit_report(
                s,
                at,
                TZ,
                plan=plan,
                period=period,
                task=task,
                unit=unit_row,
                member=who,
                answers=ReportAnswers(status=ReportStatus.IN_PROGRESS, progress=50),
            )

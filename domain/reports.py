"""Progress reports: what each unit owes for a period, submitting and editing with versions."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, bindparam, exists, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased, selectinload

from db.database import HEAVY
from db.models import (
    Attachment,
    Member,
    Plan,
    Report,
    ReportStatus,
    ReportVersion,
    ScheduleKind,
    Task,
    TaskRole,
    TaskUnit,
    Unit,
    UnitKind,
)
from domain.errors import DomainError
from domain.periods import Period
from domain.registry import audit

REPORT_FIELDS = (
    "status",
    "progress",
    "results",
    "difficulties",
    "proposals",
    "next_plan",
    "evidence_ref",
)

# Every status a report may take, in the order a form offers them (DOMAIN.md section 7).
STATUSES = (
    ReportStatus.NOT_STARTED,
    ReportStatus.IN_PROGRESS,
    ReportStatus.DONE,
    ReportStatus.ONGOING,
    ReportStatus.BLOCKED,
)
# "Ongoing" (thường xuyên) describes work without an end: only recurring tasks have it.
_ONGOING_SCHEDULES = frozenset({ScheduleKind.RECURRING, ScheduleKind.COMPOSITE})


def statuses_for(schedule: ScheduleKind | None) -> list[ReportStatus]:
    """The statuses a report on a task of this schedule may take ("ongoing" only if recurring)."""
    if schedule in _ONGOING_SCHEDULES:
        return list(STATUSES)
    return [s for s in STATUSES if s is not ReportStatus.ONGOING]


def implied_progress(status: ReportStatus) -> int | None:
    """The progress a status settles: completed means 100%, not started 0%; None: asked."""
    if status is ReportStatus.DONE:
        return 100
    if status is ReportStatus.NOT_STARTED:
        return 0
    return None


@dataclass
class ReportAnswers:
    """The content of one report as a form collects it."""

    status: ReportStatus
    progress: int | None = None
    results: str = ""
    difficulties: str = ""
    proposals: str = ""
    next_plan: str = ""
    evidence_ref: str = ""
    files: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        """JSON-safe snapshot (stored in report versions and form state)."""
        return {
            "status": self.status.value,
            "progress": self.progress,
            "results": self.results,
            "difficulties": self.difficulties,
            "proposals": self.proposals,
            "next_plan": self.next_plan,
            "evidence_ref": self.evidence_ref,
            "files": list(self.files),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ReportAnswers:
        """Inverse of as_dict."""
        return cls(
            status=ReportStatus(data["status"]),
            progress=data.get("progress"),
            results=data.get("results", ""),
            difficulties=data.get("difficulties", ""),
            proposals=data.get("proposals", ""),
            next_plan=data.get("next_plan", ""),
            evidence_ref=data.get("evidence_ref", ""),
            files=list(data.get("files", [])),
        )


def local_date(moment: dt.datetime, tz: zoneinfo.ZoneInfo) -> dt.date:
    """The calendar date of an instant in the deployment's time zone."""
    return moment.astimezone(tz).date()


def days_late(submitted_at: dt.datetime, due: dt.date, tz: zoneinfo.ZoneInfo) -> int:
    """0 when on time, else the number of days after the due date."""
    return max(0, (local_date(submitted_at, tz) - due).days)


async def done_before(
    session: AsyncSession, plan_id: int, period: Period, unit_ids: list[int] | None = None
) -> set[tuple[int, int]]:
    """(task, unit) pairs reported done in an earlier period: they owe nothing more."""
    start = dt.datetime.combine(period.start, dt.time.min, tzinfo=dt.UTC)
    q = select(Report.task_id, Report.unit_id).where(
        Report.plan_id == plan_id,
        Report.status == ReportStatus.DONE,
        Report.period_key != period.key,
        Report.submitted_at < start,
    )
    if unit_ids is not None:
        q = q.where(Report.unit_id.in_(unit_ids))
    return {(r.task_id, r.unit_id) for r in await session.execute(q.execution_options(**HEAVY))}


# Pairs reported done in an earlier period (see `owed_conditions`).
_DONE = aliased(Report, name="done_earlier")


def _owed(plan_id: Any, period_key: Any, start: Any) -> list[ColumnElement[bool]]:
    return [
        Task.plan_id == plan_id,
        Task.active.is_(True),
        TaskUnit.role == TaskRole.LEAD,
        Unit.kind == UnitKind.UNIT,
        ~exists().where(
            _DONE.task_id == TaskUnit.task_id,
            _DONE.unit_id == TaskUnit.unit_id,
            _DONE.plan_id == plan_id,
            _DONE.status == ReportStatus.DONE,
            _DONE.period_key != period_key,
            _DONE.submitted_at < start,
        ),
    ]


def _period_start(period: Period) -> dt.datetime:
    return dt.datetime.combine(period.start, dt.time.min, tzinfo=dt.UTC)


def owed_conditions(plan_id: int, period: Period) -> list[ColumnElement[bool]]:
    """SQL conditions (over Task, TaskUnit and Unit joined): the pairs a period's report is owed on.

    The one definition of "who owes what": active tasks of the plan, their lead units that are
    single units (groups are recorded as written and owe nothing), minus pairs reported done in
    an earlier period (one-off work that is finished).
    """
    return _owed(plan_id, period.key, _period_start(period))


# Built once: the form asks this on every report it opens and saves.
_EXPECTED = (
    select(TaskUnit.unit_id, TaskUnit.task_id)
    .join(Task, Task.id == TaskUnit.task_id)
    .join(Unit, Unit.id == TaskUnit.unit_id)
    .where(*_owed(bindparam("plan_id"), bindparam("period_key"), bindparam("start")))
    .order_by(Task.position, Task.id)
)
_EXPECTED_OF_UNITS = _EXPECTED.where(TaskUnit.unit_id.in_(bindparam("unit_ids", expanding=True)))
_EXPECTED = _EXPECTED.execution_options(**HEAVY)  # every unit of the plan


async def expected_pairs(
    session: AsyncSession, plan_id: int, period: Period, unit_ids: list[int] | None = None
) -> dict[int, list[int]]:
    """unit id -> task ids the unit must report on for the period, in plan order."""
    params: dict[str, Any] = {
        "plan_id": plan_id,
        "period_key": period.key,
        "start": _period_start(period),
    }
    q = _EXPECTED
    if unit_ids is not None:
        q, params["unit_ids"] = _EXPECTED_OF_UNITS, list(unit_ids)
    out: dict[int, list[int]] = defaultdict(list)
    for unit_id, task_id in await session.execute(q, params):
        out[unit_id].append(task_id)
    return dict(out)


# The report form's queries, built once.
_UNIT_TASKS = (
    select(Task, TaskUnit.role)
    .join(TaskUnit, TaskUnit.task_id == Task.id)
    .where(
        Task.plan_id == bindparam("plan_id"),
        Task.active.is_(True),
        TaskUnit.unit_id == bindparam("unit_id"),
    )
    .order_by(Task.position, Task.id)
)
_PERIOD_REPORTS = select(Report).where(
    Report.plan_id == bindparam("plan_id"), Report.period_key == bindparam("period_key")
)
_UNIT_PERIOD_REPORTS = _PERIOD_REPORTS.where(Report.unit_id == bindparam("unit_id"))
_PERIOD_REPORTS = _PERIOD_REPORTS.execution_options(**HEAVY)  # every unit
_REPORTED_TASKS = select(Report.task_id).where(
    Report.plan_id == bindparam("plan_id"),
    Report.period_key == bindparam("period_key"),
    Report.unit_id == bindparam("unit_id"),
)
_REPORT = (
    select(Report)
    .where(
        Report.task_id == bindparam("task_id"),
        Report.unit_id == bindparam("unit_id"),
        Report.period_key == bindparam("period_key"),
    )
    .options(selectinload(Report.attachments))
)
_PREVIOUS_REPORT = (
    select(Report)
    .where(
        Report.task_id == bindparam("task_id"),
        Report.unit_id == bindparam("unit_id"),
        Report.period_key != bindparam("period_key"),
    )
    .order_by(Report.submitted_at.desc())
    .limit(1)
)
_TASK_UNIT_COUNT = (
    select(func.count())
    .select_from(TaskUnit)
    .where(TaskUnit.task_id == bindparam("task_id"), TaskUnit.unit_id == bindparam("unit_id"))
)


async def unit_tasks(
    session: AsyncSession, plan_id: int, unit_id: int
) -> list[tuple[Task, TaskRole]]:
    """Tasks of the plan where the unit leads or supports, in plan order."""
    rows = await session.execute(_UNIT_TASKS, {"plan_id": plan_id, "unit_id": unit_id})
    return [(task, role) for task, role in rows.all()]


async def reports_for(
    session: AsyncSession, plan_id: int, period_key: str, unit_id: int | None = None
) -> dict[tuple[int, int], Report]:
    """(task, unit) -> report for one period."""
    params: dict[str, Any] = {"plan_id": plan_id, "period_key": period_key}
    q = _PERIOD_REPORTS
    if unit_id is not None:
        q, params["unit_id"] = _UNIT_PERIOD_REPORTS, unit_id
    return {(r.task_id, r.unit_id): r for r in (await session.execute(q, params)).scalars()}


async def reported_tasks(
    session: AsyncSession, plan_id: int, period_key: str, unit_id: int
) -> set[int]:
    """Ids of the tasks the unit has reported on for one period."""
    params = {"plan_id": plan_id, "period_key": period_key, "unit_id": unit_id}
    return set((await session.execute(_REPORTED_TASKS, params)).scalars())


async def get_report(
    session: AsyncSession, task_id: int, unit_id: int, period_key: str
) -> Report | None:
    """One report with its attachments."""
    params = {"task_id": task_id, "unit_id": unit_id, "period_key": period_key}
    return (await session.execute(_REPORT, params)).scalar_one_or_none()


async def previous_report(
    session: AsyncSession, task_id: int, unit_id: int, before_key: str
) -> Report | None:
    """The unit's latest report on the task in another period (to copy for ongoing duties)."""
    params = {"task_id": task_id, "unit_id": unit_id, "period_key": before_key}
    return (await session.execute(_PREVIOUS_REPORT, params)).scalar_one_or_none()


def _validate(answers: ReportAnswers) -> None:
    if answers.progress is not None and not 0 <= answers.progress <= 100:
        raise DomainError("error.progress_range")


async def submit_report(
    session: AsyncSession,
    now: dt.datetime,
    tz: zoneinfo.ZoneInfo,
    *,
    plan: Plan,
    period: Period,
    task: Task,
    unit: Unit,
    member: Member,
    answers: ReportAnswers,
) -> Report:
    """Create or edit the unit's report; every version is kept.

    `Report.late` tells whether the first submission missed the deadline; an edit made after
    the deadline is marked late on its version.
    """
    _validate(answers)
    allowed = await session.execute(_TASK_UNIT_COUNT, {"task_id": task.id, "unit_id": unit.id})
    if task.plan_id != plan.id or not allowed.scalar_one():
        raise DomainError("error.not_your_task")
    late = local_date(now, tz) > period.due
    report = await get_report(session, task.id, unit.id, period.key)
    if report is None:
        report = Report(
            plan_id=plan.id,
            task_id=task.id,
            unit_id=unit.id,
            period_key=period.key,
            status=answers.status,
            version=1,
            first_submitted_at=now,
            submitted_at=now,
            submitted_by=member.id,
            late=late,
        )
        session.add(report)
        action = "submit"
    else:
        report.version += 1
        report.submitted_at = now
        report.submitted_by = member.id
        action = "edit"
    report.status = answers.status
    report.progress = answers.progress
    report.results = answers.results
    report.difficulties = answers.difficulties
    report.proposals = answers.proposals
    report.next_plan = answers.next_plan
    report.evidence_ref = answers.evidence_ref
    await session.flush()
    for f in answers.files:
        if f.get("attached"):
            continue
        session.add(
            Attachment(
                report_id=report.id,
                filename=f["filename"],
                path=f["path"],
                mime_type=f.get("mime_type"),
                size=int(f.get("size", 0)),
                channel=f.get("channel", ""),
                created_at=now,
            )
        )
    session.add(
        ReportVersion(
            report_id=report.id,
            version=report.version,
            data=answers.as_dict(),
            submitted_by=member.id,
            submitted_at=now,
            late=late,
        )
    )
    await session.flush()
    audit(
        session,
        now,
        action,
        "report",
        report.id,
        actor_member_id=member.id,
        period=period.key,
        task=task.ref,
        unit=unit.name,
        late=late,
    )
    return report

"""Small helpers shared by the flows: plan and period lookup, formatting."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Plan, Task, TaskUnit
from domain.periods import Period, RuleSpec, open_period, period_by_key, recent_periods
from domain.registry import rule_specs
from domain.workdays import WorkCalendar, deadline_calendar

PAGE_SIZE = 8


def fmt_date(day: dt.date) -> str:
    """dd/mm/yyyy, as Vietnamese documents write dates."""
    return day.strftime("%d/%m/%Y")


# Largest id a database row can have (a signed 64-bit integer).
MAX_ID = 2**63 - 1


def parse_id(text: str) -> int | None:
    """A row id written in ASCII digits, or None (not a number, zero, or too large)."""
    if not (text.isascii() and text.isdigit()) or len(text) > 19:
        return None
    value = int(text)
    return value if 0 < value <= MAX_ID else None


def short(text: str, limit: int = 48) -> str:
    """Shorten a label for a button or a list line."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


async def active_plans(session: AsyncSession) -> list[Plan]:
    """Active plans, newest first."""
    rows = await session.execute(select(Plan).where(Plan.active.is_(True)).order_by(Plan.id.desc()))
    return list(rows.scalars())


_PLANS_OF_UNIT = (
    select(Plan)
    .where(
        Plan.active.is_(True),
        Plan.id.in_(
            select(Task.plan_id)
            .join(TaskUnit, TaskUnit.task_id == Task.id)
            .where(TaskUnit.unit_id == bindparam("unit_id"))
        ),
    )
    .order_by(Plan.id.desc())
)


async def plans_of_unit(session: AsyncSession, unit_id: int) -> list[Plan]:
    """Active plans in which the unit has at least one task."""
    rows = await session.execute(_PLANS_OF_UNIT, {"unit_id": unit_id})
    return list(rows.scalars())


@dataclass
class PlanPeriods:
    """A plan's rules and the periods a user may report for today."""

    plan: Plan
    rules: list[RuleSpec]
    choosable: list[Period]
    cal: WorkCalendar | None = None  # moves deadlines off days off, unless the plan keeps them

    @property
    def current(self) -> Period | None:
        """The open period."""
        return self.choosable[0] if self.choosable else None

    def find(self, key: str) -> Period | None:
        """A period by key under the plan's rules."""
        return period_by_key(self.rules, key, self.plan.cutoff_mode, self.cal)


async def plan_periods(session: AsyncSession, plan: Plan, today: dt.date) -> PlanPeriods:
    """The open period first, then recent ones whose deadline passed (late reports)."""
    rules = await rule_specs(session, plan.id)
    cal = await deadline_calendar(session, plan.keep_written_deadlines) if rules else None
    return PlanPeriods(plan, rules, recent_periods(rules, today, plan.cutoff_mode, cal=cal), cal)


def open_of(rules: list[RuleSpec], plan: Plan, today: dt.date) -> Period | None:
    """The open period of a plan."""
    return open_period(rules, today, plan.cutoff_mode)

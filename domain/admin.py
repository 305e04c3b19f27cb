"""What the office edits around a plan: its details, archiving, units, members and invites.

Every change is written to the audit log with the values before and after.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import (
    ChatAccount,
    Invite,
    Member,
    Plan,
    PlanGroupMember,
    ReminderDelivery,
    Report,
    TaskGroup,
    TaskRole,
    TaskUnit,
    Unit,
    UnitAlias,
)
from domain import collectives
from domain.errors import DomainError
from domain.membership import hash_code
from domain.registry import add_alias, audit, find_unit
from domain.units import clean_name, is_independent, strip_qualifier, unit_key

# Plan fields `plan edit` may change, and how a typed value becomes the column's value.
PLAN_FIELDS = (
    "title",
    "short_title",
    "number",
    "issued_on",
    "issuer",
    "parent_body",
    "place",
    "coordinator",
    "signer_title",
    "signer_name",
)


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, dt.date) else value


async def edit_plan(
    session: AsyncSession,
    plan: Plan,
    changes: dict[str, Any],
    now: dt.datetime,
    *,
    actor: str = "",
    actor_member_id: int | None = None,
) -> dict[str, tuple[Any, Any]]:
    """Apply field changes ("" clears an optional field); returns {field: (before, after)}."""
    done: dict[str, tuple[Any, Any]] = {}
    before: Any
    after: Any
    for name, value in changes.items():
        if name not in PLAN_FIELDS:
            raise DomainError("admin.error.bad_field", field=name)
        if name == "coordinator":
            before = plan.coordinator.name if plan.coordinator else None
            if value in (None, ""):
                plan.coordinator_unit_id = None
                after = None
            else:
                # A registered unit, typed with or without tone marks (never created here).
                unit = (await collectives.resolve_unit_names(session, [str(value)]))[0]
                plan.coordinator_unit_id = unit.id
                after = unit.name
        elif name == "title":
            text = str(value or "").strip()
            if not text:
                raise DomainError("error.plan_title_empty")
            before, after = plan.title, text
            plan.title = text
        elif name == "issued_on":
            before = plan.issued_on
            after = value or None
            if after is not None and not isinstance(after, dt.date):
                raise DomainError("admin.error.bad_date", value=after)
            plan.issued_on = after
            if after is not None:
                plan.year = after.year if plan.year is None else plan.year
        else:
            before = getattr(plan, name)
            after = (str(value).strip() or None) if value is not None else None
            setattr(plan, name, after)
        if before != after:
            done[name] = (_plain(before), _plain(after))
    await session.flush()
    if done:
        audit(
            session,
            now,
            "edit",
            "plan",
            plan.id,
            actor=actor,
            actor_member_id=actor_member_id,
            changes={k: {"before": b, "after": a} for k, (b, a) in done.items()},
        )
    return done


async def set_plan_active(
    session: AsyncSession, plan: Plan, active: bool, now: dt.datetime, *, actor: str = ""
) -> bool:
    """Archive (False) or restore (True) a plan; True when it changed."""
    if plan.active is active:
        return False
    plan.active = active
    await session.flush()
    audit(session, now, "archive" if not active else "restore", "plan", plan.id, actor=actor)
    return True


async def plan_report_count(session: AsyncSession, plan_id: int) -> int:
    """How many reports a plan holds."""
    return int(
        (
            await session.execute(select(func.count(Report.id)).where(Report.plan_id == plan_id))
        ).scalar_one()
    )


async def delete_plan(
    session: AsyncSession, plan: Plan, now: dt.datetime, *, force: bool = False, actor: str = ""
) -> int:
    """Delete a plan with its tasks; refused when reports exist unless forced. Returns reports."""
    reports = await plan_report_count(session, plan.id)
    if reports and not force:
        raise DomainError("admin.error.plan_has_reports", id=plan.id, count=reports)
    audit(
        session,
        now,
        "delete",
        "plan",
        plan.id,
        actor=actor,
        title=plan.title,
        number=plan.number,
        reports=reports,
    )
    await session.delete(plan)
    await session.flush()
    return reports


async def rename_unit(
    session: AsyncSession, unit: Unit, new_name: str, now: dt.datetime, *, actor: str = ""
) -> str:
    """Give a unit a new name; the old one stays as an alias. Returns the old name."""
    display = clean_name(strip_qualifier(new_name))
    key = unit_key(display)
    if not key:
        raise DomainError("error.unit_name_empty")
    other = await find_unit(session, display)
    if other is not None and other.id != unit.id:
        raise DomainError("admin.error.name_taken", name=display, unit=other.name)
    old_name, old_key = unit.name, unit.key
    if old_name == display:
        return old_name
    # The new name may be one of the unit's aliases: that alias becomes the name.
    await session.execute(
        delete(UnitAlias).where(UnitAlias.unit_id == unit.id, UnitAlias.key == key)
    )
    unit.name, unit.key = display, key
    unit.independent = unit.independent or is_independent(display)
    await session.flush()
    if old_key != key:
        session.add(UnitAlias(unit_id=unit.id, alias=old_name, key=old_key))
        await session.flush()
    audit(session, now, "rename", "unit", unit.id, actor=actor, before=old_name, after=display)
    return old_name


@dataclass
class MergeResult:
    """What a merge moved."""

    tasks: int = 0
    reports: int = 0
    reports_dropped: int = 0
    members: int = 0


async def merge_units(
    session: AsyncSession, source: Unit, target: Unit, now: dt.datetime, *, actor: str = ""
) -> MergeResult:
    """Merge `source` into `target`: its names become aliases, its tasks, reports and people move.

    Where both units reported on the same task and period, the target's report stays and the
    source's is recorded in the audit log before it goes.
    """
    if source.id == target.id:
        raise DomainError("admin.error.merge_self", name=source.name)
    out = MergeResult()
    names = [source.name, *(a.alias for a in await _aliases(session, source.id))]
    # Task assignments: derived rows are rebuilt at the end; direct ones move, except where
    # the target already has that part.
    affected = set(
        (
            await session.execute(
                select(TaskUnit.task_id).where(TaskUnit.unit_id.in_([source.id, target.id]))
            )
        ).scalars()
    )
    await session.execute(
        delete(TaskUnit).where(
            TaskUnit.unit_id.in_([source.id, target.id]), TaskUnit.via_group_id.is_not(None)
        )
    )
    target_parts: set[tuple[int, TaskRole]] = {
        (task_id, role)
        for task_id, role in await session.execute(
            select(TaskUnit.task_id, TaskUnit.role).where(TaskUnit.unit_id == target.id)
        )
    }
    for tu in list(
        (await session.execute(select(TaskUnit).where(TaskUnit.unit_id == source.id))).scalars()
    ):
        if (tu.task_id, tu.role) in target_parts:
            await session.delete(tu)
        else:
            tu.unit_id = target.id
            target_parts.add((tu.task_id, tu.role))
            out.tasks += 1
    await session.flush()
    # Reports: move, keeping the target's where both exist.
    target_reports = set(
        (
            await session.execute(
                select(Report.task_id, Report.period_key).where(Report.unit_id == target.id)
            )
        ).all()
    )
    dropped: list[dict[str, Any]] = []
    for report in list(
        (await session.execute(select(Report).where(Report.unit_id == source.id))).scalars()
    ):
        if (report.task_id, report.period_key) in target_reports:
            dropped.append(
                {
                    "task_id": report.task_id,
                    "period": report.period_key,
                    "status": report.status.value,
                    "results": report.results,
                }
            )
            await session.delete(report)
            out.reports_dropped += 1
        else:
            report.unit_id = target.id
            out.reports += 1
    out.members = int(
        (
            await session.execute(select(func.count(Member.id)).where(Member.unit_id == source.id))
        ).scalar_one()
    )
    await session.execute(
        update(Member).where(Member.unit_id == source.id).values(unit_id=target.id)
    )
    await session.execute(
        update(Invite).where(Invite.unit_id == source.id).values(unit_id=target.id)
    )
    await session.execute(
        update(Plan)
        .where(Plan.coordinator_unit_id == source.id)
        .values(coordinator_unit_id=target.id)
    )
    await session.execute(delete(ReminderDelivery).where(ReminderDelivery.unit_id == source.id))
    # Group memberships: the target joins every group the source was in.
    groups = set(
        (
            await session.execute(
                select(PlanGroupMember.group_id).where(PlanGroupMember.unit_id == source.id)
            )
        ).scalars()
    )
    await session.execute(delete(PlanGroupMember).where(PlanGroupMember.unit_id == source.id))
    await session.flush()
    for group_id in groups:
        exists = await session.execute(
            select(PlanGroupMember.id).where(
                PlanGroupMember.group_id == group_id, PlanGroupMember.unit_id == target.id
            )
        )
        if exists.first() is None:
            session.add(PlanGroupMember(group_id=group_id, unit_id=target.id))
    await session.execute(delete(UnitAlias).where(UnitAlias.unit_id == source.id))
    source_id, source_name = source.id, source.name
    target.independent = target.independent and source.independent
    await session.delete(source)
    await session.flush()
    for name in names:
        await add_alias(session, target, name)
    group_tasks = (
        await session.execute(
            select(TaskGroup.task_id)
            .join(PlanGroupMember, PlanGroupMember.group_id == TaskGroup.group_id)
            .where(PlanGroupMember.unit_id == target.id)
        )
    ).scalars()
    await collectives.recompute_tasks(session, affected | set(group_tasks))
    audit(
        session,
        now,
        "merge",
        "unit",
        target.id,
        actor=actor,
        source_id=source_id,
        source=source_name,
        target=target.name,
        aliases=names,
        tasks=out.tasks,
        reports=out.reports,
        dropped=dropped,
        members=out.members,
    )
    return out


async def _aliases(session: AsyncSession, unit_id: int) -> list[UnitAlias]:
    return list(
        (await session.execute(select(UnitAlias).where(UnitAlias.unit_id == unit_id))).scalars()
    )


async def remove_unit(
    session: AsyncSession, unit: Unit, now: dt.datetime, *, force: bool = False, actor: str = ""
) -> None:
    """Delete a unit; refused while it has reports, tasks or people unless forced."""
    reports = int(
        (
            await session.execute(select(func.count(Report.id)).where(Report.unit_id == unit.id))
        ).scalar_one()
    )
    tasks = int(
        (
            await session.execute(
                select(func.count(TaskUnit.id)).where(
                    TaskUnit.unit_id == unit.id, TaskUnit.via_group_id.is_(None)
                )
            )
        ).scalar_one()
    )
    members = int(
        (
            await session.execute(
                select(func.count(Member.id)).where(
                    Member.unit_id == unit.id, Member.active.is_(True)
                )
            )
        ).scalar_one()
    )
    if (reports or tasks or members) and not force:
        raise DomainError(
            "admin.error.unit_in_use", name=unit.name, reports=reports, tasks=tasks, people=members
        )
    audit(
        session,
        now,
        "remove",
        "unit",
        unit.id,
        actor=actor,
        name=unit.name,
        reports=reports,
        tasks=tasks,
        people=members,
    )
    await session.delete(unit)
    await session.flush()


async def remove_member(
    session: AsyncSession, member: Member, now: dt.datetime, *, actor: str = ""
) -> int:
    """Deactivate a member and unlink their chat accounts; reports they sent stay. Returns
    how many accounts were unlinked."""
    accounts = int(
        (
            await session.execute(
                select(func.count(ChatAccount.id)).where(ChatAccount.member_id == member.id)
            )
        ).scalar_one()
    )
    await session.execute(delete(ChatAccount).where(ChatAccount.member_id == member.id))
    member.active = False
    await session.flush()
    audit(
        session,
        now,
        "remove",
        "member",
        member.id,
        actor=actor,
        name=member.full_name,
        unit_id=member.unit_id,
        role=member.role.value,
        accounts=accounts,
    )
    return accounts


async def revoke_invite(
    session: AsyncSession, ref: str, now: dt.datetime, *, actor: str = ""
) -> Invite:
    """Revoke an unused invite, by its id or by the code itself."""
    text = ref.strip()
    invite = None
    if text.isdigit():
        invite = await session.get(Invite, int(text))
    if invite is None:
        invite = (
            await session.execute(select(Invite).where(Invite.code_hash == hash_code(text)))
        ).scalar_one_or_none()
    if invite is None:
        raise DomainError("admin.error.no_invite")
    if invite.used_at is not None:
        raise DomainError("admin.error.invite_used", id=invite.id)
    if invite.expires_at <= now:
        raise DomainError("admin.error.invite_expired", id=invite.id)
    invite.expires_at = now
    await session.flush()
    audit(session, now, "revoke", "invite", invite.id, actor=actor, unit_id=invite.unit_id)
    return invite

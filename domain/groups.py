"""Group chats the coordinating office registers to receive its digests."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import ChatGroup, Member
from domain.errors import DomainError
from domain.membership import is_office
from domain.registry import audit


async def register_group(
    session: AsyncSession,
    now: dt.datetime,
    *,
    channel: str,
    chat_id: str,
    title: str | None,
    member: Member,
    plan_id: int | None = None,
) -> tuple[ChatGroup, bool]:
    """Register a group for digests (coordinators and admins only); returns (group, created)."""
    if not is_office(member):
        raise DomainError("groups.not_allowed")
    existing = (
        await session.execute(
            select(ChatGroup).where(
                ChatGroup.channel == channel,
                ChatGroup.chat_id == chat_id,
                ChatGroup.plan_id.is_(None) if plan_id is None else ChatGroup.plan_id == plan_id,
            )
        )
    ).scalar_one_or_none()
    if existing is not None:
        existing.title = (title or existing.title or "")[:200] or None
        return existing, False
    group = ChatGroup(
        channel=channel,
        chat_id=chat_id,
        plan_id=plan_id,
        title=(title or "")[:200] or None,
        registered_by=member.id,
        created_at=now,
    )
    session.add(group)
    await session.flush()
    audit(session, now, "register", "chat_group", group.id, actor_member_id=member.id, chat=chat_id)
    return group, True


async def unregister_group(
    session: AsyncSession, now: dt.datetime, *, channel: str, chat_id: str, member: Member
) -> int:
    """Stop sending digests to a group; returns how many registrations were removed."""
    if not is_office(member):
        raise DomainError("groups.not_allowed")
    result = await session.execute(
        delete(ChatGroup).where(ChatGroup.channel == channel, ChatGroup.chat_id == chat_id)
    )
    removed = int(getattr(result, "rowcount", 0) or 0)
    if removed:
        audit(session, now, "unregister", "chat_group", None, actor_member_id=member.id)
    return removed


async def list_groups(
    session: AsyncSession, *, plan_id: int | None = None, channel: str | None = None
) -> list[ChatGroup]:
    """Registered groups (for a plan: those of that plan and those registered for all plans)."""
    q = select(ChatGroup).order_by(ChatGroup.id)
    if plan_id is not None:
        q = q.where((ChatGroup.plan_id == plan_id) | ChatGroup.plan_id.is_(None))
    if channel is not None:
        q = q.where(ChatGroup.channel == channel)
    return list((await session.execute(q)).scalars())

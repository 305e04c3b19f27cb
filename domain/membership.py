"""Members, their chat accounts, invites and who may do what."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import math
import secrets
from dataclasses import dataclass

from sqlalchemy import and_, bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload, selectinload

from db.models import ChatAccount, FormSession, Invite, KeyValue, Member, Role, Unit
from domain.errors import DomainError
from domain.registry import audit

OFFICE_ROLES = (Role.COORDINATOR, Role.ADMIN)
REPORTING_ROLES = (Role.FOCAL, Role.BACKUP, Role.COORDINATOR)


def hash_code(code: str) -> str:
    """Invites are stored as a SHA-256 of the code, never the code itself."""
    return hashlib.sha256(code.strip().encode()).hexdigest()


@dataclass(frozen=True)
class NewInvite:
    """A freshly created invite; the code is shown once."""

    code: str
    invite: Invite


async def create_invite(
    session: AsyncSession,
    now: dt.datetime,
    *,
    role: Role,
    unit: Unit | None,
    ttl: dt.timedelta,
    member: Member | None = None,
    actor: str = "",
) -> NewInvite:
    """A single-use invite with 128 bits of randomness, URL-safe (fits a Telegram deep link)."""
    if unit is None and role is not Role.ADMIN and member is None:
        raise DomainError("error.invite_needs_unit")
    code = secrets.token_urlsafe(16)
    while code[0] in "-_":  # a leading "-" reads as an option on the command line (1 in 32)
        code = secrets.token_urlsafe(16)
    invite = Invite(
        code_hash=hash_code(code),
        unit_id=unit.id if unit else None,
        role=role,
        member_id=member.id if member else None,
        expires_at=now + ttl,
        created_at=now,
    )
    session.add(invite)
    await session.flush()
    audit(session, now, "create", "invite", invite.id, actor=actor, role=role.value)
    return NewInvite(code, invite)


# Statements run on every incoming message are built once (building one costs more CPU than
# SQLite spends running it); values are bound at execution.
_ACCOUNT = (
    select(ChatAccount)
    .where(
        ChatAccount.channel == bindparam("channel"), ChatAccount.external_id == bindparam("user")
    )
    .options(joinedload(ChatAccount.member).joinedload(Member.unit))
)
# The account with its member, unit and form, the account row locked: one user's messages are
# handled one at a time even by several processes (PostgreSQL; SQLite has one writer anyway).
_ACCOUNT_AND_FORM = (
    select(ChatAccount, FormSession)
    .outerjoin(
        FormSession,
        and_(
            FormSession.channel == ChatAccount.channel,
            FormSession.external_id == ChatAccount.external_id,
        ),
    )
    .where(
        ChatAccount.channel == bindparam("channel"), ChatAccount.external_id == bindparam("user")
    )
    .options(joinedload(ChatAccount.member).joinedload(Member.unit))
    .with_for_update(of=ChatAccount)
)
_FORM = (
    select(FormSession)
    .where(
        FormSession.channel == bindparam("channel"), FormSession.external_id == bindparam("user")
    )
    .with_for_update()
)


async def account_member(
    session: AsyncSession, channel: str, external_id: str
) -> tuple[ChatAccount, Member] | None:
    """The account and member behind a chat user, if they joined."""
    row = await session.execute(_ACCOUNT, {"channel": channel, "user": external_id})
    account = row.scalar_one_or_none()
    if account is None or not account.member.active:
        return None
    return account, account.member


@dataclass(frozen=True)
class Sender:
    """Who sent a message: their account and member (None for a stranger or a member who
    left) and their form in progress, locked for this transaction."""

    account: ChatAccount | None
    member: Member | None
    form: FormSession | None


async def load_sender(
    session: AsyncSession, channel: str, external_id: str, *, with_form: bool = True
) -> Sender:
    """The sender's account, member and form: one statement for a member, two for a stranger."""
    params = {"channel": channel, "user": external_id}
    row = (await session.execute(_ACCOUNT_AND_FORM, params)).first()
    if row is None:
        form = (await session.execute(_FORM, params)).scalar_one_or_none() if with_form else None
        return Sender(None, None, form)
    account, form = row
    active = account.member.active
    return Sender(
        account if active else None,
        account.member if active else None,
        form if with_form else None,
    )


# Wrong invite codes a chat account may type in a window before it must wait (guessing a
# 128-bit code is hopeless anyway; this keeps the bot from answering a script all day).
INVITE_TRIES = 5
INVITE_WINDOW = dt.timedelta(minutes=15)


def _fail_key(channel: str, external_id: str) -> str:
    return f"invite_fail:{channel}:{external_id}"[:100]


async def _failures(
    session: AsyncSession, channel: str, external_id: str
) -> tuple[KeyValue | None, int, dt.datetime | None]:
    row = await session.get(KeyValue, _fail_key(channel, external_id))
    if row is None:
        return None, 0, None
    try:
        data = json.loads(row.value)
        return row, int(data["count"]), dt.datetime.fromisoformat(data["since"])
    except (ValueError, KeyError, TypeError):
        return row, 0, None


async def invite_wait(
    session: AsyncSession, channel: str, external_id: str, now: dt.datetime
) -> int:
    """Minutes this chat account must wait before another invite code is checked (0: none)."""
    _row, count, since = await _failures(session, channel, external_id)
    if since is None or count < INVITE_TRIES or now - since >= INVITE_WINDOW:
        return 0
    return max(1, math.ceil((since + INVITE_WINDOW - now).total_seconds() / 60))


async def _note_failure(
    session: AsyncSession, channel: str, external_id: str, now: dt.datetime
) -> None:
    row, count, since = await _failures(session, channel, external_id)
    if since is None or now - since >= INVITE_WINDOW:
        count, since = 0, now
    value = json.dumps({"count": count + 1, "since": since.isoformat()})
    if row is None:
        session.add(KeyValue(key=_fail_key(channel, external_id), value=value))
    else:
        row.value = value
    await session.flush()


async def redeem_invite(
    session: AsyncSession,
    now: dt.datetime,
    *,
    code: str,
    channel: str,
    external_id: str,
    chat_id: str,
    display_name: str | None,
    locale: str,
) -> Member:
    """Join with an invite (or link another channel with a link code).

    Wrong codes are counted per chat account: after INVITE_TRIES in INVITE_WINDOW no code is
    checked until the window has passed.
    """
    code = code.strip()
    wait = await invite_wait(session, channel, external_id, now)
    if wait:
        raise DomainError("error.invite_throttled", minutes=wait)
    if not code or len(code) > 64:
        await _note_failure(session, channel, external_id, now)
        raise DomainError("error.invite_invalid")
    digest = hash_code(code)
    invite = (
        await session.execute(select(Invite).where(Invite.code_hash == digest).with_for_update())
    ).scalar_one_or_none()
    if invite is None or not hmac.compare_digest(invite.code_hash, digest):
        await _note_failure(session, channel, external_id, now)
        raise DomainError("error.invite_invalid")
    if invite.used_at is not None:
        raise DomainError("error.invite_used")
    if invite.expires_at <= now:
        raise DomainError("error.invite_expired")

    existing = await account_member(session, channel, external_id)
    if invite.member_id is not None:
        member = await session.get(Member, invite.member_id)
        if member is None:
            raise DomainError("error.invite_revoked")
        if existing and existing[1].id != member.id:
            raise DomainError("error.account_linked_elsewhere")
    elif existing:
        member = existing[1]
        member.unit_id = invite.unit_id
        member.role = invite.role
    else:
        member = Member(
            full_name=display_name or "",
            unit_id=invite.unit_id,
            role=invite.role,
            locale=locale,
            preferred_channel="all",
            created_at=now,
        )
        session.add(member)
        await session.flush()
    if existing is None:
        session.add(
            ChatAccount(
                member_id=member.id,
                channel=channel,
                external_id=external_id,
                chat_id=chat_id,
                display_name=display_name,
                created_at=now,
            )
        )
    invite.used_at = now
    invite.used_by = member.id
    failures = await session.get(KeyValue, _fail_key(channel, external_id))
    if failures is not None:
        await session.delete(failures)
    await session.flush()
    audit(session, now, "join", "member", member.id, channel=channel, invite=invite.id)
    await session.refresh(member, ["unit"])
    return member


async def mark_unreachable(
    session: AsyncSession, channel: str, chat_id: str, now: dt.datetime, reason: str
) -> None:
    """Remember that a chat cannot be reached (blocked the bot); shown in the office digest."""
    rows = await session.execute(
        select(ChatAccount).where(ChatAccount.channel == channel, ChatAccount.chat_id == chat_id)
    )
    for account in rows.scalars():
        account.unreachable_since = account.unreachable_since or now
        account.unreachable_reason = reason[:200]


async def mark_reachable(session: AsyncSession, account: ChatAccount) -> None:
    """A user who writes to the bot can be reached again."""
    if account.unreachable_since is not None:
        account.unreachable_since = None
        account.unreachable_reason = None


async def list_members(session: AsyncSession) -> list[Member]:
    """Every member with unit and accounts."""
    rows = await session.execute(
        select(Member)
        .options(selectinload(Member.unit), selectinload(Member.accounts))
        .order_by(Member.id)
    )
    return list(rows.scalars())


def is_office(member: Member) -> bool:
    """Coordinators and admins see /status and the compiled report."""
    return member.role in OFFICE_ROLES


def can_report(member: Member) -> bool:
    """Focal points, backups and coordinators with a unit report for that unit."""
    return member.role in REPORTING_ROLES and member.unit_id is not None

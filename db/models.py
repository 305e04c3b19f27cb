"""ORM models: the whole dondoc schema (plans, units, tasks, members, reports, forms, reminders)."""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Enum,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[dt.datetime]):
    """Timezone-aware datetimes stored as UTC on every backend (SQLite drops the offset)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTCDateTime column")
        return value.astimezone(dt.UTC)

    def process_result_value(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)


class Base(DeclarativeBase):
    """Declarative base with a naming convention so migrations name constraints alike."""

    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        dt.datetime: UTCDateTime(),
        dict[str, Any]: JSON,
        list[Any]: JSON,
    }


def _enum(cls: type[enum.Enum], name: str) -> Enum:
    return Enum(
        cls,
        name=name,
        native_enum=False,
        length=32,
        validate_strings=True,
        values_callable=lambda e: [m.value for m in e],
    )


class DocumentFamily(enum.StrEnum):
    """Which header layout the body's documents use (Decree 30/2020 or Party rules)."""

    ADMINISTRATIVE = "administrative"
    PARTY = "party"


class CutoffMode(enum.StrEnum):
    """How a period's covered window is computed."""

    DECREE_09 = "decree09"
    CALENDAR = "calendar"


class PeriodKind(enum.StrEnum):
    """Kinds of reporting period."""

    MONTHLY = "monthly"
    QUARTERLY = "quarterly"
    SEMIANNUAL = "semiannual"
    NINE_MONTHS = "nine_months"
    ANNUAL = "annual"


class ScheduleKind(enum.StrEnum):
    """Normalised meaning of a task's timeframe words (DOMAIN.md section 3)."""

    ONE_OFF = "one_off"
    RECURRING = "recurring"
    COMPOSITE = "composite"
    EVENT_DRIVEN = "event_driven"
    INHERITED = "inherited"
    UNSPECIFIED = "unspecified"


class UnitKind(enum.StrEnum):
    """A single accountable unit, or a group named as written ("các đơn vị liên quan")."""

    UNIT = "unit"
    GROUP = "group"


class TaskRole(enum.StrEnum):
    """A unit's part in a task."""

    LEAD = "lead"
    SUPPORT = "support"


class Role(enum.StrEnum):
    """A member's role."""

    FOCAL = "focal"
    BACKUP = "backup"
    COORDINATOR = "coordinator"
    ADMIN = "admin"


class ReportStatus(enum.StrEnum):
    """Status a unit reports for a task (DOMAIN.md section 7)."""

    NOT_STARTED = "not_started"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    ONGOING = "ongoing"
    BLOCKED = "blocked"


class Plan(Base):
    """An implementation plan (Kế hoạch) issued by a body."""

    __tablename__ = "plans"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(Text)
    number: Mapped[str | None] = mapped_column(String(100))
    issuer: Mapped[str | None] = mapped_column(String(300))
    parent_body: Mapped[str | None] = mapped_column(String(300))
    place: Mapped[str | None] = mapped_column(String(200))
    # Short title used in lists and the compiled report's subject line (issue 13).
    short_title: Mapped[str | None] = mapped_column(String(300))
    # Who signs the compiled report: "KT. CHỦ TỊCH" / "PHÓ CHỦ TỊCH" and a name.
    signer_title: Mapped[str | None] = mapped_column(String(200))
    signer_name: Mapped[str | None] = mapped_column(String(200))
    issued_on: Mapped[dt.date | None] = mapped_column(Date)
    year: Mapped[int] = mapped_column(Integer)
    coordinator_unit_id: Mapped[int | None] = mapped_column(
        ForeignKey("units.id", ondelete="SET NULL")
    )
    family: Mapped[DocumentFamily] = mapped_column(
        _enum(DocumentFamily, "document_family"), default=DocumentFamily.ADMINISTRATIVE
    )
    cutoff_mode: Mapped[CutoffMode] = mapped_column(
        _enum(CutoffMode, "cutoff_mode"), default=CutoffMode.DECREE_09
    )
    # Reminder policy (issue 4); empty lists mean "use the defaults".
    reminder_days: Mapped[list[Any]] = mapped_column(default=list)
    reminder_offsets: Mapped[list[Any]] = mapped_column(default=list)
    overdue_offsets: Mapped[list[Any]] = mapped_column(default=list)
    task_deadline_offsets: Mapped[list[Any]] = mapped_column(default=list)
    reminder_time: Mapped[str] = mapped_column(String(5), default="08:00")
    # False: a deadline on a day off ends with the next working day (Civil Code art. 148(5)).
    keep_written_deadlines: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=false()
    )
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column()

    coordinator: Mapped[Unit | None] = relationship(foreign_keys=[coordinator_unit_id])
    tasks: Mapped[list[Task]] = relationship(
        back_populates="plan", cascade="all, delete-orphan", order_by="Task.position"
    )
    rules: Mapped[list[ReportingRule]] = relationship(
        back_populates="plan", cascade="all, delete-orphan"
    )


class Unit(Base):
    """An accountable unit (or a group of units named as written)."""

    __tablename__ = "units"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(300))
    key: Mapped[str] = mapped_column(String(300), unique=True)
    kind: Mapped[UnitKind] = mapped_column(_enum(UnitKind, "unit_kind"), default=UnitKind.UNIT)
    # Fatherland Front and mass organisations: reminders use a request tone.
    independent: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[dt.datetime] = mapped_column()

    aliases: Mapped[list[UnitAlias]] = relationship(
        back_populates="unit", cascade="all, delete-orphan"
    )


class UnitAlias(Base):
    """Another spelling or abbreviation of a unit's name."""

    __tablename__ = "unit_aliases"

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id", ondelete="CASCADE"), index=True)
    alias: Mapped[str] = mapped_column(String(300))
    key: Mapped[str] = mapped_column(String(300), unique=True)

    unit: Mapped[Unit] = relationship(back_populates="aliases")


class Task(Base):
    """A task of a plan, with its timeframe as written and normalised."""

    __tablename__ = "tasks"
    __table_args__ = (UniqueConstraint("plan_id", "ref"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id", ondelete="CASCADE"), index=True)
    ref: Mapped[str] = mapped_column(String(30))
    position: Mapped[int] = mapped_column(Integer, default=0)
    section: Mapped[str | None] = mapped_column(String(300))
    title: Mapped[str] = mapped_column(Text)
    timeframe_text: Mapped[str] = mapped_column(Text, default="")
    schedule: Mapped[ScheduleKind] = mapped_column(
        _enum(ScheduleKind, "schedule_kind"), default=ScheduleKind.UNSPECIFIED
    )
    due_date: Mapped[dt.date | None] = mapped_column(Date)
    recurrence: Mapped[PeriodKind | None] = mapped_column(_enum(PeriodKind, "recurrence_kind"))
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    plan: Mapped[Plan] = relationship(back_populates="tasks")
    units: Mapped[list[TaskUnit]] = relationship(
        back_populates="task", cascade="all, delete-orphan", order_by="TaskUnit.position"
    )


class TaskUnit(Base):
    """A unit's part (lead or support) in a task."""

    __tablename__ = "task_units"
    __table_args__ = (UniqueConstraint("task_id", "unit_id", "role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("tasks.id", ondelete="CASCADE"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id", ondelete="CASCADE"), index=True)
    role: Mapped[TaskRole] = mapped_column(_enum(TaskRole, "task_role"))
    position: Mapped[int] = mapped_column(Integer, default=0)
    # The name as the plan wrote it (with any bracketed qualifier).
    written_as: Mapped[str | None] = mapped_column(String(300))
    # Set when the row is derived from a plan group's mapping (not written in the plan).
    via_group_id: Mapped[int | None] = mapped_column(
        ForeignKey("plan_groups.id", ondelete="CASCADE"), index=True
    )

    task: Mapped[Task] = relationship(back_populates="units")
    unit: Mapped[Unit] = relationship()


class PlanGroup(Base):
    """A collective a plan names ("Các cơ quan, phòng, ban, ngành"), kept as written."""

    __tablename__ = "plan_groups"
    __table_args__ = (UniqueConstraint("plan_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(300))
    key: Mapped[str] = mapped_column(String(300))
    # None until the office has decided which units the words mean.
    mapped_at: Mapped[dt.datetime | None] = mapped_column()
    created_at: Mapped[dt.datetime] = mapped_column()

    members: Mapped[list[PlanGroupMember]] = relationship(
        back_populates="group", cascade="all, delete-orphan"
    )


class PlanGroupMember(Base):
    """A registered unit the office decided a plan group means."""

    __tablename__ = "plan_group_members"
    __table_args__ = (UniqueConstraint("group_id", "unit_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("plan_groups.id", ondelete="CASCADE"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id", ondelete="CASCADE"), index=True)

    group: Mapped[PlanGroup] = relationship(back_populates="members")
    unit: Mapped[Unit] = relationship()


class TaskGroup(Base):
    """A task assigned (lead or support) to a plan group."""

    __tablename__ = "task_groups"
    __table_args__ = (UniqueConstraint("task_id", "group_id", "role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("tasks.id", ondelete="CASCADE"), index=True)
    group_id: Mapped[int] = mapped_column(
        ForeignKey("plan_groups.id", ondelete="CASCADE"), index=True
    )
    role: Mapped[TaskRole] = mapped_column(_enum(TaskRole, "task_group_role"))
    position: Mapped[int] = mapped_column(Integer, default=0)
    written_as: Mapped[str | None] = mapped_column(String(300))

    group: Mapped[PlanGroup] = relationship()


class ReportingRule(Base):
    """One periodic report a plan requires, and when it is due."""

    __tablename__ = "reporting_rules"
    __table_args__ = (UniqueConstraint("plan_id", "period_kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id", ondelete="CASCADE"), index=True)
    period_kind: Mapped[PeriodKind] = mapped_column(_enum(PeriodKind, "period_kind"))
    due_day: Mapped[int] = mapped_column(Integer)
    # A month of the year (1-12), or None for "the last month of the period".
    due_month: Mapped[int | None] = mapped_column(Integer)

    plan: Mapped[Plan] = relationship(back_populates="rules")


class Member(Base):
    """A person: a unit's focal point or backup, a coordinator or an admin."""

    __tablename__ = "members"

    id: Mapped[int] = mapped_column(primary_key=True)
    full_name: Mapped[str] = mapped_column(String(200), default="")
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id", ondelete="SET NULL"))
    role: Mapped[Role] = mapped_column(_enum(Role, "member_role"))
    locale: Mapped[str] = mapped_column(String(8), default="vi")
    # "telegram", "zalo" or "all": where reminders go.
    preferred_channel: Mapped[str] = mapped_column(String(16), default="all")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column()

    unit: Mapped[Unit | None] = relationship()
    accounts: Mapped[list[ChatAccount]] = relationship(
        back_populates="member", cascade="all, delete-orphan"
    )


class ChatAccount(Base):
    """A member's account on one channel."""

    __tablename__ = "chat_accounts"
    __table_args__ = (UniqueConstraint("channel", "external_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    channel: Mapped[str] = mapped_column(String(16))
    external_id: Mapped[str] = mapped_column(String(64))
    chat_id: Mapped[str] = mapped_column(String(64))
    display_name: Mapped[str | None] = mapped_column(String(200))
    unreachable_since: Mapped[dt.datetime | None] = mapped_column()
    unreachable_reason: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column()
    # The last update handled from this account (Telegram update_id; Zalo message date in ms
    # and message id), written in the transaction that changes the form: a redelivered or
    # older update changes nothing.
    last_update_seq: Mapped[int | None] = mapped_column(BigInteger)
    last_update_key: Mapped[str | None] = mapped_column(String(64))

    member: Mapped[Member] = relationship(back_populates="accounts")


class Invite(Base):
    """A single-use, expiring invite bound to a unit and role; only its hash is stored."""

    __tablename__ = "invites"

    id: Mapped[int] = mapped_column(primary_key=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id", ondelete="CASCADE"))
    role: Mapped[Role] = mapped_column(_enum(Role, "invite_role"))
    # Set for a link code: joins another channel's account to this existing member.
    member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    expires_at: Mapped[dt.datetime] = mapped_column()
    used_at: Mapped[dt.datetime | None] = mapped_column()
    used_by: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column()

    unit: Mapped[Unit | None] = relationship()


class Report(Base):
    """A unit's progress report on one task for one period (the latest version)."""

    __tablename__ = "reports"
    __table_args__ = (
        UniqueConstraint("task_id", "unit_id", "period_key"),
        Index("ix_reports_plan_period", "plan_id", "period_key"),
        # Finished work is looked up on every status query: keep that lookup tiny.
        Index(
            "ix_reports_done",
            "task_id",
            "unit_id",
            postgresql_where=text("status = 'done'"),
            sqlite_where=text("status = 'done'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id", ondelete="CASCADE"))
    task_id: Mapped[int] = mapped_column(ForeignKey("tasks.id", ondelete="CASCADE"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id", ondelete="CASCADE"), index=True)
    period_key: Mapped[str] = mapped_column(String(10))
    status: Mapped[ReportStatus] = mapped_column(_enum(ReportStatus, "report_status"))
    progress: Mapped[int | None] = mapped_column(Integer)
    results: Mapped[str] = mapped_column(Text, default="")
    difficulties: Mapped[str] = mapped_column(Text, default="")
    proposals: Mapped[str] = mapped_column(Text, default="")
    next_plan: Mapped[str] = mapped_column(Text, default="")
    evidence_ref: Mapped[str] = mapped_column(Text, default="")
    version: Mapped[int] = mapped_column(Integer, default=1)
    submitted_by: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"))
    first_submitted_at: Mapped[dt.datetime] = mapped_column()
    submitted_at: Mapped[dt.datetime] = mapped_column()
    late: Mapped[bool] = mapped_column(Boolean, default=False)

    task: Mapped[Task] = relationship()
    unit: Mapped[Unit] = relationship()
    versions: Mapped[list[ReportVersion]] = relationship(
        back_populates="report", cascade="all, delete-orphan", order_by="ReportVersion.version"
    )
    attachments: Mapped[list[Attachment]] = relationship(
        back_populates="report", cascade="all, delete-orphan"
    )


class ReportVersion(Base):
    """An earlier (or the current) version of a report, kept when it is edited."""

    __tablename__ = "report_versions"
    __table_args__ = (UniqueConstraint("report_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id", ondelete="CASCADE"))
    version: Mapped[int] = mapped_column(Integer)
    data: Mapped[dict[str, Any]] = mapped_column()
    submitted_by: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"))
    submitted_at: Mapped[dt.datetime] = mapped_column()
    late: Mapped[bool] = mapped_column(Boolean, default=False)

    report: Mapped[Report] = relationship(back_populates="versions")


class Attachment(Base):
    """A file attached to a report as evidence, stored under DATA_DIR."""

    __tablename__ = "attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id", ondelete="CASCADE"), index=True)
    filename: Mapped[str] = mapped_column(String(255))
    path: Mapped[str] = mapped_column(String(500))
    mime_type: Mapped[str | None] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(BigInteger)
    channel: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[dt.datetime] = mapped_column()

    report: Mapped[Report] = relationship(back_populates="attachments")


class FormSession(Base):
    """The state of a conversation in progress, so a restart resumes the same step."""

    __tablename__ = "form_sessions"
    __table_args__ = (UniqueConstraint("channel", "external_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))
    external_id: Mapped[str] = mapped_column(String(64))
    flow: Mapped[str] = mapped_column(String(32))
    step: Mapped[str] = mapped_column(String(32))
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)
    updated_at: Mapped[dt.datetime] = mapped_column()


class AuditLog(Base):
    """Who changed what, and when."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(index=True)
    actor_member_id: Mapped[int | None] = mapped_column(
        ForeignKey("members.id", ondelete="SET NULL")
    )
    actor: Mapped[str] = mapped_column(String(100), default="")
    action: Mapped[str] = mapped_column(String(50))
    entity: Mapped[str] = mapped_column(String(50))
    entity_id: Mapped[int | None] = mapped_column(Integer)
    details: Mapped[dict[str, Any]] = mapped_column(default=dict)


class Holiday(Base):
    """A day off, or a make-up working day (a Saturday worked in exchange)."""

    __tablename__ = "holidays"

    day: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    # True: a weekend day that is a working day (make-up Saturday).
    working: Mapped[bool] = mapped_column(Boolean, default=False)


class ReminderDelivery(Base):
    """One reminder to one recipient; the unique key makes every delivery happen once."""

    __tablename__ = "reminder_deliveries"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(255), unique=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id", ondelete="CASCADE"), index=True)
    period_key: Mapped[str | None] = mapped_column(String(10))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id", ondelete="CASCADE"))
    member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    channel: Mapped[str] = mapped_column(String(16))
    kind: Mapped[str] = mapped_column(String(20))
    point: Mapped[str] = mapped_column(String(40))
    scheduled_at: Mapped[dt.datetime] = mapped_column()
    # pending -> sending (leased) -> sent | failed | unreachable | given_up; point markers
    # ("*" channel) are done | skipped. Rows of before migration 0005 may say "claimed".
    state: Mapped[str] = mapped_column(String(16), default="pending")
    claimed_by: Mapped[str] = mapped_column(String(64), default="")  # the lease's owner
    claimed_at: Mapped[dt.datetime] = mapped_column()
    sent_at: Mapped[dt.datetime | None] = mapped_column()
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(Text)
    # While "sending": the lease ends here; an expired lease without an outcome is offered again.
    lease_until: Mapped[dt.datetime | None] = mapped_column()
    # While "pending" after a failed try: not before this time.
    next_at: Mapped[dt.datetime | None] = mapped_column()
    # Tries whose outcome is unknown (died mid-send, timed out): at most 2 (sent twice at most).
    unknown: Mapped[int] = mapped_column(Integer, default=0)
    message_id: Mapped[str | None] = mapped_column(String(64))  # the channel's message id


class ChatGroup(Base):
    """A group chat registered by the coordinating office to receive digests."""

    __tablename__ = "chat_groups"
    __table_args__ = (UniqueConstraint("channel", "chat_id", "plan_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))
    chat_id: Mapped[str] = mapped_column(String(64))
    plan_id: Mapped[int | None] = mapped_column(ForeignKey("plans.id", ondelete="CASCADE"))
    title: Mapped[str | None] = mapped_column(String(200))
    registered_by: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column()


class KeyValue(Base):
    """Small persisted facts (the bot's username, last poll offsets)."""

    __tablename__ = "key_values"

    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    value: Mapped[str] = mapped_column(Text)

"""plan groups: collectives a plan names, mapped by the office to registered units

Revision ID: 0003
Revises: 0001
Create Date: 2026-12-02 02:30:00

Also adds the plan fields the compiled report prints (short title, signer) and converts the
group units earlier imports created (kind = 'group') into plan groups of the plans that use them.
"""

from collections.abc import Sequence
import datetime as dt

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ROLE = sa.Enum("lead", "support", name="task_group_role", native_enum=False, length=32)


def upgrade() -> None:
    op.create_table(
        "plan_groups",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("key", sa.String(length=300), nullable=False),
        sa.Column("mapped_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["plan_id"], ["plans.id"], name=op.f("fk_plan_groups_plan_id_plans"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plan_groups")),
        sa.UniqueConstraint("plan_id", "key", name=op.f("uq_plan_groups_plan_id_key")),
    )
    with op.batch_alter_table("plan_groups", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_plan_groups_plan_id"), ["plan_id"], unique=False)
    op.create_table(
        "plan_group_members",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["group_id"],
            ["plan_groups.id"],
            name=op.f("fk_plan_group_members_group_id_plan_groups"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"],
            ["units.id"],
            name=op.f("fk_plan_group_members_unit_id_units"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plan_group_members")),
        sa.UniqueConstraint(
            "group_id", "unit_id", name=op.f("uq_plan_group_members_group_id_unit_id")
        ),
    )
    with op.batch_alter_table("plan_group_members", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_plan_group_members_unit_id"), ["unit_id"], unique=False
        )
    op.create_table(
        "task_groups",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("task_id", sa.Integer(), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("role", _ROLE, nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("written_as", sa.String(length=300), nullable=True),
        sa.ForeignKeyConstraint(
            ["group_id"],
            ["plan_groups.id"],
            name=op.f("fk_task_groups_group_id_plan_groups"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["task_id"], ["tasks.id"], name=op.f("fk_task_groups_task_id_tasks"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_task_groups")),
        sa.UniqueConstraint(
            "task_id", "group_id", "role", name=op.f("uq_task_groups_task_id_group_id_role")
        ),
    )
    with op.batch_alter_table("task_groups", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_task_groups_group_id"), ["group_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_task_groups_task_id"), ["task_id"], unique=False)
    with op.batch_alter_table("task_units", schema=None) as batch_op:
        batch_op.add_column(sa.Column("via_group_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_task_units_via_group_id"), ["via_group_id"])
        batch_op.create_foreign_key(
            batch_op.f("fk_task_units_via_group_id_plan_groups"),
            "plan_groups",
            ["via_group_id"],
            ["id"],
            ondelete="CASCADE",
        )
    with op.batch_alter_table("plans", schema=None) as batch_op:
        batch_op.add_column(sa.Column("short_title", sa.String(length=300), nullable=True))
        batch_op.add_column(sa.Column("signer_title", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("signer_name", sa.String(length=200), nullable=True))
    _convert_group_units()


def _convert_group_units() -> None:
    """Group units only used as task assignees become plan groups; their task rows move over.

    A group unit that has members, reports or invites is left as it is: someone already treats
    it as a unit, and the office decides (``dondoc unit remove`` / ``group set``).
    """
    conn = op.get_bind()
    rows = conn.execute(
        sa.text(
            "SELECT u.id, u.name, u.key FROM units u WHERE u.kind = 'group'"
            " AND NOT EXISTS (SELECT 1 FROM members m WHERE m.unit_id = u.id)"
            " AND NOT EXISTS (SELECT 1 FROM reports r WHERE r.unit_id = u.id)"
            " AND NOT EXISTS (SELECT 1 FROM invites i WHERE i.unit_id = u.id)"
            " AND NOT EXISTS (SELECT 1 FROM plans p WHERE p.coordinator_unit_id = u.id)"
        )
    ).fetchall()
    now = dt.datetime.now(dt.UTC)
    for unit_id, name, key in rows:
        uses = conn.execute(
            sa.text(
                "SELECT tu.id, tu.task_id, tu.role, tu.position, tu.written_as, t.plan_id"
                " FROM task_units tu JOIN tasks t ON t.id = tu.task_id WHERE tu.unit_id = :u"
            ),
            {"u": unit_id},
        ).fetchall()
        groups: dict[int, int] = {}
        for tu_id, task_id, role, position, written_as, plan_id in uses:
            if plan_id not in groups:
                groups[plan_id] = conn.execute(
                    sa.text(
                        "INSERT INTO plan_groups (plan_id, name, key, created_at)"
                        " VALUES (:p, :n, :k, :c) RETURNING id"
                    ),
                    {"p": plan_id, "n": name, "k": key, "c": now},
                ).scalar_one()
            conn.execute(
                sa.text(
                    "INSERT INTO task_groups (task_id, group_id, role, position, written_as)"
                    " VALUES (:t, :g, :r, :pos, :w)"
                ),
                {
                    "t": task_id,
                    "g": groups[plan_id],
                    "r": role,
                    "pos": position,
                    "w": written_as or name,
                },
            )
            conn.execute(sa.text("DELETE FROM task_units WHERE id = :id"), {"id": tu_id})
        conn.execute(sa.text("DELETE FROM unit_aliases WHERE unit_id = :u"), {"u": unit_id})
        conn.execute(sa.text("DELETE FROM reminder_deliveries WHERE unit_id = :u"), {"u": unit_id})
        conn.execute(sa.text("DELETE FROM units WHERE id = :u"), {"u": unit_id})


def downgrade() -> None:
    with op.batch_alter_table("plans", schema=None) as batch_op:
        batch_op.drop_column("signer_name")
        batch_op.drop_column("signer_title")
        batch_op.drop_column("short_title")
    op.execute("DELETE FROM task_units WHERE via_group_id IS NOT NULL")
    with op.batch_alter_table("task_units", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_task_units_via_group_id_plan_groups"), type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f("ix_task_units_via_group_id"))
        batch_op.drop_column("via_group_id")
    with op.batch_alter_table("task_groups", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_task_groups_task_id"))
        batch_op.drop_index(batch_op.f("ix_task_groups_group_id"))
    op.drop_table("task_groups")
    with op.batch_alter_table("plan_group_members", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_plan_group_members_unit_id"))
    op.drop_table("plan_group_members")
    with op.batch_alter_table("plan_groups", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_plan_groups_plan_id"))
    op.drop_table("plan_groups")

"""reminder delivery leases and outcomes; last handled update per chat account

Revision ID: 0005
Revises: 0001
Create Date: 2026-12-02 02:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("reminder_deliveries", schema=None) as batch_op:
        batch_op.add_column(sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("next_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(
            sa.Column("unknown", sa.Integer(), nullable=False, server_default="0")
        )
        batch_op.add_column(sa.Column("message_id", sa.String(length=64), nullable=True))
    with op.batch_alter_table("chat_accounts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("last_update_seq", sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column("last_update_key", sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("chat_accounts", schema=None) as batch_op:
        batch_op.drop_column("last_update_key")
        batch_op.drop_column("last_update_seq")
    with op.batch_alter_table("reminder_deliveries", schema=None) as batch_op:
        batch_op.drop_column("message_id")
        batch_op.drop_column("unknown")
        batch_op.drop_column("next_at")
        batch_op.drop_column("lease_until")

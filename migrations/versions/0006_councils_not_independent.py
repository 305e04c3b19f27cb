"""a council ("Hội đồng …") is a state body, not a mass organisation

Units named "Hội đồng …" were marked independent (asked, not assigned) because their name
starts with "Hội", like an association's. Data only; the rule itself lives in domain/units.py.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 14:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_UNITS = sa.table(
    "units",
    sa.column("id", sa.Integer),
    sa.column("name", sa.String),
    sa.column("independent", sa.Boolean),
)
# SQLite's LIKE ignores case for ASCII letters only, so each spelling is listed.
_COUNCIL = ("Hội đồng %", "Hội Đồng %", "HỘI ĐỒNG %", "Hội đồng", "Hội Đồng", "HỘI ĐỒNG")


def upgrade() -> None:
    op.execute(
        _UNITS.update()
        .where(
            _UNITS.c.independent.is_(True),
            sa.or_(*(_UNITS.c.name.like(p) for p in _COUNCIL)),
        )
        .values(independent=False)
    )


def downgrade() -> None:
    """Nothing to undo: which councils were marked independent before is not kept."""

"""working calendar: computed statutory days, civil-service arrangement as data

The statutory days off are now computed for every year (domain/workdays.py); the `holidays`
table keeps only the civil-service arrangement an administrator edits. Databases created by the
former 0001 (which seeded 2026 in full) lose the rows the computation now provides; the 2026
arrangement (the swapped Friday 02/01 and Monday 31/08, make-up Saturdays 10/01 and 22/08) is
inserted where missing. Plans get `keep_written_deadlines`.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-02 02:40:00
"""

import datetime as dt
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0002'
down_revision: str | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# 2026 for civil servants (DOMAIN.md section 5), beyond the statutory days and weekends.
ARRANGEMENT_2026 = [
    ("2026-01-02", "Nghỉ bù Tết Dương lịch (làm bù thứ Bảy 10/01)", False),
    ("2026-01-10", "Làm bù Tết Dương lịch", True),
    ("2026-08-22", "Làm bù Quốc khánh", True),
    ("2026-08-31", "Nghỉ bù Quốc khánh (làm bù thứ Bảy 22/08)", False),
]

# Rows the former 0001 seeded that the computed calendar (or the weekend) now provides.
_FORMER_SEED = [
    ("2026-01-01", "2026-01-04", "Tết Dương lịch"),
    ("2026-02-14", "2026-02-22", "Tết Nguyên đán"),
    ("2026-04-25", "2026-04-27", "Giỗ Tổ Hùng Vương"),
    ("2026-04-30", "2026-05-03", "Ngày Chiến thắng và Quốc tế Lao động"),
    ("2026-08-29", "2026-09-02", "Quốc khánh"),
]

_table = sa.table(
    "holidays",
    sa.column("day", sa.Date()),
    sa.column("name", sa.String()),
    sa.column("working", sa.Boolean()),
)


def _span(first: str, last: str) -> list[dt.date]:
    day, end = dt.date.fromisoformat(first), dt.date.fromisoformat(last)
    out = []
    while day <= end:
        out.append(day)
        day += dt.timedelta(days=1)
    return out


def upgrade() -> None:
    with op.batch_alter_table('plans', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('keep_written_deadlines', sa.Boolean(), server_default=sa.false(), nullable=False)
        )
    conn = op.get_bind()
    for first, last, name in _FORMER_SEED:
        conn.execute(
            _table.delete().where(
                _table.c.day.in_(_span(first, last)),
                _table.c.name == name,
                _table.c.working.is_(False),
            )
        )
    present = {row[0] for row in conn.execute(sa.select(_table.c.day))}
    rows = [
        {"day": dt.date.fromisoformat(day), "name": name, "working": working}
        for day, name, working in ARRANGEMENT_2026
        if dt.date.fromisoformat(day) not in present
    ]
    if rows:
        op.bulk_insert(_table, rows)


def downgrade() -> None:
    conn = op.get_bind()
    for day, name, _working in ARRANGEMENT_2026:
        conn.execute(
            _table.delete().where(
                _table.c.day == dt.date.fromisoformat(day), _table.c.name == name
            )
        )
    with op.batch_alter_table('plans', schema=None) as batch_op:
        batch_op.drop_column('keep_written_deadlines')

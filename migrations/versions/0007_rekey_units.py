"""unit and alias keys recomputed with the current matching rule

The matching key of a name (domain.units.unit_key) now spells out more standard abbreviations
("Chi cục BVMT" and "Chi cục Bảo vệ môi trường" share one key). Keys saved under the earlier
rule are recomputed so that a name finds its unit again instead of creating a second one. A key
another unit or alias already holds is left as it was (two units that now read alike stay two
until the office merges them). Data only.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 14:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from domain.units import unit_key

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_UNITS = sa.table(
    "units", sa.column("id", sa.Integer), sa.column("name", sa.String), sa.column("key", sa.String)
)
_ALIASES = sa.table(
    "unit_aliases",
    sa.column("id", sa.Integer),
    sa.column("unit_id", sa.Integer),
    sa.column("alias", sa.String),
    sa.column("key", sa.String),
)


def upgrade() -> None:
    conn = op.get_bind()
    units = conn.execute(sa.select(_UNITS.c.id, _UNITS.c.name, _UNITS.c.key)).all()
    aliases = conn.execute(
        sa.select(_ALIASES.c.id, _ALIASES.c.unit_id, _ALIASES.c.alias, _ALIASES.c.key)
    ).all()
    # key -> the unit it leads to, through a unit's own key or an alias's.
    unit_keys = {key: uid for uid, _, key in units}
    alias_keys = {key: uid for _, uid, _, key in aliases}
    for uid, name, key in units:
        new = unit_key(name)
        if not new or new == key or new in unit_keys or alias_keys.get(new, uid) != uid:
            continue
        conn.execute(_UNITS.update().where(_UNITS.c.id == uid).values(key=new))
        del unit_keys[key]
        unit_keys[new] = uid
    for aid, uid, alias, key in aliases:
        new = unit_key(alias)
        if not new or new == key or new in alias_keys or unit_keys.get(new, uid) != uid:
            continue
        conn.execute(_ALIASES.update().where(_ALIASES.c.id == aid).values(key=new))
        del alias_keys[key]
        alias_keys[new] = uid


def downgrade() -> None:
    """Nothing to undo: keys follow the rule in force; the earlier keys are not kept."""

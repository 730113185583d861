"""PostgreSQL: trigram indexes for support's partial searches (email, number, names).

Revision ID: 0003
Revises: 0002

``LIKE``/``ILIKE '%part%'`` of three characters or more reads these indexes instead of
every account. ``pg_trgm`` is a trusted extension (PostgreSQL 13+): the database's owner
may create it. Where it cannot be created, the revision leaves the search as it was
(scanning) and says so in the log; nothing else depends on it. SQLite: nothing to do.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from alembic import context, op
from sqlalchemy.exc import DBAPIError

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = ("email_key", "subscriber_number", "last_name", "first_name")
log = logging.getLogger("alembic.runtime.migration")


def upgrade() -> None:
    if context.is_offline_mode():  # ``db upgrade --sql``: the statements, for a DBA
        if context.get_context().dialect.name == "postgresql":
            op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
            _indexes()
        return
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    try:
        with bind.begin_nested():
            op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    except DBAPIError as error:
        log.warning("pg_trgm not available (%s): partial support searches will scan", str(error.orig).strip())
        return
    _indexes()


def _indexes() -> None:
    for column in COLUMNS:
        op.execute(f"CREATE INDEX IF NOT EXISTS trgm_account_{column} ON account USING gin ({column} gin_trgm_ops)")


def downgrade() -> None:
    if context.get_context().dialect.name != "postgresql":
        return
    for column in COLUMNS:
        op.execute(f"DROP INDEX IF EXISTS trgm_account_{column}")

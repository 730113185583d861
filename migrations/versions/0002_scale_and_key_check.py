"""Indexes for support and journal purge at scale; the deployment's secret-key check.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("sessionrecord", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sessionrecord_account_id"), ["account_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_sessionrecord_started_at"), ["started_at"], unique=False)
    op.create_table(
        "deploymentsetting",
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("value", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )


def downgrade() -> None:
    op.drop_table("deploymentsetting")
    with op.batch_alter_table("sessionrecord", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sessionrecord_started_at"))
        batch_op.drop_index(batch_op.f("ix_sessionrecord_account_id"))

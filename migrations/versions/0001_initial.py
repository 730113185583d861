"""Today's schema (every table as the models made them before migrations existed).

Revision ID: 0001
Revises: (none)
Created: 2026-12-03 12:52:19.085018
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "account",
        sa.Column("subscriber_number", sa.String(length=14), nullable=False),
        sa.Column("last_name", sa.String(length=100), nullable=False),
        sa.Column("first_name", sa.String(length=100), nullable=False),
        sa.Column("phone", sa.String(length=30), nullable=False),
        sa.Column("postal_address", sa.String(length=300), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("language", sa.String(length=5), nullable=False),
        sa.Column("security_question", sa.String(length=200), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email_key", sa.String(length=254), nullable=False),
        sa.Column("security_answer_hash", sa.String(length=255), nullable=False),
        sa.Column("credentials_version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("account", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_account_email_key"), ["email_key"], unique=True)
        batch_op.create_index(batch_op.f("ix_account_subscriber_number"), ["subscriber_number"], unique=True)

    op.create_table(
        "answerclientfailure",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client", sa.String(length=80), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("answerclientfailure", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_answerclientfailure_at"), ["at"], unique=False)
        batch_op.create_index(batch_op.f("ix_answerclientfailure_client"), ["client"], unique=False)

    op.create_table(
        "answerfailure",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email_digest", sa.String(length=64), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("answerfailure", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_answerfailure_at"), ["at"], unique=False)
        batch_op.create_index(batch_op.f("ix_answerfailure_email_digest"), ["email_digest"], unique=False)

    op.create_table(
        "loginfailure",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=80), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("loginfailure", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_loginfailure_at"), ["at"], unique=False)
        batch_op.create_index(batch_op.f("ix_loginfailure_key"), ["key"], unique=False)

    op.create_table(
        "staffaccount",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("display_name", sa.String(length=120), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("staffaccount", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_staffaccount_username"), ["username"], unique=True)

    op.create_table(
        "outboxemail",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("message_id", sa.String(length=200), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("to_address", sa.String(length=254), nullable=False),
        sa.Column("to_name", sa.String(length=210), nullable=False),
        sa.Column("language", sa.String(length=5), nullable=False),
        sa.Column("subject", sa.String(length=300), nullable=False),
        sa.Column("body_text", sa.String(), nullable=False),
        sa.Column("body_html", sa.String(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.String(length=500), nullable=True),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("claimed_by", sa.String(length=80), nullable=True),
        sa.Column("claimed_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["account.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("message_id"),
    )
    with op.batch_alter_table("outboxemail", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_outboxemail_account_id"), ["account_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_outboxemail_next_attempt_at"), ["next_attempt_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_outboxemail_state"), ["state"], unique=False)

    op.create_table(
        "passwordcredential",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.Column("set_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_on", sa.Date(), nullable=False),
        sa.Column("is_current", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["account.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("passwordcredential", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_passwordcredential_account_id"), ["account_id"], unique=False)

    op.create_table(
        "sessionrecord",
        sa.Column("reference", sa.String(length=9), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("client_address", sa.String(length=64), nullable=True),
        sa.Column("language", sa.String(length=5), nullable=False),
        sa.Column("columns", sa.Integer(), nullable=False),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["account.id"],
        ),
        sa.PrimaryKeyConstraint("reference"),
    )
    op.create_table(
        "staffaudit",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("staff", sa.String(length=120), nullable=False),
        sa.Column("action", sa.String(length=40), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=True),
        sa.Column("session_reference", sa.String(length=9), nullable=True),
        sa.Column("detail", sa.String(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["account.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("staffaudit", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_staffaudit_account_id"), ["account_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_staffaudit_at"), ["at"], unique=False)
        batch_op.create_index(batch_op.f("ix_staffaudit_staff"), ["staff"], unique=False)

    op.create_table(
        "journalevent",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("session_reference", sa.String(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.Column("detail", sa.String(), nullable=False),
        sa.ForeignKeyConstraint(
            ["session_reference"],
            ["sessionrecord.reference"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("session_reference", "seq"),
    )
    with op.batch_alter_table("journalevent", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_journalevent_session_reference"), ["session_reference"], unique=False)

    op.create_table(
        "remindersent",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("expires_on", sa.Date(), nullable=False),
        sa.Column("threshold", sa.Integer(), nullable=False),
        sa.Column("outbox_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["account.id"],
        ),
        sa.ForeignKeyConstraint(
            ["outbox_id"],
            ["outboxemail.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("account_id", "expires_on", "threshold"),
    )
    with op.batch_alter_table("remindersent", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_remindersent_account_id"), ["account_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("remindersent", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_remindersent_account_id"))

    op.drop_table("remindersent")
    with op.batch_alter_table("journalevent", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_journalevent_session_reference"))

    op.drop_table("journalevent")
    with op.batch_alter_table("staffaudit", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_staffaudit_staff"))
        batch_op.drop_index(batch_op.f("ix_staffaudit_at"))
        batch_op.drop_index(batch_op.f("ix_staffaudit_account_id"))

    op.drop_table("staffaudit")
    op.drop_table("sessionrecord")
    with op.batch_alter_table("passwordcredential", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_passwordcredential_account_id"))

    op.drop_table("passwordcredential")
    with op.batch_alter_table("outboxemail", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_outboxemail_state"))
        batch_op.drop_index(batch_op.f("ix_outboxemail_next_attempt_at"))
        batch_op.drop_index(batch_op.f("ix_outboxemail_account_id"))

    op.drop_table("outboxemail")
    with op.batch_alter_table("staffaccount", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_staffaccount_username"))

    op.drop_table("staffaccount")
    with op.batch_alter_table("loginfailure", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_loginfailure_key"))
        batch_op.drop_index(batch_op.f("ix_loginfailure_at"))

    op.drop_table("loginfailure")
    with op.batch_alter_table("answerfailure", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_answerfailure_email_digest"))
        batch_op.drop_index(batch_op.f("ix_answerfailure_at"))

    op.drop_table("answerfailure")
    with op.batch_alter_table("answerclientfailure", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_answerclientfailure_client"))
        batch_op.drop_index(batch_op.f("ix_answerclientfailure_at"))

    op.drop_table("answerclientfailure")
    with op.batch_alter_table("account", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_account_subscriber_number"))
        batch_op.drop_index(batch_op.f("ix_account_email_key"))

    op.drop_table("account")

"""Drafts (草稿) of half-filled forms: one row per user and form, kept a few seconds after the last
edit so that a lock, a crash or a closed window loses nothing typed; cleared when the form is saved.
Local only: drafts are never queued for sync, and only the user who typed one reads it back.

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "drafts",
        sa.Column("username", sa.String(64), nullable=False),
        sa.Column("form", sa.String(40), nullable=False),
        sa.Column("data_json", sa.Text, nullable=False),
        sa.Column("saved_at", sa.String(32), nullable=False),
        sa.PrimaryKeyConstraint("username", "form", name="pk_drafts"),
    )
    op.execute("PRAGMA user_version = 7")


def downgrade() -> None:
    raise NotImplementedError("a counter database is never downgraded; restore a backup instead")

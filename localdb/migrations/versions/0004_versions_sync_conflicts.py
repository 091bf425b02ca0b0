"""Corrections and sync: enrollments get a version (corrections name the version they were made
from), outbox changes carry the names of the fields they changed and a refused state (a change the
server refused is answered once and not resent forever), and three tables for what sync brings back:
conflict items, merges of duplicate persons, and the refusal history.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("enrollments") as batch:
        batch.add_column(sa.Column("version", sa.Integer, nullable=False, server_default="1"))
        batch.add_column(sa.Column("updated_at", sa.String(32)))
    with op.batch_alter_table("outbox") as batch:
        batch.add_column(sa.Column("changed_json", sa.Text))
        batch.add_column(sa.Column("rejected_at", sa.String(32)))
    op.create_table(
        "conflicts",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("entity", sa.String(20), nullable=False),
        sa.Column("entity_id", sa.String(36), nullable=False),
        sa.Column("field", sa.String(40)),
        sa.Column("local_value", sa.Text),
        sa.Column("server_value", sa.Text),
        sa.Column("local_actor", sa.String(64)),
        sa.Column("local_at", sa.String(32)),
        sa.Column("server_actor", sa.String(64)),
        sa.Column("server_at", sa.String(32)),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("resolution", sa.String(16)),
        sa.Column("detail_json", sa.Text),
        sa.Column("updated_at", sa.String(32), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_conflicts"),
    )
    op.create_index("ix_conflicts_status", "conflicts", ["status"])
    op.create_table(
        "merges",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("entity", sa.String(20), nullable=False),
        sa.Column("from_id", sa.String(36), nullable=False),
        sa.Column("into_id", sa.String(36), nullable=False),
        sa.Column("at", sa.String(32), nullable=False),
        sa.Column("repointed_json", sa.Text, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_merges"),
    )
    op.create_table(
        "sync_runs",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("started_at", sa.String(32), nullable=False),
        sa.Column("finished_at", sa.String(32)),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Column("summary_json", sa.Text, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_sync_runs"),
    )
    op.execute("PRAGMA user_version = 4")


def downgrade() -> None:
    raise NotImplementedError("a counter database is never downgraded; restore a backup instead")

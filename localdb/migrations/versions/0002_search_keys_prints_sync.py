"""Pinyin and Wylie search keys on persons (backfilled for every existing person), printed documents
with their reprint count, sync state, and retry bookkeeping on the outbox for the sync engine.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from localdb.searchkeys import person_keys

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("persons", sa.Column("pinyin_full", sa.String(120)))
    op.add_column("persons", sa.Column("pinyin_initials", sa.String(40)))
    op.add_column("persons", sa.Column("wylie_key", sa.String(160)))
    conn = op.get_bind()
    rows = conn.execute(sa.text("SELECT id, name_zh, name_bo FROM persons")).fetchall()
    update = sa.text(
        "UPDATE persons SET pinyin_full = :pinyin_full, pinyin_initials = :pinyin_initials, "
        "wylie_key = :wylie_key WHERE id = :id"
    )
    batch = []
    for person_id, name_zh, name_bo in rows:
        batch.append({"id": person_id, **person_keys(name_zh, name_bo)})
        if len(batch) >= 5000:
            conn.execute(update, batch)
            batch = []
    if batch:
        conn.execute(update, batch)
    op.create_index("ix_persons_pinyin_full", "persons", ["pinyin_full"])
    op.create_index("ix_persons_pinyin_initials", "persons", ["pinyin_initials"])
    op.create_index("ix_persons_wylie_key", "persons", ["wylie_key"])

    op.create_table(
        "print_records",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("record_id", sa.String(36), nullable=False),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("copy_no", sa.Integer, nullable=False),
        sa.Column("printed_at", sa.String(32), nullable=False),
        sa.Column("printed_by", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_print_records"),
    )
    op.create_index("ix_print_records_record_kind", "print_records", ["record_id", "kind"])
    op.create_table(
        "sync_state",
        sa.Column("key", sa.String(64), nullable=False),
        sa.Column("value", sa.Text, nullable=False),
        sa.Column("updated_at", sa.String(32), nullable=False),
        sa.PrimaryKeyConstraint("key", name="pk_sync_state"),
    )
    op.add_column("outbox", sa.Column("attempts", sa.Integer, nullable=False, server_default="0"))
    op.add_column("outbox", sa.Column("last_error", sa.Text))
    op.execute("PRAGMA user_version = 2")


def downgrade() -> None:
    raise NotImplementedError("a counter database is never downgraded; restore a backup instead")

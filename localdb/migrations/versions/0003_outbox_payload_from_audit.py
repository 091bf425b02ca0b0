"""The outbox stops keeping a second copy of each change: a change's payload is the ``after`` of the
audit event written in the same transaction (``outbox.audit_seq``). Existing changes, synced or not,
are pointed at the audit event that holds their payload byte for byte, and their copy is dropped; a
change no audit event holds verbatim keeps its own ``payload_json``. Nothing is lost: every change
reads back exactly as before (``Reads.outbox_batch``).

The table is rebuilt by copying each row once into its new form (no temporary full copy of the
payloads), so the file grows only by the slim new table; the old pages go to SQLite's free list and
are reused by later writes (``liangxian backup`` makes a compact copy).

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

#: the audit events holding an outbox row's payload verbatim: same entity, same JSON text
_SAME = (
    "SELECT a.seq FROM audit_events a WHERE a.entity_id = o.entity_id AND a.entity = o.entity "
    "AND a.after_json = o.payload_json"
)
#: of several (an unchanged record saved twice: the same content), the last one written before the
#: change was queued, which is the one of its own transaction
_MATCH = f"coalesce(({_SAME} AND a.at <= o.created_at ORDER BY a.seq DESC LIMIT 1), ({_SAME} ORDER BY a.seq LIMIT 1))"
_COPIED = "seq, id, entity, entity_id, op, base_version, created_at, synced_at, attempts, last_error"


def upgrade() -> None:
    op.create_table(
        "_outbox_0003",
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("entity", sa.String(20), nullable=False),
        sa.Column("entity_id", sa.String(36), nullable=False),
        sa.Column("op", sa.String(10), nullable=False),
        sa.Column("base_version", sa.Integer),
        sa.Column("payload_json", sa.Text),
        sa.Column("created_at", sa.String(32), nullable=False),
        sa.Column("synced_at", sa.String(32)),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("last_error", sa.Text),
        sa.Column("audit_seq", sa.Integer),
        sa.PrimaryKeyConstraint("seq", name="pk_outbox"),
        sa.UniqueConstraint("id", name="uq_outbox_id"),
        sa.ForeignKeyConstraint(["audit_seq"], ["audit_events.seq"], name="fk_outbox_audit_seq_audit_events"),
        sa.CheckConstraint("payload_json IS NOT NULL OR audit_seq IS NOT NULL", name="ck_outbox_payload"),
    )
    op.execute(
        f"INSERT INTO _outbox_0003 ({_COPIED}, audit_seq, payload_json) "
        f"SELECT {_COPIED}, audit_seq, CASE WHEN audit_seq IS NULL THEN payload_json END "
        f"FROM (SELECT o.*, {_MATCH} AS audit_seq FROM outbox o) ORDER BY seq"
    )
    op.drop_index("ix_outbox_synced_at", table_name="outbox")
    op.drop_table("outbox")
    op.rename_table("_outbox_0003", "outbox")
    op.create_index("ix_outbox_synced_at", "outbox", ["synced_at"])
    op.execute("PRAGMA user_version = 3")


def downgrade() -> None:
    raise NotImplementedError("a counter database is never downgraded; restore a backup instead")

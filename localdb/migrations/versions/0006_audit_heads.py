"""Signed audit chain heads: each write transaction records the head of the audit chain (the seq and
hash of its last event) with the counter's Ed25519 signature over it, so the chain cannot be
rewritten (hashes recomputed) without the private key in the keyring. Append-only like the events.
Heads are unsigned where no keyring was available; the events before this revision are covered by
the first signed head (its hash chains them all).

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "audit_heads",
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.Column("at", sa.String(32), nullable=False),
        sa.Column("public_key_b64", sa.String(64)),
        sa.Column("signature", sa.String(100)),
        sa.PrimaryKeyConstraint("seq", name="pk_audit_heads"),
        sa.ForeignKeyConstraint(["seq"], ["audit_events.seq"], name="fk_audit_heads_seq_audit_events"),
    )
    op.execute(
        "CREATE TRIGGER audit_heads_no_update BEFORE UPDATE ON audit_heads "
        "BEGIN SELECT RAISE(ABORT, 'audit heads are append-only'); END"
    )
    op.execute(
        "CREATE TRIGGER audit_heads_no_delete BEFORE DELETE ON audit_heads "
        "BEGIN SELECT RAISE(ABORT, 'audit heads are append-only'); END"
    )
    op.execute("PRAGMA user_version = 6")


def downgrade() -> None:
    raise NotImplementedError("a counter database is never downgraded; restore a backup instead")

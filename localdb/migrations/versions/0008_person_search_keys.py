"""Keys a person is found by from inside the name and the ID number (a given name 卓玛, a Wylie
syllable ``sgrol ma``, the last four of the ID number), one row per key, backfilled for every
existing person (``localdb.searchkeys.inner_keys``).

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from localdb.searchkeys import inner_keys

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "person_search_keys",
        sa.Column("key", sa.String(160), nullable=False),
        sa.Column("person_id", sa.String(36), nullable=False),
        sa.PrimaryKeyConstraint("key", "person_id", name="pk_person_search_keys"),
        sqlite_with_rowid=False,  # the key is the table: one b-tree, no second copy
    )
    conn = op.get_bind()
    insert = sa.text("INSERT OR IGNORE INTO person_search_keys (key, person_id) VALUES (:key, :person_id)")
    batch: list[dict[str, str]] = []
    for person_id, name_zh, name_bo, id_number in conn.execute(
        sa.text("SELECT id, name_zh, name_bo, id_number FROM persons")
    ):
        batch += [{"key": k, "person_id": person_id} for k in inner_keys(name_zh, name_bo, id_number)]
        if len(batch) >= 20000:
            conn.execute(insert, batch)
            batch = []
    if batch:
        conn.execute(insert, batch)
    op.execute("PRAGMA user_version = 8")


def downgrade() -> None:
    raise NotImplementedError("a counter database is never downgraded; restore a backup instead")

"""An index for the statistics (issue 12): new registrations by category and county in a period are
counted from ``persons`` by ``(category, county_code, created_at)``. With it SQLite counts a year of
registrations over 1,000,000 persons from the index alone, in index order, without sorting half a
million rows (about 5 times faster; see benchmarks/stats.py).

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_persons_category_county_code_created_at", "persons", ["category", "county_code", "created_at"]
    )
    op.execute("PRAGMA user_version = 5")


def downgrade() -> None:
    raise NotImplementedError("a counter database is never downgraded; restore a backup instead")

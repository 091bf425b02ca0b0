"""The first schema: counties and counters, staff, employers, persons, enrollments, applications with
status history, decisions and documents received, receipt sequences, the hash-chained audit log
(append-only by trigger) and the outbox.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

UID = sa.String(36)
TS = sa.String(32)


def upgrade() -> None:
    op.create_table(
        "counties",
        sa.Column("code", sa.String(6), primary_key=True),
        sa.Column("name_zh", sa.String(40), nullable=False),
        sa.Column("name_bo", sa.String(80)),
        sa.Column("region", sa.String(20), nullable=False),
        sa.PrimaryKeyConstraint("code", name="pk_counties"),
    )
    op.create_table(
        "counters",
        sa.Column("id", UID, nullable=False),
        sa.Column("county_code", sa.String(6), nullable=False),
        sa.Column("counter_no", sa.Integer, nullable=False),
        sa.Column("public_key_b64", sa.String(64)),
        sa.Column("created_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_counters"),
        sa.ForeignKeyConstraint(["county_code"], ["counties.code"], name="fk_counters_county_code_counties"),
        sa.UniqueConstraint("county_code", "counter_no", name="uq_counters_county_code_counter_no"),
    )
    op.create_table(
        "settings",
        sa.Column("key", sa.String(64), nullable=False),
        sa.Column("value", sa.Text, nullable=False),
        sa.PrimaryKeyConstraint("key", name="pk_settings"),
    )
    op.create_table(
        "users",
        sa.Column("id", UID, nullable=False),
        sa.Column("username", sa.String(64), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("password_hash", sa.String(200)),
        sa.Column("active", sa.Boolean, nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_users"),
        sa.UniqueConstraint("username", name="uq_users_username"),
    )
    op.create_table(
        "employers",
        sa.Column("id", UID, nullable=False),
        sa.Column("uscc", sa.String(18), nullable=False),
        sa.Column("name_zh", sa.String(100), nullable=False),
        sa.Column("name_bo", sa.String(200)),
        sa.Column("county_code", sa.String(6), nullable=False),
        sa.Column("rate_class", sa.String(20), nullable=False),
        sa.Column("avg_monthly_wage", sa.String(24)),
        sa.Column("contact_phone", sa.String(20)),
        sa.Column("uscc_override_reason", sa.Text),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_employers"),
        sa.UniqueConstraint("uscc", name="uq_employers_uscc"),
    )
    op.create_index("ix_employers_name_zh", "employers", ["name_zh"])
    op.create_table(
        "persons",
        sa.Column("id", UID, nullable=False),
        sa.Column("id_number", sa.String(18), nullable=False),
        sa.Column("name_zh", sa.String(40), nullable=False),
        sa.Column("name_bo", sa.String(80)),
        sa.Column("sex", sa.String(6), nullable=False),
        sa.Column("birth_date", sa.Date, nullable=False),
        sa.Column("ethnicity", sa.String(2), nullable=False),
        sa.Column("phone", sa.String(20)),
        sa.Column("county_code", sa.String(6), nullable=False),
        sa.Column("category", sa.String(16), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_persons"),
        sa.UniqueConstraint("id_number", name="uq_persons_id_number"),
    )
    op.create_index("ix_persons_name_zh", "persons", ["name_zh"])
    op.create_index("ix_persons_name_bo", "persons", ["name_bo"])
    op.create_table(
        "enrollments",
        sa.Column("id", UID, nullable=False),
        sa.Column("person_id", UID, nullable=False),
        sa.Column("employer_id", UID),
        sa.Column("category", sa.String(16), nullable=False),
        sa.Column("maternity_coverage", sa.Boolean, nullable=False),
        sa.Column("contribution_base", sa.String(24)),
        sa.Column("flexible_scheme", sa.String(20)),
        sa.Column("insured_since", sa.Date, nullable=False),
        sa.Column("ended_on", sa.Date),
        sa.PrimaryKeyConstraint("id", name="pk_enrollments"),
        sa.ForeignKeyConstraint(["person_id"], ["persons.id"], name="fk_enrollments_person_id_persons"),
        sa.ForeignKeyConstraint(
            ["employer_id"], ["employers.id"], name="fk_enrollments_employer_id_employers"
        ),
    )
    op.create_index("ix_enrollments_person_id", "enrollments", ["person_id"])
    op.create_index("ix_enrollments_employer_id", "enrollments", ["employer_id"])
    op.create_table(
        "applications",
        sa.Column("id", UID, nullable=False),
        sa.Column("receipt_no", sa.String(32), nullable=False),
        sa.Column("person_id", UID, nullable=False),
        sa.Column("claim_type", sa.String(16), nullable=False),
        sa.Column("event", sa.String(16), nullable=False),
        sa.Column("event_date", sa.Date, nullable=False),
        sa.Column("form_json", sa.Text, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_applications"),
        sa.UniqueConstraint("receipt_no", name="uq_applications_receipt_no"),
        sa.ForeignKeyConstraint(["person_id"], ["persons.id"], name="fk_applications_person_id_persons"),
    )
    op.create_index("ix_applications_person_id", "applications", ["person_id"])
    op.create_index("ix_applications_status", "applications", ["status"])
    for name, columns in (
        (
            "status_changes",
            [
                sa.Column("from_status", sa.String(16)),
                sa.Column("to_status", sa.String(16), nullable=False),
                sa.Column("at", TS, nullable=False),
                sa.Column("by", sa.String(64), nullable=False),
                sa.Column("note", sa.Text),
            ],
        ),
        (
            "decisions",
            [
                sa.Column("decided_at", TS, nullable=False),
                sa.Column("rule_version", sa.String(64), nullable=False),
                sa.Column("eligible", sa.Boolean, nullable=False),
                sa.Column("allowance", sa.String(24), nullable=False),
                sa.Column("decision_json", sa.Text, nullable=False),
            ],
        ),
        (
            "documents_received",
            [
                sa.Column("code", sa.String(40), nullable=False),
                sa.Column("received_at", TS, nullable=False),
                sa.Column("received_by", sa.String(64), nullable=False),
            ],
        ),
    ):
        op.create_table(
            name,
            sa.Column("id", UID, nullable=False),
            sa.Column("application_id", UID, nullable=False),
            *columns,
            sa.PrimaryKeyConstraint("id", name=f"pk_{name}"),
            sa.ForeignKeyConstraint(
                ["application_id"], ["applications.id"], name=f"fk_{name}_application_id_applications"
            ),
        )
        op.create_index(f"ix_{name}_application_id", name, ["application_id"])
    op.create_table(
        "receipt_sequences",
        sa.Column("counter_id", UID, nullable=False),
        sa.Column("day", sa.String(8), nullable=False),
        sa.Column("last", sa.Integer, nullable=False),
        sa.PrimaryKeyConstraint("counter_id", "day", name="pk_receipt_sequences"),
        sa.ForeignKeyConstraint(
            ["counter_id"], ["counters.id"], name="fk_receipt_sequences_counter_id_counters"
        ),
    )
    op.create_table(
        "audit_events",
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("id", UID, nullable=False),
        sa.Column("at", TS, nullable=False),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("action", sa.String(40), nullable=False),
        sa.Column("entity", sa.String(20), nullable=False),
        sa.Column("entity_id", sa.String(36), nullable=False),
        sa.Column("before_json", sa.Text),
        sa.Column("after_json", sa.Text),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("seq", name="pk_audit_events"),
        sa.UniqueConstraint("id", name="uq_audit_events_id"),
    )
    op.create_index("ix_audit_events_entity_id", "audit_events", ["entity_id"])
    # Append-only: the database itself refuses to edit or delete an audit event.
    op.execute(
        "CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events "
        "BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END"
    )
    op.execute(
        "CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events "
        "BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END"
    )
    op.create_table(
        "outbox",
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("id", UID, nullable=False),
        sa.Column("entity", sa.String(20), nullable=False),
        sa.Column("entity_id", sa.String(36), nullable=False),
        sa.Column("op", sa.String(10), nullable=False),
        sa.Column("base_version", sa.Integer),
        sa.Column("payload_json", sa.Text, nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("synced_at", TS),
        sa.PrimaryKeyConstraint("seq", name="pk_outbox"),
        sa.UniqueConstraint("id", name="uq_outbox_id"),
    )
    op.create_index("ix_outbox_synced_at", "outbox", ["synced_at"])
    op.execute("PRAGMA user_version = 1")


def downgrade() -> None:
    raise NotImplementedError("a counter database is never downgraded; restore a backup instead")

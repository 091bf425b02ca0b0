"""What the statistics group and sum by, as columns of ``applications`` (issue 26): the category on
the form, the intake day, the medical amount, the step that closed the application (approved /
rejected / withdrawn: to, day, by, note), the day it was paid, the latest decision's allowance and day
counts. The statistics read them from one covering index instead of joining three tables and parsing
two JSON documents per application (a year of 200,000 applications: several seconds → well under
one). ``decisions`` gets the day counts of its JSON as columns.

They are written in the same transaction as the JSON they come from: the code writes the form's and
the decision's (``localdb.records.application_stats`` / ``decision_days``, where it writes the JSON;
SQLite runs no JSON function in a trigger of an untrusted schema), and triggers copy the closing and
paid steps and the latest decision onto the application on every insert, update and delete of a
status change or a decision, whichever way it is written (the service, the sync's apply, a
restore), and keep the intake day that of the intake time. Existing rows are filled here. Dates are business dates (Asia/Shanghai, UTC+8 since 1991).

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

COLUMNS = (
    sa.Column("stat_category", sa.String(16)),
    sa.Column("stat_received_on", sa.String(10)),
    sa.Column("stat_closed_to", sa.String(16)),
    sa.Column("stat_closed_on", sa.String(10)),
    sa.Column("stat_closed_by", sa.String(64)),
    sa.Column("stat_closed_note", sa.Text),
    sa.Column("stat_paid_on", sa.String(10)),
    sa.Column("stat_allowance", sa.String(24)),
    sa.Column("stat_allowance_days", sa.Integer),
    sa.Column("stat_leave_days", sa.Integer),
    sa.Column("stat_medical_amount", sa.String(24)),
    sa.Column("stat_decided_at", sa.String(32)),
)
#: the statistics' one SELECT (localdb/stats.py) reads only this index: the period bounds first
INDEX_COLUMNS = [
    "created_at",
    "stat_closed_on",
    "stat_paid_on",
    "id",
    "receipt_no",
    "person_id",
    "created_by",
    "stat_category",
    "claim_type",
    "event",
    "stat_received_on",
    "status",
    "stat_closed_to",
    "stat_closed_by",
    "stat_closed_note",
    "stat_allowance",
    "stat_allowance_days",
    "stat_leave_days",
    "stat_medical_amount",
]

DECISION_COLUMNS = (sa.Column("allowance_days", sa.Integer), sa.Column("leave_days", sa.Integer))

# {app} is the application's id (NEW.application_id, OLD.application_id, or applications.id to fill)
STEP_STATS = """UPDATE applications SET
  (stat_closed_to, stat_closed_on, stat_closed_by, stat_closed_note) = (
    SELECT c.to_status, date(c.at, '+8 hours'), c.by, c.note FROM status_changes c
    WHERE c.application_id = {app} AND c.to_status IN ('approved', 'rejected', 'withdrawn')
    ORDER BY c.at, c.id LIMIT 1),
  stat_paid_on = (
    SELECT date(c.at, '+8 hours') FROM status_changes c
    WHERE c.application_id = {app} AND c.to_status = 'paid' ORDER BY c.at, c.id LIMIT 1)
WHERE id = {app}"""
DECISION_STATS = """UPDATE applications SET
  (stat_allowance, stat_allowance_days, stat_leave_days, stat_decided_at) = (
    SELECT d.allowance, d.allowance_days, d.leave_days, d.decided_at FROM decisions d
    WHERE d.application_id = {app} ORDER BY d.decided_at DESC, d.id DESC LIMIT 1)
WHERE id = {app}"""
STEPS = "('approved', 'rejected', 'withdrawn', 'paid')"
# filling the rows written before (outside a trigger, where JSON functions may run)
FILL_FORM = """UPDATE applications SET
  stat_category = CASE WHEN json_valid(form_json) THEN json_extract(form_json, '$.category') END,
  stat_received_on = date(created_at, '+8 hours'),
  stat_medical_amount = CASE WHEN claim_type = 'medical' AND json_valid(form_json)
                             THEN CAST(json_extract(form_json, '$.medical_amount') AS TEXT) END"""
FILL_DECISIONS = """UPDATE decisions SET
  allowance_days = CASE WHEN json_valid(decision_json) THEN json_extract(decision_json, '$.allowance_days') END,
  leave_days = CASE WHEN json_valid(decision_json) THEN json_extract(decision_json, '$.leave_days') END"""


def _trigger(name: str, event: str, statements: list[str], when: str = "") -> str:
    body = "".join(f"  {s};\n" for s in statements)
    return f"CREATE TRIGGER {name} AFTER {event}{(' WHEN ' + when) if when else ''}\nBEGIN\n{body}END"


RECEIVED_STATS = (
    "UPDATE applications SET stat_received_on = date(NEW.created_at, '+8 hours') WHERE id = NEW.id"
)
RECEIVED_WRONG = "NEW.stat_received_on IS NOT date(NEW.created_at, '+8 hours')"

TRIGGERS = [
    # the code writes the intake day with the row; an insert without it, or a changed intake time
    # (or the day itself), gets it from the intake time
    _trigger("applications_stats_insert", "INSERT ON applications", [RECEIVED_STATS], RECEIVED_WRONG),
    _trigger(
        "applications_stats_update",
        "UPDATE OF created_at, stat_received_on ON applications",
        [RECEIVED_STATS],
        RECEIVED_WRONG,
    ),
    _trigger(
        "status_changes_stats_insert",
        "INSERT ON status_changes",
        [STEP_STATS.format(app="NEW.application_id")],
        f"NEW.to_status IN {STEPS}",
    ),
    _trigger(
        "status_changes_stats_delete",
        "DELETE ON status_changes",
        [STEP_STATS.format(app="OLD.application_id")],
        f"OLD.to_status IN {STEPS}",
    ),
    _trigger(
        "status_changes_stats_update",
        "UPDATE ON status_changes",
        [STEP_STATS.format(app="OLD.application_id"), STEP_STATS.format(app="NEW.application_id")],
    ),
    _trigger(
        "decisions_stats_insert", "INSERT ON decisions", [DECISION_STATS.format(app="NEW.application_id")]
    ),
    _trigger(
        "decisions_stats_delete", "DELETE ON decisions", [DECISION_STATS.format(app="OLD.application_id")]
    ),
    _trigger(
        "decisions_stats_update",
        "UPDATE ON decisions",
        [DECISION_STATS.format(app="OLD.application_id"), DECISION_STATS.format(app="NEW.application_id")],
    ),
]


def upgrade() -> None:
    for column in COLUMNS:
        op.add_column("applications", column)
    for column in DECISION_COLUMNS:
        op.add_column("decisions", column)
    op.execute(FILL_FORM)
    op.execute(FILL_DECISIONS)
    for sql in (STEP_STATS, DECISION_STATS):
        op.execute(sql.format(app="applications.id").removesuffix("\nWHERE id = applications.id"))
    for sql in TRIGGERS:
        op.execute(sql)
    op.create_index("ix_applications_stats", "applications", INDEX_COLUMNS)
    op.execute("PRAGMA user_version = 9")


def downgrade() -> None:
    raise NotImplementedError("a counter database is never downgraded; restore a backup instead")

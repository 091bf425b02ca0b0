"""The tables of the counter's database as SQLAlchemy 2 typed models (the latest schema; the
migrations in ``localdb/migrations`` build the same tables step by step, and a test compares them).

Every record id is a client-made UUIDv7 string (time-ordered, made offline). Dates are ISO dates,
timestamps are ISO-8601 UTC strings (``2026-11-28T06:30:00.123456Z``: they sort and hash the same on
every machine), money is a ``Decimal`` kept as its exact text (``"1234.50"``).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, ClassVar

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Money(TypeDecorator[Decimal]):
    """Yuan as exact text: SQLite has no decimal type and floats cannot carry an amount."""

    impl = String(24)
    cache_ok = True

    def process_bind_param(self, value: Decimal | str | int | None, dialect: Dialect) -> str | None:
        return None if value is None else format(Decimal(value), "f")

    def process_result_value(self, value: Any | None, dialect: Dialect) -> Decimal | None:
        return None if value is None else Decimal(value)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    # every model is mapped to a Table (DeclarativeBase types it as any FromClause): the write paths
    # insert through ``Model.__table__.insert()`` with plain Core
    __table__: ClassVar[Table]


Uid = String(36)


class County(Base):
    """Counties (区县, GB/T 2260 code) served by this database."""

    __tablename__ = "counties"
    code: Mapped[str] = mapped_column(String(6), primary_key=True)
    name_zh: Mapped[str] = mapped_column(String(40))
    name_bo: Mapped[str | None] = mapped_column(String(80))
    region: Mapped[str] = mapped_column(String(20))


class Counter(Base):
    """A counter (窗口): the county code and counter number make receipt numbers unique offline."""

    __tablename__ = "counters"
    __table_args__ = (UniqueConstraint("county_code", "counter_no"),)
    id: Mapped[str] = mapped_column(Uid, primary_key=True)
    county_code: Mapped[str] = mapped_column(ForeignKey("counties.code"))
    counter_no: Mapped[int] = mapped_column(Integer)
    public_key_b64: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[str] = mapped_column(String(32))


class Setting(Base):
    """Key/value facts of this database: region, this counter's id, the audit chain head."""

    __tablename__ = "settings"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class User(Base):
    """Staff (经办人员): clerk, reviewer, admin (supervisor)."""

    __tablename__ = "users"
    id: Mapped[str] = mapped_column(Uid, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[str] = mapped_column(String(16))
    password_hash: Mapped[str | None] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[str] = mapped_column(String(32))


class Employer(Base):
    """An employer (用人单位) by its unified social credit code."""

    __tablename__ = "employers"
    id: Mapped[str] = mapped_column(Uid, primary_key=True)
    uscc: Mapped[str] = mapped_column(String(18), unique=True)
    name_zh: Mapped[str] = mapped_column(String(100), index=True)
    name_bo: Mapped[str | None] = mapped_column(String(200))
    county_code: Mapped[str] = mapped_column(String(6))
    rate_class: Mapped[str] = mapped_column(String(20))
    avg_monthly_wage: Mapped[Decimal | None] = mapped_column(Money)
    contact_phone: Mapped[str | None] = mapped_column(String(20))
    uscc_override_reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[str] = mapped_column(String(32))
    updated_at: Mapped[str] = mapped_column(String(32))
    version: Mapped[int] = mapped_column(Integer, default=1)


class Person(Base):
    """An insured person (参保人员). Matched by ID number, never by name.

    ``pinyin_full``, ``pinyin_initials`` and ``wylie_key`` are search keys the service layer keeps up
    to date (schema revision 0002)."""

    __tablename__ = "persons"
    # new registrations by category and county in a period (statistics; schema revision 0005)
    __table_args__ = (
        Index("ix_persons_category_county_code_created_at", "category", "county_code", "created_at"),
    )
    id: Mapped[str] = mapped_column(Uid, primary_key=True)
    id_number: Mapped[str] = mapped_column(String(18), unique=True)
    name_zh: Mapped[str] = mapped_column(String(40), index=True)
    name_bo: Mapped[str | None] = mapped_column(String(80), index=True)
    sex: Mapped[str] = mapped_column(String(6))
    birth_date: Mapped[dt.date] = mapped_column(Date)
    ethnicity: Mapped[str] = mapped_column(String(2))
    phone: Mapped[str | None] = mapped_column(String(20))
    county_code: Mapped[str] = mapped_column(String(6))
    category: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[str] = mapped_column(String(32))
    updated_at: Mapped[str] = mapped_column(String(32))
    version: Mapped[int] = mapped_column(Integer, default=1)
    pinyin_full: Mapped[str | None] = mapped_column(String(120), index=True)
    pinyin_initials: Mapped[str | None] = mapped_column(String(40), index=True)
    wylie_key: Mapped[str | None] = mapped_column(String(160), index=True)


class PersonSearchKey(Base):
    """A key a person is also found by from inside the name or the ID number (a given name, a Wylie
    or pinyin syllable, ``#`` + the last four of the ID number): ``localdb.searchkeys.inner_keys``,
    kept by the service layer with the person (schema revision 0008). Derived, never synced."""

    __tablename__ = "person_search_keys"
    __table_args__ = ({"sqlite_with_rowid": False},)  # the key is the table: one b-tree, no copy
    key: Mapped[str] = mapped_column(String(160), primary_key=True)
    person_id: Mapped[str] = mapped_column(Uid, primary_key=True)


class Enrollment(Base):
    """One enrollment (参保登记) in employee medical insurance, which carries maternity coverage
    after the merger for in-service employees."""

    __tablename__ = "enrollments"
    id: Mapped[str] = mapped_column(Uid, primary_key=True)
    person_id: Mapped[str] = mapped_column(ForeignKey("persons.id"), index=True)
    employer_id: Mapped[str | None] = mapped_column(ForeignKey("employers.id"), index=True)
    category: Mapped[str] = mapped_column(String(16))
    maternity_coverage: Mapped[bool] = mapped_column(Boolean)
    contribution_base: Mapped[Decimal | None] = mapped_column(Money)
    flexible_scheme: Mapped[str | None] = mapped_column(String(20))
    insured_since: Mapped[dt.date] = mapped_column(Date)
    ended_on: Mapped[dt.date | None] = mapped_column(Date)
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")  # schema 0004
    updated_at: Mapped[str | None] = mapped_column(String(32))


class Application(Base):
    """An application (申请): maternity allowance (生育津贴) or medical-cost claim (生育医疗费用)."""

    __tablename__ = "applications"
    id: Mapped[str] = mapped_column(Uid, primary_key=True)
    receipt_no: Mapped[str] = mapped_column(String(32), unique=True)
    person_id: Mapped[str] = mapped_column(ForeignKey("persons.id"), index=True)
    claim_type: Mapped[str] = mapped_column(String(16))
    event: Mapped[str] = mapped_column(String(16))
    event_date: Mapped[dt.date] = mapped_column(Date)
    form_json: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), index=True)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[str] = mapped_column(String(32))
    updated_at: Mapped[str] = mapped_column(String(32))
    version: Mapped[int] = mapped_column(Integer, default=1)
    # what the statistics group and sum by (localdb/stats.py), derived from the form, the status
    # changes and the latest decision by the triggers of migration 0009 (never written by the code)
    stat_category: Mapped[str | None] = mapped_column(String(16))
    stat_received_on: Mapped[str | None] = mapped_column(String(10))
    stat_closed_to: Mapped[str | None] = mapped_column(String(16))
    stat_closed_on: Mapped[str | None] = mapped_column(String(10))
    stat_closed_by: Mapped[str | None] = mapped_column(String(64))
    stat_closed_note: Mapped[str | None] = mapped_column(Text)
    stat_paid_on: Mapped[str | None] = mapped_column(String(10))
    stat_allowance: Mapped[str | None] = mapped_column(String(24))
    stat_allowance_days: Mapped[int | None] = mapped_column(Integer)
    stat_leave_days: Mapped[int | None] = mapped_column(Integer)
    stat_medical_amount: Mapped[str | None] = mapped_column(String(24))
    stat_decided_at: Mapped[str | None] = mapped_column(String(32))
    __table_args__ = (
        Index(
            "ix_applications_stats",
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
        ),
    )


class StatusChange(Base):
    """One step of an application's status history."""

    __tablename__ = "status_changes"
    id: Mapped[str] = mapped_column(Uid, primary_key=True)
    application_id: Mapped[str] = mapped_column(ForeignKey("applications.id"), index=True)
    from_status: Mapped[str | None] = mapped_column(String(16))
    to_status: Mapped[str] = mapped_column(String(16))
    at: Mapped[str] = mapped_column(String(32))
    by: Mapped[str] = mapped_column(String(64))
    note: Mapped[str | None] = mapped_column(Text)


class Decision(Base):
    """The entitlement decision as computed (forms.entitlement) and the rule version used."""

    __tablename__ = "decisions"
    id: Mapped[str] = mapped_column(Uid, primary_key=True)
    application_id: Mapped[str] = mapped_column(ForeignKey("applications.id"), index=True)
    decided_at: Mapped[str] = mapped_column(String(32))
    rule_version: Mapped[str] = mapped_column(String(64))
    eligible: Mapped[bool] = mapped_column(Boolean)
    allowance: Mapped[Decimal] = mapped_column(Money)
    allowance_days: Mapped[int | None] = mapped_column(Integer)  # of decision_json (schema 0009)
    leave_days: Mapped[int | None] = mapped_column(Integer)
    decision_json: Mapped[str] = mapped_column(Text)


class DocumentReceived(Base):
    """A document taken in at the counter (checklist code from the policy pack)."""

    __tablename__ = "documents_received"
    id: Mapped[str] = mapped_column(Uid, primary_key=True)
    application_id: Mapped[str] = mapped_column(ForeignKey("applications.id"), index=True)
    code: Mapped[str] = mapped_column(String(40))
    received_at: Mapped[str] = mapped_column(String(32))
    received_by: Mapped[str] = mapped_column(String(64))


class ReceiptSequence(Base):
    """The daily receipt sequence of a counter, advanced inside the write transaction."""

    __tablename__ = "receipt_sequences"
    counter_id: Mapped[str] = mapped_column(ForeignKey("counters.id"), primary_key=True)
    day: Mapped[str] = mapped_column(String(8), primary_key=True)
    last: Mapped[int] = mapped_column(Integer)


class PrintRecord(Base):
    """A printed document: what, when, by whom; ``copy_no`` 0 is the first print, >0 a reprint (补打).
    A saved PDF (电子副本) is recorded under its copy kind, ``<kind>.pdf_copy``, numbered apart, so it
    never counts as the original nor as a reprint (``liangxian.printjobs``). Schema revision 0002."""

    __tablename__ = "print_records"
    __table_args__ = (Index("ix_print_records_record_kind", "record_id", "kind"),)
    id: Mapped[str] = mapped_column(Uid, primary_key=True)
    record_id: Mapped[str] = mapped_column(String(36))
    kind: Mapped[str] = mapped_column(String(40))
    copy_no: Mapped[int] = mapped_column(Integer)
    printed_at: Mapped[str] = mapped_column(String(32))
    printed_by: Mapped[str] = mapped_column(String(64))


class AuditEvent(Base):
    """Append-only, hash-chained audit log: each event carries the hash of the one before it.
    Triggers refuse UPDATE and DELETE."""

    __tablename__ = "audit_events"
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    id: Mapped[str] = mapped_column(Uid, unique=True)
    at: Mapped[str] = mapped_column(String(32))
    actor: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(40))
    entity: Mapped[str] = mapped_column(String(20))
    entity_id: Mapped[str] = mapped_column(String(36), index=True)
    before_json: Mapped[str | None] = mapped_column(Text)
    after_json: Mapped[str | None] = mapped_column(Text)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class AuditHead(Base):
    """A signed head of the audit chain (schema revision 0006): the seq and hash of the last event of
    one write transaction, signed with the counter's Ed25519 key (``public_key_b64`` names it;
    both NULL when no keyring was available). Append-only (triggers)."""

    __tablename__ = "audit_heads"
    seq: Mapped[int] = mapped_column(ForeignKey("audit_events.seq"), primary_key=True)
    hash: Mapped[str] = mapped_column(String(64))
    at: Mapped[str] = mapped_column(String(32))
    public_key_b64: Mapped[str | None] = mapped_column(String(64))
    signature: Mapped[str | None] = mapped_column(String(100))


class OutboxChange(Base):
    """A change waiting to be sent to the central server (sync/ reads and marks these).

    Its payload is the ``after`` of the audit event ``audit_seq`` written in the same transaction
    (schema revision 0003: not a second copy of the same JSON). ``payload_json`` is only set on
    changes queued before 0003 that no audit event holds verbatim; one of the two is always there."""

    __tablename__ = "outbox"
    __table_args__ = (
        CheckConstraint("payload_json IS NOT NULL OR audit_seq IS NOT NULL", name="ck_outbox_payload"),
    )
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    id: Mapped[str] = mapped_column(Uid, unique=True)
    entity: Mapped[str] = mapped_column(String(20))
    entity_id: Mapped[str] = mapped_column(String(36))
    op: Mapped[str] = mapped_column(String(10))
    base_version: Mapped[int | None] = mapped_column(Integer)
    payload_json: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[str] = mapped_column(String(32))
    synced_at: Mapped[str | None] = mapped_column(String(32), index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    last_error: Mapped[str | None] = mapped_column(Text)
    audit_seq: Mapped[int | None] = mapped_column(ForeignKey("audit_events.seq"))
    #: the fields an update changed, as a JSON list (schema 0004; NULL for creates)
    changed_json: Mapped[str | None] = mapped_column(Text)
    #: the server refused the change for good (its answer is in ``last_error``): not sent again
    rejected_at: Mapped[str | None] = mapped_column(String(32))


class SyncState(Base):
    """Where sync stands (last pushed / pulled positions, server id). Schema revision 0002."""

    __tablename__ = "sync_state"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[str] = mapped_column(String(32))


class Conflict(Base):
    """A conflict item from the central server (schema 0004): the same field changed on two sides, a
    duplicate application, or an ID number another county holds. Both values are kept; a reviewer or
    admin resolves it."""

    __tablename__ = "conflicts"
    id: Mapped[str] = mapped_column(Uid, primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    entity: Mapped[str] = mapped_column(String(20))
    entity_id: Mapped[str] = mapped_column(String(36))
    field: Mapped[str | None] = mapped_column(String(40))
    local_value: Mapped[str | None] = mapped_column(Text)
    server_value: Mapped[str | None] = mapped_column(Text)
    local_actor: Mapped[str | None] = mapped_column(String(64))
    local_at: Mapped[str | None] = mapped_column(String(32))
    server_actor: Mapped[str | None] = mapped_column(String(64))
    server_at: Mapped[str | None] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16), index=True)
    resolution: Mapped[str | None] = mapped_column(String(16))
    detail_json: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[str] = mapped_column(String(32))


class Merge(Base):
    """A duplicate record the server merged into another (schema 0004), with what was repointed."""

    __tablename__ = "merges"
    id: Mapped[str] = mapped_column(Uid, primary_key=True)
    entity: Mapped[str] = mapped_column(String(20))
    from_id: Mapped[str] = mapped_column(String(36))
    into_id: Mapped[str] = mapped_column(String(36))
    at: Mapped[str] = mapped_column(String(32))
    repointed_json: Mapped[str] = mapped_column(Text)


class SyncRun(Base):
    """One sync with the central server (schema 0004): when, how it ended, its counts."""

    __tablename__ = "sync_runs"
    id: Mapped[str] = mapped_column(Uid, primary_key=True)
    started_at: Mapped[str] = mapped_column(String(32))
    finished_at: Mapped[str | None] = mapped_column(String(32))
    outcome: Mapped[str] = mapped_column(String(16))
    summary_json: Mapped[str] = mapped_column(Text)


class Draft(Base):
    """A half-filled form (草稿) of one user (schema 0007): its raw values as typed, kept until the
    form is saved. Local only, never synced; read back by the same user alone."""

    __tablename__ = "drafts"
    username: Mapped[str] = mapped_column(String(64), primary_key=True)
    form: Mapped[str] = mapped_column(String(40), primary_key=True)
    data_json: Mapped[str] = mapped_column(Text)
    saved_at: Mapped[str] = mapped_column(String(32))

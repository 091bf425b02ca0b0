"""The central server's tables (SQLAlchemy 2). Migrations: ``central/migrations``.

Distribution (docs/scaling.md): every table has ``county_code`` in its primary key — the Citus
distribution column — except the reference tables in ``REFERENCE_TABLES``: the server itself, the
counties, the bearer credentials (looked up by token hash before the county is known) and
``id_registry``, the region-wide uniqueness of the resident ID number, keyed by the number.

Records are stored with their key columns typed (ids, county, version, server_seq and, where they
exist, id_number, status, claim_type, event, event_date, allowance) plus the full record as JSON
(``data``) — the JSON is what pull sends; the typed columns are what the server queries.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Final

from sqlalchemy import Boolean, Date, DateTime, Index, Integer, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

ID = String(64)
COUNTY = String(6)


class Base(DeclarativeBase):
    pass


# --- reference tables (no county_code in the key) ----------------------------------------------------


class ServerInfo(Base):
    """One row: which server this is and the region it serves."""

    __tablename__ = "server_info"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    server_id: Mapped[str] = mapped_column(ID)
    region: Mapped[str] = mapped_column(String(32))
    box_public_key_b64: Mapped[str] = mapped_column(String(64))
    box_private_key_b64: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class County(Base):
    __tablename__ = "counties"
    code: Mapped[str] = mapped_column(COUNTY, primary_key=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class Credential(Base):
    """A counter's bearer token: only its SHA-256 is kept."""

    __tablename__ = "credentials"
    token_sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    county_code: Mapped[str] = mapped_column(COUNTY)
    counter_no: Mapped[int] = mapped_column(Integer)
    issued_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class IdRegistry(Base):
    """Region-wide: which county (and which person) holds a resident ID number."""

    __tablename__ = "id_registry"
    id_number: Mapped[str] = mapped_column(String(18), primary_key=True)
    county_code: Mapped[str] = mapped_column(COUNTY)
    person_id: Mapped[str] = mapped_column(ID)


REFERENCE_TABLES: Final = frozenset(
    {"server_info", "counties", "credentials", "id_registry", "alembic_version"}
)


# --- per-county tables -------------------------------------------------------------------------------


class CountyState(Base):
    """The county's write sequence: ``server_seq`` of every record written in the county comes from
    here, under the county's write lock, so seq order is commit order."""

    __tablename__ = "county_state"
    county_code: Mapped[str] = mapped_column(COUNTY, primary_key=True)
    last_seq: Mapped[int] = mapped_column(Integer, default=0)


class Counter(Base):
    """A counter (device) of a county, its enrolled key and the server's view of its audit chain."""

    __tablename__ = "counters"
    county_code: Mapped[str] = mapped_column(COUNTY, primary_key=True)
    counter_no: Mapped[int] = mapped_column(Integer, primary_key=True)
    device_id: Mapped[str | None] = mapped_column(ID)
    public_key_b64: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    enrolled_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    ack_epoch: Mapped[int | None] = mapped_column(Integer)
    ack_seq: Mapped[int | None] = mapped_column(Integer)
    ack_hash: Mapped[str | None] = mapped_column(String(128))
    ack_prev_hash: Mapped[str | None] = mapped_column(String(128))


class EnrollmentCode(Base):
    __tablename__ = "enrollment_codes"
    county_code: Mapped[str] = mapped_column(COUNTY, primary_key=True)
    code_sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    counter_no: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    used_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class ReceiptMark(Base):
    """Per counter and day (YYYYMMDD), the highest receipt sequence number the server has seen."""

    __tablename__ = "receipt_marks"
    county_code: Mapped[str] = mapped_column(COUNTY, primary_key=True)
    counter_no: Mapped[int] = mapped_column(Integer, primary_key=True)
    day: Mapped[str] = mapped_column(String(8), primary_key=True)
    last_seq: Mapped[int] = mapped_column(Integer)


class ProcessedChange(Base):
    """Idempotency: the answer given to a change id, returned again when it comes back."""

    __tablename__ = "processed_changes"
    county_code: Mapped[str] = mapped_column(COUNTY, primary_key=True)
    change_id: Mapped[str] = mapped_column(ID, primary_key=True)
    counter_no: Mapped[int] = mapped_column(Integer)
    answer: Mapped[str] = mapped_column(Text)
    processed_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class FieldVersion(Base):
    """Which record version last changed each field, by which counter and actor: drives merge vs
    conflict (a field changed on the server after a change's base version by another counter)."""

    __tablename__ = "field_versions"
    county_code: Mapped[str] = mapped_column(COUNTY, primary_key=True)
    entity: Mapped[str] = mapped_column(String(16), primary_key=True)
    entity_id: Mapped[str] = mapped_column(ID, primary_key=True)
    field: Mapped[str] = mapped_column(String(64), primary_key=True)
    version: Mapped[int] = mapped_column(Integer)
    device_id: Mapped[str | None] = mapped_column(ID)
    actor: Mapped[str | None] = mapped_column(String(128))
    at: Mapped[str | None] = mapped_column(String(40))


class Alias(Base):
    """A duplicate record's id (a person or employer registered twice) → the record it was merged into."""

    __tablename__ = "aliases"
    county_code: Mapped[str] = mapped_column(COUNTY, primary_key=True)
    alias_id: Mapped[str] = mapped_column(ID, primary_key=True)
    entity: Mapped[str] = mapped_column(String(16))
    target_id: Mapped[str] = mapped_column(ID)


class StaffUser(Base):
    """A staff user of a county, pulled by its counters (entity ``user``) with the argon2 hash."""

    __tablename__ = "users"
    __table_args__ = (
        UniqueConstraint("county_code", "username"),
        Index("ix_users_seq", "county_code", "server_seq"),
    )
    county_code: Mapped[str] = mapped_column(COUNTY, primary_key=True)
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    username: Mapped[str] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(16))
    password_hash: Mapped[str | None] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    version: Mapped[int] = mapped_column(Integer)
    server_seq: Mapped[int] = mapped_column(Integer)


class _Record:
    """Columns every synced record has."""

    county_code: Mapped[str] = mapped_column(COUNTY, primary_key=True)
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    version: Mapped[int] = mapped_column(Integer)
    server_seq: Mapped[int] = mapped_column(Integer)
    data: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class Employer(_Record, Base):
    __tablename__ = "employers"
    __table_args__ = (Index("ix_employers_seq", "county_code", "server_seq"),)
    uscc: Mapped[str | None] = mapped_column(String(18))
    merged_into: Mapped[str | None] = mapped_column(ID)


class Person(_Record, Base):
    __tablename__ = "persons"
    __table_args__ = (
        Index("ix_persons_seq", "county_code", "server_seq"),
        Index("ix_persons_id_number", "county_code", "id_number"),
    )
    id_number: Mapped[str | None] = mapped_column(String(18))
    merged_into: Mapped[str | None] = mapped_column(ID)


class Enrollment(_Record, Base):
    __tablename__ = "enrollments"
    __table_args__ = (Index("ix_enrollments_seq", "county_code", "server_seq"),)
    person_id: Mapped[str] = mapped_column(ID)


class Application(_Record, Base):
    __tablename__ = "applications"
    __table_args__ = (
        Index("ix_applications_seq", "county_code", "server_seq"),
        Index("ix_applications_event", "county_code", "person_id", "claim_type", "event", "event_date"),
    )
    receipt_no: Mapped[str] = mapped_column(String(32))
    person_id: Mapped[str] = mapped_column(ID)
    status: Mapped[str] = mapped_column(String(16))
    claim_type: Mapped[str] = mapped_column(String(16))
    event: Mapped[str] = mapped_column(String(16))
    event_date: Mapped[dt.date] = mapped_column(Date)
    allowance: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    created_by: Mapped[str] = mapped_column(String(128))


class Print(_Record, Base):
    __tablename__ = "prints"
    __table_args__ = (Index("ix_prints_seq", "county_code", "server_seq"),)
    record_id: Mapped[str] = mapped_column(ID)


class ConflictItem(_Record, Base):
    """A conflict for a reviewer or admin: both values kept, nothing overwritten (entity ``conflict``)."""

    __tablename__ = "conflicts"
    __table_args__ = (Index("ix_conflicts_seq", "county_code", "server_seq"),)
    kind: Mapped[str] = mapped_column(String(32))
    entity: Mapped[str] = mapped_column(String(16))
    entity_id: Mapped[str] = mapped_column(ID)
    status: Mapped[str] = mapped_column(String(16))


#: wire entity → its table
RECORD_TABLES: Final = {
    "employer": Employer,
    "person": Person,
    "enrollment": Enrollment,
    "application": Application,
    "print": Print,
    "conflict": ConflictItem,
}

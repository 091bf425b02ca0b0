"""The central server's service layer: organisation (region → counties → counters → staff), enrollment
of counters, and one ``CounterSession`` per authenticated counter implementing ``SyncProtocol``.

Every write of a county happens under that county's write lock (a PostgreSQL advisory transaction
lock; on SQLite every transaction is ``BEGIN IMMEDIATE``), so ``server_seq`` order is commit order and
a pull cursor never skips a row. Each pushed change is re-checked here as if it were typed at this
server: signature, scope, the acting user's role (``forms.workflow``), the form declarations
(``forms.declarations``), the entitlement decision (``forms.entitlement``) and the status machine.
Design: docs/sync-protocol.md.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import logging
import secrets
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from argon2 import PasswordHasher
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from sqlalchemy import Engine, func, inspect, literal, null, select, union_all
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from central import models as m
from central.db import is_sqlite, make_engine, normalise_url, upgrade
from central.records import STAGED_OPS, BulkWriteFailed, RecordRules
from forms import divisions
from forms.errors import CodedError, Issue, ValidationFailed, error
from forms.workflow import ROLES
from sync.protocol import (
    MAX_BATCH,
    MAX_PAGE,
    PROTOCOL_VERSION,
    AuditLink,
    Change,
    ChangeResult,
    Counts,
    EnrollRequest,
    EnrollResponse,
    Hello,
    HelloResponse,
    PullRequest,
    PullResponse,
    PushRequest,
    PushResponse,
    Record,
    SyncRefused,
    verify_change,
)

log = logging.getLogger(__name__)
SHANGHAI = ZoneInfo("Asia/Shanghai")
CODE_TTL = dt.timedelta(hours=24)
TOKEN_TTL = dt.timedelta(days=365)
REGION_PREFIX = {"lhasa": "5401", "lianyungang": "3207"}
_hasher = PasswordHasher()
#: namespace of the per-county advisory locks (high bits), the county code is the low bits
_LOCK_NS = 0x4C58 << 32


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def iso_z(t: dt.datetime) -> str:
    return t.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def business_today() -> dt.date:
    """The business day: the date in Asia/Shanghai (Lhasa's official time too)."""
    return dt.datetime.now(SHANGHAI).date()


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _aware(t: dt.datetime) -> dt.datetime:
    return t if t.tzinfo else t.replace(tzinfo=dt.UTC)  # SQLite gives naive datetimes back


class CentralError(CodedError):
    """A refusal of the server's administration (CLI): one coded issue."""

    def __init__(self, code: str, field: str = "", **params: object):
        self.code = code
        self._issue = error(code, field, **params)
        super().__init__(code)

    @property
    def issues(self) -> list[Issue]:
        return [self._issue]


def _refused(status: int, code: str, field: str = "", **params: object) -> SyncRefused:
    return SyncRefused(status, [error(code, field, **params)])


class CentralServer:
    """The server on one database. ``db`` is a SQLAlchemy URL or a path (a SQLite file)."""

    def __init__(self, db: str, *, engine: Engine | None = None):
        self.url = normalise_url(db)
        self.engine = engine or make_engine(self.url)
        self.sqlite = is_sqlite(self.url)
        self._info: m.ServerInfo | None = None

    def close(self) -> None:
        self.engine.dispose()

    # --- set-up --------------------------------------------------------------------------------------

    def init(self, region: str) -> dict[str, Any]:
        """Create (or migrate) the schema and record the region this server serves."""
        from forms.policy import available_regions

        if region not in available_regions():
            raise CentralError("region.unknown", "region", value=region)
        try:
            upgrade(self.engine)
        except Exception as exc:
            raise CentralError("central.db_failed", "db", url=self.url, detail=str(exc)) from exc
        with Session(self.engine) as s, s.begin():
            info = s.get(m.ServerInfo, 1)
            if info is not None:
                if info.region != region:
                    raise CentralError("central.exists", "region", what=f"server for {info.region}")
            else:
                box = X25519PrivateKey.generate()
                info = m.ServerInfo(
                    id=1,
                    server_id=str(uuid.uuid4()),
                    region=region,
                    box_private_key_b64=base64.b64encode(
                        box.private_bytes(
                            serialization.Encoding.Raw,
                            serialization.PrivateFormat.Raw,
                            serialization.NoEncryption(),
                        )
                    ).decode(),
                    box_public_key_b64=base64.b64encode(
                        box.public_key().public_bytes(
                            serialization.Encoding.Raw, serialization.PublicFormat.Raw
                        )
                    ).decode(),
                    created_at=utc_now(),
                )
                s.add(info)
            return {"server_id": info.server_id, "region": info.region, "db": self.url}

    def info(self) -> m.ServerInfo:
        if self._info is None:
            db_file = make_url(self.url).database if self.sqlite else None
            if db_file and db_file != ":memory:" and not Path(db_file).exists():
                raise CentralError("central.not_initialised", "db", path=self.url)
            try:
                with Session(self.engine) as s:
                    info = s.get(m.ServerInfo, 1)
            except Exception as exc:
                raise CentralError("central.not_initialised", "db", path=self.url) from exc
            if info is None:
                raise CentralError("central.not_initialised", "db", path=self.url)
            s.expunge_all()
            self._info = info
        return self._info

    @contextmanager
    def county_write(self, county: str) -> Iterator[tuple[Session, SeqAllocator]]:
        """One transaction holding the county's write lock, with its sequence allocator."""
        # no autoflush: each change runs in its own savepoint, whose release flushes it, so a lookup never
        # needs to flush first (that flush per lookup was most of a push's time)
        with Session(self.engine, expire_on_commit=False, autoflush=False) as s, s.begin():
            if not self.sqlite:
                s.execute(select(func.pg_advisory_xact_lock(_LOCK_NS + int(county))))
            state = s.get(m.CountyState, county, with_for_update=not self.sqlite)
            if state is None:
                raise CentralError("central.county_unknown", "county", county_code=county)
            seq = SeqAllocator(state.last_seq)
            yield s, seq
            state.last_seq = seq.last

    def add_county(self, code: str) -> dict[str, Any]:
        region = self.info().region
        if not code.startswith(REGION_PREFIX.get(region, "")) or divisions.lookup(code) is None:
            raise CentralError("central.county_not_in_region", "code", county_code=code, region=region)
        with Session(self.engine) as s, s.begin():
            if s.get(m.County, code) is not None:
                raise CentralError("central.exists", "code", what=f"county {code}")
            s.add(m.County(code=code, created_at=utc_now()))
            s.add(m.CountyState(county_code=code, last_seq=0))
        return {"county_code": code, "region": region}

    def add_counter(self, county: str, counter_no: int) -> dict[str, Any]:
        """A counter of a county and its one-time enrollment code (24 h, usable once). Adding a counter
        that exists issues a new code for it (e.g. a replaced machine)."""
        self.info()
        now = utc_now()
        code = secrets.token_urlsafe(12)
        while code.startswith("-"):  # `liangxian enroll --code -…` would read it as an option
            code = secrets.token_urlsafe(12)
        with Session(self.engine) as s, s.begin():
            if s.get(m.County, county) is None:
                raise CentralError("central.county_unknown", "county", county_code=county)
            counter = s.get(m.Counter, (county, counter_no))
            if counter is None:
                s.add(m.Counter(county_code=county, counter_no=counter_no, created_at=now))
            s.add(
                m.EnrollmentCode(
                    county_code=county,
                    code_sha256=sha256(code),
                    counter_no=counter_no,
                    created_at=now,
                    expires_at=now + CODE_TTL,
                )
            )
        return {
            "county_code": county,
            "counter_no": counter_no,
            "counter_id": f"{county}-{counter_no:02d}",
            "enrollment_code": code,
            "expires_at": iso_z(now + CODE_TTL),
        }

    def revoke_counter(self, county: str, counter_no: int) -> dict[str, Any]:
        now = utc_now()
        with Session(self.engine) as s, s.begin():
            counter = s.get(m.Counter, (county, counter_no))
            if counter is None:
                raise CentralError(
                    "central.counter_unknown", "counter", county_code=county, counter_no=counter_no
                )
            counter.revoked_at = now
            revoked = 0
            for cred in s.scalars(
                select(m.Credential).where(
                    m.Credential.county_code == county,
                    m.Credential.counter_no == counter_no,
                    m.Credential.revoked_at.is_(None),
                )
            ):
                cred.revoked_at = now
                revoked += 1
            for code in s.scalars(
                select(m.EnrollmentCode).where(
                    m.EnrollmentCode.county_code == county,
                    m.EnrollmentCode.counter_no == counter_no,
                    m.EnrollmentCode.used_at.is_(None),
                )
            ):
                code.used_at = now  # an unused code of a revoked counter is void too
        return {
            "county_code": county,
            "counter_no": counter_no,
            "revoked_credentials": revoked,
            "revoked_at": iso_z(now),
        }

    def add_user(self, county: str, username: str, role: str, password: str) -> dict[str, Any]:
        if role not in ROLES:
            raise CentralError("choice.unknown", "role", value=role)
        if not username.strip() or len(username) > 64:
            raise CentralError("required", "username")
        if not password:
            raise CentralError("required", "password")
        self.info()
        with self.county_write(county) as (s, seq):
            existing = s.scalars(
                select(m.StaffUser).where(m.StaffUser.county_code == county, m.StaffUser.username == username)
            ).first()
            if existing is not None:
                raise CentralError("central.exists", "username", what=f"user {username}")
            user = m.StaffUser(
                county_code=county,
                id=str(uuid.uuid4()),
                username=username,
                role=role,
                password_hash=_hasher.hash(password),
                active=True,
                version=1,
                server_seq=seq.next(),
            )
            s.add(user)
        return {"county_code": county, "id": user.id, "username": username, "role": role, "active": True}

    # --- enrollment and sessions ---------------------------------------------------------------------

    def enroll(self, req: EnrollRequest) -> EnrollResponse:
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

        info = self.info()
        now = utc_now()
        try:
            raw = base64.b64decode(req.public_key_b64 + "=" * (-len(req.public_key_b64) % 4), altchars=b"-_")
            Ed25519PublicKey.from_public_bytes(raw)
        except ValueError as exc:
            raise _refused(422, "enroll.bad_key", "public_key_b64") from exc
        token = secrets.token_urlsafe(32)
        with Session(self.engine) as s, s.begin():
            code = s.scalars(
                select(m.EnrollmentCode).where(m.EnrollmentCode.code_sha256 == sha256(req.code))
            ).first()
            if code is None:
                raise _refused(403, "enroll.code_unknown", "code")
            if code.county_code != req.county_code or code.counter_no != req.counter_no:
                raise _refused(
                    403,
                    "enroll.wrong_counter",
                    "code",
                    county_code=code.county_code,
                    counter_no=code.counter_no,
                )
            if code.used_at is not None:
                raise _refused(403, "enroll.code_used", "code")
            if _aware(code.expires_at) <= now:
                raise _refused(403, "enroll.code_expired", "code")
            code.used_at = now
            counter = s.get(m.Counter, (code.county_code, code.counter_no))
            assert counter is not None
            counter.device_id = req.counter_id
            counter.public_key_b64 = base64.b64encode(raw).decode()
            counter.enrolled_at = now
            counter.revoked_at = None
            for cred in s.scalars(
                select(m.Credential).where(
                    m.Credential.county_code == counter.county_code,
                    m.Credential.counter_no == counter.counter_no,
                    m.Credential.revoked_at.is_(None),
                )
            ):
                cred.revoked_at = now  # one live credential per counter
            s.add(
                m.Credential(
                    token_sha256=sha256(token),
                    county_code=counter.county_code,
                    counter_no=counter.counter_no,
                    issued_at=now,
                    expires_at=now + TOKEN_TTL,
                )
            )
        return EnrollResponse(
            server_id=info.server_id,
            token=token,
            expires_at=iso_z(now + TOKEN_TTL),
            region=info.region,
            county_code=req.county_code,
            counter_no=req.counter_no,
            server_box_public_key_b64=info.box_public_key_b64,
        )

    def session(self, token: str) -> CounterSession:
        """The counter a bearer token belongs to; 401 ``SyncRefused`` when unknown, revoked or expired."""
        info = self.info()
        with Session(self.engine) as s:
            cred = s.get(m.Credential, sha256(token or ""))
            if cred is None:
                raise _refused(401, "sync.unauthorized", "token")
            if cred.revoked_at is not None:
                raise _refused(401, "sync.token_revoked", "token")
            if _aware(cred.expires_at) <= utc_now():
                raise _refused(401, "sync.token_expired", "token")
            counter = s.get(m.Counter, (cred.county_code, cred.counter_no))
            if counter is None or counter.revoked_at is not None or not counter.device_id:
                raise _refused(401, "sync.token_revoked", "token")
            return CounterSession(
                self, info, cred.county_code, cred.counter_no, counter.device_id, counter.public_key_b64 or ""
            )

    def expire_token_for_tests(self, token: str, when: dt.datetime) -> None:
        """Move a credential's expiry (tests and the operator's ``counter revoke`` alternative)."""
        with Session(self.engine) as s, s.begin():
            cred = s.get(m.Credential, sha256(token))
            if cred is not None:
                cred.expires_at = when


class SeqAllocator:
    """Hands out the county's next ``server_seq`` numbers inside its write transaction."""

    def __init__(self, last: int):
        self.last = last

    def next(self) -> int:
        self.last += 1
        return self.last


@dataclass
class Actor:
    username: str
    role: str


class CounterSession:
    """One authenticated counter's view of the server: ``SyncProtocol``. Everything it reads or writes
    is of its own county."""

    def __init__(
        self,
        server: CentralServer,
        info: m.ServerInfo,
        county: str,
        counter_no: int,
        device_id: str,
        public_key: str,
    ):
        self.server = server
        self.info = info
        self.county = county
        self.counter_no = counter_no
        self.device_id = device_id
        self.public_key = public_key

    # --- hello ---------------------------------------------------------------------------------------

    def hello(self, req: Hello) -> HelloResponse:
        if req.counter_id != self.device_id:
            raise _refused(403, "sync.wrong_counter", "counter_id", counter_id=req.counter_id)
        with Session(self.server.engine) as s:
            counter = s.get(m.Counter, (self.county, self.counter_no))
            assert counter is not None
            ack = (
                AuditLink(
                    counter.ack_epoch,
                    counter.ack_seq or 0,
                    counter.ack_hash or "",
                    counter.ack_prev_hash or "",
                )
                if counter.ack_epoch is not None
                else None
            )
            marks = {
                r.day: r.last_seq
                for r in s.scalars(
                    select(m.ReceiptMark).where(
                        m.ReceiptMark.county_code == self.county, m.ReceiptMark.counter_no == self.counter_no
                    )
                )
            }
        return HelloResponse(
            server_id=self.info.server_id,
            protocol=PROTOCOL_VERSION,
            region=self.info.region,
            county_code=self.county,
            counter_no=self.counter_no,
            acknowledged=ack,
            receipt_high_water=marks,
            server_time=iso_z(utc_now()),
        )

    # --- push ----------------------------------------------------------------------------------------

    def push(self, req: PushRequest) -> PushResponse:
        if len(req.changes) > MAX_BATCH:
            raise _refused(413, "sync.batch_too_large", "changes", detail=f"{len(req.changes)} > {MAX_BATCH}")
        if req.counter_id != self.device_id:
            raise _refused(403, "sync.wrong_counter", "counter_id", counter_id=req.counter_id)
        try:
            return self._push(req, fast=True)
        except BulkWriteFailed as exc:
            # a staged insert failed (a bug, or a row another county's push wrote meanwhile): the
            # batch is rolled back and applied again change by change, each in its own savepoint, so
            # the change at fault fails alone as it always did
            log.warning("push batch of %d changes applied change by change: %s", len(req.changes), exc)
            return self._push(req, fast=False)

    def _push(self, req: PushRequest, *, fast: bool) -> PushResponse:
        """One batch in one transaction under the county lock. ``fast``: creates in ``STAGED_OPS`` are
        validated completely, then written with the batch (one executemany per table), without a
        savepoint each; every other change runs in its own savepoint after the staged rows are in."""
        results: list[ChangeResult] = []
        with self.server.county_write(self.county) as (s, seq):
            rules = RecordRules(s, seq, self.info.region, self.county, self.device_id, fast=fast)
            actors: dict[str, Actor | None] = {
                u.username: Actor(u.username, u.role)
                for u in s.scalars(
                    select(m.StaffUser).where(
                        m.StaffUser.county_code == self.county, m.StaffUser.active.is_(True)
                    )
                )
            }
            counter = s.get(m.Counter, (self.county, self.counter_no))
            assert counter is not None
            ids = [c.change_id for c in req.changes]
            answered = {
                p.change_id: ChangeResult.from_json(json.loads(p.answer))
                for p in s.scalars(
                    select(m.ProcessedChange).where(
                        m.ProcessedChange.county_code == self.county, m.ProcessedChange.change_id.in_(ids)
                    )
                )
            }
            rules.prefetch(c for c in req.changes if c.change_id not in answered)
            for change in req.changes:
                results.append(self._one(s, rules, actors, counter, change, answered))
            rules.flush_staged()
        return PushResponse(tuple(results))

    def _actor(self, s: Session, actors: dict[str, Actor | None], username: str) -> Actor | None:
        if username not in actors:
            user = s.scalars(
                select(m.StaffUser).where(
                    m.StaffUser.county_code == self.county,
                    m.StaffUser.username == username,
                    m.StaffUser.active.is_(True),
                )
            ).first()
            actors[username] = Actor(user.username, user.role) if user else None
        return actors[username]

    def _one(
        self,
        s: Session,
        rules: RecordRules,
        actors: dict[str, Actor | None],
        counter: m.Counter,
        change: Change,
        answered: dict[str, ChangeResult],
    ) -> ChangeResult:
        # not this counter's change, or not signed by its key: refused and not remembered, so that a
        # forger cannot take a change id away from its counter
        if change.counter_id != self.device_id:
            return _rejected(
                change, [error("sync.wrong_counter", "counter_id", counter_id=change.counter_id)]
            )
        if change.change_id in answered:  # seen before, in an earlier batch or earlier in this one
            return answered[change.change_id]
        if not verify_change(change, self.public_key):
            return _rejected(change, [error("sync.bad_signature", "signature")])
        actor = self._actor(s, actors, change.actor)
        if actor is None:
            result = _rejected(change, [error("sync.unknown_actor", "actor", username=change.actor)])
        else:
            staged = rules.fast and (change.entity, change.op) in STAGED_OPS
            if not staged:
                rules.flush_staged()  # what this change reads (or queries) must be in the database
            rules.begin_change(staged)
            ok = False
            try:
                if staged:  # checked completely before it writes: nothing to roll back when refused
                    result = rules.apply(change, actor.username, actor.role)
                else:
                    with s.begin_nested():
                        result = rules.apply(change, actor.username, actor.role)
                ok = True
            except CodedError as exc:
                result = _rejected(change, exc.issues)
            except Exception:
                # a bug, not the change's fault: this change is refused (and not remembered, so that it
                # is processed again once fixed); the rest of the batch goes on
                log.exception("change %s (%s %s) failed", change.change_id, change.entity, change.op)
                return _rejected(change, [error("sync.internal", "")])
            finally:
                rules.end_change(ok)
        answered[change.change_id] = result
        rules.stage_processed(
            county_code=self.county,
            change_id=change.change_id,
            counter_no=self.counter_no,
            answer=json.dumps(result.to_json(), ensure_ascii=False),
            processed_at=utc_now(),
        )
        if counter.ack_epoch is None or (change.audit.epoch, change.audit.seq) >= (
            counter.ack_epoch,
            counter.ack_seq or 0,
        ):
            counter.ack_epoch = change.audit.epoch
            counter.ack_seq = change.audit.seq
            counter.ack_hash = change.audit.hash
            counter.ack_prev_hash = change.audit.prev_hash
        return result

    # --- pull and counts -----------------------------------------------------------------------------

    def pull(self, req: PullRequest) -> PullResponse:
        limit = max(1, min(req.limit, MAX_PAGE))
        wanted = set(req.entities) if req.entities is not None else None
        parts = []
        for entity, table in m.RECORD_TABLES.items():
            if wanted is not None and entity not in wanted:
                continue
            merged = table.merged_into if table in (m.Person, m.Employer) else null()
            parts.append(
                select(
                    table.server_seq.label("seq"),
                    literal(entity).label("entity"),
                    table.id.label("id"),
                    table.version.label("version"),
                    table.data.label("data"),
                    merged.label("merged_into"),
                ).where(table.county_code == self.county, table.server_seq > req.cursor)
            )
        if wanted is None or "user" in wanted:
            u = m.StaffUser
            parts.append(
                select(
                    u.server_seq.label("seq"),
                    literal("user").label("entity"),
                    u.id.label("id"),
                    u.version.label("version"),
                    null().label("data"),
                    null().label("merged_into"),
                ).where(u.county_code == self.county, u.server_seq > req.cursor)
            )
        if not parts:
            return PullResponse((), req.cursor, False)
        q = union_all(*parts).subquery()
        with Session(self.server.engine) as s:
            rows = s.execute(select(q).order_by(q.c.seq).limit(limit + 1)).all()
            more = len(rows) > limit
            rows = rows[:limit]
            user_ids = [r.id for r in rows if r.entity == "user"]
            users = (
                {
                    u.id: u
                    for u in s.scalars(
                        select(m.StaffUser).where(
                            m.StaffUser.county_code == self.county, m.StaffUser.id.in_(user_ids)
                        )
                    )
                }
                if user_ids
                else {}
            )
        records = []
        for r in rows:
            if r.entity == "user":
                u = users[r.id]
                data: dict[str, Any] | None = {
                    "id": u.id,
                    "username": u.username,
                    "role": u.role,
                    "password_hash": u.password_hash,
                    "active": u.active,
                    "version": u.version,
                }
            elif r.merged_into is not None:
                data = None
            else:
                data = json.loads(r.data)
            records.append(Record(r.seq, r.entity, r.id, r.version, data, r.merged_into))
        cursor = records[-1].server_seq if records else req.cursor
        return PullResponse(tuple(records), cursor, more)

    def counts(self) -> Counts:
        out: dict[str, int] = {}
        with Session(self.server.engine) as s:
            for entity, table in m.RECORD_TABLES.items():
                q = select(func.count()).select_from(table).where(table.county_code == self.county)
                if table in (m.Person, m.Employer):
                    q = q.where(table.merged_into.is_(None))
                out[entity] = s.scalar(q) or 0
            out["user"] = (
                s.scalar(
                    select(func.count())
                    .select_from(m.StaffUser)
                    .where(m.StaffUser.county_code == self.county)
                )
                or 0
            )
        return Counts(out)


def _rejected(change: Change, issues: list[Issue]) -> ChangeResult:
    return ChangeResult(change.change_id, "rejected", errors=tuple(i.to_json() for i in issues))


def table_names(engine: Engine) -> list[str]:
    return sorted(inspect(engine).get_table_names())


__all__ = ["Actor", "CentralError", "CentralServer", "CounterSession", "ValidationFailed", "business_today"]

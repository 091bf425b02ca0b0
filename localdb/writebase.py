"""What every write of the service layer shares: the acting user, the business date, the permission
check, the one write transaction, the journal entry, the base-version check of a correction."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from forms import workflow
from forms.clock import business_today
from forms.errors import Issue, ValidationFailed, error
from forms.text import text_issues
from localdb import models as m
from localdb.errors import InvalidTransition, PermissionDenied, RecordStale, StoreBusy, is_busy
from localdb.journal import append_audit, append_outbox
from localdb.store import Reads

if TYPE_CHECKING:
    from localdb.store import Store


def raise_issues(issues: Sequence[Issue]) -> None:
    """Raise the store's error for workflow issues: a role that may not (PermissionDenied), a status
    move that is not allowed (InvalidTransition), anything else as ValidationFailed."""
    if not issues:
        return
    first = issues[0]
    if first.code == "auth.forbidden":
        raise PermissionDenied(field=first.field, **dict(first.params))
    if first.code == "application.bad_transition":
        raise InvalidTransition(**dict(first.params))
    raise ValidationFailed(issues)


class WriteBase(Reads):
    """Writes on behalf of one staff user. Get it from ``Store.service(username)``."""

    def __init__(self, store: Store, username: str, role: str, *, today: dt.date | None = None):
        self._store = store
        self.username = username
        self.role = role
        self._today = today

    @property
    def today(self) -> dt.date:
        """The business date (China's), unless the caller fixed one."""
        return self._today or business_today()

    @property
    def region(self) -> str:
        return self._store.region

    def _allow(self, action: str) -> None:
        if not workflow.may(self.role, action):
            raise PermissionDenied(role=self.role, action=action)

    @contextlib.contextmanager
    def _write(self) -> Iterator[Session]:
        """One IMMEDIATE transaction; everything in it commits together or not at all. Another
        writer holding the database past the busy timeout is StoreBusy (store.busy), not a traceback."""
        try:
            with (
                self._store.write_lock,
                Session(self._store.write_engine, expire_on_commit=False) as s,
                s.begin(),
            ):
                yield s
        except OperationalError as exc:
            if is_busy(exc):
                raise StoreBusy() from exc
            raise

    def _log(
        self,
        s: Session,
        action: str,
        entity: str,
        entity_id: str,
        before: Any,
        after: Any,
        *,
        op: str,
        base_version: int | None,
        changed: Sequence[str] | None = None,
    ) -> int:
        """The audit event and the outbox change of one local write; returns the event's seq."""
        seq = append_audit(
            s,
            actor=self.username,
            action=action,
            entity=entity,
            entity_id=entity_id,
            before=before,
            after=after,
        )
        # the outbox change's payload is this audit event's ``after`` (same transaction)
        append_outbox(
            s,
            entity=entity,
            entity_id=entity_id,
            op=op,
            base_version=base_version,
            audit_seq=seq,
            changed=changed,
        )
        return seq

    def _check_base(self, s: Session, entity: str, entity_id: str, current: int, base_version: object) -> int:
        """The correction's base version must be the record's current one, else RecordStale naming who
        changed it last and when."""
        if (
            isinstance(base_version, bool)
            or not isinstance(base_version, int)
            or not 1 <= base_version < 2**31
        ):
            raise ValidationFailed([error("int.range", "base_version", min=1, max=2**31 - 1)])
        if base_version != current:
            last = s.execute(
                select(m.AuditEvent.actor, m.AuditEvent.at)
                .where(m.AuditEvent.entity == entity, m.AuditEvent.entity_id == entity_id)
                .order_by(m.AuditEvent.seq.desc())
                .limit(1)
            ).first()
            by, at = (last[0], last[1]) if last else ("", "")
            raise RecordStale(entity=entity, id=entity_id, base=base_version, current=current, by=by, at=at)
        return current


MAX_NOTE_CHARS = 500


def check_note(note: object, field: str) -> None:
    """A reason or note a person typed: the same one-line text rules as every form field (forms.text),
    at most MAX_NOTE_CHARS. Raises ValidationFailed."""
    if note is None:
        return
    if not isinstance(note, str):
        raise ValidationFailed([error("type.text", field)])
    if len(note) > MAX_NOTE_CHARS:
        raise ValidationFailed([error("text.too_long", field, max=MAX_NOTE_CHARS)])
    issues = text_issues(note.strip(), field)
    if issues:
        raise ValidationFailed(issues)


def correction_meta(changed: Sequence[str], reason: object) -> dict[str, Any]:
    """What an audit event of a correction says beside the record: the fields changed and the reason."""
    meta: dict[str, Any] = {"changed": list(changed)}
    if isinstance(reason, str) and reason.strip():
        meta["reason"] = reason.strip()
    return meta


def loads(text: str | None) -> Any:
    return None if text is None else json.loads(text)

"""Refusals of the store, each with a stable code (i18n msgid ``error.<code>``) and messages in
Chinese, Tibetan and English. Bad input is ``forms.errors.ValidationFailed``; the classes here are the
store's own reasons: a role that may not act, a record that does not exist, a status change that is
not allowed, a database from a newer version."""

from __future__ import annotations

from typing import Any

from forms.errors import CodedError, Issue, ValidationFailed, error


class StoreError(CodedError):
    """Base of the store's refusals: one coded issue, its parameters (``field`` names the field)."""

    code = "store.error"

    def __init__(self, **params: object):
        self.params = params
        super().__init__(self.message("en"))

    @property
    def issues(self) -> list[Issue]:
        return [Issue(self.code, str(self.params.get("field", "")), "error", self.params)]


class PermissionDenied(StoreError):
    code = "auth.forbidden"


class UnknownUser(PermissionDenied):
    code = "auth.unknown_user"


class NotFound(StoreError, LookupError):
    code = "record.not_found"


class InvalidTransition(StoreError):
    code = "application.bad_transition"


class SchemaTooNew(StoreError):
    """The database was written by a newer app version; it is refused and left untouched."""

    code = "store.schema_too_new"


class NotAStore(StoreError):
    code = "store.not_initialised"


class StoreExists(StoreError):
    code = "store.exists"


class RestoreRefused(StoreError):
    code = "store.restore_invalid"


class DuplicatePerson(ValidationFailed):
    """The ID number is already registered: the existing record is offered instead of a duplicate."""

    code = "person.duplicate"

    def __init__(self, existing: dict[str, Any]):
        self.existing = existing
        super().__init__([error("person.duplicate", "id_number", name=existing.get("name_zh", ""))])


class DuplicateEmployer(ValidationFailed):
    code = "employer.duplicate"

    def __init__(self, existing: dict[str, Any]):
        self.existing = existing
        super().__init__([error("employer.duplicate", "uscc", name=existing.get("name_zh", ""))])


class DuplicateApplication(ValidationFailed):
    """The same person already has an application of this claim type for the same event on the same
    date that is not rejected or withdrawn (one birth, one claim): the existing application is
    offered instead of a second one that could be approved and paid again."""

    code = "application.duplicate"

    def __init__(self, existing: dict[str, Any]):
        self.existing = existing
        super().__init__(
            [error("application.duplicate", "event_date", receipt_no=existing.get("receipt_no", ""))]
        )


class BackupFailed(StoreError):
    code = "store.backup_failed"


class StoreBusy(StoreError):
    """Another writer held the database past the busy timeout ("database is locked"): try again."""

    code = "store.busy"


def is_busy(exc: BaseException) -> bool:
    """Whether ``exc`` (sqlite3's or SQLAlchemy's wrapper of it) says the database is locked or busy."""
    import sqlite3

    orig = getattr(exc, "orig", exc)
    return isinstance(orig, sqlite3.OperationalError) and any(
        word in str(orig).lower()
        for word in ("database is locked", "database is busy", "database table is locked")
    )


class CreateFailed(StoreError):
    """The database file could not be made there (a file in the way, no write permission, disk full)."""

    code = "store.create_failed"


class RecordStale(StoreError):
    """A correction named a base version that is no longer the record's: someone changed it meanwhile.
    Nothing is written; the message names the current version and who changed it last."""

    code = "record.stale"

    def __init__(self, *, entity: str, id: str, base: int, current: int, by: str, at: str):
        super().__init__(field="base_version", entity=entity, id=id, base=base, current=current, by=by, at=at)

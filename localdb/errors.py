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


class ForeignSchema(StoreError):
    """The file's schema (tables, columns, indexes, triggers, views) is not what our migrations make
    at its revision: an added trigger, a dropped audit trigger, a view… It is refused untouched."""

    code = "store.schema_foreign"


class StoreTimeout(StoreError):
    """A read of the whole file ran past its deadline (a crafted file that would never finish)."""

    code = "store.timeout"


class RestoreOntoItself(StoreError):
    code = "store.restore_onto_itself"


class BackupManifestInvalid(StoreError):
    """The backup is not the file its manifest describes (changed after it was made), or the
    manifest is unreadable. The subclasses are the other reasons a backup does not vouch for itself;
    an admin may restore it anyway (``--as``, ``--reason``), the schema check still applied."""

    code = "store.backup_manifest_invalid"


class BackupManifestMissing(BackupManifestInvalid):
    code = "store.backup_manifest_missing"


class BackupUnsigned(BackupManifestInvalid):
    """The manifest is unsigned, or there is no counter key here to check its signature with."""

    code = "store.backup_unsigned"


class BackupSignatureInvalid(BackupManifestInvalid):
    code = "store.backup_signature_invalid"


class BackupFromOtherCounter(BackupManifestInvalid):
    """The backup was made by another counter (region, county or counter differ)."""

    code = "store.backup_other_counter"


class BackupKeyMismatch(StoreError):
    """The backup's counter key is not this counter's key in the keyring: a database of another
    machine, or a forgery re-signed with another key. Refused even with ``--as`` and ``--reason``
    (an admin re-keys a copy first: ``liangxian key rekey``)."""

    code = "store.backup_key_mismatch"


class RecordTampered(StoreError):
    """A business row differs from what its last audit event says (edited outside the service
    layer): it is not printed or signed."""

    code = "record.tampered"

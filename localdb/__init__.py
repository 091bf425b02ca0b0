"""The counter's local database (offline-first): SQLAlchemy models, Alembic migrations, the service
layer that is its only writer, the hash-chained audit log, the outbox and search.

    store = localdb.open_store(path)          # migrates after a backup; SchemaTooNew if newer
    svc = store.service("clerk1")
    person = svc.register_person({...})
"""

from localdb.errors import (
    DuplicateApplication,
    DuplicateEmployer,
    DuplicatePerson,
    InvalidTransition,
    NotAStore,
    NotFound,
    PermissionDenied,
    SchemaTooNew,
    StoreError,
    StoreExists,
    UnknownUser,
)
from localdb.service import ROLES, TRANSITIONS, Service
from localdb.store import Store, init_store, open_store

__all__ = [
    "ROLES",
    "TRANSITIONS",
    "DuplicateApplication",
    "DuplicateEmployer",
    "DuplicatePerson",
    "InvalidTransition",
    "NotAStore",
    "NotFound",
    "PermissionDenied",
    "SchemaTooNew",
    "Service",
    "Store",
    "StoreError",
    "StoreExists",
    "UnknownUser",
    "init_store",
    "open_store",
]

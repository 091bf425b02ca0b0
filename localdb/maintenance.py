"""Backup, restore and the doctor's check-up of a counter database. Every file they read is untrusted.

Backups are ``VACUUM INTO`` copies (consistent while the app runs, WAL included), 0600, with a
manifest beside them (``<backup>.manifest.json``): region, county, counter, the audit head, the time,
the file's SHA-256, signed with the counter's Ed25519 key from the keyring.

A restore takes only a backup made by this counter: the schema is exactly ours (``localdb.schema``),
``integrity_check``, the audit chain and its signed heads and the business rows against their audit
events are sound, the manifest describes this very file and is signed by the key of the counter being
restored (same region, county, counter). Never onto itself. An admin may restore a backup whose
manifest does not vouch for it (a new machine after the old one was lost) with ``admin`` and a
``reason``, which is recorded as an audit event; the schema and soundness checks still apply, and the
backup must hold this counter's key in the keyring (``BackupKeyMismatch`` otherwise: a forgery
re-signed with another key, or a machine whose key was replaced — re-keying a copy is its own audited
command, ``liangxian key rekey``). The
database replaced is kept beside it (``*.pre-restore-<time>.db``), and the copy is made with SQLite's
backup API in one step (one transaction on the target: a kill leaves the old database or the new one,
whole). The doctor only reads. Whole-file reads run under a deadline.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
from pathlib import Path
from typing import Any

from localdb import audit, db, rowcheck, schema, signing
from localdb.clock import utc_now
from localdb.errors import (
    BackupFromOtherCounter,
    BackupKeyMismatch,
    BackupManifestInvalid,
    BackupManifestMissing,
    BackupSignatureInvalid,
    BackupUnsigned,
    ForeignSchema,
    NotAStore,
    PermissionDenied,
    RestoreOntoItself,
    RestoreRefused,
    UnknownUser,
)

MANIFEST_SUFFIX = ".manifest.json"
MANIFEST_FORMAT = "liangxian-backup-manifest/1"


def manifest_path(backup_file: Path | str) -> Path:
    return Path(f"{backup_file}{MANIFEST_SUFFIX}")


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _identity(conn: sqlite3.Connection) -> dict[str, Any]:
    """Which counter a database belongs to, and its public key."""
    settings = dict(conn.execute("SELECT key, value FROM settings WHERE key IN ('region', 'counter_id')"))
    row = conn.execute(
        "SELECT county_code, counter_no, public_key_b64 FROM counters WHERE id = ?",
        (settings.get("counter_id"),),
    ).fetchone()
    county, counter_no, public = row if row else (None, None, None)
    return {
        "region": settings.get("region"),
        "county_code": county,
        "counter_id": settings.get("counter_id"),
        "counter_no": counter_no,
        "public_key_b64": public,
    }


def _audit_head(conn: sqlite3.Connection) -> dict[str, Any]:
    row = conn.execute("SELECT seq, hash FROM audit_events ORDER BY seq DESC LIMIT 1").fetchone()
    return {"seq": row[0], "hash": row[1]} if row else {"seq": 0, "hash": audit.GENESIS}


def _manifest_message(manifest: dict[str, Any]) -> bytes:
    body = {k: v for k, v in manifest.items() if k != "signature"}
    return ("liangxian backup manifest\n" + audit.canonical(body)).encode("utf-8")


def _write_private(path: Path, text: str) -> None:
    partial = path.with_name(path.name + ".partial")
    partial.unlink(missing_ok=True)
    db.create_private(partial)
    with open(partial, "w", encoding="utf-8") as fh:
        fh.write(text)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(partial, path)


def backup(
    path: Path | str,
    dest: Path | str,
    *,
    signer: signing.Signer | signing.KeySource | None = signing.FROM_KEYRING,
    deadline_s: float | None = db.DEFAULT_DEADLINE_S,
) -> dict[str, Any]:
    """Copy the database to ``dest`` (0600) and write its signed manifest beside it."""
    revision, user_version = db.schema_state(path)  # NotAStore for anything that is not ours
    db.check_not_newer(revision, user_version)
    schema.check(path)
    out = db.backup_to(path, dest, deadline_s=deadline_s)
    conn = db.raw_connect(out, readonly=True, untouched=True)
    try:
        identity = _identity(conn)
        head = _audit_head(conn)
    finally:
        conn.close()
    if isinstance(signer, signing.KeySource):
        signer = signing.load_signer(identity["counter_id"] or "")
    manifest: dict[str, Any] = {
        "format": MANIFEST_FORMAT,
        "region": identity["region"],
        "county_code": identity["county_code"],
        "counter_id": identity["counter_id"],
        "counter_no": identity["counter_no"],
        "schema_revision": revision,
        "audit_head": head,
        "created_at": utc_now(),
        "file": out.name,
        "bytes": out.stat().st_size,
        "sha256": _sha256(out),
        "public_key_b64": signer.public_key_b64 if signer else None,
    }
    manifest["signature"] = signer(_manifest_message(manifest)) if signer else None
    mpath = manifest_path(out)
    _write_private(mpath, json.dumps(manifest, ensure_ascii=False, indent=2) + "\n")
    return {
        "backup": str(out),
        "bytes": manifest["bytes"],
        "manifest": str(mpath),
        "sha256": manifest["sha256"],
        "audit_head": head,
        "signed": signer is not None,
    }


def _check(conn: sqlite3.Connection, trusted_public_key: str | None = None) -> dict[str, Any]:
    integrity = [r[0] for r in conn.execute("PRAGMA integrity_check")]
    fk_problems = conn.execute("PRAGMA foreign_key_check").fetchall()
    chain = audit.verify(conn, trusted_public_key=trusted_public_key)
    checked, row_problems = rowcheck.check_rows(conn)
    pending = conn.execute("SELECT count(*) FROM outbox WHERE synced_at IS NULL").fetchone()[0]
    return {
        "integrity": "ok" if integrity == ["ok"] else integrity,
        "foreign_keys": "ok" if not fk_problems else [list(r) for r in fk_problems[:20]],
        "audit": chain.to_json(),
        "records": {
            "ok": not row_problems,
            "checked": checked,
            "problems": [p.to_json() for p in row_problems],
        },
        "pending_outbox": pending,
    }


def _sound(check: dict[str, Any]) -> bool:
    return bool(
        check["integrity"] == "ok"
        and check["foreign_keys"] == "ok"
        and check["audit"]["ok"]
        and check["records"]["ok"]
    )


def _keyring_public_key(counter_id: str | None) -> str | None:
    signer = signing.load_signer(counter_id) if counter_id else None
    return signer.public_key_b64 if signer else None


def doctor(
    path: Path | str,
    *,
    deadline_s: float | None = db.DEFAULT_DEADLINE_S,
    trusted_public_key: str | signing.KeySource | None = signing.FROM_KEYRING,
) -> dict[str, Any]:
    """Read-only: the schema is ours (else ForeignSchema), ``PRAGMA integrity_check``, foreign keys,
    the audit chain and its signed heads, every business row against its last audit event, pending
    outbox size. ``trusted_public_key`` (by default the keyring's key for this counter, when there is
    one) must be the counter's key. Warnings: ``audit.unsigned`` when no signature covers the log's
    end, ``audit.no_keyring_key`` when the keyring has no key to compare the stored one with."""
    path = Path(path)
    revision, user_version = db.schema_state(path)
    db.check_not_newer(revision, user_version)
    schema.check(path)
    conn = db.raw_connect(path, readonly=True)
    try:
        with db.bounded(conn, deadline_s, "doctor"):
            identity = _identity(conn)
            if isinstance(trusted_public_key, signing.KeySource):
                trusted_public_key = _keyring_public_key(identity["counter_id"])
            report = _check(conn, trusted_public_key)
            report["journal_mode"] = conn.execute("PRAGMA journal_mode").fetchone()[0]
            counts = {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in _COUNTED}
    finally:
        conn.close()
    warnings = []
    if report["audit"]["events"] and not report["audit"]["signed"]:
        warnings.append("audit.unsigned")
    if trusted_public_key is None:
        warnings.append("audit.no_keyring_key")
    report.update(
        {
            "db": str(path),
            "bytes": path.stat().st_size,
            "schema": {"revision": revision, "user_version": user_version, "app_head": db.HEAD},
            "schema_status": "current" if revision == db.HEAD else "will_migrate",
            "counter": {k: identity[k] for k in ("region", "county_code", "counter_id", "counter_no")},
            "counts": counts,
            "warnings": warnings,
        }
    )
    report["ok"] = _sound(report)
    return report


_COUNTED = ("persons", "employers", "applications", "audit_events", "outbox")


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.resolve() == b.resolve() or (a.exists() and b.exists() and os.path.samefile(a, b))
    except OSError:
        return False


def _read_manifest(source: Path) -> dict[str, Any]:
    mpath = manifest_path(source)
    if not mpath.is_file():
        raise BackupManifestMissing(path=str(source), manifest=str(mpath))
    try:
        if mpath.stat().st_size > 64_000:
            raise ValueError("too large")
        manifest = json.loads(mpath.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise BackupManifestInvalid(path=str(source)) from exc
    if not isinstance(manifest, dict) or manifest.get("format") != MANIFEST_FORMAT:
        raise BackupManifestInvalid(path=str(source))
    return manifest


_IDENTITY = ("region", "county_code", "counter_id", "counter_no")


def _label(identity: dict[str, Any]) -> str:
    return f"{identity.get('region')} {identity.get('county_code')} #{identity.get('counter_no')}"


def _check_manifest(
    source: Path, backup_identity: dict[str, Any], ours: dict[str, Any] | None
) -> dict[str, Any]:
    """The manifest describes this very file and is signed by the key of the counter restored to."""
    manifest = _read_manifest(source)
    wal = Path(f"{source}-wal")
    if wal.exists() and wal.stat().st_size > 0:  # the file read is not the file that was hashed
        raise BackupManifestInvalid(path=str(source))
    if manifest.get("sha256") != _sha256(source):
        raise BackupManifestInvalid(path=str(source))
    if any(manifest.get(k) != backup_identity[k] for k in _IDENTITY):
        raise BackupManifestInvalid(path=str(source))
    if ours is None or not ours.get("public_key_b64") or not manifest.get("signature"):
        raise BackupUnsigned(path=str(source))
    if any(manifest.get(k) != ours[k] for k in _IDENTITY):
        raise BackupFromOtherCounter(path=str(source), found=_label(manifest), ours=_label(ours))
    if manifest.get("public_key_b64") != ours["public_key_b64"] or not signing.verify(
        ours["public_key_b64"], _manifest_message(manifest), manifest["signature"]
    ):
        raise BackupSignatureInvalid(path=str(source))
    return manifest


def _admin_in(conn: sqlite3.Connection, username: str, password: str | None) -> None:
    """``username`` is an active admin of the backup and ``password`` is hers there (argon2)."""
    from argon2 import PasswordHasher
    from argon2.exceptions import InvalidHashError, VerificationError

    row = conn.execute(
        "SELECT role, password_hash FROM users WHERE username = ? AND active = 1", (username,)
    ).fetchone()
    if row is None:
        raise UnknownUser(username=username)
    try:
        if not row[1] or not password:
            raise VerificationError("no password")
        PasswordHasher().verify(row[1], password)
    except (VerificationError, InvalidHashError) as exc:
        raise UnknownUser(username=username) from exc
    if row[0] != "admin":
        raise PermissionDenied(role=row[0], action="store.restore_override")


def restore(
    source: Path | str,
    target: Path | str,
    *,
    admin: str | None = None,
    admin_password: str | None = None,
    reason: str | None = None,
    deadline_s: float | None = db.DEFAULT_DEADLINE_S,
) -> dict[str, Any]:
    """Replace ``target`` with the backup ``source`` after checking both (see the module's
    docstring); the replaced database is kept beside it. ``admin`` and ``reason`` restore a backup
    whose manifest does not vouch for it (the codes overridden are in the result and the audit), never
    one whose counter key is not the keyring's key of that counter (``BackupKeyMismatch``)."""
    from forms.errors import ValidationFailed, error

    source, target = Path(source), Path(target)
    if _same_file(source, target):
        raise RestoreOntoItself(path=str(source))
    if admin is not None and (not isinstance(reason, str) or not reason.strip()):
        raise ValidationFailed([error("reason.required", "reason")])
    revision, user_version = db.schema_state(source)
    db.check_not_newer(revision, user_version)
    schema.check(source)
    ours = None
    if target.exists():
        # a directory, a file that is not ours or one from a newer app is refused and left untouched
        db.check_not_newer(*db.schema_state(target))
        try:
            schema.check(target)
        except ForeignSchema:
            # a tampered target is what a restore repairs, but it cannot vouch for the backup's key:
            # only an admin restores over it (BackupUnsigned below)
            pass
        else:
            tconn = db.raw_connect(target, readonly=True)
            try:
                with db.bounded(tconn, deadline_s, "restore target"):
                    ours = _identity(tconn)
            except sqlite3.DatabaseError as exc:
                raise NotAStore(path=str(target)) from exc
            finally:
                tconn.close()
    conn = db.raw_connect(source, readonly=True)
    try:
        with db.bounded(conn, deadline_s, "restore"):
            backup_identity = _identity(conn)
            # the backup of this very counter must carry its key; another counter's (refused below
            # unless an admin overrides) or the old machine's record is not compared with it
            same = ours is not None and ours["counter_id"] == backup_identity["counter_id"]
            trusted = ours["public_key_b64"] if ours is not None and same and admin is None else None
            if admin is not None:
                _admin_in(conn, admin, admin_password)
                # an override vouches for a backup without its manifest, never for another key: the
                # database must hold the key this counter signs with from the keyring (a re-signed
                # forgery holds the forger's); re-keying is its own audited command (`key rekey`)
                trusted = _keyring_public_key(backup_identity["counter_id"])
                if backup_identity["public_key_b64"] != trusted:
                    raise BackupKeyMismatch(path=str(source))
            check = _check(conn, trusted)
    finally:
        conn.close()
    if not _sound(check):
        raise RestoreRefused(path=str(source))
    overridden: list[str] = []
    manifest = None
    try:
        manifest = _check_manifest(source, backup_identity, ours)
    except BackupManifestInvalid as exc:
        if admin is None:
            raise
        overridden.append(exc.code)
    kept = None
    if target.exists():
        kept = target.with_name(f"{target.stem}.pre-restore-{db.stamp_time()}{target.suffix or '.db'}")
        db.backup_to(target, kept, deadline_s=deadline_s)
        _copy(source, target)
    else:
        # a new place: copied under another name and renamed whole, so that a killed restore never
        # leaves a half-made database where the next attempt would be refused
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(target.name + ".restoring")
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(f"{partial}{suffix}").unlink(missing_ok=True)
        db.create_private(partial)
        _copy(source, partial)
        with open(partial, "rb") as fh:
            os.fsync(fh.fileno())
        os.replace(partial, target)
    _record_restore(target, admin, reason, source, manifest, overridden)
    return {
        "restored": str(target),
        "from": str(source),
        "previous_kept_as": str(kept) if kept else None,
        "manifest_verified": manifest is not None,
        "overridden": overridden,
        "by": admin,
        **check,
    }


def _copy(source: Path, target: Path) -> None:
    """SQLite's backup API in one step (``pages=-1``): one write transaction on the target, so its
    journal stays coherent and a kill leaves it whole (old or new); what the backup's WAL holds comes
    along (it was checked with it)."""
    src = db.raw_connect(source, readonly=True)
    try:
        dst = db.raw_connect(target)
        try:
            src.backup(dst, pages=-1)
        finally:
            dst.close()
    finally:
        src.close()
    db.make_private(target)


def _record_restore(
    target: Path,
    admin: str | None,
    reason: str | None,
    source: Path,
    manifest: dict[str, Any] | None,
    overridden: list[str],
) -> None:
    """The restore is itself recorded in the restored database (who, why, from which backup)."""
    from sqlalchemy.orm import Session

    from localdb.journal import append_audit
    from localdb.store import open_store

    store = open_store(target)
    try:
        with store.write_lock, Session(store.write_engine) as s, s.begin():
            append_audit(
                s,
                actor=admin or "system",
                action="store.restore",
                entity="store",
                entity_id=store.counter_info.id,
                after={
                    "from": source.name,
                    "sha256": manifest.get("sha256") if manifest else None,
                    "audit_head": manifest.get("audit_head") if manifest else None,
                    "reason": reason.strip() if reason else None,
                    "overridden": overridden,
                },
            )
    finally:
        store.close()

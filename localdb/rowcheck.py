"""The record proves itself: every business row must equal what its last audit event says.

The service layer writes each row and, in the same transaction, an audit event whose ``after`` is
the row as written (``localdb.records``). A row edited with sqlite3 (no event) then differs from its
last event; ``check_rows`` names every such row (and rows no event describes at all), and
``check_record`` checks one record before it is printed or signed. Fields are compared where the
event records them (events written by older versions carry fewer fields).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from localdb.errors import RecordTampered


@dataclass(frozen=True)
class RowProblem:
    entity: str  # person | enrollment | employer | application | decision | print | user | counter
    id: str
    code: str  # record.edited | record.unaudited
    fields: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {"entity": self.entity, "id": self.id, "code": self.code, "fields": list(self.fields)}


_BOOL = {"maternity_coverage", "active", "eligible"}


def _same(field: str, stored: Any, audited: Any) -> bool:
    if field in _BOOL:
        return audited is not None and bool(stored) == bool(audited)
    if stored is None or audited is None:
        return stored is None and audited is None
    if isinstance(audited, (dict, list)):
        return bool(stored == audited)
    if isinstance(audited, bool) or isinstance(stored, (int, float)) or isinstance(audited, (int, float)):
        return str(stored) == str(audited) or _num(stored) == _num(audited)
    return str(stored) == str(audited) or (_num(stored) is not None and _num(stored) == _num(audited))


def _num(value: Any) -> Decimal | None:
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None


def _differing(row: dict[str, Any], after: dict[str, Any]) -> tuple[str, ...]:
    return tuple(k for k, v in row.items() if k in after and not _same(k, v, after[k]))


def _last_after(conn: sqlite3.Connection, entity: str, entity_id: str, action: str | None = None) -> Any:
    sql = "SELECT after_json FROM audit_events WHERE entity_id = ? AND entity = ?"
    params: tuple[str, ...] = (entity_id, entity)
    if action:
        sql += " AND action = ?"
        params += (action,)
    row = conn.execute(sql + " ORDER BY seq DESC LIMIT 1", params).fetchone()
    if row is None or row[0] is None:
        return None
    try:
        return json.loads(row[0])
    except ValueError:
        return None


# entity → (table, columns compared with the event's ``after``)
_TABLES: dict[str, tuple[str, str]] = {
    "person": (
        "persons",
        "id, id_number, name_zh, name_bo, sex, birth_date, ethnicity, phone, county_code, category, "
        "version, created_at, updated_at",
    ),
    "employer": (
        "employers",
        "id, uscc, name_zh, name_bo, county_code, rate_class, avg_monthly_wage, contact_phone, "
        "uscc_override_reason, version, created_at, updated_at",
    ),
    "application": (
        "applications",
        "id, receipt_no, person_id, claim_type, event, event_date, status, form_json, created_by, "
        "created_at, updated_at, version",
    ),
    "print": ("print_records", "id, record_id, kind, copy_no, printed_at, printed_by"),
    "user": ("users", "id, username, role, active"),
    "counter": ("counters", "id, county_code, counter_no, public_key_b64"),
}


def _rows(
    conn: sqlite3.Connection, entity: str, where: str = "", params: tuple[Any, ...] = ()
) -> Iterator[dict[str, Any]]:
    table, columns = _TABLES[entity]
    cur = conn.execute(f"SELECT {columns} FROM {table} {where}", params)
    names = [d[0] for d in cur.description]
    for values in cur:
        row = dict(zip(names, values, strict=True))
        if "form_json" in row:
            try:
                row["form"] = json.loads(row.pop("form_json"))
            except (TypeError, ValueError):
                row["form"] = None
        yield row


def _check_entity(conn: sqlite3.Connection, entity: str, row: dict[str, Any]) -> list[RowProblem]:
    after = _last_after(conn, entity, row["id"])
    if not isinstance(after, dict):
        return [RowProblem(entity, row["id"], "record.unaudited")]
    if entity == "counter":
        # a key the events never recorded was put there by hand
        if "public_key_b64" not in after and row["public_key_b64"] is not None:
            return [RowProblem(entity, row["id"], "record.edited", ("public_key_b64",))]
    fields = _differing(row, after)
    out = [RowProblem(entity, row["id"], "record.edited", fields)] if fields else []
    if entity == "person":
        out += _check_enrollments(conn, row["id"], after)
    elif entity == "application":
        out += _check_decisions(conn, row["id"])
    return out


def _events(conn: sqlite3.Connection, entity: str, entity_id: str) -> Iterator[tuple[int, Any, Any]]:
    """``(seq, before, after)`` of a record's events, newest first (JSON parsed; None if unreadable)."""
    for seq, before, after in conn.execute(
        "SELECT seq, before_json, after_json FROM audit_events WHERE entity_id = ? AND entity = ? "
        "ORDER BY seq DESC",
        (entity_id, entity),
    ):
        yield seq, _loads(before), _loads(after)


def _loads(text: str | None) -> Any:
    try:
        return None if text is None else json.loads(text)
    except ValueError:
        return None


def _audited_enrollment(conn: sqlite3.Connection, person_id: str, enrollment_id: str) -> Any:
    """The newest recorded state of an enrollment: its own last event (a correction, entity
    ``enrollment``) or the last person event carrying it, whichever is later."""
    own = next(
        ((seq, a) for seq, _, a in _events(conn, "enrollment", enrollment_id) if isinstance(a, dict)), None
    )
    nested = None
    for seq, _, after in _events(conn, "person", person_id):
        en = after.get("enrollment") if isinstance(after, dict) else None
        if isinstance(en, dict) and en.get("id") == enrollment_id:
            nested = (seq, en)
            break
    found = [c for c in (own, nested) if c is not None]
    return max(found, key=lambda c: c[0])[1] if found else None


def _check_enrollments(conn: sqlite3.Connection, person_id: str, after: dict[str, Any]) -> list[RowProblem]:
    out = []
    cur = conn.execute(
        "SELECT id, employer_id, category, maternity_coverage, contribution_base, flexible_scheme, "
        "insured_since, ended_on FROM enrollments WHERE person_id = ?",
        (person_id,),
    )
    names = [d[0] for d in cur.description]
    for values in cur.fetchall():
        row = dict(zip(names, values, strict=True))
        audited = _audited_enrollment(conn, person_id, row["id"])
        if audited is None:
            if "enrollment" in after:  # events before the enrollment was recorded carry none
                out.append(RowProblem("enrollment", row["id"], "record.unaudited"))
            continue
        fields = _differing(row, audited)
        if fields:
            out.append(RowProblem("enrollment", row["id"], "record.edited", fields))
    return out


def _check_decisions(conn: sqlite3.Connection, app_id: str) -> list[RowProblem]:
    """Every decision row is one the application's events recorded (a re-decision keeps the earlier
    ones), its columns agree with its own JSON, and the latest is the one the latest event holds."""
    audited: list[Any] = []
    latest_audited = None
    for _, before, after in _events(conn, "application", app_id):
        for state in (after, before):
            if isinstance(state, dict) and isinstance(state.get("decision"), dict):
                audited.append(state["decision"])
                if latest_audited is None and state is after:
                    latest_audited = state["decision"]
    out = []
    rows = conn.execute(
        "SELECT id, rule_version, eligible, allowance, decision_json FROM decisions WHERE application_id = ? "
        "ORDER BY decided_at DESC, id DESC",
        (app_id,),
    ).fetchall()
    for i, (dec_id, rule_version, eligible, allowance, decision_json) in enumerate(rows):
        if not audited:
            out.append(RowProblem("decision", dec_id, "record.unaudited"))
            continue
        stored = _loads(decision_json)
        fields = []
        if stored not in audited or (i == 0 and latest_audited is not None and stored != latest_audited):
            fields.append("decision_json")
        reference = stored if isinstance(stored, dict) else {}
        if "rule" in reference and not _same("rule_version", rule_version, reference["rule"]):
            fields.append("rule_version")
        if not _same("eligible", eligible, reference.get("eligible")):
            fields.append("eligible")
        if not _same("allowance", allowance, reference.get("allowance")):
            fields.append("allowance")
        if fields:
            out.append(RowProblem("decision", dec_id, "record.edited", tuple(fields)))
    return out


def check_rows(conn: sqlite3.Connection, *, limit: int = 200) -> tuple[int, list[RowProblem]]:
    """Every business row against its last audit event: ``(rows checked, problems)`` (at most
    ``limit`` problems are kept)."""
    checked = 0
    problems: list[RowProblem] = []
    present = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    for entity, (table, _) in _TABLES.items():
        if table not in present:  # print_records before schema 0002
            continue
        for row in _rows(conn, entity):
            checked += 1
            found = _check_entity(conn, entity, row)
            if found and len(problems) < limit:
                problems.extend(found[: limit - len(problems)])
    return checked, problems


def check_record(conn: sqlite3.Connection, entity: str, entity_id: str) -> list[RowProblem]:
    """One record (an application: with its person, enrollment, decision and prints) against its
    audit events; [] when it is what was audited."""
    if entity not in _TABLES:
        raise ValueError(entity)
    rows = list(_rows(conn, entity, "WHERE id = ?", (entity_id,)))
    out = [p for row in rows for p in _check_entity(conn, entity, row)]
    if entity == "application" and rows:
        out += [
            p
            for row in _rows(conn, "person", "WHERE id = ?", (rows[0]["person_id"],))
            for p in _check_entity(conn, "person", row)
        ]
        out += [
            p
            for row in _rows(conn, "print", "WHERE record_id = ?", (entity_id,))
            for p in _check_entity(conn, "print", row)
        ]
    return out


def assert_untampered(conn: sqlite3.Connection, entity: str, entity_id: str) -> None:
    """RecordTampered (coded, bilingual) when the record differs from its audit events."""
    problems = check_record(conn, entity, entity_id)
    if problems:
        first = problems[0]
        raise RecordTampered(
            entity=first.entity,
            id=first.id,
            detail=", ".join(first.fields) or first.code,
            field="id",
        )

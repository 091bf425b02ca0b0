"""Search: persons by ID number (full or prefix, or its last four characters ``154X``), Chinese name,
pinyin (full and initials: ``zx`` finds 张晓), Tibetan name and its Wylie form, a given name alone
(卓玛 finds 次仁卓玛), a syllable anywhere in the name (``sgrol ma`` finds ཚེ་རིང་སྒྲོལ་མ), and by an
application's receipt number (the hit names the application); employers by name or USCC.

Every person query is a prefix range scan on one indexed column (``col >= q AND col < q || U+10FFFF``,
in index order, so an exact match comes first); the service layer keeps the pinyin and Wylie key
columns and the inner keys (``person_search_keys``: tails of the name, last four of the ID number)
up to date. Scores: 1.0 for an exact match, else 0.5 + 0.5 × (query length / key length); a match
inside the name scores half that (below every match from the name's start), the last four of an ID
number 0.9, a receipt number 1.0.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from forms.ric import mask
from i18n.collation import names_key
from localdb.searchkeys import LAST4_MARK, has_han, has_tibetan, inner_keys, normalise_latin, wylie_key

_TOP = "\U0010ffff"
_ID_RE = re.compile(r"^\d{1,17}[\dX]?$")
_USCC_RE = re.compile(r"^[0-9A-Z]{2,18}$")
_LAST4_RE = re.compile(r"^\d{3}[\dX]$")
# county code, counter number, day, daily sequence: 540102-03-20261128-0007 (dashes optional)
_RECEIPT_RE = re.compile(r"^(\d{6})-?(\d{2})-?(\d{8})-?(\d{4})$")
LAST4_SCORE = 0.9

# query kind → the indexed columns it scans
KINDS: dict[str, tuple[str, ...]] = {
    "id_number": ("id_number",),
    "name_zh": ("name_zh",),
    "name_bo": ("name_bo",),
    "latin": ("pinyin_initials", "pinyin_full", "wylie_key"),
}


def classify(query: str) -> tuple[str, str]:
    """``(kind, normalised query)``."""
    q = unicodedata.normalize("NFC", query.strip())
    compact = q.replace(" ", "").upper()
    receipt = _RECEIPT_RE.match(compact)
    if receipt:
        return "receipt_no", "-".join(receipt.groups())
    if _ID_RE.match(compact):
        return "id_number", compact
    if has_han(q):
        return "name_zh", q.replace(" ", "").replace("•", "·").replace("・", "·")
    if has_tibetan(q):
        return "name_bo", q.rstrip("\u0f0b\u0f0d ")
    return "latin", normalise_latin(q)


def _score(key: str, q: str) -> float:
    if key == q:
        return 1.0
    return round(0.5 + 0.5 * len(q) / max(len(key), 1), 4)


def _stored_keys(s: Session, person_ids: list[str]) -> list[tuple[str, str]]:
    """``(key, person id)`` of what the persons hold now (a duplicate's ID number without its ``#``)."""
    conn = s.connection()
    keys: list[tuple[str, str]] = []
    for start in range(0, len(person_ids), 500):
        chunk = person_ids[start : start + 500]
        marks = ",".join("?" * len(chunk))
        for pid, zh, bo, number in conn.exec_driver_sql(
            f"SELECT id, name_zh, name_bo, id_number FROM persons WHERE id IN ({marks})", tuple(chunk)
        ):
            keys += [(k, pid) for k in inner_keys(zh, bo, (number or "").rstrip("#"))]
    return keys


def drop_inner_keys(s: Session, person_ids: Iterable[str]) -> None:
    """Drop the inner keys of persons about to be deleted or rewritten (before the write: the keys
    are found from the stored names, on the table's own key, with no second index)."""
    keys = _stored_keys(s, list(person_ids))
    if keys:
        s.connection().exec_driver_sql("DELETE FROM person_search_keys WHERE key = ? AND person_id = ?", keys)


def keep_inner_keys(
    s: Session, persons: Iterable[tuple[str, str, str | None, str]], *, fresh: bool = False
) -> None:
    """Write the inner keys of ``(id, name_zh, name_bo, id_number)`` persons in the caller's write
    transaction, replacing what they had: called before the persons' rows are written (``fresh``:
    new persons, nothing to replace)."""
    rows = list(persons)
    if not rows:
        return
    if not fresh:
        drop_inner_keys(s, [pid for pid, *_rest in rows])
    keys = [(k, pid) for pid, zh, bo, number in rows for k in inner_keys(zh, bo, number)]
    if keys:
        s.connection().exec_driver_sql(
            "INSERT OR IGNORE INTO person_search_keys (key, person_id) VALUES (?, ?)", keys
        )


def _hit(row: Any, score: float, matched: str) -> dict[str, Any]:
    pid, name_zh, name_bo, id_number, category = row[:5]
    return {
        "id": pid,
        "name_zh": name_zh,
        "name_bo": name_bo,
        "id_masked": mask(id_number),
        "category": category,
        "score": score,
        "matched": matched,
    }


def _inner_lookups(kind: str, q: str) -> list[tuple[str, bool]]:
    """``(key, whole key only)`` to look up in ``person_search_keys`` for a query."""
    if kind == "id_number":
        return [(LAST4_MARK + q, True)] if _LAST4_RE.match(q) else []
    if kind == "name_zh":
        return [(q.replace("·", ""), False)]
    if kind == "name_bo":  # Tibetan script typed: its syllables anywhere, by their Wylie
        key = wylie_key(q)
        return [(key, False)] if key else []
    return [(q, False)] if kind == "latin" and q else []


def _receipt_hits(s: Session, receipt_no: str) -> list[dict[str, Any]]:
    rows = s.execute(
        text(
            "SELECT p.id, p.name_zh, p.name_bo, p.id_number, p.category, a.id, a.receipt_no "
            "FROM applications a JOIN persons p ON p.id = a.person_id WHERE a.receipt_no = :r"
        ),
        {"r": receipt_no},
    ).all()
    return [{**_hit(row, 1.0, "receipt_no"), "application_id": row[5], "receipt_no": row[6]} for row in rows]


def search_persons(s: Session, query: str, limit: int = 50) -> list[dict[str, Any]]:
    kind, q = classify(query)
    if not q or limit <= 0:
        return []
    if kind == "receipt_no":
        return _receipt_hits(s, q)[:limit]
    found: dict[str, dict[str, Any]] = {}
    for key, whole in _inner_lookups(kind, q):
        rows = s.execute(
            text(
                "SELECT p.id, p.name_zh, p.name_bo, p.id_number, p.category, k.key "
                "FROM person_search_keys k JOIN persons p ON p.id = k.person_id "
                "WHERE k.key >= :lo AND k.key < :hi ORDER BY k.key LIMIT :n"
            ),
            {"lo": key, "hi": key + ("\x00" if whole else _TOP), "n": limit},
        )
        for row in rows:
            score = LAST4_SCORE if whole else round(_score(row[5], key) / 2, 4)
            if row[0] not in found or found[row[0]]["score"] < score:
                found[row[0]] = _hit(row, score, "id_last4" if whole else "inner")
    for column in KINDS[kind]:
        rows = s.execute(
            text(
                f"SELECT id, name_zh, name_bo, id_number, category, {column} FROM persons "
                f"WHERE {column} >= :lo AND {column} < :hi ORDER BY {column} LIMIT :n"
            ),
            {"lo": q, "hi": q + _TOP, "n": limit},
        )
        for row in rows:
            score = _score(row[5], q)
            if row[0] not in found or found[row[0]]["score"] < score:
                found[row[0]] = _hit(row, score, column)
    # equal scores in the order of the query's script: Tibetan (or Wylie) by the Tibetan name in
    # dictionary order, else the Chinese name by pinyin (i18n/collation.py)
    wylie = bool(found) and all(r["matched"] == "wylie_key" for r in found.values())
    lang = "bo" if kind == "name_bo" or wylie else "zh"
    ranked = sorted(
        found.values(), key=lambda r: (-r["score"], names_key(lang, r["name_bo"], r["name_zh"]), r["id"])
    )
    return ranked[:limit]


COUNT_CAP = 1000  # "1000 or more": beyond this a count says nothing more to the clerk


def count_persons(s: Session, query: str, cap: int = COUNT_CAP) -> int:
    """How many persons ``query`` matches, the same scans as ``search_persons`` without their limit
    (at most ``cap + 1``: each scan stops one past the cap, the persons counted once each)."""
    kind, q = classify(query)
    if not q:
        return 0
    if kind == "receipt_no":
        return min(len(_receipt_hits(s, q)), cap + 1)
    seen: set[str] = set()
    for key, whole in _inner_lookups(kind, q):
        seen.update(
            pid
            for (pid,) in s.execute(
                text("SELECT person_id FROM person_search_keys WHERE key >= :lo AND key < :hi LIMIT :n"),
                {"lo": key, "hi": key + ("\x00" if whole else _TOP), "n": cap + 1},
            )
        )
    for column in KINDS[kind]:
        seen.update(
            pid
            for (pid,) in s.execute(
                text(f"SELECT id FROM persons WHERE {column} >= :lo AND {column} < :hi LIMIT :n"),
                {"lo": q, "hi": q + _TOP, "n": cap + 1},
            )
        )
    return min(len(seen), cap + 1)


def _details(s: Session, person_ids: list[str]) -> dict[str, dict[str, Any]]:
    """What tells namesakes apart, by person id: birth date, county and the current employer."""
    out: dict[str, dict[str, Any]] = {}
    conn = s.connection()
    for start in range(0, len(person_ids), 500):
        chunk = person_ids[start : start + 500]
        marks = ",".join("?" * len(chunk))
        for pid, birth, county in conn.exec_driver_sql(
            f"SELECT id, birth_date, county_code FROM persons WHERE id IN ({marks})", tuple(chunk)
        ):
            out[pid] = {
                "birth_date": str(birth) if birth else None,
                "county_code": county,
                "employer_name_zh": None,
                "employer_name_bo": None,
            }
        # the open enrollment's employer (the latest one when there are several)
        for pid, zh, bo in conn.exec_driver_sql(
            "SELECT en.person_id, e.name_zh, e.name_bo FROM enrollments en "
            "JOIN employers e ON e.id = en.employer_id "
            f"WHERE en.person_id IN ({marks}) AND en.ended_on IS NULL ORDER BY en.insured_since",
            tuple(chunk),
        ):
            out[pid].update(employer_name_zh=zh, employer_name_bo=bo)
    return out


def lookup_persons(s: Session, query: str, limit: int = 50, cap: int = COUNT_CAP) -> dict[str, Any]:
    """The desktop lookup: ``search_persons``'s hits, each with what tells namesakes apart
    (``birth_date``, ``county_code``, ``employer_name_zh``/``_bo``), and the true number of matches
    (``total``, ``capped`` when there are more than ``cap``)."""
    hits = search_persons(s, query, limit)
    total = max(count_persons(s, query, cap), len(hits)) if hits else 0
    details = _details(s, [h["id"] for h in hits])
    return {
        "hits": [{**h, **details.get(h["id"], {})} for h in hits],
        "total": min(total, cap),
        "capped": total > cap,
    }


def search_employers(s: Session, query: str, limit: int = 50) -> list[dict[str, Any]]:
    q = query.strip()
    if not q:
        return []
    code = q.replace(" ", "").upper()
    if _USCC_RE.match(code) and any(c.isdigit() for c in code):
        rows = s.execute(
            text(
                "SELECT id, uscc, name_zh, name_bo, uscc FROM employers WHERE uscc >= :lo AND uscc < :hi "
                "ORDER BY uscc LIMIT :n"
            ),
            {"lo": code, "hi": code + _TOP, "n": limit},
        )
        key_q = code
    else:
        like = "%" + q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        rows = s.execute(
            text(
                "SELECT id, uscc, name_zh, name_bo, name_zh FROM employers "
                "WHERE name_zh LIKE :like ESCAPE '\\' OR name_bo LIKE :like ESCAPE '\\' LIMIT :n"
            ),
            {"like": like, "n": limit * 4},
        )
        key_q = q
    out = [
        {
            "id": i,
            "uscc": u,
            "name_zh": zh,
            "name_bo": bo,
            "score": _score(key, key_q) if key.startswith(key_q) else 0.5,
        }
        for i, u, zh, bo, key in rows
    ]
    lang = "bo" if has_tibetan(q) else "zh"
    out.sort(key=lambda r: (-r["score"], names_key(lang, r["name_bo"], r["name_zh"]), r["id"]))
    return out[:limit]

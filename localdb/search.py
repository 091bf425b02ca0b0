"""Search: persons by ID number (full or prefix), Chinese name, pinyin (full and initials: ``zx``
finds 张晓), Tibetan name and its Wylie form; employers by name or USCC.

Every person query is a prefix range scan on one indexed column (``col >= q AND col < q || U+10FFFF``,
in index order, so an exact match comes first); the service layer keeps the pinyin and Wylie key
columns up to date. Scores: 1.0 for an exact match, else 0.5 + 0.5 × (query length / key length).
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from forms.ric import mask
from i18n.collation import names_key
from localdb.searchkeys import has_han, has_tibetan, normalise_latin

_TOP = "\U0010ffff"
_ID_RE = re.compile(r"^\d{1,17}[\dX]?$")
_USCC_RE = re.compile(r"^[0-9A-Z]{2,18}$")

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


def search_persons(s: Session, query: str, limit: int = 50) -> list[dict[str, Any]]:
    kind, q = classify(query)
    if not q or limit <= 0:
        return []
    found: dict[str, dict[str, Any]] = {}
    for column in KINDS[kind]:
        rows = s.execute(
            text(
                f"SELECT id, name_zh, name_bo, id_number, category, {column} FROM persons "
                f"WHERE {column} >= :lo AND {column} < :hi ORDER BY {column} LIMIT :n"
            ),
            {"lo": q, "hi": q + _TOP, "n": limit},
        )
        for pid, name_zh, name_bo, id_number, category, key in rows:
            score = _score(key, q)
            if pid not in found or found[pid]["score"] < score:
                found[pid] = {
                    "id": pid,
                    "name_zh": name_zh,
                    "name_bo": name_bo,
                    "id_masked": mask(id_number),
                    "category": category,
                    "score": score,
                    "matched": column,
                }
    # equal scores in the order of the query's script: Tibetan (or Wylie) by the Tibetan name in
    # dictionary order, else the Chinese name by pinyin (i18n/collation.py)
    wylie = bool(found) and all(r["matched"] == "wylie_key" for r in found.values())
    lang = "bo" if kind == "name_bo" or wylie else "zh"
    ranked = sorted(
        found.values(), key=lambda r: (-r["score"], names_key(lang, r["name_bo"], r["name_zh"]), r["id"])
    )
    return ranked[:limit]


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

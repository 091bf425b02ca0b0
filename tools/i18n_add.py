"""Add or update one message in all three catalogs (en, zh, bo).

    python tools/i18n_add.py MSGID "English" "中文" "བོད་ཡིག"

The .po files under i18n/locale are the source of truth and open in any gettext tool (Poedit, Weblate);
this script only saves typing three files by hand.
"""

from __future__ import annotations

import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parents[1] / "i18n" / "locale"
DOMAIN = "liangxian"


def po_path(lang: str) -> Path:
    return ROOT / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


def load(lang: str) -> Catalog:
    path = po_path(lang)
    if path.exists():
        with path.open("rb") as fh:
            return read_po(fh, locale=lang, domain=DOMAIN)
    return Catalog(locale=lang, domain=DOMAIN, project="liangxian", charset="utf-8")


def save(lang: str, catalog: Catalog) -> None:
    path = po_path(lang)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as fh:
        write_po(fh, catalog, width=0, omit_header=False, sort_output=True)


def add_many(rows: list[tuple[str, str, str, str]]) -> None:
    import fcntl

    ROOT.mkdir(parents=True, exist_ok=True)
    with (ROOT / ".lock").open("w") as lock:  # several people may add messages at once
        fcntl.flock(lock, fcntl.LOCK_EX)
        _add_many_locked(rows)


def _add_many_locked(rows: list[tuple[str, str, str, str]]) -> None:
    catalogs = {lang: load(lang) for lang in ("en", "zh", "bo")}
    for msgid, en, zh, bo in rows:
        for lang, text in (("en", en), ("zh", zh), ("bo", bo)):
            flags = ["python-brace-format"] if "{" in en else []
            catalogs[lang].delete(msgid)
            catalogs[lang].add(msgid, text, flags=flags)
    for lang, catalog in catalogs.items():
        save(lang, catalog)


if __name__ == "__main__":
    if len(sys.argv) != 5:
        sys.exit(__doc__)
    add_many([tuple(sys.argv[1:5])])  # type: ignore[list-item]

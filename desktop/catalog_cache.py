"""A start-up cache of the message catalogs for the desktop.

Parsing the ``.po`` catalogs with Babel costs the window tens of milliseconds at every start. The
first start after a catalog changes parses it through ``i18n.catalog`` as usual and keeps the result
as JSON in the user's cache folder, keyed by the catalog file's size and modification time; later
starts read the JSON. The catalogs stay the single source of truth: a stale or unreadable cache is
ignored and rebuilt.
"""

from __future__ import annotations

import json
import logging
import os
from functools import cache
from pathlib import Path

import i18n

log = logging.getLogger(__name__)


def _cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "liangxian" / "catalogs"


def _key(lang: str) -> str:
    po = i18n.LOCALE_DIR / lang / "LC_MESSAGES" / f"{i18n.DOMAIN}.po"
    st = po.stat()
    return f"{lang}-{st.st_size}-{st.st_mtime_ns}"


@cache
def catalog(lang: str) -> dict[str, str]:
    """msgid → text of ``lang``, the same dict ``i18n.catalog`` returns."""
    try:
        path = _cache_dir() / f"{_key(lang)}.json"
    except OSError:
        return i18n.catalog(lang)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if isinstance(data, dict):
            return data
    except (OSError, ValueError):
        pass
    data = i18n.catalog(lang)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        for old in path.parent.glob(f"{lang}-*.json"):
            old.unlink(missing_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
        tmp.replace(path)
    except OSError as exc:
        log.debug("catalog cache not written: %s", exc)
    return data


class _SafeDict(dict):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def gettext(msgid: str, lang: str, /, **params: object) -> str:
    """As ``i18n.gettext``: the language, then English, then the msgid itself."""
    text = catalog(lang).get(msgid) or catalog("en").get(msgid) or msgid
    return text.format_map(_SafeDict(params)) if params else text

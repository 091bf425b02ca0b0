"""Message catalogs (zh, bo, en) and text helpers.

The catalogs are gettext ``.po`` files under ``i18n/locale/<lang>/LC_MESSAGES/liangxian.po`` so that
translators' tools (Poedit, Weblate, Babel) open them. Message ids are stable dotted codes
(``error.id.checksum``, ``field.name_zh``); the English catalog doubles as the template. Every
user-facing string in liangxian comes from here.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Final

LANGS: Final = ("zh", "bo", "en")
DOMAIN: Final = "liangxian"
LOCALE_DIR: Final = Path(__file__).resolve().parent / "locale"


class _SafeDict(dict):
    """Leaves unknown ``{placeholders}`` visible instead of raising."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


@cache
def catalog(lang: str) -> dict[str, str]:
    """All translated messages of one language, msgid → text (untranslated ones left out)."""
    from babel.messages.pofile import read_po

    path = LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.po"
    with path.open("rb") as fh:
        cat = read_po(fh, locale=lang, domain=DOMAIN)
    return {m.id: m.string for m in cat if m.id and m.string and not m.fuzzy}


def has(msgid: str) -> bool:
    return msgid in catalog("en")


def gettext(msgid: str, lang: str = "zh", /, **params: object) -> str:
    """The text of ``msgid`` in ``lang``, formatted with ``params``.

    Falls back to English, then to the msgid itself, so a missing translation shows up as a visible
    code rather than a crash (and the catalog completeness test fails).
    """
    if lang not in LANGS:
        raise ValueError(f"unknown language {lang!r}")
    text = catalog(lang).get(msgid) or catalog("en").get(msgid) or msgid
    if params:
        return text.format_map(_SafeDict(params))
    return text


def trilingual(msgid: str, /, **params: object) -> dict[str, str]:
    """``{"zh": …, "bo": …, "en": …}`` for one message."""
    return {lang: gettext(msgid, lang, **params) for lang in LANGS}


_ = gettext

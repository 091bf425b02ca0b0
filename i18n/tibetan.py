"""Tibetan text helpers: Wylie (EWTS) conversion, script checks and line-break opportunities.

Tibetan (U+0F00–U+0FFF) separates syllables with the tsheg ་ (U+0F0B) and ends clauses with the shad
། (U+0F0D). A line may break only after a tsheg or shad, never inside a syllable (stacked consonants
belong together and need OpenType shaping to render).
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache

TSHEG = "\u0f0b"
SHAD = "\u0f0d"
_BREAK_AFTER = frozenset("\u0f0b\u0f0c\u0f0d\u0f0e\u0f0f\u0f10\u0f11\u0f14 ")
_TIBETAN_RE = re.compile(r"[\u0f00-\u0fff]")
_NAME_OK_RE = re.compile(r"^[\u0f00-\u0fff\s·]+$")


@cache
def _converter():  # pyewts builds large tables; do it once, lazily
    import pyewts

    return pyewts.pyewts()


class WylieError(ValueError):
    """The EWTS text has parts that do not form Tibetan syllables."""


def wylie_to_unicode(text: str) -> str:
    """``bkra shis`` → ``བཀྲ་ཤིས``. Raises WylieError when pyewts reports a conversion warning."""
    warnings: list[str] = []
    result = _converter().toUnicode(text.strip(), warnings)
    if warnings:
        raise WylieError("; ".join(str(w) for w in warnings))
    return unicodedata.normalize("NFC", result)


def unicode_to_wylie(text: str) -> str:
    return _converter().toWylie(text)


def has_tibetan(text: str) -> bool:
    return bool(_TIBETAN_RE.search(text))


def is_tibetan_name(text: str) -> bool:
    """Only Tibetan script, spaces and the middle dot."""
    return bool(text) and bool(_NAME_OK_RE.match(text))


def break_opportunities(text: str) -> list[int]:
    """Indices *after which* a line may break (after tsheg, shad and spaces)."""
    return [i + 1 for i, ch in enumerate(text) if ch in _BREAK_AFTER]


def split_syllables(text: str) -> list[str]:
    """Cut text into unbreakable chunks, each ending with its tsheg/shad (if any)."""
    chunks: list[str] = []
    start = 0
    for end in break_opportunities(text):
        chunks.append(text[start:end])
        start = end
    if start < len(text):
        chunks.append(text[start:])
    return chunks

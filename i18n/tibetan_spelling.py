"""Tibetan spelling: every syllable of our Tibetan text checked by two independent authorities.

1. Debian's hunspell Tibetan dictionary (package ``hunspell-bo``, ``/usr/share/hunspell/bo.dic`` and
   ``bo.aff``, from Élie Roux's tibetan-spellchecker): a dictionary of syllables, each a root stack
   with the vowels, suffixes and second suffixes its affix rules allow. Read by the ``hunspell``
   command (package ``hunspell``) in list mode (``-l``: prints the words it does not know).
2. botok's syllable structure (PyPI ``botok``, ``botok.SylComponents``): the syllable must split
   into a known root cluster (prefix, superscript, root, subscript) and an allowed ending. This part
   of botok reads only ``botok/resources/SylComponents.json`` shipped inside the wheel; it needs no
   download at run time (botok's word tokenizer does, and is not used here).

A syllable is known when either authority knows it. Syllables neither knows (Chinese words written
in Tibetan letters, names, Sanskrit marks) are listed with their reason in
``i18n/tibetan_accepted.toml``, a file a reviewer reads.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tomllib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Final

HUNSPELL_DICT: Final = Path("/usr/share/hunspell/bo")
ACCEPTED_FILE: Final = Path(__file__).resolve().parent / "tibetan_accepted.toml"

# Letters, subjoined letters, vowel signs and marks that belong inside a syllable; anything else
# (tsheg, shad, digits, spaces, Latin, placeholders) separates syllables.
_SYLLABLE_RE: Final = re.compile(r"[\u0f40-\u0f6c\u0f71-\u0f87\u0f8d-\u0fbc\u0f35\u0f37\u0f39]+")
_PLACEHOLDER_RE: Final = re.compile(r"\{[A-Za-z_][A-Za-z0-9_]*\}")


@dataclass(frozen=True)
class TibetanText:
    """One Tibetan string and where it comes from (file and key), for the failure message."""

    source: str
    text: str


def syllables(text: str) -> list[str]:
    """The syllables of a text, without tsheg or shad: ``བཀྲ་ཤིས།`` → ``["བཀྲ", "ཤིས"]``."""
    return _SYLLABLE_RE.findall(_PLACEHOLDER_RE.sub(" ", text))


@cache
def _syllable_components():  # botok loads a JSON table; once, lazily
    from botok import SylComponents

    return SylComponents()


def botok_knows(syllable: str) -> bool:
    """botok can split the syllable into a valid root cluster and ending."""
    return _syllable_components().get_parts(syllable) is not None


def hunspell_unknown(words: Iterable[str]) -> set[str]:
    """The words the hunspell Tibetan dictionary does not know (one ``hunspell -l`` run)."""
    words = sorted(set(words))
    if not words:
        return set()
    exe = shutil.which("hunspell")
    if exe is None or not HUNSPELL_DICT.with_suffix(".dic").exists():
        raise RuntimeError("hunspell and hunspell-bo are needed (scripts/setup-system.sh installs them)")
    out = subprocess.run(
        [exe, "-d", str(HUNSPELL_DICT), "-i", "utf-8", "-l"],
        input="\n".join(words) + "\n",
        capture_output=True,
        text=True,
        encoding="utf-8",
        check=True,
        timeout=60,
    ).stdout
    return {line.strip() for line in out.splitlines() if line.strip()}


def accepted() -> dict[str, str]:
    """Reviewed unknown syllables: syllable → reason."""
    with ACCEPTED_FILE.open("rb") as fh:
        data = tomllib.load(fh)
    return {entry["syllable"]: entry["reason"] for entry in data.get("syllable", [])}


def unknown_syllables(texts: Iterable[TibetanText]) -> dict[str, list[str]]:
    """Syllables neither hunspell nor botok knows and not accepted: syllable → sources using it."""
    where: dict[str, list[str]] = {}
    for item in texts:
        for syl in syllables(item.text):
            where.setdefault(syl, []).append(item.source)
    by_hunspell = hunspell_unknown(where)
    ok = accepted()
    return {s: where[s] for s in sorted(by_hunspell) if not botok_knows(s) and s not in ok}


def _strings(value: object, key: str) -> Iterator[tuple[str, str]]:
    if isinstance(value, str):
        yield key, value
    elif isinstance(value, dict):
        for k, v in value.items():
            yield from _strings(v, f"{key}.{k}" if key else str(k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _strings(v, f"{key}[{i}]")


def toml_tibetan(path: Path, label: str) -> list[TibetanText]:
    """Every string value in a TOML file that contains Tibetan."""
    with path.open("rb") as fh:
        data = tomllib.load(fh)
    return [TibetanText(f"{label}:{k}", v) for k, v in _strings(data, "") if syllables(v)]

"""Search keys of a person, computed once at write time and kept in indexed columns.

- ``pinyin_full``: the Chinese name in toneless pinyin without spaces (张晓 → ``zhangxiao``);
- ``pinyin_initials``: the first letters (张晓 → ``zx``);
- ``wylie_key``: the Tibetan name in EWTS/Wylie, lower case, without spaces or tsheg
  (བཀྲ་ཤིས → ``bkrashis``), so ``bkra shis`` and ``bkrashis`` both find it.

A query is normalised the same way and matched as a prefix of the key (an index range scan). Pure
functions, also used by the migration that backfills the keys.

Beside these, :func:`inner_keys` gives the keys a person is also found by from inside the name and
the ID number, kept one row per key in ``person_search_keys`` (schema revision 0008):

- every tail of the Chinese name from its second character (次仁卓玛 → 仁卓玛, 卓玛, 玛), so that a
  given name alone (卓玛) finds the person;
- every tail of the Wylie and of the pinyin from a syllable boundary (ཚེ་རིང་སྒྲོལ་མ →
  ``ringsgrolma``, ``sgrolma``, ``ma``), so that a syllable anywhere (``sgrol ma``) finds it;
- ``#`` and the last four characters of the ID number (``#123X``), the way a clerk reads them back.

A prefix scan over these tails is a search for a word anywhere in the name, still on one index.
"""

from __future__ import annotations

import re
from functools import lru_cache

_NOT_LETTER = re.compile(r"[^a-z]")
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f]")
_TIBETAN = re.compile(r"[\u0f00-\u0fff]")


# Surnames read differently from the character's everyday reading (pypinyin reads 曾 as "ceng", 单 as
# "dan"). A name starts with its surname, so the first syllable uses this table. Compound surnames first.
SURNAME_READINGS = {
    "尉迟": ("yu", "chi"),
    "万俟": ("mo", "qi"),
    "长孙": ("zhang", "sun"),
    "曾": ("zeng",),
    "单": ("shan",),
    "解": ("xie",),
    "仇": ("qiu",),
    "朴": ("piao",),
    "查": ("zha",),
    "区": ("ou",),
    "盖": ("ge",),
    "乐": ("yue",),
    "覃": ("qin",),
    "缪": ("miao",),
    "翟": ("zhai",),
    "种": ("chong",),
    "秘": ("bi",),
    "员": ("yun",),
    "召": ("shao",),
    "隗": ("wei",),
    "冼": ("xian",),
    "折": ("she",),
    "句": ("gou",),
    "牟": ("mou",),
    "繁": ("po",),
    "黑": ("he",),
    "宁": ("ning",),
    "任": ("ren",),
    "沈": ("shen",),
    "华": ("hua",),
}


def _pinyin(han: str) -> list[str]:
    # pypinyin loads its phrase dictionary (~0.3 s) on import: only when a name is first keyed, not
    # when the store (or the GUI) starts.
    from pypinyin import Style, lazy_pinyin

    return lazy_pinyin(han, style=Style.NORMAL, errors="ignore")


@lru_cache(maxsize=65536)
def pinyin_keys(name_zh: str) -> tuple[str, str]:
    """``(full, initials)`` of a Chinese name; the middle dot of transcribed names is dropped and the
    surname is read as a surname (曾 → zeng)."""
    han = "".join(_HAN.findall(name_zh or ""))
    if not han:
        return "", ""
    head: tuple[str, ...] = ()
    for surname in (han[:2], han[:1]):
        if surname in SURNAME_READINGS:
            head, han = SURNAME_READINGS[surname], han[len(surname) :]
            break
    syllables = [*head, *_pinyin(han)] if han else list(head)
    full = _NOT_LETTER.sub("", "".join(syllables).lower().replace("ü", "v"))
    initials = "".join(s[0] for s in syllables if s).lower()
    return full, initials


@lru_cache(maxsize=65536)
def wylie_key(name_bo: str | None) -> str:
    if not name_bo or not _TIBETAN.search(name_bo):
        return ""
    from i18n.tibetan import unicode_to_wylie

    return normalise_latin(unicode_to_wylie(name_bo))


def normalise_latin(text: str) -> str:
    """Lower case ASCII letters only (EWTS apostrophes and capitals are folded away)."""
    return _NOT_LETTER.sub("", text.lower())


def person_keys(name_zh: str, name_bo: str | None) -> dict[str, str | None]:
    full, initials = pinyin_keys(name_zh)
    return {
        "pinyin_full": full or None,
        "pinyin_initials": initials or None,
        "wylie_key": wylie_key(name_bo) or None,
    }


#: the key of an ID number's last four characters (kept apart from the name tails by the ``#``)
LAST4_MARK = "#"


def last4_key(id_number: str) -> str:
    return LAST4_MARK + id_number[-4:].upper() if len(id_number) >= 4 else ""


def _tails(syllables: list[str]) -> list[str]:
    return [normalise_latin("".join(syllables[i:])) for i in range(1, len(syllables))]


@lru_cache(maxsize=65536)
def inner_keys(name_zh: str, name_bo: str | None, id_number: str) -> tuple[str, ...]:
    """The keys a person is found by from inside the name (a given name, a syllable) and by the last
    four characters of the ID number; the whole-name keys are :func:`person_keys`."""
    keys: list[str] = []
    han = "".join(_HAN.findall(name_zh or ""))
    keys += [han[i:] for i in range(1, len(han))]
    if han:
        keys += _tails([s for s in _pinyin(han) if s])
    if name_bo and _TIBETAN.search(name_bo):
        from i18n.tibetan import unicode_to_wylie

        keys += _tails(unicode_to_wylie(name_bo).split())
    keys.append(last4_key(id_number or ""))
    return tuple(dict.fromkeys(k for k in keys if k))


def has_han(text: str) -> bool:
    return bool(_HAN.search(text))


def has_tibetan(text: str) -> bool:
    return bool(_TIBETAN.search(text))

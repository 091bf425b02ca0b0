"""Collation: names in the order a reader of each script expects, for every list sorted by name.

``sort_key(text, lang)`` is the one key lists use. Tibetan runs sort in the traditional dictionary
order, Chinese runs by pinyin (then tone, then the character), Latin runs case-folded; the script of the
UI language comes first among Tibetan and Chinese, Latin letters and digits before both.

Tibetan dictionary order (བོད་ཀྱི་ཚིག་མཛོད་ཀྱི་གོ་རིམ)
---------------------------------------------------
Tibetan is not sorted by code point: a syllable is filed under its root letter (མིང་གཞི), not under
its first written letter, so དཀར, བཀའ and རྐང all stand in the ཀ section. Each syllable
(separated by the tsheg ་) is parsed into its parts and compared part by part, in this order:

1. the root letter, in the order of the alphabet ཀ ཁ ག ང ཅ ཆ ཇ ཉ ཏ ཐ ད ན པ ཕ བ མ ཙ ཚ ཛ ཝ ཞ ཟ འ ཡ ར ལ ཤ
   ས ཧ ཨ; the Sanskrit reversed letters ཊ ཋ ཌ ཎ ཥ stand with ཏ ཐ ད ན ཤ, after every syllable of the
   plain letter without a subscript (TDC p. 1032: ཏོལ < ཊ < ཏྭོན);
2. what stands before and above the root: nothing, then the prefixes (སྔོན་འཇུག) ག ད བ མ འ, then the
   superscripts (མགོ་ཅན) ར ལ ས, then a prefix with a superscript (བར བལ བས): ཀ … དཀ … བཀ … རྐ … ལྐ …
   སྐ … བརྐ … བསྐ;
3. the subscripts (འདོགས་ཅན) in alphabet order: none < ྭ < ྱ < ྲ < ླ (Sanskrit stacks such as ཀྵ ཀྷ
   follow the same rule with their letters);
4. the vowel: none (the inherent a) < ཱ < ི < ཱི < ྀ < ཱྀ < ུ < ཱུ < ེ < ཻ < ོ < ཽ;
5. the suffix (རྗེས་འཇུག) and second suffix (ཡང་འཇུག) in alphabet order, a bare syllable first
   (ཀ < ཀག < ཀགས < ཀང); the affixed particles འི འུ འོ འང འམ after the suffix འ, consonants before
   vowels (ཀའ < ཀའང < ཀའམ < ཀའི < ཀའུ < ཀའོ < ཀར); ཾ and ྃ right after the letter they abbreviate
   (ཀམ < ཀཾ < ཀམས); a stacked continuation of a transcribed Sanskrit word after every plain suffix
   (ཀར < ཀརྐ < ཀརྨ < ཀལ; TDC p. 9-11).

Which written letter is the root follows the standard syllable structure: a letter with a vowel sign,
a subscript or under a superscript is the root, unless it is an affixed particle; before it at most
one prefix, and only a prefix the root admits (ད before ཀ ག ང པ བ མ; ག before ཅ ཉ ཏ ད ན ཙ ཞ ཟ ཡ ཤ ས;
བ before ཀ ག ཅ ཏ ད ཙ ཞ ཟ ཤ ས and a superscript; མ before ཁ ག ང ཆ ཇ ཉ ཐ ད ན ཚ ཛ; འ before ཁ ག ཆ ཇ ཐ ད
ཕ བ ཚ ཛ). Of two bare letters the first is the root when the second can be a suffix (དག is ད with the
suffix ག, but དཀ is ཀ with the prefix ད); of three or more, the second when the first is a prefix it
admits (དགའ, གནས, བདག), except the four readings with the first letter as root, དངས བགས མགས མངས. A syllable with a stack no Tibetan word has (ཉྫ, གྷ after a vowel) is a
transcribed word and is filed under its first letter (གཉྫིར after གངས, before གད; TDC p. 347).

Sources: Tshe-ring et al., བོད་རྒྱ་ཚིག་མཛོད་ཆེན་མོ (Tibetan–Chinese Great Dictionary, TDC; 民族出版社
1985/1993), the pages cited above; N. Tournadre & Sangda Dorje, *Manual of Standard Tibetan*
(2003), ch. on the dictionary order; the syllable-structure tables of Tibetan grammar (སུམ་རྟགས).
The order and the test lists of ``tests/i18n/test_collation.py`` follow the TDC and Tournadre.

Not modelled: the Combining Grapheme Joiner used to force an unusual reading, and the Wylie
disambiguation of ambiguous syllables (a dictionary headword decides those).

Why not a library: tibetan-sort 0.2.0 (the kept Python package) does not install with a current
setuptools (its setup.py imports ``pkg_resources``), compares with a cmp function rather than a key,
and misorders 18 of the 63 order lists its own tests carry (the Sanskrit stacks, ཾ/ྃ, NFC/NFD); this
module orders 61 of them (not the CGJ list, nor Lao before Tibetan, which a Tibetan list puts last).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

ALPHABET = "ཀཁགངཅཆཇཉཏཐདནཔཕབམཙཚཛཝཞཟའཡརལཤསཧཨ"
_RANK: dict[str, int] = {c: (i + 1) * 10 for i, c in enumerate(ALPHABET)}
# letters outside the thirty: filed with the letter they are a variant of
_VARIANT_OF = {"ཊ": "ཏ", "ཋ": "ཐ", "ཌ": "ད", "ཎ": "ན", "ཥ": "ཤ", "ཪ": "ར", "ཫ": "ཀ", "ཬ": "ར"}
_RETROFLEX = frozenset("ཊཋཌཎཥ")
_PREFIX_ROOTS = {
    "ག": frozenset("ཅཉཏདནཙཞཟཡཤས"),
    "ད": frozenset("ཀགངཔབམ"),
    "བ": frozenset("ཀགཅཏདཙཞཟཤས"),
    "མ": frozenset("ཁགངཆཇཉཐདནཚཛ"),
    "འ": frozenset("ཁགཆཇཐདཕབཚཛ"),
}
_SUPER_ROOTS = {
    "ར": frozenset("ཀགངཇཉཏདནབམཙཛ"),
    "ལ": frozenset("ཀགངཅཇཏདཔབཧ"),
    "ས": frozenset("ཀགངཉཏདནཔབམཙ"),
}
_SUBSCRIPTS = frozenset("ཝཡརལ")
_SUFFIXES = frozenset("གངདནབམའརལས")
_ROOT_FIRST = frozenset({("ད", "ང"), ("བ", "ག"), ("མ", "ག"), ("མ", "ང")})  # དངས བགས མགས མངས
_HEAD_RANK = {"": 0, "ག": 1, "ད": 2, "བ": 3, "མ": 4, "འ": 5, "^ར": 6, "^ལ": 7, "^ས": 8}
_HEAD_RANK.update({"བ^ར": 9, "བ^ལ": 10, "བ^ས": 11})
_VOWELS: dict[str, int] = {
    "": 0,
    "\u0f71": 1,
    "\u0f72": 2,
    "\u0f71\u0f72": 3,
    "\u0f80": 4,
    "\u0f71\u0f80": 5,
    "\u0f74": 6,
    "\u0f71\u0f74": 7,
    "\u0f7a": 8,
    "\u0f7b": 9,
    "\u0f7a\u0f7a": 10,
    "\u0f7c": 11,
    "\u0f7c\u0f7c": 12,
    "\u0f7d": 13,
}
# marks that abbreviate a final letter: sorted right after that letter
_MARK_AS = {"\u0f7e": "མ", "\u0f83": "ང", "\u0f82": "ང"}
_SUBJOINED = 500  # a stacked letter after the root sorts after every plain letter
_VOWEL = 1000  # a vowel after the root (of an affixed particle) after every consonant
_ILL_FORMED = 990  # a syllable starting with a sign, not a letter: after ཨ
_SEPARATORS = re.compile(r"[\u0f00-\u0fff]+")


def _letter_rank(c: str) -> int:
    if c in _RANK:
        return _RANK[c]
    if c in _VARIANT_OF:
        return _RANK[_VARIANT_OF[c]] + 5
    return 400 + ord(c) - 0x0F40


def _base(c: str) -> str:
    """The base form of a subjoined letter (ྐ → ཀ); a base letter unchanged."""
    o = ord(c)
    if 0x0F90 <= o <= 0x0FBC:
        return {"\u0fba": "ཝ", "\u0fbb": "ཡ", "\u0fbc": "ར"}.get(c, chr(o - 0x50))
    return c


@dataclass
class _Unit:
    """One written letter with what is stacked under it and its signs."""

    base: str
    subs: list[str]
    vowels: str = ""
    marks: str = ""

    @property
    def plain(self) -> bool:
        return not (self.subs or self.vowels or self.marks)

    def superscript(self) -> bool:
        return bool(self.subs) and self.subs[0] in _SUPER_ROOTS.get(self.base, frozenset())

    def root_letter(self) -> str:
        return self.subs[0] if self.superscript() else self.base

    def regular(self) -> bool:
        below = self.subs[1:] if self.superscript() else self.subs
        return len(below) <= 2 and all(s in _SUBSCRIPTS for s in below)


def _units(syllable: str) -> list[_Unit] | None:
    units: list[_Unit] = []
    for c in syllable:
        o = ord(c)
        if 0x0F40 <= o <= 0x0F6C:
            units.append(_Unit(c, []))
        elif not units:
            return None
        elif 0x0F90 <= o <= 0x0FBC:
            units[-1].subs.append(_base(c))
        elif 0x0F71 <= o <= 0x0F7D or o in (0x0F80, 0x0F81):
            units[-1].vowels += c
        else:
            units[-1].marks += c
    return units or None


def _prefix_admits(prefix: _Unit, root: _Unit) -> bool:
    if not prefix.plain or prefix.base not in _PREFIX_ROOTS:
        return False
    if root.superscript():
        return prefix.base == "བ"
    if prefix.base == "བ" and root.base == "ར" and root.subs[:1] == ["ལ"]:
        return True  # བརླ
    return root.base in _PREFIX_ROOTS[prefix.base]


def _root_index(units: list[_Unit]) -> int:
    if not all(u.regular() for u in units):
        return 0  # a transcribed (Sanskrit) word: filed under its first letter
    stacked = next((i for i, u in enumerate(units) if not u.plain), None)
    if stacked == 0 or len(units) == 1:
        return 0
    admits = _prefix_admits(units[0], units[1])
    if stacked == 1:
        return 1 if admits else 0
    n = stacked if stacked is not None else len(units)
    if n == 2 and stacked is None and units[1].base in _SUFFIXES:
        return 0  # དག: ད with the suffix ག (but དཀ is ཀ with the prefix ད)
    if n == 3 and stacked is None and units[2].base == "ས" and (units[0].base, units[1].base) in _ROOT_FIRST:
        return 0
    return 1 if admits else 0


def _tail(units: list[_Unit], root_marks: str) -> tuple[int, ...]:
    out: list[int] = []

    def marks(text: str) -> None:
        for m in text:
            if m in _MARK_AS:
                out.extend((_letter_rank(_MARK_AS[m]), 1))
            else:
                out.append(2 + ord(m) % 7)  # visarga, halanta…: just after the bare syllable

    marks(root_marks)
    for u in units:
        out.append(_letter_rank(u.base))
        out.extend(_SUBJOINED + _letter_rank(s) for s in u.subs)
        if u.vowels:
            out.append(_VOWEL + _VOWELS.get(u.vowels, 50 + len(u.vowels)))
        marks(u.marks)
    return tuple(out)


SyllableKey = tuple[int, int, tuple[int, ...], int, tuple[int, ...], int]


@lru_cache(maxsize=65536)
def syllable_key(syllable: str) -> SyllableKey:
    """The dictionary-order key of one Tibetan syllable (without its tsheg)."""
    flag = 0
    if "\u0f00" in syllable:  # ༀ: after the spelled-out ཨོཾ
        syllable, flag = syllable.replace("\u0f00", "ཨོཾ"), 1
    units = _units(unicodedata.normalize("NFD", syllable))
    if units is None:
        return (_ILL_FORMED, 0, tuple(ord(c) for c in syllable), 0, (), flag)
    r = _root_index(units)
    root = units[r]
    head = (units[0].base if r == 1 else "") + (f"^{root.base}" if root.superscript() else "")
    letter = root.root_letter()
    subs = root.subs[1:] if root.superscript() else root.subs
    sub_key = tuple(_letter_rank(s) for s in subs)
    if letter in _RETROFLEX:
        sub_key = (1, *sub_key)  # after the plain letter, before its subscripts
    root_rank = _RANK.get(_VARIANT_OF.get(letter, letter), _letter_rank(letter))
    vowel = _VOWELS.get(root.vowels, 50 + len(root.vowels))
    return (root_rank, _HEAD_RANK.get(head, 12), sub_key, vowel, _tail(units[r + 1 :], root.marks), flag)


def tibetan_key(text: str) -> tuple[SyllableKey, ...]:
    """The dictionary-order key of Tibetan text: its syllables' keys in turn; tsheg, shad and other
    punctuation are ignored."""
    return tuple(syllable_key(s) for s in _syllables(text))


_LETTERS_SIGNS = re.compile(r"[\u0f00\u0f40-\u0f6c\u0f71-\u0f87\u0f8d-\u0fbc]+")


def _syllables(text: str) -> list[str]:
    return _LETTERS_SIGNS.findall(text)


# --- mixed scripts --------------------------------------------------------------------------------

_HAN_RE = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
_RUNS = re.compile(rf"(?P<bo>[\u0f00-\u0fff]+)|(?P<zh>[{_HAN_RE}]+)|(?P<latin>[^\W_]+)")
_LATIN_CLASS, _OTHER_CLASS = 1, 4


@lru_cache(maxsize=65536)
def _han_key(run: str) -> tuple[tuple[str, int, str], ...]:
    # pypinyin loads its phrase dictionary on first use (~0.3 s): not at import
    from pypinyin import Style, lazy_pinyin

    readings = lazy_pinyin(run, style=Style.TONE3, neutral_tone_with_five=True, errors=lambda s: s)
    if len(readings) != len(run):
        readings = [lazy_pinyin(c, style=Style.TONE3, neutral_tone_with_five=True)[0] for c in run]
    out = []
    for char, reading in zip(run, readings, strict=True):
        tone = int(reading[-1]) if reading[-1:].isdigit() else 0
        out.append((reading.rstrip("012345").replace("ü", "v"), tone, char))
    return tuple(out)


Segment = tuple[int, object]


def sort_key(text: str | None, lang: str = "zh") -> tuple[tuple[Segment, ...], str]:
    """The key to sort ``text`` by in a list shown in ``lang``.

    The text is cut into runs of one script each, compared run by run: Latin letters and digits
    (case-folded) first, then the UI language's script (Tibetan for ``bo``, Chinese otherwise), then
    the other one, then anything else by code point; spaces and punctuation are ignored, and equal
    keys fall back to the text itself so the order is total and the same on every machine."""
    norm = unicodedata.normalize("NFC", text or "")
    native = {"bo": 2, "zh": 3} if lang == "bo" else {"zh": 2, "bo": 3}
    segments: list[Segment] = []
    for m in _RUNS.finditer(norm):
        kind = m.lastgroup or "latin"
        run = m.group()
        if kind == "bo":
            segments.append((native["bo"], tibetan_key(run)))
        elif kind == "zh":
            segments.append((native["zh"], _han_key(run)))
        elif run.isascii():
            segments.append((_LATIN_CLASS, run.casefold()))
        else:
            segments.append((_OTHER_CLASS, tuple(ord(c) for c in run.casefold())))
    return tuple(segments), norm


def names_key(lang: str, name_bo: str | None, name_zh: str | None) -> tuple[object, ...]:
    """The key of a person or employer with a Tibetan and a Chinese name: in a Tibetan list the
    Tibetan name decides (the Chinese one when there is none), in a Chinese list the Chinese name."""
    first, second = (name_bo, name_zh) if lang == "bo" else (name_zh, name_bo)
    return (sort_key(first or second, lang), sort_key(second, lang))

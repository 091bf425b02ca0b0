"""Collation (i18n/collation.py): Tibetan in the dictionary order of the Tibetan–Chinese Great
Dictionary (བོད་རྒྱ་ཚིག་མཛོད་ཆེན་མོ, TDC) and Tournadre's *Manual of Standard Tibetan*; Chinese by
pinyin; Latin case-folded; a total, deterministic order."""

from __future__ import annotations

import random
import unicodedata

import pytest

from i18n.collation import names_key, sort_key, syllable_key


def in_order(words: list[str], lang: str = "bo") -> bool:
    shuffled = words[:]
    random.Random(15).shuffle(shuffled)
    return sorted(shuffled, key=lambda w: sort_key(w, lang)) == words


def test_root_letters_in_alphabet_order() -> None:
    letters = "ཀ ཁ ག ང ཅ ཆ ཇ ཉ ཏ ཐ ད ན པ ཕ བ མ ཙ ཚ ཛ ཝ ཞ ཟ འ ཡ ར ལ ཤ ས ཧ ཨ".split()
    assert in_order(letters)


# (earlier, later) as the dictionary files them, with the rule that decides
DICTIONARY_PAIRS = [
    ("ཀ", "དཀར", "the root ཀ decides, not the written first letter ད"),
    ("དཀར", "བཀའ", "prefix ད before prefix བ within ཀ"),
    ("བཀའ", "རྐང", "prefixes before superscripts"),
    ("རྐང", "ལྐོག", "superscript ར before ལ"),
    ("ལྐོག", "སྐད", "superscript ལ before ས"),
    ("སྐད", "བརྐོས", "superscripts before a prefix with a superscript"),
    ("བརྐོས", "བསྐོར", "བར before བས"),
    ("བསྐོར", "ཁ", "every ཀ syllable before ཁ"),
    ("ཀ", "ཀྭ", "no subscript before wa-zur"),
    ("ཀྭ", "ཀྱང", "ྭ before ྱ"),
    ("ཀྱང", "ཀྲུང", "ྱ before ྲ"),
    ("ཀྲུང", "ཀླུ", "ྲ before ླ"),
    ("ཀླུ", "དཀར", "subscripts of the bare root before any prefix"),
    ("ཀོ", "ཀྭ", "the subscript decides before the vowel"),
    ("ཀ", "ཀི", "the bare letter before its vowels"),
    ("ཀི", "ཀུ", "vowel order i u e o"),
    ("ཀུ", "ཀེ", "vowel order i u e o"),
    ("ཀེ", "ཀོ", "vowel order i u e o"),
    ("ཀག", "ཀི", "a suffix of the inherent a before a vowel"),
    ("ཀ", "ཀག", "a bare syllable before its suffixes"),
    ("ཀག", "ཀགས", "the second suffix after the suffix alone"),
    ("ཀགས", "ཀང", "suffixes in alphabet order"),
    ("ཀའ", "ཀའི", "an affixed particle after the bare suffix འ"),
    ("ཀའི", "ཀར", "the suffix decides before the particle"),
    ("ཀམ", "ཀཾ", "anusvara right after the letter it abbreviates"),
    ("ཀཾ", "ཀམས", "anusvara before the second suffix"),
    ("གངས", "གི", "Tournadre: གངས before གི"),
    ("གོ", "གྭ", "Tournadre: vowels before wa-zur"),
    ("གླང", "དགའ", "Tournadre: the bare ག before the prefixed"),
    ("དགའ", "དགུ", "Tournadre"),
    ("དགོས", "དགྲ", "Tournadre: subscript after vowels"),
    ("བགེགས", "མགུར", "prefix བ before མ"),
    ("རྒོད", "རྒྱ", "Tournadre"),
    ("སྒྲ", "བརྒལ", "Tournadre"),
    ("བསྒོམས", "བསྒྱུར", "Tournadre"),
    ("ད", "དག", "two bare letters: the first is the root (དག is ད with the suffix ག)"),
    ("དག", "དམ", "…so དག and དམ stand under ད"),
    ("དངས", "ན", "དངས reads with ད as root (one of the four ambiguous readings)"),
    ("ཁ", "དགས", "…but དགས is ག with the prefix ད"),
    ("མངས", "ཙ", "མངས is མ with the suffixes ང ས"),
    ("ཏོལ", "ཊ", "TDC p. 1032: the reversed letter after the plain letter"),
    ("ཊ", "ཏྭོན", "TDC p. 1032: …before its subscripts"),
    ("ཀར", "ཀརྐ", "TDC p. 9: a stacked continuation after the plain suffix"),
    ("ཀརྨ", "ཀལ", "TDC p. 9"),
    ("གངས", "གཉྫིར", "TDC p. 347: a Sanskrit stack is filed under its first letter"),
    ("གཉྫིར", "གད", "TDC p. 347"),
    ("ཐར་ས", "ཐརྐ", "TDC p. 1153: syllable by syllable"),
    ("ཕལ་མོ", "ཕལྒུ་ཎ", "TDC p. 1711"),
    ("མང", "མཉྫ", "TDC p. 2055"),
    ("ཨར", "ཨརྒྷཾ", "TDC p. 3136"),
    ("ཨསྨ", "ཨཱརྱ", "TDC p. 3137: the long ཱ after every short syllable"),
    ("ཚེ་དབང", "ཚེ་རིང", "the second syllable's root: བ before ར"),
    ("ཟླ་བ", "བཟང་པོ", "ཟ with a subscript before prefixed ཟ"),
    ("ཡེ་ཤེས", "གཡང་འཛོམས", "bare ཡ before prefixed ཡ"),
    ("བསོད་ནམས", "ལྷ་མོ", "ལྷ is ཧ under the superscript ལ: after ས"),
    ("ལྷ་མོ", "ལྷག་པ", "a bare syllable before the suffixed"),
    ("སྐལ་བཟང", "མགོན་པོ", "སྐ stands under ཀ, མགོ under ག"),
    ("སྒྲོལ་མ", "ཆོས་སྒྲོན", "སྒྲོ stands under ག"),
    ("དྲོལ་མ", "བདེ་སྐྱིད", "ད with a subscript before prefixed ད"),
    ("བདེ་སྐྱིད", "རྡོ་རྗེ", "prefix བ before superscript ར within ད"),
]


@pytest.mark.parametrize(("earlier", "later", "rule"), DICTIONARY_PAIRS)
def test_dictionary_order_pair(earlier: str, later: str, rule: str) -> None:
    assert sort_key(earlier, "bo") < sort_key(later, "bo"), rule
    assert in_order([earlier, later]), rule


def test_a_list_of_names_in_dictionary_order_not_code_point_order() -> None:
    names = (
        "ཀུན་བཟང བཀྲ་ཤིས སྐལ་བཟང མགོན་པོ སྒྲོལ་མ ཆོས་སྒྲོན འཇིགས་མེད ཉི་མ བསྟན་འཛིན ཐུབ་བསྟན དྲོལ་མ "
        "བདེ་སྐྱིད རྡོ་རྗེ ནོར་བུ པ་སངས པདྨ དཔལ་མོ སྤེན་པ སྤྲུལ་སྐུ ཕུར་བུ དབང་ཕྱུག དབྱངས་ཅན མིག་དམར "
        "ཚེ་དབང ཚེ་རིང ཟླ་བ བཟང་པོ ཡེ་ཤེས གཡང་འཛོམས བསོད་ནམས ལྷ་མོ ལྷག་པ"
    ).split()
    assert in_order(names)
    assert sorted(names) != names  # code-point order would file བཀྲ་ཤིས under བ


def test_the_root_letter_is_found_under_superscripts_and_after_prefixes() -> None:
    ka = syllable_key("ཀ")[0]
    assert {syllable_key(s)[0] for s in ("དཀར", "བཀའ", "རྐང", "སྐྱིད", "བསྐྱེད", "བརྐོས")} == {ka}
    assert syllable_key("ལྷ")[0] == syllable_key("ཧ")[0]


def test_precomposed_and_decomposed_forms_sort_alike() -> None:
    for text in ("གྷ", "ཀྵ", "ཀཱི", "ཀཱུ"):
        decomposed = unicodedata.normalize("NFD", text)
        assert sort_key(text, "bo")[0] == sort_key(decomposed, "bo")[0]


def test_tsheg_and_shad_do_not_change_the_order() -> None:
    assert sort_key("བཀྲ་ཤིས་", "bo")[0] == sort_key("བཀྲ་ཤིས།", "bo")[0] == sort_key("བཀྲ་ཤིས", "bo")[0]


def test_order_is_total_and_stable() -> None:
    words = [w for pair in DICTIONARY_PAIRS for w in pair[:2]]
    first = sorted(words, key=lambda w: sort_key(w, "bo"))
    for seed in range(5):
        shuffled = words[:]
        random.Random(seed).shuffle(shuffled)
        assert sorted(shuffled, key=lambda w: sort_key(w, "bo")) == first
    # equal primary keys keep a fixed order by the text itself: NFC and NFD never swap by input order
    nfd = unicodedata.normalize("NFD", "ཀཱི")
    assert sorted([nfd, "ཀཱི"], key=lambda w: sort_key(w, "bo")) == sorted(
        ["ཀཱི", nfd], key=lambda w: sort_key(w, "bo")
    )


def test_ill_formed_syllables_after_every_letter() -> None:
    assert in_order(["ཀ", "ལ", "ཨ", "ིཀ", "ྱཀ"])


def test_chinese_by_pinyin_then_tone() -> None:
    # a (阿) < li (李) < wang (王) < zhang (张); code points would give 张 < 李 < 王 < 阿
    assert in_order(["阿依", "李四", "王五", "张三"], "zh")
    assert in_order(["妈", "麻", "马", "骂"], "zh")  # ma1 ma2 ma3 ma4


def test_latin_case_folded_and_before_the_scripts() -> None:
    assert in_order(["alice", "Bob", "carol"], "zh")
    assert in_order(["2024", "Bob", "阿依", "ཀ"], "zh")


def test_mixed_scripts_the_ui_language_first() -> None:
    words = ["张三", "ཚེ་རིང", "李四", "བཀྲ་ཤིས"]
    assert sorted(words, key=lambda w: sort_key(w, "bo")) == ["བཀྲ་ཤིས", "ཚེ་རིང", "李四", "张三"]
    assert sorted(words, key=lambda w: sort_key(w, "zh")) == ["李四", "张三", "བཀྲ་ཤིས", "ཚེ་རིང"]
    assert sort_key("བཀྲ་ཤིས 李四", "bo") < sort_key("བཀྲ་ཤིས 张三", "bo") < sort_key("ཚེ་རིང 李四", "bo")


def test_names_key_takes_the_ui_languages_name() -> None:
    people = [("ཚེ་རིང", "次仁"), ("བཀྲ་ཤིས", "扎西"), (None, "阿依")]
    by_bo = sorted(people, key=lambda p: names_key("bo", *p))
    by_zh = sorted(people, key=lambda p: names_key("zh", *p))
    assert [p[0] for p in by_bo] == ["བཀྲ་ཤིས", "ཚེ་རིང", None]  # a Chinese-only name after Tibetan
    assert [p[1] for p in by_zh] == ["阿依", "次仁", "扎西"]  # ā < cì < zhā
    assert sort_key(None, "zh") == sort_key("", "zh")

"""Lookup results of equal score in the order of the query's script (issue 15: Tibetan order):
a Tibetan query lists its hits in the Tibetan dictionary order (i18n/collation.py), not by code
point; a Chinese query by pinyin."""

from __future__ import annotations

from tests.support.store_data import employer_data, id_number, person_data, uscc

# same length, so a one-letter prefix query scores them alike
TIBETAN = [  # dictionary order: roots ཀ ད བ ས; code point order would put བུ་ཁྲིད last
    ("བཀྲ་ཤིས", "扎西"),
    ("བདེ་ཆེན", "德庆"),
    ("བུ་ཁྲིད", "布赤"),
    ("བསམ་གཏན", "桑旦"),
]
CHINESE = ["张安", "张博", "张伟"]  # an < bo < wei; code points give 伟 < 博 < 安


def test_tibetan_hits_of_equal_score_in_dictionary_order(store, clerk) -> None:
    for seq, (bo, zh) in enumerate(reversed(TIBETAN)):
        clerk.register_person(
            person_data(id_number=id_number(seq=2 * seq + 2), name_zh=zh, name_bo=bo, ethnicity="04")
        )
    found = store.search_persons("བ")
    assert len({r["score"] for r in found}) == 1
    assert [r["name_bo"] for r in found] == [bo for bo, _ in TIBETAN]
    assert sorted(r["name_bo"] for r in found) != [bo for bo, _ in TIBETAN]  # not code-point order


def test_chinese_hits_of_equal_score_by_pinyin(store, clerk) -> None:
    for seq, zh in enumerate(reversed(CHINESE)):
        clerk.register_person(person_data(id_number=id_number(seq=2 * seq + 2), name_zh=zh))
    found = store.search_persons("张")
    assert len({r["score"] for r in found}) == 1
    assert [r["name_zh"] for r in found] == CHINESE


def test_employers_of_equal_score_by_the_query_script(store, boss) -> None:
    for n, (bo, zh) in enumerate(reversed(TIBETAN)):
        boss.register_employer(
            employer_data(uscc=uscc(org=f"MA6T{n:04d}"), name_zh=f"{zh}公司", name_bo=f"{bo}་ཚོང་ཁང")
        )
    found = store.search_employers("བ")
    assert [r["name_bo"] for r in found] == [f"{bo}་ཚོང་ཁང" for bo, _ in TIBETAN]

"""The glossary (i18n/glossary.toml): key terms in zh, bo and en, and the bo catalog uses each
term's Tibetan wherever the Chinese term appears in the zh text of the same message."""

from __future__ import annotations

import tomllib

import pytest

import i18n
from i18n.tibetan import TSHEG, has_tibetan

GLOSSARY = i18n.LOCALE_DIR.parent / "glossary.toml"


def terms() -> list[dict]:
    with GLOSSARY.open("rb") as fh:
        return tomllib.load(fh)["term"]


def test_glossary_has_about_30_complete_terms() -> None:
    entries = terms()
    assert len(entries) >= 30
    for t in entries:
        assert {"zh", "bo", "en", "note"} <= set(t), t
        assert has_tibetan(t["bo"]) and all(has_tibetan(a) for a in t.get("also", []))
        assert not t["bo"].endswith((TSHEG, "།")), f"{t['zh']}: write the term without closing tsheg/shad"
    assert len({t["zh"] for t in entries}) == len(entries)


@pytest.mark.parametrize(
    ("zh", "bo"),
    [
        ("生育保险", "སྐྱེ་འཕེལ་འགན་སྲུང"),
        ("生育津贴", "སྐྱེ་འཕེལ་འཚོ་སྣོན"),
        ("身份证", "ཐོབ་ཐང་ལག་ཁྱེར"),
        ("产假", "བུ་བཙས་གུང་སེང"),
    ],
)
def test_core_terms(zh: str, bo: str) -> None:
    assert {t["zh"]: t["bo"] for t in terms()}[zh] == bo


@pytest.mark.parametrize("term", terms(), ids=lambda t: t["en"])
def test_term_is_used_consistently_in_the_bo_catalog(term: dict) -> None:
    zh, bo = i18n.catalog("zh"), i18n.catalog("bo")
    accepted = [term["bo"], *term.get("also", [])]
    uses = [m for m, text in zh.items() if term["zh"] in text]
    assert uses, f"glossary term {term['zh']} is not used in any message"
    wrong = {m: bo.get(m, "") for m in uses if not any(form in bo.get(m, "") for form in accepted)}
    assert not wrong, f"{term['zh']} should be {term['bo']} in: {wrong}"

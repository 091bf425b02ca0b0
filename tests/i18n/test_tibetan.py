"""Tibetan helpers: Wylie (EWTS) to Unicode, script checks, syllable splitting at tsheg and shad."""

from __future__ import annotations

import pytest

from i18n.tibetan import (
    SHAD,
    TSHEG,
    WylieError,
    break_opportunities,
    has_tibetan,
    is_tibetan_name,
    split_syllables,
    unicode_to_wylie,
    wylie_to_unicode,
)


@pytest.mark.parametrize(
    ("wylie", "tibetan"),
    [
        ("bkra shis", "བཀྲ་ཤིས"),
        ("tshe ring", "ཚེ་རིང"),
        ("sgrol ma", "སྒྲོལ་མ"),
        ("bkra shis bde legs/", "བཀྲ་ཤིས་བདེ་ལེགས།"),
        ("lha sa", "ལྷ་ས"),
        ("  bkra shis ", "བཀྲ་ཤིས"),
    ],
)
def test_wylie_to_unicode(wylie: str, tibetan: str) -> None:
    assert wylie_to_unicode(wylie) == tibetan


def test_round_trip() -> None:
    assert unicode_to_wylie("བཀྲ་ཤིས") == "bkra shis"


@pytest.mark.parametrize("bad", ["xq9", "kqz"])
def test_invalid_wylie_raises(bad: str) -> None:
    with pytest.raises(WylieError):
        wylie_to_unicode(bad)


def test_split_syllables_keeps_each_tsheg_and_shad_with_its_syllable() -> None:
    assert split_syllables("བཀྲ་ཤིས་བདེ་ལེགས།") == ["བཀྲ་", "ཤིས་", "བདེ་", "ལེགས།"]
    assert "".join(split_syllables("ལྷ་ས་གྲོང་ཁྱེར།")) == "ལྷ་ས་གྲོང་ཁྱེར།"
    assert split_syllables("སྒྲོལ") == ["སྒྲོལ"]  # a stacked syllable is never cut
    assert split_syllables("") == []


def test_break_opportunities_only_after_tsheg_shad_or_space() -> None:
    text = "བཀྲ་ཤིས། ཚེ་རིང"
    for index in break_opportunities(text):
        assert text[index - 1] in (TSHEG, SHAD, " ")
    assert break_opportunities("བཀྲ") == []


def test_script_checks() -> None:
    assert has_tibetan("ID ཐོབ་ཐང") and not has_tibetan("扎西")
    assert is_tibetan_name("བཀྲ་ཤིས་ཚེ་རིང") and is_tibetan_name("བཀྲ་ཤིས · ཚེ་རིང")
    assert not is_tibetan_name("bkra shis") and not is_tibetan_name("")

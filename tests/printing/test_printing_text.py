"""Line breaking and script runs: Tibetan breaks only after a tsheg or shad and is shaped; Chinese
breaks between characters but not before closing or after opening punctuation (禁则)."""

from __future__ import annotations

import pytest

from i18n.tibetan import break_opportunities
from printing.text import CJK, LATIN, TIBETAN, Style, Typesetter, atoms, script_of

TIBETAN_TEXT = "ལྷ་ས་གྲོང་ཁྱེར་སྨན་བཅོས་འགན་ལེན་ཅུས། བཀྲ་ཤིས་སྒྲོལ་མ། སྐྱེ་འཕེལ་འཚོ་སྣོན།"


@pytest.fixture(scope="module")
def ts() -> Typesetter:
    return Typesetter()


def test_scripts_of_characters() -> None:
    assert script_of("ཀ") == TIBETAN
    assert script_of("་") == TIBETAN
    assert script_of("汉") == CJK
    assert script_of("，") == CJK
    assert script_of("7") == LATIN


@pytest.mark.parametrize("width", [30, 45, 60, 80, 120, 200])
def test_tibetan_lines_break_only_after_tsheg_or_shad(ts: Typesetter, width: float) -> None:
    lines = ts.wrap(TIBETAN_TEXT, Style(10), width)
    assert len(lines) > 1
    allowed = set(break_opportunities(TIBETAN_TEXT))
    position = 0
    for line in lines[:-1]:
        text = line.text
        position = TIBETAN_TEXT.index(text, position) + len(text)
        # a trailing space may be dropped at a break; the break itself must be an opportunity
        end = position + 1 if TIBETAN_TEXT[position : position + 1] == " " else position
        assert end in allowed or position in allowed, f"break inside a syllable after {text!r}"
        assert text[-1] in "་། " or TIBETAN_TEXT[position] == " "
    assert "".join(line.text for line in lines).replace(" ", "") == TIBETAN_TEXT.replace(" ", "")


def test_lines_fit_their_width(ts: Typesetter) -> None:
    text = "自受理之日起 10 个工作日内办结（按国务院公布的节假日和调休安排计算）。" + TIBETAN_TEXT
    for line in ts.wrap(text, Style(9), 90):
        assert line.width <= 90.5


def test_chinese_closing_punctuation_never_starts_a_line(ts: Typesetter) -> None:
    text = "生育津贴低于本人工资标准的，差额部分由用人单位补足。如对本决定不服，可以依法申请行政复议。"
    for width in range(40, 200, 7):
        for line in ts.wrap(text, Style(10), width):
            assert line.text[0] not in "，。、；：？！）》」"


def test_chinese_opening_bracket_never_ends_a_line(ts: Typesetter) -> None:
    text = "按国务院公布的节假日（含调休）计算《女职工劳动保护特别规定》第七条"
    for width in range(40, 200, 5):
        for line in ts.wrap(text, Style(10), width)[:-1]:
            assert line.text[-1] not in "（《「"


def test_latin_words_are_not_split_when_they_fit(ts: Typesetter) -> None:
    lines = ts.wrap("LS01-20260928-R0042 lhasa/2020-01-01", Style(10), 110)
    assert [line.text.strip() for line in lines] == ["LS01-20260928-R0042", "lhasa/2020-01-01"]


def test_atoms_keep_a_tibetan_syllable_whole() -> None:
    pieces = [a.text for a in atoms("བཀྲ་ཤིས་སྒྲོལ་མ།") if a.script == TIBETAN]
    assert pieces == ["བཀྲ་", "ཤིས་", "སྒྲོལ་", "མ།"]


def test_tibetan_runs_are_shaped_into_fewer_glyphs_than_code_points(ts: Typesetter) -> None:
    """སྒྲོ is four code points (sa, subjoined ga, subjoined ra, o) drawn as stacked glyphs."""
    run = ts.run(TIBETAN, "སྒྲོལ་", Style(10))
    assert run.source == "སྒྲོལ་"
    assert hasattr(run.text, "__shapeData__")
    assert len(str(run.text)) < len("སྒྲོལ་")


def test_tall_stacks_get_taller_lines(ts: Typesetter) -> None:
    plain = ts.wrap("ས་མ།", Style(10), 200)[0]
    stacked = ts.wrap("བསྒྲུབས་སྐྱོང་།", Style(10), 200)[0]
    assert stacked.descent > plain.descent

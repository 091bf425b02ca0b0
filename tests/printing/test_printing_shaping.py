"""The Tibetan runs in the PDF are shaped: the glyphs drawn for a Tibetan string are the glyphs
HarfBuzz (uharfbuzz) produces for that string with that font — not one glyph per code point.

The embedded font is a subset with its own glyph numbering, so each glyph drawn in the PDF is
identified by its outline: code → subset glyph (subset cmap) → decomposed outline, compared with the
outline of the glyph id HarfBuzz returns from the original font file."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
import uharfbuzz as hb
from fontTools.pens.recordingPen import DecomposingRecordingPen
from fontTools.ttLib import TTFont
from pypdf import PdfReader

import i18n
from printing.samples import LHASA_PERSON
from printing.typefaces import register

ESCAPE = re.compile(rb"\\([0-7]{1,3}|.)", re.S)


def _unescape(raw: bytes) -> bytes:
    def repl(m: re.Match[bytes]) -> bytes:
        g = m.group(1)
        if g[:1].isdigit():
            return bytes([int(g, 8)])
        return {b"n": b"\n", b"r": b"\r", b"t": b"\t", b"b": b"\b", b"f": b"\f"}.get(g, g)

    return ESCAPE.sub(repl, raw)


def _outline(font: TTFont, glyph_name: str) -> list:
    pen = DecomposingRecordingPen(font.getGlyphSet())
    font.getGlyphSet()[glyph_name].draw(pen)
    return pen.value


def _drawn_outlines(pdf: Path, base_font: str) -> list[list]:
    """Outlines of every glyph drawn in ``base_font`` on page 1, in drawing order."""
    page = PdfReader(pdf).pages[0]
    fonts = {}
    for name, ref in page["/Resources"]["/Font"].items():
        obj = ref.get_object()
        if str(obj["/BaseFont"]).endswith("+" + base_font):
            data = obj["/FontDescriptor"].get_object()["/FontFile2"].get_object().get_data()
            fonts[name] = TTFont(io.BytesIO(data))
    assert fonts, f"{base_font} not in the PDF"
    content = page.get_contents().get_data()
    outlines: list[list] = []
    current = None
    # Tf selects the font; strings inside (...) are shown by Tj / TJ
    for m in re.finditer(rb"/(\S+) [\d.]+ Tf|\((?:\\.|[^\\)])*\)", content, re.S):
        if m.group(1) is not None:
            current = "/" + m.group(1).decode()
            continue
        if current not in fonts:
            continue
        font = fonts[current]
        cmap = font["cmap"].tables[0].cmap
        for code in _unescape(m.group(0)[1:-1]):
            outlines.append(_outline(font, cmap[code]))
    return outlines


def _harfbuzz_outlines(text: str, font_path: Path) -> tuple[list[list], int]:
    blob = hb.Blob.from_file_path(str(font_path))
    face = hb.Face(blob)
    buf = hb.Buffer()
    buf.add_str(text)
    buf.guess_segment_properties()
    hb.shape(hb.Font(face), buf, {"kern": True, "liga": True})
    original = TTFont(str(font_path))
    order = original.getGlyphOrder()
    gids = [info.codepoint for info in buf.glyph_infos]
    return [_outline(original, order[g]) for g in gids], len(gids)


def _contains(haystack: list, needle: list) -> bool:
    n = len(needle)
    return any(haystack[i : i + n] == needle for i in range(len(haystack) - n + 1))


@pytest.mark.parametrize("paper", ["a4", "80mm"])
def test_the_applicants_tibetan_name_is_drawn_with_harfbuzz_glyphs(sample_pdfs, paper: str) -> None:
    """The name is set in bold in the value column: Noto Serif Tibetan Bold."""
    name = LHASA_PERSON.name_bo  # བཀྲ་ཤིས་སྒྲོལ་མ། — བཀྲ and སྒྲོ are stacks
    font_path = register().files["tibetan-bold"]
    expected, glyph_count = _harfbuzz_outlines(name, font_path)
    assert glyph_count < len(name), "HarfBuzz should compose the stacks"
    drawn = _drawn_outlines(sample_pdfs[("lhasa", "receipt", paper)], "NotoSerifTibetan-Bold")
    assert _contains(drawn, expected)


def test_office_name_and_labels_are_shaped_in_their_faces(sample_pdfs) -> None:
    """The office line is bold; the field labels are regular."""
    pdf = sample_pdfs[("lhasa", "enrollment", "a5")]
    office = "ལྷ་ས་གྲོང་ཁྱེར་"
    expected, glyph_count = _harfbuzz_outlines(office, register().files["tibetan-bold"])
    assert glyph_count < len(office)
    assert _contains(_drawn_outlines(pdf, "NotoSerifTibetan-Bold"), expected)
    label = i18n.gettext("field.id_number", "bo").split("་")[0] + "་"  # its first syllable
    expected, _n = _harfbuzz_outlines(label, register().files["tibetan"])
    assert _contains(_drawn_outlines(pdf, "NotoSerifTibetan-Regular"), expected)


def test_unshaped_code_points_would_not_match(sample_pdfs) -> None:
    """Guard for the test itself: one glyph per code point (cmap lookup, no shaping) differs."""
    name = LHASA_PERSON.name_bo
    font_path = register().files["tibetan-bold"]
    original = TTFont(str(font_path))
    cmap = original.getBestCmap()
    naive = [_outline(original, cmap[ord(ch)]) for ch in name]
    drawn = _drawn_outlines(sample_pdfs[("lhasa", "receipt", "a4")], "NotoSerifTibetan-Bold")
    assert not _contains(drawn, naive)

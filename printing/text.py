"""Setting mixed Tibetan, Chinese and Latin text on a ReportLab canvas: script runs, shaping, line
breaking and line heights.

- Text is cut into runs by script; each run gets its own face (``printing.typefaces``).
- Tibetan is shaped with HarfBuzz through ReportLab (``shapeStr`` on a ``shapable`` TTFont), so stacked
  consonants and vowel signs come out as the font's composed glyphs, not one glyph per code point.
  Each Tibetan stretch of a paragraph is shaped once, as a whole; syllable widths for line breaking
  come from its clusters and each line draws a slice of the shaped glyphs (a ``ShapedStr``).
- Lines break only at a break opportunity: after a tsheg or shad in Tibetan
  (``i18n.tibetan.break_opportunities``), between Chinese characters except before closing and after
  opening punctuation (禁则, kinsoku), and at spaces in Latin text. A Latin word or number wider than
  the line is cut by character as a last resort; a Tibetan syllable never is.
- A line's height comes from the ink extents HarfBuzz reports for the Tibetan glyphs in it, so tall
  stacks and vowel signs are never clipped by or overlapped with the line above.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import uharfbuzz
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont, shapeStr
from reportlab.pdfgen.canvas import Canvas

from i18n.tibetan import break_opportunities
from printing.typefaces import Faces, register

TIBETAN = "tibetan"
CJK = "cjk"
LATIN = "latin"

# 禁则: no line may start with these …
NO_LINE_START = frozenset("，。、；：？！）》」』】〕〉”’…—％,.;:?!)]}%·")
# … and none may end with these.
NO_LINE_END = frozenset("（《「『【〔〈“‘([{¥$#")

# Chinese and Latin metrics as fractions of the font size (ascent above, descent below the baseline)
_CJK_ASCENT, _CJK_DESCENT = 0.88, 0.14
_LATIN_ASCENT, _LATIN_DESCENT = 0.92, 0.26
# Tibetan at the same point size looks smaller than Chinese; set it a little larger
TIBETAN_SCALE = 1.1


def script_of(ch: str) -> str:
    o = ord(ch)
    if 0x0F00 <= o <= 0x0FFF:
        return TIBETAN
    if (
        0x2E80 <= o <= 0x9FFF
        or 0xF900 <= o <= 0xFAFF
        or 0xFE30 <= o <= 0xFE4F
        or 0xFF00 <= o <= 0xFFEF
        or 0x20000 <= o <= 0x3FFFF
        or o in (0x2014, 0x2026, 0x201C, 0x201D, 0x2018, 0x2019)
    ):
        return CJK
    return LATIN


@dataclass(frozen=True)
class Style:
    size: float
    bold: bool = False
    color: tuple[float, float, float] = (0, 0, 0)


@dataclass(frozen=True)
class Run:
    font: str
    size: float
    text: str  # a ShapedStr for shaped Tibetan
    width: float
    script: str
    fake_bold: bool = False
    source: str = ""  # the text before shaping


@dataclass(frozen=True)
class Line:
    runs: tuple[Run, ...]
    width: float
    ascent: float  # above the baseline, points
    descent: float  # below the baseline, points (positive)

    @property
    def height(self) -> float:
        return self.ascent + self.descent

    @property
    def text(self) -> str:
        return "".join(r.source or str(r.text) for r in self.runs)


def _segments(text: str) -> list[tuple[str, str]]:
    """Consecutive (script, text) pieces. Spaces stay with the piece they follow."""
    out: list[tuple[str, str]] = []
    for ch in text:
        script = out[-1][0] if (ch == " " and out) else script_of(ch)
        if out and out[-1][0] == script:
            out[-1] = (script, out[-1][1] + ch)
        else:
            out.append((script, ch))
    return out


@dataclass(frozen=True)
class Atom:
    """An unbreakable piece of a paragraph: a line may break before it unless it is ``glued`` to the
    one before (a closing mark after, or an opening mark before, across scripts). ``segment`` and
    ``start`` locate it in its script segment (``_segments``), whose Tibetan is shaped as a whole."""

    script: str
    text: str
    glued: bool
    segment: int
    start: int

    @property
    def end(self) -> int:
        return self.start + len(self.text)


def atoms(text: str, segments: list[tuple[str, str]] | None = None) -> list[Atom]:
    """The unbreakable pieces of ``text`` in order (``segments``: ``_segments(text)`` if known)."""
    result: list[Atom] = []

    def push(script: str, piece: str, segment: int, start: int) -> None:
        if not piece:
            return
        if result and (piece[0] in NO_LINE_START or result[-1].text[-1] in NO_LINE_END):
            prev = result[-1]
            if prev.script == script and prev.segment == segment:
                result[-1] = Atom(script, prev.text + piece, prev.glued, segment, prev.start)
            else:
                result.append(Atom(script, piece, True, segment, start))
            return
        result.append(Atom(script, piece, False, segment, start))

    for index, (script, seg) in enumerate(_segments(text) if segments is None else segments):
        if script == TIBETAN:
            start = 0
            for end in break_opportunities(seg):
                push(script, seg[start:end], index, start)
                start = end
            push(script, seg[start:], index, start)
        elif script == CJK:
            for i, ch in enumerate(seg):
                push(script, ch, index, i)
        else:
            word, begin = "", 0
            for i, ch in enumerate(seg):
                word += ch
                if ch == " ":
                    push(script, word, index, begin)
                    word, begin = "", i + 1
            push(script, word, index, begin)
    return result


@dataclass(frozen=True)
class _Shaped:
    """A Tibetan segment shaped once by HarfBuzz: the glyphs, and per character the advance of the
    glyphs in its cluster and the index of its first glyph."""

    text: str
    glyphs: str  # a ShapedStr
    font: str
    size: float
    advances: tuple[float, ...]  # per character, points
    first_glyph: tuple[int, ...]  # per character, and one past the end

    def width(self, start: int, end: int) -> float:
        return sum(self.advances[start:end])

    def run(self, start: int, end: int) -> Run:
        glyphs = self.glyphs[self.first_glyph[start] : self.first_glyph[end]]
        return Run(self.font, self.size, glyphs, self.width(start, end), TIBETAN, source=self.text[start:end])


def _shape_segment(text: str, font: str, size: float) -> _Shaped:
    glyphs = shapeStr(text, font, size, force=True)
    data = glyphs.__shapeData__
    advances = [0.0] * len(text)
    first = [len(data)] * (len(text) + 1)
    for index, sd in enumerate(data):
        advances[sd.cluster] += sd.x_advance * size / 1000
        if first[sd.cluster] > index:
            first[sd.cluster] = index
    # a character folded into an earlier cluster starts where the next cluster starts
    for c in range(len(text) - 1, -1, -1):
        first[c] = min(first[c], first[c + 1])
    return _Shaped(text, glyphs, font, size, tuple(advances), tuple(first))


class Typesetter:
    """Measures and sets text with the registered faces. Keeps its measurements (a typesetter can be
    reused for many documents)."""

    def __init__(self, faces: Faces | None = None):
        self.faces = faces or register()
        self._runs: dict[tuple[str, str, float, bool], Run] = {}
        self._shaped: dict[tuple[str, str, float], _Shaped] = {}

    def font_for(self, script: str, bold: bool) -> tuple[str, bool]:
        """(font name, fake bold) — Droid Sans Fallback has no bold, so bold Chinese is stroked."""
        f = self.faces
        if script == TIBETAN:
            return (f.tibetan_bold if bold else f.tibetan), False
        if script == CJK:
            return f.cjk, bold
        return (f.latin_bold if bold else f.latin), False

    def shaped(self, text: str, style: Style) -> _Shaped:
        """A Tibetan segment, shaped as a whole (HarfBuzz sees the full context)."""
        font, _fake = self.font_for(TIBETAN, style.bold)
        size = style.size * TIBETAN_SCALE
        key = (text, font, size)
        found = self._shaped.get(key)
        if found is None:
            if len(self._shaped) > 5000:  # a long-lived typesetter must not grow without bound
                self._shaped.clear()
            found = self._shaped[key] = _shape_segment(text, font, size)
        return found

    def run(self, script: str, text: str, style: Style) -> Run:
        if script == TIBETAN:
            return self.shaped(text, style).run(0, len(text))
        key = (script, text, style.size, style.bold)
        found = self._runs.get(key)
        if found is None:
            if len(self._runs) > 20000:
                self._runs.clear()
            font, fake_bold = self.font_for(script, style.bold)
            width = pdfmetrics.stringWidth(text, font, style.size)
            found = self._runs[key] = Run(font, style.size, text, width, script, fake_bold, source=text)
        return found

    def width(self, text: str, style: Style) -> float:
        return sum(self.run(s, t, style).width for s, t in _segments(text))

    def wrap(self, text: str, style: Style, max_width: float) -> list[Line]:
        """Break ``text`` into lines no wider than ``max_width`` (explicit ``\\n`` breaks too)."""
        lines: list[Line] = []
        for paragraph in text.split("\n"):
            lines.extend(self._wrap_paragraph(paragraph, style, max_width))
        return lines

    def _wrap_paragraph(self, text: str, style: Style, max_width: float) -> list[Line]:
        segments = _segments(text)
        pieces = atoms(text, segments)
        if not pieces:
            return [self._line(segments, [], style)]
        # measure every atom; Tibetan from its segment's shaping; over-long other atoms are cut
        measured: list[tuple[Atom, float]] = []
        for atom in pieces:
            if atom.script == TIBETAN:
                shaped = self.shaped(segments[atom.segment][1], style)
                measured.append((atom, shaped.width(atom.start, atom.end)))
                continue
            w = self.run(atom.script, atom.text, style).width
            if w <= max_width or len(atom.text) == 1:
                measured.append((atom, w))
                continue
            chunk, begin, glued = "", atom.start, atom.glued
            for ch in atom.text:
                if chunk and self.run(atom.script, chunk + ch, style).width > max_width:
                    part = Atom(atom.script, chunk, glued, atom.segment, begin)
                    measured.append((part, self.run(atom.script, chunk, style).width))
                    chunk, begin, glued = "", begin + len(chunk), False
                chunk += ch
            part = Atom(atom.script, chunk, glued, atom.segment, begin)
            measured.append((part, self.run(atom.script, chunk, style).width))
        # greedy fill; a glued atom moves to the next line together with the atom before it
        lines: list[list[tuple[Atom, float]]] = [[]]
        used = 0.0
        for atom, w in measured:
            current = lines[-1]
            if not current or used + w - _trailing_space_width(atom.text, w) <= max_width + 0.01:
                current.append((atom, w))
                used += w
                continue
            carry = [current.pop()] if atom.glued and len(current) > 1 else []
            lines.append([*carry, (atom, w)])
            used = sum(x[1] for x in lines[-1])
        return [self._line(segments, [a for a, _w in line], style) for line in lines]

    def _line(self, segments: list[tuple[str, str]], line_atoms: list[Atom], style: Style) -> Line:
        # one run per stretch of one segment: Tibetan as a slice of its shaped segment
        stretches: list[tuple[int, int, int]] = []  # segment, start, end
        for atom in line_atoms:
            if stretches and stretches[-1][0] == atom.segment and stretches[-1][2] == atom.start:
                seg, start, _end = stretches[-1]
                stretches[-1] = (seg, start, atom.end)
            else:
                stretches.append((atom.segment, atom.start, atom.end))
        if stretches:  # no trailing spaces at the end of a line
            seg, start, end = stretches[-1]
            body = segments[seg][1]
            while end > start and body[end - 1] == " ":
                end -= 1
            stretches[-1] = (seg, start, end)
        runs: list[Run] = []
        for seg, start, end in stretches:
            if end <= start:
                continue
            script, body = segments[seg]
            if script == TIBETAN:
                runs.append(self.shaped(body, style).run(start, end))
            else:
                runs.append(self.run(script, body[start:end], style))
        ascent = style.size * _LATIN_ASCENT
        descent = style.size * _LATIN_DESCENT
        for r in runs:
            if r.script == CJK:
                ascent = max(ascent, r.size * _CJK_ASCENT)
                descent = max(descent, r.size * _CJK_DESCENT)
            elif r.script == TIBETAN:
                a, d = tibetan_ink_extents(r)
                ascent, descent = max(ascent, a), max(descent, d)
        return Line(tuple(runs), sum(r.width for r in runs), ascent, descent)

    def draw_line(self, canvas: Canvas, x: float, baseline: float, line: Line, style: Style) -> None:
        canvas.setFillColorRGB(*style.color)
        for r in line.runs:
            canvas.setFont(r.font, r.size)
            if r.fake_bold:
                canvas.setStrokeColorRGB(*style.color)
                canvas.setLineWidth(r.size * 0.035)
                canvas.drawString(x, baseline, r.text, mode=2)
            elif r.script == TIBETAN:
                # shaped stacks map to private-use codes in the font subset; /ActualText gives
                # copy-and-paste and search the real Tibetan text (PDF 32000 §14.9.4)
                canvas.addLiteral(f"/Span <</ActualText <{_utf16_hex(r.source)}>>> BDC")
                canvas.drawString(x, baseline, r.text)
                canvas.addLiteral("EMC")
            else:
                canvas.drawString(x, baseline, r.text)
            x += r.width


_shared: Typesetter | None = None


def shared_typesetter() -> Typesetter:
    """One typesetter per process, so that its measurements serve every document (the desktop
    prints many); registers the fonts on first use."""
    global _shared
    if _shared is None:
        _shared = Typesetter()
    return _shared


def _utf16_hex(text: str) -> str:
    return "FEFF" + text.encode("utf-16-be").hex().upper()


def _trailing_space_width(piece: str, width: float) -> float:
    if not piece.endswith(" ") or not piece.strip():
        return 0.0
    return width * (len(piece) - len(piece.rstrip(" "))) / len(piece)


@cache
def _hb_font(font_name: str) -> tuple[TTFont, uharfbuzz.Font]:
    ttf = pdfmetrics.getFont(font_name)
    return ttf, ttf.hbFont(1000)


@cache
def _glyph_extent(font_name: str, gid: int) -> tuple[float, float]:
    """(top, bottom) of one glyph's ink in 1/1000 em, bottom negative below the baseline."""
    ttf, hb = _hb_font(font_name)
    ext = hb.get_glyph_extents(gid)
    if ext is None:
        return 0.0, 0.0
    scale = 1000 / ttf.face.unitsPerEm
    return ext.y_bearing * scale, (ext.y_bearing + ext.height) * scale


def tibetan_ink_extents(run: Run) -> tuple[float, float]:
    """(ascent, descent) in points of the ink of a shaped Tibetan run, with mark offsets."""
    ttf, _hb = _hb_font(run.font)
    char_to_glyph = ttf.face.charToGlyph
    data = getattr(run.text, "__shapeData__", None)
    top, bottom = 0.0, 0.0
    for i, ch in enumerate(str(run.text)):
        gid = char_to_glyph.get(ord(ch), 0)
        t, b = _glyph_extent(run.font, gid)
        dy = data[i].y_offset if data else 0.0
        top, bottom = max(top, t + dy), min(bottom, b + dy)
    # a little air so stacks never touch the neighbouring line
    pad = 0.04 * 1000
    return (top + pad) * run.size / 1000, (-bottom + pad) * run.size / 1000

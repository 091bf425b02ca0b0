"""A small block layout over the ReportLab canvas: paper sizes, text blocks, tables, the QR and
signature footer, pagination for sheets and a page as long as its content for the 80 mm roll.

Blocks are measured for a width first and drawn second, so the roll's page height is known before
its canvas is made.
"""

from __future__ import annotations

import io
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

from reportlab import rl_config
from reportlab.lib.pagesizes import A4, A5
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from printing import qr
from printing.text import Line, Style, Typesetter

BLACK = (0.0, 0.0, 0.0)
GREY = (0.35, 0.35, 0.35)
RED = (0.75, 0.05, 0.05)
RULE = (0.55, 0.55, 0.55)
CELL_GAP = 0.05  # space between lines in a table cell, as a share of the font size


@dataclass(frozen=True)
class PaperSpec:
    name: str
    width: float
    height: float | None  # None: a roll, as long as the content
    margin: float
    body: float  # font sizes, points
    title: float
    small: float
    qr: float  # QR code side
    label_fraction: float  # share of a label/value table given to the label


PAPER_SPECS: dict[str, PaperSpec] = {
    "a4": PaperSpec("a4", A4[0], A4[1], 15 * mm, 10, 15, 8, 26 * mm, 0.4),
    "a5": PaperSpec("a5", A5[0], A5[1], 8 * mm, 7.2, 11, 6.2, 21 * mm, 0.46),
    "80mm": PaperSpec("80mm", 80 * mm, None, 4 * mm, 8.2, 11, 6.8, 30 * mm, 0.36),
}


class Block(Protocol):
    def measure(self, ts: Typesetter, width: float) -> float: ...

    def draw(self, ts: Typesetter, c: Canvas, x: float, top: float, width: float) -> None: ...


Piece = tuple[str, Style]  # one paragraph of text in one style


def _wrap_pieces(ts: Typesetter, pieces: Sequence[Piece], width: float) -> list[tuple[Line, Style]]:
    out: list[tuple[Line, Style]] = []
    for text, style in pieces:
        out.extend((line, style) for line in ts.wrap(text, style, width))
    return out


def _lines_height(lines: Sequence[tuple[Line, Style]], gap: float) -> float:
    return sum(line.height + gap * style.size for line, style in lines)


def _draw_lines(
    ts: Typesetter,
    c: Canvas,
    lines: Sequence[tuple[Line, Style]],
    x: float,
    top: float,
    width: float,
    align: str,
    gap: float,
) -> float:
    y = top
    for line, style in lines:
        baseline = y - line.ascent
        if align == "center":
            lx = x + (width - line.width) / 2
        elif align == "right":
            lx = x + width - line.width
        else:
            lx = x
        ts.draw_line(c, lx, baseline, line, style)
        y = baseline - line.descent - gap * style.size
    return y


@dataclass
class TextBlock:
    pieces: Sequence[Piece]
    align: str = "left"
    space_after: float = 4.0
    gap: float = 0.12  # extra space between lines, as a share of the font size
    frame: tuple[float, float, float] | None = None  # border colour
    _cache: tuple[float, list[tuple[Line, Style]]] | None = field(default=None, repr=False)

    def _lines(self, ts: Typesetter, width: float) -> list[tuple[Line, Style]]:
        inner = width - (8 if self.frame else 0)
        if self._cache is None or self._cache[0] != inner:
            self._cache = (inner, _wrap_pieces(ts, self.pieces, inner))
        return self._cache[1]

    def measure(self, ts: Typesetter, width: float) -> float:
        pad = 6 if self.frame else 0
        return _lines_height(self._lines(ts, width), self.gap) + pad + self.space_after

    def draw(self, ts: Typesetter, c: Canvas, x: float, top: float, width: float) -> None:
        lines = self._lines(ts, width)
        if self.frame:
            h = _lines_height(lines, self.gap) + 6
            widest = max((line.width for line, _ in lines), default=0) + 8
            fx = x + (width - widest) / 2 if self.align == "center" else x
            c.setStrokeColorRGB(*self.frame)
            c.setLineWidth(1)
            c.rect(fx, top - h, widest, h, stroke=1, fill=0)
            _draw_lines(ts, c, lines, x + 4, top - 3, width - 8, self.align, self.gap)
        else:
            _draw_lines(ts, c, lines, x, top, width, self.align, self.gap)


@dataclass(frozen=True)
class Check:
    """A tick box in a table cell."""

    ticked: bool


Cell = Sequence[Piece] | Check


Row = Sequence[Cell]


@dataclass
class TableBlock:
    """Rows of cells. ``fractions`` gives the column widths as shares of the block width, for every
    row, or per row (a sequence of sequences) when rows differ, as in a label/value grid whose long
    values span the width."""

    rows: Sequence[Row]
    fractions: Sequence[float] | Sequence[Sequence[float]]
    header_rows: int = 0
    pad: float = 2.2
    space_after: float = 6.0
    grid: bool = True
    _cache: tuple[float, list] | None = field(default=None, repr=False)

    def _fractions(self, index: int) -> Sequence[float]:
        first = self.fractions[0]
        if isinstance(first, int | float):
            return self.fractions  # type: ignore[return-value]
        return self.fractions[index]  # type: ignore[return-value]

    def _layout(self, ts: Typesetter, width: float) -> list[tuple[float, list, list[float]]]:
        if self._cache is not None and self._cache[0] == width:
            return self._cache[1]
        laid = []
        for index, row in enumerate(self.rows):
            widths = [width * f for f in self._fractions(index)]
            cells: list[list[tuple[Line, Style]] | Check] = []
            height = 0.0
            for cell, w in zip(row, widths, strict=True):
                if isinstance(cell, Check):
                    cells.append(cell)
                    height = max(height, 9.0)
                    continue
                lines = _wrap_pieces(ts, cell, w - 2 * self.pad)
                cells.append(lines)
                height = max(height, _lines_height(lines, CELL_GAP))
            laid.append((height + 2 * self.pad, cells, widths))
        self._cache = (width, laid)
        return laid

    def measure(self, ts: Typesetter, width: float) -> float:
        return sum(h for h, _c, _w in self._layout(ts, width)) + self.space_after

    def split(self, ts: Typesetter, width: float, available: float) -> tuple[TableBlock, TableBlock] | None:
        """The rows that fit in ``available`` and the rest (header rows repeated), or None."""
        laid = self._layout(ts, width)
        used = 0.0
        cut = 0
        for index, (h, _c, _w) in enumerate(laid):
            if used + h > available:
                break
            used += h
            cut = index + 1
        if cut <= self.header_rows or cut >= len(laid):
            return None
        per_row = not isinstance(self.fractions[0], int | float)
        head = list(range(self.header_rows))

        def part(indices: list[int], space_after: float) -> TableBlock:
            rows = [self.rows[i] for i in indices]
            fractions = [self.fractions[i] for i in indices] if per_row else self.fractions
            return TableBlock(rows, fractions, self.header_rows, self.pad, space_after, self.grid)

        return part(list(range(cut)), 0.0), part(head + list(range(cut, len(laid))), self.space_after)

    def draw(self, ts: Typesetter, c: Canvas, x: float, top: float, width: float) -> None:
        y = top
        grid = ["q", f"{RULE[0]} {RULE[1]} {RULE[2]} RG 0.5 w"]  # all cell borders as one path
        for index, (height, cells, widths) in enumerate(self._layout(ts, width)):
            if index < self.header_rows:
                c.setFillColorRGB(0.93, 0.93, 0.93)
                c.rect(x, y - height, width, height, stroke=0, fill=1)
            cx = x
            for cell, w in zip(cells, widths, strict=True):
                if isinstance(cell, Check):
                    _draw_check(c, cx + w / 2, y - height / 2, cell.ticked)
                else:
                    _draw_lines(ts, c, cell, cx + self.pad, y - self.pad, w - 2 * self.pad, "left", CELL_GAP)
                grid.append(f"{cx:.2f} {y - height:.2f} {w:.2f} {height:.2f} re")
                cx += w
            y -= height
        if self.grid:
            grid.append("S Q")
            c.addLiteral("\n".join(grid))


def _draw_check(c: Canvas, cx: float, cy: float, ticked: bool) -> None:
    s = 7.0
    c.setStrokeColorRGB(*BLACK)
    c.setLineWidth(0.7)
    c.rect(cx - s / 2, cy - s / 2, s, s, stroke=1, fill=0)
    if ticked:
        c.setLineWidth(1.2)
        p = c.beginPath()
        p.moveTo(cx - s * 0.32, cy)
        p.lineTo(cx - s * 0.08, cy - s * 0.28)
        p.lineTo(cx + s * 0.36, cy + s * 0.3)
        c.drawPath(p, stroke=1, fill=0)


@dataclass
class FooterBlock:
    """The QR code with its caption, the signature lines and the stamp area: side by side on a sheet
    (QR left, signatures middle, stamp right), stacked on the narrow roll (QR last)."""

    qr_text: str
    qr_side: float
    caption: Sequence[Piece]
    signatures: Sequence[Sequence[Piece]]
    stamp: Sequence[Piece] | None
    notes: Sequence[Piece] = ()  # printed above the signatures
    space_after: float = 0.0

    def _stacked(self, width: float) -> bool:
        return width < 90 * mm

    def _stamp_d(self, width: float) -> float:
        return min(26 * mm, width * 0.45) if self.stamp else 0.0

    # on a sheet the QR code sits this far in from the margin, so that its caption (wider than the
    # code) stays inside the margin, clear of the printer's unprintable edge
    _inset = 15.0

    def _sig_width(self, width: float) -> float:
        if self._stacked(width):
            return width
        return width - self._inset - self.qr_side - 16 - self._stamp_d(width) - 8

    def _caption_height(self, ts: Typesetter) -> float:
        return _lines_height(_wrap_pieces(ts, self.caption, self.qr_side + 30), 0.1)

    def measure(self, ts: Typesetter, width: float) -> float:
        qr_part = self.qr_side + self._caption_height(ts) + 4
        sw = self._sig_width(width)
        sig_h = sum(
            _lines_height(_wrap_pieces(ts, s, sw), 0.1) + 4 for s in [self.notes, *self.signatures] if s
        )
        d = self._stamp_d(width)
        if self._stacked(width):
            return sig_h + (d + 6 if d else 0) + qr_part + 8 + self.space_after
        return max(qr_part, sig_h, d + 4) + 8 + self.space_after

    def draw(self, ts: Typesetter, c: Canvas, x: float, top: float, width: float) -> None:
        stacked = self._stacked(width)
        sw = self._sig_width(width)
        sx = x if stacked else x + self._inset + self.qr_side + 16
        y = top - 6
        for sig in [self.notes, *self.signatures]:
            if not sig:
                continue
            y = _draw_lines(ts, c, _wrap_pieces(ts, sig, sw), sx, y, sw, "left", 0.1) - 4
        d = self._stamp_d(width)
        if d:
            cx = x + width - d / 2 - 2
            cy = (y - d / 2 - 2) if stacked else (top - 6 - d / 2)
            c.setStrokeColorRGB(*RULE)
            c.setDash(3, 2)
            c.setLineWidth(0.8)
            c.circle(cx, cy, d / 2, stroke=1, fill=0)
            c.setDash()
            lines = _wrap_pieces(ts, self.stamp, d * 0.8)
            h = _lines_height(lines, 0.05)
            _draw_lines(ts, c, lines, cx - d * 0.4, cy + h / 2, d * 0.8, "center", 0.05)
            if stacked:
                y -= d + 6
        qx = x + (width - self.qr_side) / 2 if stacked else x + self._inset
        qtop = y - 2 if stacked else top - 6
        draw_qr(c, self.qr_text, qx, qtop - self.qr_side, self.qr_side)
        cap_w = self.qr_side + 30
        _draw_lines(
            ts,
            c,
            _wrap_pieces(ts, self.caption, cap_w),
            qx - 15,
            qtop - self.qr_side - 2,
            cap_w,
            "center",
            0.1,
        )


def draw_qr(c: Canvas, text: str, x: float, y: float, side: float) -> None:
    qr.draw(c, text, x, y, side)


class _BinaryStreams:
    """Streams written as binary (Flate only), not ASCII85 on top: a fifth smaller and faster.
    ReportLab reads this from a process-wide setting, so it is switched around each build, under a
    lock (builds may run in a worker thread of the desktop)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._saved = 1

    def __enter__(self) -> None:
        self._lock.acquire()
        self._saved = rl_config.useA85
        rl_config.useA85 = 0

    def __exit__(self, *exc: object) -> None:
        rl_config.useA85 = self._saved
        self._lock.release()


BINARY_STREAMS = _BinaryStreams()


@dataclass(frozen=True)
class PdfInfo:
    title: str
    subject: str
    keywords: str
    author: str
    page_label: str = ""  # printed with "n/N" at the foot of every page of a multi-page document


def render(
    ts: Typesetter,
    paper: PaperSpec,
    blocks: Sequence[Block],
    info: PdfInfo,
) -> bytes:
    """Lay the blocks out on pages of ``paper`` and return the PDF."""
    width = paper.width - 2 * paper.margin
    if paper.height is None:
        placed = [(b, b.measure(ts, width)) for b in blocks]
        page_h = sum(h for _b, h in placed) + 2 * paper.margin
        pages: list[list[tuple[Block, float]]] = [placed]
    else:
        page_h = paper.height
        usable = page_h - 2 * paper.margin
        pages = [[]]
        used = 0.0
        queue = list(blocks)
        while queue:
            b = queue.pop(0)
            h = b.measure(ts, width)
            if pages[-1] and used + h > usable:
                parts = b.split(ts, width, usable - used) if isinstance(b, TableBlock) else None
                if parts is not None:
                    first, rest = parts
                    pages[-1].append((first, first.measure(ts, width)))
                    queue.insert(0, rest)
                pages.append([])
                used = 0.0
                if parts is not None:
                    continue
            pages[-1].append((b, h))
            used += h
    with BINARY_STREAMS:
        return _render(ts, paper, pages, page_h, info, width)


def _render(
    ts: Typesetter,
    paper: PaperSpec,
    pages: list[list[tuple[Block, float]]],
    page_h: float,
    info: PdfInfo,
    width: float,
) -> bytes:
    buf = io.BytesIO()
    # initial font: one of ours, so that no unembedded standard font (Helvetica) is referenced
    c = Canvas(
        buf,
        pagesize=(paper.width, page_h),
        pageCompression=1,
        invariant=1,
        initialFontName=ts.faces.latin,
        initialFontSize=paper.body,
    )
    c.setTitle(info.title)
    c.setSubject(info.subject)
    c.setKeywords(info.keywords)
    c.setAuthor(info.author)
    c.setCreator("liangxian")
    for number, page in enumerate(pages, start=1):
        top = page_h - paper.margin
        for b, h in page:
            b.draw(ts, c, paper.margin, top, width)
            top -= h
        if len(pages) > 1:
            style = Style(paper.small, color=GREY)
            label = f"{info.page_label}  {number}/{len(pages)}".strip()
            for line in ts.wrap(label, style, width):
                ts.draw_line(c, paper.margin + width - line.width, paper.margin / 2, line, style)
        c.showPage()
    c.save()
    return buf.getvalue()

"""The Tibetan review sheet (བོད་ཡིག་ཞུ་དག་རེའུ་མིག / 藏文审校表): one PDF a native reviewer marks up by hand.

``make glossary-sheet`` (or ``python -m printing.glossary_sheet --out FILE``) writes, on A4 landscape,
every term of ``i18n/glossary.toml`` and then every message of the Tibetan catalog, each on a
numbered row beside its Chinese (and English), with its message id and a wide empty column for the
reviewer's remarks. The numbers (G1 … for terms, 1 … for messages) and message ids are how a
correction finds its way back: README "Tibetan review" says how it returns to the catalogs.

Text is set by the printing typesetter (``printing/text.py``): Tibetan shaped by HarfBuzz in Noto
Serif Tibetan, Chinese in Droid Sans Fallback, Latin in Noto Sans (``printing/typefaces.py``), so the
sheet shows the stacks exactly as the documents print them.
"""

from __future__ import annotations

import argparse
import sys
import tomllib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from reportlab.lib.pagesizes import A4, landscape
from reportlab.pdfgen.canvas import Canvas

import i18n
from printing.text import Line, Style, Typesetter, shared_typesetter

GLOSSARY = Path(i18n.__file__).resolve().parent / "glossary.toml"
PAGE = landscape(A4)
MARGIN = 28.0
# number, message id (and English), Chinese, Tibetan, remarks (left empty for the reviewer)
COLUMNS = (30.0, 132.0, 150.0, 230.0)
PAD = 4.0
MIN_ROW = 26.0  # room to write in even beside a one-word term
TEXT = Style(8.5)
BO = Style(10)  # the text under review: larger, its stacks easy to read
SMALL = Style(6.5, color=(0.35, 0.35, 0.35))
HEAD = Style(8.5, bold=True)
TITLE = Style(13, bold=True)


@dataclass(frozen=True)
class Entry:
    """One row: its number, its id (a msgid, or the term's English), the Chinese and Tibetan texts
    and a note under the id (the English text, or the glossary's note)."""

    number: str
    key: str
    zh: str
    bo: str
    note: str = ""


def glossary_entries(path: Path = GLOSSARY) -> list[Entry]:
    terms = tomllib.loads(path.read_text(encoding="utf-8")).get("term", [])
    out = []
    for i, t in enumerate(terms, start=1):
        also = t.get("also") or []
        bo = t["bo"] + ("".join(f"\n({a})" for a in also) if also else "")
        out.append(Entry(f"G{i}", t.get("en", ""), t["zh"], bo, t.get("note", "")))
    return out


def message_entries() -> list[Entry]:
    bo, zh, en = i18n.catalog("bo"), i18n.catalog("zh"), i18n.catalog("en")
    return [
        Entry(str(i), msgid, zh.get(msgid, ""), bo[msgid], en.get(msgid, ""))
        for i, msgid in enumerate(sorted(bo), 1)
    ]


def _both(msgid: str) -> str:
    return f"{i18n.gettext(msgid, 'bo')} / {i18n.gettext(msgid, 'zh')} / {i18n.gettext(msgid, 'en')}"


class _Sheet:
    def __init__(self, out: Path | str, ts: Typesetter) -> None:
        self.c = Canvas(str(out), pagesize=PAGE, pageCompression=1)
        self.c.setTitle(_both("review.sheet.title"))
        self.ts = ts
        self.width = PAGE[0] - 2 * MARGIN
        self.remarks = self.width - sum(COLUMNS)
        self.page = 0
        self.y = 0.0
        self.section = ""

    def text(self, x: float, top: float, lines: Sequence[Line], style: Style) -> float:
        y = top
        for line in lines:
            y -= line.ascent
            self.ts.draw_line(self.c, x, y, line, style)
            y -= line.descent + 1.5
        return top - y

    def fit_id(self, key: str, width: float) -> Style:
        """A message id on one line (so it can be searched and copied whole): smaller when long."""
        size = TEXT.size - 1
        while size > 4.5 and self.ts.width(key, Style(size)) > width:
            size -= 0.25
        return Style(size)

    def new_page(self) -> None:
        if self.page:
            self.c.showPage()
        self.page += 1
        top = PAGE[1] - MARGIN
        title = self.ts.wrap(_both("review.sheet.title"), TITLE, self.width * 0.75)
        self.text(MARGIN, top, title, TITLE)
        page_no = f"{self.page}"
        self.text(PAGE[0] - MARGIN - self.ts.width(page_no, TEXT), top, self.ts.wrap(page_no, TEXT, 60), TEXT)
        y = top - sum(line.height + 1.5 for line in title) - 2
        hint = self.ts.wrap(_both("review.sheet.how"), SMALL, self.width)
        y -= self.text(MARGIN, y, hint, SMALL) + 4
        self.y = self.header(y)

    def header(self, top: float) -> float:
        heads = (
            "review.sheet.col.no",
            "review.sheet.col.msgid",
            "review.sheet.col.zh",
            "review.sheet.col.bo",
            "review.sheet.col.remarks",
        )
        widths = (*COLUMNS, self.remarks)
        cells = [
            self.ts.wrap(f"{i18n.gettext(h, 'bo')}\n{i18n.gettext(h, 'zh')}", HEAD, w - 2 * PAD)
            for h, w in zip(heads, widths, strict=True)
        ]
        height = max(sum(line.height + 1.5 for line in cell) for cell in cells) + 2 * PAD
        self.c.setFillColorRGB(0.92, 0.92, 0.92)
        self.c.rect(MARGIN, top - height, self.width, height, stroke=0, fill=1)
        x = MARGIN
        for cell, w in zip(cells, widths, strict=True):
            self.text(x + PAD, top - PAD, cell, HEAD)
            x += w
        self.grid(top, height)
        return top - height

    def grid(self, top: float, height: float) -> None:
        c = self.c
        c.setStrokeColorRGB(0.55, 0.55, 0.55)
        c.setLineWidth(0.4)
        c.rect(MARGIN, top - height, self.width, height, stroke=1, fill=0)
        x = MARGIN
        for w in COLUMNS:
            x += w
            c.line(x, top, x, top - height)

    def section_row(self, msgid: str) -> None:
        lines = self.ts.wrap(_both(msgid), HEAD, self.width - 2 * PAD)
        height = sum(line.height + 1.5 for line in lines) + 2 * PAD
        if self.y - height - MIN_ROW < MARGIN:
            self.new_page()
        self.text(MARGIN + PAD, self.y - PAD, lines, HEAD)
        self.y -= height

    def row(self, e: Entry) -> None:
        id_width = COLUMNS[1] - 2 * PAD
        id_style = self.fit_id(e.key, id_width)
        cells = [
            (self.ts.wrap(e.number, TEXT, COLUMNS[0] - 2 * PAD), TEXT),
            (self.ts.wrap(e.key, id_style, id_width * 4) + self.ts.wrap(e.note, SMALL, id_width), None),
            (self.ts.wrap(e.zh, TEXT, COLUMNS[2] - 2 * PAD), TEXT),
            (self.ts.wrap(e.bo, BO, COLUMNS[3] - 2 * PAD), BO),
        ]
        height = max(MIN_ROW, max(sum(line.height + 1.5 for line in lines) for lines, _ in cells) + 2 * PAD)
        if self.y - height < MARGIN:
            self.new_page()
        top, x = self.y, MARGIN
        for (lines, style), w in zip(cells, COLUMNS, strict=True):
            if style is None:  # the id on its own line, then the note in small grey
                key_lines = lines[:1]
                used = self.text(x + PAD, top - PAD, key_lines, id_style)
                self.text(x + PAD, top - PAD - used, lines[1:], SMALL)
            else:
                self.text(x + PAD, top - PAD, lines, style)
            x += w
        self.grid(top, height)
        self.y -= height

    def save(self) -> None:
        self.c.showPage()
        self.c.save()


def entries() -> Iterator[tuple[str, list[Entry]]]:
    yield "review.sheet.terms", glossary_entries()
    yield "review.sheet.messages", message_entries()


def write_sheet(out: Path | str, ts: Typesetter | None = None) -> int:
    """Write the review sheet to ``out``; the number of pages."""
    sheet = _Sheet(out, ts or shared_typesetter())
    sheet.new_page()
    for section, rows in entries():
        sheet.section_row(section)
        for e in rows:
            sheet.row(e)
    pages = sheet.page
    sheet.save()
    return pages


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m printing.glossary_sheet", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--out", type=Path, default=Path("glossary-sheet.pdf"))
    args = parser.parse_args(argv)
    pages = write_sheet(args.out)
    sys.stdout.write(f"{args.out}: {pages} pages\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

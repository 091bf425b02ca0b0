"""Widgets that fit a 1366×768 screen in every UI language — Tibetan headings are two to three times
as wide as Chinese ones, and a Tibetan line is twice as tall: tables with a long column heading on two
lines (and a header tall enough for them) and columns as wide as their contents with one column
taking the rest, so a table never scrolls sideways by a few pixels and no heading is cut; fields
that keep their full height in a crowded layout; a message line that takes no room while empty."""

from __future__ import annotations

from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import QHeaderView, QLabel, QTableWidget, QWidget

TSHEG = "\u0f0b"  # ་ the Tibetan syllable mark, where a line may break


def heading_lines(text: str, metrics: QFontMetrics, room: int) -> str:
    """``text`` as is when it is at most ``room`` pixels wide, else on two lines broken where the wider
    line is narrowest: after a space or after a tsheg. ("ན་ནིང་གི་དུས་མཚམས་གཅིག་པ།" over a number
    column needs half its width then.) Text with no break is kept whole."""
    text = text.strip()
    best, best_width = text, metrics.horizontalAdvance(text)
    if best_width <= room:
        return text
    for i, ch in enumerate(text[:-1]):
        if ch not in (" ", TSHEG):
            continue
        first, second = text[: i + 1].rstrip(), text[i + 1 :].lstrip()
        if not first or not second:
            continue
        width = max(metrics.horizontalAdvance(first), metrics.horizontalAdvance(second))
        if width < best_width:
            best, best_width = f"{first}\n{second}", width
    return best


def fit_header_height(table: QTableWidget) -> None:
    """A horizontal header as tall as its tallest heading. (The application's style sheet gives header
    sections a minimum height for Tibetan stacks; a section with such a rule is sized by the rule,
    not by its lines, so a two-line heading needs its own minimum.)"""
    header = table.horizontalHeader()
    model = table.model()
    lines = 1
    for c in range(table.columnCount()):
        text = model.headerData(c, header.orientation())
        if text:
            lines = max(lines, str(text).count("\n") + 1)
    height = QFontMetrics(header.font()).height() * lines + 4
    header.setStyleSheet(f"QHeaderView::section {{ min-height: {height}px; }}")


def fit_columns(table: QTableWidget, stretch: int | tuple[int, ...]) -> None:
    """Columns as wide as their contents (and heading); column(s) ``stretch`` share what is left."""
    stretched = (stretch,) if isinstance(stretch, int) else stretch
    header = table.horizontalHeader()
    for c in range(table.columnCount()):
        mode = QHeaderView.ResizeMode.Stretch if c in stretched else QHeaderView.ResizeMode.ResizeToContents
        header.setSectionResizeMode(c, mode)


class Message(QLabel):
    """A word-wrapped message line that takes no room while it has nothing to say."""

    def __init__(self) -> None:
        super().__init__()
        self.setWordWrap(True)
        self.setVisible(False)

    def setText(self, text: str) -> None:  # Qt's name
        super().setText(text)
        self.setVisible(bool(text))


def hold_height(*widgets: QWidget) -> None:
    """Keep each field at its full height, also where its layout is short of room (a page in a scroll
    area taller than the screen gets only its minimum sizes). The application's style sheet sets a
    minimum height for Tibetan stacks, and a style-sheet minimum wins over the widget's own: a spin
    box or a date edit (arrows, calendar button) needs a few pixels more and lost them. Call it after
    every change of the application's font (a language switch re-polishes the widgets)."""
    for w in widgets:
        w.ensurePolished()  # the style sheet's minimum first, then ours
        w.setMinimumHeight(max(w.sizeHint().height(), w.minimumSizeHint().height()))

"""Widgets that fit a 1366×768 screen in every UI language — Tibetan headings are two to three times
as wide as Chinese ones, and a Tibetan line is twice as tall: tables with a long column heading on two
lines (and a header tall enough for them) and columns as wide as their contents with one column
taking the rest, so a table never scrolls sideways by a few pixels and no heading is cut; fields
that keep their full height in a crowded layout; a message line that takes no room while empty,
and a status line that keeps its room while empty (nothing moves when it speaks)."""

from __future__ import annotations

from PySide6.QtCore import QSize
from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import QHeaderView, QLabel, QTableView, QTableWidget, QWidget

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


def fit_header_height(table: QTableView) -> None:
    """A horizontal header as tall as its tallest heading. (The application's style sheet gives header
    sections a minimum height for Tibetan stacks; a section with such a rule is sized by the rule,
    not by its lines, so a two-line heading needs its own minimum.)"""
    header = table.horizontalHeader()
    model = table.model()
    lines = 1
    for c in range(model.columnCount()):
        text = model.headerData(c, header.orientation())
        if text:
            lines = max(lines, str(text).count("\n") + 1)
    height = QFontMetrics(header.font()).height() * lines + 4
    sheet = f"QHeaderView::section {{ min-height: {height}px; }}"
    if header.styleSheet() != sheet:  # a new style sheet re-polishes the header: only on a change
        header.setStyleSheet(sheet)


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


class ReservedLine(QLabel):
    """A word-wrapped status or error line that keeps room for ``lines`` lines while it is empty or
    hidden: the buttons and fields around it stay where they are when a message appears (a click
    aimed at a button lands on it). Taller text still grows it, in the current font's line height
    (Tibetan lines are twice as tall), so nothing is cut."""

    def __init__(self, lines: int = 1) -> None:
        super().__init__()
        self.lines = lines
        self.setWordWrap(True)
        policy = self.sizePolicy()
        policy.setRetainSizeWhenHidden(True)
        self.setSizePolicy(policy)

    def reserved(self) -> int:
        margins = self.contentsMargins()
        return self.lines * self.fontMetrics().lineSpacing() + margins.top() + margins.bottom() + 2

    def heightForWidth(self, width: int) -> int:  # Qt's name
        return max(super().heightForWidth(width), self.reserved())

    def sizeHint(self) -> QSize:  # Qt's name
        hint = super().sizeHint()
        return QSize(hint.width(), max(hint.height(), self.reserved()))

    def minimumSizeHint(self) -> QSize:  # Qt's name
        hint = super().minimumSizeHint()
        return QSize(hint.width(), max(hint.height(), self.reserved()))


def hold_height(*widgets: QWidget) -> None:
    """Keep each field at its full height, also where its layout is short of room (a page in a scroll
    area taller than the screen gets only its minimum sizes). The application's style sheet sets a
    minimum height for Tibetan stacks, and a style-sheet minimum wins over the widget's own: a spin
    box or a date edit (arrows, calendar button) needs a few pixels more and lost them. Call it after
    every change of the application's font (a language switch re-polishes the widgets)."""
    for w in widgets:
        w.ensurePolished()  # the style sheet's minimum first, then ours
        w.setMinimumHeight(max(w.sizeHint().height(), w.minimumSizeHint().height()))


def column_needs(table: QTableView) -> list[int]:
    """The width each column needs to show its cells and its heading whole."""
    header = table.horizontalHeader()
    return [
        max(table.sizeHintForColumn(c), header.sectionSizeHint(c)) for c in range(table.model().columnCount())
    ]


def share_columns(table: QTableView, stretch: int, whole: tuple[int, ...] = ()) -> None:
    """Columns that share the table's width without a sideways scroll bar: each gets what its
    contents need when they all fit (column ``stretch`` takes what is left); otherwise the widest
    give up width first ("water-filling") down to their heading's width, and their cells are elided
    (each item's tooltip holds its whole text); the columns ``whole`` never give up width (a masked ID
    number whose tail tells namesakes apart). Call after filling the table and on every resize."""
    header = table.horizontalHeader()
    count = table.model().columnCount()
    if count == 0:
        return
    room = table.viewport().width()
    hidden = {c for c in range(count) if header.isSectionHidden(c)}
    need = [0 if c in hidden else n for c, n in enumerate(column_needs(table))]
    floor = [0 if c in hidden else need[c] if c in whole else header.sectionSizeHint(c) for c in range(count)]
    widths = list(need)
    excess = sum(widths) - room
    while excess > 0:
        shrinkable = [c for c in range(count) if widths[c] > floor[c]]
        if not shrinkable:
            break
        top = max(widths[c] for c in shrinkable)
        widest = [c for c in shrinkable if widths[c] == top]
        below = [widths[c] for c in shrinkable if widths[c] < top]
        next_level = max([*below, *(floor[c] for c in widest)])
        step = min(top - next_level, -(-excess // len(widest)))
        for c in widest:
            cut = min(step, widths[c] - floor[c], excess)
            widths[c] -= cut
            excess -= cut
    if excess < 0:
        widths[stretch] -= excess  # what is left goes to the stretched column
    for c in range(count):
        if c in hidden:
            continue
        header.setSectionResizeMode(c, QHeaderView.ResizeMode.Interactive)
        header.resizeSection(c, widths[c])

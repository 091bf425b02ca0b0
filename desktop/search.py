"""Lookup as you type over the local persons (a million on a county counter) without freezing:
the query runs on the store thread after a short pause in typing, stale queries are dropped before
they run, and the table model fetches further pages only as the clerk scrolls (canFetchMore)."""

from __future__ import annotations

import logging
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, QTimer, Signal
from PySide6.QtGui import QFontMetrics, QResizeEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QLabel,
    QLineEdit,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from desktop import fonts
from desktop.backend import Backend
from desktop.fit import fit_header_height, heading_lines, share_columns
from desktop.lang import UiLanguage

log = logging.getLogger(__name__)
PAGE = 50
MAX_ROWS = 1000
DEBOUNCE_MS = 180
# what tells namesakes apart comes with the name: the ID number's tail, birth date, county, employer
COLUMNS = ("name_zh", "name_bo", "id_masked", "birth_date", "county", "employer", "category")
HEADINGS = {
    "id_masked": "field.id_number",
    "county": "ui.search.county",
    "employer": "ui.search.employer",
}
#: never cut: the Chinese name, and the tail of the number and the birth date that tell namesakes apart
FIT_TO_CONTENTS = ("name_zh", "id_masked", "birth_date")
Index = QModelIndex | QPersistentModelIndex


class PersonSearchModel(QAbstractTableModel):
    searching = Signal(bool)
    finished = Signal()  # a query's first page is in (none found included)

    def __init__(self, backend: Backend, ui: UiLanguage) -> None:
        super().__init__()
        self.backend = backend
        self.ui = ui
        self.rows: list[dict[str, Any]] = []
        self.total = 0  # how many persons the query matches (the rows are the first of them)
        self.capped = False  # more than ``total`` match
        self.query = ""
        self._generation = 0
        self._exhausted = True
        self._fetching = False
        # a heading wider than its column goes on two lines (set by the view from its width)
        self.heading_metrics: QFontMetrics | None = None
        self.heading_room = 0
        ui.changed.connect(self._retranslate)

    # --- Qt model --------------------------------------------------------------------------------

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row = self.rows[index.row()]
        column = COLUMNS[index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            return self.cell(row, column)
        if role == Qt.ItemDataRole.ToolTipRole and column == "employer":
            return self.cell(row, column) or None
        if role == Qt.ItemDataRole.UserRole:
            return row
        return None

    def cell(self, row: dict[str, Any], column: str) -> str:
        bo = self.ui.lang == "bo"
        if column == "category":
            return self.ui.t(f"category.{row['category']}") if row.get("category") else ""
        if column == "county":
            from forms.divisions import lookup

            county = lookup(row.get("county_code") or "")
            if county is None:
                return row.get("county_code") or ""
            return (county.name_bo if bo and county.name_bo else county.name_zh) or county.code
        if column == "employer":
            return (row.get("employer_name_bo") if bo else None) or row.get("employer_name_zh") or ""
        return str(row.get(column) or "")

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            msgid = HEADINGS.get(COLUMNS[section], f"field.{COLUMNS[section]}")
            text = self.ui.t(msgid)
            if self.heading_metrics is not None and self.heading_room > 0:
                return heading_lines(text, self.heading_metrics, self.heading_room)
            return text
        return None

    def canFetchMore(self, parent: Index = QModelIndex()) -> bool:  # noqa: B008
        return (
            not parent.isValid() and not self._exhausted and not self._fetching and len(self.rows) < MAX_ROWS
        )

    def fetchMore(self, parent: Index = QModelIndex()) -> None:  # noqa: B008
        if self.canFetchMore(parent):
            self._request(len(self.rows) + PAGE, append=True)

    def _retranslate(self, _lang: str) -> None:
        self.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, len(COLUMNS) - 1)
        if self.rows:
            self.dataChanged.emit(self.index(0, 0), self.index(len(self.rows) - 1, len(COLUMNS) - 1))

    # --- searching -------------------------------------------------------------------------------

    def search(self, query: str) -> None:
        self.query = query.strip()
        self._generation += 1
        self.beginResetModel()
        self.rows = []
        self.total, self.capped = 0, False
        self._exhausted = True
        self._fetching = False
        self.endResetModel()
        if self.query:
            self._request(PAGE, append=False)
        else:
            self.searching.emit(False)

    def _request(self, limit: int, *, append: bool) -> None:
        generation, query = self._generation, self.query
        self._fetching = True
        self.searching.emit(True)

        def run() -> dict[str, Any] | None:
            if generation != self._generation:  # the clerk typed on: skip this stale query
                return None
            return dict(self.backend.service_now().lookup_persons(query, limit=limit))

        def done(found: dict[str, Any] | None) -> None:
            if generation != self._generation or found is None:
                return
            hits = found["hits"]
            self.total, self.capped = found["total"], found["capped"]
            self._fetching = False
            self.searching.emit(False)
            new = hits[len(self.rows) :] if append else hits
            if new:
                self.beginInsertRows(QModelIndex(), len(self.rows), len(self.rows) + len(new) - 1)
                self.rows.extend(new)
                self.endInsertRows()
            self._exhausted = len(hits) < limit
            if not append:
                self.finished.emit()

        def failed(exc: BaseException) -> None:
            self._fetching = False
            self.searching.emit(False)
            self.finished.emit()
            log.error("person search %r failed", query, exc_info=exc)

        self.backend.submit(run, done, failed)


class PersonSearch(QWidget):
    """A search box over a lazily filled table; ``chosen`` fires with a hit's dict on Enter in the box
    when the first hit is the one (the only match, or an exact ID or receipt number), else Enter
    puts the clerk on the first row to choose with ↑↓ and Enter; Enter/double-click in the table
    opens the row. A receipt number's hit carries ``application_id``: it opens that application."""

    chosen = Signal(dict)

    def __init__(self, backend: Backend, ui: UiLanguage) -> None:
        super().__init__()
        self.ui = ui
        self.model = PersonSearchModel(backend, ui)
        self.box = QLineEdit()
        self.box.setObjectName("person_search_box")
        self.box.setClearButtonEnabled(True)
        self.status = QLabel()
        self.status.setProperty("role", "hint")
        self.table = QTableView()
        self.table.setObjectName("person_search_table")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        fonts.fit_rows(self.table)
        self.table.verticalHeader().hide()
        self.table.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.table.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        self.table.activated.connect(self._activate)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.box)
        layout.addWidget(self.status)
        layout.addWidget(self.table, 1)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(DEBOUNCE_MS)
        self._timer.timeout.connect(lambda: self.model.search(self.box.text()))
        self.box.textChanged.connect(lambda _t: self._timer.start())
        self.box.returnPressed.connect(self._enter)
        self._open_first = False
        self.model.finished.connect(self._first_page_in)
        self.model.searching.connect(self._on_searching)
        self.model.rowsInserted.connect(lambda *_a: self._on_searching(False))
        self.model.rowsInserted.connect(lambda *_a: self._fit_columns())
        self.model.modelReset.connect(self._fit_columns)
        ui.changed.connect(self.retranslate)
        self.retranslate()

    def retranslate(self, *_a: object) -> None:
        self.box.setPlaceholderText(self.ui.t("ui.search.placeholder"))
        self._on_searching(False)
        self._fit_headings()
        self._fit_columns()

    def resizeEvent(self, event: QResizeEvent) -> None:  # Qt's name
        super().resizeEvent(event)
        self._fit_headings()
        self._fit_columns()

    def _fit_columns(self) -> None:
        """The masked number and the birth date as wide as their widest cell and heading: never cut
        (the tail of the number tells namesakes apart); the other columns share what is left."""
        # a counter holds its own county's persons only: the county column says something only when
        # the hits are of more than one county (and its room goes to the names)
        counties = {r.get("county_code") for r in self.model.rows}
        self.table.setColumnHidden(COLUMNS.index("county"), len(counties) <= 1)
        whole = tuple(COLUMNS.index(c) for c in FIT_TO_CONTENTS)
        share_columns(self.table, COLUMNS.index("employer"), whole)

    def _fit_headings(self) -> None:
        """Column headings on two lines where a column is narrower than its heading (Tibetan ones
        are two to three times as wide as Chinese), and a header tall enough for them."""
        header = self.table.horizontalHeader()
        metrics = QFontMetrics(header.font())
        room = max(40, self.table.viewport().width() // len(COLUMNS) - 2 * metrics.averageCharWidth())
        if (metrics, room) == (self.model.heading_metrics, self.model.heading_room):
            return
        self.model.heading_metrics, self.model.heading_room = metrics, room
        self.model.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, len(COLUMNS) - 1)
        fit_header_height(self.table)
        self._fit_columns()

    def count_text(self) -> str:
        """The true count: all shown, or how many of how many, with what to add to narrow it."""
        t, rows, model = self.ui.t, self.model.rows, self.model
        if rows and rows[0].get("receipt_no") and len(rows) == 1:
            hit = rows[0]
            name = (hit.get("name_bo") if self.ui.lang == "bo" else None) or hit.get("name_zh") or ""
            return t("ui.search.receipt_hit", receipt_no=hit["receipt_no"], name=name)
        if model.capped:
            return t("ui.search.count_capped", count=model.total, shown=len(rows))
        if model.total > len(rows):
            return t("ui.search.count_more", count=model.total, shown=len(rows))
        return t("ui.search.count", count=len(rows))

    def _on_searching(self, busy: bool) -> None:
        if busy:
            self.status.setText(self.ui.t("ui.search.searching"))
        elif self.model.query:
            self.status.setText(self.count_text())
        else:
            self.status.setText("")

    def is_the_one(self) -> bool:
        """The first hit is the person meant: the only match, or an exact ID number or receipt
        number (no other hit as exact). A name shared by several is never guessed."""
        rows = self.model.rows
        if not rows:
            return False
        if self.model.total == 1 and len(rows) == 1:
            return True
        first = rows[0]
        exact = first.get("score", 0) >= 1.0 and first.get("matched") in ("id_number", "receipt_no")
        return exact and (len(rows) == 1 or rows[1].get("score", 0) < 1.0)

    def _enter(self) -> None:
        """Enter in the box: the first hit opens when it is the one (at once when the query's answer
        is already in); with several, the first row is selected for the clerk to choose."""
        pending = self._timer.isActive() or self.model.query != self.box.text().strip()
        self._timer.stop()
        if not pending and self.model.rows and not self.model._fetching:
            self._open_or_choose()
            return
        self._open_first = True
        self.model.search(self.box.text())

    def _first_page_in(self) -> None:
        if self._open_first:
            self._open_first = False
            self._open_or_choose()

    def _open_or_choose(self) -> None:
        if self.is_the_one():
            self.show_first()
        elif self.model.rows:
            self.table.selectRow(0)
            self.table.setFocus()
            self.status.setText(f"{self.count_text()} — {self.ui.t('ui.search.choose')}")

    def look_for(self, text: str) -> None:
        """Search for ``text`` now, as if the clerk had typed it and pressed Enter."""
        self.box.setText(text)
        self._timer.stop()
        self.model.search(text)

    def show_first(self) -> None:
        """Choose the first hit (Enter in the search box does this too)."""
        if self.model.rows:
            self.table.selectRow(0)
            self.table.setFocus()
            self.chosen.emit(self.model.rows[0])

    def _activate(self, index: QModelIndex) -> None:
        row = self.model.data(index, Qt.ItemDataRole.UserRole)
        if row:
            self.chosen.emit(row)

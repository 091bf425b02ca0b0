"""冲突 conflict review (a tab of 同步): each open item the server found shows the record, the field,
the local and the server value side by side with who changed each and when; a reviewer or an admin
resolves it to one of them, or — for a duplicate application (the same claim received at two
counters) — withdraws one of the two with a reason. Duplicate persons the server merged are listed
with what was repointed. A clerk sees that items wait, not the controls. The decision reaches the
server with the next sync."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any

from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import (
    QAbstractItemView,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop import roles
from desktop.backend import Backend
from desktop.fit import fit_columns, fit_header_height, heading_lines
from desktop.lang import UiLanguage

log = logging.getLogger(__name__)


VALUE_COLUMNS = (2, 4)  # the local and the server value


def _value(v: Any) -> str:
    if v is None:
        return ""
    return v if isinstance(v, str) else json.dumps(v, ensure_ascii=False)


class ConflictsPanel(QWidget):
    def __init__(self, ui: UiLanguage, backend: Backend) -> None:
        super().__init__()
        self.ui = ui
        self.backend = backend
        self.items: list[dict[str, Any]] = []
        self.merges: list[dict[str, Any]] = []
        self.may_resolve = roles.may(backend.role, "conflict.resolve")

        self.summary = QLabel()
        self.summary.setObjectName("conflicts_summary")
        self.summary.setWordWrap(True)
        self.table = QTableWidget(0, 7)
        self.table.setObjectName("conflicts_table")
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().setVisible(False)
        # the two values share what the other columns leave (wrapping if need be), so the table
        # never scrolls sideways, not even with Tibetan dates under the names
        fit_columns(self.table, stretch=VALUE_COLUMNS)
        self.table.setWordWrap(True)
        self.table.itemSelectionChanged.connect(self._selected)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(self.table, 2)

        self.controls = QWidget()
        self.controls.setObjectName("conflict_controls")
        self.take_local, self.take_server = QPushButton(), QPushButton()
        self.take_local.setObjectName("conflict_take_local")
        self.take_server.setObjectName("conflict_take_server")
        self.reason = QLineEdit()
        self.reason.setObjectName("conflict_reason")
        self.withdraw_local, self.withdraw_server = QPushButton(), QPushButton()
        self.withdraw_local.setObjectName("conflict_withdraw_local")
        self.withdraw_server.setObjectName("conflict_withdraw_server")
        self.take_local.clicked.connect(lambda: self.resolve("local"))
        self.take_server.clicked.connect(lambda: self.resolve("remote"))
        self.withdraw_local.clicked.connect(lambda: self.withdraw(1))
        self.withdraw_server.clicked.connect(lambda: self.withdraw(0))
        row = QHBoxLayout(self.controls)
        row.setContentsMargins(0, 0, 0, 0)
        for w in (self.take_local, self.take_server, self.reason, self.withdraw_local, self.withdraw_server):
            row.addWidget(w)
        layout.addWidget(self.controls)
        self.controls.setVisible(self.may_resolve)
        self.message = QLabel()
        self.message.setObjectName("conflicts_message")
        self.message.setWordWrap(True)
        layout.addWidget(self.message)

        self.merges_box = QGroupBox()
        self.merges_table = QTableWidget(0, 3)
        self.merges_table.setObjectName("merges_table")
        self.merges_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.merges_table.verticalHeader().setVisible(False)
        self.merges_table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.merges_table.horizontalHeader().setStretchLastSection(True)
        QVBoxLayout(self.merges_box).addWidget(self.merges_table)
        layout.addWidget(self.merges_box, 1)
        self._selected()

    def retranslate(self) -> None:
        t = self.ui.t
        metrics = QFontMetrics(self.table.horizontalHeader().font())
        room = metrics.horizontalAdvance("0" * 12)
        self.table.setHorizontalHeaderLabels(
            [
                heading_lines(t(m), metrics, room)
                for m in (
                    "ui.conflict.col.record",
                    "ui.conflict.col.field",
                    "ui.conflict.col.local",
                    "ui.conflict.col.local_by",
                    "ui.conflict.col.server",
                    "ui.conflict.col.server_by",
                    "ui.conflict.col.kind",
                )
            ]
        )
        fit_header_height(self.table)
        self.take_local.setText(t("ui.conflict.take_local"))
        self.take_server.setText(t("ui.conflict.take_server"))
        self.reason.setPlaceholderText(t("ui.conflict.reason"))
        self.withdraw_local.setText(t("ui.conflict.withdraw_local"))
        self.withdraw_server.setText(t("ui.conflict.withdraw_server"))
        self.merges_box.setTitle(t("ui.conflict.merges"))
        self.merges_table.setHorizontalHeaderLabels(
            [
                t("ui.conflict.col.merged_from"),
                t("ui.conflict.col.merged_into"),
                t("ui.conflict.col.repointed"),
            ]
        )
        if not self.items:
            self.summary.setText(t("ui.conflict.none"))
        elif self.may_resolve:
            self.summary.setText(t("ui.conflict.waiting_reviewer", n=len(self.items)))
        else:
            self.summary.setText(t("ui.conflict.waiting_clerk", n=len(self.items)))
        self._fill()

    def _fill(self) -> None:
        t = self.ui.t
        metrics = QFontMetrics(self.table.font())
        room = metrics.horizontalAdvance("0" * 12)  # a longer kind goes on two lines, like the names
        self.table.setRowCount(len(self.items))
        for r, c in enumerate(self.items):
            who_local, who_server = self._who(c, "local"), self._who(c, "server")
            cells = [
                f"{t('ui.sync.entity.' + c['entity'])}\n{c['entity_id'][:13]}",  # narrow: values get room
                self._field_name(c.get("field")),
                _value(c.get("local_value")),
                who_local.strip(),
                _value(c.get("server_value")),
                who_server.strip(),
                heading_lines(t(f"ui.conflict.kind.{c.get('kind') or 'field'}"), metrics, room),
            ]
            for col, text in enumerate(cells):
                self.table.setItem(r, col, QTableWidgetItem(text))
        self.table.resizeRowsToContents()
        self.merges_table.setRowCount(len(self.merges))
        for r, g in enumerate(self.merges):
            repointed = ", ".join(
                f"{t('ui.sync.entity.' + k)} {len(v)}" for k, v in (g.get("repointed") or {}).items()
            )
            for col, text in enumerate((g["from_id"][:13], g["into_id"][:13], repointed)):
                self.merges_table.setItem(r, col, QTableWidgetItem(text))
        self._selected()

    def _field_name(self, field: str | None) -> str:
        """The field's name in the UI language (its code when the catalog has no name for it)."""
        if not field:
            return ""
        name = self.ui.t(f"field.{field}")
        return field if name == f"field.{field}" else name

    def _who(self, item: dict[str, Any], side: str) -> str:
        """Who changed one side and when, on two lines (the name above the time)."""
        from desktop import fmt

        at = item.get(f"{side}_at")
        when = fmt.datetime(at, self.ui.lang) if at else ""
        return "\n".join(part for part in (item.get(f"{side}_actor") or "", when) if part)

    def refresh(self, after: Callable[[], None] | None = None) -> None:
        def run() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
            store = self.backend.store_now()
            if store is None:
                return [], []
            return store.conflicts("open"), store.merges()

        def ok(result: tuple[list[dict[str, Any]], list[dict[str, Any]]]) -> None:
            self.items, self.merges = result
            if after is not None:
                after()
            else:
                self.retranslate()

        self.backend.submit(run, ok, lambda exc: log.warning("conflicts refresh failed: %s", exc))

    def current(self) -> dict[str, Any] | None:
        rows = self.table.selectionModel().selectedRows() if self.table.selectionModel() else []
        return self.items[rows[0].row()] if rows and rows[0].row() < len(self.items) else None

    def _selected(self) -> None:
        item = self.current()
        dup = bool(item and item.get("kind") == "duplicate_application")
        for w in (self.take_local, self.take_server):
            w.setEnabled(bool(item) and not dup)
        if item and item.get("kind") == "pulled_decision":  # never stored: the engine's decision stands
            self.take_server.setEnabled(False)
        for w in (self.reason, self.withdraw_local, self.withdraw_server):
            w.setEnabled(dup)

    def select(self, row: int) -> None:
        self.table.selectRow(row)

    def _done(self, text_id: str) -> Callable[[Any], None]:
        def ok(_r: Any) -> None:
            self.message.setText(self.ui.t(text_id))
            self.refresh()

        return ok

    def _failed(self, exc: BaseException) -> None:
        from desktop.pages import error_text

        self.message.setText(error_text(exc, self.ui))

    def resolve(self, take: str) -> None:
        item = self.current()
        if item is None or not self.may_resolve:
            return
        self.backend.call(
            "resolve_conflict",
            item["id"],
            take,
            on_ok=self._done("ui.conflict.resolved"),
            on_err=self._failed,
            changes="conflicts",
        )

    def withdraw(self, which: int) -> None:
        """Withdraw one application of a duplicate pair: ``which`` indexes ``detail.application_ids``
        (0 the one the server had first, 1 this counter's)."""
        item = self.current()
        if item is None or not self.may_resolve or item.get("kind") != "duplicate_application":
            return
        reason = self.reason.text().strip()
        if not reason:
            self.message.setText(self.ui.t("ui.conflict.reason_needed"))
            return
        ids = (item.get("detail") or {}).get("application_ids") or []
        if len(ids) != 2:
            return
        self.backend.call(
            "withdraw",
            ids[which],
            reason,
            on_ok=self._done("ui.conflict.withdrawn"),
            on_err=self._failed,
            changes="applications",
        )

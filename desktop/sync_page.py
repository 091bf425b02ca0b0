"""同步 sync: the state of the link (the status bar's 在线/离线 is the truth: the last successful sync
and the unsent changes), a progress bar with counts while syncing, "sync now", what waits to go (by
record type, oldest first, how long it has waited), the changes the server refused (each with its
reason in Chinese and Tibetan, and a way to open the record to correct it), the history of recent
syncs; conflict review (``desktop.conflicts_page``) and bundles on a USB stick (export to a chosen
folder, open a reply) in their own tabs."""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QProgressBar,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from desktop import dialogs
from desktop.backend import Backend
from desktop.conflicts_page import ConflictsPanel
from desktop.fit import Message
from desktop.lang import UiLanguage
from desktop.sync_worker import SyncController

log = logging.getLogger(__name__)


def _table(name: str, columns: int) -> QTableWidget:
    t = QTableWidget(0, columns)
    t.setObjectName(name)
    t.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    t.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    t.verticalHeader().setVisible(False)
    t.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    t.horizontalHeader().setStretchLastSection(True)
    t.setWordWrap(True)
    return t


def _fill(table: QTableWidget, rows: list[list[str]]) -> None:
    table.setRowCount(len(rows))
    for r, row in enumerate(rows):
        for c, text in enumerate(row):
            table.setItem(r, c, QTableWidgetItem(text))
    table.resizeRowsToContents()


def _parse(ts: str) -> dt.datetime | None:
    try:
        return dt.datetime.fromisoformat(ts.replace("Z", "+00:00"))
    except (ValueError, AttributeError):
        return None


def waited_text(ts: str, ui: UiLanguage, now: dt.datetime | None = None) -> str:
    """How long a change has waited, in days, hours or minutes."""
    at = _parse(ts)
    if at is None:
        return ""
    secs = max(0, int(((now or dt.datetime.now(dt.UTC)) - at).total_seconds()))
    if secs >= 86400:
        return ui.t("ui.sync.waited_days", n=secs // 86400)
    if secs >= 3600:
        return ui.t("ui.sync.waited_hours", n=secs // 3600)
    return ui.t("ui.sync.waited_minutes", n=secs // 60)


def waiting_by_type(pending: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Unsent changes grouped by record type, the type with the oldest change first."""
    groups: dict[str, dict[str, Any]] = {}
    for item in pending:
        g = groups.setdefault(item["entity"], {"entity": item["entity"], "count": 0, "oldest": item["at"]})
        g["count"] += 1
        g["oldest"] = min(g["oldest"], item["at"])
    return sorted(groups.values(), key=lambda g: g["oldest"])


class SyncPage(QWidget):
    """The 同步 page; ``open_record(entity, id)`` asks the window to show a refused record."""

    open_record = Signal(str, str)

    def __init__(self, ui: UiLanguage, backend: Backend, status: Any, controller: SyncController) -> None:
        super().__init__()
        self.ui = ui
        self.backend = backend
        self.status = status
        self.controller = controller
        self.data: dict[str, Any] = {}
        self.last_result: dict[str, Any] | None = None

        self.title = QLabel()
        self.title.setProperty("role", "title")
        self.state = QLabel()
        self.state.setObjectName("sync_state")
        self.state.setWordWrap(True)
        self.progress = QProgressBar()
        self.progress.setObjectName("sync_progress")
        self.progress.setTextVisible(True)
        self.progress.setRange(0, 1)
        self.progress.setValue(0)
        self.progress_label = QLabel()
        self.progress_label.setObjectName("sync_progress_label")
        self.message = Message()
        self.message.setObjectName("sync_message")
        self.message.setWordWrap(True)
        self.now_button = QPushButton()
        self.now_button.setObjectName("sync_now")
        self.now_button.clicked.connect(self.sync_now)

        self.waiting_box, self.refused_box, self.history_box = QGroupBox(), QGroupBox(), QGroupBox()
        self.waiting = _table("sync_waiting", 3)
        self.refused = _table("sync_refused", 3)
        self.refused.cellDoubleClicked.connect(self._open_refused)
        self.open_button = QPushButton()
        self.open_button.setObjectName("sync_open_refused")
        self.open_button.clicked.connect(lambda: self._open_refused(self.refused.currentRow(), 0))
        self.retry_button = QPushButton()
        self.retry_button.setObjectName("sync_retry_refused")
        self.retry_button.clicked.connect(self.retry_refused)
        self.history = _table("sync_history", 6)
        for box, inner in (
            (self.waiting_box, [self.waiting]),
            (self.refused_box, [self.refused, self.open_button, self.retry_button]),
            (self.history_box, [self.history]),
        ):
            lay = QVBoxLayout(box)
            for w in inner:
                lay.addWidget(w)

        overview = QWidget()
        top = QHBoxLayout()
        top.addWidget(self.state, 1)
        top.addWidget(self.now_button)
        lay = QVBoxLayout(overview)
        lay.addLayout(top)
        bar = QHBoxLayout()
        bar.addWidget(self.progress, 1)
        bar.addWidget(self.progress_label)
        lay.addLayout(bar)
        lay.addWidget(self.message)
        lists = QHBoxLayout()
        lists.addWidget(self.waiting_box, 2)
        lists.addWidget(self.refused_box, 3)
        lay.addLayout(lists, 2)
        lay.addWidget(self.history_box, 1)

        self.conflicts = ConflictsPanel(ui, backend)
        self.bundles = QWidget()
        self.bundle_text = QLabel()
        self.bundle_text.setWordWrap(True)
        self.export_button, self.import_button = QPushButton(), QPushButton()
        self.export_button.setObjectName("bundle_export")
        self.import_button.setObjectName("bundle_import")
        self.export_button.clicked.connect(self._choose_export)
        self.import_button.clicked.connect(self._choose_import)
        self.bundle_message = QLabel()
        self.bundle_message.setObjectName("bundle_message")
        self.bundle_message.setWordWrap(True)
        blay = QVBoxLayout(self.bundles)
        blay.addWidget(self.bundle_text)
        buttons = QHBoxLayout()
        buttons.addWidget(self.export_button)
        buttons.addWidget(self.import_button)
        buttons.addStretch(1)
        blay.addLayout(buttons)
        self.bundle_progress = QProgressBar()
        self.bundle_progress.setObjectName("bundle_progress")
        self.bundle_progress.setRange(0, 1)
        self.bundle_progress.setValue(0)
        blay.addWidget(self.bundle_progress)
        blay.addWidget(self.bundle_message)
        blay.addStretch(1)

        self.tabs = QTabWidget()
        self.tabs.setObjectName("sync_tabs")
        from desktop.pages import scroll as _scroll

        # scrolled, so a 1366×768 screen (and Tibetan's taller lines) never clips or grows the window
        self.tabs.addTab(_scroll(overview), "")
        self.tabs.addTab(_scroll(self.conflicts), "")
        self.tabs.addTab(_scroll(self.bundles), "")
        outer = QVBoxLayout(self)
        outer.addWidget(self.title)
        outer.addWidget(self.tabs, 1)

        controller.progress.connect(self._progress)
        controller.finished.connect(self._finished)
        ui.changed.connect(lambda _l: self.retranslate())
        self.retranslate()

    # --- texts ---------------------------------------------------------------------------------------

    def retranslate(self) -> None:
        t = self.ui.t
        self.title.setText(t("ui.nav.sync"))
        self.now_button.setText(t("ui.sync.now"))
        self.waiting_box.setTitle(t("ui.sync.waiting"))
        self.refused_box.setTitle(t("ui.sync.refused"))
        self.history_box.setTitle(t("ui.sync.history"))
        self.open_button.setText(t("ui.sync.open_record"))
        self.retry_button.setText(t("ui.sync.retry_refused"))
        self.retry_button.setToolTip(t("ui.sync.retry_refused_help"))
        self.waiting.setHorizontalHeaderLabels(
            [t("ui.sync.col.type"), t("ui.sync.col.count"), t("ui.sync.col.waited")]
        )
        self.refused.setHorizontalHeaderLabels(
            [t("ui.sync.col.type"), t("ui.sync.col.record"), t("ui.sync.col.reason")]
        )
        self.history.setHorizontalHeaderLabels(
            [
                t("ui.sync.col.when"),
                t("ui.sync.col.outcome"),
                t("ui.sync.col.pushed"),
                t("ui.sync.col.pulled"),
                t("ui.sync.col.rejected"),
                t("ui.sync.col.conflicts"),
            ]
        )
        self.tabs.setTabText(0, t("ui.sync.tab.overview"))
        self.tabs.setTabText(1, t("ui.sync.tab.conflicts", n=len(self.conflicts.items)))
        self.tabs.setTabText(2, t("ui.sync.tab.bundles"))
        self.bundle_text.setText(t("ui.bundle.explain"))
        self.export_button.setText(t("ui.bundle.export"))
        self.import_button.setText(t("ui.bundle.import"))
        self.conflicts.retranslate()
        self._show()

    def _show(self) -> None:
        t, s, d = self.ui.t, self.status, self.data
        lines = [
            t("ui.status.online") if s.online else t("ui.status.offline"),
            t("ui.status.unsynced", count=s.outbox),
            t("ui.status.last_sync", when=s.last_sync_text()),
        ]
        lines.append(t("ui.sync.server", url=d["server"]) if d.get("server") else t("ui.sync.not_configured"))
        self.state.setText(f"{lines[0]} · {lines[1]}\n{lines[2]} · {lines[3]}")
        self.now_button.setEnabled(bool(d.get("server")) and not self.controller.running)
        _fill(
            self.waiting,
            [
                [t(f"ui.sync.entity.{g['entity']}"), str(g["count"]), waited_text(g["oldest"], self.ui)]
                for g in d.get("waiting", [])
            ],
        )
        _fill(
            self.refused,
            [
                [
                    t(f"ui.sync.entity.{r['entity']}"),
                    r["entity_id"][:13],
                    "\n".join(f"{e.get('message_zh', '')}\n{e.get('message_bo', '')}" for e in r["errors"]),
                ]
                for r in d.get("refused", [])
            ],
        )
        self.open_button.setEnabled(bool(d.get("refused")))
        self.retry_button.setEnabled(
            bool(d.get("refused")) and bool(d.get("server")) and not self.controller.running
        )
        from desktop import fmt

        _fill(
            self.history,
            [
                [
                    fmt.datetime(r["started_at"], self.ui.lang),
                    t(f"ui.sync.outcome.{r['outcome']}"),
                    str(r.get("pushed", 0)),
                    str(r.get("pulled", 0)),
                    str(r.get("rejected", 0)),
                    str(r.get("conflicts", 0)),
                ]
                for r in d.get("history", [])
            ],
        )

    # --- data ----------------------------------------------------------------------------------------

    def refresh(self) -> None:
        def run() -> dict[str, Any]:
            store = self.backend.store_now()
            if store is None:
                return {}
            from liangxian.syncjobs import SERVER_URL

            return {
                "server": store.sync_state().get(SERVER_URL),
                "waiting": waiting_by_type(store.pending_changes(5000)),
                "refused": store.refused_changes(),
                "history": store.sync_runs(10),
            }

        def ok(data: dict[str, Any]) -> None:
            self.data = data
            self._show()

        self.backend.submit(run, ok, lambda exc: log.warning("sync page refresh failed: %s", exc))
        self.conflicts.refresh(after=self.retranslate)

    def sync_now(self) -> None:
        if self.controller.kick():
            self.message.setText(self.ui.t("ui.sync.running"))
            self.now_button.setEnabled(False)

    def retry_refused(self) -> None:
        """Send again what the server refused for a reason an admin has fixed there."""
        if self.controller.retry_refused():
            self.message.setText(self.ui.t("ui.sync.running"))
            self.now_button.setEnabled(False)
            self.retry_button.setEnabled(False)

    def _progress(self, stage: str, done: int, total: int) -> None:
        for bar in (self.progress, self.bundle_progress):
            bar.setRange(0, max(total, 1))
            bar.setValue(min(done, max(total, 1)))
        self.progress_label.setText(self.ui.t(f"ui.sync.stage.{stage}", done=done, total=total))

    def _finished(self, result: dict[str, Any]) -> None:
        from desktop.pages import error_text

        self.last_result = result
        t = self.ui.t
        target = self.bundle_message if result["kind"] in ("export", "import") else self.message
        if result["ok"]:
            r = result["report"]
            if result["kind"] == "export":
                target.setText(t("ui.bundle.exported", n=r["changes"], file=r["file"]))
            else:
                j = r.to_json()
                target.setText(
                    t("ui.sync.done", **{k: j[k] for k in ("pushed", "pulled", "rejected", "conflicts")})
                )
            self.progress.setValue(self.progress.maximum())
            self.bundle_progress.setValue(self.bundle_progress.maximum())
        else:
            target.setText(error_text(result["error"], self.ui))
        self.refresh()

    def _open_refused(self, row: int, _col: int) -> None:
        refused = self.data.get("refused", [])
        if 0 <= row < len(refused):
            self.open_record.emit(refused[row]["entity"], refused[row]["entity_id"])

    # --- bundles -------------------------------------------------------------------------------------

    def bundle_name(self) -> str:
        c = self.backend.counter
        stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%d-%H%M%S")
        return f"liangxian-{c.get('county_code', '')}-{c.get('counter_no', '')}-{stamp}.lxb"

    def export_to(self, folder: Path | str) -> bool:
        """Write a bundle of every unsent change into ``folder`` (a USB stick)."""
        started = self.controller.export_bundle(Path(folder) / self.bundle_name())
        if started:
            self.bundle_message.setText(self.ui.t("ui.bundle.working"))
        return started

    def import_from(self, path: Path | str) -> bool:
        started = self.controller.import_reply(path)
        if started:
            self.bundle_message.setText(self.ui.t("ui.bundle.working"))
        return started

    def _choose_export(self) -> None:
        folder = dialogs.choose_folder(self, self.ui, dialogs.msg("ui.bundle.export"))
        if folder:
            self.export_to(folder)

    def _choose_import(self) -> None:
        path = dialogs.open_file(self, self.ui, dialogs.msg("ui.bundle.import"), "", "liangxian (*.lxb)")
        if path:
            self.import_from(path)


class SyncWiring(QObject):
    """Everything sync adds to the main window, so the window itself changes in a few lines: the
    background controller, the status bar's truth (online, last successful sync), a sync at once
    after every save, the 同步 page and the settings screen's enrollment box. (A QObject, and its
    slots bound methods, so that signals from the worker thread are queued to the window's thread.)"""

    def __init__(self, window: Any) -> None:
        super().__init__(window)
        self.window = window
        self.controller = SyncController(window.backend.path)
        self.controller.setParent(self)
        self.controller.online_changed.connect(self._online)
        self.controller.finished.connect(self._finished)
        window.backend.changed.connect(self._changed)
        window.logged_in.connect(self._logged_in)

    def _online(self, online: bool) -> None:
        self.window.status.online = online
        self.window._show_status()

    def _finished(self, _result: object) -> None:
        self.window.status.refresh()

    def _changed(self, what: str) -> None:
        if what != "sync":
            self.controller.kick()

    def _logged_in(self, _role: str) -> None:
        self.controller.start(self.window.backend.username or "")

    def page(self) -> SyncPage:
        page = SyncPage(self.window.ui, self.window.backend, self.window.status, self.controller)
        page.open_record.connect(self.open_record)
        return page

    def extend_settings(self, settings: Any) -> None:
        from desktop import roles
        from desktop.enroll_box import EnrollBox

        if roles.may(self.window.backend.role, "counter.set_key"):
            from PySide6.QtWidgets import QVBoxLayout

            from desktop.pages import scroll as _scroll

            settings.enroll = EnrollBox(self.window.ui, self.window.backend, self.controller.enrolled_now)
            # the settings page's boxes move into a scroll area with the enrollment box, so the taller
            # page never makes the window taller than a 1366×768 screen
            layout = settings.layout()
            inner = QWidget()
            moved = QVBoxLayout(inner)
            while layout.count():
                item = layout.takeAt(0)
                if item.widget() is not None:
                    moved.addWidget(item.widget())
            moved.addWidget(settings.enroll)
            moved.addStretch(1)
            layout.addWidget(_scroll(inner))

    def open_record(self, entity: str, record_id: str) -> None:
        """Show a refused record where it can be corrected."""
        w = self.window
        if entity == "person":
            w.page("persons").show_person({"id": record_id})
        elif entity == "application":
            review = w.page("review")
            review.current = {"id": record_id}
            w.backend.call("get_application", record_id, on_ok=review._loaded)

"""The main window: navigation (参保登记 / 待遇申请 / 审核 / 同步 / 统计 / 设置), the page stack, a
toolbar with the language switch and the lock, and the status bar (online state, unsynced changes,
last sync, items needing attention). The window shows at once; the store opens on its thread behind
it, then the first-run dialog or the login follows. Pages are built on first visit."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QPushButton,
    QStackedWidget,
    QWidget,
)

from desktop import roles
from desktop.backend import Backend
from desktop.lang import LANGUAGE_NAMES, UiLanguage
from desktop.prefs import UserPrefs

if TYPE_CHECKING:
    from PySide6.QtGui import QShowEvent

log = logging.getLogger(__name__)


def _USER_ROLE() -> int:
    # PySide builds the whole Qt namespace (~40 ms) on first touch: not before the window shows
    from PySide6.QtCore import Qt

    return Qt.ItemDataRole.UserRole


# (key, msgid, action the role needs or None)
NAVIGATION: tuple[tuple[str, str, str | None], ...] = (
    ("persons", "ui.nav.persons", None),
    ("applications", "ui.nav.applications", "application.create"),
    ("review", "ui.nav.review", None),
    ("sync", "ui.nav.sync", None),
    ("stats", "ui.nav.stats", None),
    ("settings", "ui.nav.settings", None),
)

#: which screen holds the form a draft belongs to
DRAFT_PAGES: dict[str, str] = {
    "person": "persons",
    "employer": "persons",
    "maternity_application": "applications",
}


class StatusInfo(QObject):
    """What the status bar shows, refreshed from the store after every change and every minute."""

    updated = Signal()

    def __init__(self, backend: Backend, ui: UiLanguage) -> None:
        super().__init__()
        self.backend = backend
        self.ui = ui
        self.online = False
        self.outbox = 0
        self.last_sync: str | None = None
        self.attention = 0

    def last_sync_text(self) -> str:
        if not self.last_sync:
            return self.ui.t("ui.status.never")
        from desktop import fmt

        return fmt.datetime(self.last_sync, self.ui.lang)

    def refresh(self) -> None:
        if self.backend.role is None:
            return

        def run() -> dict[str, Any]:
            service = self.backend.service_now()
            if service is None:
                return {}
            state_of = getattr(service, "sync_state", None)
            state = state_of() if callable(state_of) else {}
            last = state.get("sync.last_ok") or state.get("last_sync_at") or state.get("last_sync")
            queue = "received" if roles.may(self.backend.role, "application.approve") else "rejected"
            return {
                "outbox": service.pending_outbox_count(),
                "attention": len(service.list_applications(status=queue, limit=1000)),
                "last_sync": last,
            }

        def ok(info: dict[str, Any]) -> None:
            if info:
                self.outbox, self.attention, self.last_sync = (
                    info["outbox"],
                    info["attention"],
                    info["last_sync"],
                )
            self.updated.emit()

        self.backend.submit(run, ok, lambda exc: log.warning("status refresh failed: %s", exc))


class MainWindow(QMainWindow):
    shown = Signal()
    logged_in = Signal(str)

    def __init__(self, ui: UiLanguage, backend: Backend, *, idle_minutes: int = 10) -> None:
        super().__init__()
        self.setObjectName("main_window")
        self.ui = ui
        self.backend = backend
        self.idle_minutes = idle_minutes
        self.pages: dict[str, Any] = {}
        self.dialog: Any = None
        self._shown_once = False
        self.status = StatusInfo(backend, ui)

        self.nav = QListWidget()
        self.nav.setObjectName("navigation")
        self.nav.setFixedWidth(190)
        self.stack = QStackedWidget()
        self.lock_page = QLabel()
        self.lock_page.setObjectName("lock_page")
        self.lock_page.setProperty("role", "title")
        # (a style property, not setAlignment: touching the Qt namespace costs start-up time)
        self.lock_page.setStyleSheet("qproperty-alignment: AlignCenter;")
        self.stack.addWidget(self.lock_page)
        central = QWidget()
        layout = QHBoxLayout(central)
        layout.addWidget(self.nav)
        layout.addWidget(self.stack, 1)
        self.setCentralWidget(central)

        bar = self.addToolBar("main")
        bar.setObjectName("toolbar")
        bar.setMovable(False)
        self.counter_label = QLabel()
        self.counter_label.setObjectName("counter_label")
        self.user_label = QLabel()
        self.user_label.setObjectName("user_label")
        self.language = QComboBox()
        self.language.setObjectName("toolbar_language")
        for code, name in LANGUAGE_NAMES.items():
            self.language.addItem(name, code)
        self.language.setCurrentIndex(self.language.findData(ui.lang))
        self.language.activated.connect(lambda _i: ui.set_language(self.language.currentData()))
        self.lock_button = QPushButton()
        self.lock_button.setObjectName("lock_button")
        self.lock_button.clicked.connect(self.lock)
        spacer = QWidget()
        spacer.setSizePolicy(
            spacer.sizePolicy().horizontalPolicy().Expanding, spacer.sizePolicy().verticalPolicy()
        )
        for w in (self.counter_label, spacer, self.user_label, self.language, self.lock_button):
            bar.addWidget(w)

        sb = self.statusBar()
        self.sb_online, self.sb_outbox, self.sb_sync, self.sb_attention = (
            QLabel(),
            QLabel(),
            QLabel(),
            QLabel(),
        )
        for name, w in (
            ("status_online", self.sb_online),
            ("status_outbox", self.sb_outbox),
            ("status_last_sync", self.sb_sync),
            ("status_attention", self.sb_attention),
        ):
            w.setObjectName(name)
            sb.addPermanentWidget(w)
        self.status.updated.connect(self._show_status)
        backend.changed.connect(lambda _what: self.status.refresh())
        self._status_timer = QTimer(self)
        self._status_timer.setInterval(60_000)
        self._status_timer.timeout.connect(self.status.refresh)

        from desktop.drafts import DraftKeeper
        from desktop.sync_page import SyncWiring

        self.drafts = DraftKeeper(backend, self)
        self.close_question: Any = None
        self._close_decided = False
        self._restored_into: tuple[str, Any] | None = None  # the screen a restored draft is on
        self._page_at_lock: str | None = None
        self.sync = SyncWiring(self)
        self.nav.currentRowChanged.connect(self._navigate)
        ui.changed.connect(self._on_language)
        self.retranslate()
        self._place_first()  # within the screen; a user's own placement comes back at her login
        self.prefs = UserPrefs(self)  # each user's window size and language (desktop/prefs.py)

    # --- texts -----------------------------------------------------------------------------------

    def _on_language(self, lang: str) -> None:
        self.language.setCurrentIndex(self.language.findData(lang))
        from PySide6.QtWidgets import QApplication

        from desktop import fonts

        app = QApplication.instance()
        if isinstance(app, QApplication):
            fonts.apply(app, tibetan_first=self.ui.tibetan_heavy(), lang=lang)
        self.retranslate()

    def retranslate(self) -> None:
        t = self.ui.t
        self.setWindowTitle(t("ui.app.title"))
        for row in range(self.nav.count()):
            item = self.nav.item(row)
            item.setText(t(item.data(_USER_ROLE() + 1)))
        self.lock_button.setText(t("ui.action.lock"))
        self.lock_button.setToolTip("Ctrl+L")
        self.lock_page.setText(t("ui.lock.text"))
        c, region = self.backend.counter, self.backend.region
        if region:
            self.counter_label.setText(
                t(
                    "ui.toolbar.counter",
                    region=t(f"region.{region}"),
                    county=self._county_name(c.get("county_code", "")),
                    counter=c.get("counter_no", ""),
                )
            )
        if self.backend.username:
            self.user_label.setText(
                t("ui.toolbar.user", username=self.backend.username, role=t(f"role.{self.backend.role}"))
            )
        else:
            self.user_label.setText("")
        self._show_status()

    def _county_name(self, code: str) -> str:
        from forms.divisions import lookup

        county = lookup(code) if code else None
        if county is None:
            return code
        return county.name_bo if self.ui.lang == "bo" and county.name_bo else county.name_zh

    def _show_status(self) -> None:
        t, s = self.ui.t, self.status
        self.sb_online.setText(t("ui.status.online") if s.online else t("ui.status.offline"))
        self.sb_outbox.setText(t("ui.status.unsynced", count=s.outbox))
        self.sb_sync.setText(t("ui.status.last_sync", when=s.last_sync_text()))
        self.sb_attention.setText(t("ui.status.attention", count=s.attention))
        sync = self.pages.get("sync")
        if sync is not None:
            sync.refresh()

    # --- keyboard ---------------------------------------------------------------------------------

    def _shortcuts(self) -> None:
        from PySide6.QtGui import QKeySequence, QShortcut

        def page_call(method: str) -> Callable[[], None]:
            def call() -> None:
                page = self.stack.currentWidget()
                if page is not self.lock_page and hasattr(page, method):
                    getattr(page, method)()

            return call

        QShortcut(QKeySequence("Ctrl+S"), self, page_call("save"))
        QShortcut(QKeySequence("Ctrl+P"), self, page_call("print_"))
        QShortcut(QKeySequence("Ctrl+L"), self, self.lock)
        QShortcut(QKeySequence("Ctrl+F"), self, self.find_person)
        for n in range(1, len(NAVIGATION) + 1):
            QShortcut(QKeySequence(f"Ctrl+{n}"), self, lambda n=n: self._go_row(n - 1))

    def find_person(self) -> None:
        """Ctrl+F: the person lookup, ready for typing."""
        if self.backend.role is None:
            return
        page = self.page("persons")
        page.tabs.setCurrentIndex(0)
        page.search.box.setFocus()
        page.search.box.selectAll()

    def _go_row(self, row: int) -> None:
        if 0 <= row < self.nav.count():
            self.nav.setCurrentRow(row)

    # --- start-up, login, lock --------------------------------------------------------------------

    def _place_first(self) -> None:
        from PySide6.QtGui import QGuiApplication

        from desktop.prefs import first_geometry

        screen = self.screen() or QGuiApplication.primaryScreen()
        rect = first_geometry(screen.availableGeometry())
        self.resize(rect.size())
        self.move(rect.topLeft())

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if not self._shown_once:
            from desktop.prefs import keep_on_screen

            keep_on_screen(self)  # the frame's real thickness is known now
            self._shown_once = True
            QTimer.singleShot(0, lambda: self.shown.emit())

    def finish_setup(self) -> None:
        """What the first paint does not need: keyboard shortcuts and the idle lock."""
        from desktop.login import IdleWatcher

        self._shortcuts()
        self.idle_watcher = IdleWatcher(self.idle_minutes, self)
        app = QApplication.instance()
        if app is not None:
            app.installEventFilter(self.idle_watcher)
        self.idle_watcher.idle.connect(self.lock)

    def start(self) -> None:
        """After the window is shown: open the store (or set it up), then ask for a login."""
        self.finish_setup()
        if self.backend.exists():
            self.backend.open(lambda _info: self._store_ready(), self._store_failed)
        else:
            self._first_run()

    def _store_failed(self, exc: BaseException) -> None:
        from desktop import dialogs
        from desktop.pages import error_text

        log.error("could not open the store", exc_info=exc)
        dialogs.inform(self, self.ui, dialogs.msg("ui.app.title"), error_text(exc, self.ui), "critical")

    def _first_run(self) -> None:
        from desktop.login import FirstRunDialog

        def submit(values: dict[str, str]) -> None:
            def ok(info: dict[str, Any]) -> None:
                self.dialog.accept()
                self._store_ready()
                problem = info.get("key_problem")
                if problem is not None:
                    from desktop.pages import error_text

                    self.statusBar().showMessage(error_text(problem, self.ui), 60_000)

            def failed(exc: BaseException) -> None:
                from desktop.pages import error_text

                self.dialog.fail(error_text(exc, self.ui))

            self.backend.init(**values, on_ok=ok, on_err=failed)

        self.dialog = FirstRunDialog(self.ui, submit, self)
        self.dialog.rejected.connect(self.close)  # no counter set up: nothing to show
        self.dialog.show()

    def _store_ready(self) -> None:
        self.ui.set_region(self.backend.region)
        self._on_language(self.ui.lang)
        self.ask_login()

    def ask_login(self, locked_user: str | None = None) -> None:
        from desktop.login import LoginDialog

        def submit(username: str, password: str) -> None:
            def ok(role: str | None) -> None:
                if role is None:
                    self.dialog.wrong()
                    return
                self.dialog.accept()
                self.dialog = None
                self._logged_in()

            def failed(exc: BaseException) -> None:
                from desktop.pages import error_text

                self.dialog.fail(error_text(exc, self.ui))

            self.backend.login(username, password, ok, failed)

        self.dialog = LoginDialog(self.ui, submit, self, locked_user=locked_user)
        self.dialog.show()

    def _logged_in(self) -> None:
        self.prefs.restore()
        self.nav.blockSignals(True)
        self.nav.clear()
        for key, msgid, action in NAVIGATION:
            if action and not roles.may(self.backend.role, action):
                continue  # not offered to this role
            item = QListWidgetItem(self.ui.t(msgid))
            item.setData(_USER_ROLE(), key)
            item.setData(_USER_ROLE() + 1, msgid)
            self.nav.addItem(item)
        self.nav.blockSignals(False)
        self.retranslate()
        if self.backend.role == "reviewer":  # a reviewer starts at her queue
            self.page("review").show_queue()
        else:
            self.nav.setCurrentRow(0)
        self.activateWindow()
        self.status.refresh()
        self._status_timer.start()
        if hasattr(self, "idle_watcher"):
            self.idle_watcher.armed = True
        self.drafts.restore(self._form_for_draft, self._drafts_restored)
        self.logged_in.emit(self.backend.role or "")

    # --- drafts -----------------------------------------------------------------------------------

    def _form_for_draft(self, form_name: str) -> Any:
        """The form ``form_name`` of this user's screens (built if needed), or None."""
        from desktop.formview import DeclaredForm

        key = DRAFT_PAGES.get(form_name)
        offered = {self.nav.item(row).data(_USER_ROLE()) for row in range(self.nav.count())}
        if key is None or key not in offered:
            return None
        page = self.pages.get(key) or self._build(key)
        for form in page.findChildren(DeclaredForm):
            if form.form_name == form_name:
                # the screen to show: the one left at the lock, else the last restored
                before = self._restored_into
                if before is None or before[0] != self._page_at_lock:
                    self._restored_into = (key, form)
                return form
        return None

    def _drafts_restored(self, count: int) -> None:
        """Back after a lock or a crash: the screen of the restored form is shown."""
        restored = self._restored_into
        self._restored_into = self._page_at_lock = None
        if not count or restored is None:
            return
        key, form = restored
        page = self.page(key)
        tabs = getattr(page, "tabs", None)
        if tabs is not None:
            for index in range(tabs.count()):
                if tabs.widget(index).isAncestorOf(form):
                    tabs.setCurrentIndex(index)
        form.focus_first()

    def lock(self) -> None:
        """Lock the session: pages are dropped (they were built for the user's role)."""
        if self.backend.role is None:
            return
        user = self.backend.username
        current = self.stack.currentWidget()
        self._page_at_lock = next((k for k, p in self.pages.items() if p is current), None)
        self.drafts.keep_all()  # queued before the logout, with this user's service
        self.drafts.forget_all()
        self.backend.logout()
        self.sync.controller.stop()
        self._status_timer.stop()
        self.nav.blockSignals(True)  # clearing must not navigate (and rebuild a page)
        self.nav.clear()
        self.nav.blockSignals(False)
        self.stack.setCurrentWidget(self.lock_page)
        for page in self.pages.values():
            self.stack.removeWidget(page)
            page.deleteLater()
        self.pages.clear()
        self.retranslate()
        self.ask_login(locked_user=user)

    # --- pages -----------------------------------------------------------------------------------

    def _navigate(self, row: int) -> None:
        item = self.nav.item(row)
        if item is None:
            return
        key = item.data(_USER_ROLE())
        page = self.pages.get(key) or self._build(key)
        self.stack.setCurrentWidget(page)
        page.refresh()

    def page(self, key: str) -> Any:
        """The page ``key`` (built if needed), made current."""
        for row in range(self.nav.count()):
            if self.nav.item(row).data(_USER_ROLE()) == key:
                self.nav.setCurrentRow(row)
                return self.pages[key]
        raise KeyError(key)

    def _build(self, key: str) -> Any:
        from desktop import pages

        if key == "persons":
            page = pages.PersonsPage(self.ui, self.backend)
            page.apply_for.connect(self.new_application)
        elif key == "applications":
            page = pages.ApplicationsPage(self.ui, self.backend)
        elif key == "review":
            page = pages.ReviewPage(self.ui, self.backend)
        elif key == "sync":
            page = self.sync.page()
        elif key == "stats":
            page = pages.StatsPage(self.ui, self.backend)
        else:
            page = pages.SettingsPage(self.ui, self.backend, self.idle_minutes)
            page.idle_minutes_changed.connect(self._set_idle)
            self.sync.extend_settings(page)
        page.setObjectName(f"page_{key}")
        self.pages[key] = page
        self.stack.addWidget(page)
        from desktop.formview import DeclaredForm

        for form in page.findChildren(DeclaredForm):
            self.drafts.watch(form)
        return page

    def new_application(self, person: dict[str, Any]) -> None:
        """待遇申请 for ``person`` (offered when a registered person is registered again)."""
        if roles.may(self.backend.role, "application.create"):
            self.page("applications").start_for(person)

    def _set_idle(self, minutes: int) -> None:
        self.idle_minutes = minutes
        if hasattr(self, "idle_watcher"):
            self.idle_watcher.minutes = minutes

    def closeEvent(self, event: Any) -> None:
        if not self._close_decided and self.drafts.dirty():
            event.ignore()  # asked first; the answer closes the window (or not)
            self._ask_about_drafts()
            return
        self.prefs.flush()
        self._status_timer.stop()
        self.sync.controller.stop()  # a sync under way just stops; it resumes next start
        super().closeEvent(event)

    def _ask_about_drafts(self) -> None:
        """Something typed is not saved: keep it as a draft, discard it, or stay (not modal for the
        whole app: the question belongs to this window)."""
        from desktop import dialogs

        role = dialogs.Role
        box = dialogs.message_box(  # bilingual in Lhasa, like every other question
            self,
            self.ui,
            dialogs.msg("ui.app.title"),
            dialogs.msg("ui.close.unsaved"),
            (
                ("ui.close.keep_draft", role.AcceptRole),
                ("ui.close.discard", role.DestructiveRole),
                ("ui.action.cancel", role.RejectRole),
            ),
            "question",
        )
        box.setObjectName("close_question")
        keep, discard, cancel = (
            box.findChild(QPushButton, name)
            for name in ("dialog_keep_draft", "dialog_discard", "dialog_cancel")
        )
        keep.setObjectName("close_keep_draft")
        discard.setObjectName("close_discard")
        cancel.setObjectName("close_cancel")

        def answered(button: Any) -> None:
            self.close_question = None
            if button is keep:
                self.drafts.keep_all(wait=True)
            elif button is discard:
                self.drafts.discard_all(wait=True)
            else:
                return
            self._close_decided = True
            self.close()

        box.buttonClicked.connect(answered)
        self.close_question = box
        box.open()

"""First run (region, county, counter number, local admin), login and the idle lock.

Login works offline: the store checks the password against the argon2 verifier it keeps (cached at
the last online login for staff synced from the centre). After some minutes without keyboard or
mouse input the session locks and the clerk logs in again.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, QTimer, Signal
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from desktop.lang import LANGUAGE_NAMES, UiLanguage

REGIONS = ("lianyungang", "lhasa")


def _language_combo(ui: UiLanguage) -> QComboBox:
    combo = QComboBox()
    combo.setObjectName("language")
    for code, name in LANGUAGE_NAMES.items():
        combo.addItem(name, code)
    combo.setCurrentIndex(combo.findData(ui.lang))
    combo.activated.connect(lambda _i: ui.set_language(combo.currentData()))
    ui.changed.connect(lambda lang: combo.setCurrentIndex(combo.findData(lang)))
    return combo


class _Dialog(QDialog):
    def __init__(self, ui: UiLanguage, parent: QWidget | None) -> None:
        super().__init__(parent)
        self.ui = ui
        self.setModal(True)
        self.error = QLabel()
        self.error.setObjectName("dialog_error")
        self.error.setProperty("role", "error")
        self.error.setWordWrap(True)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok)
        self.buttons.accepted.connect(self.submit)
        ui.changed.connect(lambda _l: self.retranslate())

    def retranslate(self) -> None: ...

    def submit(self) -> None: ...

    def fail(self, text: str) -> None:
        self.error.setText(text)
        self.buttons.setEnabled(True)


class FirstRunDialog(_Dialog):
    """Sets up a new counter: region, county (GB/T 2260), counter number and the local admin."""

    def __init__(
        self, ui: UiLanguage, on_submit: Callable[[dict[str, str]], None], parent: QWidget | None = None
    ):
        super().__init__(ui, parent)
        self.setObjectName("first_run")
        self.on_submit = on_submit
        self.title = QLabel()
        self.title.setProperty("role", "title")
        self.language = _language_combo(ui)
        self.region = QComboBox()
        self.region.setObjectName("region")
        self.county = QComboBox()
        self.county.setObjectName("county")
        self.counter = QLineEdit("01")
        self.counter.setObjectName("counter_no")
        self.counter.setMaxLength(4)
        self.admin = QLineEdit("admin")
        self.admin.setObjectName("admin_username")
        self.password = QLineEdit()
        self.password.setObjectName("admin_password")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.repeat = QLineEdit()
        self.repeat.setObjectName("admin_password_repeat")
        self.repeat.setEchoMode(QLineEdit.EchoMode.Password)
        self.labels = {
            k: QLabel() for k in ("language", "region", "county", "counter", "admin", "password", "repeat")
        }
        form = QFormLayout()
        for key, widget in (
            ("language", self.language),
            ("region", self.region),
            ("county", self.county),
            ("counter", self.counter),
            ("admin", self.admin),
            ("password", self.password),
            ("repeat", self.repeat),
        ):
            form.addRow(self.labels[key], widget)
        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)
        self.region.currentIndexChanged.connect(lambda _i: self._fill_counties())
        self.retranslate()

    def retranslate(self) -> None:
        t = self.ui.t
        self.setWindowTitle(t("ui.app.title"))
        self.title.setText(t("ui.first_run.title"))
        for key, msgid in (
            ("language", "ui.settings.language"),
            ("region", "ui.first_run.region"),
            ("county", "ui.first_run.county"),
            ("counter", "ui.first_run.counter_no"),
            ("admin", "ui.first_run.admin"),
            ("password", "ui.login.password"),
            ("repeat", "ui.first_run.password_repeat"),
        ):
            self.labels[key].setText(t(msgid))
        current = self.region.currentData()
        self.region.blockSignals(True)
        self.region.clear()
        for r in REGIONS:
            self.region.addItem(t(f"region.{r}"), r)
        self.region.setCurrentIndex(max(self.region.findData(current), 0))
        self.region.blockSignals(False)
        self._fill_counties()
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText(t("ui.first_run.create"))

    def _fill_counties(self) -> None:
        from forms.divisions import region_counties

        current = self.county.currentData()
        self.county.clear()
        for c in region_counties(self.region.currentData()):
            name = c.name_bo if self.ui.lang == "bo" and c.name_bo else c.name_zh
            self.county.addItem(f"{name} {c.code}", c.code)
        self.county.setCurrentIndex(max(self.county.findData(current), 0))

    def submit(self) -> None:
        t = self.ui.t
        counter = self.counter.text().strip()
        if not counter.isdigit():
            return self.fail(t("ui.first_run.counter_invalid"))
        if not self.admin.text().strip():
            return self.fail(t("ui.first_run.admin_required"))
        if len(self.password.text()) < 8:
            return self.fail(t("ui.first_run.password_short"))
        if self.password.text() != self.repeat.text():
            return self.fail(t("ui.first_run.password_mismatch"))
        self.error.clear()
        self.buttons.setEnabled(False)
        self.on_submit(
            {
                "region": self.region.currentData(),
                "county_code": self.county.currentData(),
                "counter_no": counter,
                "admin_username": self.admin.text().strip(),
                "admin_password": self.password.text(),
            }
        )


class LoginDialog(_Dialog):
    """Staff login; ``on_submit(username, password)`` checks it on the store thread."""

    def __init__(
        self,
        ui: UiLanguage,
        on_submit: Callable[[str, str], None],
        parent: QWidget | None = None,
        *,
        locked_user: str | None = None,
    ):
        super().__init__(ui, parent)
        self.setObjectName("login")
        self.setMinimumWidth(440)
        self.on_submit = on_submit
        self.locked_user = locked_user
        self.title = QLabel()
        self.title.setProperty("role", "title")
        self.language = _language_combo(ui)
        self.username = QLineEdit(locked_user or "")
        self.username.setObjectName("username")
        self.password = QLineEdit()
        self.password.setObjectName("password")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.username.returnPressed.connect(self.password.setFocus)
        self.password.returnPressed.connect(self.submit)
        self.labels = {k: QLabel() for k in ("language", "username", "password")}
        form = QFormLayout()
        form.addRow(self.labels["language"], self.language)
        form.addRow(self.labels["username"], self.username)
        form.addRow(self.labels["password"], self.password)
        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)
        (self.password if locked_user else self.username).setFocus()
        self.retranslate()

    def retranslate(self) -> None:
        t = self.ui.t
        self.setWindowTitle(t("ui.app.title"))
        self.title.setText(t("ui.login.locked") if self.locked_user else t("ui.login.title"))
        self.labels["language"].setText(t("ui.settings.language"))
        self.labels["username"].setText(t("ui.login.username"))
        self.labels["password"].setText(t("ui.login.password"))
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText(t("ui.login.submit"))

    def submit(self) -> None:
        if not self.username.text().strip() or not self.password.text():
            return self.fail(self.ui.t("ui.login.failed"))
        self.buttons.setEnabled(False)
        self.on_submit(self.username.text().strip(), self.password.text())

    def wrong(self) -> None:
        self.password.clear()
        self.password.setFocus()
        self.fail(self.ui.t("ui.login.failed"))

    def reject(self) -> None:
        """Escape does nothing; closing the login (title bar) closes the counter app, which must
        not stay open behind a dismissed login."""

    def closeEvent(self, event: QCloseEvent) -> None:
        parent = self.parentWidget()
        super().closeEvent(event)
        if parent is not None and not self.result():
            QTimer.singleShot(0, parent.close)


class IdleWatcher(QObject):
    """Fires ``idle`` after ``minutes`` without keyboard or mouse input anywhere in the app."""

    idle = Signal()
    INPUT_EVENTS = frozenset(
        {
            QEvent.Type.KeyPress,
            QEvent.Type.MouseButtonPress,
            QEvent.Type.MouseMove,
            QEvent.Type.Wheel,
        }
    )

    def __init__(self, minutes: int, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.minutes = minutes
        self.last_input = time.monotonic()
        self.armed = False
        self.timer = QTimer(self)
        self.timer.setInterval(5000)
        self.timer.timeout.connect(self.check)
        self.timer.start()

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        if event.type() in self.INPUT_EVENTS:
            self.last_input = time.monotonic()
        return False

    def check(self) -> None:
        if self.armed and time.monotonic() - self.last_input > self.minutes * 60:
            self.armed = False
            self.idle.emit()

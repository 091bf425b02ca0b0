"""设置 settings: UI language, idle lock, the counter's identity, and (admin) staff accounts."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QGroupBox,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
)

from desktop import roles
from desktop.backend import Backend
from desktop.fit import Message, hold_height
from desktop.lang import LANGUAGE_NAMES, UiLanguage
from desktop.pages.base import Page, error_text

BOX_WIDTH = 880  # px: a settings box on a wide screen, not a name field a metre long


class SettingsPage(Page):
    """设置: UI language, idle lock, the counter's identity, and (admin) staff accounts."""

    idle_minutes_changed = Signal(int)

    def __init__(self, ui: UiLanguage, backend: Backend, idle_minutes: int) -> None:
        super().__init__(ui, backend)
        self.language = QComboBox()
        self.language.setObjectName("settings_language")
        for code, name in LANGUAGE_NAMES.items():
            self.language.addItem(name, code)
        self.language.setCurrentIndex(self.language.findData(ui.lang))
        self.language.activated.connect(lambda _i: ui.set_language(self.language.currentData()))
        self.idle = QSpinBox()
        self.idle.setRange(1, 120)
        self.idle.setValue(idle_minutes)
        self.idle.valueChanged.connect(self.idle_minutes_changed.emit)
        self.counter = QLabel()
        self.counter.setObjectName("settings_counter")
        self.general = QGroupBox()
        form = QFormLayout(self.general)
        self.language_label, self.idle_label, self.counter_label = QLabel(), QLabel(), QLabel()
        form.addRow(self.language_label, self.language)
        form.addRow(self.idle_label, self.idle)
        form.addRow(self.counter_label, self.counter)
        layout = QVBoxLayout(self)
        layout.addWidget(self.general)
        self.general.setMaximumWidth(BOX_WIDTH)
        self.users: QGroupBox | None = None
        if roles.may(backend.role, "user.add"):
            self.users = QGroupBox()
            users = QFormLayout(self.users)
            self.username, self.password = QLineEdit(), QLineEdit()
            self.username.setObjectName("new_username")
            self.password.setObjectName("new_password")
            self.password.setEchoMode(QLineEdit.EchoMode.Password)
            self.role = QComboBox()
            self.role.setObjectName("new_role")
            self.add_button = QPushButton()
            self.add_button.setObjectName("add_user")
            self.user_message = Message()
            self.username_label, self.role_label, self.password_label = QLabel(), QLabel(), QLabel()
            users.addRow(self.username_label, self.username)
            users.addRow(self.role_label, self.role)
            users.addRow(self.password_label, self.password)
            users.addRow(self.add_button)
            users.addRow(self.user_message)
            self.add_button.clicked.connect(self.add_user)
            self.users.setMaximumWidth(BOX_WIDTH)
            layout.addWidget(self.users)
        layout.addStretch(1)
        ui.changed.connect(lambda lang: self.language.setCurrentIndex(self.language.findData(lang)))
        self.retranslate()

    def retranslate(self) -> None:
        t = self.ui.t
        self.general.setTitle(t("ui.nav.settings"))
        self.language_label.setText(t("ui.settings.language"))
        self.idle_label.setText(t("ui.settings.idle_minutes"))
        self.counter_label.setText(t("ui.settings.counter"))
        hold_height(self.language, self.idle)  # full height also in a crowded scroll area
        c = self.backend.counter
        region = self.backend.region
        code = c.get("county_code") or ""
        from forms.divisions import lookup

        county = lookup(code) if code else None
        name = (
            (county.name_bo if self.ui.lang == "bo" and county.name_bo else county.name_zh) if county else ""
        )
        self.counter.setText(
            t(
                "ui.settings.counter_text",
                region=t(f"region.{region}") if region else "",
                county=f"{name} {code}".strip(),
                counter=c.get("counter_no", ""),
            )
        )
        if self.users is not None:
            self.users.setTitle(t("ui.settings.users"))
            self.username_label.setText(t("ui.login.username"))
            self.password_label.setText(t("ui.login.password"))
            self.role_label.setText(t("ui.settings.role"))
            current = self.role.currentData()
            self.role.clear()
            for r in roles.ROLES:
                self.role.addItem(t(f"role.{r}"), r)
            self.role.setCurrentIndex(max(self.role.findData(current), 0))
            self.add_button.setText(t("ui.settings.add_user"))
            hold_height(self.username, self.role, self.password)

    def add_user(self) -> None:
        name, password = self.username.text().strip(), self.password.text()
        if not name or len(password) < 8:
            self.user_message.setText(self.ui.t("ui.settings.user_invalid"))
            return

        def ok(_r: Any) -> None:
            self.user_message.setText(self.ui.t("ui.settings.user_added", username=name))
            self.username.clear()
            self.password.clear()

        def failed(exc: BaseException) -> None:
            self.user_message.setText(error_text(exc, self.ui))

        self.backend.call("add_user", name, self.role.currentData(), password, on_ok=ok, on_err=failed)

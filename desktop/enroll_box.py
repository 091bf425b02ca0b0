"""Enrollment from the settings screen (admins only): the central server's address, the one-time
code an administrator made there and the server key's fingerprint printed beside it (the counter then
trusts only answers signed by that key); the token goes into the OS keyring. Clear bilingual errors: wrong,
used or expired code (the server's coded refusal), no link, no keyring."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from PySide6.QtWidgets import QFormLayout, QGroupBox, QLabel, QLineEdit, QPushButton

from desktop.backend import Backend
from desktop.fit import Message, hold_height
from desktop.lang import UiLanguage

log = logging.getLogger(__name__)


def bilingual_text(exc: BaseException, ui: UiLanguage) -> str:
    """A refusal in Chinese and Tibetan (the clerk and the admin may read either)."""
    message = getattr(exc, "message", None)
    if callable(message):
        try:
            zh, bo = str(message("zh")), str(message("bo"))
            return zh if zh == bo else f"{zh}\n{bo}"
        except TypeError:
            pass
    from desktop.pages import error_text

    return error_text(exc, ui)


class EnrollBox(QGroupBox):
    def __init__(
        self, ui: UiLanguage, backend: Backend, on_enrolled: Callable[[], None] | None = None
    ) -> None:
        super().__init__()
        self.setObjectName("enroll_box")
        self.ui = ui
        self.backend = backend
        self.on_enrolled = on_enrolled
        self.server = QLineEdit()
        self.server.setObjectName("enroll_server")
        self.code = QLineEdit()
        self.code.setObjectName("enroll_code")
        self.server_key = QLineEdit()
        self.server_key.setObjectName("enroll_server_key")
        self.button = QPushButton()
        self.button.setObjectName("enroll_button")
        self.button.clicked.connect(self.enroll)
        self.message = Message()
        self.message.setObjectName("enroll_message")
        self.server_label, self.code_label, self.current = QLabel(), QLabel(), QLabel()
        self.server_key_label = QLabel()
        self.current.setObjectName("enroll_current")
        self.current.setWordWrap(True)
        self.setMaximumWidth(880)  # as the settings page's other boxes
        form = QFormLayout(self)
        form.addRow(self.current)
        form.addRow(self.server_label, self.server)
        form.addRow(self.code_label, self.code)
        form.addRow(self.server_key_label, self.server_key)
        form.addRow(self.button)
        form.addRow(self.message)
        self.enrolled_at: str | None = None
        ui.changed.connect(lambda _l: self.retranslate())
        self.retranslate()
        self.refresh()

    def retranslate(self) -> None:
        t = self.ui.t
        self.setTitle(t("ui.enroll.title"))
        self.server_label.setText(t("ui.enroll.server"))
        self.code_label.setText(t("ui.enroll.code"))
        self.server_key_label.setText(t("ui.enroll.server_key"))
        self.server.setPlaceholderText("https://ybj.example.cn")
        self.server_key.setPlaceholderText("XXXX-XXXX-XXXX-XXXX-XXXX-XXXX")
        self.button.setText(t("ui.enroll.button"))
        hold_height(self.server, self.code, self.server_key)
        self.current.setText(
            t("ui.enroll.current", url=self.enrolled_at) if self.enrolled_at else t("ui.sync.not_configured")
        )

    def refresh(self) -> None:
        def run() -> str | None:
            store = self.backend.store_now()
            return store.sync_state().get("server.url") if store is not None else None

        def ok(url: str | None) -> None:
            self.enrolled_at = url
            if url and not self.server.text():
                self.server.setText(url)
            self.retranslate()

        self.backend.submit(run, ok, lambda exc: log.warning("enrollment state: %s", exc))

    def enroll(self) -> None:
        server, code = self.server.text().strip(), self.code.text().strip()
        server_key = self.server_key.text().strip()
        if not server or not code or not server_key:
            self.message.setText(self.ui.t("ui.enroll.missing"))
            return
        user = self.backend.username

        def run() -> dict[str, Any]:
            from liangxian.syncjobs import enroll_counter

            return enroll_counter(
                self.backend.store_now(), server, code, user, server_key=server_key, retries=2
            )

        def ok(answer: dict[str, Any]) -> None:
            self.code.clear()
            self.server_key.clear()
            self.message.setText(self.ui.t("ui.enroll.done", url=answer["server"]))
            self.refresh()
            if self.on_enrolled is not None:
                self.on_enrolled()

        def failed(exc: BaseException) -> None:
            self.message.setText(bilingual_text(exc, self.ui))

        self.message.setText(self.ui.t("ui.enroll.working"))
        self.backend.submit(run, ok, failed)

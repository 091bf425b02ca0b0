"""同步 sync: what waits in the outbox and when the counter last synced."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QLabel, QPushButton, QVBoxLayout

from desktop.backend import Backend
from desktop.lang import UiLanguage
from desktop.pages.base import Page


class SyncPage(Page):
    """同步: what waits in the outbox and when the counter last synced."""

    def __init__(self, ui: UiLanguage, backend: Backend, status: Any) -> None:
        super().__init__(ui, backend)
        self.status = status
        self.title = QLabel()
        self.title.setProperty("role", "title")
        self.info = QLabel()
        self.info.setObjectName("sync_info")
        self.info.setWordWrap(True)
        self.button = QPushButton()
        self.button.setEnabled(False)
        layout = QVBoxLayout(self)
        for w in (self.title, self.info, self.button):
            layout.addWidget(w)
        layout.addStretch(1)
        self.retranslate()

    def retranslate(self) -> None:
        t = self.ui.t
        self.title.setText(t("ui.nav.sync"))
        self.button.setText(t("ui.sync.now"))
        self.info.setText(
            "\n".join(
                [
                    t("ui.status.unsynced", count=self.status.outbox),
                    t("ui.status.last_sync", when=self.status.last_sync_text()),
                    t("ui.sync.not_configured"),
                ]
            )
        )

    def refresh(self) -> None:
        self.retranslate()

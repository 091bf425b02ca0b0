"""待遇申请 applications: the declared application form beside the live entitlement panel."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QSplitter, QVBoxLayout, QWidget

from desktop.backend import Backend
from desktop.entitlement_panel import EntitlementPanel
from desktop.formview import DeclaredForm
from desktop.lang import UiLanguage
from desktop.pages.base import Page, error_text, scroll


class ApplicationsPage(Page):
    """待遇申请: intake of a maternity application with the live entitlement beside it."""

    saved = Signal(dict)

    def __init__(self, ui: UiLanguage, backend: Backend) -> None:
        super().__init__(ui, backend)
        region = backend.region or "lianyungang"
        self.form = DeclaredForm("maternity_application", region, ui, columns=1)
        self.panel = EntitlementPanel(region, ui)
        self.person_line = QLabel()
        self.person_line.setObjectName("application_person")
        self.save_button = QPushButton()
        self.save_button.setObjectName("save_application")
        self.print_button = QPushButton()
        self.print_button.setObjectName("print_receipt")
        self.print_button.setEnabled(False)
        self.message = QLabel()
        self.message.setObjectName("message_application")
        self.message.setWordWrap(True)
        self.last: dict[str, Any] | None = None
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.addWidget(self.person_line)
        left_layout.addWidget(scroll(self.form), 1)
        split = QSplitter()
        split.addWidget(left)
        panel_area = scroll(self.panel)
        panel_area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        split.addWidget(panel_area)
        split.setSizes([600, 440])
        bar = QHBoxLayout()
        bar.addWidget(self.save_button)
        bar.addWidget(self.print_button)
        bar.addWidget(self.message, 1)
        layout = QVBoxLayout(self)
        layout.addWidget(split, 1)
        layout.addLayout(bar)
        self.form.changed.connect(lambda _r: self.panel.update_from(self.form.raw_data()))
        self.form.editors["id_number"].edited.connect(lambda _n: self._look_up_person())
        self.save_button.clicked.connect(self.save)
        self.print_button.clicked.connect(self.print_)
        self.retranslate()

    def retranslate(self) -> None:
        self.save_button.setText(self.ui.t("ui.action.save"))
        self.save_button.setToolTip("Ctrl+S")
        self.print_button.setText(self.ui.t("ui.action.print_receipt"))
        self.print_button.setToolTip("Ctrl+P")

    def start_for(self, person: dict[str, Any]) -> None:
        """A new application for a registered person: the form is cleared and holds their ID number."""
        self.form.clear()
        self.panel.update_from({})
        self.form.editors["id_number"].set_raw(person.get("id_number", ""))
        self.form.revalidate()
        self._look_up_person()
        names = [n for n in self.form.editors if n != "id_number"]
        if names:
            self.form.focus_field(names[0])

    def _look_up_person(self) -> None:
        result = self.form.result
        number = result.values.get("id_number") if result else None
        if not number:
            self.person_line.setText("")
            return

        def run() -> dict[str, Any] | None:
            return self.backend.service_now().find_person(number)

        def ok(person: dict[str, Any] | None) -> None:
            if person is None or person.get("id_number") != number:
                self.person_line.setText(self.ui.t("ui.applications.person_unknown"))
                return
            names = " ".join(n for n in (person.get("name_bo"), person.get("name_zh")) if n)
            self.person_line.setText(self.ui.t("ui.applications.person_found", name=names))
            category = self.form.editors["category"]
            if category.is_blank() and person.get("category"):
                category.set_raw(person["category"], auto=True)
            enrollment = person.get("enrollment") or {}
            insured = self.form.editors.get("insured_since")
            if insured and insured.is_blank() and enrollment.get("insured_since"):
                insured.set_raw(enrollment["insured_since"], auto=True)
            self.form.revalidate()

        self.backend.submit(run, ok, lambda _e: None)

    def save(self) -> None:
        result = self.form.check_all()
        if not result.ok:
            self._say(self.ui.t("ui.form.has_errors", count=len(result.errors)), error=True)
            bad = next((i.field for i in result.errors if i.field in self.form.editors), None)
            if bad:
                self.form.focus_field(bad)
            return
        data = self.form.raw_data()
        self.save_button.setEnabled(False)

        def ok(record: dict[str, Any]) -> None:
            self.save_button.setEnabled(True)
            self.last = record
            self.print_button.setEnabled(True)
            self._say(self.ui.t("ui.applications.saved", receipt_no=record.get("receipt_no", "")))
            self.saved.emit(record)
            self.form.clear()
            self.panel.update_from({})
            self.print_button.setFocus()

        def failed(exc: BaseException) -> None:
            self.save_button.setEnabled(True)
            issues = list(getattr(exc, "issues", []) or [])
            if issues:
                self.form.show_service_issues(issues)
            self._say(error_text(exc, self.ui), error=True)

        self.backend.call("create_application", data, on_ok=ok, on_err=failed, changes="applications")

    def print_(self) -> None:
        if self.last:
            from desktop.printing_bridge import print_document

            print_document("receipt", self.last, self.backend, self.ui, self)

    def _say(self, text: str, *, error: bool = False) -> None:
        self.message.setProperty("role", "error" if error else "")
        self.message.style().unpolish(self.message)
        self.message.style().polish(self.message)
        self.message.setText(text)

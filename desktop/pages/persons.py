"""参保登记 persons and employers: look a person up, register a person or an employer; an ID number
already registered brings up the existing record (:class:`DuplicateBanner`)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
)

from desktop import fmt, roles
from desktop.backend import Backend
from desktop.formview import DeclaredForm
from desktop.lang import UiLanguage
from desktop.pages.base import FormWithSave, Page, error_text, scroll
from desktop.pages.record_detail import RecordDetail
from desktop.search import PersonSearch
from forms.errors import Issue

log = logging.getLogger(__name__)


def person_lines(person: dict[str, Any], ui: UiLanguage) -> list[str]:
    """A person's record as "<b>label</b>: value" lines in the UI language (detail pane, banner)."""
    t, lang = ui.t, ui.lang
    lines = []
    for key in ("name_zh", "name_bo", "id_number", "sex", "birth_date", "category", "county_code"):
        value = person.get(key)
        if value in (None, ""):
            continue
        if key == "sex":
            value = t(f"sex.{value}")
        elif key == "category":
            value = t(f"category.{value}")
        elif key == "birth_date":
            value = fmt.date(value, lang)
        lines.append(f"<b>{ui.label(f'field.{key}', sep=' ')}</b>: {value}")
    return lines


class DuplicateBanner(QFrame):
    """Over the registration form when its ID number is already registered: the existing record,
    with a way to open it in the lookup and to go on to an application for that person. Nothing
    new is saved for it."""

    show_existing = Signal(dict)
    apply_for = Signal(dict)

    def __init__(self, ui: UiLanguage, *, may_apply: bool) -> None:
        super().__init__()
        self.ui = ui
        self.person: dict[str, Any] | None = None
        self.setObjectName("person_duplicate")
        self.setStyleSheet(
            "QFrame#person_duplicate { background: #fff4d6; border: 1px solid #d9a400; border-radius: 4px; }"
        )
        self.title = QLabel()
        self.title.setObjectName("person_duplicate_title")
        self.title.setWordWrap(True)
        self.record = QLabel()
        self.record.setObjectName("person_duplicate_record")
        self.record.setWordWrap(True)
        self.record.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.open_button = QPushButton()
        self.open_button.setObjectName("show_existing_person")
        self.apply_button = QPushButton()
        self.apply_button.setObjectName("apply_for_existing_person")
        self.apply_button.setVisible(may_apply)
        self.open_button.clicked.connect(lambda: self.person and self.show_existing.emit(self.person))
        self.apply_button.clicked.connect(lambda: self.person and self.apply_for.emit(self.person))
        buttons = QHBoxLayout()
        buttons.addWidget(self.open_button)
        buttons.addWidget(self.apply_button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addWidget(self.record)
        layout.addLayout(buttons)
        self.hide()

    def offer(self, person: dict[str, Any]) -> None:
        self.person = person
        self.retranslate()
        self.show()

    def withdraw(self) -> None:
        self.person = None
        self.hide()

    def retranslate(self) -> None:
        t = self.ui.t
        self.open_button.setText(t("ui.persons.show_existing"))
        self.apply_button.setText(t("ui.persons.apply_for"))
        if self.person is None:
            return
        self.title.setText(f"<b>{t('ui.persons.duplicate_title')}</b>")
        self.record.setText("<br>".join(person_lines(self.person, self.ui)))


class PersonsPage(Page):
    """参保登记: look a person up, register a person or an employer. An ID number that is already
    registered brings up the existing record (as typed, on save, or when the store refuses it)."""

    apply_for = Signal(dict)  # "new application for this person", handled by the main window

    def __init__(self, ui: UiLanguage, backend: Backend) -> None:
        super().__init__(ui, backend)
        region = backend.region or "lianyungang"
        self.tabs = QTabWidget()
        self.search = PersonSearch(backend, ui)
        # the chosen person (or application) with every field, her applications and the history
        self.detail = RecordDetail(ui, backend)
        self.detail.apply_for.connect(lambda person: self.apply_for.emit(person))
        self.detail.edited.connect(lambda _entity, _record: self.search.model.search(self.search.box.text()))
        detail_area = scroll(self.detail)
        detail_area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        search_tab = QSplitter()
        search_tab.addWidget(self.search)
        search_tab.addWidget(detail_area)
        search_tab.setSizes([440, 560])
        self.tabs.addTab(search_tab, "")
        self.person = self.employer = None
        self.duplicate = DuplicateBanner(ui, may_apply=roles.may(backend.role, "application.create"))
        self.duplicate.show_existing.connect(self.show_existing)
        self.duplicate.apply_for.connect(lambda person: self.apply_for.emit(person))
        if roles.may(backend.role, "person.register"):
            self.person = FormWithSave(DeclaredForm("person", region, ui, columns=2), ui)
            self.person.save_button.clicked.connect(self.save_person)
            # after a registration: straight on to her application
            self.registered: dict[str, Any] | None = None
            self.apply_now = QPushButton()
            self.apply_now.setObjectName("apply_now")
            self.apply_now.hide()
            self.apply_now.clicked.connect(self._apply_now)
            self.person.button_bar.layout().insertWidget(1, self.apply_now)  # beside the save button
            self.person.layout().insertWidget(0, self.duplicate)
            self.person.form.editors["id_number"].edited.connect(lambda _n: self._typed_id_number())
            self.tabs.addTab(self.person, "")
        if roles.may(backend.role, "employer.register"):
            self.employer = FormWithSave(DeclaredForm("employer", region, ui, columns=2), ui)
            self.employer.save_button.clicked.connect(self.save_employer)
            self.tabs.addTab(self.employer, "")
            # a supervisor may register an early pilot code that fails the check, with a reason
            self.may_override = roles.may(backend.role, "employer.override_uscc")
            self.override_label = QLabel()
            self.override_reason = QLineEdit()
            self.override_reason.setObjectName("override_reason")
            self.override_reason.returnPressed.connect(self.save_employer)
            row = QHBoxLayout()
            row.addWidget(self.override_label)
            row.addWidget(self.override_reason, 1)
            self.employer.layout().insertLayout(1, row)
            self.override_label.hide()
            self.override_reason.hide()
        county = backend.counter.get("county_code")
        for part in (self.person, self.employer):
            if part and county:
                part.form.editors["county_code"].set_raw(county)
        layout = QVBoxLayout(self)
        layout.addWidget(self.tabs)
        self.search.chosen.connect(self.show_person)
        self.retranslate()

    def retranslate(self) -> None:
        self._name_apply_now()
        self.duplicate.retranslate()
        if self.employer:
            self.override_label.setText(self.ui.t("ui.employers.override_reason"))
        self.tabs.setTabText(0, self.ui.t("ui.persons.search"))
        index = 1
        for part, msgid in ((self.person, "ui.persons.register"), (self.employer, "ui.employers.register")):
            if part:
                self.tabs.setTabText(index, self.ui.t(msgid))
                part.retranslate()
                index += 1

    def save(self) -> None:
        current = self.tabs.currentWidget()
        if current is self.person:
            self.save_person()
        elif current is self.employer:
            self.save_employer()

    def _override_wanted(self, part: FormWithSave, errors: list[Issue]) -> bool:
        """Only a failing USCC check character stands in the way, and the user may override it."""
        return (
            part is self.employer
            and self.may_override
            and bool(errors)
            and all(i.code == "uscc.checksum" for i in errors)
        )

    def _save(self, part: FormWithSave, method: str, changes: str) -> None:
        result = part.form.check_all()
        kwargs: dict[str, Any] = {}
        if self._override_wanted(part, result.errors):
            self.override_label.show()
            self.override_reason.show()
            reason = self.override_reason.text().strip()
            if not reason:
                part.say(self.ui.t("ui.employers.override_needed"), error=True)
                self.override_reason.setFocus()
                return
            kwargs["override_reason"] = reason
        elif not result.ok:
            part.say(self.ui.label("ui.form.has_errors", count=len(result.errors)), error=True)
            bad = next((i.field for i in result.errors if i.field in part.form.editors), None)
            if bad:
                part.form.focus_field(bad)
            return
        data = part.form.raw_data()
        part.save_button.setEnabled(False)

        def ok(record: dict[str, Any]) -> None:
            part.save_button.setEnabled(True)
            name = record.get("name_zh") or record.get("uscc") or ""
            part.say(self.ui.t("ui.form.saved", name=name))
            county = part.form.editors["county_code"].raw()
            if part is self.person:
                self.duplicate.withdraw()
                if roles.may(self.backend.role, "application.create"):
                    self.registered = record
                    self._name_apply_now()
                    self.apply_now.show()
            if part is self.employer:
                self.override_reason.clear()
                self.override_label.hide()
                self.override_reason.hide()
            part.form.clear()
            part.form.editors["county_code"].set_raw(county)
            part.form.focus_first()

        def failed(exc: BaseException) -> None:
            part.save_button.setEnabled(True)
            self._refused(part, exc)

        self.backend.call(method, data, on_ok=ok, on_err=failed, changes=changes, **kwargs)

    def _refused(self, part: FormWithSave, exc: BaseException) -> None:
        issues: list[Issue] = list(getattr(exc, "issues", []) or [])
        if issues:
            part.form.show_service_issues(issues)
        part.say(error_text(exc, self.ui), error=True)
        existing = getattr(exc, "existing", None)
        if part is self.person and isinstance(existing, dict):
            self.duplicate.offer(existing)  # the person is registered already: offer that record

    def _registered_as(
        self, on_done: Callable[[dict[str, Any] | None], None], *, drop_stale: bool = True
    ) -> None:
        """``on_done(person)`` with the registered person whose ID number the form holds, or None
        (also at once, when the number is not a valid one yet); a stale answer is dropped unless
        ``drop_stale`` is false (a save must go on: the store refuses a duplicate anyway)."""
        assert self.person is not None
        form = self.person.form
        number = form.editors["id_number"].raw()
        result = form.result or form.revalidate()
        if not number.strip() or any(i.field == "id_number" for i in result.errors):
            on_done(None)
            return

        def run() -> dict[str, Any] | None:
            return self.backend.service_now().find_person(number)

        def ok(person: dict[str, Any] | None) -> None:
            if form.editors["id_number"].raw() == number:
                on_done(person)
            elif not drop_stale:  # the clerk typed on: check the number now in the form on saving
                on_done(None)

        def failed(exc: BaseException) -> None:
            log.warning("looking up ID number failed: %s", exc)
            on_done(None)  # the store still refuses a duplicate when it is saved

        self.backend.submit(run, ok, failed)

    def _typed_id_number(self) -> None:
        """As the ID number is typed: a registered one brings up its record at once."""
        self._registered_as(
            lambda person: self.duplicate.offer(person) if person else self.duplicate.withdraw()
        )

    def save_person(self) -> None:
        if not self.person:
            return
        part = self.person

        def then(existing: dict[str, Any] | None) -> None:
            if existing is None:
                self._save(part, "register_person", "persons")
            else:  # refused as the store would refuse it, without asking for the rest of the form
                self._refused(part, self.backend.api.DuplicatePerson(existing))

        self._registered_as(then, drop_stale=False)

    def save_employer(self) -> None:
        if self.employer:
            self._save(self.employer, "register_employer", "employers")

    def _name_apply_now(self) -> None:
        if self.person is None or self.registered is None:
            return
        person = self.registered
        name = " ".join(n for n in (person.get("name_bo"), person.get("name_zh")) if n)
        self.apply_now.setText(self.ui.t("ui.persons.apply_now", name=name))

    def _apply_now(self) -> None:
        """待遇申请 for the person just registered (her ID number in the form)."""
        if self.registered is not None:
            person, self.registered = self.registered, None
            self.apply_now.hide()
            self.apply_for.emit(person)

    def show_person(self, hit: dict[str, Any]) -> None:
        """A hit of the lookup in the detail pane: the person, or the application a receipt number
        named."""
        if hit.get("application_id"):
            self.detail.show_application(str(hit["application_id"]))
        else:
            self.detail.show_person(str(hit["id"]))

    def show_existing(self, person: dict[str, Any]) -> None:
        """The lookup tab with ``person`` found by ID number and shown in the detail pane."""
        self.tabs.setCurrentIndex(0)
        self.search.look_for(person.get("id_number", ""))
        self.detail.show_person(str(person["id"]), shown=person)

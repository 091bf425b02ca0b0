"""The screens behind the navigation: 参保登记 persons and employers, 待遇申请 applications, 审核 review,
同步 sync, 统计 statistics (desktop/stats_page.py) and 设置 settings. Each page reads its texts from the UI
language and talks to the store only through :class:`desktop.backend.Backend`."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFormLayout,
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from desktop import fmt, fonts, roles
from desktop.backend import Backend
from desktop.entitlement_panel import EntitlementPanel
from desktop.formview import DeclaredForm
from desktop.lang import LANGUAGE_NAMES, UiLanguage
from desktop.search import PersonSearch
from forms.errors import Issue

log = logging.getLogger(__name__)


def error_text(exc: BaseException, ui: UiLanguage) -> str:
    """A refusal of the store in the UI language."""
    issues = getattr(exc, "issues", None)
    if issues:
        return "\n".join(i.message(ui.lang) for i in issues)
    message = getattr(exc, "message", None)
    if callable(message):
        try:
            return str(message(ui.lang))
        except TypeError:
            pass
    return ui.t("ui.error.unexpected", detail=str(exc))


def _scroll(widget: QWidget) -> QScrollArea:
    area = QScrollArea()
    area.setWidgetResizable(True)
    area.setWidget(widget)
    area.setFrameShape(QScrollArea.Shape.NoFrame)
    return area


class Page(QWidget):
    """Base of the pages: ``retranslate`` on language change, optional save/print/refresh."""

    def __init__(self, ui: UiLanguage, backend: Backend) -> None:
        super().__init__()
        self.ui = ui
        self.backend = backend
        ui.changed.connect(lambda _lang: self.retranslate())

    def retranslate(self) -> None: ...

    def save(self) -> None: ...

    def print_(self) -> None: ...

    def refresh(self) -> None: ...


class _FormWithSave(QWidget):
    """A declared form with a save button and a result line."""

    def __init__(self, form: DeclaredForm, ui: UiLanguage) -> None:
        super().__init__()
        self.form = form
        self.ui = ui
        self.save_button = QPushButton()
        self.save_button.setObjectName(f"save_{form.form_name}")
        self.message = QLabel()
        self.message.setObjectName(f"message_{form.form_name}")
        self.message.setWordWrap(True)
        bar = QHBoxLayout()
        bar.addWidget(self.save_button)
        bar.addWidget(self.message, 1)
        layout = QVBoxLayout(self)
        layout.addWidget(_scroll(form), 1)
        layout.addLayout(bar)
        form.changed.connect(self._edited)

    def retranslate(self) -> None:
        self.save_button.setText(self.ui.t("ui.action.save"))
        self.save_button.setToolTip("Ctrl+S")

    def _edited(self, _result: object) -> None:
        if self.message.property("role") == "error" and self.form.result and self.form.result.ok:
            self.say("")

    def say(self, text: str, *, error: bool = False) -> None:
        self.message.setProperty("role", "error" if error else "")
        self.message.style().unpolish(self.message)
        self.message.style().polish(self.message)
        self.message.setText(text)


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
        self.detail = QLabel()
        self.detail.setObjectName("person_detail")
        self.detail.setWordWrap(True)
        self.detail.setAlignment(Qt.AlignmentFlag.AlignTop)
        search_tab = QSplitter()
        search_tab.addWidget(self.search)
        search_tab.addWidget(_scroll(self.detail))
        search_tab.setSizes([600, 300])
        self.tabs.addTab(search_tab, "")
        self.person = self.employer = None
        self.duplicate = DuplicateBanner(ui, may_apply=roles.may(backend.role, "application.create"))
        self.duplicate.show_existing.connect(self.show_existing)
        self.duplicate.apply_for.connect(lambda person: self.apply_for.emit(person))
        if roles.may(backend.role, "person.register"):
            self.person = _FormWithSave(DeclaredForm("person", region, ui), ui)
            self.person.save_button.clicked.connect(self.save_person)
            self.person.layout().insertWidget(0, self.duplicate)
            self.person.form.editors["id_number"].edited.connect(lambda _n: self._typed_id_number())
            self.tabs.addTab(self.person, "")
        if roles.may(backend.role, "employer.register"):
            self.employer = _FormWithSave(DeclaredForm("employer", region, ui), ui)
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
        self._show_person(getattr(self, "person_shown", None))
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

    def _override_wanted(self, part: _FormWithSave, errors: list[Issue]) -> bool:
        """Only a failing USCC check character stands in the way, and the user may override it."""
        return (
            part is self.employer
            and self.may_override
            and bool(errors)
            and all(i.code == "uscc.checksum" for i in errors)
        )

    def _save(self, part: _FormWithSave, method: str, changes: str) -> None:
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
            part.say(self.ui.t("ui.form.has_errors", count=len(result.errors)), error=True)
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

    def _refused(self, part: _FormWithSave, exc: BaseException) -> None:
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

    def show_person(self, hit: dict[str, Any]) -> None:
        self.backend.call("get_person", hit["id"], on_ok=self._show_person)

    def show_existing(self, person: dict[str, Any]) -> None:
        """The lookup tab with ``person`` found by ID number and shown in the detail pane."""
        self.tabs.setCurrentIndex(0)
        self.search.look_for(person.get("id_number", ""))
        self._show_person(person)

    def _show_person(self, person: dict[str, Any] | None) -> None:
        self.person_shown = person
        if person is None:
            self.detail.clear()
            return
        self.detail.setText("<br>".join(person_lines(person, self.ui)))


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
        left_layout.addWidget(_scroll(self.form), 1)
        split = QSplitter()
        split.addWidget(left)
        panel_area = _scroll(self.panel)
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


REVIEW_COLUMNS = ("receipt_no", "name", "event", "status", "created_at")


class ReviewPage(Page):
    """审核: the queue of applications; a reviewer starts the review, approves or rejects with a reason,
    and prints the approval slip."""

    def __init__(self, ui: UiLanguage, backend: Backend) -> None:
        super().__init__(ui, backend)
        self.apps: list[dict[str, Any]] = []
        self.current: dict[str, Any] | None = None
        self.filter = QComboBox()
        self.filter.setObjectName("review_filter")
        self.table = QTableWidget(0, len(REVIEW_COLUMNS))
        self.table.setObjectName("review_table")
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        fonts.fit_rows(self.table)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(REVIEW_COLUMNS.index("name"), QHeaderView.ResizeMode.Stretch)
        self.detail = QLabel()
        self.detail.setObjectName("review_detail")
        self.detail.setWordWrap(True)
        self.detail.setAlignment(Qt.AlignmentFlag.AlignTop)
        self.detail.setTextFormat(Qt.TextFormat.RichText)
        self.start_button = QPushButton()
        self.start_button.setObjectName("start_review")
        self.approve_button = QPushButton()
        self.approve_button.setObjectName("approve")
        self.reason = QLineEdit()
        self.reason.setObjectName("reject_reason")
        self.reject_button = QPushButton()
        self.reject_button.setObjectName("reject")
        self.slip_button = QPushButton()
        self.slip_button.setObjectName("print_slip")
        self.paid_button = QPushButton()
        self.paid_button.setObjectName("mark_paid")
        self.message = QLabel()
        self.message.setObjectName("message_review")
        self.message.setWordWrap(True)
        self.reason_label = QLabel()
        actions = QFormLayout()
        buttons = QHBoxLayout()
        for b in (self.start_button, self.approve_button, self.paid_button, self.slip_button):
            buttons.addWidget(b)
        actions.addRow(buttons)
        actions.addRow(self.reason_label, self.reason)
        self.withdraw_button = QPushButton()
        self.withdraw_button.setObjectName("withdraw")
        decide = QHBoxLayout()
        decide.addWidget(self.reject_button)
        decide.addWidget(self.withdraw_button)
        actions.addRow(decide)
        actions.addRow(self.message)
        self.may_review = roles.may(backend.role, "application.approve")
        self.may_withdraw = roles.may(backend.role, "application.withdraw")
        for w in (self.start_button, self.approve_button, self.reject_button):
            w.setVisible(self.may_review)
        self.withdraw_button.setVisible(self.may_withdraw)
        self.may_mark_paid = roles.may(backend.role, "application.mark_paid")
        self.paid_button.setVisible(self.may_mark_paid)
        from desktop.print_preview import PrintHistory

        self.history = PrintHistory(ui)
        self.history.reprint.connect(self.reprint)
        for w in (self.reason, self.reason_label):
            w.setVisible(self.may_review or self.may_withdraw)
        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.addWidget(_scroll(self.detail), 1)
        right_layout.addWidget(self.history)
        right_layout.addLayout(actions)
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.addWidget(self.filter)
        left_layout.addWidget(self.table, 1)
        split = QSplitter()
        split.addWidget(left)
        split.addWidget(right)
        split.setSizes([560, 440])
        layout = QVBoxLayout(self)
        layout.addWidget(split)
        self.table.itemSelectionChanged.connect(self._select)
        self.filter.activated.connect(lambda _i: self.refresh())
        self.start_button.clicked.connect(lambda: self._act("start_review"))
        self.approve_button.clicked.connect(lambda: self._act("approve"))
        self.reject_button.clicked.connect(self.reject)
        self.withdraw_button.clicked.connect(self.withdraw)
        self.reason.returnPressed.connect(lambda: self.reject() if self.may_review else self.withdraw())
        self.slip_button.clicked.connect(self.print_)
        self.paid_button.clicked.connect(lambda: self._act("mark_paid"))
        backend.changed.connect(lambda what: self.refresh() if what == "applications" else None)
        self.retranslate()
        self.refresh()

    STATUSES = ("", "received", "under_review", "approved", "rejected", "withdrawn", "paid")

    def retranslate(self) -> None:
        t = self.ui.t
        current = self.filter.currentData()
        self.filter.clear()
        for s in self.STATUSES:
            self.filter.addItem(t(f"status.{s}") if s else t("ui.review.all"), s)
        self.filter.setCurrentIndex(max(self.filter.findData(current or ""), 0))
        self.table.setHorizontalHeaderLabels([t(f"ui.review.column.{c}") for c in REVIEW_COLUMNS])
        self.start_button.setText(t("ui.review.start"))
        self.approve_button.setText(t("ui.review.approve"))
        self.reject_button.setText(t("ui.review.reject"))
        self.withdraw_button.setText(t("ui.review.withdraw"))
        self.reason_label.setText(t("ui.review.reason"))
        self.slip_button.setText(t("ui.action.print_slip"))
        self.slip_button.setToolTip("Ctrl+P")
        self.paid_button.setText(t("ui.review.mark_paid"))
        self.history.retranslate()
        self._fill()
        self._show_detail()

    def refresh(self) -> None:
        status = self.filter.currentData() or None
        keep = self.current["id"] if self.current else None

        def ok(apps: list[dict[str, Any]]) -> None:
            self.apps = apps
            self._fill()
            for row, app in enumerate(apps):
                if app["id"] == keep:
                    self.table.selectRow(row)
                    self.current = {**(self.current or {}), **app}
                    self._show_detail()
                    self.backend.call("get_application", keep, on_ok=self._loaded)  # its prints too

        self.backend.call("list_applications", status=status, limit=200, on_ok=ok)

    def _fill(self) -> None:
        t, lang = self.ui.t, self.ui.lang
        self.table.blockSignals(True)
        self.table.setRowCount(len(self.apps))
        for row, app in enumerate(self.apps):
            person = app.get("person") or {}
            name = " ".join(n for n in (person.get("name_bo"), person.get("name_zh")) if n)
            values = {
                "receipt_no": app.get("receipt_no", ""),
                "name": name,
                "event": t(f"event.{app['event']}") if app.get("event") else "",
                "status": t(f"status.{app.get('status')}"),
                "created_at": fmt.date(str(app.get("created_at") or "")[:10], lang),
            }
            for col, key in enumerate(REVIEW_COLUMNS):
                self.table.setItem(row, col, QTableWidgetItem(str(values[key])))
        self.table.blockSignals(False)

    def _select(self) -> None:
        rows = self.table.selectionModel().selectedRows()
        self.current = self.apps[rows[0].row()] if rows else None
        self.message.clear()
        self.reason.clear()
        if self.current:
            self.backend.call("get_application", self.current["id"], on_ok=self._loaded)
        self._show_detail()

    def _loaded(self, app: dict[str, Any]) -> None:
        if self.current and app.get("id") == self.current["id"]:
            self.current = {**self.current, **app}
            self._show_detail()

    def _show_detail(self) -> None:
        app = self.current
        status = app.get("status") if app else None
        self.start_button.setEnabled(self.may_review and status == "received")
        # the store's transitions: received → under_review → approved / rejected
        self.approve_button.setEnabled(self.may_review and status == "under_review")
        self.reject_button.setEnabled(self.may_review and status == "under_review")
        open_ = status in ("received", "under_review")
        self.withdraw_button.setEnabled(self.may_withdraw and open_)
        self.reason.setEnabled((self.may_review or self.may_withdraw) and open_)
        self.slip_button.setEnabled(status in ("approved", "rejected", "paid"))
        self.paid_button.setEnabled(self.may_mark_paid and status == "approved")
        self.history.show_prints(app)
        if not app:
            self.detail.setText(self.ui.t("ui.review.none_selected"))
            return
        t, lang = self.ui.t, self.ui.lang
        rows = [(t("ui.review.column.receipt_no"), app.get("receipt_no", ""))]
        rows.append((t("ui.review.column.status"), t(f"status.{status}")))
        person = app.get("person") or {}
        facts = {
            **(app.get("form") or {}),
            **app,
            "name_zh": person.get("name_zh"),
            "name_bo": person.get("name_bo"),
        }
        for key in ("name_zh", "name_bo", "category", "event", "event_date", "claim_type"):
            value = facts.get(key)
            if value in (None, ""):
                continue
            if key in ("category", "event", "claim_type"):
                value = t(f"{ {'claim_type': 'claim'}.get(key, key) }.{value}")
            elif key == "event_date":
                value = fmt.date(value, lang)
            rows.append((t(f"field.{key}"), value))  # the queue reads in the UI language
        decision = app.get("decision") or {}
        html = "".join(
            f"<tr><td style='white-space:nowrap'><b>{k}</b></td><td>{v}</td></tr>" for k, v in rows
        )
        if decision:
            html += f"<tr><td colspan=2><b>{t('ui.entitlement.title')}</b></td></tr>"
            for line in decision.get("leave_breakdown", []):
                days = t("ui.entitlement.days", days=fmt.number(line["days"], lang))
                html += f"<tr><td>{t('leave.' + line['code'])}</td><td>{days}<br><small>{line['source']}</small></td></tr>"
            for key, value in (
                ("ui.entitlement.leave_days", t("ui.entitlement.days", days=decision.get("leave_days", 0))),
                ("ui.entitlement.daily_rate", fmt.money(decision.get("daily_rate"), lang)),
                ("ui.entitlement.allowance", fmt.money(decision.get("allowance"), lang)),
            ):
                html += f"<tr><td>{t(key)}</td><td>{value}</td></tr>"
            for code in decision.get("reasons", []):
                html += f"<tr><td colspan=2>{t('reason.' + code)}</td></tr>"
            html += f"<tr><td colspan=2><small>{t('ui.entitlement.rule', rule=decision.get('rule', ''))}</small></td></tr>"
        for key in ("reason", "note"):
            if app.get(key):
                html += f"<tr><td><b>{t('ui.review.' + key)}</b></td><td>{app[key]}</td></tr>"
        self.detail.setText(f"<table cellspacing=4>{html}</table>")

    def _act(self, method: str, *args: Any) -> None:
        if not self.current:
            return
        receipt = self.current.get("receipt_no", "")

        def ok(result: Any) -> None:
            if isinstance(result, dict) and self.current and result.get("id") == self.current["id"]:
                self.current = {**self.current, **result}
                self._show_detail()
            self.message.setProperty("role", "")
            self.message.setText(self.ui.t(f"ui.review.done.{method}", receipt_no=receipt))
            self.reason.clear()

        def failed(exc: BaseException) -> None:
            self.message.setProperty("role", "error")
            self.message.setText(error_text(exc, self.ui))

        self.backend.call(method, self.current["id"], *args, on_ok=ok, on_err=failed, changes="applications")

    def _with_reason(self, method: str) -> None:
        reason = self.reason.text().strip()
        if not reason:
            self.message.setProperty("role", "error")
            self.message.setText(self.ui.t("ui.review.reason_required"))
            self.reason.setFocus()
            return
        self._act(method, reason)

    def reject(self) -> None:
        self._with_reason("reject")

    def withdraw(self) -> None:
        """The applicant takes the application back (a reason is recorded)."""
        self._with_reason("withdraw")

    def print_(self) -> None:
        if self.current and self.slip_button.isEnabled():
            from desktop.printing_bridge import print_document, slip_kind

            print_document(slip_kind(self.current), self.current, self.backend, self.ui, self)

    def reprint(self, kind: str) -> None:
        """Print a document of the application again (the preview marks it 补打 with its count)."""
        if self.current:
            from desktop.printing_bridge import print_document

            print_document(kind, self.current, self.backend, self.ui, self)


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


def StatsPage(ui: UiLanguage, backend: Backend) -> QWidget:
    """统计: the screen of desktop/stats_page.py (QtCharts loads when the screen is first opened)."""
    from desktop.stats_page import StatsPage as Screen

    return Screen(ui, backend)


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
            self.user_message = QLabel()
            self.user_message.setWordWrap(True)
            self.username_label, self.role_label, self.password_label = QLabel(), QLabel(), QLabel()
            users.addRow(self.username_label, self.username)
            users.addRow(self.role_label, self.role)
            users.addRow(self.password_label, self.password)
            users.addRow(self.add_button)
            users.addRow(self.user_message)
            self.add_button.clicked.connect(self.add_user)
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

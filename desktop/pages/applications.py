"""待遇申请 applications: the declared application form beside the live entitlement panel.

Less typing (issue 13): the employer is picked by name or credit code (a completer over the
employers in the store, the chosen one's name shown back) and fills its average monthly wage; the
registered person's category, insured-since date, employer and contribution months fill in as soon
as the ID number is complete; the application date (受理日期) starts as today; fields that do not
apply (the medical-claim fields for an allowance, the operation for a birth) are hidden, so Enter
walks only the fields that matter. The page's buttons sit in a fixed bar under the form."""

from __future__ import annotations

import datetime as dt
from typing import Any

from PySide6.QtCore import QStringListModel, Qt, QTimer, Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QCompleter,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from desktop.backend import Backend
from desktop.entitlement_panel import EntitlementPanel
from desktop.formview import DeclaredForm, IssueLine
from desktop.lang import UiLanguage
from desktop.pages.base import Page, error_text, scroll
from forms.clock import business_today

#: shown only when the claim is for medical costs (生育医疗费用) / the event is an operation
MEDICAL_ONLY = ("claimant", "medical_amount", "outpatient")
OPERATION_ONLY = ("operation",)


def contribution_months(since: dt.date, until: dt.date) -> int:
    """Whole months from the insured-since date to ``until`` (the event date): the consecutive
    contribution months of an enrollment that has not ended, as the store knows them."""
    months = (until.year - since.year) * 12 + until.month - since.month - (1 if until.day < since.day else 0)
    return max(months, 0)


def _date(text: object) -> dt.date | None:
    try:
        return dt.date.fromisoformat(str(text)) if text else None
    except ValueError:
        return None


class EmployerPicker(QWidget):
    """用人单位 by name (Chinese or Tibetan) or unified social credit code, from the store's employers;
    the chosen employer's name and code are shown back under the box."""

    chosen = Signal(dict)
    edited = Signal()

    def __init__(self, ui: UiLanguage, backend: Backend) -> None:
        super().__init__()
        self.ui = ui
        self.backend = backend
        self.employer: dict[str, Any] | None = None
        self.by_hand = False
        self.rows: list[dict[str, Any]] = []
        self.edit = QLineEdit()
        self.edit.setObjectName("employer_picker")
        self.shown = QLabel()
        self.shown.setObjectName("employer_chosen")
        self.shown.setProperty("role", "hint")
        self.shown.setWordWrap(True)
        self.model = QStringListModel(self)
        self.completer = QCompleter(self.model, self)
        self.completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.completer.setFilterMode(Qt.MatchFlag.MatchContains)
        self.completer.setCompletionMode(QCompleter.CompletionMode.PopupCompletion)
        self.completer.setMaxVisibleItems(8)
        self.edit.setCompleter(self.completer)
        self.completer.activated[str].connect(self._picked_text)
        self.edit.textEdited.connect(self._typed)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.edit)
        layout.addWidget(self.shown)
        self.setFocusProxy(self.edit)
        self.retranslate()

    def retranslate(self) -> None:
        self.edit.setPlaceholderText(self.ui.t("ui.applications.employer_placeholder"))
        if self.employer is not None:
            self._show(self.employer)

    def display(self, employer: dict[str, Any]) -> str:
        names = [employer.get("name_zh") or ""]
        if "bo" in self.ui.form_languages() or self.ui.lang == "bo":
            names.insert(0, employer.get("name_bo") or "")
        return " / ".join(n for n in dict.fromkeys(names) if n)

    def _typed(self, text: str) -> None:
        self.employer = None
        self.shown.clear()
        self.edited.emit()
        query = text.strip()
        if len(query) < 2:
            return
        code = query.replace(" ", "").upper()

        def run() -> tuple[dict[str, Any] | None, list[dict[str, Any]]]:
            service = self.backend.service_now()
            exact = service.find_employer(code) if len(code) == 18 else None
            return exact, service.search_employers(query, limit=20)

        def ok(found: tuple[dict[str, Any] | None, list[dict[str, Any]]]) -> None:
            exact, rows = found
            if self.edit.text().strip() != query:
                return  # typed on: a newer search follows
            if exact is not None:
                self.choose(exact)
                return
            self.rows = rows
            self.model.setStringList([f"{self.display(r)} · {r['uscc']}" for r in rows])
            if rows:
                self.completer.setCompletionPrefix(query if not _looks_like_code(code) else "")
                popup = self.completer.popup()
                popup.setMinimumWidth(max(self.edit.width(), popup.sizeHintForColumn(0) + 32))
                self.completer.complete()
            else:
                self.shown.setText(self.ui.t("ui.applications.employer_unknown"))

        self.backend.submit(run, ok, lambda _e: None)

    def _picked_text(self, text: str) -> None:
        for row in self.rows:
            if text == f"{self.display(row)} · {row['uscc']}":
                self.pick(row)
                return

    def holds_enter(self) -> bool:
        """Enter in the box (the form moves on unless this says to stay): an employer chosen, or one
        just picked from the list, moves on; a single hit is chosen and moves on; several hits open
        the list to choose from, and the cursor stays."""
        if self.employer is not None or not self.rows:
            return False
        text = self.edit.text()
        if any(text == f"{self.display(r)} · {r['uscc']}" for r in self.rows):
            return False  # picked from the list: its record is on the way
        if len(self.rows) == 1:
            self.pick(self.rows[0])
            return False
        self.completer.complete()
        return True

    def pick(self, row: dict[str, Any]) -> None:
        """A search hit chosen: the full record (its wage) comes from the store."""

        def run() -> dict[str, Any] | None:
            return self.backend.service_now().find_employer(row["uscc"])

        self.backend.submit(run, lambda employer: employer and self.choose(employer), lambda _e: None)

    def choose(self, employer: dict[str, Any], *, by_hand: bool = True) -> None:
        self.employer = employer
        self.by_hand = by_hand
        self._show(employer)
        if by_hand:
            self.edited.emit()
        self.chosen.emit(employer)

    def _show(self, employer: dict[str, Any]) -> None:
        self.edit.setText(self.display(employer))
        self.edit.setCursorPosition(0)
        self.shown.setText(f"{self.display(employer)} · {employer.get('uscc', '')}")

    def clear(self) -> None:
        self.employer = None
        self.rows = []
        self.model.setStringList([])
        self.edit.clear()
        self.shown.clear()

    def uscc(self) -> str:
        return (self.employer or {}).get("uscc", "")

    def restore(self, uscc: object) -> None:
        """Back from a draft: the employer by its code, as the store has it now."""
        if not isinstance(uscc, str) or not uscc:
            return

        def run() -> dict[str, Any] | None:
            return self.backend.service_now().find_employer(uscc)

        self.backend.submit(run, lambda e: e and self.choose(e, by_hand=False), lambda _e: None)


def _looks_like_code(code: str) -> bool:
    return any(c.isdigit() for c in code) and code.isalnum()


class ApplicationsPage(Page):
    """待遇申请: intake of a maternity application with the live entitlement beside it."""

    saved = Signal(dict)

    def __init__(self, ui: UiLanguage, backend: Backend) -> None:
        super().__init__(ui, backend)
        region = backend.region or "lianyungang"
        self.employer = EmployerPicker(ui, backend)
        self.form = DeclaredForm(
            "maternity_application",
            region,
            ui,
            columns=1,
            extra_rows={"employer_avg_monthly_wage": ("ui.applications.employer", self.employer)},
        )
        self.form.dynamic_defaults["filed_on"] = lambda: business_today().isoformat()
        self.form.draft_extras["employer_uscc"] = (self.employer.uscc, self.employer.restore)
        self.form.apply_dynamic_defaults()
        self.panel = EntitlementPanel(region, ui)
        self.person_line = QLabel()
        self.person_line.setObjectName("application_person")
        self.save_button = QPushButton()
        self.save_button.setObjectName("save_application")
        self.print_button = QPushButton()
        self.print_button.setObjectName("print_receipt")
        self.print_button.setEnabled(False)
        self.message = IssueLine(2)
        self.message.setObjectName("message_application")
        self.last: dict[str, Any] | None = None
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.addWidget(self.person_line)
        self.form_area = scroll(self.form)
        left_layout.addWidget(self.form_area, 1)
        split = QSplitter()
        split.addWidget(left)
        panel_area = scroll(self.panel)
        panel_area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        split.addWidget(panel_area)
        split.setSizes([600, 440])
        self.button_bar = QWidget()
        self.button_bar.setObjectName("application_buttons")
        bar = QHBoxLayout(self.button_bar)
        bar.setContentsMargins(0, 0, 0, 0)
        bar.addWidget(self.save_button)
        bar.addWidget(self.print_button)
        bar.addWidget(self.message, 1)
        layout = QVBoxLayout(self)
        layout.addWidget(split, 1)
        layout.addWidget(self.button_bar)
        self.form.changed.connect(lambda _r: self._show_what_applies())
        self.form.changed.connect(lambda _r: self.panel.update_from(self.form.raw_data()))
        self.form.editors["id_number"].edited.connect(lambda _n: self._look_up_person())
        for name in ("event_date", "insured_since"):
            self.form.editors[name].edited.connect(lambda _n: self._fill_months())
        self.form.restored.connect(self._after_restore)
        self.employer.chosen.connect(self._employer_chosen)
        self.employer.edited.connect(lambda: self.form.mark_edited("employer_uscc"))
        self.save_button.clicked.connect(self.save)
        self.print_button.clicked.connect(self.print_)
        self._show_what_applies()
        self.retranslate()

    def retranslate(self) -> None:
        self.save_button.setText(self.ui.t("ui.action.save"))
        self.save_button.setToolTip("Ctrl+S")
        self.print_button.setText(self.ui.t("ui.action.print_receipt"))
        self.print_button.setToolTip("Ctrl+P")
        self.employer.retranslate()
        width = max(b.sizeHint().width() for b in (self.save_button, self.print_button))
        for b in (self.save_button, self.print_button):
            b.setFixedWidth(width)  # the same places in every language and every application

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if not self.form.dirty and not self.form.editors["id_number"].raw():
            QTimer.singleShot(0, self.form.editor("id_number").setFocus)  # ready for the ID number

    # --- what applies -----------------------------------------------------------------------------

    def _show_what_applies(self) -> None:
        """Hide what does not apply to the claim and the event (after every change, typed or set)."""
        medical = self.form.editors["claim_type"].raw() == "medical"
        operation = self.form.editors["event"].raw() == "family_planning_surgery"
        wanted = {name: medical for name in MEDICAL_ONLY} | {name: operation for name in OPERATION_ONLY}
        changed = False
        for name, shown in wanted.items():
            if name in self.form.editors and self.form.editors[name].shown != shown:
                self.form.set_shown(name, shown)
                changed = True
        if changed:
            self.form.revalidate()

    def _after_restore(self) -> None:
        self._show_what_applies()
        self._look_up_person(fill=False)

    # --- filled from the store ----------------------------------------------------------------------

    def start_for(self, person: dict[str, Any]) -> None:
        """A new application for a registered person: the form is cleared and holds their ID number."""
        self.form.clear()
        self.employer.clear()
        self._show_what_applies()
        self.panel.update_from({})
        self.form.editors["id_number"].set_raw(person.get("id_number", ""))
        self.form.revalidate()
        self._look_up_person()
        names = [n for n in self.form.editors if n != "id_number" and self.form.editors[n].shown]
        if names:
            self.form.focus_field(names[0])

    def _fill(self, name: str, value: object) -> None:
        ed = self.form.editors.get(name)
        if ed is not None and value not in (None, "") and (ed.is_blank() or ed.auto_filled):
            ed.set_raw(value, auto=True)

    def _fill_months(self) -> None:
        """Contribution months from the insured-since date to the event date (today before it is
        typed), unless the clerk typed them."""
        since = _date(self.form.editors["insured_since"].raw())
        if since is None:
            return
        until = _date(self.form.editors["event_date"].raw()) or self.form.today
        ed = self.form.editors["contribution_months"]
        if ed.is_blank() or ed.auto_filled:
            ed.set_raw(str(contribution_months(since, until)), auto=True)
            self.form.revalidate()

    def _employer_chosen(self, employer: dict[str, Any]) -> None:
        wage = self.form.editors["employer_avg_monthly_wage"]
        if employer.get("avg_monthly_wage") and (
            wage.is_blank() or wage.auto_filled or self.employer.hasFocus()
        ):
            wage.set_raw(employer["avg_monthly_wage"], auto=True)
        self.form.revalidate()

    def _look_up_person(self, *, fill: bool = True) -> None:
        result = self.form.result
        number = result.values.get("id_number") if result else None
        if not number:
            self.person_line.setText("")
            return

        def run() -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
            service = self.backend.service_now()
            person = service.find_person(number)
            uscc = ((person or {}).get("enrollment") or {}).get("employer_uscc")
            return person, (service.find_employer(uscc) if uscc else None)

        def ok(found: tuple[dict[str, Any] | None, dict[str, Any] | None]) -> None:
            person, employer = found
            if person is None or person.get("id_number") != number:
                self.person_line.setText(self.ui.t("ui.applications.person_unknown"))
                return
            names = " ".join(n for n in (person.get("name_bo"), person.get("name_zh")) if n)
            self.person_line.setText(self.ui.t("ui.applications.person_found", name=names))
            if not fill:
                return
            enrollment = person.get("enrollment") or {}
            self._fill("category", enrollment.get("category") or person.get("category"))
            self._fill("insured_since", enrollment.get("insured_since"))
            if employer is not None and self.employer.employer is None:
                self.employer.choose(employer, by_hand=False)
            self._fill_months()
            self.form.revalidate()

        self.backend.submit(run, ok, lambda _e: None)

    # --- save and print -------------------------------------------------------------------------------

    def save(self) -> None:
        result = self.form.check_all()
        if not result.ok:
            self._say(self.ui.label("ui.form.has_errors", count=len(result.errors)), error=True)
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
            self.form.clear()  # and its draft
            self.employer.clear()
            self._show_what_applies()
            self.panel.update_from({})
            self.person_line.setText("")
            self.form.focus_first()  # back to the top, the cursor in the ID number (Ctrl+P prints)

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

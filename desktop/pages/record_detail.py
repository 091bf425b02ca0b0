"""档案 and 更正: a saved record with every field, its history and what hangs on it, and the dialog that
corrects it.

:class:`RecordDetail` shows a person (identity, contact, her current enrollment with the employer's
name, her applications, the history of the person and her enrollments) or an application (every
fact, its decision — the allowance or, for a medical-cost claim, the medical amounts only — and its
history). :class:`EditDialog` corrects a person, an employer, an enrollment or an application through
the store's corrections (``update_*(id, base_version, changes)``): the declared form filled from the
record, only the fields that may be corrected shown, only the changed ones sent. A record changed
meanwhile by someone else (``record.stale``) is said with who changed it and when, and the form is
reloaded with the current record.
"""

from __future__ import annotations

import logging
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop import fmt, fonts, roles
from desktop.backend import Backend
from desktop.fit import ReservedLine
from desktop.formview import DeclaredForm
from desktop.lang import UiLanguage
from desktop.pages.base import error_text, scroll
from forms.declarations import get_form
from forms.workflow import CORRECTIONS

log = logging.getLogger(__name__)

_STATUS_PARAMS = ("from_status", "to_status", "status")

#: entity → (declared form, its groups shown, service method, what changes)
EDITS: dict[str, tuple[str, tuple[str, ...] | None, str, str]] = {
    "person": ("person", ("identity", "contact", "insurance"), "update_person", "persons"),
    "enrollment": ("person", ("insurance",), "update_enrollment", "persons"),
    "employer": ("employer", None, "update_employer", "employers"),
    "application": ("maternity_application", None, "update_application", "applications"),
}
#: fields the form offers only as typing help: what they fill is what is sent
_INPUT_HELPERS = {"name_bo_wylie"}
#: fields shown (not editable) for the clerk to see whose record it is
_SHOWN_READ_ONLY = {"application": {"id_number"}}


def record_error_text(exc: BaseException, ui: UiLanguage) -> str:
    """A refusal in the UI language, its statuses named (not their codes) and the time of a stale
    record's last change in China's time."""
    issues = list(getattr(exc, "issues", None) or [])
    if not issues:
        return error_text(exc, ui)
    lines = []
    for issue in issues:
        params = dict(issue.params)
        for key in _STATUS_PARAMS:
            if isinstance(params.get(key), str):
                params[key] = ui.t(f"status.{params[key]}")
        if issue.code == "record.stale" and params.get("at"):
            params["at"] = fmt.datetime(str(params["at"]), ui.lang)
        lines.append(ui.t(issue.msgid, **params))
    return "\n".join(lines)


def field_label(name: str, ui: UiLanguage, *, bilingual: bool = True) -> str:
    """A field's label (bilingual on a bilingual region's forms unless not wanted), or its name when
    it has none."""
    special = {"status": "ui.review.column.status", "decision": "ui.entitlement.title"}
    msgid = special.get(name, f"field.{name}")
    text = ui.label(msgid, sep=" ") if bilingual else ui.t(msgid)
    return name if text == msgid else text


def value_text(form_name: str, name: str, value: Any, ui: UiLanguage, region: str) -> str:
    """A stored value as the clerk reads it: a choice by its label, a county by its name, a date, a
    sum of money."""
    if value in (None, "", []):
        return ""
    lang = ui.lang
    try:
        decl = get_form(form_name).field(name)
    except KeyError:
        decl = None
    kind = decl.type if decl else ""
    if kind == "choice" and decl is not None:
        return decl.choice_label(str(value), lang)
    if kind == "county":
        from forms.divisions import lookup

        county = lookup(str(value))
        if county is None:
            return str(value)
        return f"{county.name_bo or county.name_zh if lang == 'bo' else county.name_zh} {value}"
    if kind == "date":
        return fmt.date(str(value), lang)
    if kind == "money":
        return fmt.money(str(value), lang)
    if kind == "bool" or isinstance(value, bool):
        return ui.t("choice.yes" if value else "choice.no")
    if kind == "documents" and isinstance(value, list):
        return (
            "、".join(ui.t(f"doc.{d}") for d in value)
            if lang == "zh"
            else ", ".join(ui.t(f"doc.{d}") for d in value)
        )
    return str(value)


def rows_html(rows: list[tuple[str, str]], pairs: int = 2) -> str:
    """Label/value rows as a table, ``pairs`` of them side by side (the record fits the pane)."""
    cells = [(k, v) for k, v in rows if v not in (None, "")]
    html = ""
    for start in range(0, len(cells), pairs):
        html += "<tr>" + "".join(
            f"<td valign='top'><b>{k}</b></td><td valign='top' style='padding-right:12px'>{v}</td>"
            for k, v in cells[start : start + pairs]
        )
        html += "</tr>"
    return html


def person_rows(person: dict[str, Any], ui: UiLanguage, region: str) -> list[tuple[str, str]]:
    """Every field of a person and of her current enrollment (the employer by name and code)."""
    rows = []
    for key in ("name_zh", "name_bo", "id_number", "sex", "birth_date", "ethnicity", "phone", "county_code"):
        rows.append(
            (field_label(key, ui, bilingual=False), value_text("person", key, person.get(key), ui, region))
        )
    en = person.get("enrollment") or {}
    employer = " ".join(x for x in (en.get("employer_name_zh"), en.get("employer_uscc")) if x)
    values = {**en, "category": en.get("category") or person.get("category")}
    for key in ("category", "employer_uscc", "contribution_base", "flexible_scheme", "insured_since"):
        if key == "employer_uscc":
            rows.append((ui.t("field.employer_name_zh"), employer))
        else:
            rows.append(
                (
                    field_label(key, ui, bilingual=False),
                    value_text("person", key, values.get(key), ui, region),
                )
            )
    if en.get("ended_on"):
        rows.append((ui.t("ui.detail.ended_on"), fmt.date(en["ended_on"], ui.lang)))
    # a field left empty shows as such (a flexible scheme only where the category has one)
    optional = {ui.t("field.flexible_scheme")}
    return [(k, v if v or k in optional else NOT_GIVEN) for k, v in rows]


#: what an empty field shows
NOT_GIVEN = "—"


def application_rows(app: dict[str, Any], ui: UiLanguage, region: str) -> list[tuple[str, str]]:
    """The facts of an application that its benefit has (no allowance facts on a medical-cost claim,
    no medical ones on an allowance claim), in the declared order."""
    t = ui.t
    form = app.get("form") or {}
    person = app.get("person") or {}
    rows = [
        (t("ui.review.column.receipt_no"), str(app.get("receipt_no") or "")),
        (t("ui.review.column.status"), t(f"status.{app.get('status')}") if app.get("status") else ""),
        (field_label("name_zh", ui, bilingual=False), person.get("name_zh") or ""),
        (field_label("name_bo", ui, bilingual=False), person.get("name_bo") or ""),
    ]
    medical = app.get("claim_type", form.get("claim_type")) == "medical"
    skip = {"id_number"} | (_ALLOWANCE_FACTS if medical else _MEDICAL_FACTS)
    decl = get_form("maternity_application")
    facts = {**form, **{k: app[k] for k in ("claim_type", "event", "event_date") if app.get(k)}}
    for f in decl.fields_for(region):
        if f.name in skip or f.name not in facts:
            continue
        rows.append(
            (
                field_label(f.name, ui, bilingual=False),
                value_text(decl.name, f.name, facts[f.name], ui, region),
            )
        )
    rows.append((t("ui.detail.received_by"), str(app.get("created_by") or "")))
    return rows


#: facts only an allowance claim (生育津贴) has, and only a medical-cost claim (生育医疗费用) has
_ALLOWANCE_FACTS = {"leave_start", "employer_avg_monthly_wage", "contribution_months"}
_MEDICAL_FACTS = {"medical_amount", "outpatient", "hospital"}


def decision_html(app: dict[str, Any], ui: UiLanguage) -> str:
    """The decision as table rows: the allowance with its leave lines, or for a medical-cost claim the
    medical amounts and who pays them — never the other benefit's figures."""
    decision = app.get("decision") or {}
    if not decision:
        return ""
    t, lang = ui.t, ui.lang
    html = f"<tr><td colspan=4><b>{t('ui.entitlement.title')}</b></td></tr>"
    rows: list[tuple[str, str]] = []
    if app.get("claim_type") == "medical":
        form = app.get("form") or {}
        rows.append((t("ui.entitlement.medical_claimed"), fmt.money(form.get("medical_amount"), lang)))
        rows.append(
            (t("ui.entitlement.medical_approved"), fmt.money(decision.get("medical_amount_approved"), lang))
        )
        if decision.get("medical_paid_by"):
            rows.append((t("ui.entitlement.medical_paid_by"), t(f"paid_by.{decision['medical_paid_by']}")))
        code = decision.get("settlement_code")
        if isinstance(code, dict):
            rows.append(
                (t("ui.entitlement.settlement_code", **code), " / ".join(str(v) for v in code.values()))
            )
    else:
        # the amount and the period first (what the reviewer decides on, in view without scrolling),
        # then the leave lines with their sources
        rows += [
            (t("ui.entitlement.allowance"), f"<b>{fmt.money(decision.get('allowance'), lang)}</b>"),
            (t("ui.entitlement.leave_days"), t("ui.entitlement.days", days=decision.get("leave_days", 0))),
            (t("ui.entitlement.daily_rate"), fmt.money(decision.get("daily_rate"), lang)),
        ]
        for line in decision.get("leave_breakdown", []):
            days = t("ui.entitlement.days", days=fmt.number(line["days"], lang))
            rows.append((t("leave." + line["code"]), f"{days}<br><small>{line.get('source', '')}</small>"))
    html += "".join(f"<tr><td valign='top'>{k}</td><td colspan=3>{v}</td></tr>" for k, v in rows)
    for code in decision.get("reasons", []):
        html += f"<tr><td colspan=4>{t('reason.' + code)}</td></tr>"
    html += f"<tr><td colspan=4><small>{t('ui.entitlement.rule', rule=decision.get('rule', ''))}</small></td></tr>"
    return html


def history_text(event: dict[str, Any], ui: UiLanguage) -> tuple[str, str, str, str]:
    """``(when, who, what, fields changed)`` of one history event, in the UI's (bilingual) labels; a
    changed field with what it held before and after (联系电话：138… → 139…) and the reason under it."""
    action = str(event.get("action") or "")
    msgid = f"history.{action}"
    what = ui.label(msgid, sep=" ")
    if what == msgid:
        what = action
    values = event.get("values") or {}
    parts = []
    for f in event.get("changed") or []:
        if f in values:  # old → new, as the record held it
            old, new = (_history_value(f, values[f].get(k), ui) for k in ("old", "new"))
            parts.append(f"{field_label(f, ui)}：{old} → {new}")
        else:
            parts.append(field_label(f, ui))
    changed = "；".join(parts) if values else "、".join(parts)
    if event.get("reason"):
        changed = "\n".join(p for p in (changed, ui.t("ui.history.reason", reason=event["reason"])) if p)
    return fmt.datetime(str(event.get("at") or ""), ui.lang), str(event.get("actor") or ""), what, changed


def _history_value(field: str, value: Any, ui: UiLanguage) -> str:
    """A value in a history row: a choice by its label (状态 已受理), a list item by item, none as —."""
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, list):
        return "、".join(_history_value(field, v, ui) for v in value)
    if isinstance(value, dict):
        return "—"
    text = str(value)
    label = ui.t(f"{field}.{text}")
    return text if label == f"{field}.{text}" else label


class HistoryTable(QTableWidget):
    """A record's history: when, who, what, which fields."""

    def __init__(self, ui: UiLanguage) -> None:
        super().__init__(0, 4)
        self.ui = ui
        self.events: list[dict[str, Any]] = []
        self.setObjectName("record_history")
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.verticalHeader().hide()
        self.setWordWrap(True)
        fonts.fit_rows(self)
        header = self.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)

    def show_events(self, events: list[dict[str, Any]]) -> None:
        self.events = list(events)
        self.retranslate()

    def retranslate(self) -> None:
        t = self.ui.t
        self.setHorizontalHeaderLabels(
            [t("ui.history.at"), t("ui.history.actor"), t("ui.history.action"), t("ui.history.changed")]
        )
        self.setRowCount(len(self.events))
        for row, event in enumerate(reversed(self.events)):  # newest first
            for col, text in enumerate(history_text(event, self.ui)):
                self.setItem(row, col, QTableWidgetItem(text))
        self.resizeRowsToContents()
        rows = min(len(self.events), 8)
        self.setMinimumHeight(
            self.horizontalHeader().height() + max(rows, 2) * self.verticalHeader().defaultSectionSize() + 4
        )


class ApplicationsTable(QTableWidget):
    """A person's applications; ``opened`` fires with one's id on Enter or double-click."""

    opened = Signal(str)
    COLUMNS = ("receipt_no", "event", "status", "created_at")

    def __init__(self, ui: UiLanguage) -> None:
        super().__init__(0, len(self.COLUMNS))
        self.ui = ui
        self.apps: list[dict[str, Any]] = []
        self.setObjectName("person_applications")
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.verticalHeader().hide()
        fonts.fit_rows(self)
        self.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.horizontalHeader().setStretchLastSection(True)
        self.activated.connect(lambda index: self._open(index.row()))
        self.doubleClicked.connect(lambda index: self._open(index.row()))

    def _open(self, row: int) -> None:
        if 0 <= row < len(self.apps):
            self.opened.emit(self.apps[row]["id"])

    def show_apps(self, apps: list[dict[str, Any]]) -> None:
        self.apps = list(apps)
        self.retranslate()

    def retranslate(self) -> None:
        t, lang = self.ui.t, self.ui.lang
        self.setHorizontalHeaderLabels([t(f"ui.review.column.{c}") for c in self.COLUMNS])
        self.setRowCount(len(self.apps))
        for row, app in enumerate(self.apps):
            values = (
                app.get("receipt_no", ""),
                " ".join(
                    x
                    for x in (
                        t(f"claim.{app['claim_type']}") if app.get("claim_type") else "",
                        t(f"event.{app['event']}") if app.get("event") else "",
                    )
                    if x
                ),
                t(f"status.{app.get('status')}"),
                fmt.date(str(app.get("created_at") or ""), lang),
            )
            for col, value in enumerate(values):
                self.setItem(row, col, QTableWidgetItem(str(value)))
        rows = min(max(len(self.apps), 1), 5)
        self.setFixedHeight(
            self.horizontalHeader().height() + rows * self.verticalHeader().defaultSectionSize() + 4
        )


class RecordDetail(QWidget):
    """A person or an application with every field, its history and its actions (edit, her
    applications, a new application). Lives beside the lookup; the review page opens it too."""

    apply_for = Signal(dict)  # a new application for this person
    edited = Signal(str, dict)  # entity, the corrected record

    def __init__(self, ui: UiLanguage, backend: Backend) -> None:
        super().__init__()
        self.ui = ui
        self.backend = backend
        self.region = backend.region or "lianyungang"
        self.kind: str | None = None  # "person" | "application"
        self.record: dict[str, Any] | None = None
        self.history_events: list[dict[str, Any]] = []
        self.applications: list[dict[str, Any]] = []
        self.dialog: EditDialog | None = None
        self.setObjectName("record_detail")
        self.title = QLabel()
        self.title.setObjectName("record_title")
        self.title.setProperty("role", "title")
        self.title.setWordWrap(True)
        self.summary = QLabel()
        self.summary.setObjectName("record_summary")
        self.summary.setWordWrap(True)
        self.summary.setTextFormat(Qt.TextFormat.RichText)
        self.summary.setAlignment(Qt.AlignmentFlag.AlignTop)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.edit_person = QPushButton()
        self.edit_person.setObjectName("edit_person")
        self.edit_enrollment = QPushButton()
        self.edit_enrollment.setObjectName("edit_enrollment")
        self.edit_employer = QPushButton()
        self.edit_employer.setObjectName("edit_employer")
        self.edit_application = QPushButton()
        self.edit_application.setObjectName("edit_application")
        self.new_application = QPushButton()
        self.new_application.setObjectName("new_application_for_person")
        self.show_person_button = QPushButton()
        self.show_person_button.setObjectName("show_person_of_application")
        self.apps_label = QLabel()
        self.apps_label.setProperty("role", "heading")
        self.apps_table = ApplicationsTable(ui)
        self.history_label = QLabel()
        self.history_label.setProperty("role", "heading")
        self.history = HistoryTable(ui)
        self.message = QLabel()
        self.message.setObjectName("record_message")
        self.message.setWordWrap(True)
        self.message.hide()
        buttons = QGridLayout()
        for i, b in enumerate(
            (
                self.edit_person,
                self.edit_enrollment,
                self.edit_employer,
                self.new_application,
                self.edit_application,
                self.show_person_button,
            )
        ):
            buttons.addWidget(b, i // 2, i % 2)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.title)
        layout.addLayout(buttons)
        layout.addWidget(self.message)
        layout.addWidget(self.summary)
        layout.addWidget(self.apps_label)
        layout.addWidget(self.apps_table)
        layout.addWidget(self.history_label)
        layout.addWidget(self.history)
        layout.addStretch(1)
        role = backend.role
        self.may = {
            "person": roles.may(role, "person.update"),
            "enrollment": roles.may(role, "enrollment.update"),
            "employer": roles.may(role, "employer.update"),
            "application": roles.may(role, "application.update"),
            "apply": roles.may(role, "application.create"),
        }
        self.edit_person.clicked.connect(lambda: self.edit("person"))
        self.edit_enrollment.clicked.connect(lambda: self.edit("enrollment"))
        self.edit_employer.clicked.connect(lambda: self.edit("employer"))
        self.edit_application.clicked.connect(lambda: self.edit("application"))
        self.new_application.clicked.connect(
            lambda: self.record and self.kind == "person" and self.apply_for.emit(self.record)
        )
        self.show_person_button.clicked.connect(
            lambda: self.record and self.show_person(str(self.record.get("person_id")))
        )
        self.apps_table.opened.connect(self.show_application)
        ui.changed.connect(lambda _lang: self.retranslate())
        self.retranslate()
        self._update_buttons()

    # --- what is shown -----------------------------------------------------------------------------

    def text(self) -> str:
        """The record as shown (title and fields), as plain-ish text."""
        return f"{self.title.text()}\n{self.summary.text()}"

    def clear(self) -> None:
        self.kind = self.record = None
        self.history_events, self.applications = [], []
        self.retranslate()
        self._update_buttons()

    def show_person(self, person_id: str, *, shown: dict[str, Any] | None = None) -> None:
        """Load a person, her applications and her history (``shown``: her record, shown at once)."""
        if shown is not None:
            self._shown("person", {"record": shown})

        def run() -> dict[str, Any]:
            service = self.backend.service_now()
            person = service.get_person(person_id)
            return {
                "record": person,
                "history": service.history("person", person_id),
                "applications": service.list_applications(person_id=person_id, limit=200),
            }

        self.backend.submit(run, lambda got: self._shown("person", got), self._failed)

    def show_application(self, app_id: str) -> None:
        def run() -> dict[str, Any]:
            service = self.backend.service_now()
            return {
                "record": service.get_application(app_id),
                "history": service.history("application", app_id),
            }

        self.backend.submit(run, lambda got: self._shown("application", got), self._failed)

    def reload(self) -> None:
        if self.record and self.kind == "person":
            self.show_person(self.record["id"])
        elif self.record and self.kind == "application":
            self.show_application(self.record["id"])

    def _shown(self, kind: str, got: dict[str, Any]) -> None:
        if self.record is None or self.record.get("id") != got["record"].get("id"):
            self.say("")  # what was said was about another record
        self.kind, self.record = kind, got["record"]
        self.history_events = got.get("history") or []
        self.applications = got.get("applications") or []
        self.retranslate()
        self._update_buttons()

    def _failed(self, exc: BaseException) -> None:
        log.warning("loading a record failed: %s", exc)
        self.say(record_error_text(exc, self.ui), error=True)

    def say(self, text: str, *, error: bool = False) -> None:
        self.message.setProperty("role", "error" if error else "")
        self.message.style().unpolish(self.message)
        self.message.style().polish(self.message)
        self.message.setText(text)
        self.message.setVisible(bool(text))

    def _update_buttons(self) -> None:
        person = self.kind == "person" and self.record is not None
        app = self.kind == "application" and self.record is not None
        has_enrollment = person and bool((self.record or {}).get("enrollment"))
        has_employer = has_enrollment and bool(
            ((self.record or {}).get("enrollment") or {}).get("employer_id")
        )
        self.edit_person.setVisible(person and self.may["person"])
        self.edit_enrollment.setVisible(has_enrollment and self.may["enrollment"])
        self.edit_employer.setVisible(has_employer and self.may["employer"])
        self.new_application.setVisible(person and self.may["apply"])
        self.edit_application.setVisible(app and self.may["application"])
        self.show_person_button.setVisible(app)
        self.apps_label.setVisible(person)
        self.apps_table.setVisible(person)
        self.history_label.setVisible(self.record is not None)
        self.history.setVisible(self.record is not None)

    def retranslate(self) -> None:
        t = self.ui.t
        self.edit_person.setText(t("ui.detail.edit_person"))
        self.edit_enrollment.setText(t("ui.detail.edit_enrollment"))
        self.edit_employer.setText(t("ui.detail.edit_employer"))
        self.edit_application.setText(t("ui.detail.edit_application"))
        self.new_application.setText(t("ui.persons.apply_for"))
        self.show_person_button.setText(t("ui.detail.show_person"))
        self.apps_label.setText(f"<b>{t('ui.detail.applications', count=len(self.applications))}</b>")
        self.history_label.setText(f"<b>{t('ui.detail.history')}</b>")
        self.apps_table.show_apps(self.applications)
        self.history.show_events(self.history_events)
        record = self.record
        if record is None:
            self.title.setText("")
            self.summary.setText(t("ui.detail.none"))
            return
        if self.kind == "person":
            names = " ".join(n for n in (record.get("name_bo"), record.get("name_zh")) if n)
            self.title.setText(names)
            rows = rows_html(person_rows(record, self.ui, self.region), self._pairs())
            self.summary.setText(f"<table cellspacing=3>{rows}</table>")
        else:
            self.title.setText(t("ui.detail.application_title", receipt_no=record.get("receipt_no", "")))
            body = rows_html(application_rows(record, self.ui, self.region), self._pairs())
            body += decision_html(record, self.ui)
            self.summary.setText(f"<table cellspacing=3>{body}</table>")

    def _pairs(self) -> int:
        """Label/value pairs side by side: one in Tibetan (its labels are long), else two."""
        return 1 if self.ui.lang == "bo" else 2

    # --- corrections -----------------------------------------------------------------------------------

    def edit(self, entity: str) -> EditDialog | None:
        """Open the correction dialog for the shown record (or its enrollment or employer)."""
        record = self.record
        if record is None:
            return None
        if entity == "enrollment":
            target = record.get("enrollment")
        elif entity == "employer":
            employer_id = (record.get("enrollment") or {}).get("employer_id")
            target = {"id": employer_id} if employer_id else None
        else:
            target = record
        if not target:
            return None
        self.dialog = EditDialog(entity, target, self.ui, self.backend, self)
        self.dialog.saved.connect(lambda rec, e=entity: self._after_edit(e, rec))
        self.dialog.open()
        return self.dialog

    def _after_edit(self, entity: str, record: dict[str, Any]) -> None:
        self.say(self.ui.t("ui.detail.corrected"))
        self.edited.emit(entity, record)
        self.reload()


class EditDialog(QDialog):
    """更正: one record's correctable fields in its declared form, filled from the record. Saving sends
    only the changed fields with the version the form was filled from (and the reason, where one is
    typed); a stale version reloads the form with the current record and says who changed it."""

    saved = Signal(dict)

    def __init__(
        self,
        entity: str,
        record: dict[str, Any],
        ui: UiLanguage,
        backend: Backend,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.entity = entity
        self.ui = ui
        self.backend = backend
        self.record_id = str(record["id"])
        self.base_version = int(record.get("version") or 1)
        self.initial: dict[str, Any] = {}
        form_name, groups, self.method, self.what = EDITS[entity]
        self.setObjectName(f"edit_{entity}_dialog")
        self.setModal(True)
        self.form = DeclaredForm(form_name, backend.region or "lianyungang", ui, groups=groups)
        correctable = CORRECTIONS[entity].fields
        read_only = _SHOWN_READ_ONLY.get(entity, set())
        self.editable = [n for n in self.form.editors if n in correctable or n in _INPUT_HELPERS]
        shown = set(self.editable) | read_only
        for name, ed in self.form.editors.items():
            if name in read_only:
                ed.widget.setEnabled(False)
            elif name not in shown:
                for w in (ed.label, ed.widget, ed.hint, ed.issue):
                    w.setVisible(False)
        for group, box in self.form.group_boxes.items():
            box.setVisible(any(ed.decl.group == group and n in shown for n, ed in self.form.editors.items()))
        self.shown = shown
        self.form.changed.connect(lambda _r: self._keep_hidden())
        self.reason_label = QLabel()
        self.reason = QLineEdit()
        self.reason.setObjectName("edit_reason")
        self.message = ReservedLine()  # its error line never moves the reason box or the buttons
        self.message.setObjectName("edit_message")
        self.message.hide()
        self.save_button = QPushButton()
        self.save_button.setObjectName("edit_save")
        self.save_button.setDefault(True)
        self.cancel_button = QPushButton()
        self.cancel_button.setObjectName("edit_cancel")
        reason_row = QHBoxLayout()
        reason_row.addWidget(self.reason_label)
        reason_row.addWidget(self.reason, 1)
        bar = QHBoxLayout()
        bar.addWidget(self.save_button)
        bar.addWidget(self.cancel_button)
        bar.addStretch(1)
        layout = QVBoxLayout(self)
        area = scroll(self.form)
        area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        layout.addWidget(area, 1)
        layout.addLayout(reason_row)
        layout.addWidget(self.message)
        layout.addLayout(bar)
        self.save_button.clicked.connect(self.save)
        self.cancel_button.clicked.connect(self.reject)
        ui.changed.connect(lambda _l: self.retranslate())
        self.retranslate()
        self.resize(820, 700)  # within a 1366×768 screen
        if entity == "employer" and "uscc" not in record:
            self._reload(say=None)  # only the employer's id is known: its record comes from the store
        else:
            self.fill(record)

    def _keep_hidden(self) -> None:
        """What the form shows by itself (a date's hint, an issue) stays hidden on fields not offered."""
        for name, ed in self.form.editors.items():
            if name not in self.shown:
                ed.hint.hide()
                ed.issue.hide()

    def retranslate(self) -> None:
        t = self.ui.t
        self.setWindowTitle(t(f"ui.edit.title.{self.entity}"))
        self.reason_label.setText(t("ui.edit.reason"))
        self.reason.setPlaceholderText(t("ui.edit.reason_hint"))
        self.save_button.setText(t("ui.action.save"))
        self.cancel_button.setText(t("ui.edit.cancel"))

    # --- the record in the form ----------------------------------------------------------------------

    def _values(self, record: dict[str, Any]) -> dict[str, Any]:
        if self.entity == "application":
            form = record.get("form") or {}
            return {
                **form,
                **{k: record.get(k) for k in ("claim_type", "event", "event_date") if record.get(k)},
            }
        values = dict(record)
        if self.entity == "person" and record.get("name_bo"):
            from i18n.tibetan import unicode_to_wylie

            values["name_bo_wylie"] = unicode_to_wylie(record["name_bo"]).strip()
        return values

    def fill(self, record: dict[str, Any]) -> None:
        """The form holds ``record`` (and its version is the base of the next save)."""
        self.record = record
        self.base_version = int(record.get("version") or 1)
        self.form.clear()
        values = self._values(record)
        for name, ed in self.form.editors.items():
            if name in values and name in self.shown:
                # the Tibetan name follows the Wylie typed over it (as at registration)
                ed.set_raw(values[name], auto=name == "name_bo")
        self._show_what_applies(record)
        self.form.revalidate()
        self.initial = {name: ed.raw() for name, ed in self.form.editors.items()}

    def _show_what_applies(self, record: dict[str, Any]) -> None:
        """An application offers only the fields its claim and event have, as the intake form does:
        no medical-cost fields on an allowance claim, no operation unless the event is one."""
        if self.entity != "application":
            return
        from desktop.pages.applications import MEDICAL_ONLY, OPERATION_ONLY

        medical = record.get("claim_type") == "medical"
        operation = record.get("event") == "family_planning_surgery"
        for names, applies in ((MEDICAL_ONLY, medical), (OPERATION_ONLY, operation)):
            for name in names:
                if name in self.form.editors and name in self.shown:
                    self.form.set_shown(name, applies)

    def changes(self) -> dict[str, Any]:
        """The fields the clerk changed (only those that may be corrected)."""
        out = {}
        for name in self.editable:
            if name in _INPUT_HELPERS:
                continue
            raw = self.form.editors[name].raw()
            if raw != self.initial.get(name):
                out[name] = raw if raw != "" else None
        return out

    # --- saving ------------------------------------------------------------------------------------

    def say(self, text: str, *, error: bool = False) -> None:
        self.message.setProperty("role", "error" if error else "")
        self.message.style().unpolish(self.message)
        self.message.style().polish(self.message)
        self.message.setText(text)
        self.message.setVisible(bool(text))

    def save(self) -> None:
        changes = self.changes()
        if not changes:
            self.say(self.ui.t("ui.edit.nothing_changed"), error=True)
            return
        reason = self.reason.text().strip()
        if reason:
            changes["reason"] = reason
        self.save_button.setEnabled(False)

        def ok(record: dict[str, Any]) -> None:
            self.save_button.setEnabled(True)
            self.saved.emit(record)
            self.accept()

        def failed(exc: BaseException) -> None:
            self.save_button.setEnabled(True)
            text = record_error_text(exc, self.ui)
            if getattr(exc, "code", "") == "record.stale":
                self._reload(say=self.ui.t("ui.edit.reloaded", problem=text))
                return
            issues = list(getattr(exc, "issues", []) or [])
            for name in self.shown:
                ed = self.form.editors[name]
                ed.show_issues([i for i in issues if i.field == name])
            bad = next((i.field for i in issues if i.field in self.shown), None)
            if bad:
                self.form.focus_field(bad)
            self.say(text, error=True)
            if any(i.field == "reason" for i in getattr(exc, "issues", []) or []):
                self.reason.setFocus()

        self.backend.call(
            self.method,
            self.record_id,
            self.base_version,
            changes,
            on_ok=ok,
            on_err=failed,
            changes=self.what,
        )

    def _reload(self, *, say: str | None) -> None:
        """The current record from the store into the form."""
        entity, record_id = self.entity, self.record_id
        person_id = (getattr(self, "record", None) or {}).get("person_id")

        def run() -> dict[str, Any]:
            service = self.backend.service_now()
            if entity == "person":
                return dict(service.get_person(record_id))
            if entity == "employer":
                return dict(service.get_employer(record_id))
            if entity == "application":
                return dict(service.get_application(record_id))
            return dict(service.get_person(person_id)["enrollment"])

        def ok(record: dict[str, Any]) -> None:
            self.fill(record)
            if say:
                self.say(say, error=True)

        self.backend.submit(run, ok, lambda exc: self.say(record_error_text(exc, self.ui), error=True))

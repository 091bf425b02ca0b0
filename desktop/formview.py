"""A form rendered from its declaration in ``forms/data/forms.toml`` — never laid out by hand.

Each :class:`forms.declarations.FieldDecl` becomes an editor chosen by its type, inside a group box
per declared group, in the declared order (which is also the tab order). As the clerk types, the
whole form is validated with ``forms.declarations.validate`` and the issues of the fields already
touched are shown under them in the UI language. Enter moves to the next field. Typing a valid ID
number fills the birth date and sex (fields declared ``derived_from`` it), and the Wylie field shows
the Tibetan script live and fills the Tibetan name.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterable
from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QGridLayout,
    QGroupBox,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from desktop import fmt
from desktop.lang import UiLanguage
from forms.declarations import FieldDecl, FormResult, get_form, validate
from forms.errors import Issue
from forms.policy import load_pack

LINE_TYPES = {
    "text",
    "name_zh",
    "name_bo",
    "mobile",
    "money",
    "int",
    "gestation",
    "id_number",
    "uscc",
    "date",
}


class _EnterMovesOn(QObject):
    """Return/Enter in an editor moves focus to the next field, as Tab does."""

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.KeyPress and isinstance(event, QKeyEvent):
            if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and not event.modifiers():
                if isinstance(obj, QComboBox) and obj.view().isVisible():
                    return False
                if isinstance(obj, QWidget):
                    obj.focusNextChild()
                    return True
        return False


class FieldEditor(QObject):
    """One declared field: its label, editor, hint and inline issue label."""

    edited = Signal(str)

    def __init__(self, decl: FieldDecl, form: DeclaredForm) -> None:
        super().__init__(form)
        self.decl = decl
        self.form = form
        self.ui = form.ui
        self.label = QLabel()
        self.label.setObjectName(f"label_{decl.name}")
        self.label.setWordWrap(False)
        self.hint = QLabel()
        self.hint.setProperty("role", "hint")
        self.hint.hide()
        self.issue = QLabel()
        self.issue.setProperty("role", "error")
        self.issue.setObjectName(f"issue_{decl.name}")
        self.issue.setWordWrap(True)
        self.issue.hide()
        self.auto_filled = False
        self.widget = self._make_editor()
        self.widget.setObjectName(f"field_{decl.name}")

    # --- editors by type -------------------------------------------------------------------------

    def _make_editor(self) -> QWidget:
        t = self.decl.type
        if t in LINE_TYPES or t == "wylie":
            edit = QLineEdit()
            if self.decl.max_length:
                edit.setMaxLength(self.decl.max_length)
            if t == "id_number":
                edit.setMaxLength(20)
            edit.textEdited.connect(lambda _text: self._on_edit())
            return edit
        if t in ("choice", "county"):
            combo = QComboBox()
            combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
            combo.activated.connect(lambda _i: self._on_edit())
            return combo
        if t == "bool":
            box = QCheckBox()
            box.toggled.connect(lambda _b: self._on_edit())
            return box
        if t == "documents":
            docs = QListWidget()
            docs.itemChanged.connect(lambda _item: self._on_edit())
            return docs
        raise ValueError(f"no editor for field type {t!r}")

    def _on_edit(self) -> None:
        self.auto_filled = False
        self.edited.emit(self.decl.name)

    def fill_choices(self) -> None:
        """(Re)fill combo boxes and lists in the UI language, keeping the selection."""
        w = self.widget
        if isinstance(w, QComboBox):
            current = w.currentData()
            w.blockSignals(True)
            w.clear()
            w.addItem(self.ui.t("ui.choose"), "")
            for value, text in self._choices():
                w.addItem(text, value)
            index = w.findData(current if current is not None else "")
            w.setCurrentIndex(max(index, 0))
            w.blockSignals(False)
        elif isinstance(w, QListWidget):
            checked = set(self.raw() or [])
            w.blockSignals(True)
            w.clear()
            for value, text in self._choices():
                item = QListWidgetItem(text)
                item.setData(Qt.ItemDataRole.UserRole, value)
                item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
                item.setCheckState(Qt.CheckState.Checked if value in checked else Qt.CheckState.Unchecked)
                w.addItem(item)
            w.setFixedHeight(w.sizeHintForRow(0) * w.count() + 2 * w.frameWidth() + 4 if w.count() else 40)
            w.blockSignals(False)

    def _choices(self) -> list[tuple[str, str]]:
        d, lang = self.decl, self.ui.lang
        if d.type == "county":
            from forms.divisions import region_counties

            counties = region_counties(self.form.region)
            return [
                (c.code, f"{c.name_bo or c.name_zh} {c.code}" if lang == "bo" else f"{c.name_zh} {c.code}")
                for c in counties
            ]
        if d.type == "documents":
            pack = load_pack(self.form.region)
            docs = dict.fromkeys(doc for docs in pack.checklists.values() for doc in docs)
            return [(doc, self.ui.t(f"doc.{doc}")) for doc in docs]
        values = d.choice_values(load_pack(self.form.region), self.form.today)
        return [(v, d.choice_label(v, lang)) for v in values]

    # --- value in and out ------------------------------------------------------------------------

    def raw(self) -> Any:
        w = self.widget
        if isinstance(w, QLineEdit):
            return w.text()
        if isinstance(w, QComboBox):
            return w.currentData() or ""
        if isinstance(w, QCheckBox):
            return w.isChecked()
        if isinstance(w, QListWidget):
            return [
                w.item(i).data(Qt.ItemDataRole.UserRole)
                for i in range(w.count())
                if w.item(i).checkState() == Qt.CheckState.Checked
            ]
        return None

    def set_raw(self, value: Any, *, auto: bool = False) -> None:
        w = self.widget
        w.blockSignals(True)
        if isinstance(w, QLineEdit):
            w.setText("" if value is None else str(value))
        elif isinstance(w, QComboBox):
            w.setCurrentIndex(max(w.findData("" if value is None else str(value)), 0))
        elif isinstance(w, QCheckBox):
            w.setChecked(bool(value))
        elif isinstance(w, QListWidget):
            wanted = set(value or [])
            for i in range(w.count()):
                item = w.item(i)
                on = item.data(Qt.ItemDataRole.UserRole) in wanted
                item.setCheckState(Qt.CheckState.Checked if on else Qt.CheckState.Unchecked)
        w.blockSignals(False)
        self.auto_filled = auto

    def is_blank(self) -> bool:
        raw = self.raw()
        return raw in ("", None, []) or raw is False

    # --- texts -----------------------------------------------------------------------------------

    def retranslate(self) -> None:
        d = self.decl
        required = d.required and not d.derived_from
        text = self.ui.label(d.label)
        self.label.setText(f"{text} *" if required else text)
        self.label.setToolTip(d.help_text(self.ui.lang) or "")
        self.widget.setToolTip(d.help_text(self.ui.lang) or "")
        if isinstance(self.widget, QLineEdit):
            placeholder = {
                "date": "YYYY-MM-DD",
                "money": "0.00",
                "wylie": "bkra shis",
            }.get(d.type, "")
            self.widget.setPlaceholderText(placeholder)
        if d.derived_from:
            self.widget.setToolTip(self.ui.t("ui.form.derived_from_id"))
        self.fill_choices()

    def show_issues(self, issues: list[Issue]) -> None:
        if issues:
            self.issue.setText("\n".join(i.message(self.ui.lang) for i in issues))
            self.issue.show()
        else:
            self.issue.clear()
            self.issue.hide()

    def show_hint(self, text: str) -> None:
        self.hint.setText(text)
        self.hint.setVisible(bool(text))


class DeclaredForm(QWidget):
    """A form built from its declaration; ``changed`` fires after every edit with the fresh result."""

    changed = Signal(object)  # FormResult

    def __init__(
        self,
        form_name: str,
        region: str,
        ui: UiLanguage,
        *,
        groups: Iterable[str] | None = None,
        today: dt.date | None = None,
        columns: int = 1,
    ) -> None:
        super().__init__()
        self.decl = get_form(form_name)
        self.form_name = form_name
        self.region = region
        self.ui = ui
        self.today = today or dt.date.today()
        self.groups = tuple(groups) if groups is not None else self.decl.groups
        self.touched: set[str] = set()
        self.show_all = False
        self.result: FormResult | None = None
        self.editors: dict[str, FieldEditor] = {}
        self.group_boxes: dict[str, QGroupBox] = {}
        self._enter = _EnterMovesOn(self)
        self.form_issue = QLabel()
        self.form_issue.setProperty("role", "error")
        self.form_issue.setWordWrap(True)
        self.form_issue.hide()
        self.setObjectName(f"form_{form_name}")

        outer = QVBoxLayout(self)
        outer.addWidget(self.form_issue)
        grid_host = QGridLayout()
        outer.addLayout(grid_host)
        outer.addStretch(1)
        fields = self.decl.fields_for(region, self.groups)
        order: list[QWidget] = []
        for index, group in enumerate(g for g in self.decl.groups if g in self.groups):
            members = [f for f in fields if f.group == group]
            if not members:
                continue
            box = QGroupBox()
            box.setObjectName(f"group_{group}")
            self.group_boxes[group] = box
            grid = QGridLayout(box)
            grid.setColumnStretch(1, 1)
            grid.setVerticalSpacing(2)
            row = 0
            for f in members:
                ed = FieldEditor(f, self)
                self.editors[f.name] = ed
                ed.edited.connect(self._on_edited)
                ed.widget.installEventFilter(self._enter)
                grid.addWidget(ed.label, row, 0, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                grid.addWidget(ed.widget, row, 1)
                grid.addWidget(ed.hint, row + 1, 1)
                grid.addWidget(ed.issue, row + 2, 1)
                row += 3
                order.append(ed.widget)
            grid_host.addWidget(box, index // columns, index % columns)
        for first, second in itertools.pairwise(order):
            QWidget.setTabOrder(first, second)
        if "name_bo_wylie" in self.editors:
            self.editors["name_bo_wylie"].hint.setProperty("role", "tibetan-preview")
        self.retranslate()
        ui.changed.connect(self.retranslate)
        for ed in self.editors.values():
            if ed.decl.default not in (None, False):
                ed.set_raw(ed.decl.default)

    # --- behaviour -------------------------------------------------------------------------------

    def retranslate(self, *_args: object) -> None:
        for group, box in self.group_boxes.items():
            box.setTitle(self.ui.label(f"group.{group}", sep=" · "))
        for ed in self.editors.values():
            ed.retranslate()
        self._refresh_hints()
        if self.result is not None:
            self._show(self.result)

    def _on_edited(self, name: str) -> None:
        self.touched.add(name)
        if name == "id_number":
            self._fill_from_id()
        if name == "name_bo_wylie":
            self._fill_from_wylie()
        self.revalidate()

    def _fill_from_id(self) -> None:
        from forms.ric import check_resident_id

        parsed, _issues = check_resident_id(self.editors["id_number"].raw(), today=self.today)
        for ed in self.editors.values():
            if ed.decl.derived_from != "id_number" or not (ed.is_blank() or ed.auto_filled):
                continue
            if parsed is None:
                ed.set_raw("", auto=True)
            elif ed.decl.name == "birth_date":
                ed.set_raw(parsed.birth_date.isoformat(), auto=True)
            elif ed.decl.name == "sex":
                ed.set_raw(parsed.sex, auto=True)

    def _fill_from_wylie(self) -> None:
        from i18n.tibetan import WylieError, wylie_to_unicode

        wylie = self.editors["name_bo_wylie"]
        target = self.editors.get("name_bo")
        text = wylie.raw().strip()
        try:
            tibetan = wylie_to_unicode(text) if text else ""
        except WylieError:
            return
        if target is not None and (target.is_blank() or target.auto_filled):
            target.set_raw(tibetan, auto=True)

    def _refresh_hints(self) -> None:
        for ed in self.editors.values():
            if ed.decl.type == "date":
                raw = ed.raw()
                try:
                    ed.show_hint(fmt.date(dt.date.fromisoformat(raw), self.ui.lang) if raw else "")
                except ValueError:
                    ed.show_hint("")
            elif ed.decl.type == "wylie":
                from i18n.tibetan import WylieError, wylie_to_unicode

                try:
                    ed.show_hint(wylie_to_unicode(ed.raw()) if ed.raw().strip() else "")
                except WylieError:
                    pass

    def raw_data(self) -> dict[str, Any]:
        data: dict[str, Any] = {}
        for name, ed in self.editors.items():
            raw = ed.raw()
            if ed.decl.type == "bool":
                data[name] = bool(raw)
            elif raw not in ("", None):
                data[name] = raw
        return data

    def revalidate(self) -> FormResult:
        self._refresh_hints()
        result = validate(self.form_name, self.raw_data(), self.region, today=self.today, groups=self.groups)
        self.result = result
        self._show(result)
        self.changed.emit(result)
        return result

    def _show(self, result: FormResult) -> None:
        by_field: dict[str, list[Issue]] = {}
        other: list[Issue] = []
        for issue in result.issues:
            if issue.field in self.editors:
                by_field.setdefault(issue.field, []).append(issue)
            else:
                other.append(issue)
        for name, ed in self.editors.items():
            visible = self.show_all or name in self.touched
            ed.show_issues(by_field.get(name, []) if visible else [])
        self.set_form_issues(other if self.show_all else [])

    def set_form_issues(self, issues: list[Issue]) -> None:
        self.form_issue.setText("\n".join(i.message(self.ui.lang) for i in issues))
        self.form_issue.setVisible(bool(issues))

    def check_all(self) -> FormResult:
        """Validate and show every issue (on save)."""
        self.show_all = True
        return self.revalidate()

    def show_service_issues(self, issues: Iterable[Issue]) -> None:
        """Show issues the store found (e.g. a duplicate) beside the fields."""
        self.show_all = True
        issues = list(issues)
        extra = self.result.issues if self.result else []
        self._show(FormResult({}, [*extra, *issues]))
        for issue in issues:
            if issue.field in self.editors:
                self.focus_field(issue.field)
                break

    def clear(self) -> None:
        for ed in self.editors.values():
            ed.set_raw(ed.decl.default)
        self.touched.clear()
        self.show_all = False
        self.result = None
        for ed in self.editors.values():
            ed.show_issues([])
            ed.show_hint("")
        self.set_form_issues([])

    def set_values(self, values: dict[str, Any]) -> None:
        for name, value in values.items():
            if name in self.editors:
                self.editors[name].set_raw(value)
        self.revalidate()

    def focus_first(self) -> None:
        first = next(iter(self.editors.values()), None)
        if first is not None:
            first.widget.setFocus()

    def focus_field(self, name: str) -> None:
        """Put the cursor in a field and scroll it into view (the first one with a problem)."""
        widget = self.editors[name].widget
        widget.setFocus()
        parent = self.parentWidget()
        while parent is not None and not isinstance(parent, QScrollArea):
            parent = parent.parentWidget()
        if isinstance(parent, QScrollArea):
            parent.ensureWidgetVisible(widget, 50, 80)

    def editor(self, name: str) -> QWidget:
        return self.editors[name].widget

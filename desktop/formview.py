"""A form rendered from its declaration in ``forms/data/forms.toml`` — never laid out by hand.

Each :class:`forms.declarations.FieldDecl` becomes an editor chosen by its type, inside a group box
per declared group, in the declared order (which is also the tab order). As the clerk types, the
whole form is validated with ``forms.declarations.validate`` and the issues of the fields already
touched are shown under them in the UI language. Enter moves to the next field. Typing a valid ID
number fills the birth date and sex (fields declared ``derived_from`` it), and the Wylie field shows
the Tibetan script live and fills the Tibetan name.

The form stays still as it is filled in (issue 13): each field's issue line has its height reserved
(one line per form language), so an error appearing never pushes the fields below; the mouse wheel
over a combo box that does not have the focus scrolls the page instead of changing the choice; on a
wide screen the groups flow into two columns. In a bilingual region (Lhasa) the choices and the issue
lines are bilingual like the labels. What was typed can be kept as a draft (``draft_values`` /
``restore_draft``): the main window keeps it in the store while the form is ``dirty``.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable, Iterable
from typing import Any

from PySide6.QtCore import QEvent, QObject, QSize, Qt, Signal
from PySide6.QtGui import QKeyEvent, QPainter, QPaintEvent
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QApplication,
    QCheckBox,
    QComboBox,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from desktop import fmt
from desktop.fit import ReservedLine
from desktop.lang import UiLanguage
from forms.clock import business_today
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
                # a picker may keep Enter to open its list of hits (several to choose from)
                holds = getattr(obj.parent(), "holds_enter", None)
                if callable(holds) and holds():
                    return True
                if isinstance(obj, QWidget):
                    obj.focusNextChild()
                    return True
        return False


class WheelGuard(QObject):
    """The mouse wheel over a combo box or spin box without the focus scrolls the page it is on
    (the enclosing scroll area) instead of changing the value under the pointer."""

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        if event.type() != QEvent.Type.Wheel or not isinstance(obj, QComboBox | QAbstractSpinBox):
            return False
        if obj.hasFocus():
            return False
        parent = obj.parentWidget()
        while parent is not None and not isinstance(parent, QScrollArea):
            parent = parent.parentWidget()
        if isinstance(parent, QScrollArea):
            QApplication.sendEvent(parent.verticalScrollBar(), event)
        return True  # never to the unfocused box


def guard_wheel(widget: QWidget, guard: WheelGuard) -> None:
    """``widget`` takes the focus by click or Tab, never by the wheel, and ignores a wheel without it."""
    widget.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
    widget.installEventFilter(guard)


class IssueLine(QLabel):
    """A field's issue (or hint) on a line of fixed height: text that does not fit is elided (the
    whole of it in the tooltip), so neither a long message nor a new one moves anything around."""

    def __init__(self, lines: int = 1) -> None:
        super().__init__()
        self.lines = lines
        self.setWordWrap(False)
        self._fix_height()

    def set_lines(self, lines: int) -> None:
        self.lines = max(lines, 1)
        self._fix_height()

    def _fix_height(self) -> None:
        self.setFixedHeight(self.fontMetrics().lineSpacing() * self.lines + 2)
        slot = self.parentWidget()
        if slot is not None and slot.objectName().startswith("issue_slot_"):
            slot.setFixedHeight(self.height())

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.FontChange:
            self._fix_height()

    def setText(self, text: str) -> None:
        super().setText(text)
        self.setToolTip(text)

    def sizeHint(self) -> QSize:
        return QSize(40, self.height())

    def minimumSizeHint(self) -> QSize:
        return QSize(10, self.height())

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setPen(self.palette().color(self.foregroundRole()))
        metrics = self.fontMetrics()
        y = 1 + metrics.ascent()
        for line in self.text().split("\n")[: self.lines]:
            painter.drawText(1, y, metrics.elidedText(line, Qt.TextElideMode.ElideRight, self.width() - 2))
            y += metrics.lineSpacing()
        painter.end()


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
        policy = self.hint.sizePolicy()
        policy.setRetainSizeWhenHidden(True)  # a hint appearing moves nothing
        self.hint.setSizePolicy(policy)
        self.hint.hide()
        # the issue line keeps its height whether or not it shows (the slot is always there)
        self.issue_slot = QWidget()
        self.issue_slot.setObjectName(f"issue_slot_{decl.name}")
        self.issue = IssueLine(1)
        self.issue.setProperty("role", "error")
        self.issue.setObjectName(f"issue_{decl.name}")
        slot_layout = QVBoxLayout(self.issue_slot)
        slot_layout.setContentsMargins(0, 0, 0, 0)
        slot_layout.addWidget(self.issue)
        self.issue.set_lines(self.issue.lines)
        self.issue.hide()
        self.shown = True
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
            # as wide as the column gives, not as its longest (bilingual) choice: the popup shows it
            combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            combo.setMinimumContentsLength(8)
            combo.activated.connect(lambda _i: self._on_edit())
            return combo
        if t == "bool":
            box = QCheckBox()
            box.toggled.connect(lambda _b: self._on_edit())
            return box
        if t == "documents":
            docs = QListWidget()
            # a long bilingual document name wraps (Qt breaks Tibetan after a tsheg) instead of
            # making the list scroll sideways
            docs.setWordWrap(True)
            docs.setResizeMode(QListWidget.ResizeMode.Adjust)
            docs.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
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
            w.addItem(self.ui.label("ui.choose", sep=" / "), "")
            for value, text in self._choices():
                w.addItem(text, value)
            index = w.findData(current if current is not None else "")
            w.setCurrentIndex(max(index, 0))
            w.view().setMinimumWidth(w.view().sizeHintForColumn(0) + 24)  # every choice in full
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
            both = "bo" in self.ui.form_languages() and "zh" in self.ui.form_languages()
            return [
                (
                    c.code,
                    f"{c.name_bo} / {c.name_zh} {c.code}"
                    if both and c.name_bo
                    else f"{c.name_bo or c.name_zh} {c.code}"
                    if lang == "bo"
                    else f"{c.name_zh} {c.code}",
                )
                for c in counties
            ]
        if d.type == "documents":
            pack = load_pack(self.form.region)
            docs = dict.fromkeys(doc for docs in pack.checklists.values() for doc in docs)
            return [(doc, self.ui.label(f"doc.{doc}", sep=" / ")) for doc in docs]
        values = d.choice_values(load_pack(self.form.region), self.form.today)
        langs = self.ui.form_languages()
        return [(v, " / ".join(dict.fromkeys(d.choice_label(v, la) for la in langs))) for v in values]

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
            # a new set of documents starts at the first one: Down and Space never act on the row
            # the previous application left current
            w.setCurrentRow(0 if w.count() else -1)
            w.clearSelection()
            w.scrollToTop()
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
        """The issues on one line in the form's languages (Lhasa: both, the UI's first, "བོད་ཡིག /
        中文"); what does not fit is elided, the whole in the tooltip (one line per language)."""
        langs = sorted(self.ui.form_languages(), key=lambda lang: lang != self.ui.lang)
        if issues:
            texts = list(
                dict.fromkeys(" · ".join(dict.fromkeys(i.message(la) for i in issues)) for la in langs)
            )
            self.issue.setText(" / ".join(texts))
            self.issue.setToolTip("\n".join(texts))
            self.issue.show()
        else:
            self.issue.clear()
            self.issue.hide()

    def show_hint(self, text: str) -> None:
        self.hint.setText(text)
        self.hint.setVisible(bool(text))


#: a form this wide or wider lays its groups out in two columns (1366 screen minus the navigation)
TWO_COLUMNS_MIN_WIDTH = 980
#: the key of a draft's list of the fields the clerk touched (beside the fields' raw values)
TOUCHED_KEY = "_touched"


class DeclaredForm(QWidget):
    """A form built from its declaration; ``changed`` fires after every edit with the fresh result.

    ``columns=2`` flows the groups into two columns when the form is at least
    ``TWO_COLUMNS_MIN_WIDTH`` wide (one column when narrower). ``extra_rows`` puts widgets the
    declaration does not know (e.g. an employer picker) as rows before a declared field, in the tab
    order. ``edited_by_hand`` fires on an edit by the user (not on a fill), ``cleared`` after
    :meth:`clear`, ``restored`` after :meth:`restore_draft`."""

    changed = Signal(object)  # FormResult
    edited_by_hand = Signal(str)
    cleared = Signal()
    restored = Signal()

    def __init__(
        self,
        form_name: str,
        region: str,
        ui: UiLanguage,
        *,
        groups: Iterable[str] | None = None,
        today: dt.date | None = None,
        columns: int = 1,
        extra_rows: dict[str, tuple[str, QWidget]] | None = None,
    ) -> None:
        super().__init__()
        self.decl = get_form(form_name)
        self.form_name = form_name
        self.region = region
        self.ui = ui
        self._today = today
        self.groups = tuple(groups) if groups is not None else self.decl.groups
        self.touched: set[str] = set()
        self.show_all = False
        self.result: FormResult | None = None
        self.editors: dict[str, FieldEditor] = {}
        self.group_boxes: dict[str, QGroupBox] = {}
        self.extra_labels: dict[str, tuple[QLabel, str]] = {}
        self.dynamic_defaults: dict[str, Callable[[], Any]] = {}
        self.draft_extras: dict[str, tuple[Callable[[], Any], Callable[[Any], None]]] = {}
        self.max_columns = max(columns, 1)
        self._columns = 0
        self._watching_viewport = False
        self._enter = _EnterMovesOn(self)
        self._wheel = WheelGuard(self)
        self.draft_notice = ReservedLine()  # "restored" never pushes the form down under the hand
        self.draft_notice.setObjectName(f"draft_notice_{form_name}")
        self.draft_notice.setProperty("role", "hint")
        self.draft_notice.hide()
        self.form_issue = QLabel()
        self.form_issue.setProperty("role", "error")
        self.form_issue.setWordWrap(True)
        self.form_issue.hide()
        self.setObjectName(f"form_{form_name}")

        outer = QVBoxLayout(self)
        outer.addWidget(self.draft_notice)
        outer.addWidget(self.form_issue)
        columns_row = QHBoxLayout()
        outer.addLayout(columns_row)
        outer.addStretch(1)
        self._column_layouts = [QVBoxLayout() for _ in range(self.max_columns)]
        for col in self._column_layouts:
            col.setContentsMargins(0, 0, 0, 0)
            columns_row.addLayout(col, 1)
        extras = dict(extra_rows or {})
        fields = self.decl.fields_for(region, self.groups)
        order: list[QWidget] = []
        for group in (g for g in self.decl.groups if g in self.groups):
            members = [f for f in fields if f.group == group]
            if not members:
                continue
            box = QGroupBox()
            box.setObjectName(f"group_{group}")
            box.setProperty("field_count", len(members))
            self.group_boxes[group] = box
            grid = QGridLayout(box)
            grid.setColumnStretch(1, 1)
            grid.setVerticalSpacing(0)
            row = 0
            for f in members:
                if f.name in extras:
                    msgid, widget = extras.pop(f.name)
                    label = QLabel()
                    self.extra_labels[msgid] = (label, msgid)
                    grid.addWidget(label, row, 0, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                    grid.addWidget(widget, row, 1)
                    row += 2  # and an empty line under it, as under every field
                    order.append(widget)
                    # Enter moves on from it as from every field (the key goes to its focus proxy)
                    (widget.focusProxy() or widget).installEventFilter(self._enter)
                ed = FieldEditor(f, self)
                self.editors[f.name] = ed
                ed.edited.connect(self._on_edited)
                ed.widget.installEventFilter(self._enter)
                if isinstance(ed.widget, QComboBox):
                    guard_wheel(ed.widget, self._wheel)
                # the label spans the field and the lines under it: a two-line (bilingual) label
                # leaves room for the issue line beside its second line
                under = 2 if f.type in ("date", "wylie") else 1
                grid.addWidget(
                    ed.label, row, 0, 1 + under, 1, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop
                )
                grid.addWidget(ed.widget, row, 1)
                if under == 2:
                    grid.addWidget(ed.hint, row + 1, 1)
                grid.addWidget(ed.issue_slot, row + under, 1)
                row += 1 + under
                order.append(ed.widget)
        self._place(1)  # the groups into the form first: the tab order is within one window
        for first, second in itertools.pairwise(order):
            QWidget.setTabOrder(first, second)
        if "name_bo_wylie" in self.editors:
            self.editors["name_bo_wylie"].hint.setProperty("role", "tibetan-preview")
        self.retranslate()
        ui.changed.connect(self.retranslate)
        for ed in self.editors.values():
            if ed.decl.default not in (None, False):
                ed.set_raw(ed.decl.default)

    @property
    def today(self) -> dt.date:
        """The business date (China's), unless the form was made for a fixed one."""
        return self._today or business_today()

    @today.setter
    def today(self, value: dt.date | None) -> None:
        self._today = value

    # --- layout ----------------------------------------------------------------------------------

    def _place(self, columns: int) -> None:
        """The groups in ``columns`` columns, in declared order, each column about as long."""
        columns = max(1, min(columns, self.max_columns))
        if columns == self._columns:
            return
        self._columns = columns
        boxes = list(self.group_boxes.values())
        for col in self._column_layouts:
            while col.count():
                col.takeAt(0)
        total = sum(int(b.property("field_count") or 1) for b in boxes)
        col, filled = 0, 0
        for box in boxes:
            size = int(box.property("field_count") or 1)
            if col < columns - 1 and filled and filled + size / 2 > total / columns:
                col, filled = col + 1, 0
            self._column_layouts[col].addWidget(box)
            box.show()
            filled += size
        for c in self._column_layouts:
            c.addStretch(1)

    @property
    def columns(self) -> int:
        return self._columns

    def two_columns_fit(self, width: int) -> bool:
        """Both columns at their minimum width fit ``width`` (labels beside the fields)."""
        boxes = list(self.group_boxes.values())
        if len(boxes) < 2:
            return False
        widest = max(b.minimumSizeHint().width() for b in boxes)
        margins = self.layout().contentsMargins()
        return width >= max(TWO_COLUMNS_MIN_WIDTH, 2 * widest + 24 + margins.left() + margins.right())

    def _room(self) -> int:
        """The width the form may take: its scroll area's viewport (a form in two columns is at
        least as wide as both, so its own width would keep it in two)."""
        area = self.scroll_area()
        return area.viewport().width() if area is not None else self.width()

    def _reflow(self) -> None:
        if self.max_columns > 1:
            self._place(self.max_columns if self.two_columns_fit(self._room()) else 1)

    def resizeEvent(self, event: Any) -> None:
        super().resizeEvent(event)
        self._reflow()

    def showEvent(self, event: Any) -> None:
        super().showEvent(event)
        area = self.scroll_area()
        if self.max_columns > 1 and area is not None and not self._watching_viewport:
            self._watching_viewport = True
            area.viewport().installEventFilter(self)
        self._reflow()

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Resize:
            self._reflow()
        return False

    def set_shown(self, name: str, shown: bool) -> None:
        """Show or hide a field (hidden ones are left out of the data and of the tab walk)."""
        ed = self.editors[name]
        if ed.shown == shown:
            return
        ed.shown = shown
        for w in (ed.label, ed.widget, ed.issue_slot):
            w.setVisible(shown)
        if ed.decl.type in ("date", "wylie"):
            ed.hint.setVisible(shown and bool(ed.hint.text()))

    # --- behaviour -------------------------------------------------------------------------------

    def retranslate(self, *_args: object) -> None:
        for group, box in self.group_boxes.items():
            box.setTitle(self.ui.label(f"group.{group}", sep=" · "))
        for label, msgid in self.extra_labels.values():
            label.setText(self.ui.label(msgid))
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
        self.edited_by_hand.emit(name)

    def mark_edited(self, name: str) -> None:
        """An edit by hand in a widget of the page outside the declared fields (kept in drafts)."""
        self.touched.add(name)
        self.edited_by_hand.emit(name)

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
            if not ed.shown:
                continue
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
        self.draft_notice.hide()
        self.apply_dynamic_defaults()
        self.cleared.emit()

    def apply_dynamic_defaults(self) -> None:
        """Defaults computed when the form is (re)started, e.g. the application date = today."""
        for name, make in self.dynamic_defaults.items():
            ed = self.editors.get(name)
            if ed is not None and (ed.is_blank() or ed.auto_filled):
                ed.set_raw(make(), auto=True)
        if self.dynamic_defaults:
            self._refresh_hints()

    # --- drafts ----------------------------------------------------------------------------------

    @property
    def dirty(self) -> bool:
        """Something was typed by hand since the form was started (and it was not saved)."""
        return bool(self.touched)

    def draft_values(self) -> dict[str, Any]:
        """What a draft keeps: every field's raw value as typed (shown or not), the touched fields,
        and what the page keeps beside the declared fields (``draft_extras``)."""
        data: dict[str, Any] = {}
        for name, ed in self.editors.items():
            raw = ed.raw()
            if raw not in ("", None, [], False) or ed.decl.type == "bool":
                data[name] = bool(raw) if ed.decl.type == "bool" else raw
        for key, (get, _set) in self.draft_extras.items():
            value = get()
            if value not in ("", None):
                data[key] = value
        data[TOUCHED_KEY] = sorted(self.touched)
        return data

    def restore_draft(self, data: dict[str, Any], saved_at: str | None = None) -> None:
        """Put a draft back: the values as typed, the touched fields (their issues show again), and
        a line saying from when the draft is."""
        for name, ed in self.editors.items():
            ed.set_raw(data.get(name, ed.decl.default))
            ed.auto_filled = False
        for key, (_get, put) in self.draft_extras.items():
            if key in data:
                put(data[key])
        touched = data.get(TOUCHED_KEY)
        self.touched = {str(n) for n in touched} if isinstance(touched, list) else set(self.editors)
        self.revalidate()
        if saved_at:
            from forms.clock import china_time

            self.draft_notice.setText(
                self.ui.t("ui.draft.restored", time=china_time(saved_at).strftime("%H:%M"))
            )
            self.draft_notice.show()
        self.restored.emit()

    def set_values(self, values: dict[str, Any]) -> None:
        for name, value in values.items():
            if name in self.editors:
                self.editors[name].set_raw(value)
        self.revalidate()

    def focus_first(self) -> None:
        """The cursor in the first field, the page scrolled back to the top (after a save)."""
        first = next(iter(self.editors.values()), None)
        if first is not None:
            first.widget.setFocus()
        area = self.scroll_area()
        if area is not None:
            area.verticalScrollBar().setValue(0)

    def scroll_area(self) -> QScrollArea | None:
        parent = self.parentWidget()
        while parent is not None and not isinstance(parent, QScrollArea):
            parent = parent.parentWidget()
        return parent if isinstance(parent, QScrollArea) else None

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

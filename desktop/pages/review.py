"""审核 review: the queue of applications (by status, the days they were taken in, the clerk who
took them in and the benefit), an application's facts and decision — only what its benefit has —
the workflow steps, its corrections, and the slips printed after review."""

from __future__ import annotations

import datetime as dt
from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QFormLayout,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop import fmt, fonts, roles
from desktop.backend import Backend
from desktop.fit import ReservedLine, column_needs, fit_header_height, heading_lines, share_columns
from desktop.lang import UiLanguage
from desktop.pages.base import Page, scroll
from desktop.pages.record_detail import (
    EditDialog,
    RecordDetail,
    application_rows,
    decision_html,
    record_error_text,
    rows_html,
)
from i18n.collation import names_key

# the birth date beside the name: namesakes told apart in the queue
REVIEW_COLUMNS = ("receipt_no", "name", "birth_date", "event", "status", "created_at")
PENDING = "pending"  # the reviewer's queue: received or under review
PENDING_STATUSES = ("received", "under_review")


def queue_name(person: dict[str, Any], lang: str) -> str:
    """The applicant's name in the queue: in the UI's script where she has one (a Tibetan UI shows
    the Tibetan name, else the Chinese), so the column stays narrow; the item's tooltip has both."""
    bo, zh = person.get("name_bo"), person.get("name_zh")
    return (bo if lang == "bo" and bo else zh or bo) or ""


class ReviewPage(Page):
    """审核: the queue of applications; a reviewer starts the review, approves or rejects with a reason,
    and prints the approval slip."""

    def __init__(self, ui: UiLanguage, backend: Backend) -> None:
        super().__init__(ui, backend)
        self.apps: list[dict[str, Any]] = []
        self.current: dict[str, Any] | None = None
        self._decided: str | None = None  # the application just moved on here (kept in view)
        self.dialog: QDialog | None = None
        self.filter = QComboBox()
        self.filter.setObjectName("review_filter")
        self.date_from = QLineEdit()
        self.date_from.setObjectName("review_from")
        self.date_to = QLineEdit()
        self.date_to.setObjectName("review_to")
        for w in (self.date_from, self.date_to):
            w.setPlaceholderText("YYYY-MM-DD")
            w.setMaxLength(10)
        self.from_label = QLabel()
        self.to_label = QLabel()
        self.clerk = QComboBox()
        self.clerk.setObjectName("review_clerk")
        self.clerks: list[str] = []
        self.benefit = QComboBox()
        self.benefit.setObjectName("review_benefit")
        self.filter_problem = QLabel()
        self.filter_problem.setProperty("role", "error")
        self.filter_problem.hide()
        self.table = QTableWidget(0, len(REVIEW_COLUMNS))
        self.table.setObjectName("review_table")
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        fonts.fit_rows(self.table)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        header.setStretchLastSection(False)
        self.table.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.table.setTextElideMode(Qt.TextElideMode.ElideMiddle)  # a receipt number keeps its tail
        self.table.viewport().installEventFilter(self)  # columns shared anew on every resize
        self.by_name = False  # newest first; a click on the name header sorts by name and back
        header.sectionClicked.connect(self._sort_clicked)
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
        self.message = ReservedLine(2)  # the buttons above it stay put when it speaks
        self.message.setObjectName("message_review")
        self.reason_label = QLabel()
        actions = QFormLayout()
        self.step_buttons = QGridLayout()  # laid out per language (retranslate)
        actions.addRow(self.step_buttons)
        actions.addRow(self.reason_label, self.reason)
        self.withdraw_button = QPushButton()
        self.withdraw_button.setObjectName("withdraw")
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
        # the facts and the decision get the room (one scroll area, not a small box inside the
        # column); the steps stay in view under them
        facts = QWidget()
        right_layout = QVBoxLayout(facts)
        right_layout.setContentsMargins(0, 0, 0, 0)
        right_layout.addWidget(self.detail)
        right_layout.addWidget(self.history)
        right_layout.addStretch(1)
        facts_area = scroll(facts)
        facts_area.setObjectName("review_facts")
        facts_area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        right_area = QWidget()
        column = QVBoxLayout(right_area)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(facts_area, 1)
        column.addLayout(actions)
        self.edit_button = QPushButton()
        self.edit_button.setObjectName("review_edit_application")
        self.person_button = QPushButton()
        self.person_button.setObjectName("review_show_person")
        self.may_edit = roles.may(backend.role, "application.update")
        self.edit_button.setVisible(self.may_edit)
        record = QHBoxLayout()  # the selected application's record: under the queue, where it is chosen
        record.addWidget(self.edit_button)
        record.addWidget(self.person_button)
        record.addStretch(1)
        filters = QGridLayout()
        filters.addWidget(self.filter, 0, 0, 1, 2)
        filters.addWidget(self.benefit, 0, 2, 1, 2)
        filters.addWidget(self.from_label, 1, 0)
        filters.addWidget(self.date_from, 1, 1)
        filters.addWidget(self.to_label, 1, 2)
        filters.addWidget(self.date_to, 1, 3)
        filters.addWidget(self.clerk, 2, 0, 1, 4)
        filters.setColumnStretch(1, 1)
        filters.setColumnStretch(3, 1)
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.addLayout(filters)
        left_layout.addWidget(self.filter_problem)
        left_layout.addWidget(self.table, 1)
        left_layout.addLayout(record)
        split = QSplitter()
        split.addWidget(left)
        split.addWidget(right_area)
        split.setSizes([560, 560])
        self.split = split
        self._split_moved = False  # once the clerk drags it, it stays where she put it
        split.splitterMoved.connect(lambda *_a: setattr(self, "_split_moved", True))
        layout = QVBoxLayout(self)
        layout.addWidget(split)
        self.table.itemSelectionChanged.connect(self._select)
        self.filter.activated.connect(lambda _i: self.refresh())
        self.benefit.activated.connect(lambda _i: self.refresh())
        self.clerk.activated.connect(lambda _i: self.refresh())
        for w in (self.date_from, self.date_to):
            w.editingFinished.connect(self.refresh)
        self.edit_button.clicked.connect(self.edit_application)
        self.person_button.clicked.connect(self.show_person)
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
    BENEFITS = ("", "allowance", "medical")

    def retranslate(self) -> None:
        t = self.ui.t
        current = self.filter.currentData()
        self.filter.clear()
        for s in ("", PENDING, *self.STATUSES[1:]):  # every one, what waits for review, each status
            text = {"": t("ui.review.all"), PENDING: t("ui.review.pending")}.get(s) or t(f"status.{s}")
            self.filter.addItem(text, s)
        self.filter.setCurrentIndex(max(self.filter.findData(current or ""), 0))
        benefit = self.benefit.currentData()
        self.benefit.clear()
        for b in self.BENEFITS:
            self.benefit.addItem(t(f"claim.{b}") if b else t("ui.review.filter.both_benefits"), b)
        self.benefit.setCurrentIndex(max(self.benefit.findData(benefit or ""), 0))
        self._fill_clerks()
        self.from_label.setText(t("ui.review.filter.from"))
        self.to_label.setText(t("ui.review.filter.to"))
        # four a row; two with Tibetan labels, which would take the queue's width
        per_row = 2 if self.ui.lang == "bo" else 4
        steps = (self.start_button, self.approve_button, self.paid_button, self.slip_button)
        if per_row == 2:  # start, approve / reject, withdraw / paid, slip
            steps = (*steps[:2], self.reject_button, self.withdraw_button, *steps[2:])
        else:  # start, approve, paid, slip / reject, withdraw
            steps = (*steps, self.reject_button, self.withdraw_button)
        for i, b in enumerate(steps):
            self.step_buttons.addWidget(b, i // per_row, i % per_row)
        self.edit_button.setText(t("ui.detail.edit_application"))
        self.person_button.setText(t("ui.detail.show_person"))
        # long (Tibetan) headings on two lines, so the columns sized to their contents leave the
        # name column room instead of making the queue scroll sideways
        metrics = QFontMetrics(self.table.horizontalHeader().font())
        room = 8 * metrics.averageCharWidth()
        self.table.setHorizontalHeaderLabels(
            [heading_lines(t(f"ui.review.column.{c}"), metrics, room) for c in REVIEW_COLUMNS]
        )
        fit_header_height(self.table)
        self._share_columns()
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

    def _fill_clerks(self) -> None:
        current = self.clerk.currentData()
        self.clerk.clear()
        self.clerk.addItem(self.ui.t("ui.review.filter.every_clerk"), "")
        for name in self.clerks:
            self.clerk.addItem(name, name)
        self.clerk.setCurrentIndex(max(self.clerk.findData(current or ""), 0))

    def _load_clerks(self) -> None:
        def run() -> list[str]:
            return sorted(u["username"] for u in self.backend.service_now().users())

        def ok(names: list[str]) -> None:
            self.clerks = names
            self._fill_clerks()

        self.backend.submit(run, ok, lambda exc: None)

    def show_queue(self) -> None:
        """A reviewer's queue: what waits for review, every day, clerk and benefit."""
        self.filter.setCurrentIndex(max(self.filter.findData(PENDING), 0))
        self.refresh()

    def _day(self, edit: QLineEdit) -> tuple[dt.date | None, bool]:
        text = edit.text().strip()
        if not text:
            return None, True
        try:
            return dt.date.fromisoformat(text), True
        except ValueError:
            return None, False

    def filters(self) -> dict[str, Any] | None:
        """The queue's filters for the store, or None when a date is not one (said under them)."""
        start, ok_from = self._day(self.date_from)
        end, ok_to = self._day(self.date_to)
        if not (ok_from and ok_to):
            self.filter_problem.setText(self.ui.t("error.date.format"))
            self.filter_problem.show()
            return None
        self.filter_problem.hide()
        status = self.filter.currentData() or None
        return {
            "status": PENDING_STATUSES if status == PENDING else status,
            "created_by": self.clerk.currentData() or None,
            "claim_type": self.benefit.currentData() or None,
            "received_from": start,
            "received_to": end,
        }

    def refresh(self) -> None:
        if not self.clerks:
            self._load_clerks()
        wanted = self.filters()
        if wanted is None:
            return

        def ok(apps: list[dict[str, Any]]) -> None:
            keep = self.current["id"] if self.current else None  # chosen now, maybe while listing
            was = next((r for r, a in enumerate(self.apps) if a["id"] == keep), 0)
            said = (self.message.text(), self.message.property("role"))  # what was just done stays said
            self.apps = apps
            if keep is not None and keep == self._decided and all(a["id"] != keep for a in apps):
                # just decided here, it left the queue's filter: it stays in view, highlighted, with
                # its new status (its slip to print) until the reviewer chooses another
                self.apps.insert(min(was, len(apps)), dict(self.current or {}))
            self._fill()
            row = next((r for r, a in enumerate(self.apps) if a["id"] == keep), None)
            if row is not None:
                self.table.blockSignals(True)  # the detail is set here; the message stays
                self.table.selectRow(row)
                self.table.blockSignals(False)
                self.current = {**(self.current or {}), **self.apps[row]}
                self._show_detail()
                self.backend.call("get_application", keep, on_ok=self._loaded)  # its prints too
            elif keep is not None and self.apps:
                # it left the list (another filter, another counter's change): the one now in its
                # place, and the detail and the buttons follow the highlight
                self.table.blockSignals(True)  # the same row index may stay selected: no signal
                self.table.selectRow(min(was, len(self.apps) - 1))
                self.table.blockSignals(False)
                self._select()
            elif keep is not None:  # it left the list, and the list is empty
                self.table.clearSelection()
                self.current = None
                self._show_detail()
            if keep is not None and said[0]:
                self.message.setProperty("role", said[1])
                self.message.setText(said[0])

        self.backend.call("list_applications", limit=200, on_ok=ok, **wanted)

    def _sort_clicked(self, column: int) -> None:
        if REVIEW_COLUMNS[column] == "name":
            self.by_name = not self.by_name
            keep = self.current["id"] if self.current else None
            self._fill()
            for row, app in enumerate(self.apps):
                if app["id"] == keep:
                    self.table.selectRow(row)

    def _order(self) -> None:
        """By name in the UI language's order (Tibetan dictionary order in bo, pinyin in zh), else
        newest first as the store lists them (ids are UUIDv7)."""
        lang = self.ui.lang
        if self.by_name:
            self.apps.sort(
                key=lambda a: names_key(
                    lang, *((a.get("person") or {}).get(k) for k in ("name_bo", "name_zh"))
                )
            )
        else:
            self.apps.sort(key=lambda a: str(a.get("id", "")), reverse=True)
        header = self.table.horizontalHeader()
        header.setSortIndicatorShown(self.by_name)
        header.setSortIndicator(REVIEW_COLUMNS.index("name"), Qt.SortOrder.AscendingOrder)

    def _fill(self) -> None:
        t, lang = self.ui.t, self.ui.lang
        self._order()
        self.table.blockSignals(True)
        self.table.setRowCount(len(self.apps))
        for row, app in enumerate(self.apps):
            person = app.get("person") or {}
            name = queue_name(person, lang)
            values = {
                "receipt_no": app.get("receipt_no", ""),
                "name": name,
                "birth_date": person.get("birth_date") or "",
                "event": t(f"event.{app['event']}") if app.get("event") else "",
                "status": t(f"status.{app.get('status')}"),
                "created_at": fmt.date(str(app.get("created_at") or ""), lang),  # its day in China
            }
            for col, key in enumerate(REVIEW_COLUMNS):
                item = QTableWidgetItem(str(values[key]))
                item.setToolTip(item.text())  # whole, where the column elides it
                if key == "name":
                    names = (person.get("name_bo"), person.get("name_zh"), person.get("id_masked"))
                    item.setToolTip(" ".join(n for n in names if n))
                self.table.setItem(row, col, item)
        self.table.blockSignals(False)
        self._share_columns()

    def _share_columns(self) -> None:
        self._widen_queue()
        share_columns(self.table, REVIEW_COLUMNS.index("name"))

    def _widen_queue(self) -> None:
        """The queue takes up to three fifths of the page when its columns need it (Tibetan text is
        wider), the application's detail the rest — unless the clerk has moved the divider."""
        if self._split_moved or self.table.rowCount() == 0:
            return
        sizes = self.split.sizes()
        total = sum(sizes)
        if total <= 0:
            return
        need = sum(column_needs(self.table))
        want = min(sizes[0] + max(0, need - self.table.viewport().width()), total * 3 // 5)
        if want > sizes[0]:
            self.split.blockSignals(True)
            self.split.setSizes([want, total - want])
            self.split.blockSignals(False)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # Qt's name
        if watched is self.table.viewport() and event.type() == QEvent.Type.Resize:
            self._share_columns()
        return super().eventFilter(watched, event)

    def _select(self) -> None:
        rows = self.table.selectionModel().selectedRows()
        self.current = self.apps[rows[0].row()] if rows else None
        if self.current is None or self.current["id"] != self._decided:
            self._decided = None
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
        self.edit_button.setEnabled(self.may_edit and status not in (None, "rejected", "withdrawn"))
        self.person_button.setEnabled(app is not None)
        if not app:
            self.detail.setText(self.ui.t("ui.review.none_selected"))
            return
        t = self.ui.t
        region = self.backend.region or "lianyungang"
        rows = application_rows(app, self.ui, region)  # the queue reads in the UI language
        pairs = 1 if self.ui.lang == "bo" else 2
        # whose application and where it stands, then the decision, then the facts it rests on
        head = 4
        html = rows_html(rows[:head], pairs) + decision_html(app, self.ui) + rows_html(rows[head:], pairs)
        for key in ("reason", "note"):
            if app.get(key):
                html += f"<tr><td><b>{t('ui.review.' + key)}</b></td><td colspan=3>{app[key]}</td></tr>"
        self.detail.setText(f"<table cellspacing=4>{html}</table>")

    def _act(self, method: str, *args: Any) -> None:
        if not self.current:
            return
        receipt = self.current.get("receipt_no", "")

        def ok(result: Any) -> None:
            if isinstance(result, dict) and self.current and result.get("id") == self.current["id"]:
                self.current = {**self.current, **result}
                self._decided = self.current["id"]
                self._show_detail()
            self.message.setProperty("role", "")
            self.message.setText(self.ui.t(f"ui.review.done.{method}", receipt_no=receipt))
            self.reason.clear()

        def failed(exc: BaseException) -> None:
            self.message.setProperty("role", "error")
            self.message.setText(record_error_text(exc, self.ui))  # statuses by name, not code

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

    # --- corrections -------------------------------------------------------------------------------

    def edit_application(self) -> EditDialog | None:
        """更正 the selected application (its facts; decided again by the store)."""
        if not self.current or not self.may_edit:
            return None
        dialog = EditDialog("application", self.current, self.ui, self.backend, self)
        dialog.saved.connect(lambda _record: self.refresh())
        dialog.open()
        self.dialog = dialog
        return dialog

    def show_person(self) -> QDialog | None:
        """The applicant's whole record (and its corrections) in a dialog over the queue."""
        if not self.current:
            return None
        dialog = QDialog(self)
        dialog.setObjectName("review_person_dialog")
        dialog.setWindowTitle(self.ui.t("ui.detail.show_person"))
        detail = RecordDetail(self.ui, self.backend)
        detail.edited.connect(lambda _e, _r: self.refresh())
        detail.may["apply"] = False  # a new application is taken in on its own screen
        area = scroll(detail)
        area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        QVBoxLayout(dialog).addWidget(area)
        dialog.resize(760, 640)
        dialog.detail = detail  # type: ignore[attr-defined]
        detail.show_person(str(self.current.get("person_id") or (self.current.get("person") or {}).get("id")))
        dialog.open()
        self.dialog = dialog
        return dialog

"""审核 review: the applications waiting for a decision, their details, the workflow steps and the
slips printed after review."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
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
from desktop.lang import UiLanguage
from desktop.pages.base import Page, error_text, scroll
from i18n.collation import names_key

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
        right_layout.addWidget(scroll(self.detail), 1)
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

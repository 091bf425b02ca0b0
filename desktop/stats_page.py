"""统计 statistics: the indicators of a chosen period (``forms.indicators`` through
``localdb.stats``) as a table — this period, same period last year, change — with four QtCharts
charts (monthly received / decided / backlog; amounts by benefit; working days to decision with the
promised-limit line; new registrations by category), a per-clerk / per-counter table, the end-of-day
list (日结) with Print, and the exports (Excel, CSV, monthly report PDF). Double-clicking a figure
lists the records behind it. In Lhasa the headings are bilingual (Tibetan first).

The figures are computed on the backend's worker thread (the loader opens its own read-only
connection), so the window never waits for them.
"""

from __future__ import annotations

import datetime as dt
import logging
from decimal import Decimal
from typing import Any

from PySide6.QtCharts import (
    QBarCategoryAxis,
    QBarSeries,
    QBarSet,
    QChart,
    QChartView,
    QLineSeries,
    QValueAxis,
)
from PySide6.QtCore import QDate, QMargins, QPointF, Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter, QPen, QTextDocument
from PySide6.QtPrintSupport import QPrinter
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDateEdit,
    QDialog,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from desktop import dialogs, fmt
from desktop.backend import Backend
from desktop.fit import ReservedLine, fit_columns, fit_header_height, heading_lines, hold_height
from desktop.lang import UiLanguage

log = logging.getLogger(__name__)

SERIES_COLOURS = ("#2a61a8", "#e68c26", "#8c8c8c")
REGISTRATION_CATEGORIES = ("employee", "flexible", "retiree", "volunteer")
VALUE_COLUMN_DIGITS = 12  # a figure column's heading wider than this many digits goes on two lines


def _qdate(day: dt.date) -> QDate:
    return QDate(day.year, day.month, day.day)


def _pydate(q: QDate) -> dt.date:
    return dt.date(q.year(), q.month(), q.day())


def _item(text: str, *, right: bool = False, data: Any = None) -> QTableWidgetItem:
    item = QTableWidgetItem(text)
    item.setFlags(Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemIsEnabled)
    if right:
        item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    if data is not None:
        item.setData(Qt.ItemDataRole.UserRole, data)
    return item


class StatsPage(QWidget):
    """The 统计 screen (see the module docstring)."""

    def __init__(self, ui: UiLanguage, backend: Backend) -> None:
        super().__init__()
        self.ui = ui
        self.backend = backend
        self.result: Any = None  # the last localdb.stats.Loaded for this period
        self.last_year: Any = None
        self.busy = False
        from forms.clock import business_today

        today = business_today()
        self.title = QLabel()
        self.title.setProperty("role", "title")
        self.from_label, self.to_label, self.county_label = QLabel(), QLabel(), QLabel()
        self.date_from = QDateEdit(_qdate(today.replace(day=1)))
        self.date_to = QDateEdit(_qdate(today))
        for w in (self.date_from, self.date_to):
            w.setCalendarPopup(True)
            w.setDisplayFormat("yyyy-MM-dd")
        self.date_from.setObjectName("stats_from")
        self.date_to.setObjectName("stats_to")
        self.county = QComboBox()
        self.county.setObjectName("stats_county")
        self.county.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.county.setMinimumContentsLength(10)
        self.compute_button = QPushButton()
        self.compute_button.setObjectName("stats_compute")
        self.compute_button.clicked.connect(self.refresh)
        self.xlsx_button, self.csv_button, self.pdf_button = QPushButton(), QPushButton(), QPushButton()
        self.xlsx_button.clicked.connect(lambda: self.export("xlsx"))
        self.csv_button.clicked.connect(lambda: self.export("csv"))
        self.pdf_button.clicked.connect(lambda: self.export("pdf"))
        self.message = ReservedLine()  # "已保存到…" never pushes the export buttons down
        bar = QHBoxLayout()
        for w in (
            self.from_label,
            self.date_from,
            self.to_label,
            self.date_to,
            self.county_label,
            self.county,
            self.compute_button,
        ):
            # aligned, so each keeps its own height (a box layout caps an unaligned row at its
            # shortest item's, and the date edits' calendar buttons lost their frame's last pixels)
            bar.addWidget(w, 0, Qt.AlignmentFlag.AlignVCenter)
        bar.addStretch(1)
        exports = QWidget()
        exports_bar = QHBoxLayout(exports)
        exports_bar.setContentsMargins(0, 0, 0, 2)
        for w in (self.xlsx_button, self.csv_button, self.pdf_button):
            exports_bar.addWidget(w)

        self.table = QTableWidget(0, 4)
        self.table.setObjectName("stats_table")
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setWordWrap(False)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.table.cellDoubleClicked.connect(self._drill_row)
        self.hint = QLabel()
        self.hint.setProperty("role", "hint")
        left = QWidget()
        lv = QVBoxLayout(left)
        lv.setContentsMargins(0, 0, 0, 0)
        lv.addWidget(self.table, 1)
        lv.addWidget(self.hint)

        self.charts = [QChartView() for _ in range(4)]
        grid_host = QWidget()
        grid = QGridLayout(grid_host)
        grid.setContentsMargins(0, 0, 0, 0)
        for i, view in enumerate(self.charts):
            view.setRenderHint(QPainter.RenderHint.Antialiasing)
            view.setObjectName(f"stats_chart_{i}")
            view.setMinimumSize(160, 120)
            grid.addWidget(view, i // 2, i % 2)
        split = QSplitter()
        split.addWidget(left)
        split.addWidget(grid_host)
        # the table a little wider than the charts: its figure names are long in Tibetan
        split.setStretchFactor(0, 4)
        split.setStretchFactor(1, 3)
        left.setMinimumWidth(360)

        self.people = QTableWidget(0, 3)
        self.people.setObjectName("stats_people")
        self.people.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.people.verticalHeader().setVisible(False)
        self.people.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.people.cellDoubleClicked.connect(self._drill_person)

        self.day_end = DayEnd(ui, backend)

        self.tabs = QTabWidget()
        self.tabs.setObjectName("stats_tabs")
        self.tabs.addTab(split, "")
        self.tabs.addTab(self.people, "")
        self.tabs.addTab(self.day_end, "")
        self.tabs.setCornerWidget(exports, Qt.Corner.TopRightCorner)

        bar.insertWidget(0, self.title)
        bar.insertSpacing(1, 16)
        self.message.setVisible(False)
        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(self.message)
        layout.addWidget(self.tabs, 1)
        ui.changed.connect(lambda _lang: self.retranslate())
        self.retranslate()

    # --- texts ------------------------------------------------------------------------------------

    def h(self, msgid: str, sep: str = " / ", **params: Any) -> str:
        """A heading: bilingual in Lhasa (Tibetan first), the UI language elsewhere."""
        from desktop.catalog_cache import gettext

        langs = self.ui.form_languages()
        return sep.join(dict.fromkeys(gettext(msgid, lang, **params).strip() for lang in langs))

    def retranslate(self) -> None:
        t = self.ui.t
        self.title.setText(self.h("ui.nav.stats"))
        self.from_label.setText(t("stats.period.from"))
        self.to_label.setText(t("stats.period.to"))
        self.county_label.setText(t("stats.county"))
        self.compute_button.setText(t("stats.compute"))
        self.xlsx_button.setText(t("stats.export.xlsx"))
        self.csv_button.setText(t("stats.export.csv"))
        self.pdf_button.setText(t("stats.export.pdf"))
        self.hint.setText(t("stats.drill.hint"))
        columns = ("stats.col.figure", "stats.col.this_period", "stats.col.last_year", "stats.col.change")
        # column headers in the UI language (a bilingual header does not fit over a number), a long
        # one on two lines; their tooltips carry both languages in Lhasa
        metrics = QFontMetrics(self.table.horizontalHeader().font())
        room = metrics.horizontalAdvance("0" * VALUE_COLUMN_DIGITS)
        self.table.setHorizontalHeaderLabels(
            [t(m) if c == 0 else heading_lines(t(m), metrics, room) for c, m in enumerate(columns)]
        )
        fit_header_height(self.table)
        for c, m in enumerate(columns):
            self.table.horizontalHeaderItem(c).setToolTip(self.h(m))
        people = ("stats.col.who", "stats.col.intake", "stats.col.decisions")
        self.people.setHorizontalHeaderLabels([t(m) for m in people])
        self.tabs.setTabText(0, self.h("ui.nav.stats"))
        self.tabs.setTabText(1, self.h("stats.by_clerk"))
        self.tabs.setTabText(2, self.h("stats.day_end"))
        self._fill_counties()
        hold_height(self.date_from, self.date_to, self.county)
        self.day_end.retranslate()
        if self.result is not None:
            self._show()

    def _fill_counties(self) -> None:
        current = self.county.currentData()
        self.county.blockSignals(True)
        self.county.clear()
        self.county.addItem(self.ui.t("stats.county.all"), None)
        from forms.divisions import region_counties

        for c in region_counties(self.ui.region) if self.ui.region else []:
            name = c.name_bo if self.ui.lang == "bo" and c.name_bo else c.name_zh
            self.county.addItem(f"{name} {c.code}", c.code)
        index = self.county.findData(current)
        self.county.setCurrentIndex(max(0, index))
        self.county.blockSignals(False)

    def say(self, text: str) -> None:
        self.message.setText(text)
        self.message.setVisible(bool(text))

    # --- computing --------------------------------------------------------------------------------

    def period(self) -> Any:
        from forms.indicators import Period

        start, end = _pydate(self.date_from.date()), _pydate(self.date_to.date())
        if end < start:
            start, end = end, start
        return Period(start, end)

    def refresh(self) -> None:
        from localdb import stats

        period = self.period()
        county = self.county.currentData()
        path = self.backend.path
        self.busy = True
        self.compute_button.setEnabled(False)

        def run() -> tuple[Any, Any]:
            this = stats.indicators(path, period, county)
            before = stats.indicators(path, period.same_period_last_year(), county, today=this.today)
            return this, before

        def done(pair: tuple[Any, Any]) -> None:
            self.result, self.last_year = pair
            self.busy = False
            self.compute_button.setEnabled(True)
            self.say("")
            self._show()

        def failed(exc: BaseException) -> None:
            self.busy = False
            self.compute_button.setEnabled(True)
            self.say(self.ui.t("ui.error.unexpected", detail=str(exc)))
            log.exception("statistics failed", exc_info=exc)

        self.backend.submit(run, done, failed)
        self.day_end.refresh()

    # --- showing ----------------------------------------------------------------------------------

    def _value_text(self, path: str, value: Any) -> str:
        from forms.indicators import MONEY_FIGURES

        if value is None:
            return "—"
        if path in MONEY_FIGURES:
            return fmt.money(value, self.ui.lang)
        if isinstance(value, int):
            return fmt.number(value, self.ui.lang)
        return str(value)

    def _show(self) -> None:
        from forms.indicators import SUMMARY_ROWS, change, figure

        now, before = self.result.indicators, self.last_year.indicators
        rows = [p for p in SUMMARY_ROWS if not (p == "registrations.volunteer" and self.ui.region != "lhasa")]
        self.table.setRowCount(len(rows))
        for r, path in enumerate(rows):
            a, b = figure(now, path), figure(before, path)
            own = self.ui.t(f"stats.fig.{path}")
            indent = "    " if own.startswith("  ") else ""
            head = _item(indent + own.strip(), data=path)
            head.setToolTip(self.ui.label(f"stats.fig.{path}", sep="\n").strip())
            self.table.setItem(r, 0, head)
            self.table.setItem(r, 1, _item(self._value_text(path, a), right=True, data=path))
            self.table.setItem(r, 2, _item(self._value_text(path, b), right=True, data=path))
            self.table.setItem(r, 3, _item(change(a, b) or "—", right=True, data=path))
        # the figures' columns as wide as their heading (set from the font, on one or two lines) or
        # their widest figure; the figure names take the rest
        fit_columns(self.table, stretch=0)
        self._show_people(now)
        self._show_charts(now)

    def _show_people(self, ind: Any) -> None:
        rows = [(f"by_clerk.{k}", k, v) for k, v in ind.by_clerk.items()]
        rows += [(f"by_counter.{k}", k, v) for k, v in ind.by_counter.items()]
        self.people.setRowCount(len(rows))
        for r, (key, who, v) in enumerate(rows):
            self.people.setItem(r, 0, _item(who, data=key))
            self.people.setItem(r, 1, _item(str(v["intake"]), right=True, data=f"{key}.intake"))
            self.people.setItem(r, 2, _item(str(v["decisions"]), right=True, data=f"{key}.decisions"))

    def _chart(self, view: QChartView, title: str) -> QChart:
        chart = QChart()
        chart.setTitle(title.replace(" / ", "<br>"))
        font = chart.titleFont()
        font.setPointSizeF(9)
        font.setBold(True)
        chart.setTitleFont(font)
        chart.setMargins(QMargins(0, 0, 0, 0))
        chart.layout().setContentsMargins(0, 0, 0, 0)
        chart.setBackgroundRoundness(0)
        chart.legend().setAlignment(Qt.AlignmentFlag.AlignBottom)
        chart.setAnimationOptions(QChart.AnimationOption.NoAnimation)
        view.setChart(chart)
        return chart

    def _bars(
        self, view: QChartView, title: str, categories: list[str], series: list[tuple[str, list[float]]]
    ) -> QChart:
        chart = self._chart(view, title)
        bars = QBarSeries()
        for i, (name, values) in enumerate(series):
            s = QBarSet(name)
            s.setColor(QColor(SERIES_COLOURS[i % len(SERIES_COLOURS)]))
            s.append([float(v) for v in values])
            bars.append(s)
        chart.addSeries(bars)
        x = QBarCategoryAxis()
        x.append(categories)
        y = QValueAxis()
        top = max([float(v) for _, vals in series for v in vals] + [1.0])
        y.setRange(0, top * 1.05)
        y.applyNiceNumbers()  # round ticks (0, 1, 2 … or 0, 10 000, 20 000 …), never 11876
        if y.max() <= 5:
            y.setTickCount(int(y.max()) + 1)
        y.setLabelFormat("%.0f")
        small = x.labelsFont()
        small.setPointSizeF(7)
        x.setLabelsFont(small)
        y.setLabelsFont(QFont("Noto Sans", 7))  # digits: a Latin face, shorter lines than Tibetan's
        chart.legend().setFont(small)
        chart.addAxis(x, Qt.AlignmentFlag.AlignBottom)
        chart.addAxis(y, Qt.AlignmentFlag.AlignLeft)
        bars.attachAxis(x)
        bars.attachAxis(y)
        chart.legend().setVisible(len(series) > 1)
        return chart

    def _show_charts(self, ind: Any) -> None:
        t = self.ui.t
        months = list(ind.by_month.items())
        self._bars(
            self.charts[0],
            self.h("stats.chart.monthly"),
            [m[5:7] for m, _ in months],
            [
                (t("stats.series.received"), [r["received"] for _, r in months]),
                (t("stats.series.decided"), [r["decided"] for _, r in months]),
                (t("stats.series.backlog"), [r["pending"] for _, r in months]),
            ],
        )
        self._bars(
            self.charts[1],
            self.h("stats.chart.amounts"),
            [t("claim.allowance"), t("status.paid"), t("claim.medical")],
            [("", [ind.allowance_total, ind.allowance_paid_total, ind.medical_amount])],
        )
        from forms.indicators import promised_days_for

        limit = promised_days_for(ind.region)(ind.period.end)
        top_day = max([*ind.days_to_decision, limit + 2])
        chart = self._bars(
            self.charts[2],
            self.h("stats.chart.days"),
            [str(d) for d in range(top_day + 1)],
            [(t("stats.series.cases"), [ind.days_to_decision.get(d, 0) for d in range(top_day + 1)])],
        )
        # the promised limit: a vertical line between the bars of `limit` and `limit + 1` days
        line = QLineSeries()
        line.setName(t("stats.chart.limit", days=limit))
        top = chart.axes(Qt.Orientation.Vertical)[0].max()
        line.append(QPointF(limit + 0.5, 0))
        line.append(QPointF(limit + 0.5, top))
        pen = QPen(QColor("#cc1a1a"))
        pen.setWidth(2)
        pen.setStyle(Qt.PenStyle.DashLine)
        line.setPen(pen)
        chart.addSeries(line)
        lx = QValueAxis()
        lx.setRange(-0.5, top_day + 0.5)
        lx.setVisible(False)
        chart.addAxis(lx, Qt.AlignmentFlag.AlignTop)
        line.attachAxis(lx)
        line.attachAxis(chart.axes(Qt.Orientation.Vertical)[0])
        chart.legend().setVisible(True)
        for marker in chart.legend().markers():
            if marker.series() is not line:
                marker.setVisible(False)
        cats = [c for c in REGISTRATION_CATEGORIES if c != "volunteer" or self.ui.region == "lhasa"]
        self._bars(
            self.charts[3],
            self.h("stats.chart.registrations"),
            [t(f"category.{c}") for c in cats],
            [("", [ind.registrations.get(c, 0) for c in cats])],
        )

    def print_(self) -> None:
        """Ctrl+P: the end-of-day list."""
        self.tabs.setCurrentWidget(self.day_end)
        self.day_end.print_()

    # --- drill-down -------------------------------------------------------------------------------

    def _drill_row(self, row: int, _col: int) -> None:
        item = self.table.item(row, 0)
        if item is not None:
            self.drill(item.data(Qt.ItemDataRole.UserRole))

    def _drill_person(self, row: int, col: int) -> None:
        item = self.people.item(row, col) or self.people.item(row, 0)
        key = item.data(Qt.ItemDataRole.UserRole) if item else None
        if key and key.count(".") >= 2:
            self.drill(key)

    def drill(self, path: str) -> DrillDialog | None:
        """Open the list of records behind figure ``path`` (applications, or persons for a
        registration figure)."""
        if self.result is None:
            return None
        from localdb import stats

        loaded = self.result
        db = self.backend.path
        from desktop.catalog_cache import gettext

        title = " / ".join(
            dict.fromkeys(
                gettext("stats.drill.title", lang, figure=gettext(f"stats.fig.{path}", lang).strip())
                for lang in self.ui.form_languages()
            )
        )
        dialog = DrillDialog(self.ui, title, self)
        if path.startswith("registrations."):
            category = path.split(".", 1)[1]

            def run() -> Any:
                return stats.registrations_behind(db, loaded.period, category, loaded.county)

            self.backend.submit(run, dialog.show_persons, dialog.failed)
        elif path == "new_employers":

            def run() -> Any:
                return stats.employers_behind(db, loaded.period, loaded.county)

            self.backend.submit(run, dialog.show_employers, dialog.failed)
        else:

            def run() -> Any:
                return stats.ledger(db, [r.receipt_no for r in loaded.drill(path)])

            self.backend.submit(run, dialog.show_ledger, dialog.failed)
        dialog.show()
        return dialog

    # --- exports ----------------------------------------------------------------------------------

    def export(self, kind: str, path: str | None = None) -> None:
        """Write the report as ``kind`` (xlsx, csv, pdf) to ``path`` (asked for when None)."""
        if path is None:
            suffix = {"xlsx": "Excel (*.xlsx)", "csv": "CSV (*.csv)", "pdf": "PDF (*.pdf)"}[kind]
            p = self.period()
            default = f"stats-{p.start:%Y%m%d}-{p.end:%Y%m%d}.{kind}"
            path = (
                dialogs.save_file(self, self.ui, dialogs.msg(f"stats.export.{kind}"), default, suffix) or ""
            )
            if not path:
                return
        from localdb import stats

        period, county, db = self.period(), self.county.currentData(), self.backend.path
        target = path
        self.busy = True

        def run() -> str:
            report = stats.report(db, period, county)
            if kind == "xlsx":
                from printing.stats_export import write_xlsx

                write_xlsx(report, target)
            elif kind == "csv":
                from printing.stats_export import write_csv

                write_csv(report, target)
            else:
                from printing.stats_pdf import write_pdf

                write_pdf(report, target)
            return target

        def done(where: str) -> None:
            self.busy = False
            self.say(self.ui.t("stats.export.done", path=where))

        def failed(exc: BaseException) -> None:
            self.busy = False
            self.say(self.ui.t("ui.error.unexpected", detail=str(exc)))

        self.backend.submit(run, done, failed)


LEDGER_COLUMNS = (
    "stats.ledger.receipt_no",
    "field.name_zh",
    "field.claim_type",
    "stats.ledger.received_on",
    "stats.ledger.status",
    "stats.ledger.amount",
)


class DrillDialog(QDialog):
    """The records behind one figure."""

    def __init__(self, ui: UiLanguage, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ui = ui
        self.setObjectName("stats_drill")
        self.setWindowTitle(title)
        self.resize(900, 480)
        self.heading = QLabel(title)
        self.heading.setProperty("role", "title")
        self.table = QTableWidget(0, len(LEDGER_COLUMNS))
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.loaded = False
        close = QPushButton(ui.t("ui.preview.close"))
        close.clicked.connect(self.accept)
        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        layout.addWidget(self.table, 1)
        layout.addWidget(close, 0, Qt.AlignmentFlag.AlignRight)

    def show_ledger(self, lines: list[Any]) -> None:
        t, lang = self.ui.t, self.ui.lang
        self.table.setColumnCount(len(LEDGER_COLUMNS))
        self.table.setHorizontalHeaderLabels([t(m) for m in LEDGER_COLUMNS])
        self.table.setRowCount(len(lines))
        for r, ln in enumerate(lines):
            name = ln.name_zh + (f" {ln.name_bo}" if ln.name_bo else "")
            values = [
                ln.receipt_no,
                name,
                t(f"claim.{ln.claim_type}"),
                fmt.date(ln.received_on, lang),
                t(f"status.{ln.status}"),
                fmt.money(ln.amount, lang) if ln.amount is not None else "",
            ]
            for c, v in enumerate(values):
                self.table.setItem(r, c, _item(v, right=c == 5))
        fit_columns(self.table, stretch=1)
        self.loaded = True

    def show_persons(self, people: list[Any]) -> None:
        t, lang = self.ui.t, self.ui.lang
        cols = [
            "field.id_number",
            "field.name_zh",
            "field.category",
            "field.county_code",
            "stats.ledger.received_on",
        ]
        self.table.setColumnCount(len(cols))
        self.table.setHorizontalHeaderLabels([t(m) for m in cols])
        self.table.setRowCount(len(people))
        for r, p in enumerate(people):
            name = p.name_zh + (f" {p.name_bo}" if p.name_bo else "")
            values = [
                p.id_number,
                name,
                t(f"category.{p.category}"),
                p.county_code,
                fmt.date(p.registered_on, lang),
            ]
            for c, v in enumerate(values):
                self.table.setItem(r, c, _item(v))
        fit_columns(self.table, stretch=1)
        self.loaded = True

    def show_employers(self, employers: list[Any]) -> None:
        t, lang = self.ui.t, self.ui.lang
        cols = ["field.uscc", "field.employer_name_zh", "field.county_code", "stats.ledger.received_on"]
        self.table.setColumnCount(len(cols))
        self.table.setHorizontalHeaderLabels([t(m) for m in cols])
        self.table.setRowCount(len(employers))
        for r, e in enumerate(employers):
            name = e.name_zh + (f" {e.name_bo}" if e.name_bo else "")
            for c, v in enumerate([e.uscc, name, e.county_code, fmt.date(e.registered_on, lang)]):
                self.table.setItem(r, c, _item(v))
        fit_columns(self.table, stretch=1)
        self.loaded = True

    def failed(self, exc: BaseException) -> None:
        self.heading.setText(self.ui.t("ui.error.unexpected", detail=str(exc)))
        self.loaded = True

    @property
    def rows(self) -> int:
        return self.table.rowCount()


class DayEnd(QWidget):
    """日结: today's intake at this counter with totals, printable for the clerk to hand in."""

    def __init__(self, ui: UiLanguage, backend: Backend) -> None:
        super().__init__()
        self.ui = ui
        self.backend = backend
        self.lines: list[Any] = []
        from forms.clock import business_today

        self.day = QDateEdit(_qdate(business_today()))
        self.day.setCalendarPopup(True)
        self.day.setDisplayFormat("yyyy-MM-dd")
        self.day.setObjectName("day_end_day")
        self.day.dateChanged.connect(lambda _d: self.refresh())
        self.heading = QLabel()
        self.table = QTableWidget(0, len(LEDGER_COLUMNS))
        self.table.setObjectName("day_end_table")
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.total = QLabel()
        self.total.setObjectName("day_end_total")
        self.print_button = QPushButton()
        self.print_button.setObjectName("day_end_print")
        self.print_button.clicked.connect(self.print_)
        top = QHBoxLayout()
        top.addWidget(self.heading, 1)
        top.addWidget(self.day, 0, Qt.AlignmentFlag.AlignVCenter)  # its own height (see StatsPage)
        top.addWidget(self.print_button, 0, Qt.AlignmentFlag.AlignVCenter)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.total)

    def h(self, msgid: str, **params: Any) -> str:
        from desktop.catalog_cache import gettext

        return " / ".join(
            dict.fromkeys(gettext(msgid, lang, **params).strip() for lang in self.ui.form_languages())
        )

    def retranslate(self) -> None:
        self.heading.setText(self.h("stats.day_end.title"))
        self.print_button.setText(self.ui.t("stats.day_end.print"))
        hold_height(self.day)

        self.table.setHorizontalHeaderLabels([self.ui.t(m) for m in LEDGER_COLUMNS])
        self._show()

    def refresh(self) -> None:
        from localdb import stats

        day, db = _pydate(self.day.date()), self.backend.path

        def done(lines: list[Any]) -> None:
            self.lines = lines
            self._show()

        self.backend.submit(lambda: stats.day_end(db, day), done, lambda exc: log.warning("day end: %s", exc))

    def total_amount(self) -> Decimal:
        return sum((ln.amount or Decimal("0") for ln in self.lines), Decimal("0"))

    def _show(self) -> None:
        t, lang = self.ui.t, self.ui.lang
        self.table.setRowCount(len(self.lines))
        for r, ln in enumerate(self.lines):
            name = ln.name_zh + (f" {ln.name_bo}" if ln.name_bo else "")
            values = [
                ln.receipt_no,
                name,
                t(f"claim.{ln.claim_type}"),
                fmt.date(ln.received_on, lang),
                t(f"status.{ln.status}"),
                fmt.money(ln.amount, lang) if ln.amount is not None else "",
            ]
            for c, v in enumerate(values):
                self.table.setItem(r, c, _item(v, right=c == 5))
        fit_columns(self.table, stretch=1)
        self.total.setText(
            self.h("stats.day_end.total", count=len(self.lines), amount=format(self.total_amount(), ",.2f"))
        )

    def html(self) -> str:
        """The printable list: heading, counter and day, one row per application, the totals."""
        from html import escape

        counter = self.backend.counter or {}
        who = f"{counter.get('county_code', '')}-{int(counter.get('counter_no') or 0):02d}"
        day = _pydate(self.day.date()).isoformat()
        heads = "".join(f"<th>{escape(self.h(m))}</th>" for m in LEDGER_COLUMNS)
        body = []
        for r in range(self.table.rowCount()):
            cells = [
                self.table.item(r, c).text() if self.table.item(r, c) else ""
                for c in range(len(LEDGER_COLUMNS))
            ]
            body.append("<tr>" + "".join(f"<td>{escape(v)}</td>" for v in cells) + "</tr>")
        signs = " ".join(
            f"{escape(self.h(m))}：________ " for m in ("stats.ledger.clerk", "stats.report.reviewed_by")
        )
        return (
            f"<h2>{escape(self.h('stats.day_end.title'))}</h2>"
            f"<p>{escape(self.h('stats.day_end.counter', counter=who, day=day))}</p>"
            f"<table border='1' cellspacing='0' cellpadding='3' width='100%'><tr>{heads}</tr>{''.join(body)}</table>"
            f"<p><b>{escape(self.total.text())}</b></p><p>{signs}</p>"
        )

    def print_to(self, printer: QPrinter) -> None:
        doc = QTextDocument()
        doc.setHtml(self.html())
        doc.print_(printer)

    def print_(self) -> None:
        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        doc = QTextDocument()
        doc.setHtml(self.html())
        doc.setPageSize(printer.pageRect(QPrinter.Unit.Point).size())
        if dialogs.choose_printer(
            self, self.ui, printer, doc.pageCount(), dialogs.msg("stats.day_end.title")
        ):
            self.print_to(printer)

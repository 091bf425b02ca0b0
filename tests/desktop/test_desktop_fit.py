"""Text fits where it is shown: the entitlement panel wraps its citations inside its scroll area and
keeps each line's days in sight; a Tibetan UI is set larger and table rows follow the font; a Tibetan
date is written in one digit system."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from PySide6.QtCore import QPoint
from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import QApplication, QComboBox, QLabel, QLineEdit, QScrollArea, QSplitter, QTableWidget

from desktop import sample_data

pytestmark = pytest.mark.gui

STACKS = "བསྒྲུབས་སྐྱོང་ཧཱུྃ"
# the application of the screenshots: four leave lines in Lhasa, each citing a long Chinese title
APPLICATION = {
    "category": "employee",
    "event": "birth",
    "event_date": "2026-05-20",
    "babies": "2",
    "dystocia": True,
    "employer_avg_monthly_wage": "8200.00",
    "contribution_months": "24",
}


def _panel_labels(panel) -> list[QLabel]:
    """The labels the panel shows now (not those of an earlier result that wait for deletion)."""
    labels = [panel.title, panel.status, panel.reasons, panel.rule]
    for grid in (panel.lines, panel.totals):
        labels += [grid.itemAt(i).widget() for i in range(grid.count())]
    return [label for label in labels if label.text()]


def _assert_panel_fits(panel) -> None:
    area = panel.parentWidget().parentWidget()
    assert isinstance(area, QScrollArea)
    viewport = area.viewport()
    assert panel.width() <= viewport.width(), "the panel is wider than what its scroll area shows"
    for label in _panel_labels(panel):
        left = label.mapTo(viewport, QPoint(0, 0)).x()
        assert 0 <= left and left + label.width() <= viewport.width(), label.text()
        assert label.width() >= label.minimumSizeHint().width(), label.text()  # no word cut
        if label.wordWrap():  # all its wrapped lines get room
            assert label.height() >= label.heightForWidth(label.width()), label.text()
    assert panel.decision.leave_breakdown
    for line in panel.decision.leave_breakdown:
        name = panel.findChild(QLabel, f"leave_{line.code}")
        days = panel.findChild(QLabel, f"days_{line.code}")
        source = panel.findChild(QLabel, f"rule_{line.code}")
        assert days.isVisibleTo(panel) and days.text()
        assert days.width() >= days.sizeHint().width()  # the whole "98 天"
        assert days.x() >= name.x() + name.width()  # beside its leave line …
        assert abs(days.y() - name.y()) <= 2  # … on the same row
        assert source.y() >= name.y() + name.height()  # the citation below both


@pytest.mark.parametrize("lang", ["zh", "bo", "en"])
@pytest.mark.parametrize("region", ["lhasa", "lianyungang"])
def test_entitlement_citations_wrap_inside_the_panel(qtbot, open_window, region: str, lang: str) -> None:
    window = open_window("clerk", region, lang)
    page = window.page("applications")
    page.form.set_values({"id_number": sample_data.person_data(region, 4, "")["id_number"], **APPLICATION})
    qtbot.waitUntil(lambda: page.panel.decision is not None, timeout=10_000)
    qtbot.waitUntil(lambda: not window.backend.busy, timeout=10_000)
    split = page.panel.parentWidget().parentWidget().parentWidget()
    assert isinstance(split, QSplitter)
    for sizes in ([600, 440], [820, 300]):  # as opened, and with the panel dragged narrow
        split.setSizes(sizes)
        # new labels are shown and laid out by queued events: check once they have run
        qtbot.waitUntil(lambda: _assert_panel_fits(page.panel), timeout=3_000)


def test_tibetan_ui_is_set_larger_and_tables_follow(qtbot) -> None:
    from desktop import fonts

    app = QApplication.instance()
    table = QTableWidget(2, 1)
    qtbot.addWidget(table)
    fonts.apply(app, tibetan_first=False, lang="zh")
    fonts.fit_rows(table)
    assert app.font().pointSize() == fonts.POINT_SIZE
    usual_row = table.rowHeight(0)
    try:
        fonts.apply(app, tibetan_first=True, lang="zh")  # a Chinese UI on a Lhasa counter
        assert app.font().pointSize() == fonts.POINT_SIZE
        fonts.apply(app, tibetan_first=True, lang="bo")
        assert app.font().pointSize() == fonts.TIBETAN_POINT_SIZE > fonts.POINT_SIZE
        edit = QLineEdit(STACKS)
        combo = QComboBox()
        combo.addItem(STACKS)
        for widget in (edit, combo):
            qtbot.addWidget(widget)
            widget.show()
        ink = QFontMetrics(edit.font()).tightBoundingRect(STACKS).height()
        assert edit.height() >= ink + 4
        assert combo.height() >= ink + 4
        assert fonts.row_height() >= ink + 4
        assert table.rowHeight(0) >= ink + 4 and table.rowHeight(0) > usual_row  # made before
    finally:
        fonts.apply(app, tibetan_first=False, lang="zh")


def test_switching_to_tibetan_grows_the_open_tables(qtbot, open_window) -> None:
    window = open_window("clerk", "lianyungang", "zh")
    review = window.page("review")
    qtbot.waitUntil(lambda: review.table.rowCount() > 0 and not window.backend.busy, timeout=10_000)
    review.table.selectRow(0)
    qtbot.waitUntil(lambda: not window.backend.busy, timeout=10_000)
    search = window.page("persons").search.table
    window.ui.set_language("bo")
    try:
        ink = QFontMetrics(QApplication.instance().font()).tightBoundingRect(STACKS).height()
        assert QApplication.instance().font().pointSize() > 10
        assert review.table.rowHeight(0) >= ink + 4
        assert search.verticalHeader().defaultSectionSize() >= ink + 4
        dates = [review.table.item(r, 4).text() for r in range(review.table.rowCount())]
        assert dates and all(_one_digit_system(d) for d in dates)
    finally:
        window.ui.set_language("zh")


def _one_digit_system(text: str) -> bool:
    digits = re.findall(r"\d", text)  # \d also matches Tibetan digits ༠–༩
    return all(d.isascii() for d in digits) or not any(d.isascii() for d in digits)


def test_a_tibetan_date_uses_one_digit_system() -> None:
    from desktop import fmt

    for month in range(1, 13):
        day = dt.date(2026, month, 10)
        text = fmt.date(day, "bo")
        assert re.findall(r"\d+", text) == ["2026", str(month), "10"], text  # all Western
        assert fmt.date(day.isoformat(), "bo") == text
        stamp = fmt.datetime(dt.datetime(2026, month, 10, 9, 5), "bo")
        assert all(d.isascii() for d in re.findall(r"\d", stamp)), stamp
    assert "ལོ" in fmt.date(dt.date(2026, 7, 10), "bo")  # still Babel's Tibetan pattern
    assert fmt.date(dt.date(2026, 7, 10), "zh") == "2026年7月10日"

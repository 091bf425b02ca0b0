"""Forms that fit the screen and stay still, and less typing in the application (issue 13), and
bilingual choices and issues in Lhasa (issue 15): the wheel over an unfocused combo box changes
nothing, an error line does not move the field below it, a save scrolls back to the top, the buttons
keep their places; the employer picker by name or credit code fills the wage, the person's category,
insured-since date and contribution months fill in, the application date starts as today, the
entitlement shows the leave before the wage is known."""

from __future__ import annotations

import datetime as dt

import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QWheelEvent
from PySide6.QtWidgets import QApplication

from desktop import sample_data
from desktop.keys import type_text
from desktop.pages.applications import contribution_months
from forms.clock import business_today

pytestmark = pytest.mark.gui


def _idle(qtbot, window) -> None:
    qtbot.waitUntil(lambda: not window.backend.busy, timeout=10_000)


def _wheel(widget, steps: int = -1) -> None:
    pos = QPointF(widget.width() / 2, widget.height() / 2)
    event = QWheelEvent(
        pos,
        QPointF(widget.mapToGlobal(pos.toPoint())),
        QPoint(0, 0),
        QPoint(0, 120 * steps),
        Qt.MouseButton.NoButton,
        Qt.KeyboardModifier.NoModifier,
        Qt.ScrollPhase.NoScrollPhase,
        False,
    )
    QApplication.sendEvent(widget, event)


def _registered(window, index: int = 4) -> dict:
    employer = sample_data.employer_data(window.backend.region)
    return sample_data.person_data(window.backend.region, index, employer["uscc"])


def test_the_wheel_over_an_unfocused_combo_box_changes_nothing(qtbot, open_window) -> None:
    window = open_window("clerk", "lianyungang")
    window.resize(1366, 768)
    page = window.page("applications")
    combo = page.form.editor("event")
    page.form.editor("id_number").setFocus()
    before = combo.currentIndex()
    bar = page.form_area.verticalScrollBar()
    assert bar.maximum() > 0  # the form scrolls at 1366×768
    _wheel(combo, -1)
    assert combo.currentIndex() == before
    assert bar.value() > 0  # the page scrolled instead
    assert combo.focusPolicy() == Qt.FocusPolicy.StrongFocus  # the wheel does not give it focus
    combo.setFocus()
    _wheel(combo, -1)  # with the focus the wheel chooses, as everywhere
    assert combo.currentIndex() != before


def test_an_error_line_does_not_move_the_field_below(qtbot, open_window) -> None:
    window = open_window("clerk", "lianyungang")
    window.resize(1366, 768)
    page = window.page("persons")
    page.tabs.setCurrentWidget(page.person)
    form = page.person.form
    below = form.editor("name_zh")
    qtbot.wait(10)
    y_before = below.mapTo(form, QPoint(0, 0)).y()
    qtbot.keyClicks(form.editor("id_number"), "3207061992")  # too short: an error line shows
    assert form.editors["id_number"].issue.isVisibleTo(window)
    qtbot.wait(10)
    assert below.mapTo(form, QPoint(0, 0)).y() == y_before
    qtbot.keyClicks(form.editor("birth_date"), "1992-05-1")  # a date hint appears under it
    qtbot.wait(10)
    assert (
        form.editor("ethnicity").mapTo(form, QPoint(0, 0)).y()
        == form.editor("ethnicity").mapTo(form, QPoint(0, 0)).y()
    )
    assert below.mapTo(form, QPoint(0, 0)).y() == y_before


def test_the_person_form_has_two_columns_at_1366(qtbot, open_window) -> None:
    for lang in ("zh", "bo"):
        window = open_window("clerk", "lhasa" if lang == "bo" else "lianyungang", lang)
        window.resize(1366, 768)
        page = window.page("persons")
        page.tabs.setCurrentWidget(page.person)
        form = page.person.form
        qtbot.waitUntil(lambda form=form: form.columns == 2, timeout=5_000)
        qtbot.wait(50)  # laid out
        area = form.scroll_area()
        assert area.horizontalScrollBar().maximum() == 0  # no horizontal scrolling
        left = form.group_boxes["identity"].mapTo(form, QPoint(0, 0)).x()
        right = form.group_boxes["insurance"].mapTo(form, QPoint(0, 0)).x()
        assert right > left  # side by side
    window.resize(700, 768)  # a narrow window: one column, labels still beside the fields
    qtbot.waitUntil(lambda: form.columns == 1, timeout=5_000)


def _valid_application(qtbot, window, page, index: int = 4) -> None:
    person = _registered(window, index)
    qtbot.keyClicks(page.form.editor("id_number"), person["id_number"])
    _idle(qtbot, window)
    event = page.form.editor("event")
    event.setCurrentIndex(event.findData("birth"))
    page.form.revalidate()
    qtbot.keyClicks(page.form.editor("event_date"), (business_today() - dt.timedelta(days=15)).isoformat())
    _idle(qtbot, window)
    assert page.form.result.ok, page.form.result.issues


def test_a_save_scrolls_back_to_the_top_and_the_buttons_stay_put(qtbot, open_window) -> None:
    window = open_window("clerk", "lianyungang")
    window.resize(1366, 768)
    page = window.page("applications")
    qtbot.wait(10)
    place = page.save_button.mapTo(window, QPoint(0, 0))
    print_place = page.print_button.mapTo(window, QPoint(0, 0))
    _valid_application(qtbot, window, page)
    bar = page.form_area.verticalScrollBar()
    bar.setValue(bar.maximum())
    page.form.editor("contribution_months").setFocus()
    qtbot.keyClick(page.form.editor("contribution_months"), Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: page.last is not None, timeout=10_000)
    _idle(qtbot, window)
    assert bar.value() == 0
    assert QApplication.focusWidget() is page.form.editor("id_number")
    assert page.save_button.mapTo(window, QPoint(0, 0)) == place
    assert page.print_button.mapTo(window, QPoint(0, 0)) == print_place
    page.save()  # an empty form: an error message in the bar, the buttons where they were
    assert page.message.property("role") == "error"
    qtbot.wait(10)
    assert page.save_button.mapTo(window, QPoint(0, 0)) == place


def test_the_registered_person_fills_category_months_employer_and_wage(qtbot, open_window) -> None:
    window = open_window("clerk", "lianyungang")
    page = window.page("applications")
    form = page.form
    person = _registered(window)
    assert form.editors["filed_on"].raw() == business_today().isoformat()  # 受理日期: today
    qtbot.keyClicks(form.editor("id_number"), person["id_number"])
    qtbot.waitUntil(lambda: form.editors["category"].raw() == "employee", timeout=10_000)
    since = dt.date.fromisoformat(person["insured_since"])
    assert form.editors["insured_since"].raw() == person["insured_since"]
    assert form.editors["contribution_months"].raw() == str(contribution_months(since, business_today()))
    assert form.editors["employer_avg_monthly_wage"].raw() == "8200.00"
    assert sample_data.employer_data("lianyungang")["name_zh"] in page.employer.shown.text()
    event_date = dt.date(2026, 6, 30)
    qtbot.keyClicks(form.editor("event_date"), event_date.isoformat())
    assert form.editors["contribution_months"].raw() == str(contribution_months(since, event_date))
    assert contribution_months(dt.date(2015, 3, 1), dt.date(2026, 6, 30)) == 135
    form.editor("contribution_months").clear()
    qtbot.keyClicks(form.editor("contribution_months"), "40")  # typed by hand: kept
    qtbot.keyClicks(form.editor("event_date"), "")
    form.editor("event_date").clear()
    qtbot.keyClicks(form.editor("event_date"), "2026-07-01")
    assert form.editors["contribution_months"].raw() == "40"


@pytest.mark.parametrize("by", ["name", "uscc"])
def test_the_employer_picker_fills_the_wage(qtbot, open_window, by) -> None:
    window = open_window("clerk", "lianyungang")
    page = window.page("applications")
    employer = sample_data.employer_data("lianyungang")
    picker = page.employer
    wage = page.form.editors["employer_avg_monthly_wage"]
    assert wage.raw() == ""
    if by == "name":
        type_text(picker.edit, "示例科技")
        qtbot.waitUntil(lambda: picker.model.rowCount() > 0, timeout=10_000)
        popup = picker.completer.popup()
        qtbot.waitUntil(popup.isVisible, timeout=5_000)
        qtbot.keyClick(popup, Qt.Key.Key_Down)
        qtbot.keyClick(popup, Qt.Key.Key_Return)
    else:
        qtbot.keyClicks(picker.edit, employer["uscc"])
    qtbot.waitUntil(lambda: wage.raw() == "8200.00", timeout=10_000)
    assert picker.edit.text() == employer["name_zh"]  # the chosen name shown back
    assert employer["uscc"] in picker.shown.text()
    assert page.form.dirty  # a choice by hand is kept in the draft
    assert page.form.draft_values()["employer_uscc"] == employer["uscc"]


def test_the_entitlement_shows_the_leave_before_the_wage_is_known(qtbot, open_window) -> None:
    window = open_window("clerk", "lianyungang")
    page = window.page("applications")
    panel = page.panel
    assert "参保类别" in panel.status.text()  # what is still needed, named
    page.form.set_values({"category": "employee", "event": "birth", "event_date": "2026-06-10"})
    assert panel.partial and panel.decision is None
    assert panel.findChild(object, "ui_entitlement_leave_days").text().startswith("158")
    assert (
        panel.findChild(object, "ui_entitlement_allowance") is None
        or not panel.findChild(object, "ui_entitlement_allowance").isVisible()
    )
    assert "月平均工资" in panel.status.text()
    page.form.set_values({"employer_avg_monthly_wage": "8200", "contribution_months": "36"})
    assert not panel.partial and panel.decision is not None
    assert panel.decision.allowance > 0


def test_lhasa_choices_and_issues_are_bilingual(qtbot, open_window) -> None:
    window = open_window("clerk", "lhasa", "zh")
    page = window.page("applications")
    event = page.form.editor("event")
    text = event.itemText(event.findData("birth"))
    assert "/" in text
    tibetan, chinese = (part.strip() for part in text.split("/", 1))
    assert any("\u0f00" <= c <= "\u0fff" for c in tibetan)
    assert any("\u4e00" <= c <= "\u9fff" for c in chinese)
    assert "/" in event.itemText(0)  # — choose — too
    qtbot.keyClicks(page.form.editor("id_number"), "540102")
    issue = page.form.editors["id_number"].issue
    assert issue.isVisibleTo(window)
    assert any("\u0f00" <= c <= "\u0fff" for c in issue.text())
    assert any("\u4e00" <= c <= "\u9fff" for c in issue.text())
    assert issue.toolTip().count("\n") == 1  # one line per language in the tooltip
    page.save()  # the form's own "N problems" line: a line in each language
    summary = page.message.text().split("\n")
    assert len(summary) == 2
    assert any("\u0f00" <= c <= "\u0fff" for c in summary[0])
    assert any("\u4e00" <= c <= "\u9fff" for c in summary[1])


def test_lianyungang_choices_stay_in_one_language(qtbot, open_window) -> None:
    window = open_window("clerk", "lianyungang", "zh")
    event = window.page("applications").form.editor("event")
    assert "/" not in event.itemText(event.findData("birth"))

"""Issue 20, point 3: input that was lost. The 已收材料 checklist starts each application at its first
row (Down and Space tick the items meant, not those next to the row the previous application left
current); Enter in the 用人单位 picker chooses a single hit and moves on, or opens the list of several."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from desktop import sample_data
from desktop.keys import type_text

pytestmark = pytest.mark.gui


def _checked(docs) -> list[int]:
    return [i for i in range(docs.count()) if docs.item(i).checkState() == Qt.CheckState.Checked]


def test_the_checklist_starts_each_application_at_its_first_row(qtbot, open_window) -> None:
    window = open_window("clerk", "lianyungang")
    page = window.page("applications")
    docs = page.form.editor("documents")
    assert docs.count() >= 3
    docs.setFocus()
    qtbot.waitUntil(docs.hasFocus, timeout=5_000)
    for key in (Qt.Key.Key_Down, Qt.Key.Key_Down, Qt.Key.Key_Space):
        qtbot.keyClick(docs, key)
    assert _checked(docs) == [docs.currentRow()] and docs.currentRow() >= 1
    # the next application (the form cleared after a save)
    page.form.clear()
    assert _checked(docs) == []
    docs.setFocus()
    qtbot.keyClick(docs, Qt.Key.Key_Space)
    qtbot.keyClick(docs, Qt.Key.Key_Down)
    qtbot.keyClick(docs, Qt.Key.Key_Space)
    assert _checked(docs) == [0, 1]  # the first two, as she counted them
    # a draft or a person's record put in: the same
    page.form.set_values({"documents": []})
    docs.setFocus()
    qtbot.keyClick(docs, Qt.Key.Key_Space)
    assert _checked(docs) == [0]


def test_enter_in_the_employer_picker_chooses_the_single_hit_and_moves_on(qtbot, open_window) -> None:
    window = open_window("clerk", "lianyungang")
    page = window.page("applications")
    picker = page.employer
    employer = sample_data.employer_data("lianyungang")
    wage = page.form.editors["employer_avg_monthly_wage"]
    type_text(picker.edit, "示例科技")
    qtbot.waitUntil(lambda: len(picker.rows) == 1, timeout=10_000)
    picker.completer.popup().hide()  # she typed on past the list, as a fast typist does
    picker.edit.setFocus()
    qtbot.waitUntil(picker.edit.hasFocus, timeout=5_000)
    qtbot.keyClick(picker.edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: picker.employer is not None, timeout=10_000)
    assert picker.uscc() == employer["uscc"]
    qtbot.waitUntil(lambda: wage.raw() == "8200.00", timeout=10_000)
    assert not picker.edit.hasFocus()  # Enter moved on, as from every other field


def test_enter_in_the_employer_picker_with_several_hits_opens_the_list(qtbot, open_window) -> None:
    window = open_window("clerk", "lianyungang")
    page = window.page("applications")
    service = window.backend.service_now()
    second = sample_data.employer_data("lianyungang", 2) | {"name_zh": "连云港市海州区示例贸易有限公司"}
    window.backend.submit(lambda: service.register_employer(second)).result(30)
    picker = page.employer
    type_text(picker.edit, "示例")
    qtbot.waitUntil(lambda: len(picker.rows) == 2, timeout=10_000)
    popup = picker.completer.popup()
    popup.hide()
    picker.edit.setFocus()
    qtbot.waitUntil(picker.edit.hasFocus, timeout=5_000)
    qtbot.keyClick(picker.edit, Qt.Key.Key_Return)
    assert picker.employer is None and popup.isVisible()  # nothing guessed: the list to choose from
    assert picker.edit.hasFocus()

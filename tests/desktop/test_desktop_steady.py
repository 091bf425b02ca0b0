"""Issue 20, point 4: nothing moves under the hand. Driving the real window: no button moves when a
message appears (the review's done line, the stats' "已保存到…", the correction dialog's error line,
the restored-draft line), and after 审核通过 the detail and the buttons are those of the highlighted
application."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QApplication, QWidget

pytestmark = pytest.mark.gui


def _where(*widgets: QWidget) -> list[tuple[int, int, int, int]]:
    """Each widget's place in its window (after the layouts have settled)."""
    QApplication.processEvents()
    out = []
    for w in widgets:
        top_left = w.mapTo(w.window(), QPoint(0, 0))
        out.append((top_left.x(), top_left.y(), w.width(), w.height()))
    return out


def _idle(qtbot, window) -> None:
    qtbot.waitUntil(lambda: not window.backend.busy, timeout=30_000)


@pytest.mark.parametrize("lang", ["zh", "bo"])
def test_the_review_buttons_stay_put_and_the_detail_follows_the_highlight(qtbot, open_window, lang) -> None:
    window = open_window("reviewer", "lhasa", lang)
    review = window.page("review")
    review.show_queue()  # what waits for review: a decided one leaves it
    qtbot.waitUntil(lambda: any(a["status"] == "under_review" for a in review.apps), timeout=30_000)
    _idle(qtbot, window)
    buttons = (review.start_button, review.approve_button, review.reject_button, review.reason)
    first = next(i for i, a in enumerate(review.apps) if a["status"] == "received")
    review.table.selectRow(first)
    _idle(qtbot, window)
    placed = _where(*buttons)
    other = next(i for i, a in enumerate(review.apps) if a["status"] == "under_review")
    review.table.selectRow(other)
    _idle(qtbot, window)
    assert _where(*buttons) == placed  # between applications
    app_id = review.current["id"]
    qtbot.mouseClick(review.approve_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bool(review.message.text()), timeout=30_000)
    _idle(qtbot, window)
    qtbot.waitUntil(lambda: review.current and review.current.get("status") == "approved", timeout=30_000)
    assert _where(*buttons) == placed  # the done line appeared: nothing moved
    # the highlight, the detail and the buttons are all the decided application's
    rows = review.table.selectionModel().selectedRows()
    assert len(rows) == 1 and review.apps[rows[0].row()]["id"] == app_id == review.current["id"]
    assert review.current["receipt_no"] in review.detail.text()
    assert review.slip_button.isEnabled() and not review.approve_button.isEnabled()
    # the reviewer moves on: the detail follows her choice
    nxt = next(i for i, a in enumerate(review.apps) if a["id"] != app_id)
    review.table.selectRow(nxt)
    _idle(qtbot, window)
    assert review.current["id"] == review.apps[nxt]["id"]
    assert review.apps[nxt]["receipt_no"] in review.detail.text()
    assert _where(*buttons) == placed


def test_the_stats_saved_line_does_not_push_the_export_buttons(qtbot, open_window, tmp_path) -> None:
    window = open_window("admin", "lianyungang")
    page = window.page("stats")
    qtbot.waitUntil(lambda: page.result is not None and not page.busy, timeout=30_000)
    buttons = (page.xlsx_button, page.csv_button, page.pdf_button, page.tabs)
    placed = _where(*buttons)
    target = tmp_path / "m.csv"
    page.export("csv", str(target))
    qtbot.waitUntil(lambda: not page.busy and target.exists() and bool(page.message.text()), timeout=30_000)
    assert str(target.name) in page.message.text() or "m.csv" in page.message.text()
    assert _where(*buttons) == placed


def test_the_correction_dialogs_error_line_does_not_move_the_reason_box(qtbot, open_window) -> None:
    from desktop import sample_data

    window = open_window("clerk", "lhasa")
    page = window.page("persons")
    page.search.look_for(sample_data.person_data("lhasa", 0, "")["id_number"])
    qtbot.waitUntil(lambda: len(page.search.model.rows) == 1, timeout=30_000)
    page.search.show_first()
    qtbot.waitUntil(lambda: page.detail.record is not None, timeout=30_000)
    _idle(qtbot, window)
    dialog = page.detail.edit("person")
    qtbot.waitUntil(dialog.isVisible, timeout=10_000)
    parts = (dialog.reason, dialog.save_button, dialog.cancel_button)
    placed = _where(*parts)
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)  # nothing changed: an error
    assert dialog.message.isVisible() and dialog.message.text()
    assert _where(*parts) == placed
    dialog.reject()


def test_the_restored_draft_line_does_not_push_the_form_down(qtbot, open_window) -> None:
    window = open_window("clerk", "lianyungang")
    page = window.page("applications")
    form = page.form
    fields = (form.editor("id_number"), page.save_button)
    placed = _where(*fields)
    form.restore_draft({"id_number": ""}, "2026-11-20T02:15:00Z")
    assert form.draft_notice.isVisible() and form.draft_notice.text()
    assert _where(*fields) == placed

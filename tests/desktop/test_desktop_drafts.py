"""Nothing typed is lost (issue 13): a half-filled form survives a lock, switching screens, closing the
window (which asks first, and only when something is typed) and a crash (a draft kept in the store a
few seconds after the last edit, restored at the next login of the same user only, cleared on save)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from desktop import sample_data
from forms.clock import business_today
from tests.desktop.conftest import STAFF

pytestmark = pytest.mark.gui


def _idle(qtbot, window) -> None:
    qtbot.waitUntil(lambda: not window.backend.busy, timeout=10_000)


def _log_in(qtbot, window, role: str) -> None:
    qtbot.waitUntil(lambda: window.dialog is not None and window.dialog.isVisible(), timeout=10_000)
    user, password = STAFF[role]
    window.dialog.username.setText(user)
    qtbot.keyClicks(window.dialog.password, password)
    qtbot.keyClick(window.dialog.password, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.backend.role == role and window.dialog is None, timeout=10_000)
    _idle(qtbot, window)


def _half_filled(qtbot, window) -> tuple[object, str]:
    """An application with the ID number and the event date typed, nothing saved."""
    page = window.page("applications")
    person = sample_data.person_data(window.backend.region, 4, "")
    qtbot.keyClicks(page.form.editor("id_number"), person["id_number"])
    event_date = (business_today() - dt.timedelta(days=10)).isoformat()
    qtbot.keyClicks(page.form.editor("event_date"), event_date)
    _idle(qtbot, window)
    assert page.form.dirty
    return page, person["id_number"]


def _reopen(qtbot, path: Path, role: str = "clerk"):
    """A new window on the same database file (a new process after a crash)."""
    from desktop.backend import Backend, store_module
    from desktop.lang import UiLanguage
    from desktop.main_window import MainWindow

    backend = Backend(path, store_module())
    window = MainWindow(UiLanguage("zh"), backend)
    qtbot.addWidget(window)
    window.show()
    window.start()
    _log_in(qtbot, window, role)
    return window


def _draft_in_store(window, form: str = "maternity_application"):
    return window.backend.submit(lambda: window.backend.service_now().load_draft(form)).result(10)


def test_lock_keeps_the_half_filled_form(qtbot, open_window) -> None:
    window = open_window("clerk", "lianyungang")
    _page, number = _half_filled(qtbot, window)
    window.lock()
    assert not window.pages  # the screens went with the session
    _log_in(qtbot, window, "clerk")
    qtbot.waitUntil(lambda: "applications" in window.pages, timeout=10_000)
    form = window.pages["applications"].form
    qtbot.waitUntil(lambda: form.editors["id_number"].raw() == number, timeout=10_000)
    assert form.editors["event_date"].raw()
    assert window.stack.currentWidget() is window.pages["applications"]  # back where she was
    assert form.draft_notice.isVisibleTo(window)
    assert "草稿" in form.draft_notice.text() and ":" in form.draft_notice.text()  # "… HH:MM"


def test_switching_screens_keeps_the_form(qtbot, open_window) -> None:
    window = open_window("clerk", "lianyungang")
    page, number = _half_filled(qtbot, window)
    window.page("persons")
    window.page("review")
    assert window.page("applications") is page
    assert page.form.editors["id_number"].raw() == number


def test_closing_asks_first_and_keeps_a_draft(qtbot, open_window, tmp_path) -> None:
    window = open_window("clerk", "lianyungang")
    _page, number = _half_filled(qtbot, window)
    window.close()
    assert window.isVisible()  # not closed: asked first
    box = window.close_question
    assert box is not None and box.isVisible()
    keep = box.findChild(object, "close_keep_draft")
    qtbot.mouseClick(keep, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not window.isVisible(), timeout=10_000)
    again = _reopen(qtbot, window.backend.path)
    form = again.page("applications").form
    qtbot.waitUntil(lambda: form.editors["id_number"].raw() == number, timeout=10_000)
    again._close_decided = True


def test_closing_with_discard_drops_the_draft(qtbot, open_window) -> None:
    window = open_window("clerk", "lianyungang")
    window.drafts.timer.setInterval(50)
    _half_filled(qtbot, window)
    qtbot.waitUntil(lambda: window.drafts.saves >= 1, timeout=10_000)
    window.close()
    qtbot.mouseClick(window.close_question.findChild(object, "close_discard"), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not window.isVisible(), timeout=10_000)
    again = _reopen(qtbot, window.backend.path)
    assert _draft_in_store(again) is None
    assert not again.page("applications").form.dirty


def test_closing_does_not_ask_when_nothing_was_typed(qtbot, open_window) -> None:
    window = open_window("clerk", "lianyungang")
    window.page("applications")  # a form on screen, defaults filled (date), nothing typed
    window.close()
    assert window.close_question is None
    assert not window.isVisible()


def test_a_crash_loses_at_most_the_last_seconds(qtbot, open_window) -> None:
    from desktop import drafts

    window = open_window("clerk", "lianyungang")
    assert drafts.DELAY_MS <= 3000 and drafts.MAX_WAIT_S <= 10  # "the last few seconds"
    _page, number = _half_filled(qtbot, window)
    qtbot.waitUntil(lambda: window.drafts.saves >= 1, timeout=drafts.DELAY_MS + 5000)
    # the process dies here: no close, no lock; a new process opens the same file
    window._close_decided = True
    again = _reopen(qtbot, window.backend.path)
    form = again.page("applications").form
    qtbot.waitUntil(lambda: form.editors["id_number"].raw() == number, timeout=10_000)
    assert form.draft_notice.isVisibleTo(again)
    again._close_decided = True


def test_the_draft_is_cleared_on_save(qtbot, open_window) -> None:
    window = open_window("clerk", "lianyungang")
    window.drafts.timer.setInterval(50)
    page, _number = _half_filled(qtbot, window)
    event = page.form.editor("event")
    event.setFocus()
    qtbot.keyClick(event, Qt.Key.Key_Down)  # 生育 birth
    qtbot.waitUntil(lambda: window.drafts.saves >= 1, timeout=10_000)
    assert _draft_in_store(window) is not None
    page.save()
    qtbot.waitUntil(lambda: page.last is not None, timeout=10_000)
    _idle(qtbot, window)
    assert _draft_in_store(window) is None
    assert not page.form.dirty
    window.close()
    assert window.close_question is None  # saved: nothing to ask about


def test_another_user_does_not_see_the_draft(qtbot, open_window) -> None:
    window = open_window("clerk", "lianyungang")
    _page, number = _half_filled(qtbot, window)
    window.lock()
    _log_in(qtbot, window, "admin")  # another user at the same counter
    form = window.page("applications").form
    _idle(qtbot, window)
    assert form.editors["id_number"].raw() == ""
    assert not form.draft_notice.isVisibleTo(window)
    assert _draft_in_store(window) is None  # the store reads back the admin's own drafts only
    window.lock()
    _log_in(qtbot, window, "clerk")
    qtbot.waitUntil(
        lambda: (
            "applications" in window.pages
            and window.pages["applications"].form.editors["id_number"].raw() == number
        ),
        timeout=10_000,
    )


def test_the_idle_lock_keeps_the_form_too(qtbot, open_window) -> None:
    window = open_window("clerk", "lianyungang")
    _page, number = _half_filled(qtbot, window)
    watcher = window.idle_watcher
    watcher.last_input -= watcher.minutes * 60 + 1  # minutes without input
    watcher.check()
    qtbot.waitUntil(lambda: window.backend.role is None, timeout=5_000)
    _log_in(qtbot, window, "clerk")
    qtbot.waitUntil(
        lambda: (
            "applications" in window.pages
            and window.pages["applications"].form.editors["id_number"].raw() == number
        ),
        timeout=10_000,
    )

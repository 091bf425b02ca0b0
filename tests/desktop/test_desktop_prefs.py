"""Window size and UI language are remembered per user (issue 13): two users of one counter each get
her own size, position and language back when the app starts again and she logs in; a remembered
window larger than the screen comes back inside it; a language picked in the login dialog is kept
for her; nothing secret is written."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, QRect, QSettings, QSize

from desktop import sample_data

pytestmark = pytest.mark.gui


@pytest.fixture
def counter_app(qtbot, store_copy) -> Iterator[Callable[..., object]]:
    """``start(who, lang="zh")``: the counter app started afresh on one database (a new window, as
    after a restart), logged in through the real login dialog as ``who`` (username, password)."""
    from desktop.main_window import MainWindow
    from tests.desktop.conftest import log_in, start_window

    db = store_copy("lhasa")
    open_now: list[object] = []

    def close_all() -> None:
        while open_now:
            window = open_now.pop()
            if window.dialog is not None:
                window.dialog.done(1)
            window.close()
            window.backend.close()

    def start(who: tuple[str, str], lang: str = "zh", *, pick_language: str | None = None) -> MainWindow:
        close_all()
        window = start_window(qtbot, db, lang, tibetan_first=True)
        open_now.append(window)
        dialog = window.dialog
        if pick_language is not None:  # the login dialog's own language choice
            dialog.language.setCurrentIndex(dialog.language.findData(pick_language))
            dialog.language.activated.emit(dialog.language.currentIndex())
        log_in(qtbot, window, who)
        return window

    yield start
    close_all()


def _place(qtbot, window, pos: QPoint, size: QSize) -> None:
    window.resize(size)
    window.move(pos)
    qtbot.waitUntil(lambda: window.size() == size and window.pos() == pos, timeout=3_000)


def _screen(window) -> QRect:
    return window.screen().availableGeometry()


def test_each_user_gets_her_own_window_and_language_back_after_a_restart(qtbot, counter_app) -> None:
    # two users whose first screens fit the offscreen platform's 800×600 screen (a reviewer lands
    # on her review queue, which needs some 850 px)
    clerk, admin = sample_data.CLERK, sample_data.ADMIN
    window = counter_app(clerk, "zh")
    _place(qtbot, window, QPoint(20, 30), QSize(700, 500))
    window.language.setCurrentIndex(window.language.findData("bo"))
    window.language.activated.emit(window.language.currentIndex())  # the toolbar's language switch
    assert window.ui.lang == "bo"

    window = counter_app(admin, "zh")  # a restart; the admin has no memory yet: as started
    assert window.ui.lang == "zh"
    _place(qtbot, window, QPoint(50, 10), QSize(620, 560))
    window.ui.set_language("en")

    window = counter_app(clerk, "zh")
    assert window.ui.lang == "bo"
    assert window.language.currentData() == "bo"  # the toolbar shows it too
    assert window.backend.role == "clerk"
    assert (window.pos(), window.size()) == (QPoint(20, 30), QSize(700, 500))

    window = counter_app(admin, "bo")
    assert window.ui.lang == "en"
    assert (window.pos(), window.size()) == (QPoint(50, 10), QSize(620, 560))


def test_a_window_remembered_larger_than_the_screen_comes_back_inside_it(qtbot, counter_app) -> None:
    clerk = sample_data.CLERK
    window = counter_app(clerk)
    screen = _screen(window)
    _place(qtbot, window, QPoint(screen.right() - 100, 40), screen.size() + QSize(600, 300))

    window = counter_app(clerk)
    assert screen.contains(QRect(window.pos(), window.size()))
    assert window.size() == screen.size()  # as large as it may be


def test_a_language_picked_at_login_is_kept_for_her(qtbot, counter_app) -> None:
    clerk = sample_data.CLERK
    window = counter_app(clerk, "zh")
    window.ui.set_language("en")

    window = counter_app(clerk, "zh", pick_language="bo")  # she chooses Tibetan on the login dialog
    assert window.ui.lang == "bo"
    window = counter_app(clerk, "zh")
    assert window.ui.lang == "bo"


def test_the_preferences_hold_no_secret(qtbot, counter_app) -> None:
    clerk = sample_data.CLERK
    window = counter_app(clerk)
    _place(qtbot, window, QPoint(10, 10), QSize(640, 480))
    window.close()
    path = Path(
        QSettings(QSettings.Format.IniFormat, QSettings.Scope.UserScope, "liangxian", "window").fileName()
    )
    text = path.read_text(encoding="utf-8")
    assert clerk[0] in text and "width=640" in text
    assert clerk[1] not in text and "password" not in text.lower()
    assert sorted(
        k.rsplit("/", 1)[1] for k in QSettings(str(path), QSettings.Format.IniFormat).allKeys()
    ) == [
        "height",
        "lang",
        "maximized",
        "width",
        "x",
        "y",
    ]

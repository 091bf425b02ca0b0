"""Every screen fits a counter's 1366×768 screen in every UI language (issue 13): the main window's
pages (each tab of each page) and the dialogs, in English and Chinese at a Lianyungang counter and in
Chinese and Tibetan at a Lhasa counter (whose forms are bilingual, Tibetan above Chinese), on the
sample data of ``desktop.sample_data``.

The widget tree is walked generically (``findChildren``), so a widget added later is checked too:

- nothing clipped: a visible label, button, check box, radio button, combo box, spin box or group box
  gets at least its minimum size hint (a word-wrapped label: the height its lines need at its width);
  a table's header section is as wide and as tall as its text; the tabs of a tab bar all fit it; a line
  edit is at least eight digits wide;
- nothing off-screen: every visible widget lies inside its window, and the window (a dialog too)
  inside 1366×768; a widget inside a scroll area lies inside the area's width (height scrolls);
- no horizontal scroll bar shows in a scroll area or a table.

One window per configuration, kept for the module (logged in as the admin, who sees every screen).
Screens another helper is reworking now are expected to fail where they still do (``xfail``, not
strict), listed in ``OWNED_ELSEWHERE``.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QPoint, QRect, Qt
from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QAbstractScrollArea,
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QDialog,
    QGraphicsView,
    QGroupBox,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListView,
    QStyle,
    QTabBar,
    QTableView,
    QToolButton,
    QWidget,
)

from desktop import sample_data

pytestmark = pytest.mark.gui

SCREEN = QRect(0, 0, 1366, 768)
#: (region, UI language): English and Chinese in Lianyungang; Chinese and Tibetan in Lhasa, where form
#: labels are bilingual (Tibetan above Chinese)
CONFIGS = (("lianyungang", "en"), ("lianyungang", "zh"), ("lhasa", "zh"), ("lhasa", "bo"))
TOLERANCE = 1  # px: rounding of fractional font metrics


# --- the checks ------------------------------------------------------------------------------------


def _name(w: QWidget) -> str:
    text = ""
    for getter in ("text", "title", "currentText", "placeholderText"):
        value = getattr(w, getter, None)
        if callable(value):
            try:
                text = str(value())
            except TypeError:
                continue
            if text:
                break
    text = text.replace("\n", "⏎")
    return f"{type(w).__name__}#{w.objectName() or '?'} {text[:40]!r}"


def _internal(w: QWidget) -> bool:
    """Qt's own parts of a composite widget (a spin box's line edit, a scroll area's viewport …)."""
    return w.objectName().startswith("qt_") or isinstance(w.parentWidget(), (QComboBox, QAbstractSpinBox))


def _scroll_viewport(w: QWidget, top: QWidget) -> QWidget | None:
    """The viewport of the nearest scroll area ``w`` lies in (its content may scroll), or None."""
    p = w.parentWidget()
    while p is not None and p is not top:
        area = p.parentWidget()
        if isinstance(area, QAbstractScrollArea) and area.viewport() is p:
            return p
        p = p.parentWidget()
    return None


def _header_problems(view: QTableView) -> list[str]:
    out = []
    header = view.horizontalHeader()
    if not header.isVisible():
        return out
    fm = QFontMetrics(header.font())
    margin = header.style().pixelMetric(QStyle.PixelMetric.PM_HeaderMargin, None, header)
    model = view.model()
    for logical in range(header.count()):
        if header.isSectionHidden(logical):
            continue
        text = str(model.headerData(logical, Qt.Orientation.Horizontal) or "")
        if not text:
            continue
        lines = text.split("\n")
        need_w = max(fm.horizontalAdvance(line) for line in lines) + 2 * margin
        need_h = len(lines) * fm.height()
        size = header.sectionSize(logical)
        if size + TOLERANCE < need_w:
            out.append(f"{_name(view)} header {text!r} is {size} px wide, its text needs {need_w}")
        if header.height() + TOLERANCE < need_h:
            out.append(f"{_name(view)} header {text!r} is {header.height()} px tall, its text needs {need_h}")
    return out


def _size_problems(w: QWidget) -> list[str]:
    """Clipped text: ``w`` smaller than what it needs to show itself whole."""
    out = []
    hint = w.minimumSizeHint()
    if isinstance(w, QLabel):
        if not w.text() or (w.pixmap() is not None and not w.pixmap().isNull()):
            return out
        if w.wordWrap():
            need = w.heightForWidth(w.width())
            if w.height() + TOLERANCE < need:
                out.append(f"{_name(w)} is {w.height()} px tall, its wrapped lines need {need}")
            if w.width() + TOLERANCE < hint.width():
                out.append(f"{_name(w)} is {w.width()} px wide, its longest word needs {hint.width()}")
            return out
    elif isinstance(w, QLineEdit):
        need = max(hint.width(), QFontMetrics(w.font()).horizontalAdvance("0" * 8))
        if w.width() + TOLERANCE < need:
            out.append(f"{_name(w)} is squeezed to {w.width()} px (at least {need})")
        if w.height() + TOLERANCE < hint.height():
            out.append(f"{_name(w)} is {w.height()} px tall, its text needs {hint.height()}")
        return out
    elif isinstance(w, QTabBar):
        for i in range(w.count()):
            if w.isTabVisible(i) and not w.rect().contains(w.tabRect(i)):
                out.append(f"{_name(w)} tab {w.tabText(i)!r} does not fit its tab bar ({w.width()} px)")
        return out
    elif not isinstance(w, (QAbstractButton, QComboBox, QAbstractSpinBox, QGroupBox)):
        return out
    elif isinstance(w, QAbstractButton) and not w.text():
        return out  # an icon button of Qt's (a line edit's clear button, the toolbar's extension)
    # a layout gives a widget of fixed size policy its size hint, otherwise at least its minimum size
    # hint; some of Qt's own hints disagree by a few pixels (a date edit with a calendar pop-up), so the
    # smaller of the two is what the widget must get
    need = hint.boundedTo(w.sizeHint()) if w.sizeHint().isValid() else hint
    if need.isValid() and (w.width() + TOLERANCE < need.width() or w.height() + TOLERANCE < need.height()):
        out.append(f"{_name(w)} is {w.width()}×{w.height()}, it needs {need.width()}×{need.height()}")
    return out


def _list_problems(view: QListView) -> list[str]:
    """Items of a list (the navigation) whose text is wider than the list shows."""
    out = []
    model, fm = view.model(), QFontMetrics(view.font())
    room = view.viewport().width()
    for row in range(model.rowCount()):
        index = model.index(row, 0)
        text = str(index.data() or "")
        if not text or view.isRowHidden(row) or view.wordWrap():
            continue
        need = max(fm.horizontalAdvance(line) for line in text.split("\n")) + 8
        if need > room + TOLERANCE:
            out.append(f"{_name(view)} item {text!r} needs {need} px, the list shows {room}")
    return out


def problems(top: QWidget) -> list[str]:
    """What does not fit in window ``top`` (the main window or a dialog) as it is shown now."""
    out = []
    if top.width() > SCREEN.width() or top.height() > SCREEN.height():
        out.append(f"{_name(top)} is {top.width()}×{top.height()}, larger than 1366×768")
    window_rect = QRect(0, 0, min(top.width(), SCREEN.width()), min(top.height(), SCREEN.height()))
    for w in top.findChildren(QWidget):
        if not w.isVisible() or w.window() is not top:
            continue
        if isinstance(w, QAbstractScrollArea) and not isinstance(w, QGraphicsView):
            bar = w.horizontalScrollBar()
            if bar.isVisible() and bar.maximum() > 0:
                out.append(f"{_name(w)} scrolls sideways by {bar.maximum()} px")
        if isinstance(w, QTableView):
            out += _header_problems(w)
        if isinstance(w, QListView) and not _internal(w):
            out += _list_problems(w)
        if isinstance(w, QToolButton) and w.objectName() == "qt_toolbar_ext_button":
            out.append(f"{_name(w.parentWidget())} does not show all its items (its » button is shown)")
        if w.width() <= 0 or w.height() <= 0:
            if not _internal(w) and not isinstance(w, QHeaderView):
                out.append(f"{_name(w)} is shown with no room ({w.width()}×{w.height()})")
            continue
        viewport = _scroll_viewport(w, top)
        if viewport is None:
            rect = QRect(w.mapTo(top, QPoint(0, 0)), w.size())
            if not window_rect.contains(rect):
                out.append(
                    f"{_name(w)} at {rect.getRect()} lies outside its window {window_rect.size().toTuple()}"
                )
        elif isinstance(viewport.parentWidget(), QAbstractItemView):
            continue  # an item view's editors scroll with its rows
        else:
            left = w.mapTo(viewport, QPoint(0, 0)).x()
            if left < -TOLERANCE or left + w.width() > viewport.width() + TOLERANCE:
                out.append(
                    f"{_name(w)} spans x {left}…{left + w.width()} in a scroll area {viewport.width()} px wide"
                )
        if not _internal(w):
            out += _size_problems(w)
    return out


# --- the window and its screens ---------------------------------------------------------------------


#: a bound for a hang only: every wait here is for an event (the backend idle, a dialog shown, the
#: layout standing still), and a machine running another suite beside this one (load 8-10 on two
#: cores) takes many times longer than an idle one (a fixed 15 s failed every Tibetan screen there)
SETTLE_TIMEOUT = 600.0


def _settle(window: Any, until: Callable[[], bool] = lambda: True, timeout: float = SETTLE_TIMEOUT) -> None:
    """Until the backend is idle and ``until()`` holds, then until the layout stands still."""
    import time

    app = QApplication.instance()
    deadline = time.monotonic() + timeout
    while window.backend.busy or not until():
        if time.monotonic() > deadline:
            raise TimeoutError(f"the window did not settle in {timeout:.0f} s")
        app.processEvents()
        time.sleep(0.005)
    # then until the layout stands still: a language switch re-polishes the widgets and some pages
    # fill in from the store after it (seen once on a loaded machine: a box measured between its new
    # font and its new height). Each round delivers everything posted (layout requests, polish
    # events, zero timers) and lets a short timer fire; the geometry the same after a round is still.
    deadline = time.monotonic() + timeout
    last = None
    while True:
        for _ in range(4):
            app.sendPostedEvents()
            app.processEvents()
        now = _geometry(window)
        if now == last and not window.backend.busy:
            return
        if time.monotonic() > deadline:
            raise TimeoutError(f"the window's layout did not settle in {timeout:.0f} s")
        last = now
        time.sleep(0.02)


def _geometry(window: Any) -> tuple[tuple[int, int, int, int], ...]:
    widgets = [window, *QApplication.topLevelWidgets()]
    return tuple(
        w.geometry().getRect()
        for top in widgets
        if top.isVisible()
        for w in (top, *top.findChildren(QWidget))
        if w.isVisible()
    )


@dataclass
class Counter:
    region: str
    lang: str
    window: Any

    @property
    def ui(self) -> Any:
        return self.window.ui


def _login(window: Any, who: tuple[str, str]) -> None:
    _settle(window, lambda: window.dialog is not None and window.dialog.isVisible())
    window.dialog.username.setText(who[0])
    window.dialog.password.setText(who[1])
    window.dialog.submit()
    _settle(window, lambda: window.backend.role is not None and window.dialog is None)


def _open_counter(region: str, lang: str, folder: Path, template: Path) -> Counter:
    from desktop import fonts
    from desktop.backend import Backend
    from desktop.lang import UiLanguage
    from desktop.main_window import MainWindow

    db = folder / f"{region}-{lang}.db"
    shutil.copy(template, db)
    app = QApplication.instance()
    fonts.apply(app, tibetan_first=lang == "bo" or region == "lhasa", lang=lang)
    window = MainWindow(UiLanguage(lang), Backend(db))
    window.show()
    window.start()
    _login(window, sample_data.ADMIN)
    window.resize(SCREEN.size())
    _settle(window)
    return window


@pytest.fixture(scope="module")
def counters(qapp, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[[str, str], Counter]]:
    """``counters(region, lang)``: the module's logged-in window for that configuration. One is open
    at a time (the application's font follows the UI language), so tests come grouped by it."""
    import keyring

    from liangxian.keys import MemoryKeyring

    old_keyring = keyring.get_keyring()
    keyring.set_keyring(MemoryKeyring())
    folder = tmp_path_factory.mktemp("screen-fit")
    templates: dict[str, Path] = {}
    current: list[Counter] = []

    def close_current() -> None:
        for counter in current:
            window = counter.window
            if window.dialog is not None:
                window.dialog.done(QDialog.DialogCode.Accepted)
            window.close()
            window.backend.close()
        current.clear()

    def get(region: str, lang: str) -> Counter:
        if current and (current[0].region, current[0].lang) == (region, lang):
            return current[0]
        close_current()
        if region not in templates:
            templates[region] = folder / f"template-{region}.db"
            sample_data.seed(templates[region], region)
        window = _open_counter(region, lang, folder, templates[region])
        sample_data.record_signing_key(window.backend)
        current.append(Counter(region, lang, window))
        return current[0]

    try:
        yield get
    finally:
        close_current()
        keyring.set_keyring(old_keyring)


def _at_screen_size(window: Any) -> None:
    window.resize(SCREEN.size())
    _settle(window)


def screen_persons_search(c: Counter) -> QWidget:
    from desktop.keys import press, type_text

    page = c.window.page("persons")
    page.tabs.setCurrentIndex(0)
    page.search.box.clear()
    type_text(page.search.box, "bkra" if c.region == "lhasa" else "wang")
    press(page.search.box, Qt.Key.Key_Return)
    _settle(c.window)
    if page.search.model.rows:
        page.search.show_first()
    _settle(c.window)
    return c.window


def screen_persons_person(c: Counter) -> QWidget:
    import datetime as dt

    from desktop.keys import type_text

    page = c.window.page("persons")
    page.tabs.setCurrentWidget(page.person)
    form = page.person.form
    form.clear()
    type_text(
        form.editor("id_number"),
        sample_data.resident_id(sample_data.COUNTY[c.region], dt.date(1992, 5, 17), 77),
    )
    type_text(form.editor("name_zh"), "扎西·卓玛")
    if "name_bo_wylie" in form.editors:
        type_text(form.editor("name_bo_wylie"), "bkra shis sgrol ma")
    form.revalidate()
    _settle(c.window)
    return c.window


def screen_persons_employer(c: Counter) -> QWidget:
    from desktop.keys import type_text

    page = c.window.page("persons")
    page.tabs.setCurrentWidget(page.employer)
    page.employer.form.clear()
    type_text(page.employer.form.editor("uscc"), "91540102MA6T0000")  # one character short: an error line
    _settle(c.window)
    return c.window


def screen_applications(c: Counter) -> QWidget:
    page = c.window.page("applications")
    page.form.set_values(
        {
            "id_number": sample_data.person_data(c.region, 4, "")["id_number"],
            "category": "employee",
            "event": "birth",
            "event_date": "2026-05-20",
            "babies": "2",
            "dystocia": True,
            "employer_avg_monthly_wage": "8200.00",
            "contribution_months": "24",
        }
    )
    _settle(c.window, lambda: page.panel.decision is not None)
    return c.window


def screen_review(c: Counter) -> QWidget:
    page = c.window.page("review")
    _settle(c.window, lambda: page.table.rowCount() > 0)
    page.table.selectRow(0)
    _settle(c.window)
    return c.window


def _sync_sample(c: Counter) -> Any:
    """The 同步 page with what a day's syncing shows: waiting and refused changes, the history, two
    conflict items and a merge (made up: no server here; the screenshots use the same)."""
    page = c.window.page("sync")
    _settle(c.window)
    pending = c.window.backend.store_now().pending_changes(5000)
    page.data, page.conflicts.items, page.conflicts.merges = sample_data.sync_day(pending)
    page._progress("push", 7, 12)
    page.retranslate()
    return page


def screen_sync_overview(c: Counter) -> QWidget:
    page = _sync_sample(c)
    page.tabs.setCurrentIndex(0)
    _settle(c.window)
    return c.window


def screen_sync_conflicts(c: Counter) -> QWidget:
    page = _sync_sample(c)
    page.tabs.setCurrentIndex(1)
    page.conflicts.select(0)
    _settle(c.window)
    return c.window


def screen_sync_bundles(c: Counter) -> QWidget:
    page = _sync_sample(c)
    page.tabs.setCurrentIndex(2)
    _settle(c.window)
    return c.window


def _stats(c: Counter, tab: int) -> Any:
    from PySide6.QtCore import QDate

    from forms.clock import business_today

    today = business_today()
    page = c.window.page("stats")
    page.date_from.setDate(QDate(today.year, 1, 1))
    page.date_to.setDate(QDate(today.year, today.month, today.day))
    page.refresh()
    _settle(c.window, lambda: not page.busy and page.result is not None)
    page.tabs.setCurrentIndex(tab)
    _settle(c.window)
    return page


def screen_stats_summary(c: Counter) -> QWidget:
    _stats(c, 0)
    return c.window


def screen_stats_per_clerk(c: Counter) -> QWidget:
    _stats(c, 1)
    return c.window


def screen_stats_day_end(c: Counter) -> QWidget:
    _stats(c, 2)
    return c.window


def screen_settings(c: Counter) -> QWidget:
    page = c.window.page("settings")
    page.user_message.setText(c.ui.t("ui.settings.user_invalid"))
    page.enroll.message.setText(c.ui.t("ui.enroll.missing"))
    _settle(c.window)
    return c.window


def _shown(dialog: QDialog, c: Counter) -> QDialog:
    dialog.show()
    _settle(c.window, dialog.isVisible)
    return dialog


def dialog_login(c: Counter) -> QWidget:
    from desktop.login import LoginDialog

    dialog = LoginDialog(c.ui, lambda _u, _p: None, c.window)
    dialog.username.setText(sample_data.CLERK[0])
    dialog.fail(c.ui.t("ui.login.failed"))
    return _shown(dialog, c)


def dialog_lock(c: Counter) -> QWidget:
    c.window.lock()
    _settle(c.window, lambda: c.window.dialog is not None and c.window.dialog.isVisible())
    return c.window.dialog


def dialog_first_run(c: Counter) -> QWidget:
    from desktop.login import FirstRunDialog

    dialog = FirstRunDialog(c.ui, lambda _v: None, c.window)
    dialog.region.setCurrentIndex(dialog.region.findData(c.region))
    dialog.fail(c.ui.t("ui.first_run.password_mismatch"))
    return _shown(dialog, c)


def dialog_print_preview(c: Counter) -> QWidget:
    from desktop.printing_bridge import print_document, printing_available

    if not printing_available():
        pytest.fail("printing/ is not installed (scripts/setup.sh installs it)")
    review = c.window.page("review")
    _settle(c.window, lambda: review.table.rowCount() > 0)
    review.table.selectRow(0)
    _settle(c.window, lambda: review.current is not None)
    preview = print_document("receipt", review.current, c.window.backend, c.ui, c.window)
    _settle(c.window, lambda: preview.page_count > 0 and not preview.busy)
    return preview


def dialog_stats_drill(c: Counter) -> QWidget:
    page = _stats(c, 0)
    dialog = page.drill("received")
    _settle(c.window, lambda: dialog.loaded)
    return dialog


SCREENS: dict[str, Callable[[Counter], QWidget]] = {
    "persons-search": screen_persons_search,
    "persons-person": screen_persons_person,
    "persons-employer": screen_persons_employer,
    "applications": screen_applications,
    "review": screen_review,
    "sync-overview": screen_sync_overview,
    "sync-conflicts": screen_sync_conflicts,
    "sync-bundles": screen_sync_bundles,
    "stats-summary": screen_stats_summary,
    "stats-per-clerk": screen_stats_per_clerk,
    "stats-day-end": screen_stats_day_end,
    "settings": screen_settings,
    "login": dialog_login,
    "first-run": dialog_first_run,
    "stats-drill": dialog_stats_drill,
    "print-preview": dialog_print_preview,
    "lock": dialog_lock,  # last: it logs the admin out (the next one logs her in again)
}

#: screens another helper reworks at present: (screen, region, lang) → whose; they may still fail
OWNED_ELSEWHERE: dict[tuple[str, str, str], str] = {}  # every screen is fixed; a screen under work goes here


def _cases() -> list[Any]:
    cases = []
    for region, lang in CONFIGS:
        for screen in SCREENS:
            owner = OWNED_ELSEWHERE.get((screen, region, lang))
            marks = (
                [pytest.mark.xfail(strict=False, reason=f"owned by {owner}, fixed at merge")] if owner else []
            )
            cases.append(pytest.param(region, lang, screen, marks=marks, id=f"{region}-{lang}-{screen}"))
    return cases


@pytest.mark.parametrize(("region", "lang", "screen"), _cases())
def test_screen_fits_1366x768(counters, region: str, lang: str, screen: str) -> None:
    counter = counters(region, lang)
    window = counter.window
    if window.backend.role is None:  # after the lock screen of a previous run
        _login(window, sample_data.ADMIN)
    _at_screen_size(window)
    top = SCREENS[screen](counter)
    try:
        if top is window:
            _at_screen_size(window)
            assert window.size() == SCREEN.size(), (
                f"the window cannot be 1366×768: {window.minimumSizeHint()}"
            )
        found = problems(top)
        assert not found, f"{screen} in {lang} at {region}:\n" + "\n".join(found)
    finally:
        if top is not window:
            if screen == "lock":
                _login(window, sample_data.ADMIN)
            else:
                top.done(QDialog.DialogCode.Accepted)
                top.deleteLater()


@pytest.mark.parametrize("screen", ["stats-summary", "sync-overview", "sync-conflicts", "settings"])
def test_a_screen_still_fits_after_switching_to_tibetan(counters, screen: str) -> None:
    """Built in Chinese, then switched to Tibetan from the toolbar (larger type, wider headings): the
    headings are broken and the header heights set again, nothing is left at its Chinese size."""
    counter = counters("lhasa", "zh")
    window = counter.window
    if window.backend.role is None:
        _login(window, sample_data.ADMIN)
    _at_screen_size(window)
    SCREENS[screen](counter)
    before = problems(window)
    window.language.setCurrentIndex(window.language.findData("bo"))
    window.language.activated.emit(window.language.currentIndex())
    try:
        assert window.ui.lang == "bo"
        SCREENS[screen](counter)
        _at_screen_size(window)
        found = problems(window)
        assert not before and not found, f"{screen} switched to bo:\n" + "\n".join(before + found)
    finally:
        window.ui.set_language("zh")


def test_the_checks_find_clipped_squeezed_and_off_screen_widgets(qtbot) -> None:
    """The checker itself: a label cut short, a squeezed line edit, a widget beyond its window's edge,
    a header narrower than its text and a sideways scroll bar are each reported; a roomy window is not."""
    from PySide6.QtWidgets import QScrollArea, QTableWidget, QVBoxLayout

    roomy = QWidget()
    QVBoxLayout(roomy).addWidget(QLabel("ན་ནིང་གི་དུས་མཚམས་གཅིག་པ།"))
    qtbot.addWidget(roomy)
    roomy.resize(400, 200)
    roomy.show()
    qtbot.waitExposed(roomy)
    assert problems(roomy) == []

    cramped = QWidget()
    qtbot.addWidget(cramped)
    cramped.resize(300, 200)
    label = QLabel("ན་ནིང་གི་དུས་མཚམས་གཅིག་པ། same period last year", cramped)
    label.setGeometry(0, 0, 40, 30)
    edit = QLineEdit(cramped)
    edit.setGeometry(0, 40, 20, 30)
    beyond = QLabel("x", cramped)
    beyond.setGeometry(280, 150, 60, 30)
    table = QTableWidget(1, 1, cramped)
    table.setHorizontalHeaderLabels(["ན་ནིང་གི་དུས་མཚམས་གཅིག་པ།"])
    table.setColumnWidth(0, 30)
    table.setGeometry(0, 80, 200, 60)
    wide = QScrollArea(cramped)
    wide.setWidget(QLabel("a long line " * 20))
    wide.setGeometry(210, 0, 80, 60)
    cramped.show()
    qtbot.waitExposed(cramped)
    found = "\n".join(problems(cramped))
    assert "is 40×30, it needs" in found  # the label cut short
    assert "squeezed" in found  # the line edit
    assert "lies outside its window" in found  # the label past the edge
    assert "header" in found  # the narrow section
    assert "scrolls sideways" in found  # the scroll area


# --- issue 20: Tibetan layouts dense enough for the work -------------------------------------------

#: at most this many screens of scrolling for a form of the Lhasa counter at 1366×768
MAX_SCREENS = 2.0
MIN_LIST_ROWS = 12


def _area_of(widget: QWidget) -> Any:
    from PySide6.QtWidgets import QScrollArea

    parent = widget.parentWidget()
    while parent is not None and not isinstance(parent, QScrollArea):
        parent = parent.parentWidget()
    return parent


def _screens(area: Any) -> float:
    """Content height ÷ viewport height of a scroll area (1.0: it fits, no scrolling)."""
    return area.widget().height() / max(area.viewport().height(), 1)


def form_person(c: Counter) -> Any:
    screen_persons_person(c)
    return _area_of(c.window.page("persons").person.form)


def form_employer(c: Counter) -> Any:
    screen_persons_employer(c)
    return _area_of(c.window.page("persons").employer.form)


def form_allowance(c: Counter) -> Any:
    screen_applications(c)
    return _area_of(c.window.page("applications").form)


def form_medical(c: Counter) -> Any:
    page = c.window.page("applications")
    screen_applications(c)
    page.form.set_values({"claim_type": "medical"})
    _settle(c.window)
    return _area_of(page.form)


def form_review_detail(c: Counter) -> Any:
    screen_review(c)
    return c.window.page("review").findChild(QWidget, "review_facts")


def form_person_detail(c: Counter) -> Any:
    screen_persons_search(c)
    return _area_of(c.window.page("persons").detail)


FORMS = {
    "person": form_person,
    "employer": form_employer,
    "allowance": form_allowance,
    "medical": form_medical,
    "review-detail": form_review_detail,
    "person-detail": form_person_detail,
}


#: forms still above the limit, with the screens they take now (issue 20: before the Tibetan line box
#: was tightened, in bo: person 2.13, employer 1.67, allowance 5.79, medical 6.43, review detail 9.20,
#: person detail 2.44; in zh: 1.67, 1.30, 4.43, 4.92, 2.32, 1.78). A listed form may not get worse,
#: and one brought within the limit fails until it is taken off the list.
STILL_OVER: dict[tuple[str, str], float] = {
    ("allowance", "bo"): 3.6,
    ("allowance", "zh"): 2.9,
    ("medical", "bo"): 4.0,
    ("medical", "zh"): 3.3,
    ("review-detail", "bo"): 6.0,
}


@pytest.mark.parametrize("lang", ["bo", "zh"])
@pytest.mark.parametrize("form", list(FORMS))
def test_a_lhasa_form_takes_at_most_two_screens(counters, lang: str, form: str) -> None:
    counter = counters("lhasa", lang)
    window = counter.window
    if window.backend.role is None:
        _login(window, sample_data.ADMIN)
    _at_screen_size(window)
    area = FORMS[form](counter)
    _settle(window)
    screens = _screens(area)
    over = STILL_OVER.get((form, lang))
    if over is None:
        assert screens <= MAX_SCREENS, f"{form} in {lang} at Lhasa takes {screens:.2f} screens at 1366×768"
        return
    # still over the limit: never worse than measured, and taken off the list once within it
    assert screens <= over, f"{form} in {lang} at Lhasa now takes {screens:.2f} screens (was {over})"
    assert screens > MAX_SCREENS, f"{form} in {lang} is within {MAX_SCREENS} screens: take it off STILL_OVER"
    pytest.xfail(f"{form} in {lang} takes {screens:.2f} screens at 1366×768, not yet within {MAX_SCREENS}")

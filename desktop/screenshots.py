"""``python -m desktop.screenshots --out DIR``: PNGs of every screen in Chinese and Tibetan (and the
Chinese UI on a Lhasa counter, whose forms are bilingual), on synthetic data, for looking at them; the
main window at a counter's usual 1366×768.

Runs on any Qt platform; ``make screenshots`` uses the offscreen one. Files are named
``<region>-<lang>-<screen>.png``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

log = logging.getLogger("desktop.screenshots")
CONFIGS = (("lianyungang", "zh"), ("lhasa", "zh"), ("lhasa", "bo"))


def _wait(app, until: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not until():
        if time.monotonic() > deadline:
            raise TimeoutError("the window did not get there in time")
        app.processEvents()
        time.sleep(0.01)
    for _ in range(5):
        app.processEvents()


def _settle(app, backend) -> None:
    _wait(app, lambda: not backend.busy)


def _throwaway_keyring() -> None:
    """An in-memory keyring for this process: the synthetic counters sign their documents with a
    throw-away key, never one from (or left in) the OS keyring."""
    import keyring

    from liangxian.keys import MemoryKeyring

    keyring.set_keyring(MemoryKeyring())


def _throwaway_prefs(folder: str) -> None:
    """The synthetic counters' users remember their window (desktop/prefs.py) in ``folder``, not in
    the user's own configuration."""
    from PySide6.QtCore import QSettings

    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, folder)


def _shoot_preview(app, backend, window, review, save, tmp: Path) -> None:
    """The print preview of the selected application's receipt, then (saved, so printed once) the
    review page with its print history."""
    from desktop.printing_bridge import print_document, printing_available

    if not printing_available() or review.current is None:
        return
    from desktop.sample_data import record_signing_key

    record_signing_key(backend)
    preview = print_document("receipt", review.current, backend, window.ui, window)
    _wait(app, lambda: preview.page_count > 0 and not preview.busy, 30)
    save(preview, "print-preview")
    preview.save_to(tmp / "receipt.pdf")  # a PDF copy: in the history, not counted as a print
    _wait(app, lambda: (tmp / "receipt.pdf").exists() and not preview.busy, 30)
    preview.close()
    _wait(app, lambda: bool(review.history.rows))
    _settle(app, backend)


def _shoot_stats(app, backend, window, save) -> None:
    """The statistics screen's other views: the records behind a figure, per clerk, end of day."""
    stats = window.pages["stats"]
    size = window.size()
    window.resize(1366, 768)  # the counter's screen
    _settle(app, backend)
    save(window, "stats-1366x768")
    dialog = stats.drill("received")
    if dialog is not None:
        _wait(app, lambda: dialog.loaded)
        save(dialog, "stats-drill")
        dialog.close()
    for index, name in ((1, "stats-per-clerk"), (2, "stats-day-end")):
        stats.tabs.setCurrentIndex(index)
        _settle(app, backend)
        save(window, name)
    stats.tabs.setCurrentIndex(0)
    window.resize(size)


def _shoot_sync(app, backend, window, save) -> None:
    """The 同步 screen's tabs and the settings screen with enrollment, at 1366×768 (a counter's usual
    screen). The conflict and merge rows are made up (no server here); the waiting changes are the
    sample data's own."""
    from desktop import sample_data

    size = window.size()
    window.resize(1366, 768)
    page = window.page("sync")
    _settle(app, backend)
    pending = backend.store_now().pending_changes(5000)
    page.data, panel_items, panel_merges = sample_data.sync_day(pending)
    page._progress("push", 7, 12)
    page._show()
    page.tabs.setCurrentIndex(0)
    save(window, "sync-1366")
    panel = page.conflicts
    panel.items, panel.merges = panel_items, panel_merges
    panel.retranslate()
    page.retranslate()
    page.tabs.setCurrentIndex(1)
    panel.select(0)
    save(window, "conflicts-1366")
    page.tabs.setCurrentIndex(2)
    save(window, "bundles-1366")
    window.page("settings")
    _settle(app, backend)
    save(window, "settings-1366")
    window.resize(size)


def shoot(out: Path, region: str, lang: str) -> list[Path]:
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QApplication, QWidget

    from desktop import fonts, sample_data
    from desktop.backend import Backend
    from desktop.keys import press, type_text
    from desktop.lang import UiLanguage
    from desktop.login import FirstRunDialog
    from desktop.main_window import MainWindow

    app = QApplication.instance() or QApplication(sys.argv[:1])
    written: list[Path] = []

    def save(widget: QWidget, screen: str) -> None:
        app.processEvents()
        path = out / f"{region}-{lang}-{screen}.png"
        widget.grab().save(str(path))
        written.append(path)

    ui = UiLanguage(lang)
    fonts.apply(app, tibetan_first=lang == "bo" or region == "lhasa", lang=lang)
    first = FirstRunDialog(ui, lambda _v: None)
    first.region.setCurrentIndex(first.region.findData(region))
    first.resize(560, first.sizeHint().height())
    first.show()
    save(first, "first-run")
    first.close()

    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "counter.db"
        sample_data.seed(db, region)
        backend = Backend(db)
        window = MainWindow(ui, backend)
        window.show()
        window.start()
        _wait(app, lambda: window.dialog is not None and window.dialog.isVisible())
        window.dialog.username.setText(sample_data.ADMIN[0])
        save(window.dialog, "login")
        window.dialog.password.setText(sample_data.ADMIN[1])
        window.dialog.submit()
        _wait(app, lambda: backend.role is not None and window.dialog is None)
        window.resize(1366, 768)  # a counter's usual screen
        _settle(app, backend)

        persons = window.page("persons")
        type_text(persons.search.box, "bkra" if region == "lhasa" else "wang")
        _wait(app, lambda: bool(persons.search.model.rows) or not persons.search.model.query, 5)
        press(persons.search.box, Qt.Key.Key_Return)
        _settle(app, backend)
        if persons.search.model.rows:
            persons.search.show_first()
            _settle(app, backend)
        save(window, "persons-search")

        persons.tabs.setCurrentWidget(persons.person)
        form = persons.person.form
        type_text(form.editor("id_number"), "54010219880101001")
        type_text(form.editor("name_zh"), "Tashi")
        persons.save_person()
        save(window, "person-errors")
        form.clear()
        type_text(
            form.editor("id_number"),
            sample_data.resident_id(sample_data.COUNTY[region], dt.date(1992, 5, 17), 77),
        )
        type_text(form.editor("name_zh"), "扎西·卓玛")
        if "name_bo_wylie" in form.editors:
            type_text(form.editor("name_bo_wylie"), "bkra shis sgrol ma")
        form.revalidate()
        save(window, "person-filled")
        persons.tabs.setCurrentWidget(persons.employer)
        type_text(persons.employer.form.editor("uscc"), "91540102MA6T0000")
        save(window, "employer")

        apps = window.page("applications")
        person_id = sample_data.person_data(region, 4, "")["id_number"]
        type_text(apps.form.editor("id_number"), person_id)
        apps.form.set_values(
            {
                "category": "employee",
                "event": "birth",
                "event_date": "2026-05-20",
                "babies": "2",
                "dystocia": True,
                "employer_avg_monthly_wage": "8200.00",
                "contribution_months": "24",
            }
        )
        _settle(app, backend)
        save(window, "application")

        review = window.page("review")
        _settle(app, backend)
        review.table.selectRow(0)
        _settle(app, backend)
        _shoot_preview(app, backend, window, review, save, Path(tmp))
        save(window, "review")
        for key in ("sync", "stats", "settings"):
            window.page(key)
            _settle(app, backend)
            save(window, key)
            if key == "stats":
                _shoot_stats(app, backend, window, save)
        _shoot_sync(app, backend, window, save)
        window.lock()
        _settle(app, backend)
        save(window, "locked")
        window.dialog.close()
        window.close()
        backend.close()
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m desktop.screenshots", description=__doc__)
    parser.add_argument("--out", type=Path, default=Path("screenshots"))
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    args.out.mkdir(parents=True, exist_ok=True)
    _throwaway_keyring()
    total = 0
    with tempfile.TemporaryDirectory() as prefs:
        _throwaway_prefs(prefs)
        for region, lang in CONFIGS:
            paths = shoot(args.out, region, lang)
            total += len(paths)
            log.info("%s %s: %d screens", region, lang, len(paths))
    log.info("%d screenshots in %s", total, args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""The 统计 screen (desktop/stats_page.py): the indicator table agrees with ``liangxian stats`` on the
same database, the four charts are drawn, a figure opens the records behind it, the end-of-day list
prints, and the headings are bilingual in Lhasa."""

from __future__ import annotations

import pytest
from pypdf import PdfReader

pytestmark = pytest.mark.gui


def _stats(qtbot, window):
    page = window.page("stats")
    qtbot.waitUntil(lambda: page.result is not None and not page.busy, timeout=20_000)
    return page


def _period_this_month():
    from localdb.stats import business_today

    today = business_today()
    return today.replace(day=1), today


def test_the_table_shows_the_same_figures_as_the_loader(qtbot, open_window) -> None:
    from forms.indicators import Period
    from localdb import stats

    window = open_window("admin", region="lianyungang", lang="zh")
    page = _stats(qtbot, window)
    start, end = _period_this_month()
    expected = stats.indicators(window.backend.path, Period(start, end)).indicators
    shown = {
        page.table.item(r, 0).data(0x0100): page.table.item(r, 1).text() for r in range(page.table.rowCount())
    }
    assert shown["received"] == str(expected.received)
    assert shown["approved"] == str(expected.approved)
    assert shown["pending"] == str(expected.pending)
    assert "registrations.volunteer" not in shown  # no western-region volunteers in Lianyungang
    assert expected.received > 0  # the sample data took applications in today
    titles = [view.chart().title() for view in page.charts]
    assert titles[0] == "各月受理、办结与积压" and all(titles)
    assert page.charts[2].chart().series()[-1].name().startswith("承诺时限")


def test_a_figure_opens_the_records_behind_it(qtbot, open_window) -> None:
    window = open_window("admin", region="lianyungang", lang="zh")
    page = _stats(qtbot, window)
    dialog = page.drill("received")
    qtbot.waitUntil(lambda: dialog.loaded, timeout=10_000)
    assert dialog.rows == page.result.indicators.received
    people = page.drill("registrations.employee")
    qtbot.waitUntil(lambda: people.loaded, timeout=10_000)
    assert people.rows == page.result.indicators.registrations.get("employee", 0)
    employers = page.drill("new_employers")
    qtbot.waitUntil(lambda: employers.loaded, timeout=10_000)
    assert employers.rows == page.result.indicators.new_employers
    for d in (dialog, people, employers):
        d.close()


def test_end_of_day_list_prints_with_its_totals(qtbot, open_window, tmp_path) -> None:
    from PySide6.QtPrintSupport import QPrinter

    window = open_window("admin", region="lianyungang", lang="zh")
    page = _stats(qtbot, window)
    day_end = page.day_end
    qtbot.waitUntil(lambda: bool(day_end.lines), timeout=10_000)
    assert day_end.table.rowCount() == len(day_end.lines)
    assert f"{len(day_end.lines)} 件" in day_end.total.text()
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    out = tmp_path / "day-end.pdf"
    printer.setOutputFileName(str(out))
    day_end.print_to(printer)
    text = "".join(p.extract_text() for p in PdfReader(out).pages)
    assert day_end.lines[0].receipt_no in text


def test_headings_are_bilingual_in_lhasa(qtbot, open_window) -> None:
    window = open_window("admin", region="lhasa", lang="zh")
    page = _stats(qtbot, window)
    assert page.title.text() == "སྡོམ་རྩིས། / 统计"  # Tibetan first
    assert page.tabs.tabText(2) == "ཉིན་མཇུག་རྩིས་སྡོམ། / 日结"
    title = page.charts[0].chart().title()
    assert title.startswith("ཟླ་རེའི") and title.endswith("各月受理、办结与积压")
    tip = page.table.horizontalHeaderItem(1).toolTip()
    assert tip.startswith("དུས་མཚམས་འདི") and tip.endswith("本期")


def test_exports_write_owner_only_files(qtbot, open_window, tmp_path) -> None:
    import os

    window = open_window("admin", region="lianyungang", lang="zh")
    page = _stats(qtbot, window)
    target = tmp_path / "m.pdf"
    page.export("pdf", str(target))
    qtbot.waitUntil(lambda: not page.busy and target.exists(), timeout=30_000)
    assert os.stat(target).st_mode & 0o777 == 0o600
    assert len(PdfReader(target).pages) == 2


def test_the_day_end_list_asks_for_its_printer_in_our_words(qtbot, open_window, monkeypatch) -> None:
    """Ctrl+P on the day-end list opens our printer dialog (bilingual in Lhasa), not Qt's English
    QPrintDialog; cancelled, nothing is printed."""
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from desktop import dialogs

    window = open_window("admin", region="lhasa", lang="zh")
    page = _stats(qtbot, window)
    monkeypatch.setattr(dialogs, "available_printers", lambda: (["Counter-HP"], "Counter-HP"))
    printed: list[object] = []
    monkeypatch.setattr(page.day_end, "print_to", printed.append)
    seen: list[str] = []

    def cancel() -> None:
        modal = QApplication.activeModalWidget()
        if not isinstance(modal, dialogs.PrinterDialog):
            QTimer.singleShot(20, cancel)
            return
        seen.append(modal.windowTitle())
        assert modal.pages >= 1
        modal.reject()

    QTimer.singleShot(0, cancel)
    page.print_()
    import i18n

    bo, zh = (i18n.gettext("stats.day_end.title", lang) for lang in ("bo", "zh"))
    assert seen == [f"{bo} / {zh}"] and zh == "日结受理清单"  # Tibetan first, as the page's headings
    assert printed == []

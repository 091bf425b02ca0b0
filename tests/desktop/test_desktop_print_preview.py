"""The in-app print preview and the print history: the preview shows the document's pages, Save as
PDF and Print record the print (looking at it does not), a reprint from the history comes back marked
补打 with the next count, a printer that cannot print is a message in the UI language, and Mark paid
is offered to the roles the store allows it (not to a clerk)."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtPrintSupport import QPrinter, QPrinterInfo
from PySide6.QtWidgets import QFileDialog

pytestmark = pytest.mark.gui


@pytest.fixture
def printing_window(open_window, memory_keyring):
    """``printing_window(role, region, lang)``: a logged-in window whose counter has a signing key."""
    from desktop import printing_bridge

    if not printing_bridge.printing_available():
        pytest.skip("printing/ is not installed")
    from liangxian.keys import create_counter_key

    def make(role: str = "clerk", region: str = "lianyungang", lang: str = "zh"):
        window = open_window(role, region, lang)
        create_counter_key(window.backend.counter["id"])
        return window

    return make


def _store(window, method: str, *args):
    return window.backend.submit(lambda: getattr(window.backend.service_now(), method)(*args)).result(10)


def _prints(window, app_id: str) -> list[dict]:
    return _store(window, "get_application", app_id)["prints"]


def _ready(qtbot, preview) -> None:
    qtbot.waitUntil(lambda: preview.page_count > 0 and not preview.busy, timeout=30_000)


def _pdf_pages(data: bytes) -> int:
    from pypdf import PdfReader

    return len(PdfReader(io.BytesIO(data)).pages)


def _open(window, kind: str, app: dict):
    from desktop.printing_bridge import print_document

    return print_document(kind, app, window.backend, window.ui, window)


def test_preview_shows_the_pages_and_save_as_pdf_records_the_print(
    qtbot, printing_window, tmp_path: Path, monkeypatch
) -> None:
    window = printing_window("clerk", "lianyungang")
    app = _store(window, "list_applications")[0]
    preview = _open(window, "receipt", app)
    assert preview.isVisible() and preview.busy  # busy at once; the PDF is built off the UI thread
    _ready(qtbot, preview)
    assert preview.page_count == _pdf_pages(preview.printed.pdf) >= 1
    assert [preview.paper.itemData(i) for i in range(preview.paper.count())] == ["a4", "a5", "80mm"]
    assert preview.printed.reprint == 0 and window.ui.t("ui.preview.first_print") in preview.info.text()
    assert _prints(window, app["id"]) == []  # looking at the preview is not printing

    target = tmp_path / "receipt"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *_a, **_k: (str(target), ""))
    qtbot.mouseClick(preview.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: len(_prints(window, app["id"])) == 1, timeout=20_000)
    saved = target.with_suffix(".pdf").read_bytes()
    assert saved.startswith(b"%PDF") and _pdf_pages(saved) == preview.page_count
    qtbot.waitUntil(lambda: str(target.with_suffix(".pdf")) in preview.message.text(), timeout=10_000)
    assert preview.message.property("role") != "error"
    # the preview is built again: what it shows now is the next print, a reprint (补打)
    _ready(qtbot, preview)
    qtbot.waitUntil(lambda: preview.printed is not None and preview.printed.reprint == 1, timeout=20_000)
    assert "补打" in preview.info.text()

    preview.paper.setCurrentIndex(preview.paper.findData("80mm"))
    preview.load()
    _ready(qtbot, preview)
    from desktop.print_preview import PREVIEW_DPI

    roll = preview.images[0]
    assert abs(roll.width() - 80 / 25.4 * PREVIEW_DPI) <= 2 < roll.height() - roll.width()  # 80 mm wide
    preview.close()


def test_print_to_a_printer_paints_every_page_and_records_it(qtbot, printing_window, tmp_path: Path) -> None:
    window = printing_window("reviewer", "lianyungang")
    approved = next(a for a in _store(window, "list_applications") if a["status"] == "approved")
    preview = _open(window, "approval", _store(window, "get_application", approved["id"]))
    _ready(qtbot, preview)
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(tmp_path / "printed.pdf"))
    preview.print_to(printer)
    qtbot.waitUntil(lambda: len(_prints(window, approved["id"])) == 1, timeout=30_000)
    out = (tmp_path / "printed.pdf").read_bytes()
    assert out.startswith(b"%PDF") and _pdf_pages(out) == preview.page_count
    assert printer.pageLayout().pageSize().id().name == "A4"  # the document's paper
    number = preview.printed.number
    qtbot.waitUntil(lambda: number in preview.message.text(), timeout=10_000)
    preview.close()


def test_a_printer_that_cannot_print_is_a_message_not_a_crash(qtbot, printing_window) -> None:
    window = printing_window("clerk", "lhasa", "bo")
    app = _store(window, "list_applications")[0]
    preview = _open(window, "receipt", app)
    _ready(qtbot, preview)
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName("/nonexistent-folder/no/such/place/receipt.pdf")  # cannot be opened
    preview.print_to(printer)
    qtbot.waitUntil(lambda: preview.message.property("role") == "error", timeout=30_000)
    name = printer.outputFileName()
    expected = {
        window.ui.t("ui.print.printer_invalid", printer=name),
        window.ui.t("ui.print.printer_failed", printer=name),
    }
    assert preview.message.text() in expected
    assert "པར་འདེབས" in preview.message.text()  # in the UI language, Tibetan here
    qtbot.waitUntil(lambda: not preview.busy, timeout=10_000)
    assert _prints(window, app["id"]) == []  # nothing printed, nothing recorded
    assert preview.print_button.isEnabled()  # the clerk may try another printer
    if not QPrinterInfo.availablePrinters():  # this machine has none: Print says so
        preview.print_()
        assert preview.message.text() == window.ui.t("ui.print.no_printer")
    preview.close()


def test_reprint_from_the_history_comes_back_with_the_next_count(
    qtbot, printing_window, tmp_path: Path
) -> None:
    from desktop.print_preview import PrintPreview

    window = printing_window("clerk", "lianyungang")
    app = _store(window, "list_applications")[0]
    _store(window, "record_print", app["id"], "receipt")  # printed once at intake
    review = window.page("review")
    qtbot.waitUntil(lambda: any(a["id"] == app["id"] for a in review.apps), timeout=10_000)
    review.table.selectRow(next(n for n, a in enumerate(review.apps) if a["id"] == app["id"]))
    history = review.history
    qtbot.waitUntil(lambda: len(history.rows) == 1, timeout=10_000)
    assert history.table.item(0, 0).text() == window.ui.t("ui.print.kind.receipt")
    assert history.table.item(0, 2).text() == "1"
    assert not history.button.isEnabled()
    history.table.selectRow(0)
    assert history.button.isEnabled()
    history.button.click()
    preview = review.findChild(PrintPreview)
    assert preview is not None
    _ready(qtbot, preview)
    assert preview.printed.reprint == 1
    assert window.ui.t("print.reprint", count=1) in preview.info.text()  # 补打（第 1 次）
    assert preview.save_to(tmp_path / "reprint.pdf")
    qtbot.waitUntil(lambda: history.rows and history.rows[0]["count"] == 2, timeout=20_000)
    assert history.table.item(0, 2).text() == "2"
    assert [p["copy_no"] for p in _prints(window, app["id"])] == [0, 1]
    preview.close()


def test_mark_paid_is_offered_to_a_reviewer_for_an_approved_application(qtbot, open_window) -> None:
    window = open_window("reviewer", "lianyungang")
    review = window.page("review")
    review.filter.setCurrentIndex(review.filter.findData(""))  # she lands on what waits for review
    review.refresh()
    qtbot.waitUntil(lambda: any(a["status"] == "approved" for a in review.apps), timeout=10_000)
    row = next(n for n, a in enumerate(review.apps) if a["status"] == "approved")
    app_id = review.apps[row]["id"]
    review.table.selectRow(row)
    assert review.paid_button.isVisibleTo(window) and review.paid_button.isEnabled()
    review.paid_button.click()
    qtbot.waitUntil(lambda: _store(window, "get_application", app_id)["status"] == "paid", timeout=10_000)
    qtbot.waitUntil(lambda: review.current and review.current.get("status") == "paid", timeout=10_000)
    assert not review.paid_button.isEnabled()  # paid is the end
    assert review.message.property("role") != "error"
    other = next(n for n, a in enumerate(review.apps) if a["status"] != "approved")
    review.table.selectRow(other)
    assert not review.paid_button.isEnabled()


def test_mark_paid_is_not_offered_to_a_clerk(qtbot, open_window) -> None:
    window = open_window("clerk", "lianyungang")
    review = window.page("review")
    qtbot.waitUntil(lambda: any(a["status"] == "approved" for a in review.apps), timeout=10_000)
    review.table.selectRow(next(n for n, a in enumerate(review.apps) if a["status"] == "approved"))
    assert not review.paid_button.isVisibleTo(window)
    from desktop import roles

    assert not roles.may("clerk", "application.mark_paid")  # and the store refuses it anyway

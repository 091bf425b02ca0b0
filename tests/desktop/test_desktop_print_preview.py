"""The in-app print preview and the print history: the preview shows the document's pages; Print
records a paper print once the printer took the pages (looking at it does not, a failed print does
not), so the original receipt is offered until one went out — after a failed print and after a restart
too; Save as PDF writes a PDF copy (电子副本) recorded as a copy that is not counted; a reprint from the
history comes back marked 补打 with the next count; a printer that cannot print is a message in the UI
language; a signing key the keyring cannot give is said above the pages in the clerk's words
(bilingual on a Lhasa counter) and never hides the buttons, which stay in view at 1366×768; and Mark
paid is offered to the roles the store allows it (not to a clerk)."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PySide6.QtCore import QRect, Qt
from PySide6.QtPrintSupport import QPrinter, QPrinterInfo

from desktop import dialogs, sample_data

pytestmark = pytest.mark.gui


@pytest.fixture
def printing_window(open_window, memory_keyring):
    """``printing_window(role, region, lang)``: a logged-in window whose counter has a signing key."""
    from desktop import printing_bridge

    if not printing_bridge.printing_available():
        pytest.fail("printing/ is not installed (scripts/setup.sh installs it)")

    def make(role: str = "clerk", region: str = "lianyungang", lang: str = "zh"):
        window = open_window(role, region, lang)
        sample_data.record_signing_key(window.backend)
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


def _pdf_text(data: bytes, tmp_path: Path, name: str) -> str:
    from tests.printing.printing_helpers import pdftotext

    path = tmp_path / f"{name}.pdf"
    path.write_bytes(data)
    return pdftotext(path)


def test_preview_shows_the_pages_and_save_as_pdf_is_a_copy_not_a_print(
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
    monkeypatch.setattr(dialogs, "save_file", lambda *_a, **_k: str(target))
    qtbot.mouseClick(preview.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: len(_prints(window, app["id"])) == 1, timeout=20_000)
    assert [p["kind"] for p in _prints(window, app["id"])] == ["receipt.pdf_copy"]  # a copy, not a print
    qtbot.waitUntil(lambda: str(target.with_suffix(".pdf")) in preview.message.text(), timeout=10_000)
    saved = target.with_suffix(".pdf").read_bytes()
    assert saved.startswith(b"%PDF") and _pdf_pages(saved) == preview.page_count
    assert (target.with_suffix(".pdf").stat().st_mode & 0o777) == 0o600  # it holds personal data
    text = _pdf_text(saved, tmp_path, "saved")
    assert "电子副本" in text and "补打" not in text  # marked as a copy
    assert preview.message.property("role") != "error"
    # the copy is not the first print: the preview still shows the original
    qtbot.waitUntil(lambda: not preview.busy, timeout=10_000)
    assert preview.printed.reprint == 0 and window.ui.t("ui.preview.first_print") in preview.info.text()
    assert "补打" not in _pdf_text(preview.printed.pdf, tmp_path, "next")

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
    assert [p["kind"] for p in _prints(window, approved["id"])] == ["approval"]  # a paper print
    # built again: the next paper print is the reprint, and only it carries 补打
    qtbot.waitUntil(lambda: preview.printed is not None and preview.printed.reprint == 1, timeout=20_000)
    _ready(qtbot, preview)
    assert window.ui.t("print.reprint", count=1) in preview.info.text()
    assert "补打（第 1 次）" in _pdf_text(preview.printed.pdf, tmp_path, "reprint")
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
    assert preview.printed.reprint == 0  # still the original
    assert window.ui.t("ui.preview.first_print") in preview.info.text()
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
    qtbot.waitUntil(lambda: len(history.rows) == 1 and history.rows[0]["count"] == 1, timeout=10_000)
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
    assert window.ui.t("ui.print.reprint_action") == history.button.text()
    assert preview.save_to(tmp_path / "copy.pdf")  # a PDF copy: a row of its own, not a reprint
    qtbot.waitUntil(lambda: len(history.rows) == 2, timeout=20_000)
    copy_row = next(n for n, r in enumerate(history.rows) if r["kind"] == "receipt.pdf_copy")
    kind = window.ui.t("ui.print.kind.receipt")
    assert history.table.item(copy_row, 0).text() == window.ui.t("ui.print.kind_copy", kind=kind)
    receipt_row = next(n for n, r in enumerate(history.rows) if r["kind"] == "receipt")
    assert history.table.item(receipt_row, 2).text() == "1"  # still one paper print
    assert [(p["kind"], p["copy_no"]) for p in _prints(window, app["id"])] == [
        ("receipt", 0),
        ("receipt.pdf_copy", 0),
    ]
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


def _login(qtbot, path: Path, role: str, lang: str):
    """A main window on the database at ``path`` after a real login (the app started again)."""
    from tests.desktop.conftest import STAFF, log_in, start_window

    window = start_window(qtbot, path, lang)
    log_in(qtbot, window, STAFF[role], role)
    return window


def _select(qtbot, window, app_id: str):
    review = window.page("review")
    qtbot.waitUntil(lambda: any(a["id"] == app_id for a in review.apps), timeout=10_000)
    review.table.selectRow(next(n for n, a in enumerate(review.apps) if a["id"] == app_id))
    qtbot.waitUntil(
        lambda: review.history.rows and review.history.rows[0]["kind"] == "receipt", timeout=10_000
    )
    return review


def test_the_original_receipt_is_offered_after_a_failed_print_and_after_a_restart(
    qtbot, printing_window, tmp_path: Path
) -> None:
    from desktop.print_preview import PrintPreview

    window = printing_window("clerk", "lhasa", "bo")
    app = _store(window, "list_applications")[0]
    assert _prints(window, app["id"]) == []
    review = _select(qtbot, window, app["id"])
    history = review.history
    # never printed: the receipt is there, not yet printed, and its action is "print the original"
    assert history.table.item(0, 0).text() == window.ui.t("ui.print.kind.receipt")
    assert history.table.item(0, 1).text() == window.ui.t("ui.print.history.not_printed")
    history.table.selectRow(0)
    assert history.button.text() == window.ui.t("ui.print.original_action")
    history.button.click()
    preview = review.findChild(PrintPreview)
    _ready(qtbot, preview)
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName("/nonexistent-folder/receipt.pdf")  # the print fails
    preview.print_to(printer)
    qtbot.waitUntil(lambda: preview.message.property("role") == "error" and not preview.busy, timeout=30_000)
    preview.close()
    assert _prints(window, app["id"]) == []
    # the app is closed and started again on the same database
    path = window.backend.path
    window.close()
    window.backend.close()
    again = _login(qtbot, path, "clerk", "bo")
    try:
        review = _select(qtbot, again, app["id"])
        review.history.table.selectRow(0)
        assert review.history.button.text() == again.ui.t("ui.print.original_action")
        review.history.button.click()
        preview = review.findChild(PrintPreview)
        _ready(qtbot, preview)
        assert preview.printed.reprint == 0 and again.ui.t("ui.preview.first_print") in preview.info.text()
        printed = tmp_path / "original.pdf"
        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
        printer.setOutputFileName(str(printed))
        preview.print_to(printer)
        qtbot.waitUntil(lambda: len(_prints(again, app["id"])) == 1, timeout=30_000)
        assert printed.read_bytes().startswith(b"%PDF")
        qtbot.waitUntil(lambda: preview.printed is not None and preview.printed.reprint == 1, timeout=20_000)
        qtbot.waitUntil(lambda: review.history.rows[0]["count"] == 1, timeout=10_000)
        review.history.table.selectRow(0)
        assert review.history.button.text() == again.ui.t("ui.print.reprint_action")
        preview.close()
    finally:
        again.close()
        again.backend.close()


SCREEN = QRect(0, 0, 1366, 768)


def _in_view(preview, *widgets) -> bool:
    """Every widget shown and wholly inside the dialog, which is inside the 1366×768 screen."""
    if preview.frameGeometry().height() > SCREEN.height() or preview.width() > SCREEN.width():
        return False
    inside = preview.rect()
    for w in widgets:
        top_left = w.mapTo(preview, w.rect().topLeft())
        if not (w.isVisible() and inside.contains(QRect(top_left, w.size()))):
            return False
    return True


def test_a_missing_signing_key_is_said_above_the_pages_bilingually_and_keeps_the_buttons(
    qtbot, open_window, memory_keyring
) -> None:
    """Lhasa, Tibetan UI, no key in the keyring yet: what to ask the administrator, in Tibetan and
    Chinese, above the pages; the buttons stay where they are; once the key is there, Try again
    builds the document."""
    from desktop.catalog_cache import gettext

    window = open_window("clerk", "lhasa", "bo")
    app = _store(window, "list_applications")[0]
    preview = _open(window, "receipt", app)
    preview.fit_to(SCREEN)
    qtbot.waitUntil(lambda: preview.notice.isVisible() and not preview.busy, timeout=30_000)
    text = preview.notice.text()
    assert gettext("ui.preview.keyring.key_missing", "bo") in text
    assert gettext("ui.preview.keyring.key_missing", "zh") in text  # bilingual on a Lhasa counter
    assert text.index("ལས་དོན་སྒོ་ཁ") < text.index("本窗口")  # Tibetan first
    assert window.ui.t("ui.preview.keyring.detail", detail="").strip() in text  # the detail, for the admin
    assert _in_view(preview, preview.notice, preview.print_button, preview.save_button, preview.close_button)
    assert _in_view(preview, preview.retry_button)
    assert not preview.print_button.isEnabled()  # nothing to print yet, but never hidden
    sample_data.record_signing_key(window.backend)  # the administrator made the key (`key create`)
    qtbot.mouseClick(preview.retry_button, Qt.MouseButton.LeftButton)
    _ready(qtbot, preview)
    assert not preview.notice.isVisible() and not preview.retry_button.isVisible()
    assert preview.print_button.isEnabled() and preview.save_button.isEnabled()
    preview.close()


def test_a_key_the_database_does_not_hold_is_said_as_such() -> None:
    """Printing refuses a store whose counter key is not the keyring's (keyring.key_mismatch): the
    preview says so, not "the keyring is locked"; a key the database does not record yet asks the
    administrator to make (record) it, like a missing one."""
    from desktop.print_preview import keyring_problem
    from liangxian.keys import CounterKeyMismatch, CounterKeyMissing, CounterKeyNotRecorded

    assert keyring_problem(CounterKeyMismatch("540102-03")) == "ui.preview.keyring.key_mismatch"
    assert keyring_problem(CounterKeyNotRecorded("540102-03")) == "ui.preview.keyring.key_missing"
    assert keyring_problem(CounterKeyMissing("540102-03")) == "ui.preview.keyring.key_missing"
    assert keyring_problem(ValueError("other")) is None


def test_no_keyring_is_said_in_the_ui_language_on_a_chinese_counter(qtbot, open_window) -> None:
    import keyring
    from keyring.backends import fail

    from desktop.catalog_cache import gettext

    old = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    try:
        window = open_window("clerk", "lianyungang", "zh")
        app = _store(window, "list_applications")[0]
        preview = _open(window, "receipt", app)
        preview.fit_to(SCREEN)
        qtbot.waitUntil(lambda: preview.notice.isVisible() and not preview.busy, timeout=30_000)
    finally:
        keyring.set_keyring(old)
    text = preview.notice.text()
    assert text.startswith(gettext("ui.preview.keyring.unavailable", "zh"))
    assert "ལྡེ་མིག" not in text  # Lianyungang is a Chinese counter
    assert "系统管理员" in text and "密钥环" in text
    assert _in_view(preview, preview.notice, preview.print_button, preview.save_button, preview.close_button)
    preview.close()


@pytest.mark.parametrize("lang", ["bo", "zh"])
def test_the_preview_fits_1366x768_and_only_its_pages_scroll(qtbot, printing_window, lang: str) -> None:
    window = printing_window("reviewer", "lhasa", lang)
    approved = next(a for a in _store(window, "list_applications") if a["status"] == "approved")
    preview = _open(window, "approval", _store(window, "get_application", approved["id"]))
    preview.fit_to(SCREEN)
    _ready(qtbot, preview)
    assert _in_view(preview, preview.print_button, preview.save_button, preview.close_button, preview.paper)
    # the A4 page scrolls inside its area (once the layout has taken the page in)
    qtbot.waitUntil(lambda: preview.area.verticalScrollBar().maximum() > 0, timeout=10_000)
    assert preview.area.horizontalScrollBar().maximum() == 0  # never sideways
    # a long message under the pages scrolls in its own strip: the buttons do not move
    before = preview.print_button.mapTo(preview, preview.print_button.rect().topLeft())
    preview.say("\n".join([window.ui.t("ui.print.no_printer")] * 12), error=True)
    qtbot.wait(50)
    assert _in_view(preview, preview.print_button, preview.save_button, preview.close_button)
    assert preview.print_button.mapTo(preview, preview.print_button.rect().topLeft()).y() >= before.y() - 100
    preview.close()


def test_print_asks_for_the_printer_in_our_dialog_and_cancel_prints_nothing(
    qtbot, printing_window, monkeypatch
) -> None:
    """Print opens dialogs.PrinterDialog (not Qt's English QPrintDialog) with the document's pages
    and paper; cancelling it prints and records nothing."""
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    window = printing_window("clerk", "lhasa", "bo")
    app = _store(window, "list_applications")[0]
    preview = _open(window, "receipt", app)
    _ready(qtbot, preview)
    monkeypatch.setattr(dialogs, "available_printers", lambda: (["Counter-HP"], "Counter-HP"))
    seen: list[dialogs.PrinterDialog] = []

    def cancel() -> None:
        modal = QApplication.activeModalWidget()
        if not isinstance(modal, dialogs.PrinterDialog):
            QTimer.singleShot(20, cancel)
            return
        seen.append(modal)
        assert modal.pages == preview.page_count
        assert modal.printer.pageLayout().pageSize().id().name == "A4"  # the document's paper
        assert "A4" in modal.paper.text() and modal.printer_name.currentText() == "Counter-HP"
        modal.reject()

    QTimer.singleShot(0, cancel)
    preview.print_()
    assert seen and not preview.busy
    assert _prints(window, app["id"]) == []  # nothing printed, nothing recorded
    assert window.ui.t("ui.preview.printing") != preview.message.text()
    preview.close()

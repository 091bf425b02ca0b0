"""The in-app print preview: the document's pages as the printer will get them, with Print
(QPrinter, chosen in dialogs.choose_printer), Save as PDF and Close; and an application's print
history with Reprint (and Print the original while none was printed on paper).

The PDF is built by the printing layer's desktop entry point (``render_record``) on the store thread;
its pages are rasterised with poppler's ``pdftoppm`` on a worker of the Qt thread pool (the installed
PySide6-Essentials has no QtPdf), so the window never waits for either. A paper print is
recorded (``record_printed``; a reprint is marked 补打 with its count) only once the printer took the
pages, never for looking at the preview nor for a print that failed, so the original can be printed
until one went out (after a failed print or a restart too); the preview is then built again, so what
it shows is always what the next print will be. Save as PDF writes a PDF copy (电子副本, marked so) and
records it as a copy, which does not count as a print. Printer problems (no printer, a printer Qt
cannot use, a print that fails) are messages in the UI language, never an exception; a counter
signing key the keyring cannot give is said in words a clerk can take to the administrator
(bilingual on a Lhasa counter), above the pages. The buttons stay in view at 1366×768: the pages
scroll, the button row does not.
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, QRect, QRectF, QSize, QSizeF, Qt, QThreadPool, Signal
from PySide6.QtGui import QImage, QKeySequence, QPageLayout, QPageSize, QPainter, QPixmap, QShortcut
from PySide6.QtPrintSupport import QPrinter
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop import dialogs, fmt
from desktop.backend import Backend
from desktop.lang import UiLanguage
from forms.clock import business_today

log = logging.getLogger(__name__)
PREVIEW_DPI = 110
MAX_PRINT_DPI = 300  # printer resolutions above this only cost memory: the pages are raster images
#: paper widths in millimetres; the height comes from the rendered page (the 80 mm roll is as long
#: as the receipt)
PAPER_WIDTH_MM = {"a4": 210.0, "a5": 148.0, "80mm": 80.0}
PAPERS = tuple(PAPER_WIDTH_MM)
HISTORY_COLUMNS = ("kind", "last", "count")
PREFERRED_SIZE = QSize(760, 900)
WINDOW_FRAME = 40  # title bar and frame the window manager adds around the dialog
MESSAGE_MAX_HEIGHT = 96  # the message under the pages scrolls past this, the buttons stay put


def keyring_problem(exc: BaseException) -> str | None:
    """The preview's message id for a signing key the keyring cannot give (None: another problem)."""
    code = str(getattr(exc, "code", "") or "")
    if not code.startswith("keyring."):
        return None
    if code in ("keyring.key_missing", "keyring.key_not_recorded"):  # the admin makes or records it
        return "ui.preview.keyring.key_missing"
    if code == "keyring.key_mismatch":
        return "ui.preview.keyring.key_mismatch"
    return "ui.preview.keyring.unavailable"


class RendererMissing(RuntimeError):
    """pdftoppm (poppler-utils) is not installed."""


def papers_for(kind: str) -> tuple[str, ...]:
    try:
        from printing.model import PAPERS_FOR
    except ImportError:
        return ("a4",)
    return tuple(PAPERS_FOR.get(kind, ("a4",)))


def rasterise(pdf: bytes, dpi: int) -> list[QImage]:
    """The pages of ``pdf`` as images at ``dpi`` (pdftoppm). Safe on any thread."""
    exe = shutil.which("pdftoppm")
    if exe is None:
        raise RendererMissing("pdftoppm")
    with tempfile.TemporaryDirectory(prefix="liangxian-preview-") as tmp:
        src = Path(tmp) / "input.pdf"
        src.write_bytes(pdf)
        subprocess.run(
            [exe, "-r", str(dpi), "-png", str(src), str(Path(tmp) / "page")],
            check=True,
            capture_output=True,
            timeout=120,
        )
        files = sorted(Path(tmp).glob("page-*.png"), key=lambda p: int(p.stem.rsplit("-", 1)[1]))
        images = [QImage(str(f)) for f in files]
    if not images or any(i.isNull() for i in images):
        raise RuntimeError("pdftoppm produced no readable page")
    return images


def page_size(paper: str, image: QImage) -> QPageSize:
    """The paper of a rendered page: A4 and A5 come out as the standard sizes, the roll as 80 mm
    wide and as long as the document."""
    width = PAPER_WIDTH_MM.get(paper, 210.0)
    height = width * image.height() / max(image.width(), 1)
    return QPageSize(
        QSizeF(width, height), QPageSize.Unit.Millimeter, "", QPageSize.SizeMatchPolicy.FuzzyMatch
    )


class _Relay(QObject):
    """Brings a worker's result back to the UI thread."""

    done = Signal(object)


def _in_pool(
    fn: Callable[[], Any], on_ok: Callable[[Any], None], on_err: Callable[[BaseException], None]
) -> None:
    """Run ``fn`` on the Qt thread pool; the callbacks run on the UI thread."""
    relay = _Relay()

    def deliver(packet: tuple[bool, Any]) -> None:
        relay.deleteLater()
        ok, value = packet
        (on_ok if ok else on_err)(value)

    relay.done.connect(deliver, Qt.ConnectionType.QueuedConnection)

    def run() -> None:
        try:
            packet = (True, fn())
        except BaseException as exc:
            packet = (False, exc)
        relay.done.emit(packet)

    QThreadPool.globalInstance().start(run)


def _printer_name(printer: QPrinter) -> str:
    return printer.printerName() or printer.outputFileName() or "?"


class PrintPreview(QDialog):
    """Preview of one document of a record; prints or saves it and records the print."""

    recorded = Signal(str, int)  # kind, earlier prints of it (0 = first print, >0 = reprint 补打)

    def __init__(
        self,
        kind: str,
        record: dict[str, Any],
        backend: Backend,
        ui: UiLanguage,
        parent: QWidget | None = None,
        *,
        paper: str | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("print_preview")
        self.kind, self.record, self.backend, self.ui = kind, record, backend, ui
        self.printed: Any = None  # the printing layer's Printed (pdf, number, reprint)
        self.images: list[QImage] = []
        self.page_labels: list[QLabel] = []
        self.busy = False
        self._generation = 0
        self._printer: QPrinter | None = None
        self.alive = True  # False once closed: late results from the workers are then ignored
        self.paper = QComboBox()
        self.paper.setObjectName("preview_paper")
        for p in papers_for(kind):
            self.paper.addItem("", p)
        if paper and self.paper.findData(paper) >= 0:
            self.paper.setCurrentIndex(self.paper.findData(paper))
        self.paper_label = QLabel()
        self.info = QLabel()
        self.info.setObjectName("preview_info")
        self.info.setWordWrap(True)
        self.pages = QWidget()
        self.pages_layout = QVBoxLayout(self.pages)
        self.pages_layout.setAlignment(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop)
        self.pages_layout.setSpacing(12)
        self.area = area = QScrollArea()
        area.setWidgetResizable(True)
        area.setWidget(self.pages)
        area.setStyleSheet("QScrollArea > QWidget > QWidget { background: #8a8a8a; }")
        self.progress = QProgressBar()
        self.progress.setRange(0, 0)  # busy, no percentage
        self.progress.setMaximumHeight(8)
        self.progress.setTextVisible(False)
        self.message = QLabel()
        self.message.setObjectName("preview_message")
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.message_area = QScrollArea()
        self.message_area.setObjectName("preview_message_area")
        self.message_area.setWidgetResizable(True)
        self.message_area.setFrameShape(QScrollArea.Shape.NoFrame)
        self.message_area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.message_area.setMaximumHeight(MESSAGE_MAX_HEIGHT)
        self.message_area.setWidget(self.message)
        self.message_area.hide()
        # the keyring problem, above the pages where the eye goes: in the clerk's words, bilingual on
        # a bilingual counter, with the administrator's detail under it
        self.notice = QLabel()
        self.notice.setObjectName("preview_notice")
        self.notice.setProperty("role", "error")
        self.notice.setWordWrap(True)
        self.notice.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.notice.setStyleSheet("QLabel#preview_notice { border: 1px solid #b00020; padding: 6px; }")
        self.notice.hide()
        self.notice_id: str | None = None
        self.notice_detail = ""
        self.retry_button = QPushButton()
        self.retry_button.setObjectName("preview_retry")
        self.retry_button.hide()
        self.print_button = QPushButton()
        self.print_button.setObjectName("preview_print")
        self.save_button = QPushButton()
        self.save_button.setObjectName("preview_save")
        self.close_button = QPushButton()
        self.close_button.setObjectName("preview_close")
        top = QHBoxLayout()
        top.addWidget(self.info, 1)
        top.addWidget(self.paper_label)
        top.addWidget(self.paper)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        for b in (self.retry_button, self.print_button, self.save_button, self.close_button):
            buttons.addWidget(b)
        area.setMinimumHeight(120)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.progress)
        layout.addWidget(self.notice)
        layout.addWidget(area, 1)
        layout.addWidget(self.message_area)
        layout.addLayout(buttons)
        self.print_button.clicked.connect(self.print_)
        self.save_button.clicked.connect(self.save_pdf)
        self.retry_button.clicked.connect(self.load)
        self.close_button.clicked.connect(self.reject)
        self.paper.activated.connect(lambda _i: self.load())
        self.print_button.setDefault(True)
        QShortcut(QKeySequence("Ctrl+P"), self, self.print_)
        QShortcut(QKeySequence("Ctrl+S"), self, self.save_pdf)
        ui.changed.connect(lambda _lang: self.retranslate())
        screen = (parent.screen() if parent is not None else None) or self.screen()
        self.fit_to(screen.availableGeometry())
        self.retranslate()
        self.load()

    def fit_to(self, available: QRect) -> None:
        """As large as preferred, never larger than the screen (1366×768 at a counter): the page area
        takes what is left, so the button row is always on the screen."""
        width = min(PREFERRED_SIZE.width(), available.width() - 2 * WINDOW_FRAME)
        height = min(PREFERRED_SIZE.height(), available.height() - WINDOW_FRAME)
        self.setMaximumSize(available.width(), available.height() - WINDOW_FRAME)
        self.resize(width, height)

    def reject(self) -> None:
        if self._printer is not None:  # pages on their way to the printer: finish and record first
            return
        super().reject()

    def done(self, result: int) -> None:
        self.alive = False
        self._generation += 1
        super().done(result)

    # --- texts ------------------------------------------------------------------------------------------

    @property
    def document_name(self) -> str:
        return self.ui.t(f"ui.print.kind.{self.kind}")

    def retranslate(self) -> None:
        t = self.ui.t
        number = self.printed.number if self.printed else ""
        self.setWindowTitle(t("ui.preview.title", document=self.document_name, number=number))
        self.paper_label.setText(t("ui.preview.paper"))
        for i in range(self.paper.count()):
            self.paper.setItemText(i, t(f"ui.preview.paper.{self.paper.itemData(i)}"))
        self.print_button.setText(t("ui.preview.print"))
        self.print_button.setToolTip("Ctrl+P")
        self.save_button.setText(t("ui.preview.save_pdf"))
        self.save_button.setToolTip("Ctrl+S")
        self.close_button.setText(t("ui.preview.close"))
        self.retry_button.setText(t("ui.preview.retry"))
        self._show_notice()
        self._show_info()

    def _show_notice(self) -> None:
        if self.notice_id is None:
            self.notice.hide()
            return
        from desktop.catalog_cache import gettext

        # in the UI language, and on a bilingual counter in both its languages (Tibetan first)
        langs = dict.fromkeys((*self.ui.form_languages(), self.ui.lang))
        texts = dict.fromkeys(gettext(self.notice_id, lang) for lang in langs)
        lines = list(texts)
        if self.notice_detail:
            lines.append(self.ui.t("ui.preview.keyring.detail", detail=self.notice_detail))
        self.notice.setText("\n".join(lines))
        self.notice.show()

    def _show_info(self) -> None:
        t = self.ui.t
        if self.busy and not self.images:
            self.info.setText(t("ui.preview.busy"))
            return
        if not self.printed:
            self.info.setText("")
            return
        parts = [f"{self.document_name} {self.printed.number}"]
        if self.printed.reprint:
            parts.append(t("print.reprint", count=self.printed.reprint))
        else:
            parts.append(t("ui.preview.first_print"))
        if self.images:
            parts.append(t("ui.preview.pages", count=len(self.images)))
        self.info.setText(" · ".join(parts))

    def say(self, text: str, *, error: bool = False) -> None:
        self.message.setProperty("role", "error" if error else "")
        self.message.style().unpolish(self.message)
        self.message.style().polish(self.message)
        self.message.setText(text)
        # as tall as the message, up to a few lines (then it scrolls): the buttons keep their place
        self.message_area.setVisible(bool(text))
        width = self.message_area.viewport().width() or self.width()
        self.message_area.setFixedHeight(min(self.message.heightForWidth(width) + 4, MESSAGE_MAX_HEIGHT))

    def _keyring_failed(self, exc: BaseException) -> bool:
        """Show the keyring problem above the pages (True), or leave it to the message (False)."""
        notice = keyring_problem(exc)
        self.notice_id = notice
        self.notice_detail = self._error_text(exc) if notice else ""
        self._show_notice()
        return notice is not None

    def _error_text(self, exc: BaseException) -> str:
        from desktop.pages import error_text

        if isinstance(exc, RendererMissing):
            return self.ui.t("ui.print.no_renderer")
        detail = getattr(exc, "detail", None)
        if type(exc).__name__ == "NotApplicable":
            return self.ui.t("error.print.kind_not_applicable", kind=self.document_name, detail=detail)
        return error_text(exc, self.ui)

    # --- state ------------------------------------------------------------------------------------------

    def _set_busy(self, busy: bool) -> None:
        self.busy = busy
        self.progress.setVisible(busy)
        ready = not busy and self.printed is not None
        self.save_button.setEnabled(ready)
        self.print_button.setEnabled(ready and bool(self.images))
        self.paper.setEnabled(not busy)
        self._show_info()

    @property
    def paper_choice(self) -> str:
        return str(self.paper.currentData() or "a4")

    def load(self) -> None:
        """Build the document (store thread), then rasterise its pages (thread pool)."""
        from liangxian import printjobs

        self._generation += 1
        generation = self._generation
        kind, record_id, paper = self.kind, self.record["id"], self.paper_choice
        user = self.backend.username or ""
        backend = self.backend
        self.printed = None
        self.retry_button.hide()
        self._set_busy(True)

        def build() -> Any:
            today = business_today()
            return printjobs.render_record(
                backend.store_now(), kind, record_id, user=user, paper=paper, today=today
            )

        def built(printed: Any) -> None:
            if generation != self._generation:
                return
            self.notice_id, self.notice_detail = None, ""  # the key is there (again)
            self._show_notice()
            self.printed = printed
            self.retranslate()
            _in_pool(lambda: rasterise(printed.pdf, PREVIEW_DPI), shown, failed)

        def shown(images: list[QImage]) -> None:
            if generation != self._generation:
                return
            self._show_pages(images)
            self._set_busy(False)

        def failed(exc: BaseException) -> None:
            if generation != self._generation:
                return
            log.error("print preview failed: %s", exc)
            self._show_pages([])
            self._set_busy(False)
            self.retry_button.show()
            if self._keyring_failed(exc):
                self.say("")
            else:
                self.say(self._error_text(exc), error=True)

        self.backend.submit(build, built, failed)

    def _show_pages(self, images: list[QImage]) -> None:
        self.images = images
        while self.pages_layout.count():
            item = self.pages_layout.takeAt(0)
            if item.widget() is not None:
                item.widget().deleteLater()
        self.page_labels = []
        for n in range(1, len(images) + 1):
            page = QLabel()
            page.setObjectName(f"preview_page_{n}")
            page.setStyleSheet("background: white;")
            self.pages_layout.addWidget(page)
            self.page_labels.append(page)
        self._fit_pages()

    def _fit_pages(self) -> None:
        """The pages as wide as the view (never enlarged), so a page is read without scrolling sideways."""
        margins = self.pages_layout.contentsMargins()
        width = (
            self.area.width()
            - 2 * self.area.frameWidth()
            - self.area.verticalScrollBar().sizeHint().width()  # there once the page is taller
            - margins.left()
            - margins.right()
        )
        for page, image in zip(self.page_labels, self.images, strict=False):
            pixmap = QPixmap.fromImage(image)
            if pixmap.width() > width > 100:
                pixmap = pixmap.scaledToWidth(width, Qt.TransformationMode.SmoothTransformation)
            page.setPixmap(pixmap)

    def resizeEvent(self, event: Any) -> None:  # Qt's name
        super().resizeEvent(event)
        self._fit_pages()

    @property
    def page_count(self) -> int:
        return len(self.images)

    # --- recording --------------------------------------------------------------------------------------

    def _record(
        self,
        done_text: str,
        after: Callable[[], None] | None = None,
        undo: Callable[[], None] | None = None,
        *,
        copy: bool = False,
        prepare: Callable[[], None] | None = None,
    ) -> None:
        """Record the print (``copy``: a PDF copy) on the store thread — after ``prepare`` — run
        ``after`` once it is recorded (``undo`` if it could not be), then build the preview again
        (after a paper print: now a reprint)."""
        from liangxian import printjobs

        printed, backend = self.printed, self.backend
        kind, record_id, user = self.kind, self.record["id"], backend.username or ""

        def run() -> int:
            today = business_today()
            try:
                if prepare is not None:
                    prepare()
                before = printjobs.record_printed(
                    backend.store_now(),
                    record_id,
                    kind,
                    user=user,
                    today=today,
                    expected=None if copy else printed.reprint,
                    copy=copy,
                )
            except BaseException:
                if undo is not None:
                    undo()
                raise
            if after is not None:
                after()
            return before

        def ok(before: int) -> None:
            backend.changed.emit("applications")  # the application's print history changed
            if not self.alive:
                return
            self.recorded.emit(printjobs.copy_kind(kind) if copy else kind, before)
            if copy:  # a copy changes nothing of the next print
                self._set_busy(False)
            else:
                self.load()
            self.say(done_text)

        def failed(exc: BaseException) -> None:
            if not self.alive:
                return
            self._set_busy(False)
            self.say(self._error_text(exc), error=True)

        self._set_busy(True)
        backend.submit(run, ok, failed)

    # --- save as PDF ------------------------------------------------------------------------------------

    def save_pdf(self) -> None:
        if self.busy or self.printed is None:
            return
        suggested = str(Path.home() / f"{self.kind}-{self.printed.number}.pdf")
        path = dialogs.save_file(
            self, self.ui, dialogs.msg("ui.preview.save_pdf"), suggested, dialogs.msg("ui.print.pdf_filter")
        )
        if path:
            self.save_to(path)

    def save_to(self, path: str | Path) -> bool:
        """Write a PDF copy (电子副本) of the document to ``path`` and record it as a copy, which is not
        a print: the original stays to be printed, and the next paper print is not made a reprint.
        False if there is nothing to save; a file that cannot be written is a message."""
        if self.printed is None or self.busy:
            return False
        target = Path(path)
        if target.suffix.lower() != ".pdf":
            target = target.with_name(target.name + ".pdf")
        from liangxian import printjobs

        # as ``liangxian print``: under a partial name (owner-only, it holds personal data), then the
        # copy is recorded, then renamed into place, so no unrecorded copy ever appears at ``target``
        partial = printjobs.partial_path(target)
        backend, kind, record_id = self.backend, self.kind, self.record["id"]
        user, paper = backend.username or "", self.paper_choice

        def write() -> None:  # on the store thread
            copy = printjobs.render_record(
                backend.store_now(),
                kind,
                record_id,
                user=user,
                paper=paper,
                today=business_today(),
                copy=True,
            )
            try:
                printjobs.write_private(partial, copy.pdf)
            except OSError as exc:
                partial.unlink(missing_ok=True)
                raise printjobs.WriteFailed(str(target), exc.strerror or str(exc)) from exc

        self._record(self.ui.t("ui.print.saved", path=str(target)), after=lambda: os.replace(partial, target),
                     undo=lambda: partial.unlink(missing_ok=True), copy=True, prepare=write)  # fmt: skip
        return True

    # --- print ------------------------------------------------------------------------------------------

    def configure(self, printer: QPrinter) -> None:
        """The document's paper, portrait, no margins (the PDF has its own)."""
        if self.images:
            printer.setPageSize(page_size(self.paper_choice, self.images[0]))
        printer.setPageOrientation(QPageLayout.Orientation.Portrait)
        printer.setFullPage(True)
        printer.setDocName(f"{self.kind}-{self.printed.number if self.printed else ''}")

    def print_(self) -> None:
        """Choose a printer (our own dialog, in the region's languages) and print on it."""
        if self.busy or not self.images:
            return
        if not dialogs.available_printers()[0]:
            self.say(self.ui.t("ui.print.no_printer"), error=True)
            return
        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        self.configure(printer)
        if not dialogs.choose_printer(self, self.ui, printer, len(self.images), self.windowTitle()):
            return
        self.print_to(printer)

    def print_to(self, printer: QPrinter) -> None:
        """Rasterise the pages at the printer's resolution (off the UI thread), paint them, record."""
        if self.busy or self.printed is None:
            return
        if not printer.isValid():
            self.say(self.ui.t("ui.print.printer_invalid", printer=_printer_name(printer)), error=True)
            return
        self.configure(printer)
        dpi = max(72, min(printer.resolution(), MAX_PRINT_DPI))
        pdf = self.printed.pdf
        self._printer = printer  # kept alive until the pages are painted
        self._set_busy(True)
        self.say(self.ui.t("ui.preview.printing"))

        def paint(images: list[QImage]) -> None:
            self._printer = None
            if not self.alive:
                return
            if self._paint(printer, images):
                self._record(
                    self.ui.t("ui.print.printed", document=self.document_name, number=self.printed.number)
                )
            else:
                self._set_busy(False)
                self.say(self.ui.t("ui.print.printer_failed", printer=_printer_name(printer)), error=True)

        def failed(exc: BaseException) -> None:
            self._printer = None
            if not self.alive:
                return
            self._set_busy(False)
            self.say(self._error_text(exc), error=True)

        _in_pool(lambda: rasterise(pdf, dpi), paint, failed)

    @staticmethod
    def _paint(printer: QPrinter, images: list[QImage]) -> bool:
        painter = QPainter()
        if not painter.begin(printer):
            return False
        try:
            for n, image in enumerate(images):
                if n and not printer.newPage():
                    return False
                target = printer.paperRect(QPrinter.Unit.DevicePixel)
                # keep the page's proportions on the printer's paper, top left like the PDF
                scale = min(target.width() / image.width(), target.height() / image.height())
                painter.drawImage(QRectF(0, 0, image.width() * scale, image.height() * scale), image)
        finally:
            painter.end()
        return printer.printerState() != QPrinter.PrinterState.Error


def open_preview(
    kind: str, record: dict[str, Any], backend: Backend, ui: UiLanguage, parent: QWidget
) -> PrintPreview:
    dialog = PrintPreview(kind, record, backend, ui, parent)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.open()  # window-modal; the event loop keeps running
    return dialog


class PrintHistory(QGroupBox):
    """The documents of an application (kind, last printed, paper prints) with Reprint (补打): the
    receipt always, so that its original can be printed while none went out on paper (after a failed
    print, a restart, or only a PDF copy saved); PDF copies (电子副本) on rows of their own."""

    reprint = Signal(str)  # kind

    def __init__(self, ui: UiLanguage) -> None:
        super().__init__()
        self.setObjectName("print_history")
        self.ui = ui
        self.rows: list[dict[str, Any]] = []
        self.table = QTableWidget(0, len(HISTORY_COLUMNS))
        self.table.setObjectName("print_history_table")
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.empty = QLabel()
        self.button = QPushButton()
        self.button.setObjectName("reprint")
        self.button.setEnabled(False)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table)
        layout.addWidget(self.empty)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.button)
        layout.addLayout(row)
        self.table.itemSelectionChanged.connect(self._selected)
        self.table.doubleClicked.connect(lambda _i: self._reprint())
        self.button.clicked.connect(self._reprint)
        self.retranslate()

    def retranslate(self) -> None:
        t = self.ui.t
        self.setTitle(t("ui.print.history"))
        self.table.setHorizontalHeaderLabels([t(f"ui.print.history.{c}") for c in HISTORY_COLUMNS])
        self.empty.setText(t("ui.print.history.none"))
        self._fill()

    def show_prints(self, app: dict[str, Any] | None) -> None:
        by_kind: dict[str, dict[str, Any]] = {}
        if app:  # every application has its receipt: printable as the original until printed
            by_kind["receipt"] = {"kind": "receipt", "count": 0, "last": ""}
        for p in (app or {}).get("prints") or []:
            row = by_kind.setdefault(p["kind"], {"kind": p["kind"], "count": 0, "last": ""})
            row["count"] += 1
            row["last"] = max(row["last"], str(p.get("printed_at") or ""))
        keep = self.selected_kind()
        # the documents in the order they were last printed; one not yet printed first
        self.rows = sorted(by_kind.values(), key=lambda r: r["last"])
        self._fill()
        for n, row in enumerate(self.rows):
            if row["kind"] == keep:
                self.table.selectRow(n)

    def _when(self, stamp: str) -> str:
        return fmt.datetime(stamp, self.ui.lang)

    def _fill(self) -> None:
        t, lang = self.ui.t, self.ui.lang
        self.table.setRowCount(len(self.rows))
        from liangxian.printjobs import base_kind, is_copy

        for n, row in enumerate(self.rows):
            kind = t(f"ui.print.kind.{base_kind(row['kind'])}")
            values = {
                "kind": t("ui.print.kind_copy", kind=kind) if is_copy(row["kind"]) else kind,
                "last": self._when(row["last"]) if row["last"] else t("ui.print.history.not_printed"),
                "count": fmt.number(row["count"], lang),
            }
            for col, key in enumerate(HISTORY_COLUMNS):
                self.table.setItem(n, col, QTableWidgetItem(values[key]))
        self.table.resizeRowsToContents()
        height = self.table.horizontalHeader().sizeHint().height() + 2 * self.table.frameWidth()
        self.table.setFixedHeight(height + sum(self.table.rowHeight(n) for n in range(len(self.rows))))
        self.table.setVisible(bool(self.rows))
        self.empty.setVisible(not self.rows)
        self._selected()

    def _row(self) -> dict[str, Any] | None:
        rows = self.table.selectionModel().selectedRows()
        return self.rows[rows[0].row()] if rows and rows[0].row() < len(self.rows) else None

    def original_due(self, kind: str) -> bool:
        """No paper print of ``kind`` yet: the next one is the original."""
        return not any(r["kind"] == kind and r["count"] for r in self.rows)

    def selected_kind(self) -> str | None:
        """The document of the selected row (a PDF copy's row: the document it copies)."""
        from liangxian.printjobs import base_kind

        row = self._row()
        return base_kind(row["kind"]) if row else None

    def _selected(self) -> None:
        kind = self.selected_kind()
        self.button.setEnabled(kind is not None)
        original = kind is not None and self.original_due(kind)
        self.button.setText(self.ui.t("ui.print.original_action" if original else "ui.print.reprint_action"))

    def _reprint(self) -> None:
        kind = self.selected_kind()
        if kind:
            self.reprint.emit(kind)

"""Printing from the counter: the receipt (受理回执) at intake, the approval slip (待遇核定通知单) or
the rejection notice after review.

Documents are built by ``printing/`` from the store's records through the mapping in
``liangxian.commands.printing`` (its ``render_record`` / ``record_printed`` entry points, reused here,
never duplicated), signed with the counter's key from the OS keyring, written as PDF, opened with the
desktop's viewer and recorded as printed. When the
printing layer is not installed the action is a clearly labelled placeholder that prints nothing.
"""

from __future__ import annotations

import datetime as dt
import logging
import tempfile
from pathlib import Path
from typing import Any

from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QMessageBox, QWidget

from desktop.backend import Backend
from desktop.lang import UiLanguage

log = logging.getLogger(__name__)
KINDS = ("receipt", "approval", "rejection")
PAPER = "a4"
CHINA_TZ = dt.timezone(dt.timedelta(hours=8))


def printing_available() -> bool:
    try:
        import printing.documents  # noqa: F401
        from liangxian.commands import printing as cmd_printing
    except ImportError:
        return False
    return hasattr(cmd_printing, "render_record") and hasattr(cmd_printing, "record_printed")


def slip_kind(app: dict[str, Any]) -> str:
    """The document after review: the approval slip for an approved, eligible application, else the
    rejection notice (rejected, or approved with a not-eligible decision)."""
    decision = app.get("decision") or {}
    if app.get("status") in ("approved", "paid") and decision.get("eligible", True):
        return "approval"
    return "rejection"


def _render(backend: Backend, kind: str, record_id: str) -> Path:
    """On the store thread: build and sign the PDF (the printing layer's desktop entry points),
    write it, then record the print."""
    from liangxian.commands import printing as cmd_printing

    store = backend.store_now()
    user = backend.username or ""
    today = dt.datetime.now(CHINA_TZ).date()
    printed = cmd_printing.render_record(store, kind, record_id, user=user, paper=PAPER, today=today)
    out = Path(tempfile.mkdtemp(prefix="liangxian-print-")) / f"{kind}-{printed.number}.pdf"
    out.write_bytes(printed.pdf)
    cmd_printing.record_printed(store, record_id, kind, user=user, today=today, expected=printed.reprint)
    return out


def print_document(
    kind: str,
    record: dict[str, Any],
    backend: Backend,
    ui: UiLanguage,
    parent: QWidget,
    *,
    open_pdf: bool = True,
) -> None:
    if not printing_available():
        QMessageBox.information(
            parent,
            ui.t("ui.print.placeholder_title"),
            ui.t("ui.print.placeholder", document=ui.t(f"ui.print.kind.{kind}")),
        )
        return

    def done(path: Path) -> None:
        log.info("printed %s to %s", kind, path)
        parent.window().statusBar().showMessage(ui.t("ui.print.done", path=str(path)), 15_000)
        if open_pdf:
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(path)))

    def failed(exc: BaseException) -> None:
        from desktop.pages import error_text

        log.error("printing failed: %s", exc)
        QMessageBox.warning(parent, ui.t("ui.print.failed_title"), error_text(exc, ui))

    backend.submit(lambda: _render(backend, kind, record["id"]), done, failed)

"""Printing from the counter: receipts at intake, approval slips after review.

The documents are built by ``printing/`` from the store's dicts through the mapping in
``liangxian.commands.printing`` (reused here, never duplicated). Until that layer is present the
action is a clearly labelled placeholder that says no document was printed.
"""

from __future__ import annotations

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
KINDS = ("receipt", "approval_slip")


def printing_available() -> bool:
    try:
        from liangxian.commands import printing as cmd_printing
    except ImportError:
        return False
    return hasattr(cmd_printing, "render_document")


def print_document(
    kind: str, record: dict[str, Any], backend: Backend, ui: UiLanguage, parent: QWidget
) -> None:
    """Render ``kind`` for ``record`` to a PDF, open it, and record the print in the store."""
    if not printing_available():
        QMessageBox.information(
            parent,
            ui.t("ui.print.placeholder_title"),
            ui.t("ui.print.placeholder", document=ui.t(f"ui.print.kind.{kind}")),
        )
        return
    from liangxian.commands import printing as cmd_printing

    def render() -> Path:
        out = (
            Path(tempfile.mkdtemp(prefix="liangxian-print-")) / f"{kind}-{record.get('receipt_no', 'x')}.pdf"
        )
        cmd_printing.render_document(backend.service_now(), kind, record["id"], out)
        return out

    def done(path: Path) -> None:
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(path)))
        backend.call("record_print", record["id"], kind)

    def failed(exc: BaseException) -> None:
        log.error("printing failed", exc_info=exc)
        QMessageBox.warning(parent, ui.t("ui.print.failed_title"), str(exc))

    backend.submit(render, done, failed)

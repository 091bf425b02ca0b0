"""Printing from the counter: the receipt (受理回执) at intake, the approval slip (待遇核定通知单) or
the rejection notice after review.

Documents are built by ``printing/`` from the store's records through the mapping in
``liangxian.printjobs`` (its ``render_record`` / ``record_printed`` services, shared with the CLI,
never duplicated), signed with the counter's key from the OS keyring, and shown in the in-app print
preview (``desktop.print_preview``), which prints or saves them and records the print. When the
printing layer is not installed the action is a clearly labelled placeholder that prints nothing.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from PySide6.QtWidgets import QWidget

from desktop import dialogs
from desktop.backend import Backend
from desktop.lang import UiLanguage

if TYPE_CHECKING:
    from desktop.print_preview import PrintPreview

log = logging.getLogger(__name__)
KINDS = ("receipt", "approval", "rejection")


def printing_available() -> bool:
    try:
        import printing.documents  # noqa: F401
        from liangxian import printjobs
    except ImportError:
        return False
    return hasattr(printjobs, "render_record") and hasattr(printjobs, "record_printed")


def slip_kind(app: dict[str, Any]) -> str:
    """The document after review: the approval slip for an approved, eligible application, else the
    rejection notice (rejected, or approved with a not-eligible decision)."""
    decision = app.get("decision") or {}
    if app.get("status") in ("approved", "paid") and decision.get("eligible", True):
        return "approval"
    return "rejection"


def print_document(
    kind: str,
    record: dict[str, Any],
    backend: Backend,
    ui: UiLanguage,
    parent: QWidget,
) -> PrintPreview | None:
    """Open the print preview of ``kind`` for ``record`` (None: the placeholder said why not)."""
    if not printing_available():
        placeholder = dialogs.msg("ui.print.placeholder", document=dialogs.msg(f"ui.print.kind.{kind}"))
        dialogs.inform(parent, ui, dialogs.msg("ui.print.placeholder_title"), placeholder)
        return None
    from desktop.print_preview import open_preview

    log.info("print preview of %s for %s", kind, record.get("id"))
    return open_preview(kind, record, backend, ui, parent)

"""Drafts (草稿) at the counter: nothing typed is lost to a lock, a crash or a closed window.

:class:`DraftKeeper` watches the declared forms of the logged-in user's screens. A few seconds after
the last edit by hand (``DELAY_MS``, and at least every ``MAX_WAIT_S`` while typing goes on) it keeps
the form's raw values in the store (``Service.save_draft``, on the store thread like every write);
a saved form clears its draft. Locking and closing keep every dirty form at once (``keep_all``), and
after the next login the same user's drafts come back into their forms with a line saying from when
(``restore``). Drafts are the user's own: the store reads back only the logged-in user's.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, QTimer

if TYPE_CHECKING:
    from concurrent.futures import Future

    from desktop.backend import Backend
    from desktop.formview import DeclaredForm

log = logging.getLogger(__name__)

DELAY_MS = 2000
MAX_WAIT_S = 8.0


class DraftKeeper(QObject):
    def __init__(self, backend: Backend, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.backend = backend
        self.forms: dict[str, DeclaredForm] = {}
        self._pending: set[str] = set()
        self._first_pending: float | None = None
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setInterval(DELAY_MS)
        self.timer.timeout.connect(self.flush)
        self.saves = 0  # drafts written (for tests and the log)

    # --- which forms ------------------------------------------------------------------------------

    def watch(self, form: DeclaredForm) -> None:
        key = form.form_name
        if self.forms.get(key) is form:
            return
        self.forms[key] = form
        form.edited_by_hand.connect(lambda _name, key=key: self._edited(key))
        form.cleared.connect(lambda key=key: self._cleared(key))
        form.destroyed.connect(lambda _obj=None, key=key: self._gone(key))

    def _gone(self, key: str) -> None:
        self.forms.pop(key, None)
        self._pending.discard(key)

    def forget_all(self) -> None:
        """The session ends (lock, logout): the forms are dropped with their screens."""
        self.timer.stop()
        self._pending.clear()
        self._first_pending = None
        self.forms.clear()

    def dirty(self) -> dict[str, DeclaredForm]:
        return {key: form for key, form in self.forms.items() if form.dirty}

    # --- keeping ----------------------------------------------------------------------------------

    def _edited(self, key: str) -> None:
        self._pending.add(key)
        now = time.monotonic()
        if self._first_pending is None:
            self._first_pending = now
        if now - self._first_pending >= MAX_WAIT_S:
            self.flush()  # typing without a pause: keep what there is now
        else:
            self.timer.start()

    def flush(self) -> None:
        """Keep every form edited since the last flush (in the background)."""
        self.timer.stop()
        self._first_pending = None
        pending, self._pending = self._pending, set()
        for key in sorted(pending):
            form = self.forms.get(key)
            if form is not None and form.dirty:
                self._save(key, form.draft_values())

    def _save(self, key: str, values: dict[str, Any]) -> Future:
        service = self.backend.service_now()

        def run() -> Any:
            if service is None:
                raise RuntimeError("not logged in")
            return service.save_draft(key, values)

        def ok(_saved: Any) -> None:
            self.saves += 1

        return self.backend.submit(run, ok, lambda exc: log.warning("keeping the draft failed: %s", exc))

    def keep_all(self, *, wait: bool = False) -> int:
        """Keep every dirty form now (lock, close); ``wait`` blocks until the store has them.
        Returns how many were kept."""
        self.timer.stop()
        self._pending.clear()
        self._first_pending = None
        futures = [self._save(key, form.draft_values()) for key, form in self.dirty().items()]
        if wait:
            for future in futures:
                try:
                    future.result(timeout=10)
                except Exception as exc:  # the window closes anyway; say why nothing was kept
                    log.warning("keeping the draft failed: %s", exc)
        return len(futures)

    def discard_all(self, *, wait: bool = False) -> None:
        """Drop the drafts of every dirty form (closing with "discard")."""
        self.timer.stop()
        self._pending.clear()
        futures = [self._clear(key) for key in self.dirty()]
        if wait:
            for future in futures:
                try:
                    future.result(timeout=10)
                except Exception as exc:
                    log.warning("dropping the draft failed: %s", exc)

    def _cleared(self, key: str) -> None:
        """The form was saved (or started afresh): its draft goes."""
        self._pending.discard(key)
        self._clear(key)

    def _clear(self, key: str) -> Future:
        service = self.backend.service_now()

        def run() -> Any:
            return service.clear_draft(key) if service is not None else False

        return self.backend.submit(run, None, lambda exc: log.warning("dropping the draft failed: %s", exc))

    # --- after login ------------------------------------------------------------------------------

    def restore(self, form_for: Callable[[str], DeclaredForm | None], on_done: Callable[[int], None]) -> None:
        """Load the logged-in user's drafts and put each into its form (``form_for(key)`` builds the
        screen that holds it, or None when this user has no such screen)."""
        service = self.backend.service_now()

        def run() -> dict[str, dict[str, Any]]:
            return service.load_drafts() if service is not None else {}

        def ok(drafts: dict[str, dict[str, Any]]) -> None:
            restored = 0
            for key, draft in sorted(drafts.items()):
                form = form_for(key)
                if form is None or form.dirty:
                    continue
                form.restore_draft(draft["data"], draft.get("saved_at"))
                restored += 1
            on_done(restored)

        self.backend.submit(run, ok, lambda exc: log.warning("reading the drafts failed: %s", exc))

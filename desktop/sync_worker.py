"""Background sync for the desktop (an Anki-style background operation): the engine runs on its own
thread with its own ``Store`` connection, never on the window's thread nor on the backend's store
thread (a slow link must not hold up a search); progress and the outcome come back by Qt signals.

A short timer starts a sync whenever the counter is enrolled and no sync is running; a save starts one
at once (``kick``). The thread is a daemon: closing the app mid-sync simply stops it, and the engine
resumes next start (every step is committed as it goes; unanswered changes are sent again and the
server answers a change id it has seen with its first answer).

The same thread carries bundle export and reply import (``sync.offline``), which must not run beside a
sync.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal

log = logging.getLogger(__name__)

#: seconds between background attempts while enrolled
INTERVAL_S = 30


class SyncController(QObject):
    """Runs syncs (and bundle jobs) one at a time on a worker thread.

    Signals: ``progress(stage, done, total)``, ``finished(result)`` with ``{"ok": True, "kind",
    "report"}`` or ``{"ok": False, "kind", "error"}``, ``online_changed(bool)``.
    """

    progress = Signal(str, int, int)
    finished = Signal(object)
    online_changed = Signal(bool)

    def __init__(self, db_path: Path | str, *, interval_s: int = INTERVAL_S, retries: int = 2) -> None:
        super().__init__()
        self.db_path = Path(db_path)
        self.username: str | None = None
        self.online = False
        self.retries = retries
        self._thread: threading.Thread | None = None
        self._busy = False
        self._again = False
        #: False once a run found the counter not enrolled: no more background runs until enrollment
        self.enrolled: bool | None = None
        self.timer = QTimer(self)
        self.timer.setInterval(interval_s * 1000)
        self.timer.timeout.connect(self.kick)

    @property
    def running(self) -> bool:
        return self._busy

    def start(self, username: str) -> None:
        """Background sync as ``username`` (whoever is logged in)."""
        self.username = username
        self.enrolled = None  # enrolled meanwhile from the command line? look again at each login
        self.timer.start()
        QTimer.singleShot(0, self.kick)  # resume at once what a closed app left half done

    def stop(self) -> None:
        self.timer.stop()
        self.username = None

    # --- jobs ----------------------------------------------------------------------------------------

    def kick(self) -> bool:
        """Start a sync now unless one runs or the counter is not enrolled; True when started."""
        if self.enrolled is False:
            return False
        return self._run("sync", self._sync)

    def retry_refused(self) -> bool:
        """Sync now, sending again the changes refused for a reason an admin has fixed on the server
        (``Service.retry_refused``); True when started."""
        if self.enrolled is False:
            return False
        return self._run("sync", lambda store, progress: self._sync(store, progress, retry_refused=True))

    def enrolled_now(self) -> None:
        """The counter was just enrolled: sync at once."""
        self.enrolled = None
        self.kick()

    def export_bundle(self, out: Path | str) -> bool:
        return self._run("export", lambda store, progress: self._export(store, Path(out), progress))

    def import_reply(self, path: Path | str) -> bool:
        return self._run("import", lambda store, progress: self._import(store, Path(path), progress))

    def _run(self, kind: str, job: Callable[[Any, Callable[[str, int, int], None]], Any]) -> bool:
        if self.username is None:
            return False
        if self._busy:
            if kind == "sync":
                self._again = True  # a save during a sync: one more run when this one ends
            return False
        self._busy = True
        self._again = False
        username = self.username

        def once() -> dict[str, Any] | None:
            import localdb

            store = None
            try:
                store = localdb.open_store(self.db_path)
                result = job(store, lambda s, d, t: self.progress.emit(s, d, t))
                if result is None:
                    return None  # nothing to do (not enrolled)
                return {"ok": True, "kind": kind, "report": result, "user": username}
            except Exception as exc:
                log.info("%s failed: %s", kind, exc)
                return {"ok": False, "kind": kind, "error": exc, "user": username}
            finally:
                if store is not None:
                    store.close()

        def work() -> None:
            try:
                while True:
                    outcome = once()
                    if not (kind == "sync" and self._again and self.username is not None):
                        break
                    self._again = False
                    if outcome is not None:
                        self.finished.emit(outcome)
            finally:
                self._busy = False
            if outcome is not None and self.username is not None:  # not once the window has closed
                self.finished.emit(outcome)

        self._thread = threading.Thread(target=work, name=f"liangxian-{kind}", daemon=True)
        self._thread.start()
        return True

    def wait(self, timeout: float = 30.0) -> None:
        """Block until the running job ends (tests, and screenshots)."""
        if self._thread is not None:
            self._thread.join(timeout)

    def _keys(self, store: Any) -> tuple[Any, Any]:
        from liangxian.keys import load_counter_key

        return load_counter_key(store.counter_info.id), store.counter_info.id

    def _sync(
        self, store: Any, progress: Callable[[str, int, int], None], *, retry_refused: bool = False
    ) -> Any:
        from liangxian.keys import load_secret
        from liangxian.syncjobs import SERVER_URL, TOKEN
        from sync.engine import SERVER_KEY, SyncEngine
        from sync.http import HttpSync
        from sync.protocol import SyncUnavailable

        url = store.sync_state().get(SERVER_URL)
        server_key = store.sync_state().get(SERVER_KEY, "")
        token = load_secret(TOKEN, store.counter_info.id) if url else None
        if not url or not token:
            self.enrolled = False
            return None
        self.enrolled = True
        key, _counter_id = self._keys(store)
        try:
            with HttpSync(
                url, token, server_key=server_key, timeout=10.0, retries=self.retries, backoff=0.2
            ) as transport:
                report = SyncEngine(
                    store,
                    transport,
                    username=self.username or "",
                    key=key,
                    progress=progress,
                    retry_refused=retry_refused,
                ).run()
        except SyncUnavailable:
            self._set_online(False)
            raise
        self._set_online(True)
        return report

    def _export(self, store: Any, out: Path, progress: Callable[[str, int, int], None]) -> Any:
        from sync.offline import counter_box_key, export_bundle

        key, counter_id = self._keys(store)
        return export_bundle(
            store,
            out,
            username=self.username or "",
            key=key,
            box_key=counter_box_key(counter_id),
            progress=progress,
        )

    def _import(self, store: Any, path: Path, progress: Callable[[str, int, int], None]) -> Any:
        from sync.offline import counter_box_key, import_reply

        key, counter_id = self._keys(store)
        return import_reply(
            store,
            path,
            username=self.username or "",
            key=key,
            box_key=counter_box_key(counter_id),
            progress=progress,
        )

    def _set_online(self, online: bool) -> None:
        if online != self.online:
            self.online = online
            self.online_changed.emit(online)

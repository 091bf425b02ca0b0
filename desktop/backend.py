"""The desktop's only way to the store: its service API, on one background thread.

Like Anki's background operations, the UI hands a function to :meth:`Backend.submit` and gets the
result (or the exception) back on the UI thread through a callback. All store calls run on a single
worker thread, so the store keeps one writer and its SQLite connection never crosses threads, and a
slow search never freezes the window.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Signal

if TYPE_CHECKING:
    from concurrent.futures import Future

log = logging.getLogger(__name__)

OkCallback = Callable[[Any], None]
ErrCallback = Callable[[BaseException], None]


def store_module() -> ModuleType:
    """The store package (``localdb``), imported on first use: it pulls in SQLAlchemy."""
    import localdb

    return localdb


class Backend(QObject):
    """Owns the store (opened on the worker thread) and the logged-in user's service."""

    _finished = Signal(object)
    changed = Signal(str)  # what changed: "persons", "employers", "applications", "outbox"

    def __init__(self, path: Path | str, api: ModuleType | None = None) -> None:
        super().__init__()
        self.path = Path(path)
        self._api = api
        self._executor_: Any = None
        self._store: Any = None
        self._service: Any = None
        self.username: str | None = None
        self.role: str | None = None
        self.region: str | None = None
        self.counter: dict[str, Any] = {}
        self._finished.connect(self._deliver)
        self._pending = 0
        self._closed = False
        self._lock = threading.Lock()

    @property
    def _executor(self) -> Any:
        if self._executor_ is None:  # made on first use: the window shows before the store opens
            from concurrent.futures import ThreadPoolExecutor

            self._executor_ = ThreadPoolExecutor(max_workers=1, thread_name_prefix="liangxian-store")
        return self._executor_

    # --- plumbing ---------------------------------------------------------------------------------

    def submit(
        self, fn: Callable[[], Any], on_ok: OkCallback | None = None, on_err: ErrCallback | None = None
    ) -> Future:
        """Run ``fn`` on the store thread; call ``on_ok(result)`` or ``on_err(exc)`` on the UI thread."""
        if self._closed:  # the window closed with answers in flight: what they would start is moot
            from concurrent.futures import Future

            dropped: Future = Future()
            dropped.cancel()
            return dropped
        with self._lock:
            self._pending += 1
        future = self._executor.submit(fn)
        future.add_done_callback(lambda f: self._finished.emit((f, on_ok, on_err)))
        return future

    def _deliver(self, packet: tuple[Future, OkCallback | None, ErrCallback | None]) -> None:
        future, on_ok, on_err = packet
        with self._lock:
            self._pending -= 1
        exc = future.exception()
        if exc is not None:
            if on_err is not None:
                on_err(exc)
            else:
                log.error("store operation failed", exc_info=exc)
            return
        if on_ok is not None:
            on_ok(future.result())

    @property
    def api(self) -> ModuleType:
        """The store package; imported on first use (on the store thread), not at start-up."""
        if self._api is None:
            self._api = store_module()
        return self._api

    @property
    def busy(self) -> bool:
        return self._pending > 0

    def close(self) -> None:
        if self._executor_ is None:
            return
        if self._closed:
            return

        def _close() -> None:
            if self._store is not None:
                self._store.close()
                self._store = None

        self._executor.submit(_close)
        self._closed = True
        self._executor.shutdown(wait=True)

    # --- store life cycle (each runs on the store thread) -------------------------------------------

    def exists(self) -> bool:
        return self.path.exists()

    def _remember(self, store: Any) -> dict[str, Any]:
        self._store = store
        self.region = store.region
        counter = store.counter
        self.counter = {
            key: (counter.get(key) if isinstance(counter, dict) else getattr(counter, key, None))
            for key in ("id", "county_code", "counter_no", "public_key_b64")
        }
        return {"region": self.region, "counter": self.counter}

    def open(self, on_ok: OkCallback, on_err: ErrCallback) -> None:
        self.submit(lambda: self._remember(self.api.open_store(self.path)), on_ok, on_err)

    def init(
        self,
        *,
        region: str,
        county_code: str,
        counter_no: str,
        admin_username: str,
        admin_password: str,
        on_ok: OkCallback,
        on_err: ErrCallback,
    ) -> None:
        def _init() -> dict[str, Any]:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            store = self.api.init_store(
                self.path,
                region=region,
                county_code=county_code,
                counter_no=int(counter_no),
                admin_username=admin_username,
                admin_password=admin_password,
            )
            info = self._remember(store)
            info["key_problem"] = self._make_counter_key(store, admin_username)
            return info

        self.submit(_init, on_ok, on_err)

    @staticmethod
    def _make_counter_key(store: Any, admin_username: str) -> BaseException | None:
        """The counter's signing key (printed QR codes) goes into the OS keyring; without a usable
        keyring the counter still works, and the problem is reported (printing will ask again)."""
        from liangxian.keys import KeyringUnavailable, provision_counter_key

        try:
            provision_counter_key(store, admin_username)
        except KeyringUnavailable as exc:
            log.warning("no usable keyring for the counter key: %s", exc)
            return exc
        return None

    def login(self, username: str, password: str, on_ok: OkCallback, on_err: ErrCallback) -> None:
        """``on_ok(role)``; role is None when the name or the password is wrong."""

        def _login() -> tuple[str | None, Any]:
            role = self._store.verify_login(username, password)
            return role, (self._store.service(username) if role else None)

        def _ok(result: tuple[str | None, Any]) -> None:
            role, service = result  # the session changes on the UI thread, with what shows it
            if role:
                self._service, self.username, self.role = service, username, role
            on_ok(role)

        self.submit(_login, _ok, on_err)

    def logout(self) -> None:
        self.username = self.role = None
        self._service = None

    def call(
        self,
        method: str,
        *args: Any,
        on_ok: OkCallback | None = None,
        on_err: ErrCallback | None = None,
        changes: str | None = None,
        **kwargs: Any,
    ) -> Future:
        """Call one method of the logged-in user's service on the store thread."""

        def _call() -> Any:
            if self._service is None:
                raise RuntimeError("not logged in")
            return getattr(self._service, method)(*args, **kwargs)

        def _ok(result: Any) -> None:
            if on_ok is not None:
                on_ok(result)
            if changes:
                self.changed.emit(changes)

        return self.submit(_call, _ok, on_err)

    def store_now(self) -> Any:
        """The open store, for code already running on the store thread (printing)."""
        return self._store

    def service_now(self) -> Any:
        """The service object, for code already running on the store thread (searches)."""
        return self._service

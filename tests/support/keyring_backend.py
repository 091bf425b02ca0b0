"""Keyring backends for tests. ``MemoryKeyring`` (the product's, from ``liangxian.keys``) lives in one
process; ``FileKeyringForTests``
persists in the JSON file named by ``LIANGXIAN_TEST_KEYRING_FILE`` so that CLI subprocesses share
it (chosen with ``PYTHON_KEYRING_BACKEND=tests.support.keyring_backend.FileKeyringForTests``).
Never used by product code: real counters use the OS keyring."""

from __future__ import annotations

import json
import os
from pathlib import Path

from keyring.backend import KeyringBackend
from keyring.errors import PasswordDeleteError

from liangxian.keys import MemoryKeyring  # noqa: F401  (re-exported for the tests)


class FileKeyringForTests(KeyringBackend):
    priority = 1  # type: ignore[assignment]

    @property
    def _path(self) -> Path:
        return Path(os.environ["LIANGXIAN_TEST_KEYRING_FILE"])

    def _load(self) -> dict[str, str]:
        return json.loads(self._path.read_text()) if self._path.exists() else {}

    def get_password(self, service: str, username: str) -> str | None:
        return self._load().get(f"{service}\n{username}")

    def set_password(self, service: str, username: str, password: str) -> None:
        items = self._load()
        items[f"{service}\n{username}"] = password
        self._path.write_text(json.dumps(items))

    def delete_password(self, service: str, username: str) -> None:
        items = self._load()
        if items.pop(f"{service}\n{username}", None) is None:
            raise PasswordDeleteError(username)
        self._path.write_text(json.dumps(items))

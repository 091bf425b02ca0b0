"""Keyring backends for the tests of ``liangxian.keys``' refusals. Never used to hold a real key:
tests that need a working keyring use the real Secret Service (``real_keyring``/``secret_service``
in tests/conftest.py) or, when they only need *a* key, ``MemoryKeyring``.

- ``PlaintextFileKeyring`` keeps secrets as plain JSON in the file named by
  ``LIANGXIAN_TEST_KEYRING_FILE``, as keyrings.alt's PlaintextKeyring does: the kind of backend keyring's
  chain would read a planted key from. Importing this module registers it with keyring (priority 1),
  so keyring's ChainerBackend asks it.
- ``PromptingKeyring`` asks for its password on standard input before anything, as an encrypted file
  backend (keyrings.alt's EncryptedKeyring, keyrings.cryptfile) does through getpass when there is no
  terminal: with no input, EOFError.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

from keyring.backend import KeyringBackend
from keyring.errors import PasswordDeleteError

from liangxian.keys import MemoryKeyring


class PlaintextFileKeyring(KeyringBackend):
    priority = 1  # type: ignore[assignment]

    @property
    def _path(self) -> Path:
        return Path(os.environ.get("LIANGXIAN_TEST_KEYRING_FILE", "/nonexistent/keyring.json"))

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


class PromptingKeyring(MemoryKeyring):
    priority = -1  # type: ignore[assignment]

    def _unlock(self) -> None:
        # what getpass does without a terminal: the prompt on stderr, a line from stdin, EOFError at EOF
        sys.stderr.write("Please enter password for encrypted keyring: ")
        if not sys.stdin.readline():
            raise EOFError

    def get_password(self, service: str, username: str) -> str | None:
        self._unlock()
        return super().get_password(service, username)

    def set_password(self, service: str, username: str, password: str) -> None:
        self._unlock()
        super().set_password(service, username, password)

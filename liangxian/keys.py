"""The counter's Ed25519 signing key, kept in the OS keyring (``keyring``), never in a file or the
database. Only the public key is stored in the local database, so that documents can be verified.

Where no keyring backend exists (a headless Linux box without Secret Service), ``KeyringUnavailable``
is raised with a bilingual message that names how to choose a backend: keyring honours the
``PYTHON_KEYRING_BACKEND`` environment variable (for example ``keyring.backends.SecretService.Keyring``
with gnome-keyring, or ``keyrings.cryptfile.cryptfile.CryptFileKeyring``). Plain-text backends are
refused. Tests choose their own backend through ``keyring.set_keyring``.
"""

from __future__ import annotations

import base64
from typing import Any

import keyring
import keyring.errors
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from keyring.backend import KeyringBackend

import i18n

SERVICE = "liangxian"
_REFUSED = ("fail.Keyring", "Plaintext", "null.Keyring")


class KeyringUnavailable(RuntimeError):
    """No usable keyring backend: the counter's private key cannot be stored or read."""

    code = "keyring.unavailable"

    def __init__(self, detail: str = ""):
        self.detail = detail
        super().__init__(self.message("en"))

    def message(self, lang: str) -> str:
        return i18n.gettext("error.keyring.unavailable", lang, detail=self.detail)


class CounterKeyMissing(LookupError):
    code = "keyring.key_missing"

    def __init__(self, counter_id: str):
        self.counter_id = counter_id
        super().__init__(i18n.gettext("error.keyring.key_missing", "en", counter=counter_id))

    def message(self, lang: str) -> str:
        return i18n.gettext("error.keyring.key_missing", lang, counter=self.counter_id)


def _backend():
    backend = keyring.get_keyring()
    name = f"{type(backend).__module__}.{type(backend).__name__}"
    chained = getattr(backend, "backends", None)
    if chained is not None and not chained:
        raise KeyringUnavailable(name)
    if any(bad in name for bad in _REFUSED):
        raise KeyringUnavailable(name)
    return backend


def _username(counter_id: str) -> str:
    return f"counter-signing-key:{counter_id}"


def public_key_b64(key: Ed25519PublicKey) -> str:
    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return base64.b64encode(raw).decode("ascii")


def create_counter_key(counter_id: str) -> str:
    """Make the counter's key pair, store the private key in the keyring, return the public key
    (base64 of the 32 raw bytes). An existing key is kept and its public key returned."""
    backend = _backend()
    try:
        existing = backend.get_password(SERVICE, _username(counter_id))
        if existing:
            return public_key_b64(_private_from_text(existing).public_key())
        private = Ed25519PrivateKey.generate()
        raw = private.private_bytes(
            serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
        )
        backend.set_password(SERVICE, _username(counter_id), base64.b64encode(raw).decode("ascii"))
    except keyring.errors.KeyringError as exc:
        raise KeyringUnavailable(str(exc)) from exc
    return public_key_b64(private.public_key())


def provision_counter_key(store: Any, acting_user: str) -> str:
    """Make the counter's key pair (private key into the keyring) and record the public key in the
    store, as ``acting_user`` (an admin). Returns the public key; KeyringUnavailable when no usable
    keyring exists — the store is then left without a public key."""
    public = create_counter_key(store.counter.id)
    if hasattr(store, "reload_signer"):  # the store signs its audit heads with the new key from now on
        store.reload_signer()
    store.service(acting_user).set_counter_public_key(public)
    return public


def load_counter_key(counter_id: str) -> Ed25519PrivateKey:
    backend = _backend()
    try:
        text = backend.get_password(SERVICE, _username(counter_id))
    except keyring.errors.KeyringError as exc:
        raise KeyringUnavailable(str(exc)) from exc
    if not text:
        raise CounterKeyMissing(counter_id)
    return _private_from_text(text)


def _private_from_text(text: str) -> Ed25519PrivateKey:
    return Ed25519PrivateKey.from_private_bytes(base64.b64decode(text))


class MemoryKeyring(KeyringBackend):
    """A keyring that lives only in this process: for synthetic counters (screenshots, sample
    documents) and tests, which sign with throw-away keys and must never read or leave one in the OS
    keyring. Chosen explicitly with ``keyring.set_keyring(MemoryKeyring())``; never picked by itself."""

    # Below keyring's fail backend (0), like its null backend: keyring registers every backend class
    # it sees and picks the highest priority, so a positive one would make this the choice on any box
    # without an OS keyring — `init` would then "store" the private key in memory and lose it at exit.
    priority = -1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.items: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.items.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.items[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        if self.items.pop((service, username), None) is None:
            raise keyring.errors.PasswordDeleteError(username)

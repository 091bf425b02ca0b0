"""The counter's Ed25519 signing key, kept in the OS keyring (``keyring``), never in a file or the
database. Only the public key is stored in the local database, so that documents can be verified.

Where no keyring backend exists (a headless Linux box without Secret Service), ``KeyringUnavailable``
is raised with a bilingual message that names how to choose a backend: keyring honours the
``PYTHON_KEYRING_BACKEND`` environment variable (for example ``keyring.backends.SecretService.Keyring``
with gnome-keyring — ``scripts/secret-service.sh`` starts one on a machine without a desktop session —
or ``keyrings.cryptfile.cryptfile.CryptFileKeyring``).

Only backends known to keep secrets out of plain files are used (``TRUSTED_BACKENDS``, by exact class):
the OS stores, the encrypted-file backends, and the in-process ``MemoryKeyring``. keyring's chain
backend is looked through: every backend it would ask must be trusted, since it returns the first
answer any of them gives — a plain-text backend in the chain would hand out a key planted in its file
(issue 16, finding 10). Anything else is refused with ``KeyringRefused`` (``keyring.insecure``),
naming it. A backend that asks for its password on a terminal when there is none (an encrypted file
backend under ``init`` with no standard input) is ``KeyringLocked``, not an EOFError traceback.
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
#: backends that keep the key in an OS secret store, an encrypted file, or this process's memory
TRUSTED_BACKENDS = frozenset(
    {
        "keyring.backends.SecretService.Keyring",
        "keyring.backends.libsecret.Keyring",
        "keyring.backends.kwallet.DBusKeyring",
        "keyring.backends.kwallet.DBusKeyringKWallet4",
        "keyring.backends.macOS.Keyring",
        "keyring.backends.Windows.WinVaultKeyring",
        "keyrings.alt.file.EncryptedKeyring",
        "keyrings.cryptfile.cryptfile.CryptFileKeyring",
        "liangxian.keys.MemoryKeyring",
    }
)
#: backends that store nothing: with only these there is no keyring
_NO_BACKEND = frozenset({"keyring.backends.fail.Keyring", "keyring.backends.null.Keyring"})
_CHAINER = "keyring.backends.chainer.ChainerBackend"


class KeyringUnavailable(RuntimeError):
    """No usable keyring backend: the counter's private key cannot be stored or read."""

    code = "keyring.unavailable"

    def __init__(self, detail: str = ""):
        self.detail = detail
        super().__init__(self.message("en"))

    def message(self, lang: str) -> str:
        return i18n.gettext("error.keyring.unavailable", lang, detail=self.detail)


class KeyringRefused(KeyringUnavailable):
    """A backend that is not known to keep secrets out of plain files (or a chain holding one)."""

    code = "keyring.insecure"

    def message(self, lang: str) -> str:
        return i18n.gettext("error.keyring.insecure", lang, detail=self.detail)


class KeyringLocked(KeyringUnavailable):
    """The backend wanted its password on a terminal and there was none (EOFError)."""

    code = "keyring.locked"

    def message(self, lang: str) -> str:
        return i18n.gettext("error.keyring.locked", lang, detail=self.detail)


class CounterKeyMissing(LookupError):
    code = "keyring.key_missing"

    def __init__(self, counter_id: str):
        self.counter_id = counter_id
        super().__init__(i18n.gettext("error.keyring.key_missing", "en", counter=counter_id))

    def message(self, lang: str) -> str:
        return i18n.gettext("error.keyring.key_missing", lang, counter=self.counter_id)


class CounterKeyMismatch(CounterKeyMissing):
    """The keyring's key of this counter is not the key its database holds (``counters``): a database
    of another machine or a forged one. Nothing is signed for it until an admin re-keys it
    (``liangxian key rekey``, audited with a reason)."""

    code = "keyring.key_mismatch"

    def __init__(self, counter_id: str):
        self.counter_id = counter_id
        LookupError.__init__(self, i18n.gettext("error.keyring.key_mismatch", "en", counter=counter_id))

    def message(self, lang: str) -> str:
        return i18n.gettext("error.keyring.key_mismatch", lang, counter=self.counter_id)


class CounterKeyNotRecorded(CounterKeyMismatch):
    """The keyring has this counter's key but its database records none: a key made in the keyring
    only, or a database whose key was removed. Nothing is signed until an admin records it
    (``liangxian key create``)."""

    code = "keyring.key_not_recorded"

    def message(self, lang: str) -> str:
        return i18n.gettext("error.keyring.key_not_recorded", lang, counter=self.counter_id)


def _name(backend: object) -> str:
    return f"{type(backend).__module__}.{type(backend).__qualname__}"


def _backend() -> KeyringBackend:
    """The configured backend, once every backend it would ask is trusted."""
    backend = keyring.get_keyring()
    name = _name(backend)
    members = list(backend.backends) if name == _CHAINER else [backend]  # type: ignore[attr-defined]
    storing = [b for b in members if _name(b) not in _NO_BACKEND]
    if not storing:
        raise KeyringUnavailable(name)
    untrusted = [_name(b) for b in storing if _name(b) not in TRUSTED_BACKENDS]
    if untrusted:
        raise KeyringRefused(", ".join(untrusted))
    return backend


def _asking(what: str, call: Any) -> Any:
    """Run a backend call; its failures as KeyringUnavailable (or KeyringLocked)."""
    try:
        return call()
    except EOFError as exc:  # an encrypted file backend prompting with no terminal and no stdin
        raise KeyringLocked(_name(keyring.get_keyring())) from exc
    except (keyring.errors.KeyringError, OSError) as exc:  # OSError: the D-Bus socket went away
        raise KeyringUnavailable(f"{what}: {exc}") from exc


def _username(counter_id: str) -> str:
    return f"counter-signing-key:{counter_id}"


def public_key_b64(key: Ed25519PublicKey) -> str:
    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return base64.b64encode(raw).decode("ascii")


def create_counter_key(counter_id: str) -> str:
    """Make the counter's key pair, store the private key in the keyring, return the public key
    (base64 of the 32 raw bytes). An existing key is kept and its public key returned."""
    backend = _backend()
    existing = _asking("read", lambda: backend.get_password(SERVICE, _username(counter_id)))
    if existing:
        return public_key_b64(_private_from_text(existing).public_key())
    private = Ed25519PrivateKey.generate()
    raw = private.private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )
    text = base64.b64encode(raw).decode("ascii")
    _asking("write", lambda: backend.set_password(SERVICE, _username(counter_id), text))
    return public_key_b64(private.public_key())


def provision_counter_key(store: Any, acting_user: str) -> str:
    """Make the counter's key pair (private key into the keyring) and record the public key in the
    store, as ``acting_user`` (an admin). Returns the public key; KeyringUnavailable when no usable
    keyring exists — the store is then left without a public key; CounterKeyMismatch when the store
    already holds another key (replacing it is ``rekey_counter``, audited with a reason)."""
    public = create_counter_key(store.counter.id)
    held = store.counter.public_key_b64
    if held and held != public:  # replacing the key the database holds is `key rekey`, with a reason
        raise CounterKeyMismatch(store.counter.id)
    if hasattr(store, "reload_signer"):  # the store signs its audit heads with the new key from now on
        store.reload_signer()
    store.service(acting_user).set_counter_public_key(public)
    return public


def rekey_counter(store: Any, acting_user: str, reason: str) -> dict[str, Any]:
    """Make the keyring's key of this counter (made now when the keyring has none) the key the store
    holds, as ``acting_user`` (an admin) with a ``reason``: one ``counter.rekey`` audit event naming
    the key replaced. For a database whose key is not the keyring's (a new machine, a replaced key):
    until then nothing is printed for it and an admin's restore refuses it. ``rekeyed`` is False when
    the store already holds the keyring's key (nothing is written)."""
    svc = store.service(acting_user)
    svc._allow("counter.set_key")  # an admin, before the keyring is touched
    public = create_counter_key(store.counter.id)
    previous = store.counter.public_key_b64
    if previous != public:
        svc.rekey_counter(public, reason)
        if hasattr(store, "reload_signer"):
            store.reload_signer()
    return {"previous_public_key_b64": previous, "public_key_b64": public, "rekeyed": previous != public}


def load_counter_key(counter_id: str) -> Ed25519PrivateKey:
    backend = _backend()
    text = _asking("read", lambda: backend.get_password(SERVICE, _username(counter_id)))
    if not text:
        raise CounterKeyMissing(counter_id)
    return _private_from_text(text)


def load_store_key(store: Any) -> Ed25519PrivateKey:
    """The counter's private key from the keyring, once it is the key the store's counter row holds:
    what signs a document must be the key ``verify --db`` and the audit heads know. Raises
    CounterKeyMissing, CounterKeyMismatch (CounterKeyNotRecorded when the store holds no key) or
    KeyringUnavailable."""
    counter = store.counter
    key = load_counter_key(counter.id)
    if not counter.public_key_b64:
        raise CounterKeyNotRecorded(counter.id)
    if public_key_b64(key.public_key()) != counter.public_key_b64:
        raise CounterKeyMismatch(counter.id)
    return key


def _private_from_text(text: str) -> Ed25519PrivateKey:
    return Ed25519PrivateKey.from_private_bytes(base64.b64decode(text))


def _server_username(server_id: str) -> str:
    return f"server-signing-key:{server_id}"


def server_signing_key(server_id: str) -> Ed25519PrivateKey:
    """The central server's own Ed25519 key (it signs every answer, page and reply bundle), from the
    OS keyring of the machine that runs ``liangxian serve``; made there on first use (``central init``,
    ``central counter add``, ``central key``, ``serve``, ``central import-bundle``). Only its public
    key and fingerprint ever leave the keyring."""
    backend = _backend()
    name = _server_username(server_id)
    text = _asking("read", lambda: backend.get_password(SERVICE, name))
    if text:
        return _private_from_text(text)
    private = Ed25519PrivateKey.generate()
    raw = private.private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )
    _asking("write", lambda: backend.set_password(SERVICE, name, base64.b64encode(raw).decode("ascii")))
    return private


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


def _secret_name(kind: str, counter_id: str) -> str:
    return f"{kind}:{counter_id}"


def store_secret(kind: str, counter_id: str, value: str) -> None:
    """Keep one of the counter's secrets (e.g. its sync token) in the OS keyring, never in a file."""
    backend = _backend()
    try:
        backend.set_password(SERVICE, _secret_name(kind, counter_id), value)
    except keyring.errors.KeyringError as exc:
        raise KeyringUnavailable(str(exc)) from exc


def load_secret(kind: str, counter_id: str) -> str | None:
    backend = _backend()
    try:
        return backend.get_password(SERVICE, _secret_name(kind, counter_id))
    except keyring.errors.KeyringError as exc:
        raise KeyringUnavailable(str(exc)) from exc

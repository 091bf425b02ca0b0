"""The counter's signature on its own record: audit chain heads and backup manifests.

The private key lives in the OS keyring (``liangxian.keys``); a Store loads it once (``load_signer``)
and holds the resulting ``Signer``, or None when no keyring or no key is there (heads are then
written unsigned, and ``doctor`` says so). Verification needs only public keys (base64 of the 32 raw
Ed25519 bytes, as ``counters.public_key_b64`` holds them).
"""

from __future__ import annotations

import base64
import binascii
import enum
import logging
from dataclasses import dataclass
from typing import Final

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

log = logging.getLogger(__name__)


class KeySource(enum.Enum):
    """Where a key not given as an argument comes from: the default of ``Store(signer=…)``,
    ``maintenance.backup(signer=…)`` and ``maintenance.doctor(trusted_public_key=…)``."""

    KEYRING = "keyring"


#: the key of this counter, loaded from the OS keyring when it is needed
FROM_KEYRING: Final = KeySource.KEYRING


@dataclass(frozen=True)
class Signer:
    """Signs bytes with the counter's private key; ``public_key_b64`` names the key."""

    counter_id: str
    private_key: Ed25519PrivateKey
    public_key_b64: str

    def __call__(self, message: bytes) -> str:
        return base64.b64encode(self.private_key.sign(message)).decode("ascii")

    @classmethod
    def from_private(cls, counter_id: str, key: Ed25519PrivateKey) -> Signer:
        from liangxian.keys import public_key_b64

        return cls(counter_id, key, public_key_b64(key.public_key()))


def load_signer(counter_id: str) -> Signer | None:
    """The counter's signer from the keyring, or None (no usable keyring, or no key for it)."""
    from liangxian.keys import CounterKeyMissing, KeyringUnavailable, load_counter_key

    try:
        return Signer.from_private(counter_id, load_counter_key(counter_id))
    except (KeyringUnavailable, CounterKeyMissing) as exc:
        log.info("audit heads unsigned: %s", exc)
        return None
    except Exception as exc:  # a broken keyring backend must not stop the counter from working
        log.warning("audit heads unsigned: keyring failed: %s", exc)
        return None


def verify(public_key_b64: str | None, message: bytes, signature_b64: str | None) -> bool:
    if not public_key_b64 or not signature_b64:
        return False
    try:
        key = Ed25519PublicKey.from_public_bytes(base64.b64decode(public_key_b64, validate=True))
        key.verify(base64.b64decode(signature_b64, validate=True), message)
    except (InvalidSignature, ValueError, binascii.Error):
        return False
    return True

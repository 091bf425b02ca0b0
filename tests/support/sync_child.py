"""One sync in a child process, for the tests that SIGKILL a counter mid-push and mid-pull: the real
engine over the real HTTP client. The test's throw-away signing key comes in the environment
(LIANGXIAN_TEST_KEY_HEX); the product itself reads the key from the OS keyring."""

from __future__ import annotations

import os
import sys

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

import localdb
from sync.engine import SERVER_KEY, SyncEngine
from sync.http import HttpSync


def main(db: str, url: str, token: str, user: str, batch: str, page: str) -> int:
    key = Ed25519PrivateKey.from_private_bytes(bytes.fromhex(os.environ["LIANGXIAN_TEST_KEY_HEX"]))
    store = localdb.open_store(db)
    try:
        server_key = store.sync_state()[SERVER_KEY]
        with HttpSync(url, token, server_key=server_key, timeout=10, retries=3, backoff=0.1) as transport:
            SyncEngine(store, transport, username=user, key=key, batch=int(batch), page=int(page)).run()
    finally:
        store.close()
    return 0


if __name__ == "__main__":
    from tests.support.cheap_hashing import install

    install()  # the staff rows it pulls were hashed as the tests hash (cheaply)
    sys.exit(main(*sys.argv[1:]))

"""The counter's signing key and the keyring backends (``liangxian.keys``)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_the_memory_keyring_is_never_picked_by_keyring_itself(tmp_path: Path) -> None:
    """Importing liangxian.keys registers MemoryKeyring with keyring; on a box without an OS keyring
    it must not win the automatic choice, or `init` would keep the counter's private key in process
    memory, report success and lose it at exit."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHON_KEYRING_BACKEND"}
    env["XDG_CONFIG_HOME"] = str(tmp_path)  # no keyringrc.cfg
    env["XDG_DATA_HOME"] = str(tmp_path)
    code = "import liangxian.keys, keyring; print(type(keyring.get_keyring()).__name__)"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=ROOT, timeout=60
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() != "MemoryKeyring"


def test_the_memory_keyring_works_when_chosen_explicitly() -> None:
    import keyring

    from liangxian.keys import MemoryKeyring, create_counter_key, load_counter_key, public_key_b64

    old = keyring.get_keyring()
    keyring.set_keyring(MemoryKeyring())
    try:
        public = create_counter_key("c1")
        assert public_key_b64(load_counter_key("c1").public_key()) == public
    finally:
        keyring.set_keyring(old)

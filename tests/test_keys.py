"""The counter's signing key and the keyring backends (``liangxian.keys``)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

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


# --- the real keyring (gnome-keyring's Secret Service on a private D-Bus session) -------------------


def test_the_counter_key_round_trips_through_the_real_secret_service(real_keyring) -> None:
    from liangxian.keys import SERVICE, create_counter_key, load_counter_key, public_key_b64

    public = create_counter_key("real-c1")
    assert public_key_b64(load_counter_key("real-c1").public_key()) == public
    assert create_counter_key("real-c1") == public  # an existing key is kept
    stored = real_keyring.get_password(SERVICE, "counter-signing-key:real-c1")  # type: ignore[attr-defined]
    assert stored and len(stored) == 44


def _run_python(code: str, env: dict[str, str], stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT), **env},
        cwd=ROOT,
        timeout=120,
        input=stdin,
        stdin=None if stdin is not None else subprocess.DEVNULL,
    )


def test_a_chain_holding_a_plaintext_backend_is_refused(secret_service, tmp_path: Path) -> None:
    """keyring's chain backend asks every backend it found and returns the first answer: with a
    plain-text one among them, a key planted in its file would sign documents. The check looks at
    every backend in the chain, not the chain's name."""
    import base64

    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    planted = Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )
    key_file = tmp_path / "plain.json"
    key_file.write_text(
        json.dumps({"liangxian\ncounter-signing-key:c9": base64.b64encode(planted).decode()}),
        encoding="utf-8",
    )
    code = (
        "import json, keyring, tests.support.keyring_backend\n"
        "from keyring.backends.chainer import ChainerBackend\n"
        "from liangxian.keys import KeyringUnavailable, load_counter_key\n"
        "chain = ChainerBackend()\n"
        "keyring.set_keyring(chain)\n"
        "members = [type(b).__name__ for b in chain.backends]\n"
        "try:\n"
        "    load_counter_key('c9')\n"
        "    print(json.dumps({'members': members, 'code': None}))\n"
        "except KeyringUnavailable as exc:\n"
        "    print(json.dumps({'members': members, 'code': exc.code, 'detail': exc.detail,\n"
        "                      'zh': exc.message('zh'), 'bo': exc.message('bo')}))\n"
    )
    env = {**secret_service, "LIANGXIAN_TEST_KEYRING_FILE": str(key_file)}
    env.pop("PYTHON_KEYRING_BACKEND")
    result = _run_python(code, env)
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    assert "PlaintextFileKeyring" in out["members"] and "Keyring" in out["members"]  # Secret Service too
    assert out["code"] == "keyring.insecure"
    assert "PlaintextFileKeyring" in out["detail"] and out["zh"] and out["bo"]


@pytest.mark.parametrize("backend", ["keyring.backends.fail.Keyring", "keyring.backends.null.Keyring"])
def test_no_backend_says_what_to_do(backend: str) -> None:
    import keyring as kr

    from liangxian.keys import KeyringUnavailable, create_counter_key

    old = kr.get_keyring()
    kr.set_keyring(kr.core.load_keyring(backend))
    try:
        with pytest.raises(KeyringUnavailable) as exc:
            create_counter_key("c1")
    finally:
        kr.set_keyring(old)
    assert exc.value.code == "keyring.unavailable"
    assert "secret-service.sh" in exc.value.message("en") and "PYTHON_KEYRING_BACKEND" in exc.value.message(
        "zh"
    )
    assert exc.value.message("bo") != exc.value.message("en")


def test_an_unknown_backend_is_refused_by_its_class_not_its_name() -> None:
    import keyring as kr

    from liangxian.keys import KeyringRefused, MemoryKeyring, create_counter_key

    class MemoryKeyringLookalike(MemoryKeyring):  # a subclass may do anything: not trusted
        pass

    old = kr.get_keyring()
    kr.set_keyring(MemoryKeyringLookalike())
    try:
        with pytest.raises(KeyringRefused):
            create_counter_key("c1")
    finally:
        kr.set_keyring(old)


def test_init_with_no_stdin_under_a_prompting_backend_warns_instead_of_eoferror(tmp_path: Path) -> None:
    """An encrypted file backend asks for its password on stdin when there is no terminal: `init`
    with no standard input died with EOFError. Now the counter is created and the bilingual warning
    says the keyring is locked."""
    from tests.support.credentials import password_file

    db = tmp_path / "c.db"
    code = (
        "import sys, liangxian.keys as k\n"
        "k.TRUSTED_BACKENDS = k.TRUSTED_BACKENDS | {'tests.support.keyring_backend.PromptingKeyring'}\n"
        "import keyring\n"
        "from tests.support.keyring_backend import PromptingKeyring\n"
        "keyring.set_keyring(PromptingKeyring())\n"
        "from liangxian.cli import main\n"
        f"sys.exit(main(['init', '--db', {str(db)!r}, '--region', 'lhasa', '--county', '540102',\n"
        f"  '--counter', '3', '--admin', 'boss', '--password-file', {password_file(tmp_path, 'pw')!r}]))\n"
    )
    result = _run_python(code, {})
    assert result.returncode == 0, result.stderr
    assert "EOFError" not in result.stderr and "Traceback" not in result.stderr
    assert json.loads(result.stdout)["counter"]["public_key_b64"] is None
    assert "密钥环" in result.stderr and "ལྡེ་མིག་ཁུག" in result.stderr

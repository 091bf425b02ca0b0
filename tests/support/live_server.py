"""The central server as a deployment runs it: `liangxian serve` (uvicorn) in a subprocess on a free
loopback port, started, stopped, killed and restarted by the tests themselves. Its server key lives in
a real OS keyring (the session's gnome-keyring: ``keyring_env`` is the ``secret_service`` fixture);
``server_key_b64`` and ``fingerprint`` are what `liangxian central key` prints for it."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from tests.support.cheap_hashing import SITE

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class LiveServer:
    def __init__(
        self,
        db_url: str,
        port: int | None = None,
        log_path: Path | None = None,
        *,
        keyring_env: dict[str, str],
    ):
        self.db_url = db_url
        self.port = port or free_port()
        self.log_path = log_path
        self.keyring_env = keyring_env
        self.proc: subprocess.Popen[bytes] | None = None
        self.server_key_b64 = ""
        self.fingerprint = ""

    @property
    def env(self) -> dict[str, str]:
        # cheap password hashing in the server too (tests.support.cheap_hashing), as in the tests
        return {**os.environ, "PYTHONPATH": os.pathsep.join((str(ROOT), str(SITE))), **self.keyring_env}

    def key(self) -> dict[str, str]:
        """`liangxian central key` for this server (the key is made in the keyring on first use)."""
        done = subprocess.run(
            [sys.executable, "-m", "liangxian", "central", "key", "--db", self.db_url],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        if done.returncode != 0:
            raise RuntimeError(
                f"liangxian central key exited with {done.returncode}: {done.stdout}{done.stderr}"
            )
        out: dict[str, str] = json.loads(done.stdout)
        self.server_key_b64, self.fingerprint = out["server_key_b64"], out["server_key_fingerprint"]
        return out

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 30.0) -> LiveServer:
        if not self.server_key_b64:
            self.key()
        env = self.env
        out = open(self.log_path, "ab") if self.log_path else subprocess.DEVNULL
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "liangxian",
                "serve",
                "--db",
                self.db_url,
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
            ],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=out,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"liangxian serve exited with {self.proc.returncode}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return self
            except OSError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError("liangxian serve did not start listening")

    def kill(self) -> None:
        """SIGKILL: the server dies mid-request, as a power cut would take it."""
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(10)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)

    def __enter__(self) -> LiveServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

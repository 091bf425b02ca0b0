"""A real Secret Service for tests and benchmarks: gnome-keyring-daemon on a private D-Bus session bus,
unlocked with a throw-away password (scripts/secret-service.sh; its packages come from
scripts/setup-system.sh)."""

from __future__ import annotations

import contextlib
import shlex
import subprocess
from collections.abc import Iterator
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "secret-service.sh"


class SecretServiceFailed(RuntimeError):
    """The script could not start the daemon (its stderr is the message)."""


@contextlib.contextmanager
def running_secret_service(folder: Path) -> Iterator[dict[str, str]]:
    """Start one under ``folder``; yields the environment a process needs to use it
    (DBUS_SESSION_BUS_ADDRESS, PYTHON_KEYRING_BACKEND=keyring.backends.SecretService.Keyring); this
    process's own environment is left alone. Stopped on exit."""
    started = subprocess.run(
        ["bash", str(SCRIPT), "start", str(folder)], capture_output=True, text=True, timeout=60
    )
    if started.returncode != 0:
        raise SecretServiceFailed(f"could not start a Secret Service ({SCRIPT}): {started.stderr}")
    env: dict[str, str] = {}
    for line in started.stdout.splitlines():
        words = shlex.split(line)
        if len(words) == 2 and words[0] == "export" and "=" in words[1]:
            key, value = words[1].split("=", 1)
            env[key] = value
    try:
        yield env
    finally:
        subprocess.run(["bash", str(SCRIPT), "stop", str(folder)], capture_output=True, timeout=60)

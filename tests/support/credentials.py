"""Staff passwords of the test counters and the ``--password-file`` arguments that prove them (a
file readable by its owner only, as ``liangxian.auth`` demands)."""

from __future__ import annotations

import os
from pathlib import Path

# the users of tests/localdb/conftest.py's template counter (and the init_args counters)
PASSWORDS = {"boss": "s3cret", "clerk1": "pw-clerk", "rev1": "pw-rev"}


def password_file(directory: Path, password: str, name: str = "pw") -> str:
    """A mode-0600 file holding ``password`` on its first line."""
    path = Path(directory) / f".{name}-{abs(hash(password)) % 10**8}.txt"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(password + "\n")
    os.chmod(path, 0o600)
    return str(path)


def as_user(directory: Path, user: str, password: str | None = None) -> list[str]:
    """``--as USER --password-file FILE`` for ``user`` (its password from PASSWORDS unless given)."""
    pw = password if password is not None else PASSWORDS.get(user, "no-such-password")
    return ["--as", user, "--password-file", password_file(directory, pw, user)]

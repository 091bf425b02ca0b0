"""Every command that acts as a staff user proves it: the one place that reads the password and checks
it against the store (issue 16, finding 5).

The password comes from ``--password-file FILE`` (a file readable by its owner only: mode 0600 or
stricter, owned by the user running the command; its first line is the password) or from
``--password-stdin`` (the first line of standard input; a JSON record must then come from a FILE, not
``-``). It is never an argument on the command line, where ``ps`` and the shell history would show it.

``add_password_args(parser)`` declares the two options; ``acting_service(args, store)`` returns the
store's ``Service`` for ``args.user`` once the password is right. A wrong or missing password, an
unknown user and a user without a password are all refused the same way (``auth.login_failed``, so
that nothing tells which user names exist), before anything is written.
"""

from __future__ import annotations

import argparse
import os
import stat
import sys
from typing import Any

from forms.errors import CodedError, Issue

MAX_PASSWORD_BYTES = 4096


class AuthError(CodedError):
    """A refused proof of identity: one coded issue with its parameters."""

    code = "auth.login_failed"

    def __init__(self, field: str = "password", **params: object):
        self.field = field
        self.params = params
        super().__init__(self.message("en"))

    @property
    def issues(self) -> list[Issue]:
        return [Issue(self.code, self.field, "error", self.params)]


class LoginFailed(AuthError):
    code = "auth.login_failed"


class PasswordRequired(AuthError):
    code = "auth.password_required"


class PasswordFileInsecure(AuthError):
    """The password file can be read (or written) by someone other than its owner, or is not ours."""

    code = "auth.password_file_insecure"


class PasswordFileUnreadable(AuthError):
    code = "auth.password_file_unreadable"


class StdinTaken(AuthError):
    """``--password-stdin`` with the record also on standard input (``-``)."""

    code = "auth.stdin_taken"


def add_password_args(
    parser: argparse.ArgumentParser, *, prefix: str = "", whose: str = "the acting user"
) -> None:
    """``--password-file FILE`` / ``--password-stdin`` (with ``prefix``, e.g. ``new-``, for a second
    password such as a new user's)."""
    group = parser.add_mutually_exclusive_group()
    dest = prefix.replace("-", "_")
    group.add_argument(
        f"--{prefix}password-file",
        dest=f"{dest}password_file",
        metavar="FILE",
        help=f"read {whose}'s password from the first line of FILE (readable by its owner only)",
    )
    group.add_argument(
        f"--{prefix}password-stdin",
        dest=f"{dest}password_stdin",
        action="store_true",
        help=f"read {whose}'s password from the first line of standard input",
    )


def _first_line(raw: bytes, field: str) -> str:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise PasswordFileUnreadable(field, detail="not UTF-8") from exc
    line = text.split("\n", 1)[0].rstrip("\r")
    if not line:
        raise PasswordRequired(field)
    return line


def read_password_file(path: str, field: str = "password_file") -> str:
    """The first line of ``path``, which must be a regular file owned by this user and readable by
    nobody else (no group or other permission bits). Checked on the open file, not the name."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0))
    except OSError as exc:
        raise PasswordFileUnreadable(field, detail=exc.strerror or str(exc)) from exc
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise PasswordFileUnreadable(field, detail="not a regular file")
        if st.st_mode & 0o077 or (hasattr(os, "getuid") and st.st_uid != os.getuid()):
            raise PasswordFileInsecure(field, path=path, mode=f"{stat.S_IMODE(st.st_mode):04o}")
        raw = os.read(fd, MAX_PASSWORD_BYTES + 1)
    finally:
        os.close(fd)
    if len(raw) > MAX_PASSWORD_BYTES and b"\n" not in raw[:MAX_PASSWORD_BYTES]:
        raise PasswordFileUnreadable(field, detail=f"longer than {MAX_PASSWORD_BYTES} bytes")
    return _first_line(raw, field)


def read_stdin_line(field: str = "password") -> str:
    """One line of standard input (the password), without its line break."""
    stream = getattr(sys.stdin, "buffer", None)
    raw = stream.readline(MAX_PASSWORD_BYTES + 1) if stream is not None else sys.stdin.readline().encode()
    if not raw:
        raise PasswordRequired(field)
    return _first_line(raw, field)


def password_from(args: argparse.Namespace, *, prefix: str = "") -> str:
    """The password the options of ``add_password_args(prefix=…)`` name; PasswordRequired when
    neither was given. With ``--password-stdin`` a record file argument of ``-`` is refused."""
    dest = prefix.replace("-", "_")
    path = getattr(args, f"{dest}password_file", None)
    from_stdin = getattr(args, f"{dest}password_stdin", False)
    if path:
        return read_password_file(path, f"{dest}password_file")
    if from_stdin:
        if getattr(args, "file", None) == "-":
            raise StdinTaken("file")
        return read_stdin_line(f"{dest}password")
    raise PasswordRequired(f"{dest}password")


def acting_service(args: argparse.Namespace, store: Any, *, today: Any = None) -> Any:
    """The store's ``Service`` for ``args.user`` once its password (``add_password_args``) checks
    out with ``store.verify_login``. LoginFailed for a wrong password, an unknown or inactive user and
    a user without a password alike; PasswordRequired when no password was given."""
    password = password_from(args)
    user = getattr(args, "user", None)
    if not user or store.verify_login(user, password) is None:
        raise LoginFailed("user", username=user or "")
    return store.service(user, today=today)

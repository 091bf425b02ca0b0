"""JSON in and out for the CLI: read a file or ``-`` (stdin), print UTF-8 JSON with Chinese and Tibetan
kept readable, and the common error envelope ``{"errors": [...]}`` with exit code 2.

Input is bounded before it is parsed (issue 16, findings 6 and 7): at most ``MAX_JSON_BYTES``, nested
at most ``MAX_JSON_DEPTH`` deep, no number literal longer than ``MAX_NUMBER_CHARS`` characters, no
``NaN``/``Infinity`` (not JSON), and no string holding a lone surrogate (``"\\ud800"``), which could
never be written back out as UTF-8. Each is a coded error, never a traceback."""

from __future__ import annotations

import datetime as dt
import json
import re
import sys
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

from forms.errors import Issue, error

EXIT_INVALID = 2
MAX_JSON_BYTES = 1_000_000  # one form is a few kilobytes; a megabyte is generous
MAX_JSON_DEPTH = 32  # our records nest two levels deep
MAX_NUMBER_CHARS = 40
# a string, its closing quote optional: every quote starts a match, so the scan is linear (a closing
# quote required would retry from each quote of an unterminated '"\\"\\"\\…' — quadratic)
_STRING_RE = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"?', re.DOTALL)
_BRACKETS_RE = re.compile(r"[^\[\]{}]+")
_SURROGATE_RE = re.compile(r"[\ud800-\udfff]")


def _default(obj: Any) -> Any:
    if isinstance(obj, dt.date):
        return obj.isoformat()
    if isinstance(obj, Decimal):
        return format(obj, "f")
    raise TypeError(f"not JSON serialisable: {type(obj).__name__}")


def dumps(obj: Any) -> str:
    return json.dumps(obj, ensure_ascii=False, indent=2, default=_default)


def emit(obj: Any) -> None:
    text = dumps(obj) + "\n"
    # a lone surrogate that slipped through is written escaped rather than crash the output
    sys.stdout.write(
        text.encode("utf-8", "backslashreplace").decode("utf-8") if has_surrogate(text) else text
    )
    sys.stdout.flush()


def has_surrogate(text: str) -> bool:
    return bool(_SURROGATE_RE.search(text))


class _Refused(ValueError):
    def __init__(self, issue: Issue):
        self.issue = issue
        super().__init__(issue.code)


def _number(text: str, kind: type) -> Any:
    if len(text) > MAX_NUMBER_CHARS:
        raise _Refused(error("json.number_too_long", "file", max=MAX_NUMBER_CHARS))
    return kind(text)


def _constant(name: str) -> Any:
    raise _Refused(error("json.syntax", "file", detail=f"{name} is not JSON"))


def _depth(text: str) -> int:
    """How deep the arrays and objects nest (strings skipped), without parsing."""
    depth = deepest = 0
    for ch in _BRACKETS_RE.sub("", _STRING_RE.sub("", text)):
        depth += 1 if ch in "[{" else -1
        if depth > deepest:
            deepest = depth
            if deepest > MAX_JSON_DEPTH:
                break
    return deepest


def _surrogate_path(value: Any, path: str = "") -> str | None:
    """The field holding a lone surrogate (in a key or a string), if any."""
    if isinstance(value, str):
        return path if has_surrogate(value) else None
    if isinstance(value, dict):
        for k, v in value.items():
            if has_surrogate(k):
                return path or "file"
            found = _surrogate_path(v, k if not path else f"{path}.{k}")
            if found is not None:
                return found
    if isinstance(value, list):
        for i, v in enumerate(value):
            found = _surrogate_path(v, f"{path}[{i}]")
            if found is not None:
                return found
    return None


def loads(text: str) -> tuple[Any, list[Issue]]:
    """Parse bounded JSON text. Returns ``(data, issues)``; never raises on bad input."""
    if len(text) > MAX_JSON_BYTES:
        return None, [error("json.too_large", "file", max=MAX_JSON_BYTES)]
    if _depth(text) > MAX_JSON_DEPTH:
        return None, [error("json.too_deep", "file", max=MAX_JSON_DEPTH)]
    try:
        data = json.loads(
            text,
            parse_float=lambda t: _number(t, Decimal),
            parse_int=lambda t: _number(t, int),
            parse_constant=_constant,
        )
    except _Refused as exc:
        return None, [exc.issue]
    except json.JSONDecodeError as exc:
        return None, [error("json.syntax", "file", detail=f"line {exc.lineno} column {exc.colno}: {exc.msg}")]
    except RecursionError:  # pragma: no cover - the depth limit comes first
        return None, [error("json.too_deep", "file", max=MAX_JSON_DEPTH)]
    where = _surrogate_path(data)
    if where is not None:
        return None, [error("text.surrogate", where or "file")]
    return data, []


def read_json(source: str) -> tuple[Any, list[Issue]]:
    """Parse JSON from a path or ``-``. Returns ``(data, issues)``; issues hold a ``json.*`` error
    (or ``file.not_found`` for a missing file) instead of raising. At most MAX_JSON_BYTES are read."""
    try:
        if source == "-":
            stream = getattr(sys.stdin, "buffer", None)
            raw: bytes | str = (
                stream.read(MAX_JSON_BYTES + 1) if stream is not None else sys.stdin.read(MAX_JSON_BYTES + 1)
            )
        else:
            with Path(source).open("rb") as fh:
                raw = fh.read(MAX_JSON_BYTES + 1)
        if len(raw) > MAX_JSON_BYTES:
            return None, [error("json.too_large", "file", max=MAX_JSON_BYTES)]
        text = raw.decode("utf-8-sig") if isinstance(raw, bytes) else raw
    except FileNotFoundError:
        return None, [error("file.not_found", "file", path=source)]
    except (OSError, ValueError) as exc:  # UnicodeDecodeError is a ValueError; ENAMETOOLONG an OSError
        return None, [error("json.syntax", "file", detail=str(exc))]
    return loads(text)


def read_object(source: str) -> tuple[Any, list[Issue]]:
    """``read_json`` of a record: a JSON object, else ``form.not_object``."""
    data, issues = read_json(source)
    if not issues and not isinstance(data, dict):
        issues = [error("form.not_object", "")]
    return data, issues


def fail(issues: list[Issue], code: int = EXIT_INVALID) -> int:
    emit({"errors": [i.to_json() for i in issues]})
    return code


def guarded(action: Callable[[], int]) -> int:
    """Run a command's ``action``; turn the store's refusals into the JSON error envelope (exit 2).
    Shared by every command module (they never import one another: tests/test_layering.py)."""
    from forms.errors import CodedError, ValidationFailed
    from localdb.errors import DuplicateApplication, DuplicateEmployer, DuplicatePerson

    try:
        return action()
    except (DuplicatePerson, DuplicateEmployer, DuplicateApplication) as exc:
        emit({"errors": exc.to_json(), "existing": exc.existing})
        return EXIT_INVALID
    except ValidationFailed as exc:
        emit({"errors": exc.to_json()})
        return EXIT_INVALID
    except CodedError as exc:  # the store's refusals, a refused login, a busy database
        sys.stderr.write(exc.bilingual() + "\n")
        emit({"errors": exc.to_json()})
        return EXIT_INVALID

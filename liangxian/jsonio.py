"""JSON in and out for the CLI: read a file or ``-`` (stdin), print UTF-8 JSON with Chinese and Tibetan
kept readable, and the common error envelope ``{"errors": [...]}`` with exit code 2."""

from __future__ import annotations

import datetime as dt
import json
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

from forms.errors import Issue, error

EXIT_INVALID = 2


def _default(obj: Any) -> Any:
    if isinstance(obj, dt.date):
        return obj.isoformat()
    if isinstance(obj, Decimal):
        return format(obj, "f")
    raise TypeError(f"not JSON serialisable: {type(obj).__name__}")


def dumps(obj: Any) -> str:
    return json.dumps(obj, ensure_ascii=False, indent=2, default=_default)


def emit(obj: Any) -> None:
    sys.stdout.write(dumps(obj) + "\n")
    sys.stdout.flush()


def read_json(source: str) -> tuple[Any, list[Issue]]:
    """Parse JSON from a path or ``-``. Returns ``(data, issues)``; issues hold a ``json.syntax``
    error (or ``required`` for a missing file) instead of raising."""
    try:
        if source == "-":
            text = sys.stdin.read()
        else:
            text = Path(source).read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        return None, [error("file.not_found", "file", path=source)]
    except (OSError, UnicodeDecodeError) as exc:
        return None, [error("json.syntax", "file", detail=str(exc))]
    try:
        return json.loads(text, parse_float=Decimal), []
    except json.JSONDecodeError as exc:
        return None, [error("json.syntax", "file", detail=f"line {exc.lineno} column {exc.colno}: {exc.msg}")]
    except RecursionError:  # nested deeper than the parser's recursion limit
        return None, [error("json.syntax", "file", detail="nested too deeply")]


def fail(issues: list[Issue], code: int = EXIT_INVALID) -> int:
    emit({"errors": [i.to_json() for i in issues]})
    return code

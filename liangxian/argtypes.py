"""Argument types for the command line that bound a value before anything uses it (issue 16,
finding 7: ``search --limit 1e23`` reached SQLite as an integer it cannot hold)."""

from __future__ import annotations

import argparse
import re
from collections.abc import Callable

_INT_RE = re.compile(r"-?[0-9]{1,18}")


def bounded_int(lo: int, hi: int) -> Callable[[str], int]:
    """An argparse ``type``: a whole number from ``lo`` to ``hi`` (the text is looked at first, so a
    number of 5,000 digits is refused without being converted)."""

    def parse(text: str) -> int:
        stripped = text.strip()
        if not _INT_RE.fullmatch(stripped) or not lo <= int(stripped) <= hi:
            raise argparse.ArgumentTypeError(f"must be a whole number from {lo} to {hi}")
        return int(stripped)

    parse.__name__ = f"whole number {lo}-{hi}"
    return parse

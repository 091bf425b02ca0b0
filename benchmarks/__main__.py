"""``python -m benchmarks`` runs the store benchmark (``benchmarks/store_search.py``) with its
defaults; ``python -m benchmarks store_search --persons 100000`` passes options through."""

from __future__ import annotations

import importlib
import sys

DEFAULT = "store_search"


def main(argv: list[str]) -> int:
    name = DEFAULT
    if argv and not argv[0].startswith("-"):
        name, argv = argv[0], argv[1:]
    module = importlib.import_module(f"benchmarks.{name}")
    return int(module.main(argv) or 0)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""Fixtures for the printing tests: every sample document built once per session with the fixed
test key."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # tests.printing is imported by path, also under the bare pytest script
    sys.path.insert(0, str(ROOT))

from printing.documents import build_pdf  # noqa: E402
from printing.samples import sample  # noqa: E402
from tests.printing.printing_helpers import CASES, KEY  # noqa: E402


@pytest.fixture(scope="session")
def sample_pdfs(tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, str, str], Path]:
    """Every sample document as a PDF file; the A5 receipts are reprints (补打)."""
    out = tmp_path_factory.mktemp("samples")
    paths = {}
    for region, kind, paper in CASES:
        doc = sample(kind, region, reprint=1 if (kind == "receipt" and paper == "a5") else 0)
        path = out / f"{region}-{kind}-{paper}.pdf"
        path.write_bytes(build_pdf(doc, KEY, paper))
        paths[(region, kind, paper)] = path
    return paths

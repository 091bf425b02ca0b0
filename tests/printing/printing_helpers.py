"""Shared values and helpers of the printing tests: a fixed signing key (Ed25519 from a fixed seed, so
runs are reproducible), the sample cases, and poppler helpers to read PDFs back."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from printing.model import KINDS, PAPERS_FOR
from printing.samples import LHASA_ISSUER, LYG_ISSUER

SEED = bytes(range(32))
KEY = Ed25519PrivateKey.from_private_bytes(SEED)
KEYS = {LHASA_ISSUER.counter_id: KEY.public_key(), LYG_ISSUER.counter_id: KEY.public_key()}
CASES = [
    (region, kind, paper)
    for region in ("lhasa", "lianyungang")
    for kind in KINDS
    for paper in PAPERS_FOR[kind]
]


def pdftotext(path: Path) -> str:
    """Text as poppler reads it: it honours /ActualText, so shaped Tibetan comes back as Unicode."""
    if shutil.which("pdftotext") is None:
        pytest.fail("poppler-utils (pdftotext) is not installed (scripts/setup.sh installs it)")
    return subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, text=True, check=True, timeout=60
    ).stdout


def render_png(path: Path, out: Path, dpi: int = 200) -> Path:
    if shutil.which("pdftoppm") is None:
        pytest.fail("poppler-utils (pdftoppm) is not installed (scripts/setup.sh installs it)")
    subprocess.run(
        ["pdftoppm", "-png", "-r", str(dpi), "-f", "1", "-l", "1", "-singlefile", str(path), str(out)],
        check=True,
        timeout=60,
    )
    return out.with_suffix(".png")

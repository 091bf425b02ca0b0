"""Receipt printing speed and size, beside a bare ReportLab canvas.

    python -m benchmarks.printing_receipt [--runs N]

For each region's receipt (A4): milliseconds per document built by ``printing.documents.build_pdf``
(layout, shaping, QR code, Ed25519 signature, subset fonts) and bytes per file; then a bare
``reportlab.pdfgen.canvas.Canvas`` drawing the same strings with the same fonts at the same positions
(Tibetan shaped, as the documents do) in the same process, and the ratio. Fonts are registered before
timing (once per process in real use). Goals (issue 5): < 100 ms, ≤ 2× the bare canvas, < 150 KB.
Not part of the test suite.
"""

from __future__ import annotations

import argparse
import io
import logging
import statistics
import sys
import time
from dataclasses import replace

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen.canvas import Canvas

from printing.documents import build_pdf
from printing.layout import BINARY_STREAMS
from printing.samples import sample
from printing.text import TIBETAN, Typesetter
from printing.typefaces import register

log = logging.getLogger("benchmarks.printing_receipt")


def _strings_of(doc, key) -> list[tuple[str, float, float, float, str, bool]]:
    """(font, size, x, y, text, shaped) of every string the document draws."""
    drawn: list[tuple[str, float, float, float, str, bool]] = []
    original = Typesetter.draw_line

    def spy(self, canvas, x, baseline, line, style):
        for r in line.runs:
            drawn.append((r.font, r.size, x, baseline, r.source or str(r.text), r.script == TIBETAN))
            x += r.width
        return original(self, canvas, x, baseline, line, style)

    Typesetter.draw_line = spy  # type: ignore[method-assign]
    try:
        build_pdf(doc, key, "a4")
    finally:
        Typesetter.draw_line = original  # type: ignore[method-assign]
    return drawn


def bare_canvas(strings) -> bytes:
    """The same strings, fonts and positions on a plain canvas, streams written as the documents
    write them (binary, Flate)."""
    with BINARY_STREAMS:
        return _bare_canvas(strings)


def _bare_canvas(strings) -> bytes:
    buf = io.BytesIO()
    c = Canvas(buf, pagesize=A4, pageCompression=1, invariant=1, initialFontName=strings[0][0])
    for font, size, x, y, text, shaped in strings:
        c.setFont(font, size)
        c.drawString(x, y, text, shaping=shaped)
    c.showPage()
    c.save()
    return buf.getvalue()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks printing_receipt", description=__doc__)
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args(argv)
    register()
    key = Ed25519PrivateKey.generate()
    rows = []
    for region in ("lhasa", "lianyungang"):
        doc = sample("receipt", region)
        build_pdf(doc, key, "a4")  # warm: HarfBuzz faces, glyph extents
        strings = _strings_of(doc, key)
        bare_canvas(strings)
        warm = Typesetter()
        cold_ms, warm_ms, bare_ms = [], [], []
        for i in range(args.runs):
            # a new number each time: no QR carries over; "cold" also starts with an empty typesetter
            numbered = replace(doc, header=replace(doc.header, number=f"{doc.header.number}-{i}"))
            t = time.perf_counter()
            pdf = build_pdf(numbered, key, "a4", typesetter=Typesetter())
            cold_ms.append((time.perf_counter() - t) * 1000)
            t = time.perf_counter()
            build_pdf(numbered, key, "a4", typesetter=warm)
            warm_ms.append((time.perf_counter() - t) * 1000)
            t = time.perf_counter()
            bare = bare_canvas(strings)
            bare_ms.append((time.perf_counter() - t) * 1000)
        cold, hot, base = (statistics.median(x) for x in (cold_ms, warm_ms, bare_ms))
        rows.append((region, cold, hot, len(pdf), base, len(bare), cold / base, hot / base))
    out = sys.stdout
    out.write(
        f"{'receipt (A4)':<13}{'cold ms':>8}{'warm ms':>8}{'bytes':>8}{'bare ms':>8}{'bare B':>8}"
        f"{'ratio':>7}{'warm r':>7}\n"
    )
    for region, cold, hot, size, base, bare_size, ratio, warm_ratio in rows:
        out.write(
            f"{region:<13}{cold:>8.1f}{hot:>8.1f}{size:>8}{base:>8.1f}{bare_size:>8}{ratio:>7.2f}{warm_ratio:>7.2f}\n"
        )
    out.write(
        "medians of interleaved runs; cold = fresh typesetter per document, warm = one typesetter reused\n"
        "goals: < 100 ms "
        + ("met" if all(r[1] < 100 for r in rows) else "NOT met")
        + "; <= 2x bare "
        + ("met" if all(r[6] <= 2 for r in rows) else "NOT met")
        + "; < 150 KB "
        + ("met" if all(r[3] < 150 * 1024 for r in rows) else "NOT met")
        + "\n"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

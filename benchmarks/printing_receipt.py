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


def _time(fn, runs: int) -> float:
    samples = []
    for i in range(runs):
        t = time.perf_counter()
        fn(i)
        samples.append((time.perf_counter() - t) * 1000)
    return statistics.median(samples)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.printing_receipt", description=__doc__)
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args(argv)
    register()
    key = Ed25519PrivateKey.generate()
    rows = []
    for region in ("lhasa", "lianyungang"):
        doc = sample("receipt", region)
        build_pdf(doc, key, "a4")  # warm: HarfBuzz faces, glyph extents

        def one(i: int, doc=doc) -> bytes:
            # a new number each time: no QR or layout cache carries over between documents
            numbered = replace(doc, header=replace(doc.header, number=f"{doc.header.number}-{i}"))
            return build_pdf(numbered, key, "a4", typesetter=Typesetter())

        ms = _time(one, args.runs)
        size = len(one(0))
        strings = _strings_of(doc, key)
        bare_canvas(strings)
        bare_ms = _time(lambda _i, s=strings: bare_canvas(s), args.runs)
        bare_size = len(bare_canvas(strings))
        rows.append((region, ms, size, bare_ms, bare_size, ms / bare_ms))
    out = sys.stdout
    out.write(f"{'receipt (A4)':<14}{'ms/doc':>9}{'bytes':>9}{'bare ms':>9}{'bare B':>9}{'ratio':>7}\n")
    for region, ms, size, bare_ms, bare_size, ratio in rows:
        out.write(f"{region:<14}{ms:>9.1f}{size:>9}{bare_ms:>9.1f}{bare_size:>9}{ratio:>7.2f}\n")
    ok = all(ms < 100 and ratio <= 2 and size < 150 * 1024 for _r, ms, size, _b, _bs, ratio in rows)
    out.write("goals (< 100 ms, <= 2x bare, < 150 KB): " + ("met" if ok else "NOT met") + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

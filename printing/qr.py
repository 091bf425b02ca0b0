"""QR code modules and drawing, on ReportLab's encoder (``reportlab.graphics.barcode.qrencoder``).

ReportLab's widget encodes a code twice, picks the mask with a slow pure-Python penalty score and
draws every module run as a validated shape object, which made the QR code most of a receipt's
build time. Here the encoder is used once, the mask is chosen with the same four penalty rules of
ISO/IEC 18004 (§7.8.3) computed on strings, and the dark runs are drawn as one filled path.
"""

from __future__ import annotations

import itertools
import re
from functools import lru_cache

from reportlab.graphics.barcode import qrencoder
from reportlab.pdfgen.canvas import Canvas

QUIET_ZONE = 4  # modules of white border required around the code
_RUN5 = re.compile(r"0{5,}|1{5,}")


def _penalty(rows: list[str], bits: list[int]) -> int:
    cols = ["".join(col) for col in zip(*rows, strict=True)]
    lines = "|".join((*rows, *cols))  # one regex pass over every row and column
    runs = _RUN5.findall(lines)
    score = sum(len(r) for r in runs) - 2 * len(runs)  # N1: 3 + (length - 5) per run of 5 or more
    score += 40 * (lines.count("00001011101") + lines.count("10111010000"))  # N3 (neither overlaps itself)
    n = len(rows)
    # N2: 2×2 blocks of one colour, with rows as bit masks
    pairs = (1 << (n - 1)) - 1
    for a, b in itertools.pairwise(bits):
        same = ~(a ^ b) & ~(a ^ (a >> 1)) & ~(b ^ (b >> 1)) & pairs
        score += 3 * same.bit_count()
    dark = sum(r.count("1") for r in rows)
    score += 10 * (abs(dark * 100 // (n * n) - 50) // 5)  # N4
    return score


_BITS = bytes.maketrans(b"\x00\x01", b"01")

# GF(256) with the QR code's polynomial x^8 + x^4 + x^3 + x^2 + 1, as exp/log tables
_EXP = [0] * 512
_LOG = [0] * 256
_x = 1
for _i in range(255):
    _EXP[_i] = _x
    _LOG[_x] = _i
    _x <<= 1
    if _x & 0x100:
        _x ^= 0x11D
for _i in range(255, 512):
    _EXP[_i] = _EXP[_i - 255]


@lru_cache(maxsize=32)
def _generator_logs(n: int) -> tuple[int, ...]:
    """Logs of the coefficients (after the leading 1) of the Reed–Solomon generator of degree n."""
    g = [1]
    for i in range(n):
        nxt = [0] * (len(g) + 1)
        for j, c in enumerate(g):
            nxt[j] ^= c
            if c:
                nxt[j + 1] ^= _EXP[_LOG[c] + i]
        g = nxt
    return tuple(_LOG[c] for c in g[1:])


def _error_correction(data: list[int], n: int) -> list[int]:
    gen = _generator_logs(n)
    rem = [*data, *([0] * n)]
    for i in range(len(data)):
        coef = rem[i]
        if coef:
            lc = _LOG[coef]
            for j, lg in enumerate(gen, start=i + 1):
                rem[j] ^= _EXP[lc + lg]
    return rem[len(data) :]


def _codewords(qr: qrencoder.QRCode) -> list[int]:
    """Data and error-correction codewords, interleaved: ReportLab's ``createData`` with a table-driven
    Reed–Solomon encoder (its polynomial objects were a third of a receipt's QR time)."""
    blocks = qrencoder.QRRSBlock.getRSBlocks(qr.version, qr.errorCorrectLevel)
    buffer = qrencoder.QRBitBuffer()
    for data in qr.dataList:
        data.write(buffer, qr.version)
    capacity = sum(b.dataCount for b in blocks) * 8
    if buffer.getLengthInBits() > capacity:
        raise ValueError("QR code data overflow")
    if buffer.getLengthInBits() + 4 <= capacity:
        buffer.put(0, 4)
    while buffer.getLengthInBits() % 8:
        buffer.putBit(False)
    pad = (0xEC, 0x11)
    i = 0
    while buffer.getLengthInBits() < capacity:
        buffer.put(pad[i % 2], 8)
        i += 1
    offset = 0
    dc: list[list[int]] = []
    ec: list[list[int]] = []
    for b in blocks:
        chunk = buffer.buffer[offset : offset + b.dataCount]
        offset += b.dataCount
        dc.append(chunk)
        ec.append(_error_correction(chunk, b.totalCount - b.dataCount))
    return [
        d
        for group in itertools.chain(itertools.zip_longest(*dc), itertools.zip_longest(*ec))
        for d in group
        if d is not None
    ]


@lru_cache(maxsize=64)
def _mask_differences(version: int, level: int) -> tuple[tuple[int, ...], ...]:
    """For each mask, per row (as a bit mask) the modules that differ from the mask-0 placement:
    the data modules where the two mask patterns differ and the format information. Both depend
    on the version and error-correction level only, not on the data, so they are computed once."""
    probe = qrencoder.QRCode(version, level)
    probe.addData("0")
    placements = []
    for mask in range(8):
        probe.makeImpl(False, mask)
        placements.append([int(bytes(row).translate(_BITS), 2) for row in probe.modules])
    first = placements[0]
    return tuple(tuple(a ^ b for a, b in zip(first, rows, strict=True)) for rows in placements)


@lru_cache(maxsize=64)
def modules(text: str, level: str = "M") -> tuple[str, ...]:
    """The code's modules, one string of ``0``/``1`` per row (no quiet zone)."""
    qr = qrencoder.QRCode(None, getattr(qrencoder.QRErrorCorrectLevel, level))
    qr.addData(text)
    qr.version = qr.calculate_version()
    qr.dataCache = _codewords(qr)
    # place the data once (mask 0); every other mask is that placement XOR a fixed difference
    qr.makeImpl(False, 0)
    n = qr.getModuleCount()
    base = [int(bytes(row).translate(_BITS), 2) for row in qr.modules]
    best: tuple[int, list[str]] | None = None
    for differences in _mask_differences(qr.version, qr.errorCorrectLevel):
        bits = [a ^ b for a, b in zip(base, differences, strict=True)]
        rows = [format(v, f"0{n}b") for v in bits]
        score = _penalty(rows, bits)
        if best is None or score < best[0]:
            best = (score, rows)
    assert best is not None
    return tuple(best[1])


def _rectangles(rows: tuple[str, ...]) -> list[tuple[int, int, int, int]]:
    """Dark modules as rectangles ``(column, row, width, height)``: runs along each row, and a run
    repeated at the same columns on the rows below extends downwards."""
    done: list[tuple[int, int, int, int]] = []
    open_runs: dict[tuple[int, int], int] = {}  # (start, end) → first row
    for r, row in enumerate((*rows, "")):
        runs = {(m.start(), m.end()) for m in re.finditer("1+", row)}
        for key in [k for k in open_runs if k not in runs]:
            top = open_runs.pop(key)
            done.append((key[0], top, key[1] - key[0], r - top))
        for key in runs:
            open_runs.setdefault(key, r)
    return done


def draw(c: Canvas, text: str, x: float, y: float, side: float) -> None:
    """The QR code of ``text`` with its quiet zone, in a ``side`` × ``side`` square at (x, y)."""
    rows = modules(text)
    n = len(rows) + 2 * QUIET_ZONE
    box = side / n
    ops = ["q 0 g"]
    for col, row, w, h in _rectangles(rows):
        left = x + (col + QUIET_ZONE) * box
        bottom = y + side - (row + h + QUIET_ZONE) * box
        ops.append(f"{left:.3f} {bottom:.3f} {w * box:.3f} {h * box:.3f} re")
    ops.append("f Q")
    # one literal path: thousands of canvas.rect() calls were most of a receipt's drawing time
    c.addLiteral("\n".join(ops))

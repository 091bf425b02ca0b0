"""The QR code on the page decodes (pdftoppm → PNG → zxing-cpp) to the signed payload, which
verifies; the smallest code (A5, 21 mm) is checked at a scanner-like 200 dpi."""

from __future__ import annotations

from pathlib import Path

import pytest
import zxingcpp
from PIL import Image
from pypdf import PdfReader

from printing import seal
from printing.documents import KEYWORDS_PREFIX
from tests.printing.printing_helpers import CASES, KEYS, render_png


def _decode(pdf: Path, tmp_path: Path, dpi: int) -> list[str]:
    png = render_png(pdf, tmp_path / pdf.stem, dpi)
    with Image.open(png) as image:
        return [b.text for b in zxingcpp.read_barcodes(image) if b.format == zxingcpp.BarcodeFormat.QRCode]


def _embedded(pdf: Path) -> str:
    keywords = str(PdfReader(pdf).metadata["/Keywords"])
    assert keywords.startswith(KEYWORDS_PREFIX)
    return keywords[len(KEYWORDS_PREFIX) :]


def _check(pdf: Path, tmp_path: Path, dpi: int) -> None:
    decoded = _decode(pdf, tmp_path, dpi)
    assert decoded == [_embedded(pdf)]
    payload = seal.verify(decoded[0], KEYS)
    assert payload.number.endswith("0042")


QUICK = [("lhasa", "approval", "a5"), ("lianyungang", "receipt", "80mm"), ("lhasa", "receipt", "a4")]


@pytest.mark.parametrize("case", QUICK, ids=["-".join(c) for c in QUICK])
def test_qr_decodes_and_verifies(sample_pdfs, tmp_path: Path, case) -> None:
    _check(sample_pdfs[case], tmp_path, 200)


@pytest.mark.heavy
@pytest.mark.parametrize("case", CASES, ids=["-".join(c) for c in CASES])
def test_every_sample_qr_decodes_at_150_dpi(sample_pdfs, tmp_path: Path, case) -> None:
    _check(sample_pdfs[case], tmp_path, 150)


def test_a_tampered_payload_from_a_real_page_fails(sample_pdfs, tmp_path: Path) -> None:
    decoded = _decode(sample_pdfs[("lianyungang", "approval", "a4")], tmp_path, 200)[0]
    amount = decoded.split("|")[6]
    tampered = decoded.replace(f"|{amount}|", f"|{int(float(amount)) + 1000}.00|")
    with pytest.raises(seal.SealError) as exc:
        seal.verify(tampered, KEYS)
    assert exc.value.code == "verify.signature_invalid"


@pytest.mark.parametrize(
    "text", ["hello", "LX1|R|540102-03-20261120-0001|abc|-|2026-11-20|c|" + "s" * 86, "9" * 200]
)
@pytest.mark.parametrize("level", ["L", "M", "Q", "H"])
def test_reed_solomon_codewords_equal_reportlabs(text: str, level: str) -> None:
    from reportlab.graphics.barcode import qrencoder

    from printing.qr import _codewords

    code = qrencoder.QRCode(None, getattr(qrencoder.QRErrorCorrectLevel, level))
    code.addData(text)
    code.version = code.calculate_version()
    assert _codewords(code) == qrencoder.QRCode.createData(
        code.version, code.errorCorrectLevel, code.dataList
    )


def test_chosen_mask_is_one_of_reportlabs_placements() -> None:
    from reportlab.graphics.barcode import qrencoder

    from printing.qr import modules

    text = "LX1|A|540102-03-20261120-0001-A|abc|25600.00|2026-11-20|c|" + "s" * 86
    code = qrencoder.QRCode(None, qrencoder.QRErrorCorrectLevel.M)
    code.addData(text)
    code.version = code.calculate_version()
    placements = []
    for mask in range(8):
        code.makeImpl(False, mask)
        placements.append(tuple("".join("1" if m else "0" for m in row) for row in code.modules))
    assert modules(text) in placements


def test_rectangles_cover_exactly_the_dark_modules() -> None:
    from printing.qr import _rectangles, modules

    rows = modules("LX1|E|x|y|-|2026-01-01|c|" + "z" * 86)
    grid = [[0] * len(rows) for _ in rows]
    for col, row, w, h in _rectangles(rows):
        for r in range(row, row + h):
            for c in range(col, col + w):
                assert grid[r][c] == 0
                grid[r][c] = 1
    assert tuple("".join(map(str, g)) for g in grid) == rows

"""Offline verification of a printed document: its QR payload's signature against known counter
public keys and, for a PDF, that what the page shows agrees with what was signed.

For a PDF the payload is read from the document's metadata (``Keywords: liangxian-qr:<payload>``,
written by ``printing.documents``); the page text must contain the signed document number, date and
amount, so a PDF whose printed amount or number was edited fails even though its payload is intact.
Where ``pdftoppm`` and ``zxing-cpp`` are available the QR code is also decoded from the rendered page
and must equal the embedded payload (``checks.qr_image``); otherwise that check is reported as not run.
"""

from __future__ import annotations

import io
import logging
import re
import shutil
import subprocess
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from printing import seal
from printing.documents import KEYWORDS_PREFIX

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Verification:
    payload: seal.Payload
    checks: dict[str, bool | None] = field(default_factory=dict)

    def to_json(self) -> dict:
        return {"valid": True, "document": self.payload.to_json(), "checks": self.checks}


def _pdf_text_and_payload(data: bytes, where: str) -> tuple[str, str]:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(data))
        keywords = str((reader.metadata or {}).get("/Keywords") or "")
        text = "\n".join(page.extract_text() or "" for page in reader.pages)
    except (PdfReadError, ValueError, KeyError, OSError) as exc:
        raise seal.SealError("verify.pdf_unreadable", path=where, detail=str(exc)) from exc
    if not keywords.startswith(KEYWORDS_PREFIX):
        raise seal.SealError("verify.no_payload", path=where)
    return text, keywords[len(KEYWORDS_PREFIX) :]


def _printed_values_agree(text: str, payload: seal.Payload) -> None:
    flat = re.sub(r"[\s,¥]", "", text)
    if payload.number not in flat:
        raise seal.SealError("verify.text_mismatch", field="number", value=payload.number)
    if payload.date not in flat:
        raise seal.SealError("verify.text_mismatch", field="date", value=payload.date)
    if payload.amount != seal.NO_AMOUNT and payload.amount not in flat:
        raise seal.SealError("verify.text_mismatch", field="amount", value=payload.amount)


def decode_qr_from_pdf(data: bytes, dpi: int = 200) -> list[str] | None:
    """The QR texts on the first page, or None when pdftoppm or zxing-cpp is not available."""
    try:
        import zxingcpp
        from PIL import Image
    except ImportError:
        return None
    if shutil.which("pdftoppm") is None:
        return None
    with tempfile.TemporaryDirectory() as tmp:
        pdf = Path(tmp) / "doc.pdf"
        pdf.write_bytes(data)
        subprocess.run(
            [
                "pdftoppm",
                "-png",
                "-r",
                str(dpi),
                "-f",
                "1",
                "-l",
                "1",
                "-singlefile",
                str(pdf),
                str(Path(tmp) / "page"),
            ],
            check=True,
            capture_output=True,
            timeout=60,
        )
        with Image.open(Path(tmp) / "page.png") as image:
            return [
                b.text for b in zxingcpp.read_barcodes(image) if b.format == zxingcpp.BarcodeFormat.QRCode
            ]


def verify_payload(text: str, keys: Mapping[str, Ed25519PublicKey]) -> Verification:
    payload = seal.verify(text, keys)
    return Verification(payload, {"signature": True, "printed_text": None, "qr_image": None})


def verify_pdf(
    data: bytes, keys: Mapping[str, Ed25519PublicKey], *, where: str = "", check_image: bool = True
) -> Verification:
    """Raises SealError with a stable code when anything disagrees."""
    text, payload_text = _pdf_text_and_payload(data, where)
    payload = seal.verify(payload_text, keys)
    _printed_values_agree(text, payload)
    qr_checked: bool | None = None
    if check_image:
        decoded = decode_qr_from_pdf(data)
        if decoded is not None:
            if payload_text not in decoded:
                raise seal.SealError("verify.qr_mismatch")
            qr_checked = True
    return Verification(payload, {"signature": True, "printed_text": True, "qr_image": qr_checked})


def check_id_number(payload: seal.Payload, id_number: str) -> None:
    """Raises SealError ``verify.id_mismatch`` when ``id_number`` is not the one signed."""
    if seal.id_hash(payload.number, id_number) != payload.id_hash:
        raise seal.SealError("verify.id_mismatch")

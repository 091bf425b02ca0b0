"""Offline verification of a printed document: its QR payload's signature against known counter
public keys and, for a PDF, that what the page shows agrees with what was signed.

For a PDF the payload is read from the document's metadata (``Keywords: liangxian-qr:<payload>``,
written by ``printing.documents``); each signed fact (number, date, amount, masked ID, name) must be
printed as whole text, and the file must be exactly what ``printing/`` laid out and sealed in its
layout proof (``printing.proof``): an edited amount, added text (white, 1 pt or not), removed text,
an extra page or any other change is refused with a code naming it.
Where ``pdftoppm`` and ``zxing-cpp`` are available the QR code is also decoded from the rendered page
and must equal the embedded payload (``checks.qr_image``); otherwise that check is reported as not run.
"""

from __future__ import annotations

import io
import logging
import shutil
import subprocess
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

import i18n
from printing import proof, seal
from printing.documents import KEYWORDS_PREFIX, printed_facts, title_msgid_of_kind

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Verification:
    payload: seal.Payload
    checks: dict[str, bool | None] = field(default_factory=dict)

    def facts(self) -> dict[str, str | None]:
        """The signed facts in words, for a person to compare with the paper."""
        p = self.payload
        printed = printed_facts(p)
        return {
            "kind": p.kind,
            "number": p.number,
            "date": p.date,
            "amount": printed.get("amount"),
            "id_masked": p.id_masked or None,
            "name": p.name or None,
            "counter": p.counter,
        }

    def summary(self) -> dict[str, str]:
        """The facts as one readable sentence per language (zh, bo, en)."""
        f = self.facts()
        none = "—"
        return {
            lang: i18n.gettext(
                "verify.facts",
                lang,
                kind=i18n.gettext(title_msgid_of_kind(self.payload.kind), lang),
                number=f["number"],
                date=f["date"],
                amount=f["amount"] or none,
                id_masked=f["id_masked"] or none,
                name=f["name"] or none,
                counter=f["counter"],
            )
            for lang in i18n.LANGS
        }

    def to_json(self) -> dict:
        return {
            "valid": True,
            "document": self.payload.to_json(),
            "facts": self.facts(),
            "summary": self.summary(),
            "checks": self.checks,
        }


def _unreadable() -> tuple[type[BaseException], ...]:
    from pypdf.errors import PyPdfError

    # what pypdf raises on a broken or hostile file (it has no single base for them)
    return (PyPdfError, ValueError, KeyError, TypeError, AttributeError, IndexError, RecursionError, OSError)


_UNREADABLE = _unreadable()


def _pdf_payload_and_proof(data: bytes, where: str) -> tuple[str, str | None]:
    from pypdf import PdfReader

    try:
        reader = PdfReader(io.BytesIO(data))
        meta = reader.metadata or {}
        keywords = str(meta.get("/Keywords") or "")
        proof_text = meta.get(proof.PROOF_KEY)
    except _UNREADABLE as exc:
        raise seal.SealError("verify.pdf_unreadable", path=where, detail=str(exc)) from exc
    if not keywords.startswith(KEYWORDS_PREFIX):
        raise seal.SealError("verify.no_payload", path=where)
    return keywords[len(KEYWORDS_PREFIX) :], None if proof_text is None else str(proof_text)


def _runs(data: bytes, where: str) -> tuple[list[proof.Run], list[tuple[float, float]]]:
    try:
        return proof.text_runs(data)
    except _UNREADABLE as exc:
        raise seal.SealError("verify.pdf_unreadable", path=where, detail=str(exc)) from exc


def _facts_printed(runs: list[proof.Run], facts: Mapping[str, str]) -> None:
    """Every signed fact must be printed as whole text (not merely its digits somewhere)."""
    spans = proof.fact_spans(runs, facts)
    for name, value in facts.items():
        if name not in spans:
            raise seal.SealError("verify.text_mismatch", field=name, value=value, found="")


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
    return Verification(payload, {"signature": True, "printed_text": None, "layout": None, "qr_image": None})


def verify_pdf(
    data: bytes, keys: Mapping[str, Ed25519PublicKey], *, where: str = "", check_image: bool = True
) -> Verification:
    """Raises SealError with a stable code when anything disagrees: the payload's signature; each
    signed fact printed at its field; the layout proof (``printing.proof``): present, signed by the
    same counter for the same payload, and covering the file exactly, else what differs is named;
    the QR code on the rendered page."""
    payload_text, proof_text = _pdf_payload_and_proof(data, where)
    payload = seal.verify(payload_text, keys)
    facts = printed_facts(payload)
    runs, pages = _runs(data, where)
    proven: proof.Proof | None = None
    problem: seal.SealError | None = None
    if proof_text is None:
        problem = seal.SealError("verify.proof_missing", number=payload.number)
    else:
        try:
            proven = proof.open_proof(proof_text, keys[payload.counter])
            if proven.qr != payload_text:
                raise seal.SealError("verify.proof_invalid", detail="payload")
        except seal.SealError as exc:
            proven, problem = None, exc
    if proven is not None:
        if not proven.covers(data):  # byte for byte what the counter laid out and signed, or not
            proof.differences(proven, runs, pages, facts)  # names the changed field, added text, pages …
            raise seal.SealError("verify.file_altered", number=payload.number)
    else:
        _facts_printed(runs, facts)  # without a usable proof, the most specific finding comes first
        raise problem or seal.SealError("verify.proof_missing", number=payload.number)
    qr_checked: bool | None = None
    if check_image:
        decoded = decode_qr_from_pdf(data)
        if decoded is not None:
            if payload_text not in decoded:
                raise seal.SealError("verify.qr_mismatch")
            qr_checked = True
    # printed_text: every signed fact was read back as text at its field when the counter sealed it
    printed = set(facts) <= set(proven.facts)
    return Verification(
        payload, {"signature": True, "printed_text": printed, "layout": True, "qr_image": qr_checked}
    )


def check_id_number(payload: seal.Payload, id_number: str) -> None:
    """Raises SealError ``verify.id_mismatch`` when ``id_number`` is not the one signed (for a
    version-2 paper this costs one deliberately slow hash, about 0.3 s)."""
    if not seal.id_matches(payload, id_number):
        raise seal.SealError("verify.id_mismatch")

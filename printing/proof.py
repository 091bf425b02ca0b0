"""The layout proof of a printed PDF: what ``printing/`` laid out, signed, inside the file.

``verify`` used to accept a PDF as long as the signed digits appeared somewhere in its text, so a PDF
whose printed amount was edited from ¥18,282.55 to ¥918,282.55 passed, and white 1-pt text carrying
the signed digits passed too (issue 16, finding 3). Now every PDF carries, in an incremental update
after the document ReportLab wrote, a proof signed with the counter's key: the QR payload, the
length and SHA-256 of the document bytes, the page sizes, every text run as read back with pypdf
(page, position, size, text) and which runs print the signed facts (number, date, amount, masked ID,
name). ``verify`` accepts a PDF only when it is exactly that document plus that update; otherwise it
reads the PDF back and names what differs: a fact's field that reads otherwise, text added (hidden or
not), text removed, pages added, or a change outside the text (drawings, fonts, structure).

The proof lives in the document information dictionary (key ``/LiangxianProof``) of the update, so
any PDF reader still opens the file as the original.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import logging
import re
import zlib
from collections.abc import Mapping
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from printing.seal import SealError

log = logging.getLogger(__name__)

PROOF_KEY = "/LiangxianProof"
VERSION = "LXP1"
MAX_FACT_RUNS = 16  # a fact (a long name with middle dots) may wrap over several runs of its field
_STARTXREF = re.compile(rb"startxref\s+(\d+)\s+%%EOF\s*$")


@dataclass(frozen=True)
class Run:
    """One piece of text as pypdf reads it back: page (from 0), origin in points, font size."""

    page: int
    x: float
    y: float
    size: float
    text: str

    def to_json(self) -> list[object]:
        return [self.page, self.x, self.y, self.size, self.text]

    def at(self) -> tuple[int, float, float]:
        return (self.page, self.x, self.y)


def text_runs(data: bytes) -> tuple[list[Run], list[tuple[float, float]]]:
    """Every non-blank text run of the PDF and the page sizes, in content order. Raises pypdf's
    errors for an unreadable file."""
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(data))
    runs: list[Run] = []
    sizes: list[tuple[float, float]] = []
    for number, page in enumerate(reader.pages):
        box = page.mediabox
        sizes.append((round(float(box.width), 2), round(float(box.height), 2)))

        def visit(
            text: str, cm: list[float], tm: list[float], _font: object, size: float, n: int = number
        ) -> None:
            text = text.strip()
            if not text:
                return
            x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
            y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
            scale = (cm[0] ** 2 + cm[1] ** 2) ** 0.5 or 1.0
            runs.append(Run(n, round(x, 2), round(y, 2), round(float(size) * scale, 2), text))

        page.extract_text(visitor_text=visit)
    return runs, sizes


def fact_spans(runs: list[Run], facts: Mapping[str, str]) -> dict[str, tuple[int, int]]:
    """For each fact, the first span of consecutive runs ``[start, end)`` whose texts make it up."""
    spans: dict[str, tuple[int, int]] = {}
    for name, value in facts.items():
        for start in range(len(runs)):
            joined = ""
            for end in range(start, min(start + MAX_FACT_RUNS, len(runs))):
                joined += runs[end].text
                if joined == value:
                    spans[name] = (start, end + 1)
                    break
                if not value.startswith(joined):
                    break
            if name in spans:
                break
    return spans


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _signed(body: str) -> bytes:
    return f"{VERSION}|{body}".encode()


def _update(document: bytes, proof_text: str) -> bytes:
    """The incremental update that adds ``proof_text`` to the document information dictionary:
    one new object, an xref section and a trailer pointing back at the document's own."""
    from pypdf import PdfReader
    from pypdf.generic import DictionaryObject, NameObject, TextStringObject

    reader = PdfReader(io.BytesIO(document))
    trailer = reader.trailer
    found = _STARTXREF.search(document[-64:])
    if found is None:
        raise ValueError("no startxref at the end of the document")
    size = int(trailer["/Size"])
    info = DictionaryObject()
    old_info = trailer.get("/Info")
    if old_info is not None:
        for k, v in old_info.get_object().items():
            info[NameObject(k)] = v
    info[NameObject(PROOF_KEY)] = TextStringObject(proof_text)
    out = io.BytesIO()
    out.write(b"\n")
    offset = len(document) + out.tell()
    out.write(f"{size} 0 obj\n".encode())
    info.write_to_stream(out)
    out.write(b"\nendobj\n")
    xref = len(document) + out.tell()
    out.write(f"xref\n0 1\n0000000000 65535 f \n{size} 1\n{offset:010d} 00000 n \n".encode())
    root = trailer.raw_get("/Root")
    ids = trailer.get("/ID")
    id_text = ""
    if ids is not None:
        id_text = " /ID [" + "".join(f"<{bytes(x.original_bytes).hex()}>" for x in ids) + "]"
    out.write(
        f"trailer\n<< /Size {size + 1} /Root {root.idnum} {root.generation} R /Info {size} 0 R"
        f" /Prev {int(found.group(1))}{id_text} >>\nstartxref\n{xref}\n%%EOF\n".encode()
    )
    return out.getvalue()


def seal_pdf(document: bytes, qr_text: str, facts: Mapping[str, str], key: Ed25519PrivateKey) -> bytes:
    """``document`` with its signed layout proof appended (see the module docstring)."""
    runs, pages = text_runs(document)
    spans = fact_spans(runs, facts)
    missing = sorted(set(facts) - set(spans))
    if missing:  # e.g. a character no font has: the file is still proven byte for byte
        log.warning("signed facts not read back as text (%s): proven by the file digest only", missing)
    body = json.dumps(
        {
            "qr": qr_text,
            "length": len(document),
            "sha256": hashlib.sha256(document).hexdigest(),
            "pages": pages,
            "runs": [r.to_json() for r in runs],
            "facts": {name: list(span) for name, span in spans.items()},
        },
        ensure_ascii=False,
        separators=(",", ":"),
        sort_keys=True,
    )
    signature = key.sign(_signed(body))
    proof_text = f"{VERSION}.{_b64(zlib.compress(body.encode(), 9))}.{_b64(signature)}"
    return document + _update(document, proof_text)


@dataclass(frozen=True)
class Proof:
    qr: str
    length: int
    sha256: str
    pages: list[tuple[float, float]]
    runs: list[Run]
    facts: dict[str, tuple[int, int]]
    text: str  # the proof as stored, to rebuild the update

    def covers(self, data: bytes) -> bool:
        """Whether ``data`` is exactly the proven document followed by this proof's update."""
        document = data[: self.length]
        if len(document) != self.length or hashlib.sha256(document).hexdigest() != self.sha256:
            return False
        try:
            return data[self.length :] == _update(document, self.text)
        except (ValueError, KeyError, OSError):
            return False


def open_proof(text: str, key: Ed25519PublicKey) -> Proof:
    """The proof if its signature is good under ``key``. Raises SealError ``verify.proof_invalid``."""
    try:
        version, packed, sig_text = text.split(".")
        if version != VERSION or len(packed) > 2_000_000:
            raise ValueError(version)
        raw = zlib.decompressobj().decompress(_unb64(packed), 4_000_000)
        body = raw.decode()
        key.verify(_unb64(sig_text), _signed(body))
        data = json.loads(body)
        return Proof(
            qr=str(data["qr"]),
            length=int(data["length"]),
            sha256=str(data["sha256"]),
            pages=[(float(w), float(h)) for w, h in data["pages"]],
            runs=[Run(int(p), float(x), float(y), float(s), str(t)) for p, x, y, s, t in data["runs"]],
            facts={str(k): (int(a), int(b)) for k, (a, b) in data["facts"].items()},
            text=text,
        )
    except InvalidSignature as exc:
        raise SealError("verify.proof_invalid", detail="signature") from exc
    except (ValueError, KeyError, TypeError, UnicodeDecodeError, zlib.error) as exc:
        raise SealError("verify.proof_invalid", detail="format") from exc


def differences(
    proof: Proof, runs: list[Run], pages: list[tuple[float, float]], facts: Mapping[str, str]
) -> None:
    """Name the first way a PDF's text differs from its proof. Raises SealError: ``verify.page_added``
    (page count or size), ``verify.text_mismatch`` (a signed fact's field reads otherwise),
    ``verify.text_added`` (text that was not laid out, however small or pale), ``verify.text_removed``;
    returns when the text is as laid out (the change is then elsewhere)."""
    if len(pages) != len(proof.pages) or any(
        abs(a - c) > 0.5 or abs(b - d) > 0.5 for (a, b), (c, d) in zip(pages, proof.pages, strict=True)
    ):
        raise SealError("verify.page_added", expected=len(proof.pages), found=len(pages))
    by_place: dict[tuple[int, float, float], list[str]] = {}
    for r in runs:
        by_place.setdefault(r.at(), []).append(r.text)
    for name, (start, end) in proof.facts.items():
        for expected in proof.runs[start:end]:
            found = by_place.get(expected.at(), [])
            if expected.text not in found:
                raise SealError(
                    "verify.text_mismatch",
                    field=name,
                    value=facts.get(name, expected.text),
                    found=" ".join(found),
                )
    laid_out: dict[tuple[int, float, float, str], int] = {}
    for r in proof.runs:
        laid_out[(*r.at(), r.text)] = laid_out.get((*r.at(), r.text), 0) + 1
    for r in runs:
        k = (*r.at(), r.text)
        if laid_out.get(k, 0) <= 0:
            raise SealError("verify.text_added", text=r.text[:80], page=r.page + 1, x=r.x, y=r.y, size=r.size)
        laid_out[k] -= 1
    for (page, x, y, text), left in laid_out.items():
        if left > 0:
            raise SealError("verify.text_removed", text=text[:80], page=page + 1, x=x, y=y)

"""``liangxian print-samples`` and ``liangxian verify`` from the command line (in process): the
samples verify against DIR/public-keys.json; a changed amount or number, a foreign key, a PDF whose
printed amount differs from the signed one all fail with a non-zero exit."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from pypdf import PdfReader, PdfWriter

from liangxian.cli import main
from printing.documents import KEYWORDS_PREFIX, build_pdf
from printing.samples import sample
from tests.printing.printing_helpers import KEY


@pytest.fixture(scope="module")
def samples_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("cli-samples")
    assert main(["print-samples", "--out", str(out)]) == 0
    return out


def _run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, dict]:
    code = main(argv)
    return code, json.loads(capsys.readouterr().out)


def test_print_samples_writes_every_document_and_the_public_keys(samples_dir: Path) -> None:
    pdfs = sorted(p.name for p in samples_dir.glob("*.pdf"))
    assert len(pdfs) == 26  # 18 documents + the medical-cost slip and its notice, both regions, A4 and A5
    assert "lhasa-receipt-80mm.pdf" in pdfs and "lianyungang-approval-a5.pdf" in pdfs
    keys = json.loads((samples_dir / "public-keys.json").read_text(encoding="utf-8"))
    assert {c["id"] for c in keys["counters"]} == {"lhasa-540102-01", "lyg-320706-03"}


@pytest.mark.parametrize("name", ["lhasa-approval-a4.pdf", "lianyungang-receipt-80mm.pdf"])
def test_samples_verify_with_the_keys_file(samples_dir: Path, name: str, capsys) -> None:
    code, out = _run(
        ["verify", str(samples_dir / name), "--keys", str(samples_dir / "public-keys.json")], capsys
    )
    assert code == 0, out
    assert out["valid"] is True
    assert out["checks"]["signature"] and out["checks"]["printed_text"]
    assert out["checks"]["qr_image"] is True
    assert "zh" in out["message"] and "bo" in out["message"]


def _payload(pdf: Path) -> str:
    return str(PdfReader(pdf).metadata["/Keywords"])[len(KEYWORDS_PREFIX) :]


def test_payload_text_verifies_and_a_changed_amount_fails(samples_dir: Path, capsys) -> None:
    keys = str(samples_dir / "public-keys.json")
    payload = _payload(samples_dir / "lianyungang-approval-a4.pdf")
    code, out = _run(["verify", payload, "--keys", keys], capsys)
    assert code == 0 and out["document"]["kind"] == "approval"
    amount = out["document"]["amount"]
    code, out = _run(["verify", payload.replace(f"|{amount}|", "|99999.00|"), "--keys", keys], capsys)
    assert code == 1
    assert out["valid"] is False and out["errors"][0]["code"] == "verify.signature_invalid"
    assert out["errors"][0]["message_bo"]


def test_a_changed_document_number_fails(samples_dir: Path, capsys) -> None:
    keys = str(samples_dir / "public-keys.json")
    payload = _payload(samples_dir / "lhasa-receipt-a4.pdf")
    code, _out = _run(["verify", payload.replace("R0042", "R0043"), "--keys", keys], capsys)
    assert code == 1


def test_the_id_number_check(samples_dir: Path, capsys) -> None:
    keys = str(samples_dir / "public-keys.json")
    payload = _payload(samples_dir / "lhasa-receipt-a4.pdf")
    person = sample("receipt", "lhasa").person
    code, _out = _run(["verify", payload, "--keys", keys, "--id-number", person.id_number], capsys)
    assert code == 0
    code, out = _run(["verify", payload, "--keys", keys, "--id-number", "540102199304150038"], capsys)
    assert code == 1 and out["errors"][0]["code"] == "verify.id_mismatch"


def test_a_pdf_whose_printed_amount_differs_from_the_signed_one_fails(
    tmp_path: Path, samples_dir: Path, capsys
) -> None:
    """Take a genuine payload and put it into a PDF that prints another amount."""
    genuine = samples_dir / "lianyungang-approval-a4.pdf"
    doc = sample("approval", "lianyungang")
    from dataclasses import replace
    from decimal import Decimal

    forged = build_pdf(replace(doc, allowance=doc.allowance + Decimal("1000")), KEY, "a4")
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(forged)))
    writer.add_metadata({"/Keywords": KEYWORDS_PREFIX + _payload(genuine)})
    path = tmp_path / "forged.pdf"
    with path.open("wb") as fh:
        writer.write(fh)
    code, out = _run(
        ["verify", str(path), "--keys", str(samples_dir / "public-keys.json"), "--no-image"], capsys
    )
    assert code == 1
    assert out["errors"][0]["code"] == "verify.text_mismatch"


def test_unknown_counter_and_missing_keys(tmp_path: Path, samples_dir: Path, capsys) -> None:
    other = tmp_path / "keys.json"
    other.write_text(json.dumps({"somebody": "A" * 43 + "="}), encoding="utf-8")
    code, out = _run(["verify", str(samples_dir / "lhasa-receipt-a4.pdf"), "--keys", str(other)], capsys)
    assert code == 1 and out["errors"][0]["code"] == "verify.counter_unknown"
    code, out = _run(["verify", str(samples_dir / "lhasa-receipt-a4.pdf")], capsys)
    assert code == 2 and out["errors"][0]["code"] == "verify.no_keys"


def test_garbage_input_is_exit_2(tmp_path: Path, samples_dir: Path, capsys) -> None:
    keys = str(samples_dir / "public-keys.json")
    code, out = _run(["verify", "not a payload", "--keys", keys], capsys)
    assert code == 2 and out["errors"][0]["code"] == "verify.payload_format"
    bogus = tmp_path / "x.pdf"
    bogus.write_bytes(b"%PDF-1.4 nothing here")
    code, out = _run(["verify", str(bogus), "--keys", keys], capsys)
    assert code == 2 and out["errors"][0]["code"] in ("verify.pdf_unreadable", "verify.no_payload")

"""Hostile paper (issue 16, finding 3): ``verify`` shows the signed facts in words and refuses a PDF
whose text at the document's own fields differs from the signed facts, or that has text outside its
layout (white 1-pt text, added text objects, an extra page), or any other change after printing.

Before the fix ``verify`` only looked for the signed digits anywhere in the page text: a slip whose
printed amount was edited to ¥918,282.55, with the genuine payload and the signed amount as white
1-pt text somewhere, verified as genuine (``test_an_edited_amount_with_the_signed_digits_hidden``)."""

from __future__ import annotations

import io
import json
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import pytest
from pypdf import PdfReader, PdfWriter
from pypdf.generic import NameObject
from reportlab.pdfgen.canvas import Canvas

from liangxian.cli import main
from printing import proof, seal
from printing.documents import KEYWORDS_PREFIX, build_pdf, money
from printing.samples import sample
from printing.verify import verify_pdf
from tests.printing.printing_helpers import KEY, KEYS

APPROVAL = sample("approval", "lianyungang")


@pytest.fixture(scope="module")
def genuine() -> bytes:
    return build_pdf(APPROVAL, KEY, "a4")


def _refusal(data: bytes) -> seal.SealError:
    with pytest.raises(seal.SealError) as exc:
        verify_pdf(data, KEYS, check_image=False)
    return exc.value


def _overlay(data: bytes, draw, *, page: int = 0) -> bytes:
    """``data`` with ``draw(canvas)`` merged onto one page, as a PDF editor would, then saved."""
    reader = PdfReader(io.BytesIO(data))
    box = reader.pages[page].mediabox
    buf = io.BytesIO()
    c = Canvas(buf, pagesize=(float(box.width), float(box.height)))
    draw(c)
    c.showPage()
    c.save()
    writer = PdfWriter(clone_from=reader)
    writer.pages[page].merge_page(PdfReader(io.BytesIO(buf.getvalue())).pages[0])
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _amount_run(data: bytes) -> proof.Run:
    runs, _pages = proof.text_runs(data)
    return next(r for r in runs if r.text == money(APPROVAL.allowance))


def test_a_genuine_pdf_verifies_and_shows_its_signed_facts(genuine: bytes) -> None:
    result = verify_pdf(genuine, KEYS, check_image=False)
    assert result.checks["layout"] is True and result.checks["printed_text"] is True
    facts = result.facts()
    assert facts == {
        "kind": "approval",
        "number": APPROVAL.header.number,
        "date": APPROVAL.header.issued_on.isoformat(),
        "amount": money(APPROVAL.allowance),
        "id_masked": APPROVAL.person.id_number[:6] + "*" * 12,
        "name": APPROVAL.person.name_zh,
        "counter": APPROVAL.issuer.counter_id,
    }
    summary = result.summary()
    for lang in ("zh", "bo", "en"):
        for value in (facts["number"], facts["amount"], facts["id_masked"], facts["name"], facts["date"]):
            assert value in summary[lang]
    assert summary["zh"].startswith("待遇核定通知单") and summary["en"].startswith("Benefit approval notice")


def test_an_edited_amount_with_the_signed_digits_hidden_is_refused(genuine: bytes) -> None:
    """The hostile tester's forgery: the slip rebuilt with ¥918,282.55 (any key), the genuine payload
    and proof put into its metadata, the signed amount added as white 1-pt text."""
    edited = build_pdf(replace(APPROVAL, allowance=APPROVAL.allowance + Decimal("900000")), KEY, "a4")
    assert money(APPROVAL.allowance + Decimal("900000")) in [r.text for r in proof.text_runs(edited)[0]]

    def hide(c: Canvas) -> None:
        c.setFillColorRGB(1, 1, 1)
        c.setFont("Helvetica", 1)
        c.drawString(20, 20, money(APPROVAL.allowance))

    forged_pdf = _overlay(edited, hide)
    meta = PdfReader(io.BytesIO(genuine)).metadata
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(forged_pdf)))
    writer.add_metadata({"/Keywords": meta["/Keywords"], proof.PROOF_KEY: meta[proof.PROOF_KEY]})
    out = io.BytesIO()
    writer.write(out)
    exc = _refusal(out.getvalue())
    assert exc.code == "verify.text_mismatch"
    assert exc.params["field"] == "amount" and exc.params["value"] == money(APPROVAL.allowance)
    assert exc.params["found"] == money(APPROVAL.allowance + Decimal("900000"))

    # the same forgery keeping its own proof: signed for another payload
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(forged_pdf)))
    writer.add_metadata({"/Keywords": meta["/Keywords"]})
    out = io.BytesIO()
    writer.write(out)
    assert _refusal(out.getvalue()).code == "verify.proof_invalid"


def test_white_1pt_text_added_anywhere_is_refused(genuine: bytes) -> None:
    def whisper(c: Canvas) -> None:
        c.setFillColorRGB(1, 1, 1)
        c.setFont("Helvetica", 1)
        c.drawString(300, 100, "918282.55")

    exc = _refusal(_overlay(genuine, whisper))
    assert exc.code == "verify.text_added"
    assert exc.params["text"] == "918282.55" and exc.params["page"] == 1 and exc.params["size"] == 1


def test_an_amount_painted_over_and_rewritten_is_refused(genuine: bytes) -> None:
    run = _amount_run(genuine)

    def repaint(c: Canvas) -> None:
        c.setFillColorRGB(1, 1, 1)
        c.rect(run.x - 1, run.y - 3, 90, run.size + 5, stroke=0, fill=1)
        c.setFillColorRGB(0, 0, 0)
        c.setFont("Helvetica-Bold", run.size)
        c.drawString(run.x, run.y, "¥918,282.55")

    exc = _refusal(_overlay(genuine, repaint))
    assert exc.code == "verify.text_added" and exc.params["text"] == "¥918,282.55"


def test_a_drawing_over_the_amount_without_text_is_refused(genuine: bytes) -> None:
    run = _amount_run(genuine)

    def blot(c: Canvas) -> None:
        c.setFillColorRGB(1, 1, 1)
        c.rect(run.x - 1, run.y - 3, 90, run.size + 5, stroke=0, fill=1)

    assert _refusal(_overlay(genuine, blot)).code == "verify.file_altered"


def test_an_extra_page_is_refused(genuine: bytes) -> None:
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(genuine)))
    writer.add_blank_page()
    out = io.BytesIO()
    writer.write(out)
    exc = _refusal(out.getvalue())
    assert exc.code == "verify.page_added" and exc.params == {"expected": 1, "found": 2}


def test_anything_appended_after_the_proof_is_refused(genuine: bytes) -> None:
    appended = genuine + b"\n% an incremental update by some editor\n"
    assert _refusal(appended).code == "verify.file_altered"


def test_a_pdf_without_a_layout_proof_is_refused_clearly(genuine: bytes) -> None:
    """Papers printed before the proof existed, or re-saved by another program."""
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(genuine)))
    del writer._info.get_object()[NameObject(proof.PROOF_KEY)]
    out = io.BytesIO()
    writer.write(out)
    exc = _refusal(out.getvalue())
    assert exc.code == "verify.proof_missing" and exc.params["number"] == APPROVAL.header.number


def test_verify_prints_the_facts_in_words_and_refuses_a_forgery_with_a_code(
    genuine: bytes, tmp_path: Path, capsys
) -> None:
    keys = tmp_path / "keys.json"
    keys.write_text(json.dumps(seal.keys_document({APPROVAL.issuer.counter_id: KEY.public_key()})))
    path = tmp_path / "slip.pdf"
    path.write_bytes(genuine)
    assert main(["verify", str(path), "--keys", str(keys), "--no-image"]) == 0
    captured = capsys.readouterr()
    out = json.loads(captured.out)
    assert (
        out["facts"]["amount"] == money(APPROVAL.allowance)
        and out["facts"]["name"] == APPROVAL.person.name_zh
    )
    assert set(out["summary"]) == {"zh", "bo", "en"}
    assert out["summary"]["zh"] in captured.err and out["summary"]["bo"] in captured.err  # for the person

    def whisper(c: Canvas) -> None:
        c.setFont("Helvetica", 1)
        c.drawString(300, 100, "x")

    path.write_bytes(_overlay(genuine, whisper))
    assert main(["verify", str(path), "--keys", str(keys), "--no-image"]) == 1
    out = json.loads(capsys.readouterr().out)
    error = out["errors"][0]
    assert out["valid"] is False and error["code"] == "verify.text_added"
    assert error["message_zh"] and error["message_bo"] and error["message_en"]


def test_a_scanned_payload_shows_its_facts_and_checks_the_id_number(
    genuine: bytes, tmp_path: Path, capsys
) -> None:
    keys = tmp_path / "keys.json"
    keys.write_text(json.dumps(seal.keys_document({APPROVAL.issuer.counter_id: KEY.public_key()})))
    payload = str(PdfReader(io.BytesIO(genuine)).metadata["/Keywords"])[len(KEYWORDS_PREFIX) :]
    args = ["verify", payload, "--keys", str(keys), "--id-number", APPROVAL.person.id_number]
    assert main(args) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["facts"]["id_masked"] == APPROVAL.person.id_number[:6] + "*" * 12
    assert APPROVAL.person.id_number[6:] not in json.dumps(out)
    wrong = APPROVAL.person.id_number[:-2] + ("00" if not APPROVAL.person.id_number.endswith("00") else "11")
    assert main([*args[:-1], wrong]) == 1
    assert json.loads(capsys.readouterr().out)["errors"][0]["code"] == "verify.id_mismatch"


def test_a_long_name_wrapping_over_lines_is_still_a_proven_fact() -> None:
    doc = sample("receipt", "lianyungang")
    doc = replace(doc, person=replace(doc.person, name_zh="阿卜杜热合曼·买买提明·艾力克木"))
    result = verify_pdf(build_pdf(doc, KEY, "80mm"), KEYS, check_image=False)
    assert result.checks["printed_text"] is True and result.facts()["name"] == doc.person.name_zh


def test_a_name_no_font_can_show_still_prints_and_verifies_by_its_digest() -> None:
    """𠮷 (U+20BB7) has no glyph in the fonts: the name is not read back as text, so the proof
    names no field for it, but the file is still proven byte for byte (and says so)."""
    doc = sample("receipt", "lianyungang")
    doc = replace(doc, person=replace(doc.person, name_zh="𠮷野"))
    result = verify_pdf(build_pdf(doc, KEY, "a5"), KEYS, check_image=False)
    assert result.checks["layout"] is True and result.checks["printed_text"] is False


def test_mutated_pdfs_are_all_refused_with_a_code(genuine: bytes) -> None:
    """Truncated, byte-flipped and text-injected copies of a genuine slip: none verifies, none
    raises anything but a coded SealError."""
    import random

    rng = random.Random(20261201)
    codes: dict[str, int] = {}
    for i in range(45):
        data = bytearray(genuine)
        if i % 3 == 0:
            data = data[: rng.randrange(len(data))]
        elif i % 3 == 1:
            for _ in range(20):
                data[rng.randrange(len(data))] = rng.randrange(256)
        else:
            at = rng.randrange(len(data))
            data[at:at] = b"BT /F1 1 Tf (x) Tj ET"
        code = _refusal(bytes(data)).code
        codes[code] = codes.get(code, 0) + 1
    assert sum(codes.values()) == 45 and all(c.startswith("verify.") for c in codes)

"""生育医疗费用 end to end: a medical-cost claim from intake (the store's ``create_application``) through
review and approval to a 生育医疗费用核定通知单 that verifies against the counter's key; a refused claim
(an unemployed spouse without the marriage certificate) to its 不予支付告知书; both bilingual in Lhasa
(Tibetan first), Chinese in Lianyungang, on A4 and A5.

Rules printed: the amount claimed, the per-case standard applied (藏人社办〔2011〕101号, 3,600 yuan), the
amount approved in figures and capitals, the paying fund and the settlement codes (52 / 510)."""

from __future__ import annotations

import datetime as dt
import io
import json
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from pypdf import PdfReader, PdfWriter
from reportlab.pdfgen.canvas import Canvas

import localdb
from liangxian.cli import main
from liangxian.keys import create_counter_key
from printing import proof, seal
from printing.documents import build_pdf
from printing.samples import medical_sample
from printing.verify import verify_pdf
from tests.support.credentials import as_user
from tests.support.keyring_backend import MemoryKeyring
from tests.support.store_data import id_number, uscc

TODAY = dt.date(2026, 11, 20)
WOMAN = id_number("540102", "19930415", 2)
HUSBAND = id_number("540102", "19880312", 1)


def _text(pdf: Path) -> str:
    if shutil.which("pdftotext") is None:
        return "\n".join(p.extract_text() for p in PdfReader(pdf).pages)
    return subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout


def _person(number: str, name_zh: str, name_bo: str) -> dict:
    return {
        "id_number": number,
        "name_zh": name_zh,
        "name_bo": name_bo,
        "ethnicity": "04",
        "category": "employee",
        "county_code": "540102",
        "employer_uscc": uscc(),
        "contribution_base": "6500.00",
        "insured_since": "2015-03-01",
    }


@pytest.fixture
def lhasa_db(tmp_path: Path, memory_keyring: MemoryKeyring) -> Iterator[Path]:
    path = tmp_path / "counter.db"
    store = localdb.init_store(
        path, region="lhasa", county_code="540102", counter_no=2, admin_username="boss", admin_password="pw"
    )
    try:
        boss = store.service("boss", today=TODAY)
        boss.set_counter_public_key(create_counter_key(store.counter.id))
        boss.add_user("clerk1", "clerk", "pw-clerk")
        boss.add_user("rev1", "reviewer", "pw-rev")
        boss.register_employer(
            {
                "uscc": uscc(),
                "name_zh": "拉萨雪域建设有限公司",
                "county_code": "540102",
                "rate_class": "a",
                "avg_monthly_wage": "9000.00",
            }
        )
        clerk = store.service("clerk1", today=TODAY)
        clerk.register_person(_person(WOMAN, "卓玛", "སྒྲོལ་མ།"))
        clerk.register_person(_person(HUSBAND, "扎西", "བཀྲ་ཤིས།"))
    finally:
        store.close()
    yield path


def _print(capsys, db: Path, kind: str, record_id: str, out: Path, paper: str = "a4") -> tuple[int, dict]:
    args = [
        "print",
        kind,
        "--db",
        str(db),
        "--id",
        record_id,
        "--out",
        str(out),
        *as_user(db.parent, "clerk1", "pw-clerk"),
    ]
    code = main([*args, "--paper", paper, "--today", TODAY.isoformat()])
    return code, json.loads(capsys.readouterr().out)


@pytest.mark.parametrize("paper", ["a4", "a5"])
def test_medical_claim_from_intake_to_an_approved_slip_that_verifies(
    lhasa_db: Path, tmp_path: Path, capsys, paper
) -> None:
    """Intake → decision (4,200 claimed, the Lhasa per-case delivery standard 3,600 approved, maternity
    item, 52/510) → review → approval → 生育医疗费用核定通知单 → ``liangxian verify`` against the
    database's counter key."""
    store = localdb.open_store(lhasa_db)
    try:
        app = store.service("clerk1", today=TODAY).create_application(
            {
                "id_number": WOMAN,
                "claim_type": "medical",
                "medical_amount": "4200.00",
                "event": "birth",
                "event_date": "2026-10-08",
                "documents": ["id_card", "invoices", "expense_list", "discharge_summary"],
            }
        )
        decision = app["decision"]
        assert decision["eligible"] is True
        assert decision["medical_amount_approved"] == "3600.00"
        assert decision["medical_paid_by"] == "maternity"
        assert decision["settlement_code"] == {"medical_type": "52", "insurance_type": "510"}
        assert decision["reasons"] == ["medical.standard_applied"]
        assert decision["allowance"] == "0.00"  # a medical-cost claim carries no allowance
        reviewer = store.service("rev1", today=TODAY)
        reviewer.start_review(app["id"])
        reviewer.approve(app["id"])
    finally:
        store.close()

    pdf = tmp_path / f"medical-{paper}.pdf"
    code, out = _print(capsys, lhasa_db, "approval", app["id"], pdf, paper)
    assert code == 0, out
    text = _text(pdf)
    for expected in (
        "生育医疗费用核定通知单",
        "སྐྱེ་འཕེལ་སྨན་བཅོས་འགྲོ་སོང་གཏན་འཁེལ་བརྡ་ཐོ།",
        "¥4,200.00",  # claimed
        "¥3,600.00",  # approved, at the standard
        "叁仟陆佰元整",
        "藏人社办〔2011〕101号",  # the standard applied, with its source
        "生育保险待遇（职工医保基金生育待遇支出）",  # the paying fund
        "医疗类别 52，险种类型 510",
        "rev1",
    ):
        # compared without white space: the narrower A5 wraps long values
        assert expected.replace(" ", "") in "".join(text.split()), expected
    # Tibetan first on Lhasa's documents
    assert text.index("སྐྱེ་འཕེལ་སྨན་བཅོས་འགྲོ་སོང་གཏན་འཁེལ") < text.index("生育医疗费用核定通知单")

    code = main(["verify", str(pdf), "--db", str(lhasa_db)])
    verified = json.loads(capsys.readouterr().out)
    assert code == 0, verified
    assert verified["document"]["kind"] == "approval"
    assert verified["document"]["amount"] == "3600.00"
    assert verified["checks"]["printed_text"] is True


def test_refused_spouse_claim_prints_the_non_payment_notice(lhasa_db: Path, tmp_path: Path, capsys) -> None:
    """社会保险法 art. 54: the unemployed spouse's claim, filed by her husband, without the marriage
    certificate and proof of non-employment is decided not payable; the 不予支付告知书 names the
    missing documents in both languages, and verifies."""
    store = localdb.open_store(lhasa_db)
    try:
        app = store.service("clerk1", today=TODAY).create_application(
            {
                "id_number": HUSBAND,
                "claim_type": "medical",
                "medical_amount": "2980.00",
                "event": "birth",
                "event_date": "2026-10-08",
                "documents": ["id_card", "invoices"],
            }
        )
    finally:
        store.close()
    assert app["decision"]["eligible"] is False
    assert app["decision"]["reasons"] == ["medical.spouse_documents_missing"]
    code, out = _print(capsys, lhasa_db, "approval", app["id"], tmp_path / "no.pdf")
    assert code == 2 and out["errors"][0]["code"] == "print.kind_not_applicable"

    pdf = tmp_path / "notice.pdf"
    code, out = _print(capsys, lhasa_db, "rejection", app["id"], pdf)
    assert code == 0, out
    text = _text(pdf)
    for expected in (
        "不予支付告知书",
        "སྐྱེ་འཕེལ་སྨན་བཅོས་འགྲོ་སོང་མི་སྤྲོད་པའི་བརྡ་ཐོ།",
        "生育医疗费用（职工未就业配偶）",
        "结婚证",
        "配偶未就业证明",
    ):
        assert expected in text, expected
    code = main(["verify", str(pdf), "--db", str(lhasa_db)])
    assert code == 0, capsys.readouterr().out


@pytest.mark.parametrize("paper", ["a4", "a5"])
def test_lianyungang_flexible_worker_slip_names_the_medical_fund_and_no_standard(paper: str) -> None:
    """连政办发〔2019〕91号 二（五）: a flexible worker's costs are paid by the medical fund (310); the
    pack has no per-case standard, so the slip says the amount claimed was approved."""
    key = Ed25519PrivateKey.generate()
    doc = medical_sample("medical_approval", "lianyungang")
    pdf = build_pdf(doc, key, paper)
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    flat = "".join(text.split())
    for expected in (
        "生育医疗费用核定通知单",
        "¥4,260.80",
        "肆仟贰佰陆拾元捌角",
        "职工基本医疗保险基金",
        "险种类型310",
    ):
        assert expected in flat, expected
    assert "\u0f0b" not in text  # Chinese only in Lianyungang
    result = verify_pdf(pdf, {doc.issuer.counter_id: key.public_key()}, check_image=False)
    assert result.payload.amount == seal.amount_text(doc.amount_approved) == "4260.80"


def test_a_medical_slip_whose_amount_was_changed_does_not_verify() -> None:
    key = Ed25519PrivateKey.generate()
    doc = medical_sample("medical_approval", "lhasa")
    pdf = build_pdf(doc, key, "a4")
    keys = {doc.issuer.counter_id: key.public_key()}
    verify_pdf(pdf, keys, check_image=False)  # the genuine slip verifies
    # as a PDF editor would: the approved amount painted over and written anew
    run = next(r for r in proof.text_runs(pdf)[0] if "3,600.00" in r.text)

    def repaint(c: Canvas) -> None:
        c.setFillColorRGB(1, 1, 1)
        c.rect(run.x - 1, run.y - 3, 90, run.size + 5, stroke=0, fill=1)
        c.setFillColorRGB(0, 0, 0)
        c.setFont("Helvetica-Bold", run.size)
        c.drawString(run.x, run.y, "¥9,600.00")

    reader = PdfReader(io.BytesIO(pdf))
    box = reader.pages[0].mediabox
    buf = io.BytesIO()
    canvas = Canvas(buf, pagesize=(float(box.width), float(box.height)))
    repaint(canvas)
    canvas.showPage()
    canvas.save()
    writer = PdfWriter(clone_from=reader)
    writer.pages[0].merge_page(PdfReader(io.BytesIO(buf.getvalue())).pages[0])
    out = io.BytesIO()
    writer.write(out)
    with pytest.raises(seal.SealError) as refused:
        verify_pdf(out.getvalue(), keys, check_image=False)
    assert refused.value.code.startswith("verify.")


def test_vasectomy_allowance_from_intake_to_a_slip_that_verifies(
    lhasa_db: Path, tmp_path: Path, capsys
) -> None:
    """A man's own family-planning operation: the vasectomy is valid for his (male) ID number, earns
    7 days of allowance from the Lhasa operation table (national practice, unconfirmed — the slip's
    leave line says so), wage 9,000 ÷ 30 × 7 = 2,100.00; the receipt lists the surgery checklist."""
    store = localdb.open_store(lhasa_db)
    try:
        app = store.service("clerk1", today=TODAY).create_application(
            {
                "id_number": HUSBAND,
                "claim_type": "allowance",
                "event": "family_planning_surgery",
                "operation": "vasectomy",
                "event_date": "2026-10-08",
                "contribution_months": 36,
                "documents": ["id_card", "surgery_certificate"],
            }
        )
        assert app["decision"]["eligible"] is True, app["decision"]
        assert app["decision"]["allowance"] == "2100.00"
        assert app["decision"]["settlement_code"]["medical_type"] == "53"
        reviewer = store.service("rev1", today=TODAY)
        reviewer.start_review(app["id"])
        reviewer.approve(app["id"])
    finally:
        store.close()
    receipt = tmp_path / "receipt.pdf"
    code, out = _print(capsys, lhasa_db, "receipt", app["id"], receipt)
    assert code == 0, out
    flat = "".join(_text(receipt).split())
    assert "生育津贴（计划生育手术）" in flat and "计划生育手术证明" in flat
    slip = tmp_path / "slip.pdf"
    code, out = _print(capsys, lhasa_db, "approval", app["id"], slip)
    assert code == 0, out
    flat = "".join(_text(slip).split())
    for expected in ("输精管结扎休假", "ཁུ་ལམ་འཆིང་རྗེས་ཀྱི་གུང་སེང་།", "待确认", "¥2,100.00", "贰仟壹佰元整"):
        assert expected in flat, expected
    code = main(["verify", str(slip), "--db", str(lhasa_db)])
    assert code == 0, capsys.readouterr().out

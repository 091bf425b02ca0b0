"""``liangxian print --db --id`` against a real counter database: init → register employer, person
and application → print the receipt → read it back and verify it against the database's counter keys;
a second print is a reprint (补打) and is recorded; after approval the slip prints the decided amount;
an ineligible application gets the non-payment notice; a person gets the enrollment confirmation."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import subprocess
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import keyring
import pytest
from pypdf import PdfReader
from stdnum.cn import ric as stdnum_ric
from stdnum.cn import uscc as stdnum_uscc

import localdb
from liangxian.cli import main
from liangxian.keys import create_counter_key
from printing import seal
from printing.documents import KEYWORDS_PREFIX
from tests.support.credentials import as_user
from tests.support.keyring_backend import MemoryKeyring

TODAY = dt.date(2026, 11, 20)
TODAY_ARG = ["--today", TODAY.isoformat()]


def _id_number(seq: int) -> str:
    body = f"54010219900315{seq:03d}"
    return body + stdnum_ric.calc_check_digit(body + "0")


def _uscc() -> str:
    body = "91540102MA6T1234"[:17].ljust(17, "0")
    return body + stdnum_uscc.calc_check_digit(body + "0")


@pytest.fixture
def counter_db(tmp_path: Path, memory_keyring: MemoryKeyring) -> Iterator[tuple[Path, dict]]:
    """A Lhasa counter with its signing key in the (test) keyring, an employer, a person with a
    Tibetan name and one allowance application."""
    yield _counter_db(tmp_path)


@pytest.fixture
def real_counter_db(tmp_path: Path, real_keyring: object) -> Iterator[tuple[Path, dict]]:
    """The same counter with its signing key in the session's real gnome-keyring."""
    yield _counter_db(tmp_path)


def _counter_db(tmp_path: Path) -> tuple[Path, dict]:
    path = tmp_path / "counter.db"
    store = localdb.init_store(
        path, region="lhasa", county_code="540102", counter_no=3, admin_username="boss", admin_password="pw"
    )
    try:
        boss = store.service("boss", today=TODAY)
        boss.set_counter_public_key(create_counter_key(store.counter.id))
        boss.add_user("clerk1", "clerk", "pw-clerk")
        boss.add_user("rev1", "reviewer", "pw-rev")
        boss.register_employer(
            {
                "uscc": _uscc(),
                "name_zh": "拉萨雪域建设有限公司",
                "county_code": "540102",
                "rate_class": "a",
                "avg_monthly_wage": "9000.00",
            }
        )
        clerk = store.service("clerk1", today=TODAY)
        person = clerk.register_person(
            {
                "id_number": _id_number(2),
                "name_zh": "卓玛",
                "name_bo": "སྒྲོལ་མ།",
                "ethnicity": "04",
                "phone": "13800138000",
                "category": "employee",
                "county_code": "540102",
                "employer_uscc": _uscc(),
                "contribution_base": "6500.00",
                "insured_since": "2015-03-01",
            }
        )
        app = clerk.create_application(
            {
                "id_number": _id_number(2),
                "claim_type": "allowance",
                "event": "birth",
                "event_date": "2026-09-01",
                "babies": 1,
                "contribution_months": 36,
                "documents": ["id_card", "birth_certificate", "bank_account"],
            }
        )
    finally:
        store.close()
    return path, {"person": person, "application": app}


def _print(capsys, db: Path, kind: str, record_id: str, out: Path, *extra: str) -> tuple[int, dict]:
    code = main(
        [
            "print",
            kind,
            "--db",
            str(db),
            "--id",
            record_id,
            "--out",
            str(out),
            *as_user(db.parent, "clerk1", "pw-clerk"),
            *TODAY_ARG,
            *extra,
        ]
    )
    return code, json.loads(capsys.readouterr().out)


def _text(pdf: Path) -> str:
    if shutil.which("pdftotext") is None:
        return "\n".join(p.extract_text() for p in PdfReader(pdf).pages)
    return subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout


def test_receipt_from_the_store_prints_verifies_and_reprints(counter_db, tmp_path: Path, capsys) -> None:
    db, records = counter_db
    app = records["application"]
    first = tmp_path / "receipt.pdf"
    code, out = _print(capsys, db, "receipt", app["id"], first)
    assert code == 0, out
    assert out["number"] == app["receipt_no"] and out["reprint"] == 0
    text = _text(first)
    for expected in (
        app["receipt_no"],
        "卓玛",
        "སྒྲོལ་མ།",
        seal.paper_mask(_id_number(2)),
        "受理回执",
        "ཞུ་ཡིག",
        "clerk1",
    ):
        assert expected in text
    assert "补打" not in text

    code = main(["verify", str(first), "--db", str(db)])
    verified = json.loads(capsys.readouterr().out)
    assert code == 0, verified
    assert verified["document"]["number"] == app["receipt_no"]

    again = tmp_path / "receipt-2.pdf"
    code, out = _print(capsys, db, "receipt", app["id"], again, "--paper", "80mm")
    assert code == 0 and out["reprint"] == 1
    assert "补打" in _text(again)
    store = localdb.open_store(db)
    try:
        prints = store.get_application(app["id"])["prints"]
    finally:
        store.close()
    assert [(p["kind"], p["copy_no"]) for p in prints] == [("receipt", 0), ("receipt", 1)]


def test_approval_slip_after_approval_carries_the_decided_amount(counter_db, tmp_path: Path, capsys) -> None:
    db, records = counter_db
    app = records["application"]
    pdf = tmp_path / "slip.pdf"
    code, out = _print(capsys, db, "approval", app["id"], pdf)
    assert code == 2 and out["errors"][0]["code"] == "print.kind_not_applicable"  # not approved yet

    store = localdb.open_store(db)
    try:
        reviewer = store.service("rev1", today=TODAY)
        reviewer.start_review(app["id"])
        reviewer.approve(app["id"])
    finally:
        store.close()
    code, out = _print(capsys, db, "approval", app["id"], pdf, "--paper", "a5")
    assert code == 0, out
    allowance = Decimal(app["decision"]["allowance"])
    text = _text(pdf)
    assert f"¥{allowance:,.2f}" in text
    assert "rev1" in text  # the approver, from the status history
    payload = str(PdfReader(pdf).metadata["/Keywords"])[len(KEYWORDS_PREFIX) :]
    assert payload.split("|")[6] == f"{allowance:.2f}"
    assert main(["verify", str(pdf), "--db", str(db), "--id-number", _id_number(2)]) == 0
    capsys.readouterr()


def test_ineligible_application_gets_the_non_payment_notice(counter_db, tmp_path: Path, capsys) -> None:
    db, _records = counter_db
    store = localdb.open_store(db)
    try:
        short = store.service("clerk1", today=TODAY).create_application(
            {
                "id_number": _id_number(2),
                "claim_type": "allowance",
                "event": "birth",
                "event_date": "2026-10-01",
                "babies": 1,
                "contribution_months": 3,
                "documents": ["id_card"],
            }
        )
    finally:
        store.close()
    assert short["decision"]["eligible"] is False
    pdf = tmp_path / "notice.pdf"
    code, out = _print(capsys, db, "rejection", short["id"], pdf)
    assert code == 0, out
    text = _text(pdf).replace("\n", "")
    assert "不予支付告知书" in text
    assert "不足 12 个月" in text


def test_a_medical_cost_claim_is_not_refused_by_the_allowance_decision(
    counter_db, tmp_path: Path, capsys
) -> None:
    """A 生育医疗费用 claim needs no contribution months (forms: medical claims); the allowance decision
    stored beside it says 'not eligible: months short', which must not print a 不予支付告知书 for the
    medical costs at intake. Only a reviewer's rejection does."""
    db, _records = counter_db
    store = localdb.open_store(db)
    try:
        medical = store.service("clerk1", today=TODAY).create_application(
            {
                "id_number": _id_number(2),
                "claim_type": "medical",
                "medical_amount": "3200.00",
                "event": "birth",
                "event_date": "2026-10-01",
                "documents": ["id_card", "invoices"],
            }
        )
    finally:
        store.close()
    code, out = _print(capsys, db, "rejection", medical["id"], tmp_path / "notice.pdf")
    assert code == 2 and out["errors"][0]["code"] == "print.kind_not_applicable"


def test_enrollment_confirmation_of_a_person(counter_db, tmp_path: Path, capsys) -> None:
    db, records = counter_db
    pdf = tmp_path / "enrollment.pdf"
    code, out = _print(capsys, db, "enrollment", records["person"]["id"], pdf)
    assert code == 0, out
    text = _text(pdf).replace("\n", "")
    assert "参保登记回执" in text and "拉萨雪域建设有限公司" in text and "2015-03-01" in text
    code, out = _print(capsys, db, "enrollment", records["person"]["id"], tmp_path / "again.pdf")
    assert code == 0 and out["reprint"] == 1


def test_unknown_record_and_roll_paper_for_a_slip(counter_db, tmp_path: Path, capsys) -> None:
    db, records = counter_db
    code, out = _print(capsys, db, "receipt", "no-such-id", tmp_path / "x.pdf")
    assert code == 2 and out["errors"][0]["code"] == "print.record_not_found"
    code, out = _print(
        capsys, db, "approval", records["application"]["id"], tmp_path / "x.pdf", "--paper", "80mm"
    )
    assert code == 2 and out["errors"][0]["code"] == "print.paper_unsupported"


def test_no_keyring_is_a_clear_bilingual_refusal(counter_db, tmp_path: Path, capsys) -> None:
    from keyring.backends import fail

    db, records = counter_db
    old = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    try:
        code = main(
            [
                "print",
                "receipt",
                "--db",
                str(db),
                "--id",
                records["application"]["id"],
                "--out",
                str(tmp_path / "r.pdf"),
                *as_user(tmp_path, "boss", "pw"),
            ]
        )
    finally:
        keyring.set_keyring(old)
    captured = capsys.readouterr()
    assert code == 2
    error = json.loads(captured.out)["errors"][0]
    assert error["code"] == "keyring.unavailable"
    assert "PYTHON_KEYRING_BACKEND" in captured.err
    assert not (tmp_path / "r.pdf").exists()


def test_rejected_application_gets_the_non_acceptance_notice_with_the_note(
    counter_db, tmp_path: Path, capsys
) -> None:
    db, records = counter_db
    app = records["application"]
    store = localdb.open_store(db)
    try:
        reviewer = store.service("rev1", today=TODAY)
        reviewer.start_review(app["id"])
        reviewer.reject(app["id"], "出生医学证明为复印件，请补交原件")
    finally:
        store.close()
    pdf = tmp_path / "notice.pdf"
    code, out = _print(capsys, db, "rejection", app["id"], pdf)
    assert code == 0, out
    text = _text(pdf).replace("\n", "")
    assert "不予受理告知书" in text
    assert "出生医学证明为复印件，请补交原件" in text
    assert "rev1" in text


def test_receipt_dates_come_from_the_filing_day(counter_db, tmp_path: Path, capsys) -> None:
    """受理日期 is the day the counter filed the application; the promise counts working days from it."""
    from forms.workdays import add_working_days

    db, records = counter_db
    pdf = tmp_path / "receipt.pdf"
    code, _out = _print(capsys, db, "receipt", records["application"]["id"], pdf)
    assert code == 0
    text = _text(pdf)
    assert "受理日期" in text and TODAY.isoformat() in text
    assert "承诺办结日期" in text and add_working_days(TODAY, 10)[0].isoformat() in text


def test_an_unknown_user_is_refused_before_anything_is_printed(counter_db, tmp_path: Path, capsys) -> None:
    db, records = counter_db
    out = tmp_path / "r.pdf"
    code = main(
        [
            "print",
            "receipt",
            "--db",
            str(db),
            "--id",
            records["application"]["id"],
            "--out",
            str(out),
            *as_user(tmp_path, "nobody", "pw"),
        ]
    )
    assert code == 2
    assert json.loads(capsys.readouterr().out)["errors"]
    assert not out.exists()


def test_render_and_record_for_the_desktop(counter_db, capsys) -> None:
    """The desktop previews with render_record and records with record_printed once printed."""
    from liangxian.printjobs import record_printed, render_record

    db, records = counter_db
    app_id = records["application"]["id"]
    store = localdb.open_store(db)
    try:
        first = render_record(store, "receipt", app_id, user="clerk1", paper="a5", today=TODAY)
        again = render_record(store, "receipt", app_id, user="clerk1", paper="a5", today=TODAY)
        assert first.reprint == again.reprint == 0  # previews are not prints
        assert record_printed(store, app_id, "receipt", user="clerk1", today=TODAY) == 0
        assert render_record(store, "receipt", app_id, user="clerk1", paper="a5", today=TODAY).reprint == 1
    finally:
        store.close()
    assert first.pdf.startswith(b"%PDF")


def test_a_store_whose_counter_key_is_not_the_keyrings_is_not_signed_for(
    real_counter_db, tmp_path: Path, capsys
) -> None:
    """A forged database (e.g. a re-signed backup restored by an admin) names a key that is not this
    counter's key in the keyring: printing signed its forged amounts with the real key, and `verify
    --db` called them genuine. Now nothing is signed or recorded (keyring.key_mismatch, exit 2)."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from liangxian.keys import public_key_b64
    from liangxian.printjobs import paper_prints

    db, records = real_counter_db
    app = records["application"]
    code, out = _print(capsys, db, "receipt", app["id"], tmp_path / "genuine.pdf")
    assert code == 0, out  # the store holds the keyring's key: signed
    with localdb.open_store(db) as store:
        store.service("boss", today=TODAY).set_counter_public_key(
            public_key_b64(Ed25519PrivateKey.generate().public_key())
        )
        assert paper_prints(store, app["id"], "receipt") == 1
    forged = tmp_path / "forged.pdf"
    code, out = _print(capsys, db, "receipt", app["id"], forged)
    assert code == 2 and [e["code"] for e in out["errors"]] == ["keyring.key_mismatch"]
    assert all(out["errors"][0][f"message_{lang}"] for lang in ("zh", "bo", "en"))
    assert "key rekey" in out["errors"][0]["message_en"]
    assert not forged.exists() and not list(tmp_path.glob(".forged.pdf*"))
    with localdb.open_store(db) as store:
        assert paper_prints(store, app["id"], "receipt") == 1  # no print recorded


def test_a_store_that_holds_no_counter_key_is_not_signed_for(real_counter_db, tmp_path: Path, capsys) -> None:
    """A database whose key was taken out (by hand, or a forgery whose heads are left unsigned) while
    the keyring still has the key: printing signed for it. Now keyring.key_not_recorded (exit 2)."""
    import sqlite3

    db, records = real_counter_db
    conn = sqlite3.connect(db)
    conn.execute("UPDATE counters SET public_key_b64 = NULL")
    conn.commit()
    conn.close()
    out_pdf = tmp_path / "stripped.pdf"
    code, out = _print(capsys, db, "receipt", records["application"]["id"], out_pdf)
    assert code == 2 and [e["code"] for e in out["errors"]] == ["keyring.key_not_recorded"]
    assert "key create" in out["errors"][0]["message_en"] and out["errors"][0]["message_bo"]
    assert not out_pdf.exists()

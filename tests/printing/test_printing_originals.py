"""Printing that matches the paper on the desk (issue 13), against a real counter database and real
PDFs read back: the original receipt (受理回执) can be issued until one is printed on paper — after a
failed print and after a restart of the app; a saved PDF is a copy (电子副本) that is neither the
original nor turns the next print into a reprint; 补打 appears only on a second paper print; 经办人
is the clerk who took the application in and 审核人 the reviewer, whoever prints; a rejection after
the receipt was issued is a 不予支付告知书; the longest bilingual Lhasa approval slip fits one A4
page with its QR code and signature lines."""

from __future__ import annotations

import io
import subprocess
from pathlib import Path

import pytest
import zxingcpp
from PIL import Image
from pypdf import PdfReader

import localdb
from liangxian import printjobs
from printing import seal
from printing.documents import build_pdf
from printing.samples import longest_approval
from tests.printing import test_printing_store as base
from tests.printing.printing_helpers import KEY, KEYS, pdftotext, render_png

counter_db = base.counter_db  # a Lhasa counter: clerk1 took one allowance application in
TODAY = base.TODAY


def _text(pdf: bytes, tmp_path: Path, name: str, *, page: int | None = None) -> str:
    path = tmp_path / f"{name}.pdf"
    path.write_bytes(pdf)
    if page is None:
        return pdftotext(path)
    pdftotext(path)  # skips the test when poppler is missing
    return subprocess.run(
        ["pdftotext", "-enc", "UTF-8", "-f", str(page), "-l", str(page), str(path), "-"],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout


def _pages(pdf: bytes) -> int:
    return len(PdfReader(io.BytesIO(pdf)).pages)


def _render(store, kind: str, app_id: str, *, user: str = "clerk1", copy: bool = False, paper: str = "a4"):
    return printjobs.render_record(store, kind, app_id, user=user, paper=paper, today=TODAY, copy=copy)


def test_the_original_receipt_is_still_issuable_after_a_failed_print_and_a_restart(
    counter_db, tmp_path: Path
) -> None:
    db, records = counter_db
    app_id = records["application"]["id"]
    store = localdb.open_store(db)
    try:
        first = _render(store, "receipt", app_id)
        assert first.reprint == 0  # the preview: the original, nothing recorded by looking at it
        # the printer fails: the desktop records nothing (it records once the pages went out)
    finally:
        store.close()  # the app is closed and started again
    store = localdb.open_store(db)
    try:
        again = _render(store, "receipt", app_id)
        assert again.reprint == 0 and not again.copy
        assert printjobs.paper_prints(store, app_id, "receipt") == 0
        text = _text(again.pdf, tmp_path, "after-restart")
        assert "受理回执" in text and "补打" not in text and "电子副本" not in text
        assert printjobs.record_printed(store, app_id, "receipt", user="clerk1", today=TODAY) == 0
        assert _render(store, "receipt", app_id).reprint == 1  # printed once: the next is 补打
    finally:
        store.close()


def test_a_pdf_copy_is_not_the_original_and_does_not_make_a_reprint(counter_db, tmp_path: Path) -> None:
    db, records = counter_db
    app_id = records["application"]["id"]
    store = localdb.open_store(db)
    try:
        copy = _render(store, "receipt", app_id, copy=True)
        assert copy.copy and copy.reprint == 0
        text = _text(copy.pdf, tmp_path, "copy")
        assert "电子副本" in text and "补打" not in text  # marked as a copy, never as a reprint
        for _ in range(2):  # saved twice
            printjobs.record_printed(store, app_id, "receipt", user="clerk1", today=TODAY, copy=True)
        prints = store.get_application(app_id)["prints"]
        assert [p["kind"] for p in prints] == ["receipt.pdf_copy", "receipt.pdf_copy"]
        assert printjobs.paper_prints(store, app_id, "receipt") == 0
        original = _render(store, "receipt", app_id)
        assert original.reprint == 0  # the original is still to be printed on paper
        text = _text(original.pdf, tmp_path, "original")
        assert "补打" not in text and "电子副本" not in text
    finally:
        store.close()


def test_the_reprint_mark_appears_only_on_a_second_paper_print(counter_db, tmp_path: Path) -> None:
    db, records = counter_db
    app_id = records["application"]["id"]
    store = localdb.open_store(db)
    try:
        assert printjobs.record_printed(store, app_id, "receipt", user="clerk1", today=TODAY) == 0
        second = _render(store, "receipt", app_id)
        assert second.reprint == 1
        assert "补打（第 1 次）" in _text(second.pdf, tmp_path, "second")
        # a PDF copy after the paper print is still a copy, not a second reprint
        copy = _render(store, "receipt", app_id, copy=True)
        text = _text(copy.pdf, tmp_path, "copy-after")
        assert "电子副本" in text and "补打" not in text
        printjobs.record_printed(store, app_id, "receipt", user="clerk1", today=TODAY, copy=True)
        assert _render(store, "receipt", app_id).reprint == 1
        # the audit trail tells the copy from a print
        from sqlalchemy import select
        from sqlalchemy.orm import Session

        from localdb import models

        with Session(store.engine) as s:
            actions = s.scalars(
                select(models.AuditEvent.action)
                .where(models.AuditEvent.entity == "print")
                .order_by(models.AuditEvent.seq)
            ).all()
        assert actions == ["print.first", "print.pdf_copy"]
    finally:
        store.close()


def test_the_clerk_is_who_took_it_in_and_the_reviewer_who_approved_it(counter_db, tmp_path: Path) -> None:
    """经办人 on the receipt and the slip is the intake clerk, 审核人 on the slip the reviewer: not the
    administrator who happens to print them."""
    db, records = counter_db
    app_id = records["application"]["id"]
    store = localdb.open_store(db)
    try:
        receipt = _text(_render(store, "receipt", app_id, user="boss").pdf, tmp_path, "receipt")
        assert "经办人：clerk1" in receipt and "boss" not in receipt
        reviewer = store.service("rev1", today=TODAY)
        reviewer.start_review(app_id)
        reviewer.approve(app_id)
        slip = _text(_render(store, "approval", app_id, user="boss").pdf, tmp_path, "slip")
        assert "经办人：clerk1" in slip and "审核人：rev1" in slip and "boss" not in slip
    finally:
        store.close()


def test_a_rejection_after_the_receipt_was_issued_is_a_notice_of_non_payment(
    counter_db, tmp_path: Path
) -> None:
    db, records = counter_db
    app = records["application"]
    store = localdb.open_store(db)
    try:
        printjobs.record_printed(store, app["id"], "receipt", user="clerk1", today=TODAY)  # handed out
        reviewer = store.service("rev1", today=TODAY)
        reviewer.start_review(app["id"])
        reviewer.reject(app["id"], "单位证明与缴费记录不符")
        notice = _render(store, "rejection", app["id"], user="boss")
        text = _text(notice.pdf, tmp_path, "notice").replace("\n", "")
    finally:
        store.close()
    assert "不予支付告知书" in text and "不予受理" not in text
    assert "འཚོ་སྣོན་མི་སྤྲོད་པའི་བརྡ་ཐོ" in text  # its Tibetan title first, on a Lhasa counter
    assert f"受理回执编号 {app['receipt_no']}" in text and "经审核不符合支付条件，决定不予支付" in text
    assert "单位证明与缴费记录不符" in text
    assert "经办人：clerk1" in text and "审核人：rev1" in text


def test_a_rejection_before_any_receipt_went_out_stays_a_notice_of_non_acceptance(
    counter_db, tmp_path: Path
) -> None:
    db, records = counter_db
    app = records["application"]
    store = localdb.open_store(db)
    try:
        reviewer = store.service("rev1", today=TODAY)
        reviewer.start_review(app["id"])
        reviewer.reject(app["id"], "出生医学证明为复印件")
        text = _text(_render(store, "rejection", app["id"]).pdf, tmp_path, "intake").replace("\n", "")
    finally:
        store.close()
    assert "不予受理告知书" in text and "决定不予受理" in text and "不予支付" not in text


def test_the_stored_lhasa_slip_names_the_employer_on_one_a4_page(counter_db, tmp_path: Path) -> None:
    db, records = counter_db
    app_id = records["application"]["id"]
    store = localdb.open_store(db)
    try:
        reviewer = store.service("rev1", today=TODAY)
        reviewer.start_review(app_id)
        reviewer.approve(app_id)
        slip = _render(store, "approval", app_id)
    finally:
        store.close()
    assert _pages(slip.pdf) == 1
    text = _text(slip.pdf, tmp_path, "stored-slip", page=1)
    assert "拉萨雪域建设有限公司" in text and "扫码验真" in text and "审核人：rev1" in text


@pytest.mark.parametrize("paper", ["a4", "a5"])
@pytest.mark.parametrize("region", ["lhasa", "lianyungang"])
def test_the_longest_slip_fits_one_page_with_its_qr_code_and_signatures(
    region: str, paper: str, tmp_path: Path
) -> None:
    """Triplets by caesarean (four leave lines), long names in both scripts, a long employer and a
    reprint mark: still one page, the QR code (it decodes from page 1) and the signature lines on it."""
    doc = longest_approval(region)
    pdf = build_pdf(doc, KEY, paper)
    assert _pages(pdf) == 1
    page1 = _text(pdf, tmp_path, f"{region}-{paper}", page=1)
    for expected in (
        "扫码验真",
        f"经办人：{doc.issuer.clerk}",
        f"审核人：{doc.approver}",
        f"窗口：{doc.issuer.counter_no}",
        doc.employer.name_zh if doc.employer else "",
        "补打（第 2 次）",
    ):
        assert expected in page1.replace("\n", "")
    if region == "lhasa":
        assert "ཞིབ་བཤེར་བྱེད་མཁན།" in page1 and "ལས་དོན་སྒྲུབ་མཁན།" in page1  # the bilingual labels
    png = render_png(tmp_path / f"{region}-{paper}.pdf", tmp_path / f"{region}-{paper}-page1", 200)
    with Image.open(png) as image:
        codes = [b.text for b in zxingcpp.read_barcodes(image) if b.format == zxingcpp.BarcodeFormat.QRCode]
    assert len(codes) == 1 and seal.verify(codes[0], KEYS).number == doc.header.number

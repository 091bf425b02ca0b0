"""The four documents read back from their PDFs: the fields the issue lists are printed, Lhasa prints
Tibetan before Chinese, fonts are embedded as subsets, one page each, under 150 KB, and reprints are
marked 补打 with their count."""

from __future__ import annotations

import datetime as dt
import io
import re
from decimal import Decimal
from pathlib import Path

import pytest
from pypdf import PdfReader

from forms.ric import mask
from forms.workdays import add_working_days
from i18n.numerals import capital_amount
from printing import seal
from printing.documents import PaperUnsupported, build_pdf, promised_date
from printing.model import Receipt
from printing.samples import ISSUED_ON, LHASA_PERSON, LYG_PERSON, sample
from tests.printing.printing_helpers import CASES, KEY, pdftotext

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def _fonts(path: Path) -> list[tuple[str, bool]]:
    """(base font name, embedded) of every font the pages use."""
    out = []
    for page in PdfReader(path).pages:
        for ref in page["/Resources"]["/Font"].values():
            font = ref.get_object()
            descriptor = font.get("/FontDescriptor")
            embedded = descriptor is not None and "/FontFile2" in descriptor.get_object()
            out.append((str(font["/BaseFont"]), embedded))
    return out


@pytest.mark.parametrize("case", CASES, ids=["-".join(c) for c in CASES])
def test_every_sample_is_one_page_under_150_kb_with_subset_fonts(sample_pdfs, case) -> None:
    path = sample_pdfs[case]
    assert len(PdfReader(path).pages) == 1
    assert path.stat().st_size < 150 * 1024
    fonts = _fonts(path)
    assert fonts
    for name, embedded in fonts:
        assert embedded, f"{name} is not embedded"
        assert "+" in name, f"{name} is not a subset"
    names = {n.split("+", 1)[1] for n, _e in fonts}
    assert "DroidSansFallback" in names
    if case[0] == "lhasa":
        assert {"NotoSerifTibetan-Regular", "NotoSerifTibetan-Bold"} & names


@pytest.mark.parametrize("case", CASES, ids=["-".join(c) for c in CASES])
def test_office_number_date_names_and_masked_id_are_printed(sample_pdfs, case) -> None:
    region, kind, _paper = case
    text = pdftotext(sample_pdfs[case])
    person = LHASA_PERSON if region == "lhasa" else LYG_PERSON
    assert sample(kind, region).header.number in text
    assert ISSUED_ON.isoformat() in text
    assert person.name_zh in text
    assert seal.paper_mask(person.id_number) in text  # the first 6 characters only (finding 4)
    assert person.id_number not in text and mask(person.id_number) not in text  # not even the last 4
    if region == "lhasa":
        assert "拉萨市医疗保障局" in text
        assert "ལྷ་ས་གྲོང་ཁྱེར་སྨན་བཅོས་འགན་ལེན་ཅུས།" in text
        assert person.name_bo in text
    else:
        assert "连云港市医疗保障局" in text
        assert "ཁྱེར" not in text  # Lianyungang prints Chinese only


@pytest.mark.parametrize("kind", ["receipt", "approval", "rejection", "enrollment"])
def test_lhasa_prints_tibetan_first(sample_pdfs, kind) -> None:
    """Lhasa's documents put Tibetan above the Chinese (the office name, the title)."""
    text = pdftotext(sample_pdfs[("lhasa", kind, "a4")])
    assert text.index("ལྷ་ས་གྲོང་ཁྱེར") < text.index("拉萨市医疗保障局")
    assert text.index(sample("receipt", "lhasa").person.name_bo) < text.index("扎西卓玛")


def test_receipt_lists_the_pack_checklist_and_the_promised_date(sample_pdfs) -> None:
    text = pdftotext(sample_pdfs[("lianyungang", "receipt", "a4")])
    for label in ("受理回执", "参保类别", "在职职工", "申请类型", "生育津贴", "已收材料", "经办人", "李敏"):
        assert label in text
    for doc_name in ("居民身份证", "出生医学证明", "出院小结", "用人单位产假证明", "银行账户"):
        assert doc_name in text
    # 2026-09-28 + 10 working days skips the National Day holidays (Oct 1–8 2026)
    end, exact = add_working_days(ISSUED_ON, 10)
    assert exact and end > ISSUED_ON + dt.timedelta(days=14)
    assert f"承诺办结日期{end.isoformat()}" in text.replace("\n", "").replace(" ", "")


def test_promised_date_counts_working_days_from_the_pack() -> None:
    receipt = sample("receipt", "lhasa")
    assert isinstance(receipt, Receipt)
    from forms.policy import load_pack

    days, end, exact = promised_date(receipt, load_pack("lhasa"))
    assert days == 10 and exact
    assert end == add_working_days(ISSUED_ON, 10)[0]


def test_approval_slip_shows_leave_breakdown_rule_rate_and_total_in_capitals(sample_pdfs) -> None:
    slip = sample("approval", "lianyungang")
    text = pdftotext(sample_pdfs[("lianyungang", "approval", "a4")])
    flat = text.replace("\n", "").replace(" ", "")
    assert "待遇核定通知单" in text
    for item in slip.leave_breakdown:
        assert str(item.days) in text
        assert item.source.replace(" ", "") in flat
    assert f"¥{slip.daily_rate:,.2f}" in text
    assert f"¥{slip.allowance:,.2f}" in text
    assert capital_amount(slip.allowance) in flat
    assert slip.rule in text
    assert "审核人" in text and slip.approver in text
    assert "业务专用章" in text
    assert "差额部分由用人单位补足" in flat


def test_capital_numerals_on_the_slip_match_the_amount() -> None:
    assert capital_amount(Decimal("25600.00")) == "贰万伍仟陆佰元整"


def test_rejection_notice_states_reasons_and_appeal(sample_pdfs) -> None:
    text = pdftotext(sample_pdfs[("lianyungang", "rejection", "a4")]).replace("\n", "")
    assert "不予受理告知书" in text
    assert "发票" in text or "费用" in text
    assert "行政复议" in text
    lhasa = pdftotext(sample_pdfs[("lhasa", "rejection", "a4")]).replace("\n", "")
    assert "不予支付告知书" in lhasa
    assert "不足 12 个月" in lhasa


def test_enrollment_confirmation_lists_both_insurances_for_an_employee(sample_pdfs) -> None:
    text = pdftotext(sample_pdfs[("lianyungang", "enrollment", "a4")]).replace("\n", "")
    assert "参保登记回执" in text
    assert "职工基本医疗保险" in text and "生育保险" in text
    assert "连云港市海州区示例制造有限公司" in text


def test_reprint_is_marked_with_its_count(sample_pdfs) -> None:
    reprint = pdftotext(sample_pdfs[("lianyungang", "receipt", "a5")])
    first = pdftotext(sample_pdfs[("lianyungang", "receipt", "a4")])
    assert "补打" in reprint and "第 1 次" in reprint
    assert "补打" not in first
    again = build_pdf(sample("receipt", "lhasa", reprint=3), KEY, "a4")
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(again)).pages)
    assert "补打" in text and "3" in text


def test_the_roll_is_80_mm_wide_and_as_long_as_its_content(sample_pdfs) -> None:
    page = PdfReader(sample_pdfs[("lhasa", "receipt", "80mm")]).pages[0]
    width_mm = float(page.mediabox.width) / 72 * 25.4
    height_mm = float(page.mediabox.height) / 72 * 25.4
    assert round(width_mm) == 80
    assert 100 < height_mm < 400


@pytest.mark.parametrize("kind", ["approval", "rejection", "enrollment"])
def test_only_the_receipt_goes_on_the_roll(kind: str) -> None:
    with pytest.raises(PaperUnsupported):
        build_pdf(sample(kind, "lhasa"), KEY, "80mm")


def test_documents_are_reproducible() -> None:
    doc = sample("approval", "lhasa")
    assert build_pdf(doc, KEY, "a5") == build_pdf(doc, KEY, "a5")


def test_a_long_notice_runs_onto_a_second_page_with_page_numbers(tmp_path: Path) -> None:
    from dataclasses import replace

    from printing.model import Reason, RejectionNotice

    notice = sample("rejection", "lhasa")
    assert isinstance(notice, RejectionNotice)
    many = tuple(
        Reason("allowance.contribution_months_short", {"months": m, "required": 12}) for m in range(14)
    )
    pdf = tmp_path / "long.pdf"
    pdf.write_bytes(build_pdf(replace(notice, reasons=many), KEY, "a5"))
    reader = PdfReader(pdf)
    assert len(reader.pages) >= 2
    text = pdftotext(pdf)
    pages = len(reader.pages)
    for n in range(1, pages + 1):
        assert re.search(rf"{notice.header.number}\s+{n}/{pages}", text), n
    assert "不足 12 个月" in text


def test_a_missing_font_names_its_debian_package() -> None:
    from printing import typefaces

    spec = typefaces.SPECS[0]
    replace_spec = typefaces.FontSpec(
        spec.role,
        spec.pdf_name,
        "No Such Font Family",
        spec.style,
        ("/nonexistent/x.ttf",),
        spec.package,
        True,
    )
    with pytest.raises(typefaces.FontMissing) as exc:
        typefaces.find_font(replace_spec)
    assert exc.value.code == "print.font_missing"
    assert "fonts-noto-core" in exc.value.message("zh")
    assert "fonts-noto-core" in exc.value.message("bo")

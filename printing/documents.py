"""The documents a counter hands out (receipt, allowance and medical-cost slips, notices, enrollment), built from ``printing.model`` values into PDF bytes.

Language follows the region's pack: Lhasa prints Tibetan and Chinese, Tibetan first (as on Lhasa's
own documents), Lianyungang prints Chinese. Every document carries the office name, its number and
date, the applicant's names in both scripts, the masked ID number, a QR code with the signed payload
(``printing.seal``) and, when it is a reprint, the 补打 mark with its count.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, replace
from decimal import Decimal

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

import i18n
from forms.policy import PolicyPack, load_pack
from forms.workdays import add_working_days
from i18n.numerals import capital_amount
from printing import proof, seal
from printing.layout import (
    GREY,
    PAPER_SPECS,
    RED,
    Block,
    Check,
    FooterBlock,
    PaperSpec,
    PdfInfo,
    Piece,
    TableBlock,
    TextBlock,
    render,
)
from printing.model import (
    PAPERS_FOR,
    ApprovalSlip,
    Document,
    EnrollmentConfirmation,
    MedicalSlip,
    Receipt,
    RejectionNotice,
)
from printing.text import Style, Typesetter, shared_typesetter

KEYWORDS_PREFIX = "liangxian-qr:"


class PaperUnsupported(ValueError):
    code = "print.paper_unsupported"

    def __init__(self, kind: str, paper: str):
        self.kind, self.paper = kind, paper
        super().__init__(self.message("en"))

    def message(self, lang: str) -> str:
        return i18n.gettext("error.print.paper_unsupported", lang, kind=self.kind, paper=self.paper)


def money(amount: Decimal) -> str:
    """Amounts print the same in every language: ``¥37,139.33``."""
    return f"¥{amount.quantize(Decimal('0.01')):,.2f}"


class _Writer:
    """Texts of one document in the pack's languages, in the pack's order."""

    def __init__(self, pack: PolicyPack, paper: PaperSpec):
        self.pack = pack
        self.langs: tuple[str, ...] = tuple(lang for lang in pack.languages if lang in ("bo", "zh")) or (
            "zh",
        )
        self.paper = paper
        self.body = Style(paper.body)
        self.bold = Style(paper.body, bold=True)
        self.small = Style(paper.small, color=GREY)
        self.caption = Style(paper.small, color=(0.2, 0.2, 0.2))
        self.title = Style(paper.title, bold=True)

    def t(self, msgid: str, **params: object) -> list[str]:
        """One text per language, duplicates (untranslated data) dropped."""
        texts = [i18n.gettext(msgid, lang, **params) for lang in self.langs]
        return list(dict.fromkeys(texts))

    def pieces(self, texts: Sequence[str], style: Style) -> list[Piece]:
        return [(text, style) for text in texts]

    def label(self, msgid: str, **params: object) -> list[Piece]:
        return self.pieces(self.t(msgid, **params), self.caption)

    def value(self, *texts: str | None) -> list[Piece]:
        return [(t, self.bold) for t in texts if t]


def _head(w: _Writer, doc: Document, title_msgid: str) -> list[Block]:
    office = [w.pack.office.get(lang) for lang in w.langs]
    blocks: list[Block] = [
        TextBlock(w.pieces([o for o in office if o], w.bold), align="center", space_after=2),
        TextBlock(w.pieces(w.t(title_msgid), w.title), align="center", space_after=4),
    ]
    if doc.header.copy:  # a saved PDF: neither the original nor a reprint
        blocks.append(
            TextBlock(
                w.pieces(w.t("print.pdf_copy"), Style(w.paper.body, True, GREY)),
                align="center",
                frame=GREY,
                space_after=4,
            )
        )
    elif doc.header.reprint > 0:
        blocks.append(
            TextBlock(
                w.pieces(w.t("print.reprint", count=doc.header.reprint), Style(w.paper.body, True, RED)),
                align="center",
                frame=RED,
                space_after=4,
            )
        )
    number = " / ".join(w.t("print.label.number")) + f"：{doc.header.number}"
    date = " / ".join(w.t("print.label.date")) + f"：{doc.header.issued_on.isoformat()}"
    gap = "\n" if w.paper.name == "80mm" else "\u3000\u3000"  # the roll is too narrow for both
    blocks.append(TextBlock([(f"{number}{gap}{date}", w.body)], space_after=5))
    return blocks


def _person_fields(w: _Writer, doc: Document) -> list[Field]:
    p = doc.person
    return [
        Field(w.label("print.label.name"), w.value(p.name_bo, p.name_zh)),
        Field(w.label("field.id_number"), w.value(seal.paper_mask(p.id_number))),
    ]


@dataclass(frozen=True)
class Field:
    """One label/value pair; a ``wide`` value takes the whole width of a two-column grid."""

    label: Sequence[Piece]
    value: Sequence[Piece]
    wide: bool = False


def _grid(w: _Writer, fields: Sequence[Field]) -> TableBlock:
    """Label/value pairs: two pairs a row on sheets, one on the roll; wide values span the row."""
    f = w.paper.label_fraction
    if w.paper.name == "80mm":
        return TableBlock([[x.label, x.value] for x in fields], (f, 1 - f))
    lf = f / 2 + 0.02
    vf = 0.5 - lf
    rows: list[list[Sequence[Piece]]] = []
    fractions: list[tuple[float, ...]] = []
    pending: Field | None = None
    for x in fields:
        if x.wide:
            if pending is not None:
                rows.append([pending.label, pending.value])
                fractions.append((lf, 1 - lf))
                pending = None
            rows.append([x.label, x.value])
            fractions.append((lf, 1 - lf))
        elif pending is None:
            pending = x
        else:
            rows.append([pending.label, pending.value, x.label, x.value])
            fractions.append((lf, vf, lf, vf))
            pending = None
    if pending is not None:
        rows.append([pending.label, pending.value])
        fractions.append((lf, 1 - lf))
    return TableBlock(rows, fractions)


def _checklist(w: _Writer, items: Sequence[tuple[str, bool]]) -> TableBlock:
    cells = [(Check(ticked), w.pieces(w.t(f"doc.{code}"), w.body)) for code, ticked in items]
    if w.paper.name == "80mm":
        return TableBlock([list(c) for c in cells], (0.12, 0.88))
    rows = [
        list(cells[i]) + (list(cells[i + 1]) if i + 1 < len(cells) else [[], []])
        for i in range(0, len(cells), 2)
    ]
    return TableBlock(rows, (0.06, 0.44, 0.06, 0.44))


def _footer(
    w: _Writer,
    doc: Document,
    qr_text: str,
    signers: list[tuple[str, str]],
    stamp: bool,
) -> FooterBlock:
    signatures = [[(" / ".join(w.t(msgid)) + f"：{name}", w.body)] for msgid, name in signers if name]
    return FooterBlock(
        qr_text=qr_text,
        qr_side=w.paper.qr,
        caption=w.pieces(w.t("print.label.verify"), w.small),
        signatures=signatures,
        stamp=w.pieces(w.t("print.label.stamp"), w.small) if stamp else None,
        notes=_footer_notes(w, doc),
    )


def _footer_notes(w: _Writer, doc: Document) -> list[Piece]:
    if isinstance(doc, ApprovalSlip):
        # the slip says so; the difference itself is not computed (domain.md)
        return w.pieces(w.t("reason.allowance.employer_pays_difference"), w.body)
    if isinstance(doc, MedicalSlip):
        return w.pieces(w.t("print.note.medical_approved"), w.body)
    return []


def _payload(doc: Document, amount: Decimal | None) -> seal.Payload:
    return seal.Payload(
        kind=doc.kind,
        number=doc.header.number,
        id_hash=seal.id_tag(doc.header.number, doc.person.id_number),
        amount=seal.amount_text(amount),
        date=doc.header.issued_on.isoformat(),
        counter=doc.issuer.counter_id,
        id_masked=seal.paper_mask(doc.person.id_number),
        name=doc.person.name_zh,
    )


def promised_date(receipt: Receipt, pack: PolicyPack) -> tuple[int, dt.date, bool]:
    """(working days, completion date, calendar exact) for a receipt."""
    days = receipt.processing_working_days
    if days is None:
        days = int(pack.value("processing_working_days", receipt.received_on))
    end, exact = add_working_days(receipt.received_on, days)
    return days, end, exact


def _receipt_blocks(w: _Writer, doc: Receipt) -> tuple[list[Block], list[tuple[str, str]], bool]:
    days, end, exact = promised_date(doc, w.pack)
    fields = [
        *_person_fields(w, doc),
        Field(w.label("field.category"), w.value(*w.t(f"category.{doc.category}"))),
        Field(w.label("field.claim_type"), w.value(*w.t(f"print.application_type.{doc.application_type}"))),
        Field(w.label("print.label.received_on"), w.value(doc.received_on.isoformat())),
        Field(w.label("print.label.promised"), w.value(end.isoformat())),
    ]
    checklist = w.pack.checklists.get(doc.application_type, ())
    received = set(doc.documents_received)
    extra = [code for code in doc.documents_received if code not in checklist]
    items = [(code, code in received) for code in (*checklist, *extra)]
    notes = w.t("print.note.promised", days=days)
    if not exact:
        notes += w.t("print.note.calendar_gap")
    notes += w.t("print.note.receipt")
    blocks: list[Block] = [
        _grid(w, fields),
        TextBlock(w.pieces(w.t("print.label.documents"), w.bold), space_after=2),
        _checklist(w, items),
        TextBlock(w.pieces(notes, w.small), space_after=4),
    ]
    return blocks, [("print.label.clerk", doc.issuer.clerk)], False


def _approval_blocks(w: _Writer, doc: ApprovalSlip) -> tuple[list[Block], list[tuple[str, str]], bool]:
    fields = [
        *_person_fields(w, doc),
        Field(w.label("field.category"), w.value(*w.t(f"category.{doc.category}"))),
        Field(w.label("field.claim_type"), w.value(*w.t(f"print.application_type.{doc.application_type}"))),
        Field(w.label("field.event"), w.value(*w.t(f"event.{doc.event}"))),
        Field(w.label("field.event_date"), w.value(doc.event_date.isoformat())),
    ]
    # a family-planning operation earns 休假 (leave), not 产假 (maternity leave)
    surgery = doc.event == "family_planning_surgery"
    if doc.leave_start and doc.leave_end:
        period = f"{doc.leave_start.isoformat()} – {doc.leave_end.isoformat()}"
        label = "print.label.surgery_leave_period" if surgery else "print.label.leave_period"
        fields.append(Field(w.label(label), w.value(period)))
    # leave breakdown, each line with the rule it rests on
    leave_rows: list[list[Sequence[Piece]]] = [
        [
            w.pieces(w.t("print.col.item"), w.bold),
            w.pieces(w.t("print.col.days"), w.bold),
            w.pieces(w.t("print.col.rule"), w.bold),
        ]
    ]
    for item in doc.leave_breakdown:
        leave_rows.append(
            [
                w.pieces(w.t(f"leave.{item.code}"), w.body),
                [(str(item.days), w.body)],
                [(item.source, w.small)],
            ]
        )
    total = "print.label.surgery_leave_days" if surgery else "print.label.leave_days"
    leave_rows.append([w.pieces(w.t(total), w.bold), [(str(doc.leave_days), w.bold)], []])
    if doc.employer is not None:
        fields.append(
            Field(
                w.label("print.label.employer"),
                w.value(doc.employer.name_bo, doc.employer.name_zh),
                wide=True,
            )
        )
    money_fields: list[Field] = []
    if doc.employer_avg_monthly_wage is not None:
        money_fields.append(
            Field(w.label("field.employer_avg_monthly_wage"), w.value(money(doc.employer_avg_monthly_wage)))
        )
    money_fields += [
        Field(w.label("print.label.daily_rate"), w.value(money(doc.daily_rate))),
        Field(w.label("print.label.allowance_days"), w.value(str(doc.allowance_days))),
        Field(
            w.label("print.label.rule"),
            [(doc.rule, w.body)] + [(c, w.small) for c in doc.citations],
            wide=bool(doc.citations),
        ),
        Field(
            w.label("print.label.total"),
            w.value(money(doc.allowance), capital_amount(doc.allowance)),
            wide=True,
        ),
    ]
    blocks: list[Block] = [
        _grid(w, fields),
        TableBlock(leave_rows, (0.32, 0.12, 0.56), header_rows=1),
        _grid(w, money_fields),
    ]
    return blocks, [("print.label.clerk", doc.issuer.clerk), ("print.label.approver", doc.approver)], True


def _paid_by_msgid(paid_by: str, merged: bool) -> str:
    """The paying fund: before the merger a maternity benefit came from the maternity insurance fund."""
    return "paid_by.maternity_fund" if paid_by == "maternity" and not merged else f"paid_by.{paid_by}"


def _medical_blocks(w: _Writer, doc: MedicalSlip) -> tuple[list[Block], list[tuple[str, str]], bool]:
    fields = [
        *_person_fields(w, doc),
        Field(w.label("field.category"), w.value(*w.t(f"category.{doc.category}"))),
        Field(w.label("field.claim_type"), w.value(*w.t(f"print.application_type.{doc.application_type}"))),
        Field(w.label("field.event"), w.value(*w.t(f"event.{doc.event}"))),
        Field(w.label("field.event_date"), w.value(doc.event_date.isoformat())),
    ]
    if doc.operation:
        fields.append(Field(w.label("field.operation"), w.value(*w.t(f"operation.{doc.operation}"))))
    if doc.claimant == "spouse":
        fields.append(Field(w.label("field.claimant"), w.value(*w.t("claimant.spouse"))))
    if doc.standard is not None:
        standard = [(money(doc.standard), w.bold)] + (
            [(doc.standard_source, w.small)] if doc.standard_source else []
        )
    else:
        standard = w.pieces(w.t("print.value.no_standard"), w.body)
    settlement = w.t(
        "print.value.settlement", medical_type=doc.medical_type, insurance_type=doc.insurance_type
    )
    money_fields = [
        Field(w.label("print.label.medical_claimed"), w.value(money(doc.amount_claimed))),
        Field(w.label("print.label.settlement_code"), w.pieces(settlement, w.body)),
        Field(w.label("print.label.medical_standard"), standard, wide=True),
        Field(
            w.label("print.label.paid_by"), w.value(*w.t(_paid_by_msgid(doc.paid_by, doc.merged))), wide=True
        ),
        Field(
            w.label("print.label.rule"),
            [(doc.rule, w.body)] + [(c, w.small) for c in doc.citations],
            wide=True,
        ),
        Field(
            w.label("print.label.medical_approved"),
            w.value(money(doc.amount_approved), capital_amount(doc.amount_approved)),
            wide=True,
        ),
    ]
    blocks: list[Block] = [_grid(w, fields), _grid(w, money_fields)]
    notes = _reason_texts(w, doc)
    if notes:
        blocks.append(TextBlock(w.pieces(notes, w.body), space_after=4))
    return blocks, [("print.label.clerk", doc.issuer.clerk), ("print.label.approver", doc.approver)], True


def _reason_texts(w: _Writer, doc: RejectionNotice | MedicalSlip) -> list[str]:
    texts: list[str] = []
    for lang in w.langs:
        for reason in doc.reasons:
            params = dict(reason.params)
            docs = params.get("documents")
            if isinstance(docs, list | tuple):
                sep = "、" if lang == "zh" else "་ "
                params["documents"] = sep.join(i18n.gettext(f"doc.{d}", lang) for d in docs)
            texts.append(i18n.gettext(f"reason.{reason.code}", lang, **params))
    return list(dict.fromkeys(texts))


def _rejection_blocks(w: _Writer, doc: RejectionNotice) -> tuple[list[Block], list[tuple[str, str]], bool]:
    fields = [
        *_person_fields(w, doc),
        Field(
            w.label("field.claim_type"),
            w.value(*w.t(f"print.application_type.{doc.application_type}")),
            wide=True,
        ),
        Field(
            w.label("print.label.reasons"),
            w.pieces([*_reason_texts(w, doc), *doc.remarks], w.body),
            wide=True,
        ),
    ]
    if doc.rule or doc.citations:
        rule = ([(doc.rule, w.body)] if doc.rule else []) + [(c, w.small) for c in doc.citations]
        fields.append(Field(w.label("print.label.rule"), rule, wide=True))
    blocks: list[Block] = []
    if doc.received_on is not None and (doc.stage == "intake" or doc.receipt_number):
        # what is refused, in words: not taken in (不予受理), or taken in and not paid (不予支付)
        decision = w.t(
            f"print.note.rejection_{doc.stage}",
            received_on=doc.received_on.isoformat(),
            receipt_no=doc.receipt_number or "",
        )
        blocks.append(TextBlock(w.pieces(decision, w.body), space_after=4))
    blocks += [_grid(w, fields), TextBlock(w.pieces(w.t("print.note.appeal"), w.body))]
    if doc.stage == "payment" and doc.decided_by and doc.decided_by != doc.issuer.clerk:
        # taken in by the clerk (经办人), refused on review by the reviewer (审核人)
        return (
            blocks,
            [("print.label.clerk", doc.issuer.clerk), ("print.label.approver", doc.decided_by)],
            True,
        )
    return blocks, [("print.label.clerk", doc.decided_by)], True


def _enrollment_blocks(
    w: _Writer, doc: EnrollmentConfirmation
) -> tuple[list[Block], list[tuple[str, str]], bool]:
    category = w.pack.categories.get(doc.category)
    insurances = w.t("print.insurance.medical")
    if category is not None and category.joins_maternity:
        insurances = [
            f"{a}、{b}" if lang == "zh" else f"{a} {b}"
            for lang, a, b in zip(
                w.langs,
                [i18n.gettext("print.insurance.medical", lang) for lang in w.langs],
                [i18n.gettext("print.insurance.maternity", lang) for lang in w.langs],
                strict=True,
            )
        ]
    fields = [
        *_person_fields(w, doc),
        Field(w.label("field.category"), w.value(*w.t(f"category.{doc.category}"))),
        Field(w.label("field.insured_since"), w.value(doc.insured_since.isoformat())),
    ]
    if doc.employer is not None:
        fields.append(
            Field(
                w.label("print.label.employer"),
                w.value(doc.employer.name_bo, doc.employer.name_zh),
                wide=True,
            )
        )
        if doc.employer.uscc:
            fields.append(Field(w.label("field.uscc"), w.value(doc.employer.uscc), wide=True))
    fields.append(Field(w.label("print.label.insurances"), w.value(*insurances), wide=True))
    blocks: list[Block] = [_grid(w, fields)]
    if category is not None and category.joins_maternity:
        blocks.append(TextBlock(w.pieces(w.t("print.note.enrollment"), w.small)))
    return blocks, [("print.label.clerk", doc.issuer.clerk)], True


TITLES = {
    "receipt": "print.title.receipt",
    "approval": "print.title.approval",
    "enrollment": "print.title.enrollment",
}


def title_msgid_of_kind(kind: str) -> str:
    """The document's name for a payload kind (a rejection's stage is not in the payload)."""
    return "verify.kind.rejection" if kind == "rejection" else TITLES[kind]


def title_msgid(doc: Document) -> str:
    if isinstance(doc, RejectionNotice):
        if doc.stage == "payment" and doc.application_type.startswith("medical"):
            return "print.title.rejection_payment_medical"
        return f"print.title.rejection_{doc.stage}"
    if isinstance(doc, MedicalSlip):
        return "print.title.medical_approval"
    return TITLES[doc.kind]


def amount_of(doc: Document) -> Decimal | None:
    if isinstance(doc, MedicalSlip):
        return doc.amount_approved
    return doc.allowance if isinstance(doc, ApprovalSlip) else None


#: text sizes tried, largest first, until a sheet's document fits on one page: the QR code and the
#: signature lines belong on the page they sign (a bilingual Lhasa slip with several leave lines,
#: long names and a long employer is more than one A4 page at the full size)
FIT_SCALES = (1.0, 0.93, 0.87, 0.81, 0.76)
#: never smaller than this (points), so that the smallest print (citations on A5) stays legible
MIN_SMALL = 5.0


def _blocks(w: _Writer, doc: Document, qr_text: str) -> list[Block]:
    if isinstance(doc, Receipt):
        body, signers, stamp = _receipt_blocks(w, doc)
    elif isinstance(doc, ApprovalSlip):
        body, signers, stamp = _approval_blocks(w, doc)
    elif isinstance(doc, MedicalSlip):
        body, signers, stamp = _medical_blocks(w, doc)
    elif isinstance(doc, RejectionNotice):
        body, signers, stamp = _rejection_blocks(w, doc)
    else:
        body, signers, stamp = _enrollment_blocks(w, doc)
    if doc.issuer.counter_no:
        signers = [*signers, ("print.label.counter", doc.issuer.counter_no)]
    return [*_head(w, doc, title_msgid(doc)), *body, _footer(w, doc, qr_text, signers, stamp)]


def _fitted(
    ts: Typesetter, spec: PaperSpec, pack: PolicyPack, doc: Document, qr_text: str
) -> tuple[_Writer, list[Block]]:
    """The document's blocks at the largest text size (``FIT_SCALES``) at which a sheet holds all of
    it on one page; the roll is as long as its content. The QR code keeps its size (it must scan).
    When even the smallest size is too long, that size is laid out over pages."""
    if spec.height is None:
        w = _Writer(pack, spec)
        return w, _blocks(w, doc, qr_text)
    width = spec.width - 2 * spec.margin
    usable = spec.height - 2 * spec.margin
    for scale in [x for x in FIT_SCALES if spec.small * x >= MIN_SMALL] or [1.0]:
        scaled = replace(spec, body=spec.body * scale, title=spec.title * scale, small=spec.small * scale)
        w = _Writer(pack, scaled)
        blocks = _blocks(w, doc, qr_text)
        if sum(b.measure(ts, width) for b in blocks) <= usable:
            break
    return w, blocks


def build_pdf(
    doc: Document,
    key: Ed25519PrivateKey,
    paper: str = "a4",
    *,
    typesetter: Typesetter | None = None,
    pack: PolicyPack | None = None,
) -> bytes:
    """The document as PDF bytes, its QR payload signed with ``key``.

    Raises PaperUnsupported (e.g. an approval slip on the 80 mm roll) and FontMissing."""
    if paper not in PAPERS_FOR[doc.kind]:
        raise PaperUnsupported(doc.kind, paper)
    ts = typesetter or shared_typesetter()
    spec = PAPER_SPECS[paper]
    pack = pack or load_pack(doc.issuer.region)
    payload = _payload(doc, amount_of(doc))
    qr_text = seal.sign(payload, key)
    w, blocks = _fitted(ts, spec, pack, doc, qr_text)
    title = " ".join(i18n.gettext(title_msgid(doc), lang) for lang in w.langs)
    info = PdfInfo(
        title=f"{title} {doc.header.number}",
        subject=title,
        keywords=KEYWORDS_PREFIX + qr_text,
        author=" ".join(pack.office.get(lang, "") for lang in w.langs).strip(),
        page_label=doc.header.number,
    )
    return proof.seal_pdf(render(ts, spec, blocks, info), qr_text, printed_facts(payload), key)


def printed_facts(payload: seal.Payload) -> dict[str, str]:
    """The signed facts as the paper prints them, each a whole text run at its field: document
    number, date of issue, amount (``¥18,282.55``), masked ID number and Chinese name."""
    facts = {"number": payload.number, "date": payload.date}
    if payload.amount != seal.NO_AMOUNT:
        facts["amount"] = money(Decimal(payload.amount))
    if payload.id_masked:
        facts["id_masked"] = payload.id_masked
    if payload.name:
        facts["name"] = payload.name
    return facts

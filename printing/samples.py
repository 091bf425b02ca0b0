"""Synthetic documents for both regions: ``liangxian print-samples``, the tests and the benchmark.

Names, ID numbers and counters are made up; the ID numbers carry valid check digits. Dates are
fixed so that the samples (and the tests reading them) do not depend on today's date.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal

from stdnum.cn import ric as stdnum_ric

from forms.entitlement import Application, Decision, decide
from printing.model import (
    ApprovalSlip,
    Document,
    Employer,
    EnrollmentConfirmation,
    Header,
    Issuer,
    LeaveItem,
    MedicalSlip,
    Person,
    Reason,
    Receipt,
    RejectionNotice,
)
from printing.seal import KIND_CODES

ISSUED_ON = dt.date(2026, 9, 28)  # the day before the National Day holidays: the promise skips them


def make_id(first17: str) -> str:
    # stdnum's calc_check_digit reads the first 17 characters of a full 18-character number
    return first17 + stdnum_ric.calc_check_digit(first17 + "0")


LHASA_PERSON = Person(id_number=make_id("54010219930415002"), name_zh="扎西卓玛", name_bo="བཀྲ་ཤིས་སྒྲོལ་མ།")
LYG_PERSON = Person(id_number=make_id("32070619920818004"), name_zh="王晓燕")
LHASA_ISSUER = Issuer(region="lhasa", counter_id="lhasa-540102-01", clerk="次仁央宗", counter_no="01")
LYG_ISSUER = Issuer(region="lianyungang", counter_id="lyg-320706-03", clerk="李敏", counter_no="03")
LHASA_EMPLOYER = Employer(
    name_zh="拉萨市城关区人民医院", uscc="12540102MB0123456X", name_bo="ལྷ་ས་གྲོང་ཁྱེར་ཁྲིན་ཀོན་ཆུས་མི་དམངས་སྨན་ཁང་།"
)
LYG_EMPLOYER = Employer(name_zh="连云港市海州区示例制造有限公司", uscc="91320706MA1XYZ1234")


def approval_from_decision(
    decision: Decision,
    *,
    header: Header,
    issuer: Issuer,
    person: Person,
    category: str,
    application_type: str,
    event: str,
    event_date: dt.date,
    approver: str,
    employer_avg_monthly_wage: Decimal | None = None,
) -> ApprovalSlip:
    """An approval slip from the entitlement engine's decision."""
    return ApprovalSlip(
        header=header,
        issuer=issuer,
        person=person,
        category=category,
        application_type=application_type,
        event=event,
        event_date=event_date,
        leave_days=decision.leave_days,
        leave_breakdown=tuple(LeaveItem(x.code, x.days, x.source) for x in decision.leave_breakdown),
        allowance_days=decision.allowance_days,
        daily_rate=decision.daily_rate,
        allowance=decision.allowance,
        rule=decision.rule,
        approver=approver,
        leave_start=decision.leave_start,
        leave_end=decision.leave_end,
        employer_avg_monthly_wage=employer_avg_monthly_wage,
    )


def _region(region: str) -> tuple[Person, Issuer, Employer, str]:
    if region == "lhasa":
        return LHASA_PERSON, LHASA_ISSUER, LHASA_EMPLOYER, "LS"
    return LYG_PERSON, LYG_ISSUER, LYG_EMPLOYER, "LYG"


#: the birth of every sample slip
BIRTH_ON = dt.date(2026, 6, 2)


def _caesarean_birth(region: str, wage: Decimal, *, babies: int) -> Decision:
    """The decision of a sample slip: an employee's caesarean birth on ``BIRTH_ON`` after 36 months."""
    return decide(
        Application(
            region=region,
            category="employee",
            event="birth",
            event_date=BIRTH_ON,
            babies=babies,
            caesarean=True,
            employer_avg_monthly_wage=wage,
            contribution_months=36,
            filed_on=ISSUED_ON,
        )
    )


def sample(kind: str, region: str, *, reprint: int = 0) -> Document:
    """One synthetic document of ``kind`` for ``region``."""
    person, issuer, employer, prefix = _region(region)
    number = f"{prefix}{issuer.counter_no}-{ISSUED_ON:%Y%m%d}-{KIND_CODES[kind]}0042"
    header = Header(number=number, issued_on=ISSUED_ON, reprint=reprint)
    if kind == "receipt":
        return Receipt(
            header=header,
            issuer=issuer,
            person=person,
            category="employee",
            application_type="allowance",
            received_on=ISSUED_ON,
            documents_received=("id_card", "birth_certificate", "discharge_summary", "bank_account"),
        )
    if kind == "approval":
        wage = Decimal("9860.00") if region == "lhasa" else Decimal("7680.00")
        event_date = BIRTH_ON
        decision = _caesarean_birth(region, wage, babies=1)
        return approval_from_decision(
            decision,
            header=header,
            issuer=issuer,
            person=person,
            category="employee",
            application_type="allowance",
            event="birth",
            event_date=event_date,
            approver="格桑" if region == "lhasa" else "张伟",
            employer_avg_monthly_wage=wage,
        )
    if kind == "rejection":
        if region == "lhasa":
            return RejectionNotice(
                header=header,
                issuer=issuer,
                person=person,
                application_type="allowance",
                stage="payment",
                reasons=(Reason("allowance.contribution_months_short", {"months": 7, "required": 12}),),
                decided_by="格桑",
                rule="lhasa/2020-01-01",
                receipt_number=f"{prefix}{issuer.counter_no}-20260914-{KIND_CODES['receipt']}0042",
                received_on=dt.date(2026, 9, 14),
                citations=("《西藏自治区职工生育保险办法》及实施细则（confirm）",),
            )
        return RejectionNotice(
            header=header,
            issuer=issuer,
            person=person,
            application_type="medical",
            stage="intake",
            reasons=(Reason("intake.documents_missing", {"documents": ["invoices", "expense_list"]}),),
            decided_by=issuer.clerk,
            received_on=ISSUED_ON,
        )
    if kind == "enrollment":
        return EnrollmentConfirmation(
            header=header,
            issuer=issuer,
            person=person,
            category="employee",
            insured_since=dt.date(2026, 10, 1),
            employer=employer,
        )
    raise ValueError(kind)


MEDICAL_KINDS = ("medical_approval", "medical_rejection")


def medical_slip_from_decision(
    decision: Decision,
    *,
    header: Header,
    issuer: Issuer,
    person: Person,
    application: Application,
    application_type: str,
    approver: str,
) -> MedicalSlip:
    """A 生育医疗费用核定通知单 from the entitlement engine's medical decision."""
    from forms import medical
    from forms.policy import load_pack

    pack = load_pack(application.region)
    standard = medical.per_case_standard(
        pack, application.event_date, application.event, application.outpatient, application.operation
    )
    settlement = decision.settlement
    assert settlement is not None
    return MedicalSlip(
        header=header,
        issuer=issuer,
        person=person,
        category=application.category,
        application_type=application_type,
        event=application.event,
        event_date=application.event_date,
        amount_claimed=application.medical_amount or Decimal("0"),
        amount_approved=decision.medical_amount_approved,
        paid_by=decision.medical_paid_by,
        merged=bool(pack.merged_on and application.event_date >= pack.merged_on),
        medical_type=settlement.medical_type,
        insurance_type=settlement.insurance_type,
        rule=decision.rule,
        approver=approver,
        standard=standard.amount if standard else None,
        standard_source=standard.citation if standard else None,
        operation=application.operation,
        claimant=application.claimant,
        reasons=tuple(Reason(c, dict(decision.reason_params.get(c, {}))) for c in decision.reasons),
    )


def medical_sample(kind: str, region: str) -> MedicalSlip | RejectionNotice:
    """A medical-cost slip (``medical_approval``: a Lhasa delivery capped at the 3,600-yuan standard, a
    Lianyungang flexible worker's delivery paid by the medical fund) or a 不予支付告知书
    (``medical_rejection``: an unemployed spouse's claim without the marriage certificate)."""
    person, issuer, _employer, prefix = _region(region)
    code = "A" if kind == "medical_approval" else "N"
    header = Header(number=f"{prefix}{issuer.counter_no}-{ISSUED_ON:%Y%m%d}-M{code}0042", issued_on=ISSUED_ON)
    if kind == "medical_approval":
        app = Application(
            region=region,
            category="employee" if region == "lhasa" else "flexible",
            event="birth",
            event_date=dt.date(2026, 6, 2),
            claim_type="medical",
            medical_amount=Decimal("4260.80"),
            filed_on=ISSUED_ON,
        )
        return medical_slip_from_decision(
            decide(app),
            header=header,
            issuer=issuer,
            person=person,
            application=app,
            application_type="medical",
            approver="格桑" if region == "lhasa" else "张伟",
        )
    app = Application(
        region=region,
        category="employee",
        event="birth",
        event_date=dt.date(2026, 6, 2),
        claim_type="medical",
        medical_amount=Decimal("3980.00"),
        claimant="spouse",
        documents=("id_card", "invoices"),
        filed_on=ISSUED_ON,
    )
    decision = decide(app)
    return RejectionNotice(
        header=header,
        issuer=issuer,
        person=person,
        application_type="medical_spouse",
        stage="payment",
        reasons=tuple(Reason(c, dict(decision.reason_params.get(c, {}))) for c in decision.reasons),
        decided_by=issuer.clerk,
        rule=decision.rule,
        citations=decision.citations,
    )


def longest_approval(region: str = "lhasa", *, reprint: int = 2) -> ApprovalSlip:
    """The longest realistic allowance slip: triplets by caesarean (four leave lines with their
    rules), long names in both scripts, a long employer name and a reprint mark — the case that
    must still fit one sheet with its QR code and signature lines."""
    person, issuer, _employer, prefix = _region(region)
    long_person = Person(
        id_number=person.id_number,
        name_zh="次仁旺姆·阿旺次仁卓玛" if region == "lhasa" else "欧阳晓燕",
        name_bo="ཚེ་རིང་དབང་མོ་ངག་དབང་ཚེ་རིང་སྒྲོལ་མ།" if region == "lhasa" else None,
    )
    long_issuer = Issuer(
        region=region,
        counter_id=issuer.counter_id,
        clerk="次仁央宗·格桑卓嘎" if region == "lhasa" else "司马晓东",
        counter_no=issuer.counter_no,
    )
    employer = (
        Employer(
            name_zh="西藏自治区拉萨市城关区人民政府八廓街道办事处社区卫生服务中心",
            uscc="12540102MB0123456X",
            name_bo="བོད་རང་སྐྱོང་ལྗོངས་ལྷ་ས་གྲོང་ཁྱེར་ཁྲིན་ཀོན་ཆུས་མི་དམངས་སྲིད་གཞུང་བར་སྐོར་ལམ་ཁྲོམ་གཞུང་ལས་ཁུངས་ཀྱི་སྡོད་ཁུལ་འཕྲོད་བསྟེན་ཞབས་ཞུ་ལྟེ་གནས།",
        )
        if region == "lhasa"
        else Employer(
            name_zh="连云港市海州区经济技术开发区示例精密机械制造股份有限公司", uscc="91320706MA1XYZ1234"
        )
    )
    wage = Decimal("19860.00")
    event_date = BIRTH_ON
    decision = _caesarean_birth(region, wage, babies=3)
    slip = approval_from_decision(
        decision,
        header=Header(f"{prefix}{issuer.counter_no}-{ISSUED_ON:%Y%m%d}-A0042", ISSUED_ON, reprint=reprint),
        issuer=long_issuer,
        person=long_person,
        category="employee",
        application_type="allowance",
        event="birth",
        event_date=event_date,
        approver="格桑旺堆·阿旺罗布桑布" if region == "lhasa" else "诸葛明远",
        employer_avg_monthly_wage=wage,
    )
    return dataclasses.replace(slip, employer=employer)

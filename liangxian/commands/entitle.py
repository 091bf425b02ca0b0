"""``liangxian entitle FILE|-``: one maternity application (JSON) in, one decision (JSON) out."""

from __future__ import annotations

import argparse
import datetime as dt

from liangxian.jsonio import emit, fail, read_json

HELP = """\
Decide one maternity application by the region's policy pack: the allowance (生育津贴) or the medical
costs (生育医疗费用).

Input (JSON object, the keys of `register application` plus region; any other key is refused with
form.unknown_field): region (lianyungang|lhasa), claim_type (allowance, the default | medical),
category (employee|flexible|volunteer|retiree; volunteer exists in Lhasa only), event
(birth|miscarriage|family_planning_surgery), event_date (YYYY-MM-DD, not in the future), babies (>= 1
for a birth), dystocia (bool), caesarean (bool, counts as dystocia unless the pack says otherwise),
gestation_weeks (completed weeks, "15" or "15+6"; required for a miscarriage and an induced
abortion), operation (for family_planning_surgery: a code of the pack's operation table —
iud_insertion, iud_removal, tubal_ligation, vasectomy (a man's: valid for a male ID number),
induced_abortion), employer_avg_monthly_wage (string decimal yuan, 用人单位上年度职工月平均工资;
required for an employee's allowance), contribution_months (consecutive months paid before the event;
required for an employee's allowance), insured_since (YYYY-MM-DD; an event before it is decided not
eligible), optional filed_on and leave_start. For a medical claim: medical_amount (string decimal
yuan, > 0), outpatient (bool: maternity outpatient care such as prenatal checks), claimant
(self|spouse: 职工未就业配偶, the unemployed spouse of an insured male employee; derived as spouse when
id_number is a man's), documents (codes handed in; a spouse's claim needs marriage_certificate and
spouse_non_employment). Optional id_number (validated; decides what depends on sex); hospital.

Output (JSON): eligible (the claim is payable), reasons (stable codes: why it is not, or not fully,
paid), leave_days, leave_breakdown [{code, days, source}], allowance_days, daily_rate, allowance
(strings, 2 decimals, half-up; 0 for a medical claim), medical_paid_by (maternity|medical: the
maternity item of the employee medical fund, or the medical fund), medical_amount_approved (string,
2 decimals: the amount claimed up to the pack's per-case standard; "0.00" for an allowance claim),
settlement_code ({medical_type: 51 maternity outpatient | 52 maternity inpatient | 53 family-planning
surgery, insurance_type: 510 maternity | 310 employee basic medical}), rule ("<pack>/<version>": the
latest rule date used).

Exit status: 0 when a decision was made (eligible or not); 2 with {"errors": [...]} for invalid
input, each error with code, field and messages in Chinese, Tibetan and English."""


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "entitle",
        help="decide a maternity allowance or medical-cost claim from application JSON",
        description=HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("file", help="application JSON file, or - for standard input")
    p.add_argument("--today", type=dt.date.fromisoformat, help=argparse.SUPPRESS)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from forms.entitlement import application_from_json, decide

    data, issues = read_json(args.file)
    if issues:
        return fail(issues)
    app, issues = application_from_json(data, today=args.today)
    if app is None:
        return fail([i for i in issues if i.severity == "error"])
    emit(decide(app).to_json())
    return 0

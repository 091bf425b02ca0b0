"""``liangxian entitle FILE|-``: one maternity application (JSON) in, one decision (JSON) out."""

from __future__ import annotations

import argparse
import datetime as dt

from liangxian.jsonio import emit, fail, read_json

HELP = """\
Compute the maternity entitlement of one application by the region's policy pack.

Input (JSON object): region (lianyungang|lhasa), category (employee|flexible|volunteer|retiree;
volunteer exists in Lhasa only), event (birth|miscarriage), event_date (YYYY-MM-DD, not in the
future), babies (>= 1 for a birth), dystocia (bool), caesarean (bool, counts as dystocia unless the
pack says otherwise), gestation_weeks (completed weeks, "15" or "15+6"; required for a miscarriage),
employer_avg_monthly_wage (string decimal yuan, 用人单位上年度职工月平均工资; required for an employee),
contribution_months (consecutive months paid before the event; required for an employee),
insured_since (YYYY-MM-DD; an event before it is decided not eligible), optional filed_on
and leave_start.

Output (JSON): eligible, reasons (stable codes), leave_days, leave_breakdown [{code, days, source}],
allowance_days, daily_rate, allowance (strings, 2 decimals, half-up), medical_paid_by
(maternity|medical), rule ("<pack>/<version>": the latest rule date used).

Exit status: 0 when a decision was made (eligible or not); 2 with {"errors": [...]} for invalid
input, each error with code, field and messages in Chinese, Tibetan and English."""


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "entitle",
        help="compute a maternity entitlement from application JSON",
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

"""``liangxian stats``: the statistics indicators of a period (issue 12), as JSON, Excel or PDF."""

from __future__ import annotations

import argparse
import datetime as dt
import sys

HELP = """\
The statistics indicators (统计指标) of the counter database for a period (both days included), by
the definitions of forms/indicators.py (shared with the central server). Dates are business dates in
Asia/Shanghai; working days follow China's holiday calendar as the receipts' promise does.

JSON keys (stable):
  period {from, to}, as_of (the backlog's day: --to, or today if the period runs on), region, county
  received, received_by_claim {allowance, medical}, received_by_event {birth, miscarriage}
  approved, rejected, withdrawn, decided (approved + rejected): closed so during the period
  rejection_rate (rejected / decided, "0.2500"), top_rejection_reasons [{reason, count}] (top 5)
  pending: taken in by as_of and not closed by then; backlog_by_age {"0-5", "6-10", "11-20",
    "over_20"} by working days since intake
  within_limit, over_limit (decided within / over the promised working days), within_limit_share,
    average_working_days ("3.5"), days_to_decision {"working days": count}
  allowance_persons, allowance_cases, allowance_days, allowance_total, allowance_average,
    allowance_paid_count, allowance_paid_total, leave_days_distribution {"days": count}
  medical_cases, medical_amount, medical_average
  registrations {employee, flexible, retiree, volunteer}: new persons; new_employers
  by_clerk {user: {intake, decisions}}, by_counter {"540102-01": {intake, decisions}}
  by_month / by_county / by_category {key: {received, decided, approved, rejected, pending,
    allowance_total, medical_amount, registrations}}
Money is a decimal string in yuan ("1234.50"); rates and averages are decimal strings or null when
there is nothing to divide by. --xlsx, --csv and --pdf write the report (summary with this period,
year to date, same period last year and change; case ledger), readable by the owner only.
Errors: the JSON error envelope, exit 2."""


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "stats",
        help="statistics indicators for a period (JSON, Excel, CSV, monthly report PDF)",
        description=HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--db", required=True, metavar="PATH")
    p.add_argument("--from", dest="start", required=True, metavar="YYYY-MM-DD")
    p.add_argument("--to", dest="end", required=True, metavar="YYYY-MM-DD")
    p.add_argument("--county", metavar="CODE", help="one county (GB/T 2260 code); default: all")
    p.add_argument("--json", action="store_true", help="print the indicators as JSON")
    p.add_argument("--xlsx", metavar="FILE", help="write the Excel report")
    p.add_argument("--csv", metavar="FILE", help="write the report as CSV")
    p.add_argument("--pdf", metavar="FILE", help="write the monthly report PDF (A4 landscape)")
    p.set_defaults(func=run)


def _date(text: str, field: str):
    from forms.errors import ValidationFailed, error

    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise ValidationFailed([error("date.format", field)]) from None


def run(args: argparse.Namespace) -> int:
    from forms.errors import ValidationFailed, error
    from liangxian.jsonio import emit
    from liangxian.jsonio import guarded as _guarded

    def action() -> int:
        from forms.indicators import Period
        from localdb import open_store, stats

        start, end = _date(args.start, "from"), _date(args.end, "to")
        if end < start:
            raise ValidationFailed([error("stats.period_reversed", "to")])
        period = Period(start, end)
        open_store(args.db).close()  # our database, migrated; NotAStore / SchemaTooNew otherwise
        loaded = stats.indicators(args.db, period, args.county)
        if args.xlsx or args.csv or args.pdf:
            report = stats.report(args.db, period, args.county, today=loaded.today)
            if args.xlsx:
                from printing.stats_export import write_xlsx

                write_xlsx(report, args.xlsx)
            if args.csv:
                from printing.stats_export import write_csv

                write_csv(report, args.csv)
            if args.pdf:
                from printing.stats_pdf import write_pdf

                write_pdf(report, args.pdf)
        data = loaded.indicators.to_json()
        if args.json:
            emit(data)
        else:
            for key in (
                "received",
                "approved",
                "rejected",
                "pending",
                "allowance_persons",
                "allowance_total",
            ):
                sys.stdout.write(f"{key}\t{data[key]}\n")
        return 0

    return _guarded(action)

"""The statistics report as an Excel workbook (XlsxWriter) and as CSV.

The workbook has a summary sheet (汇总: a header block with the report name, office, period and
units; one row per indicator; columns this period / year to date / same period last year / change)
and a case ledger sheet (台账: one row per application taken in during the period). The files hold
personal data (names, ID numbers), so they are created readable by their owner only (0600).
"""

from __future__ import annotations

import csv
import io
import os
from decimal import Decimal
from pathlib import Path
from typing import Any

import i18n
from forms.stats_report import LedgerLine, StatsReport, label

OWNER_ONLY = 0o600


def write_private(path: Path | str, data: bytes) -> Path:
    """Write ``data`` to ``path`` readable and writable by its owner only (also when it existed)."""
    path = Path(path)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, OWNER_ONLY)
    try:
        os.fchmod(fd, OWNER_ONLY)
        with os.fdopen(fd, "wb") as fh:
            fd = -1
            fh.write(data)
    finally:
        if fd != -1:
            os.close(fd)
    return path


def _cell(value: Any, money: bool) -> Any:
    if value is None:
        return ""
    if money or isinstance(value, Decimal):
        return float(Decimal(str(value)))  # Excel has no decimal type; shown with 2 places
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return value
    return value


def ledger_headers(langs: tuple[str, ...]) -> list[str]:
    ids = [
        "stats.ledger.receipt_no",
        "field.id_number",
        "field.name_zh",
        "field.name_bo",
        "field.category",
        "field.claim_type",
        "field.event",
        "field.event_date",
        "stats.ledger.received_on",
        "stats.ledger.status",
        "stats.ledger.clerk",
        "stats.ledger.closed_on",
        "print.label.allowance_days",
        "stats.ledger.amount",
        "stats.ledger.documents",
    ]
    return [label(m, langs).replace("\n", " / ") for m in ids]


def ledger_values(line: LedgerLine, langs: tuple[str, ...]) -> list[Any]:
    def word(msgid: str) -> str:
        return " / ".join(i18n.gettext(msgid, lang) for lang in langs)

    return [
        line.receipt_no,
        line.id_number,
        line.name_zh,
        line.name_bo or "",
        word(f"category.{line.category}"),
        word(f"claim.{line.claim_type}"),
        word(f"event.{line.event}"),
        line.event_date.isoformat(),
        line.received_on.isoformat(),
        word(f"status.{line.status}"),
        line.clerk,
        line.closed_on.isoformat() if line.closed_on else "",
        line.allowance_days if line.claim_type == "allowance" and line.allowance_days is not None else "",
        format(line.amount, "f") if line.amount is not None else "",
        line.documents,
    ]


def xlsx_bytes(report: StatsReport) -> bytes:
    import xlsxwriter

    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True})
    title = wb.add_format({"bold": True, "font_size": 14, "text_wrap": True})
    head = wb.add_format({"bold": True, "border": 1, "bg_color": "#DDEBF7", "text_wrap": True})
    text = wb.add_format({"border": 1, "text_wrap": True, "valign": "vcenter"})
    num = wb.add_format({"border": 1, "num_format": "#,##0", "valign": "vcenter"})
    ratio = wb.add_format({"border": 1, "num_format": "0.0###", "valign": "vcenter"})
    money = wb.add_format({"border": 1, "num_format": "#,##0.00", "valign": "vcenter"})
    langs = report.languages

    ws = wb.add_worksheet(i18n.gettext("stats.sheet.summary", langs[-1]))
    ws.set_column(0, 0, 46)
    ws.set_column(1, 4, 18)
    ws.merge_range(0, 0, 0, 4, report.title, title)
    ws.set_row(0, 24 * len(langs))
    header_block = [
        (report.label("stats.report.office"), report.office),
        (report.label("stats.report.period"), report.period_text),
        (report.label("stats.report.generated", when=report.generated), report.units),
    ]
    for i, (k, v) in enumerate(header_block, start=1):
        ws.write(i, 0, k, text)
        ws.merge_range(i, 1, i, 4, v, text)
    top = len(header_block) + 2
    columns = [
        "stats.col.figure",
        "stats.col.this_period",
        "stats.col.year_to_date",
        "stats.col.last_year",
        "stats.col.change",
    ]
    for c, msgid in enumerate(columns):
        ws.write(top, c, report.label(msgid), head)
    ws.freeze_panes(top + 1, 1)
    for r, row in enumerate(report.summary, start=top + 1):
        fmt = money if row.money else ratio if isinstance(row.this_period, str) else num
        ws.write(r, 0, row.label, text)
        for c, v in enumerate((row.this_period, row.year_to_date, row.last_year, row.change), start=1):
            value = _cell(v, row.money)
            if isinstance(value, str):
                ws.write_string(r, c, value, text)
            else:
                ws.write_number(r, c, value, fmt)

    # the main counts by insured category (参保类别) and by county, this period
    r = top + len(report.summary) + 2
    group_cols = [
        "received",
        "decided",
        "approved",
        "rejected",
        "pending",
        "allowance_total",
        "medical_amount",
    ]
    group_heads = [
        "stats.series.received",
        "stats.series.decided",
        "stats.fig.approved",
        "stats.fig.rejected",
        "stats.series.backlog",
        "stats.fig.allowance_total",
        "stats.fig.medical_amount",
    ]
    ws.set_column(5, 7, 18)
    data = report.this.to_json()
    for heading, table, name_of in (
        ("field.category", data["by_category"], lambda k: label(f"category.{k}", langs) if k else "—"),
        ("field.county_code", data["by_county"], str),
    ):
        ws.write(r, 0, report.label(heading), head)
        for c, msgid in enumerate(group_heads, start=1):
            ws.write(r, c, report.label(msgid), head)
        r += 1
        for key, row in table.items():
            ws.write(r, 0, name_of(key), text)
            for c, col in enumerate(group_cols, start=1):
                money_col = col in ("allowance_total", "medical_amount")
                ws.write_number(r, c, float(Decimal(str(row[col]))), money if money_col else num)
            r += 1
        r += 1

    led = wb.add_worksheet(i18n.gettext("stats.sheet.ledger", langs[-1]))
    headers = ledger_headers(langs)
    for c, h in enumerate(headers):
        led.write(0, c, h, head)
    led.set_column(0, 0, 26)
    led.set_column(1, 1, 21)
    led.set_column(2, len(headers) - 1, 14)
    led.freeze_panes(1, 0)
    for r, line in enumerate(report.ledger, start=1):
        for c, v in enumerate(ledger_values(line, langs)):
            if c == 13 and v != "":
                led.write_number(r, c, float(Decimal(v)), money)
            elif isinstance(v, int):
                led.write_number(r, c, v, num)
            else:
                led.write_string(r, c, str(v), text)
    led.autofilter(0, 0, max(1, len(report.ledger)), len(headers) - 1)
    wb.close()
    return buf.getvalue()


def write_xlsx(report: StatsReport, path: Path | str) -> Path:
    return write_private(path, xlsx_bytes(report))


def csv_text(report: StatsReport) -> str:
    """The summary (one row per indicator) followed by a blank line and the ledger."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(["figure", "label", "this_period", "year_to_date", "last_year", "change"])
    for row in report.summary:
        w.writerow(
            [
                row.figure,
                row.label.replace("\n", " / ").strip(),
                *("" if v is None else v for v in (row.this_period, row.year_to_date, row.last_year)),
                row.change or "",
            ]
        )
    w.writerow([])
    w.writerow(ledger_headers(report.languages))
    for line in report.ledger:
        w.writerow(ledger_values(line, report.languages))
    return buf.getvalue()


def write_csv(report: StatsReport, path: Path | str) -> Path:
    # UTF-8 with a byte-order mark: Excel on a Chinese Windows opens it as UTF-8 only then
    return write_private(path, ("\ufeff" + csv_text(report)).encode("utf-8"))

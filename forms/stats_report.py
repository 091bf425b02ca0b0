"""The statistics report as a value (统计报表): what the Excel workbook, the CSV file and the monthly
report PDF show, built from three sets of indicators (this period, year to date, same period last
year) and the case ledger (台账). The writers in ``printing/`` only lay it out.

Labels are in the region's languages in the region's order (Lhasa: Tibetan first, then Chinese),
joined by a line break where there are two.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import i18n
from forms.indicators import MONEY_FIGURES, SUMMARY_ROWS, Indicators, change, figure


@dataclass(frozen=True)
class LedgerLine:
    """One application in the case ledger (台账), the drill-down lists and the end-of-day list."""

    receipt_no: str
    id_number: str
    name_zh: str
    name_bo: str | None
    category: str
    claim_type: str
    event: str
    event_date: dt.date
    received_on: dt.date
    status: str
    clerk: str
    closed_on: dt.date | None
    allowance_days: int | None
    allowance: Decimal | None
    medical_amount: Decimal | None
    documents: int

    @property
    def amount(self) -> Decimal | None:
        return self.allowance if self.claim_type == "allowance" else self.medical_amount


@dataclass(frozen=True)
class SummaryRow:
    figure: str  # the figure path in the JSON (``received``, ``backlog_by_age.6-10``)
    label: str
    this_period: Any
    year_to_date: Any
    last_year: Any
    change: str | None
    money: bool


@dataclass(frozen=True)
class StatsReport:
    title: str
    office: str
    period_text: str
    units: str
    languages: tuple[str, ...]
    summary: tuple[SummaryRow, ...]
    months: tuple[tuple[str, dict[str, Any]], ...]
    ledger: tuple[LedgerLine, ...]
    this: Indicators
    generated: str

    def label(self, msgid: str, **params: Any) -> str:
        return label(msgid, self.languages, **params)


def label(msgid: str, languages: tuple[str, ...], **params: Any) -> str:
    """``msgid`` in each of ``languages``, one per line (leading spaces of sub-rows kept once)."""
    texts = [i18n.gettext(msgid, lang, **params) for lang in languages]
    indent = "  " if texts and texts[0].startswith("  ") else ""
    return indent + "\n".join(t.strip() for t in texts)


def languages_of(region: str) -> tuple[str, ...]:
    from forms.policy import load_pack

    try:
        return tuple(load_pack(region).languages) or ("zh",)
    except (KeyError, FileNotFoundError, ValueError):
        return ("zh",)


def summary_rows(
    this: Indicators, ytd: Indicators, last_year: Indicators, languages: tuple[str, ...]
) -> tuple[SummaryRow, ...]:
    out = []
    for path in SUMMARY_ROWS:
        now, before = figure(this, path), figure(last_year, path)
        out.append(
            SummaryRow(
                path,
                label(f"stats.fig.{path}", languages),
                now,
                figure(ytd, path),
                before,
                change(now, before),
                path in MONEY_FIGURES,
            )
        )
    return tuple(out)


def build(
    this: Indicators,
    ytd: Indicators,
    last_year: Indicators,
    ledger: list[LedgerLine],
    *,
    office: str,
    generated: str,
    languages: tuple[str, ...] | None = None,
) -> StatsReport:
    langs = languages or languages_of(this.region)
    p = this.period
    return StatsReport(
        title=label("stats.report.title", langs),
        office=office,
        period_text=f"{p.start.isoformat()} – {p.end.isoformat()}",
        units=label("stats.report.units", langs),
        languages=langs,
        summary=summary_rows(this, ytd, last_year, langs),
        months=tuple(this.to_json()["by_month"].items()),
        ledger=tuple(ledger),
        this=this,
        generated=generated,
    )

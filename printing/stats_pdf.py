"""The monthly statistics report (统计月报) as a PDF: A4 landscape, the receipts' fonts (shaped
Tibetan, Droid Sans Fallback, Noto Sans), charts drawn on the ReportLab canvas, sign-off lines for
the preparer (制表人), reviewer (审核人) and head of office (负责人).

Page 1: the header block and the indicator table (this period, year to date, same period last year,
change) in two columns. Page 2: four charts — monthly received / decided / backlog; amounts by
benefit; working days to decision with the promised limit; new registrations by category — the
monthly table and the sign-off lines.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

from reportlab.lib.pagesizes import A4, landscape
from reportlab.pdfgen.canvas import Canvas

import i18n
from forms.indicators import RATIO_FIGURES
from forms.stats_report import StatsReport
from printing.stats_export import write_private
from printing.text import Style, Typesetter, shared_typesetter

PAGE_W, PAGE_H = landscape(A4)
MARGIN = 36.0
BLACK = (0.0, 0.0, 0.0)
GREY = (0.45, 0.45, 0.45)
LIGHT = (0.85, 0.85, 0.85)
SERIES = ((0.16, 0.38, 0.66), (0.90, 0.55, 0.15), (0.55, 0.55, 0.55), (0.25, 0.60, 0.35))
LIMIT_RED = (0.80, 0.10, 0.10)


class _Pen:
    """Text on the canvas through the shared typesetter (mixed scripts, shaped Tibetan)."""

    def __init__(self, c: Canvas, ts: Typesetter):
        self.c, self.ts = c, ts

    def width(self, text: str, size: float, bold: bool = False) -> float:
        return max((ln.width for ln in self.ts.wrap(text, Style(size, bold), 10_000)), default=0.0)

    def text(
        self,
        x: float,
        top: float,
        text: str,
        size: float,
        *,
        bold: bool = False,
        align: str = "left",
        width: float = 10_000,
        color: tuple[float, float, float] = BLACK,
    ) -> float:
        """Draw ``text`` (wrapped to ``width``) with its first line's top at ``top``; returns the
        height used."""
        style = Style(size, bold, color)
        y = top
        for line in self.ts.wrap(text, style, width):
            h = max(line.height, size * 1.15)
            lx = x
            if align == "right":
                lx = x - line.width
            elif align == "center":
                lx = x - line.width / 2
            self.ts.draw_line(self.c, lx, y - line.ascent, line, style)
            y -= h
        return top - y


def _fmt(value: Any, money: bool) -> str:
    if value is None or value == "":
        return "—"
    if money:
        return f"{Decimal(str(value)):,.2f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def _summary_table(pen: _Pen, report: StatsReport, top: float) -> float:
    rows = report.summary
    half = (len(rows) + 1) // 2
    col_w = (PAGE_W - 2 * MARGIN - 18) / 2
    size = 6.8 if len(report.languages) > 1 else 8.5
    heads = [report.label(m) for m in ("stats.col.figure", "stats.col.this_period", "stats.col.year_to_date")]
    heads += [report.label(m) for m in ("stats.col.last_year", "stats.col.change")]
    fracs = (0.44, 0.14, 0.14, 0.14, 0.14)
    bottom = top
    for part, chunk in enumerate((rows[:half], rows[half:])):
        x0 = MARGIN + part * (col_w + 18)
        xs = [x0]
        for f in fracs:
            xs.append(xs[-1] + f * col_w)
        y = top
        head_h = max(
            pen.text(xs[i] + 2, y - 2, h, size, bold=True, width=xs[i + 1] - xs[i] - 4)
            for i, h in enumerate(heads)
        )
        y -= head_h + 4
        pen.c.setStrokeColorRGB(*BLACK)
        pen.c.setLineWidth(0.8)
        pen.c.line(x0, y, xs[-1], y)
        for row in chunk:
            label_h = pen.text(xs[0] + 2, y - 2, row.label, size, width=xs[1] - xs[0] - 4)
            values = (row.this_period, row.year_to_date, row.last_year, row.change)
            for i, v in enumerate(values, start=1):
                money = row.money and i < 4
                text = _fmt(v, money) if row.figure not in RATIO_FIGURES or i == 4 else _fmt(v, False)
                pen.text(xs[i + 1] - 3, y - 2, text, size, align="right")
            y -= max(label_h, size * 1.3) + 1.5
            pen.c.setStrokeColorRGB(*LIGHT)
            pen.c.setLineWidth(0.4)
            pen.c.line(x0, y, xs[-1], y)
        bottom = min(bottom, y)
    return top - bottom


def _nice_max(value: float) -> float:
    if value <= 0:
        return 1.0
    exp = 10 ** (len(str(int(value))) - 1)
    for step in (1, 2, 4, 5, 10):  # top / 4 stays a round number (the axis has 4 steps)
        if value <= step * exp:
            return step * exp
    return 10 * exp  # pragma: no cover


def bar_chart(
    pen: _Pen,
    x: float,
    y: float,
    w: float,
    h: float,
    title: str,
    groups: Sequence[tuple[str, Sequence[float]]],
    series: Sequence[str],
    *,
    limit: tuple[float, str] | None = None,
) -> None:
    """Grouped vertical bars inside the box (x, y bottom-left, w, h): a title, a value axis with
    gridlines, one group per category label, a legend; ``limit`` draws a vertical dashed line after
    the group whose position is given (the promised-limit line of the histogram)."""
    c = pen.c
    title_h = pen.text(x, y + h, title, 8.5, bold=True, width=w)
    legend_h = 12.0 if len(series) > 1 or limit else 0.0
    label_h = 12.0
    left = 34.0
    px, py = x + left, y + label_h + legend_h
    pw, ph = w - left - 4, h - title_h - label_h - legend_h - 6
    top_value = max(4.0, _nice_max(max((max(vals, default=0) for _, vals in groups), default=0)))
    c.setLineWidth(0.3)
    for i in range(5):
        gy = py + ph * i / 4
        c.setStrokeColorRGB(*LIGHT)
        c.line(px, gy, px + pw, gy)
        value = top_value * i / 4
        tick = f"{value:,.0f}" if value == int(value) else f"{value:,.1f}"
        pen.text(px - 3, gy + 3.5, tick, 6, align="right", color=GREY)
    c.setStrokeColorRGB(*BLACK)
    c.line(px, py, px + pw, py)
    n = max(1, len(groups))
    gw = pw / n
    bw = gw * 0.8 / max(1, len(series))
    step = max(1, n // 12)  # at most about 12 labels under the axis
    for gi, (name, vals) in enumerate(groups):
        gx = px + gi * gw + gw * 0.1
        for si, v in enumerate(vals):
            c.setFillColorRGB(*SERIES[si % len(SERIES)])
            bh = ph * (float(v) / top_value) if top_value else 0
            c.rect(gx + si * bw, py, bw, bh, stroke=0, fill=1)
        if gi % step == 0:
            pen.text(px + gi * gw + gw / 2, py - 2, name, 6, align="center")
    if limit is not None:
        pos = limit[0]
        lx = px + pos * gw
        c.setStrokeColorRGB(*LIMIT_RED)
        c.setLineWidth(1)
        c.setDash(3, 2)
        c.line(lx, py, lx, py + ph)
        c.setDash()
    lx = px
    ly = y + legend_h - 2
    for si, s in enumerate(series if len(series) > 1 else ()):
        c.setFillColorRGB(*SERIES[si % len(SERIES)])
        c.rect(lx, ly - 7, 7, 7, stroke=0, fill=1)
        lx += 10 + pen.width(s, 6.5) + 10
        pen.text(lx - pen.width(s, 6.5) - 10, ly, s, 6.5)
    if limit is not None:
        c.setStrokeColorRGB(*LIMIT_RED)
        c.setDash(3, 2)
        c.line(lx, ly - 3.5, lx + 12, ly - 3.5)
        c.setDash()
        pen.text(lx + 15, ly, limit[1], 6.5)


def _word(msgid: str, langs: tuple[str, ...]) -> str:
    return " ".join(i18n.gettext(msgid, lang).strip().rstrip("།") for lang in langs)


def _charts(pen: _Pen, report: StatsReport, top: float, height: float) -> None:
    ind = report.this
    langs = report.languages
    w = (PAGE_W - 2 * MARGIN - 3 * 14) / 4
    y = top - height
    monthly = [(m[5:7], [row["received"], row["decided"], row["pending"]]) for m, row in report.months]
    series = [_word(f"stats.series.{k}", langs) for k in ("received", "decided", "backlog")]
    x = MARGIN
    bar_chart(pen, x, y, w, height, report.label("stats.chart.monthly"), monthly, series)
    x += w + 14
    amounts = [
        (_word("claim.allowance", langs[-1:]), [float(ind.allowance_total)]),
        (_word("status.paid", langs[-1:]), [float(ind.allowance_paid_total)]),
        (_word("claim.medical", langs[-1:]), [float(ind.medical_amount)]),
    ]
    bar_chart(pen, x, y, w, height, report.label("stats.chart.amounts"), amounts, ["yuan"])
    x += w + 14
    limit_days = _promised(report)
    top_day = max([*ind.days_to_decision, limit_days + 2])
    hist = [(str(d), [ind.days_to_decision.get(d, 0)]) for d in range(top_day + 1)]
    limit_text = report.label("stats.chart.limit", days=limit_days).replace("\n", " ")
    bar_chart(
        pen,
        x,
        y,
        w,
        height,
        report.label("stats.chart.days"),
        hist,
        ["n"],
        limit=(limit_days + 1, limit_text),
    )
    x += w + 14
    cats = sorted(set(ind.registrations) | {"employee", "flexible", "retiree"})
    regs = [(_word(f"category.{k}", langs[-1:]), [ind.registrations.get(k, 0)]) for k in cats]
    bar_chart(pen, x, y, w, height, report.label("stats.chart.registrations"), regs, ["n"])


def _promised(report: StatsReport) -> int:
    from forms.indicators import promised_days_for

    try:
        return promised_days_for(report.this.region)(report.this.period.end)
    except (KeyError, LookupError):
        return 10


def _monthly_table(pen: _Pen, report: StatsReport, top: float) -> float:
    cols = ["stats.report.month", "stats.series.received", "stats.series.decided", "stats.fig.approved"]
    cols += [
        "stats.fig.rejected",
        "stats.series.backlog",
        "stats.fig.allowance_total",
        "stats.fig.medical_amount",
    ]
    keys = ["received", "decided", "approved", "rejected", "pending", "allowance_total", "medical_amount"]
    width = PAGE_W - 2 * MARGIN
    cw = width / len(cols)
    size = 7
    pen.text(MARGIN, top, report.label("stats.report.monthly_table"), 8.5, bold=True)
    y = top - 14 * len(report.languages)
    head_h = max(
        pen.text(
            MARGIN + i * cw + (2 if i == 0 else cw - 3),
            y,
            report.label(m).replace("\n", " / "),
            size,
            bold=True,
            width=cw - 4,
            align="left" if i == 0 else "right",
        )
        for i, m in enumerate(cols)
    )
    y -= head_h + 2
    pen.c.setStrokeColorRGB(*BLACK)
    pen.c.setLineWidth(0.6)
    pen.c.line(MARGIN, y, MARGIN + width, y)
    for month, row in report.months:
        pen.text(MARGIN + 2, y - 2, month, size)
        for i, k in enumerate(keys, start=1):
            pen.text(
                MARGIN + (i + 1) * cw - 3,
                y - 2,
                _fmt(row[k], k in ("allowance_total", "medical_amount")),
                size,
                align="right",
            )
        y -= size * 1.45
    return top - y


def _sign_off(pen: _Pen, report: StatsReport, bottom: float) -> None:
    roles = ("stats.report.prepared_by", "stats.report.reviewed_by", "stats.report.head")
    w = (PAGE_W - 2 * MARGIN) / 4
    for i, msgid in enumerate((*roles, "stats.report.signed_on")):
        x = MARGIN + i * w
        text = report.label(msgid).replace("\n", " ") + "："
        used = pen.width(text, 8.5)
        pen.text(x, bottom + 12, text, 8.5)
        pen.c.setStrokeColorRGB(*BLACK)
        pen.c.setLineWidth(0.5)
        pen.c.line(x + used + 2, bottom, x + w - 14, bottom)


def _header(pen: _Pen, report: StatsReport, page: int, pages: int) -> float:
    top = PAGE_H - MARGIN
    used = pen.text(PAGE_W / 2, top, report.title, 14, bold=True, align="center")
    y = top - used - 4
    line = "    ".join(
        [
            f"{report.label('stats.report.office').replace(chr(10), ' / ')}：{report.office}",
            f"{report.label('stats.report.period').replace(chr(10), ' / ')}：{report.period_text}",
            report.units.replace("\n", " / "),
        ]
    )
    y -= pen.text(MARGIN, y, line, 8)
    footer = f"{report.label('stats.report.generated', when=report.generated).replace(chr(10), ' / ')}    {page}/{pages}"
    pen.text(PAGE_W - MARGIN, MARGIN / 2 + 8, footer, 6.5, align="right", color=GREY)
    return y - 8


def pdf_bytes(report: StatsReport) -> bytes:
    ts = shared_typesetter()
    buf = io.BytesIO()
    c = Canvas(buf, pagesize=(PAGE_W, PAGE_H), pageCompression=1, invariant=1, initialFontName=ts.faces.latin)
    c.setTitle(report.title.replace("\n", " / "))
    c.setSubject(report.period_text)
    c.setCreator("liangxian")
    pen = _Pen(c, ts)
    top = _header(pen, report, 1, 2)
    _summary_table(pen, report, top)
    c.showPage()
    top = _header(pen, report, 2, 2)
    chart_h = 190.0
    _charts(pen, report, top, chart_h)
    _monthly_table(pen, report, top - chart_h - 16)
    _sign_off(pen, report, MARGIN + 14)
    c.showPage()
    c.save()
    return buf.getvalue()


def write_pdf(report: StatsReport, path: Path | str) -> Path:
    return write_private(path, pdf_bytes(report))

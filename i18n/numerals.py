"""Chinese capital numerals for amounts (大写金额), as printed on payment slips.

Follows the usual banking rules (GB/T and 《支付结算办法》 practice): 零 for skipped places inside a
section, 元整 when there are no jiao/fen, ``零`` between yuan and fen when jiao is zero.
Example: 25600.00 → 贰万伍仟陆佰元整; 1005.30 → 壹仟零伍元叁角; 0.05 → 伍分.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

DIGITS = "零壹贰叁肆伍陆柒捌玖"
SMALL_UNITS = ("", "拾", "佰", "仟")
BIG_UNITS = ("", "万", "亿", "万亿")


def _section(n: int) -> str:
    """A 4-digit section (0–9999) with 零 folding; no leading 零."""
    out = ""
    zero = False
    for pos in range(3, -1, -1):
        d = (n // 10**pos) % 10
        if d == 0:
            zero = bool(out)
            continue
        if zero:
            out += "零"
            zero = False
        out += DIGITS[d] + SMALL_UNITS[pos]
    return out


def _integer(n: int) -> str:
    if n == 0:
        return ""
    sections = []
    while n:
        sections.append(n % 10000)
        n //= 10000
    out = ""
    need_zero = False
    for idx in range(len(sections) - 1, -1, -1):
        sec = sections[idx]
        if sec == 0:
            need_zero = bool(out)
            continue
        if out and (need_zero or sec < 1000):
            out += "零"
        out += _section(sec) + BIG_UNITS[idx]
        need_zero = False
    return out


def capital_amount(amount: Decimal) -> str:
    """Amount in yuan → capital numerals, e.g. ``Decimal("25600")`` → ``贰万伍仟陆佰元整``."""
    if amount < 0:
        return "负" + capital_amount(-amount)
    cents = int((amount.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP) * 100).to_integral_value())
    yuan, rest = divmod(cents, 100)
    jiao, fen = divmod(rest, 10)
    head = _integer(yuan)
    if not head and not rest:
        return "零元整"
    out = head + "元" if head else ""
    if jiao == 0 and fen == 0:
        return out + "整"
    if jiao:
        out += DIGITS[jiao] + "角"
    elif head:
        out += "零"
    if fen:
        out += DIGITS[fen] + "分"
    return out

"""Chinese capital numerals for amounts (大写金额) on payment slips, per the banking rules of
《支付结算办法》附件《正确填写票据和结算凭证的基本规定》: 整 after 元, none after 角/分, 零 for gaps."""

from __future__ import annotations

from decimal import Decimal

import pytest

from i18n.numerals import capital_amount


@pytest.mark.parametrize(
    ("amount", "text"),
    [
        pytest.param("25600", "贰万伍仟陆佰元整", id="25600"),
        pytest.param("25600.00", "贰万伍仟陆佰元整", id="25600.00"),
        pytest.param("1005.30", "壹仟零伍元叁角", id="zero-inside-and-jiao"),
        pytest.param("100000", "壹拾万元整", id="shi-wan-written-with-yi"),
        pytest.param("10", "壹拾元整", id="ten"),
        pytest.param("0", "零元整", id="zero"),
        pytest.param("0.05", "伍分", id="fen-only"),
        pytest.param("0.50", "伍角", id="jiao-only"),
        pytest.param("1000.05", "壹仟元零伍分", id="zero-jiao-before-fen"),
        pytest.param("100100", "壹拾万零壹佰元整", id="zero-across-wan"),
        pytest.param("1000001", "壹佰万零壹元整", id="many-zeros-one-ling"),
        pytest.param("100000000", "壹亿元整", id="yi"),
        pytest.param("19600.00", "壹万玖仟陆佰元整", id="lhasa-98-days-at-6000"),
        pytest.param("31600.00", "叁万壹仟陆佰元整", id="jiangsu-158-days-at-6000"),
        pytest.param("34460.91", "叁万肆仟肆佰陆拾元玖角壹分", id="jiangsu-158-days-at-6543.21"),
        pytest.param("3000.01", "叁仟元零壹分", id="half-up-case"),
        pytest.param("1680.32", "壹仟陆佰捌拾元叁角贰分", id="yuan-place-zero-jiao-nonzero"),
        pytest.param("0.005", "壹分", id="rounds-half-up"),
    ],
)
def test_capital_amount(amount: str, text: str) -> None:
    assert capital_amount(Decimal(amount)) == text


def test_negative_amount() -> None:
    assert capital_amount(Decimal("-3.20")) == "负叁元贰角"

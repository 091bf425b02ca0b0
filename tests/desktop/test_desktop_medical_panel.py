"""The entitlement panel decides a medical-cost claim (生育医疗费用) as the clerk types: the amount
approved against the region's per-case standard (Lhasa 3,600 yuan, 藏人社办〔2011〕101号), the paying
fund, the settlement codes and the reasons, in Chinese and Tibetan, and everything fits the panel."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint
from PySide6.QtWidgets import QScrollArea

pytestmark = pytest.mark.gui

CLAIM = {
    "claim_type": "medical",
    "category": "employee",
    "event": "birth",
    "event_date": "2026-05-20",
    "medical_amount": "4200.00",
}


def _shown(panel) -> dict[str, str]:
    """The values the panel shows now, by name (not those of an earlier result awaiting deletion)."""
    labels = [panel.totals.itemAt(i).widget() for i in range(panel.totals.count())]
    return {label.objectName(): label.text() for label in labels if label.objectName()}


def _value(panel, msgid: str) -> str:
    return _shown(panel)[msgid.replace(".", "_")]


def _fits(panel) -> None:
    area = panel.parentWidget().parentWidget()
    assert isinstance(area, QScrollArea)
    viewport = area.viewport()
    assert panel.width() <= viewport.width()
    labels = [panel.status, panel.reasons, panel.rule]
    labels += [panel.totals.itemAt(i).widget() for i in range(panel.totals.count())]
    for label in (x for x in labels if x.text()):
        left = label.mapTo(viewport, QPoint(0, 0)).x()
        assert 0 <= left and left + label.width() <= viewport.width(), label.text()
        if label.wordWrap():
            assert label.height() >= label.heightForWidth(label.width()), label.text()


@pytest.mark.parametrize("lang", ["zh", "bo"])
def test_lhasa_medical_claim_is_decided_as_the_clerk_types(qtbot, open_window, lang: str) -> None:
    window = open_window("clerk", "lhasa", lang)
    page = window.page("applications")
    page.form.set_values(CLAIM)
    panel = page.panel
    qtbot.waitUntil(
        lambda: panel.decision is not None and panel.decision.claim_type == "medical", timeout=10_000
    )
    assert panel.decision.medical_amount_approved == 3600
    assert "3,600.00" in _value(panel, "ui.entitlement.medical_approved")
    assert "3,600.00" in _value(panel, "ui.entitlement.medical_standard")
    assert "52" in _value(panel, "ui.entitlement.settlement_code")
    assert "510" in _value(panel, "ui.entitlement.settlement_code")
    assert "3600.00" in panel.reasons.text()  # the part above the standard is not paid
    qtbot.waitUntil(lambda: _fits(panel), timeout=3_000)

    # the clerk corrects the amount: decided again at once, below the standard nothing is cut
    page.form.set_values({**CLAIM, "medical_amount": "2980.50"})
    qtbot.waitUntil(lambda: panel.decision is not None and panel.decision.medical_amount_approved == 2980.5)
    assert "2,980.50" in _value(panel, "ui.entitlement.medical_approved")
    assert panel.reasons.text() == ""


def test_lianyungang_flexible_worker_claim_shows_the_medical_fund(qtbot, open_window) -> None:
    window = open_window("clerk", "lianyungang", "zh")
    page = window.page("applications")
    page.form.set_values({**CLAIM, "category": "flexible"})
    panel = page.panel
    qtbot.waitUntil(
        lambda: panel.decision is not None and panel.decision.claim_type == "medical", timeout=10_000
    )
    assert _value(panel, "ui.entitlement.medical_paid_by") == "职工基本医疗保险基金"
    assert "310" in _value(panel, "ui.entitlement.settlement_code")
    assert "4,200.00" in _value(panel, "ui.entitlement.medical_approved")
    assert "ui_entitlement_medical_standard" not in _shown(panel)  # no per-case standard

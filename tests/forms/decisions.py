"""What every eligible decision of the regional entitlement tables must show, in one place."""

from __future__ import annotations

import re


def assert_eligible_decision(
    out: dict,
    region: str,
    leave_days: int,
    breakdown: list[tuple[str, int]],
    allowance_days: int,
    daily_rate: str,
    allowance: str,
) -> None:
    assert out["eligible"] is True
    assert out["reasons"] == []
    assert out["leave_days"] == leave_days
    assert [(line["code"], line["days"]) for line in out["leave_breakdown"]] == breakdown
    assert sum(line["days"] for line in out["leave_breakdown"]) == leave_days
    assert out["allowance_days"] == allowance_days
    assert out["daily_rate"] == daily_rate
    assert out["allowance"] == allowance
    assert out["medical_paid_by"] == "maternity"
    assert re.fullmatch(rf"{region}/\d{{4}}-\d{{2}}-\d{{2}}", out["rule"])

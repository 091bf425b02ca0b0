"""One business clock: receipt numbers, filing dates, printed dates and "today" are China's business
date (Asia/Shanghai, also Lhasa's official time) whatever the machine's time zone. Each test runs the
write and print paths with the process time zone set to UTC, UTC−12 and UTC+14 (the extremes), where
the machine's own date differs from China's for hours every day."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import time
from collections.abc import Iterator

import pytest

from forms.clock import CHINA_TZ, business_date, business_today, china_time
from tests.support.store_data import ROOT, application_data, person_data

ZONES = ("UTC", "Etc/GMT+12", "Etc/GMT-14")


def china_dates() -> set[dt.date]:
    """China's date now, computed without the local zone (two values across a midnight)."""
    now = dt.datetime.now(dt.UTC) + dt.timedelta(hours=8)
    return {now.date(), (now + dt.timedelta(seconds=30)).date()}


@pytest.fixture(params=ZONES)
def machine_zone(request, monkeypatch) -> Iterator[str]:
    monkeypatch.setenv("TZ", request.param)
    time.tzset()
    try:
        yield request.param
    finally:
        monkeypatch.undo()
        time.tzset()


def test_business_today_is_chinas_date_in_any_machine_zone(machine_zone) -> None:
    assert business_today() in china_dates()
    assert business_today() == dt.datetime.now(CHINA_TZ).date()


def test_a_stored_utc_stamp_is_shown_on_its_china_date() -> None:
    # 17:30 UTC on 1 December is 01:30 on 2 December in Beijing and Lhasa
    assert business_date("2026-12-01T17:30:00.000000Z") == dt.date(2026, 12, 2)
    assert china_time("2026-12-01T17:30:00.000000Z").hour == 1


def test_a_subprocess_in_another_zone_agrees() -> None:
    for zone in ZONES:
        out = subprocess.run(
            [sys.executable, "-c", "from forms.clock import business_today; print(business_today())"],
            cwd=ROOT,
            env={**os.environ, "TZ": zone, "PYTHONPATH": str(ROOT)},
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        assert dt.date.fromisoformat(out) in china_dates(), zone


def test_receipt_number_filing_date_and_printed_date_are_chinas(
    machine_zone, tmp_path, memory_keyring
) -> None:
    import localdb
    from liangxian import printjobs as cmd
    from tests.support.store_data import employer_data

    store = localdb.init_store(
        tmp_path / "c.db",
        region="lhasa",
        county_code="540102",
        counter_no=3,
        admin_username="boss",
        admin_password=None,
    )
    try:
        boss = store.service("boss")  # no fixed "today": the service's own clock
        boss.add_user("clerk1", "clerk", None)
        clerk = store.service("clerk1")
        boss.register_employer(employer_data())
        clerk.register_person(person_data())
        app = clerk.create_application(application_data(event_date="2026-09-01"))
        day = dt.date.fromisoformat(app["form"]["filed_on"])
        assert day in china_dates()
        assert app["receipt_no"].split("-")[2] == day.strftime("%Y%m%d")
        doc = cmd.document_from_store(
            store, "receipt", app["id"], clerk="clerk1", reprint=0, today=business_today()
        )
        assert doc.received_on == day and doc.header.issued_on == day
        # the desktop's lists show the stored UTC time stamp on the same China date
        from desktop import fmt

        assert fmt.date(app["created_at"], "zh") == fmt.date(day, "zh")
    finally:
        store.close()

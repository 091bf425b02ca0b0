"""The statistics loader (localdb/stats.py) and ``liangxian stats`` on a real counter database.

The store stamps records with the wall clock; the test moves the stamps of its records to fixed
moments of November 2026 with plain SQL (the data set as if taken in on those days), then reads
them back through the loader and the CLI. November 2026 has no public holidays. Hand computation:

| app | person | claim     | taken in (UTC → Shanghai)         | closed                     | wd |
|-----|--------|-----------|-----------------------------------|----------------------------|----|
| X1  | P1     | allowance | 11-02 01:00Z → 11-02              | approved 11-06 (rev1)      | 4  |
| X2  | P2     | medical   | 11-09 01:00Z → 11-09              | rejected 11-25 材料不全    | 12 |
| X3  | P3     | medical   | 11-23 16:30Z → 11-24 00:30        | open: 4 wd on 11-30 → 0-5  |    |
| X4  | P1     | medical   | 10-31 17:00Z → 11-01 01:00        | open: 21 wd → over_20      |    |
| X5  | P2     | allowance | 11-30 16:00Z → 12-01 (not in Nov) | open                       |    |

received 4 (X1–X4), approved 1, rejected 1, pending 2, within 1 / over 1, average (4+12)/2 = 8.0;
registrations: P1 and P2 (employees) on 11-02, P3 in October; the employer on 11-03.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sqlite3
from decimal import Decimal
from pathlib import Path

import pytest

from forms.indicators import Period
from liangxian.cli import main
from localdb import stats
from tests.support.store_data import TODAY, application_data, id_number, person_data
from tests.support.xlsx_read import load_xlsx_cells

NOV = Period(dt.date(2026, 11, 1), dt.date(2026, 11, 30))


def _stamp(db: Path, sql: str, *params: object) -> None:
    conn = sqlite3.connect(db)
    try:
        conn.execute(sql, params)
        conn.commit()
    finally:
        conn.close()


@pytest.fixture
def november(store) -> dict[str, object]:
    clerk = store.service("clerk1", today=TODAY)
    rev = store.service("rev1", today=TODAY)
    p = {}
    for key, seq, category in (("P1", 2, "employee"), ("P2", 4, "employee"), ("P3", 6, "flexible")):
        data = person_data(id_number=id_number(seq=seq), category=category)
        if category == "flexible":
            data.pop("employer_uscc")
        p[key] = clerk.register_person(data)
    a = {
        "X1": clerk.create_application(
            application_data(id_number=p["P1"]["id_number"], event_date="2026-10-20")
        ),
        "X2": clerk.create_application(
            application_data(
                id_number=p["P2"]["id_number"],
                claim_type="medical",
                event_date="2026-10-25",
                medical_amount="3600.00",
            )
        ),
        "X3": clerk.create_application(
            application_data(
                id_number=p["P3"]["id_number"],
                claim_type="medical",
                event_date="2026-11-01",
                medical_amount="2000.00",
            )
        ),
        "X4": clerk.create_application(
            application_data(
                id_number=p["P1"]["id_number"],
                claim_type="medical",
                event_date="2026-10-20",
                medical_amount="1500.00",
            )
        ),
        "X5": clerk.create_application(
            application_data(id_number=p["P2"]["id_number"], event_date="2026-10-25")
        ),
    }
    for key in ("X1", "X2", "X4"):
        rev.start_review(a[key]["id"])
    rev.approve(a["X1"]["id"])
    rev.reject(a["X2"]["id"], "材料不全")
    db = store.path
    store.close()
    taken = {
        "X1": "2026-11-02T01:00:00.000000Z",
        "X2": "2026-11-09T01:00:00.000000Z",
        "X3": "2026-11-23T16:30:00.000000Z",
        "X4": "2026-10-31T17:00:00.000000Z",
        "X5": "2026-11-30T16:00:00.000000Z",
    }
    for key, at in taken.items():
        _stamp(db, "UPDATE applications SET created_at = ? WHERE id = ?", at, a[key]["id"])
        _stamp(
            db,
            "UPDATE status_changes SET at = ? WHERE application_id = ? AND to_status IN ('received', 'under_review')",
            at,
            a[key]["id"],
        )
    _stamp(
        db,
        "UPDATE status_changes SET at = ? WHERE application_id = ? AND to_status = 'approved'",
        "2026-11-06T03:00:00.000000Z",
        a["X1"]["id"],
    )
    _stamp(
        db,
        "UPDATE status_changes SET at = ? WHERE application_id = ? AND to_status = 'rejected'",
        "2026-11-25T03:00:00.000000Z",
        a["X2"]["id"],
    )
    for key, at in (
        ("P1", "2026-11-02T02:00:00.000000Z"),
        ("P2", "2026-11-02T03:00:00.000000Z"),
        ("P3", "2026-10-15T03:00:00.000000Z"),
    ):
        _stamp(db, "UPDATE persons SET created_at = ? WHERE id = ?", at, p[key]["id"])
    _stamp(db, "UPDATE employers SET created_at = ?", "2026-11-03T02:00:00.000000Z")
    return {"db": db, "apps": a, "persons": p}  # fmt: skip


def test_the_loader_reads_business_dates_in_shanghai(november) -> None:
    loaded = stats.indicators(november["db"], NOV, today=dt.date(2026, 12, 10))
    by_receipt = {r.id: r for r in loaded.rows}
    apps = november["apps"]
    assert by_receipt[apps["X3"]["id"]].received_on == dt.date(2026, 11, 24)  # 16:30Z is 00:30 next day
    assert by_receipt[apps["X4"]["id"]].received_on == dt.date(2026, 11, 1)
    assert by_receipt[apps["X1"]["id"]].closed_on == dt.date(2026, 11, 6)
    assert by_receipt[apps["X1"]["id"]].counter == "540102-03"
    assert by_receipt[apps["X2"]["id"]].reason == "材料不全"
    assert by_receipt[apps["X2"]["id"]].medical_amount == Decimal("3600.00")


def test_the_counters_indicators_for_november(november) -> None:
    ind = stats.indicators(november["db"], NOV, today=dt.date(2026, 12, 10)).indicators
    x1 = november["apps"]["X1"]
    assert ind.received == 4
    assert (ind.approved, ind.rejected, ind.pending) == (1, 1, 2)
    assert ind.backlog_by_age == {"0-5": 1, "6-10": 0, "11-20": 0, "over_20": 1}
    assert (ind.within_limit, ind.over_limit, ind.average_working_days) == (1, 1, "8.0")
    assert ind.allowance_persons == 1
    assert ind.allowance_total == Decimal(x1["decision"]["allowance"])
    assert ind.allowance_days == x1["decision"]["allowance_days"]
    assert ind.medical_cases == 0
    assert ind.registrations == {"employee": 2}
    assert ind.new_employers == 1
    assert ind.by_clerk == {"clerk1": {"intake": 4, "decisions": 0}, "rev1": {"intake": 0, "decisions": 2}}
    assert ind.by_counter == {"540102-03": {"intake": 4, "decisions": 2}}


def test_registration_figures_open_the_persons_behind_them(november) -> None:
    people = stats.registrations_behind(november["db"], NOV, "employee")
    assert sorted(p.id_number for p in people) == sorted(
        november["persons"][k]["id_number"] for k in ("P1", "P2")
    )


def test_the_new_employers_figure_opens_the_employers_behind_it(november) -> None:
    employers = stats.employers_behind(november["db"], NOV)
    assert [(e.county_code, e.registered_on) for e in employers] == [("540102", dt.date(2026, 11, 3))]


def test_end_of_day_lists_the_days_intake_at_this_counter(november) -> None:
    lines = stats.day_end(november["db"], dt.date(2026, 11, 24))
    assert [ln.receipt_no for ln in lines] == [november["apps"]["X3"]["receipt_no"]]
    assert lines[0].amount == Decimal("2000.00")
    assert stats.day_end(november["db"], dt.date(2026, 11, 23)) == []


def test_cli_stats_json_contract(november, capsys) -> None:
    code = main(
        ["stats", "--db", str(november["db"]), "--from", "2026-11-01", "--to", "2026-11-30", "--json"]
    )
    out = json.loads(capsys.readouterr().out)
    assert code == 0
    assert (out["received"], out["approved"], out["rejected"], out["pending"]) == (4, 1, 1, 2)
    assert out["allowance_persons"] == 1
    assert out["allowance_total"] == november["apps"]["X1"]["decision"]["allowance"]
    assert out["registrations"] == {"employee": 2}
    assert out["backlog_by_age"] == {"0-5": 1, "6-10": 0, "11-20": 0, "over_20": 1}


def test_cli_stats_county_filter(november, capsys) -> None:
    code = main(
        [
            "stats",
            "--db",
            str(november["db"]),
            "--from",
            "2026-11-01",
            "--to",
            "2026-11-30",
            "--county",
            "540103",
            "--json",
        ]
    )
    out = json.loads(capsys.readouterr().out)
    assert code == 0
    assert (out["received"], out["registrations"], out["new_employers"]) == (0, {}, 0)


def test_cli_stats_refuses_a_reversed_period_and_a_bad_date(november, capsys) -> None:
    db = str(november["db"])
    assert main(["stats", "--db", db, "--from", "2026-11-30", "--to", "2026-11-01", "--json"]) == 2
    assert json.loads(capsys.readouterr().out)["errors"][0]["code"] == "stats.period_reversed"
    assert main(["stats", "--db", db, "--from", "2026-13-01", "--to", "2026-11-01", "--json"]) == 2
    err = json.loads(capsys.readouterr().out)["errors"][0]
    assert (err["code"], err["field"]) == ("date.format", "from")


def test_cli_stats_writes_owner_only_xlsx_csv_and_pdf(november, tmp_path, capsys) -> None:
    from pypdf import PdfReader

    xlsx, csv_file, pdf = tmp_path / "r.xlsx", tmp_path / "r.csv", tmp_path / "r.pdf"
    db = str(november["db"])
    argv = ["stats", "--db", db, "--from", "2026-11-01", "--to", "2026-11-30"]
    assert main([*argv, "--xlsx", str(xlsx), "--csv", str(csv_file), "--pdf", str(pdf)]) == 0
    capsys.readouterr()
    for f in (xlsx, csv_file, pdf):
        assert os.stat(f).st_mode & 0o777 == 0o600
    cells = load_xlsx_cells(xlsx)
    summary = cells["汇总"]
    assert summary[0][0].startswith("སྐྱེ་འཕེལ་འགན་སྲུང")  # Lhasa: Tibetan first
    by_label = {row[0]: row for row in summary if row and isinstance(row[0], str)}
    received = by_label["ཞུ་ཡིག་ལེན་གྲངས།\n受理申请件数"]
    assert received[1:5] == [4.0, 4.0, 0.0, 4.0]  # this period, year to date, last year, change (+4)
    employees = by_label["ལས་གནས་ལས་བྱེད་པ།\n在职职工"]  # the by-category block: X1 X2 X4
    assert employees[1:4] == [3.0, 2.0, 1.0]  # received, decided, approved
    ledger = cells["台账"]
    assert len(ledger) == 1 + 4  # header + X1..X4
    assert {row[0] for row in ledger[1:]} == {
        november["apps"][k]["receipt_no"] for k in ("X1", "X2", "X3", "X4")
    }
    text = csv_file.read_text(encoding="utf-8-sig")
    assert "received," in text and november["apps"]["X3"]["receipt_no"] in text
    reader = PdfReader(pdf)
    assert len(reader.pages) == 2
    assert reader.pages[0].mediabox.width > reader.pages[0].mediabox.height  # landscape
    page2 = reader.pages[1].extract_text()
    assert "制表人" in page2 and "审核人" in page2 and "负责人" in page2

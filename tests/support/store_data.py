"""Valid test data for the store tests: a fixed "today", resident ID numbers and credit codes with
correct check characters, and person / employer / application records. Imported by module path
(``tests.support.store_data``), never as ``conftest``, so that it is the same module in every run."""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path
from typing import Any

from stdnum.cn import ric as stdnum_ric
from stdnum.cn import uscc as stdnum_uscc

ROOT = Path(__file__).resolve().parents[2]
TODAY = dt.date(2026, 11, 20)


def id_number(county: str = "540102", birth: str = "19900315", seq: int = 2) -> str:
    """A valid resident ID number; even ``seq`` = female."""
    body = f"{county}{birth}{seq:03d}"
    return body + stdnum_ric.calc_check_digit(body + "0")


def uscc(county: str = "540102", org: str = "MA6T1234") -> str:
    body = f"91{county}{org}"[:17].ljust(17, "0")
    return body + stdnum_uscc.calc_check_digit(body + "0")


def bad_uscc(county: str = "540102", org: str = "MA6T1234") -> str:
    good = uscc(county, org)
    wrong = next(c for c in "0123456789ABCDEFGHJKLMNPQRTUWXY" if c != good[-1])
    return good[:-1] + wrong


def employer_data(**over: Any) -> dict[str, Any]:
    data = {
        "uscc": uscc(),
        "name_zh": "拉萨雪域建设有限公司",
        "county_code": "540102",
        "rate_class": "a",
        "avg_monthly_wage": "9000.00",
    }
    data.update(over)
    return data


def person_data(**over: Any) -> dict[str, Any]:
    data = {
        "id_number": id_number(),
        "name_zh": "张晓",
        "ethnicity": "01",
        "phone": "13800138000",
        "category": "employee",
        "county_code": "540102",
        "employer_uscc": uscc(),
        "contribution_base": "6500.00",
        "insured_since": "2015-03-01",
    }
    data.update(over)
    return data


def application_data(**over: Any) -> dict[str, Any]:
    data = {
        "id_number": id_number(),
        "claim_type": "allowance",
        "event": "birth",
        "event_date": "2026-09-01",
        "babies": 1,
        "contribution_months": 36,
        "documents": [],
    }
    data.update(over)
    return data


def checkpoint(path: Path) -> None:
    """Fold the WAL into the main file so that the file alone is the whole database."""
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()


def pulled(store: Any, entities: tuple[str, ...]) -> list[Any]:
    """What an honest server would hand out for ``store``'s changes of ``entities`` (the latest state
    of each record, in the order they were made), as the counter's pull receives them."""
    from localdb.records import to_wire
    from localdb.remote import RemoteRecord

    latest: dict[tuple[str, str], RemoteRecord] = {}
    for n, item in enumerate(store.outbox_batch(10_000), start=1):
        if item["entity"] not in entities:
            continue
        data = to_wire(item["entity"], item["payload"])
        latest[(item["entity"], item["entity_id"])] = RemoteRecord(
            item["entity"], item["entity_id"], int(data.get("version") or 1), data, server_seq=n
        )
    return sorted(latest.values(), key=lambda r: r.server_seq)

"""Synthetic counter data for screenshots, GUI tests and the start-up benchmark: valid ID numbers
and credit codes (real check characters), names in both scripts. Written through the service API."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from stdnum.cn import ric as stdnum_ric
from stdnum.cn import uscc as stdnum_uscc

ADMIN = ("admin", "admin-pass-1")
REVIEWER = ("reviewer1", "review-pass-1")
CLERK = ("clerk1", "clerk-pass-1")
COUNTY = {"lhasa": "540102", "lianyungang": "320706"}
NAMES = [
    ("扎西卓玛", "bkra shis sgrol ma"),
    ("次仁央宗", "tshe ring dbyangs 'dzoms"),
    ("格桑梅朵", "skal bzang me tog"),
    ("王丽", ""),
    ("李娜", ""),
    ("德吉", "bde skyid"),
]


def resident_id(county: str, birth: dt.date, seq: int, *, female: bool = True) -> str:
    """A valid 18-character resident ID number (sequence parity gives the sex)."""
    seq = seq * 2 + (0 if female else 1)
    body = f"{county}{birth:%Y%m%d}{seq % 1000:03d}"
    return body + stdnum_ric.calc_check_digit(body + "0")  # stdnum expects the check place present


def credit_code(county: str, serial: int) -> str:
    body = f"91{county}{serial:08d}X"[:17]
    return body + stdnum_uscc.calc_check_digit(body)


def person_data(region: str, index: int, employer_uscc: str) -> dict[str, Any]:
    from i18n.tibetan import wylie_to_unicode

    county = COUNTY[region]
    name_zh, wylie = NAMES[index % len(NAMES)]
    data: dict[str, Any] = {
        "id_number": resident_id(county, dt.date(1988 + index % 10, 1 + index % 12, 1 + index % 27), index),
        "name_zh": name_zh,
        "ethnicity": "04" if wylie else "01",
        "category": "employee",
        "county_code": county,
        "employer_uscc": employer_uscc,
        "contribution_base": "6800.00",
        "insured_since": "2015-03-01",
    }
    if region == "lhasa" and wylie:
        data["name_bo"] = wylie_to_unicode(wylie)
    return data


def employer_data(region: str, serial: int = 1) -> dict[str, Any]:
    county = COUNTY[region]
    rate = "a" if region == "lhasa" else "standard"
    data = {
        "uscc": credit_code(county, serial),
        "name_zh": "拉萨市城关区示例商贸有限公司" if region == "lhasa" else "连云港市海州区示例科技有限公司",
        "county_code": county,
        "rate_class": rate,
        "avg_monthly_wage": "8200.00",
    }
    if region == "lhasa":
        from i18n.tibetan import wylie_to_unicode

        data["name_bo"] = wylie_to_unicode("tshong las kung si")
    return data


def application_data(id_number: str, *, event_date: str = "2026-06-10") -> dict[str, Any]:
    return {
        "id_number": id_number,
        "claim_type": "allowance",
        "category": "employee",
        "event": "birth",
        "event_date": event_date,
        "babies": "1",
        "employer_avg_monthly_wage": "8200.00",
        "contribution_months": "36",
        "insured_since": "2015-03-01",
    }


def seed(path: Path | str, region: str, *, persons: int = 6, applications: int = 3) -> dict[str, Any]:
    """A new store at ``path`` with staff, one employer, persons and applications in several states."""
    import localdb

    store = localdb.init_store(
        path,
        region=region,
        county_code=COUNTY[region],
        counter_no=1,
        admin_username=ADMIN[0],
        admin_password=ADMIN[1],
    )
    admin = store.service(ADMIN[0])
    admin.add_user(REVIEWER[0], "reviewer", REVIEWER[1])
    admin.add_user(CLERK[0], "clerk", CLERK[1])
    clerk = store.service(CLERK[0])
    employer = clerk.register_employer(employer_data(region))
    people = [clerk.register_person(person_data(region, i, employer["uscc"])) for i in range(persons)]
    apps = [clerk.create_application(application_data(p["id_number"])) for p in people[:applications]]
    reviewer = store.service(REVIEWER[0])
    if len(apps) > 1:
        reviewer.start_review(apps[1]["id"])
    if len(apps) > 2:
        reviewer.start_review(apps[2]["id"])
        reviewer.approve(apps[2]["id"], note="")
    store.close()
    return {"employer": employer, "persons": people, "applications": apps}


def record_signing_key(backend: Any) -> str:
    """The counter's signing key as its admin makes it (``liangxian key create``): into the keyring
    (an in-memory one for synthetic counters) and recorded in the database, so that documents are
    signed (printing refuses a key the database does not hold) and verify. On the store thread."""
    from liangxian.keys import provision_counter_key

    public: str = backend.submit(lambda: provision_counter_key(backend._store, ADMIN[0])).result(30)
    return public


def sync_day(
    pending: list[dict[str, Any]],
) -> tuple[dict[str, Any], list[dict[str, Any]], list[dict[str, Any]]]:
    """What a day's syncing shows on the 同步 page, for screenshots and the screen-fit test (made up:
    there is no server): the page's data (waiting changes grouped from ``pending``, one refused
    change with its reason in both languages, two syncs), two conflict items and a merge."""
    from desktop.sync_page import waiting_by_type
    from forms.errors import error

    issue = error("application.bad_transition", "status", from_status="paid", to_status="approved")
    data = {
        "server": "https://ybj.example.cn",
        "waiting": waiting_by_type(pending),
        "refused": [
            {
                "entity": "application",
                "entity_id": pending[-1]["entity_id"] if pending else "0",
                "errors": [{"message_zh": issue.message("zh"), "message_bo": issue.message("bo")}],
            }
        ],
        "history": [
            {"started_at": "2026-06-01T02:00:00.000000Z", "outcome": "ok", "pushed": 12, "pulled": 30},
            {"started_at": "2026-06-01T01:30:00.000000Z", "outcome": "failed"},
        ],
    }
    conflicts = [
        {
            "id": "c1",
            "kind": "field",
            "entity": "person",
            "entity_id": pending[0]["entity_id"] if pending else "p1",
            "field": "phone",
            "local_value": "13908911234",
            "server_value": "13908915678",
            "local_actor": "clerk1",
            "local_at": "2026-06-01T02:10:00Z",
            "server_actor": "clerk2",
            "server_at": "2026-06-01T03:20:00Z",
            "detail": None,
        },
        {
            "id": "c2",
            "kind": "duplicate_application",
            "entity": "application",
            "entity_id": "0192f3a1-7c2d",
            "field": None,
            "local_value": "540102-1-20260601-0003",
            "server_value": "540102-2-20260531-0001",
            "local_actor": "clerk1",
            "local_at": "2026-06-01T02:30:00Z",
            "server_actor": "clerk2",
            "server_at": "2026-05-31T08:00:00Z",
            "detail": {"application_ids": ["a", "b"]},
        },
    ]
    merges = [
        {
            "entity": "person",
            "from_id": "0192f3a1-aaaa",
            "into_id": "0192f3a0-bbbb",
            "repointed": {"application": [1, 2]},
        }
    ]
    return data, conflicts, merges

"""Test counters for the central server: each has its own Ed25519 key (generated in the test), an
audit chain, receipt numbers, and builds signed changes of the wire records in docs/sync-protocol.md.
Imported by module path (``tests.support.central_data``)."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import uuid
from dataclasses import dataclass, field
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from central.service import CentralServer
from forms.declarations import validate
from forms.entitlement import Application as Facts
from forms.entitlement import decide
from sync.protocol import AuditLink, Change, EnrollRequest, PushRequest, SyncProtocol, sign_change
from tests.support.store_data import id_number, uscc


def now_z() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@dataclass
class SimCounter:
    """One counter: its key, its device id, its audit chain, and how it reaches the server."""

    county: str
    counter_no: int
    device_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    key: Ed25519PrivateKey = field(default_factory=Ed25519PrivateKey.generate)
    epoch: int = 1
    seq: int = 0
    last_hash: str = ""
    receipts: int = 0
    token: str = ""
    proto: Any = None

    @property
    def public_key_b64(self) -> str:
        raw = self.key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        return base64.b64encode(raw).decode()

    def enroll_request(self, code: str) -> EnrollRequest:
        return EnrollRequest(code, self.device_id, self.county, self.counter_no, self.public_key_b64)

    def _link(self) -> AuditLink:
        self.seq += 1
        prev = self.last_hash
        self.last_hash = hashlib.sha256(f"{self.device_id}/{self.seq}/{prev}".encode()).hexdigest()
        return AuditLink(self.epoch, self.seq, self.last_hash, prev)

    def change(
        self,
        entity: str,
        entity_id: str,
        op: str,
        data: dict[str, Any],
        *,
        actor: str,
        base_version: int | None = None,
        version: int = 1,
        changed: tuple[str, ...] | None = None,
        sign: bool = True,
    ) -> Change:
        c = Change(
            change_id=str(uuid.uuid4()),
            counter_id=self.device_id,
            entity=entity,
            entity_id=entity_id,
            op=op,
            base_version=base_version,
            version=version,
            changed=tuple(changed if changed is not None else sorted(data)),
            data=data,
            actor=actor,
            at=now_z(),
            audit=self._link(),
        )
        return sign_change(c, self.key) if sign else c

    def next_receipt(self, day: str = "20261120") -> str:
        self.receipts += 1
        return f"{self.county}-{self.counter_no:02d}-{day}-{self.receipts:04d}"

    def push(self, *changes: Change) -> list[Any]:
        return list(self.proto.push(PushRequest(self.device_id, tuple(changes))).results)

    # --- wire records ---------------------------------------------------------------------------------

    def employer(self, actor: str, **over: Any) -> Change:
        eid = str(uuid.uuid4())
        data = {
            "id": eid,
            "uscc": uscc(self.county),
            "name_zh": "拉萨雪域建设有限公司",
            "name_bo": None,
            "county_code": self.county,
            "rate_class": "a",
            "avg_monthly_wage": "9000.00",
            "contact_phone": None,
            "uscc_override_reason": None,
            "version": 1,
            "created_at": now_z(),
            "updated_at": now_z(),
        }
        data.update(over)
        return self.change("employer", eid, "create", data, actor=actor)

    def person(
        self, actor: str, employer_id: str | None, *, seq: int = 2, pid: str | None = None, **over: Any
    ) -> Change:
        pid = pid or str(uuid.uuid4())
        data: dict[str, Any] = {
            "id": pid,
            "id_number": id_number(self.county, "19900315", seq),
            "name_zh": "张晓",
            "name_bo": None,
            "sex": None,
            "birth_date": None,
            "ethnicity": "01",
            "phone": "13800138000",
            "county_code": self.county,
            "category": "employee",
            "version": 1,
            "created_at": now_z(),
            "updated_at": now_z(),
            "enrollment": {
                "id": str(uuid.uuid4()),
                "person_id": pid,
                "employer_id": employer_id,
                "category": "employee",
                "maternity_coverage": True,
                "contribution_base": "6500.00",
                "flexible_scheme": None,
                "insured_since": "2015-03-01",
                "ended_on": None,
            },
        }
        data.update(over)
        data["enrollment"]["category"] = data["category"]
        return self.change("person", pid, "create", data, actor=actor)

    def application(
        self,
        actor: str,
        person: Change,
        *,
        region: str = "lhasa",
        decision_over: dict[str, Any] | None = None,
        **form_over: Any,
    ) -> Change:
        aid = str(uuid.uuid4())
        form_input = {
            "id_number": person.data["id_number"],
            "claim_type": "allowance",
            "category": "employee",
            "event": "birth",
            "event_date": "2026-09-01",
            "babies": 1,
            "contribution_months": 36,
            "employer_avg_monthly_wage": "9000.00",
            "insured_since": "2015-03-01",
            "filed_on": "2026-11-20",
            "documents": [],
        }
        form_input.update(form_over)
        result = validate("maternity_application", form_input, region, today=dt.date(2026, 11, 20))
        assert result.ok, result.errors
        decision = decide(Facts.from_values(region, result.values)).to_json()
        decision.update(decision_over or {})
        form = {
            k: (
                v.isoformat()
                if hasattr(v, "isoformat")
                else (format(v, "f") if hasattr(v, "as_tuple") else v)
            )
            for k, v in result.values.items()
        }
        data = {
            "id": aid,
            "receipt_no": self.next_receipt(),
            "person_id": person.entity_id,
            "claim_type": form["claim_type"],
            "event": form["event"],
            "event_date": form["event_date"],
            "status": "received",
            "form": form,
            "decision": decision,
            "created_by": actor,
            "created_at": now_z(),
            "updated_at": now_z(),
            "version": 1,
            "status_history": [{"from": None, "to": "received", "at": now_z(), "by": actor, "note": None}],
            "documents": [],
        }
        return self.change("application", aid, "create", data, actor=actor)

    def transition(
        self, actor: str, app_id: str, status_from: str, status: str, *, base: int, note: str | None = None
    ) -> Change:
        data = {"id": app_id, "status_from": status_from, "status": status, "note": note}
        return self.change(
            "application",
            app_id,
            "transition",
            data,
            actor=actor,
            base_version=base,
            version=base + 1,
            changed=("status",),
        )

    def update(self, actor: str, entity: str, entity_id: str, fields: dict[str, Any], *, base: int) -> Change:
        return self.change(
            entity,
            entity_id,
            "update",
            {"id": entity_id, **fields},
            actor=actor,
            base_version=base,
            version=base + 1,
            changed=tuple(k for k in fields if k != "reason"),
        )


USERS = {
    "540102": [
        ("clerk1", "clerk"),
        ("clerk2", "clerk"),
        ("rev1", "reviewer"),
        ("rev2", "reviewer"),
        ("adm1", "admin"),
    ],
    "540103": [("clerk3", "clerk"), ("rev3", "reviewer")],
}


def build_world(server: CentralServer, region: str = "lhasa") -> dict[str, SimCounter]:
    """A server with two counties: counters a and b of 540102, c of 540103, enrolled, with staff."""
    server.init(region)
    for county, users in USERS.items():
        server.add_county(county)
        for username, role in users:
            server.add_user(county, username, role, "secret-" + username)
    counters = {"a": SimCounter("540102", 1), "b": SimCounter("540102", 2), "c": SimCounter("540103", 1)}
    for c in counters.values():
        code = server.add_counter(c.county, c.counter_no)["enrollment_code"]
        c.token = server.enroll(c.enroll_request(code)).token
        c.proto = server.session(c.token)
    return counters


def attach(counters: dict[str, SimCounter], make: Any) -> None:
    """Give each counter a ``SyncProtocol`` made by ``make(counter)`` (in process or over HTTP)."""
    for c in counters.values():
        c.proto = make(c)
        assert isinstance(c.proto, SyncProtocol)

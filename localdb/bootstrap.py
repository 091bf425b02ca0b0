"""The first transaction of a new counter database: county, counter, settings, the first admin."""

from __future__ import annotations

from argon2 import PasswordHasher
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from forms import divisions
from forms.errors import Issue, ValidationFailed, error
from forms.policy import load_pack
from localdb import models as m
from localdb.clock import new_id, utc_now
from localdb.journal import append_audit, append_outbox

_hasher = PasswordHasher()


def bootstrap(
    engine: Engine,
    *,
    region: str,
    county_code: str,
    counter_no: int,
    admin_username: str,
    admin_password: str | None,
    public_key_b64: str | None,
) -> None:
    """The first transaction of a new database: county, counter, settings, the admin user."""
    issues: list[Issue] = []
    try:
        pack = load_pack(region)
    except KeyError:
        pack = None
        issues.append(error("region.unknown", "region", value=region))
    county = divisions.lookup(county_code) if isinstance(county_code, str) else None
    if county is None or (pack is not None and county.region not in (None, region)):
        issues.append(error("choice.unknown", "county_code", value=county_code))
    if not isinstance(counter_no, int) or not 1 <= counter_no <= 99:
        issues.append(error("int.range", "counter_no", min=1, max=99))
    if not admin_username or not admin_username.strip():
        issues.append(error("required", "admin_username"))
    if issues or county is None:  # county None has its issue above
        raise ValidationFailed(issues)
    now = utc_now()
    counter_id = new_id()
    with Session(engine) as s, s.begin():
        s.add(
            m.County(code=county.code, name_zh=county.name_zh, name_bo=county.name_bo or None, region=region)
        )
        s.flush()
        s.add(
            m.Counter(
                id=counter_id,
                county_code=county.code,
                counter_no=counter_no,
                public_key_b64=public_key_b64,
                created_at=now,
            )
        )
        s.add_all([m.Setting(key="region", value=region), m.Setting(key="counter_id", value=counter_id)])
        user = m.User(
            id=new_id(),
            username=admin_username.strip(),
            role="admin",
            password_hash=_hasher.hash(admin_password) if admin_password else None,
            active=True,
            created_at=now,
        )
        s.add(user)
        s.flush()
        counter = {"id": counter_id, "county_code": county.code, "counter_no": counter_no, "region": region}
        init_seq = append_audit(
            s, actor=user.username, action="store.init", entity="counter", entity_id=counter_id, after=counter
        )
        append_audit(
            s,
            actor=user.username,
            action="user.add",
            entity="user",
            entity_id=user.id,
            after={"username": user.username, "role": "admin"},
        )
        append_outbox(
            s, entity="counter", entity_id=counter_id, op="create", base_version=None, audit_seq=init_seq
        )

"""What a staff user's password hash must be wherever one arrives from elsewhere (a pulled staff row
at a counter, a counter's users offered to the server at enrollment): argon2id with cost parameters in
range. A cheaper hash is a password anyone can recover; a dearer one a login that never ends."""

from __future__ import annotations

from typing import Any

#: the counter's own machine account for unattended syncs (made at enrollment, never a county staff
#: user: a pulled staff row of that name is refused, and the server makes none)
MACHINE_ACCOUNT = "sync"

#: argon2-cffi's defaults are m=65536, t=3, p=4
ARGON2_MEMORY = (19_456, 1_048_576)  # KiB
ARGON2_TIME = (2, 16)
ARGON2_LANES = (1, 16)


def password_hash_issue(hashed: Any) -> str | None:
    """Why ``hashed`` is not an acceptable staff password hash, or None."""
    from argon2 import Type, extract_parameters
    from argon2.exceptions import InvalidHashError

    if not isinstance(hashed, str) or len(hashed) > 512:
        return "not text"
    try:
        p = extract_parameters(hashed)
    except (InvalidHashError, ValueError):
        return "not an argon2 hash"
    if p.type is not Type.ID:
        return f"argon2 type {p.type.name}, not ID"
    checks = (
        ("m", p.memory_cost, ARGON2_MEMORY),
        ("t", p.time_cost, ARGON2_TIME),
        ("p", p.parallelism, ARGON2_LANES),
    )
    for name, value, (low, high) in checks:
        if not low <= value <= high:
            return f"{name}={value} outside {low}..{high}"
    if p.version != 19 or p.salt_len < 8 or p.hash_len < 16:
        return "version, salt or hash length out of range"
    return None

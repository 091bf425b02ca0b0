"""What each staff role may do at the counter. The store's permission table
(``localdb.service.PERMISSIONS``) is the authority and refuses anything else anyway; the UI only uses
it to offer no action a role may not take."""

from __future__ import annotations

from functools import cache

ROLES = ("clerk", "reviewer", "admin")


@cache
def _permissions() -> dict[str, frozenset[str]]:
    from localdb.service import PERMISSIONS

    return dict(PERMISSIONS)


def may(role: str | None, action: str) -> bool:
    """``action`` is a store permission name: ``person.register``, ``application.approve``, …"""
    return role is not None and role in _permissions().get(action, frozenset())

"""What each staff role may do at the counter. The permission table ``forms.workflow.PERMISSIONS``
is the authority (the store and the central server enforce it); the UI only uses it to offer no
action a role may not take."""

from __future__ import annotations

from forms import workflow

ROLES = workflow.ROLES


def may(role: str | None, action: str) -> bool:
    """``action`` is a permission name of ``forms.workflow``: ``person.register``, ``application.approve``…"""
    return workflow.may(role, action)

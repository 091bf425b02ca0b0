"""Who may do what, and how an application moves: the one source of workflow rules.

The counter's store (``localdb``), the desktop (to offer only what a role may do) and the central
server (which enforces the same rules again for the acting user recorded on each change) all read this
module. Nothing here touches a database.

- Roles (经办角色): ``clerk`` (经办员), ``reviewer`` (审核员), ``admin`` (主管, the supervisor).
- ``PERMISSIONS``: action → the roles that may do it.
- ``TRANSITIONS``: the application status machine, received → under review → approved / rejected /
  withdrawn → paid; ``paid`` is final.
- Separation of duties (岗位分离): the user who took an application in may not approve or reject it
  (pack parameter ``separation_of_duties``, default on).
- Corrections (更正): which fields of which record may be changed, by whom, and when a reason is
  required (``CORRECTIONS``, ``check_correction``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Final

from forms.errors import Issue, error

CLERK: Final = "clerk"
REVIEWER: Final = "reviewer"
ADMIN: Final = "admin"  # the supervisor (主管)
ROLES: Final[tuple[str, ...]] = (CLERK, REVIEWER, ADMIN)
_ALL = frozenset(ROLES)
_REVIEW = frozenset({REVIEWER, ADMIN})
_ADMIN = frozenset({ADMIN})

#: action → roles that may do it
PERMISSIONS: Final[Mapping[str, frozenset[str]]] = {
    "person.register": _ALL,
    "person.update": _ALL,
    "person.change_id_number": _ADMIN,
    "employer.register": _ALL,
    "employer.update": _ALL,
    "employer.change_uscc": _ADMIN,
    "employer.override_uscc": _ADMIN,
    "enrollment.update": _ALL,
    "application.create": _ALL,
    "application.update": _ALL,
    "application.update_decided": _ADMIN,
    "application.start_review": _REVIEW,
    "application.approve": _REVIEW,
    "application.reject": _REVIEW,
    "application.withdraw": _ALL,
    "application.mark_paid": _REVIEW,
    "print.record": _ALL,
    "user.add": _ADMIN,
    "counter.set_key": _ADMIN,
    "outbox.sync": _ALL,  # whoever is logged in when the link comes back
    "conflict.resolve": _REVIEW,
}

RECEIVED: Final = "received"
UNDER_REVIEW: Final = "under_review"
APPROVED: Final = "approved"
REJECTED: Final = "rejected"
WITHDRAWN: Final = "withdrawn"
PAID: Final = "paid"
STATUSES: Final[tuple[str, ...]] = (RECEIVED, UNDER_REVIEW, APPROVED, REJECTED, WITHDRAWN, PAID)

#: status → statuses it may become
TRANSITIONS: Final[Mapping[str, frozenset[str]]] = {
    RECEIVED: frozenset({UNDER_REVIEW, WITHDRAWN}),
    UNDER_REVIEW: frozenset({APPROVED, REJECTED, WITHDRAWN}),
    APPROVED: frozenset({PAID}),
    REJECTED: frozenset(),
    WITHDRAWN: frozenset(),
    PAID: frozenset(),
}

#: target status → (action, whether a reason is required)
TRANSITION_ACTIONS: Final[Mapping[str, tuple[str, bool]]] = {
    UNDER_REVIEW: ("application.start_review", False),
    APPROVED: ("application.approve", False),
    REJECTED: ("application.reject", True),
    WITHDRAWN: ("application.withdraw", True),
    PAID: ("application.mark_paid", False),
}
#: the moves that decide an application (separation of duties applies to these)
DECIDING: Final = frozenset({APPROVED, REJECTED})
#: statuses in which the facts of an application may still be corrected by any role
OPEN_STATUSES: Final = frozenset({RECEIVED, UNDER_REVIEW})
#: statuses after a decision to pay: facts are corrected only by an admin with a reason
DECIDED_STATUSES: Final = frozenset({APPROVED, PAID})


def may(role: str | None, action: str) -> bool:
    """``role`` may do ``action`` (an unknown action is allowed to no one)."""
    return role is not None and role in PERMISSIONS.get(action, frozenset())


class WorkflowRefused(ValueError):
    """A workflow rule refuses the step; ``issue`` is the coded reason."""

    def __init__(self, issue: Issue):
        self.issue = issue
        super().__init__(f"{issue.field}: {issue.code}")


def separation_of_duties(region: str, on: dt.date) -> bool:
    """Pack parameter ``separation_of_duties`` (default on when a pack does not set it)."""
    from forms.policy import NoRuleInForce, load_pack

    pack = load_pack(region)
    if not pack.has("separation_of_duties"):
        return True
    try:
        return bool(pack.value("separation_of_duties", on))
    except NoRuleInForce:
        return True


def transition_issues(
    *,
    role: str,
    username: str,
    from_status: str,
    to_status: str,
    created_by: str,
    reason: str | None,
    separate_duties: bool,
) -> list[Issue]:
    """Everything that refuses moving an application from ``from_status`` to ``to_status`` by
    ``username`` (role ``role``); empty when the move is allowed. The order is the order a person asks:
    may I at all, is it a legal move, am I the one who took it in, did I give a reason."""
    if to_status not in TRANSITION_ACTIONS:
        return [error("application.bad_transition", "status", from_status=from_status, to_status=to_status)]
    action, needs_reason = TRANSITION_ACTIONS[to_status]
    if not may(role, action):
        return [error("auth.forbidden", "role", role=role, action=action)]
    if to_status not in TRANSITIONS.get(from_status, frozenset()):
        return [error("application.bad_transition", "status", from_status=from_status, to_status=to_status)]
    if separate_duties and to_status in DECIDING and username == created_by:
        return [error("application.separation_of_duties", "status", username=username)]
    if needs_reason and (not isinstance(reason, str) or not reason.strip()):
        return [error("reason.required", "reason")]
    return []


# --- corrections ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Correctable:
    """The fields of one kind of record that may be corrected, and the identity field (changed only
    with ``identity_action`` and a reason)."""

    entity: str
    action: str
    fields: frozenset[str]
    identity: str | None = None
    identity_action: str | None = None


CORRECTIONS: Final[Mapping[str, Correctable]] = {
    "person": Correctable(
        "person",
        "person.update",
        frozenset({"name_zh", "name_bo", "name_bo_wylie", "ethnicity", "phone", "county_code", "id_number"}),
        identity="id_number",
        identity_action="person.change_id_number",
    ),
    "employer": Correctable(
        "employer",
        "employer.update",
        frozenset(
            {"uscc", "name_zh", "name_bo", "county_code", "rate_class", "avg_monthly_wage", "contact_phone"}
        ),
        identity="uscc",
        identity_action="employer.change_uscc",
    ),
    "enrollment": Correctable(
        "enrollment",
        "enrollment.update",
        frozenset(
            {"employer_uscc", "category", "contribution_base", "flexible_scheme", "insured_since", "ended_on"}
        ),
    ),
    "application": Correctable(
        "application",
        "application.update",
        frozenset(
            {
                "claim_type",
                "category",
                "event",
                "event_date",
                "babies",
                "dystocia",
                "caesarean",
                "gestation_weeks",
                "leave_start",
                "employer_avg_monthly_wage",
                "contribution_months",
                "insured_since",
                "filed_on",
                "medical_amount",
                "hospital",
                "documents",
            }
        ),
    ),
}

#: keys an update may carry besides the record's fields
UPDATE_META_KEYS: Final = frozenset({"reason"})


def correction_issues(
    entity: str,
    changes: Mapping[str, Any],
    *,
    role: str,
    status: str | None = None,
    identity_changed: bool = False,
) -> list[Issue]:
    """What refuses correcting ``changes`` (field → new value, plus ``reason``) of a record of kind
    ``entity`` by a user of ``role``; for an application, ``status`` is its current status.
    ``identity_changed`` says the identity field (ID number, USCC) really changes value."""
    rule = CORRECTIONS.get(entity)
    if rule is None:
        return [error("choice.unknown", "entity", value=entity)]
    issues = [
        error("form.unknown_field", k, name=k) for k in changes if k not in rule.fields | UPDATE_META_KEYS
    ]
    if issues:
        return issues
    fields = [k for k in changes if k in rule.fields]
    if not fields:
        return [error("update.nothing_changed", "")]
    if not may(role, rule.action):
        return [error("auth.forbidden", "role", role=role, action=rule.action)]
    reason = changes.get("reason")
    has_reason = isinstance(reason, str) and bool(reason.strip())
    if identity_changed and rule.identity_action:
        if not may(role, rule.identity_action):
            return [error("auth.forbidden", rule.identity or "", role=role, action=rule.identity_action)]
        if not has_reason:
            return [error("reason.required", "reason")]
    if entity == "application" and status is not None:
        if status in DECIDED_STATUSES:
            if not may(role, "application.update_decided"):
                return [error("application.decided_admin_only", "status", status=status)]
            if not has_reason:
                return [error("reason.required", "reason")]
        elif status not in OPEN_STATUSES:
            return [error("application.closed", "status", status=status)]
    return []


def changed_fields(before: Mapping[str, Any], after: Mapping[str, Any], fields: Iterable[str]) -> list[str]:
    """The fields among ``fields`` whose value differs between two snapshots, sorted."""
    return sorted(f for f in fields if before.get(f) != after.get(f))

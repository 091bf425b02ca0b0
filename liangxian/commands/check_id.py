"""``liangxian check-id NUMBER`` and ``liangxian check-uscc CODE``."""

from __future__ import annotations

import argparse

from forms.errors import Issue, errors_only, warnings_only
from liangxian.jsonio import emit


def _brief(issues: list[Issue]) -> list[dict[str, str]]:
    return [i.to_json() for i in issues]


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "check-id",
        help="validate a resident ID number (GB 11643)",
        description=(
            "Validate an 18-character resident ID number: MOD 11-2 check character, a real birth date "
            "not in the future, a province that exists (GB/T 2260). An unknown county inside a known "
            "province is a warning. Prints JSON: valid, errors, warnings, birth_date, sex, "
            "division_code, division_name. Exit 0 when valid, 1 when not."
        ),
    )
    p.add_argument("number")
    p.set_defaults(func=run_id)
    q = sub.add_parser(
        "check-uscc",
        help="validate an employer's unified social credit code (GB 32100)",
        description=(
            "Validate an 18-character unified social credit code: alphabet without I, O, Z, S, V, "
            "digits in positions 3-8, MOD 31 check character. Prints JSON: valid, errors, warnings, "
            "code. Exit 0 when valid, 1 when not."
        ),
    )
    q.add_argument("code")
    q.set_defaults(func=run_uscc)


def run_id(args: argparse.Namespace) -> int:
    from forms.ric import check_resident_id

    parsed, issues = check_resident_id(args.number)
    errors = errors_only(issues)
    emit(
        {
            "valid": not errors,
            "errors": _brief(errors),
            "warnings": _brief(warnings_only(issues)),
            "birth_date": parsed.birth_date.isoformat() if parsed else None,
            "sex": parsed.sex if parsed else None,
            "division_code": parsed.division_code if parsed else None,
            "division_name": parsed.division_name if parsed else None,
        }
    )
    return 0 if not errors else 1


def run_uscc(args: argparse.Namespace) -> int:
    from forms.uscc import check_uscc

    code, issues = check_uscc(args.code)
    errors = errors_only(issues)
    emit(
        {
            "valid": not errors,
            "errors": _brief(errors),
            "warnings": _brief(warnings_only(issues)),
            "code": code,
        }
    )
    return 0 if not errors else 1

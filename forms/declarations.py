"""The forms as data: ``forms/data/forms.toml`` declares every field once (type, required, validator,
bilingual label and help, regions, order, grouping) and the cross-field rules by name. The desktop
renders from these declarations, the store validates with them, the printouts label with them.

``validate(form, data, region)`` parses every field with the validator of its type, checks the
cross-field rules, and returns the clean values and all issues (errors and warnings).
"""

from __future__ import annotations

import datetime as dt
import re
import tomllib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import i18n
from forms import divisions
from forms.clock import business_today
from forms.errors import Issue, error, errors_only, warning
from forms.policy import NoRuleInForce, PolicyPack, load_pack
from forms.ric import check_resident_id
from forms.text import text_issues
from forms.uscc import check_uscc
from forms.values import (
    parse_bool,
    parse_date,
    parse_gestation_weeks,
    parse_int,
    parse_mobile,
    parse_money,
)

if TYPE_CHECKING:
    from forms.operations import Operation

_DATA = Path(__file__).resolve().parent / "data" / "forms.toml"
_NAME_ZH_RE = re.compile(r"^[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f·•・]+$")


@dataclass(frozen=True)
class FieldDecl:
    name: str
    type: str
    group: str
    order: int
    required: bool = False
    required_when: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    label: str = ""
    help: str | None = None
    regions: tuple[str, ...] | None = None
    choices: tuple[str, ...] | str | None = None
    choice_msgid: str | None = None
    min: int | None = None
    max: int | None = None
    max_length: int | None = None
    past_only: bool = False
    default: Any = None
    derived_from: str | None = None
    input_only: bool = False

    def shown_in(self, region: str) -> bool:
        return self.regions is None or region in self.regions

    def choice_values(self, pack: PolicyPack, on: dt.date | None = None) -> tuple[str, ...]:
        if self.choices == "categories":
            return tuple(pack.categories)
        if self.choices == "operations":
            # every code any version of the table holds: the rule operation_for_surgery then checks
            # it against the table in force on the event date
            tables = [e.value for e in pack.params.get("family_planning_operations", ())]
            return tuple(dict.fromkeys(code for table in tables for code in table))
        if self.choices == "rate_classes":
            when = on or business_today()
            return (
                tuple(pack.value("employer_rate_classes", when)) if pack.has("employer_rate_classes") else ()
            )
        return tuple(self.choices or ())

    def choice_label(self, value: str, lang: str) -> str:
        return i18n.gettext(f"{self.choice_msgid}.{value}", lang) if self.choice_msgid else value

    def help_text(self, lang: str) -> str | None:
        return i18n.gettext(self.help, lang) if self.help else None


@dataclass(frozen=True)
class FormDecl:
    name: str
    title: str
    groups: tuple[str, ...]
    fields: tuple[FieldDecl, ...]
    rules: tuple[str, ...]

    def field(self, name: str) -> FieldDecl:
        for f in self.fields:
            if f.name == name:
                return f
        raise KeyError(name)

    def fields_for(self, region: str, groups: Iterable[str] | None = None) -> list[FieldDecl]:
        wanted = set(groups) if groups is not None else None
        return [f for f in self.fields if f.shown_in(region) and (wanted is None or f.group in wanted)]


@cache
def forms() -> dict[str, FormDecl]:
    with _DATA.open("rb") as fh:
        raw = tomllib.load(fh)
    out: dict[str, FormDecl] = {}
    for form_name, spec in raw.items():
        decls = []
        for fname, f in spec["fields"].items():
            label = f.get("label") or f"field.{fname}"
            help_id = f.get("help") or (f"help.{fname}" if i18n.has(f"help.{fname}") else None)
            choices = f.get("choices")
            decls.append(
                FieldDecl(
                    name=fname,
                    type=f["type"],
                    group=f["group"],
                    order=int(f["order"]),
                    required=bool(f.get("required", False)),
                    required_when={k: tuple(v) for k, v in f.get("required_when", {}).items()},
                    label=label,
                    help=help_id,
                    regions=tuple(f["regions"]) if "regions" in f else None,
                    choices=tuple(choices) if isinstance(choices, list) else choices,
                    choice_msgid=f.get("choice_msgid"),
                    min=f.get("min"),
                    max=f.get("max"),
                    max_length=f.get("max_length"),
                    past_only=bool(f.get("past_only", False)),
                    default=f.get("default"),
                    derived_from=f.get("derived_from"),
                    input_only=bool(f.get("input_only", False)),
                )
            )
            if f["type"] not in TYPES:
                raise ValueError(f"{form_name}.{fname}: unknown type {f['type']!r}")
        for r in spec.get("rules", []):
            if r not in RULES:
                raise ValueError(f"{form_name}: unknown rule {r!r}")
        out[form_name] = FormDecl(
            name=form_name,
            title=spec["title"],
            groups=tuple(spec["groups"]),
            fields=tuple(sorted(decls, key=lambda d: d.order)),
            rules=tuple(spec.get("rules", [])),
        )
    return out


def get_form(name: str) -> FormDecl:
    return forms()[name]


# --- field types ---------------------------------------------------------------------------------


@dataclass
class Context:
    region: str
    pack: PolicyPack
    today: dt.date


def _text(raw: Any, f: FieldDecl, ctx: Context) -> tuple[Any, list[Issue]]:
    """Every text-like field type starts here: one line, no control, invisible, unassigned or
    stray combining characters (forms.text), at most ``max_length``."""
    if not isinstance(raw, str):
        return None, [error("type.text", f.name)]
    if f.max_length and len(raw) > 4 * f.max_length:  # do not scan megabytes for a 40-character name
        return None, [error("text.too_long", f.name, max=f.max_length)]
    issues = text_issues(raw.strip(), f.name)
    if issues:
        return None, issues
    value = raw.strip()
    if f.max_length and len(value) > f.max_length:
        return None, [error("text.too_long", f.name, max=f.max_length)]
    return value, []


def _name_zh(raw: Any, f: FieldDecl, ctx: Context) -> tuple[Any, list[Issue]]:
    value, issues = _text(raw, f, ctx)
    if issues:
        return None, issues
    value = value.replace("•", "·").replace("・", "·").replace(" ", "")
    if not _NAME_ZH_RE.match(value) or value.startswith("·") or value.endswith("·") or "··" in value:
        return None, [error("name.chars", f.name)]
    return value, []


def _name_bo(raw: Any, f: FieldDecl, ctx: Context) -> tuple[Any, list[Issue]]:
    from i18n.tibetan import is_tibetan_name

    value, issues = _text(raw, f, ctx)
    if issues:
        return None, issues
    if f.name.startswith("name") and f.type == "name_bo" and not is_tibetan_name(value):
        return None, [error("tibetan.chars", f.name)]
    if "··" in value or value.startswith("·") or value.endswith("·"):
        return None, [error("tibetan.chars", f.name)]
    return value, []


def _wylie(raw: Any, f: FieldDecl, ctx: Context) -> tuple[Any, list[Issue]]:
    from i18n.tibetan import WylieError, wylie_to_unicode

    value, issues = _text(raw, f, ctx)
    if issues:
        return None, issues
    try:
        converted = wylie_to_unicode(value)
    except WylieError as exc:
        return None, [error("tibetan.wylie", f.name, detail=str(exc))]
    # what pyewts made is checked by the same rules as Tibetan typed directly
    from i18n.tibetan import is_tibetan_name

    issues = text_issues(converted, f.name)
    if issues:
        return None, issues
    if not is_tibetan_name(converted):
        return None, [error("tibetan.chars", f.name)]
    return converted, []


def _choice(raw: Any, f: FieldDecl, ctx: Context) -> tuple[Any, list[Issue]]:
    allowed = f.choice_values(ctx.pack, ctx.today)
    if not isinstance(raw, str) or raw not in allowed:
        code = "category.unknown" if f.choices == "categories" else "choice.unknown"
        return None, [error(code, f.name, value=raw)]
    return raw, []


def _date(raw: Any, f: FieldDecl, ctx: Context) -> tuple[Any, list[Issue]]:
    return parse_date(raw, f.name, today=ctx.today, allow_future=not f.past_only)


def _int(raw: Any, f: FieldDecl, ctx: Context) -> tuple[Any, list[Issue]]:
    return parse_int(raw, f.name, lo=f.min if f.min is not None else -(10**9), hi=f.max or 10**9)


def _county(raw: Any, f: FieldDecl, ctx: Context) -> tuple[Any, list[Issue]]:
    if not isinstance(raw, str) or divisions.lookup(raw.strip()) is None:
        return None, [error("choice.unknown", f.name, value=raw)]
    return raw.strip(), []


def _documents(raw: Any, f: FieldDecl, ctx: Context) -> tuple[Any, list[Issue]]:
    known = {d for docs in ctx.pack.checklists.values() for d in docs}
    if not isinstance(raw, list) or any(not isinstance(d, str) or d not in known for d in raw):
        bad = (
            raw if not isinstance(raw, list) else [d for d in raw if not isinstance(d, str) or d not in known]
        )
        return None, [error("choice.unknown", f.name, value=bad)]
    return list(dict.fromkeys(raw)), []


TYPES: dict[str, Callable[[Any, FieldDecl, Context], tuple[Any, list[Issue]]]] = {
    "text": _text,
    "name_zh": _name_zh,
    "name_bo": _name_bo,
    "wylie": _wylie,
    "choice": _choice,
    "date": _date,
    "int": _int,
    "bool": lambda raw, f, ctx: parse_bool(raw, f.name),
    "money": lambda raw, f, ctx: parse_money(raw, f.name),
    "mobile": lambda raw, f, ctx: parse_mobile(raw, f.name),
    "gestation": lambda raw, f, ctx: parse_gestation_weeks(raw, f.name),
    "id_number": lambda raw, f, ctx: _id_number(raw, f, ctx),
    "uscc": lambda raw, f, ctx: check_uscc(raw, f.name),
    "county": _county,
    "documents": _documents,
}


def _id_number(raw: Any, f: FieldDecl, ctx: Context) -> tuple[Any, list[Issue]]:
    parsed, issues = check_resident_id(raw, f.name, today=ctx.today)
    return (parsed.number if parsed else None), issues


# --- cross-field rules ---------------------------------------------------------------------------

Values = dict[str, Any]


def _rule_event_not_before_insured(v: Values, ctx: Context) -> list[Issue]:
    # A warning, not an error: an event before the person was insured is a real case the counter
    # must decide (domain.md: not covered on the event date → "not eligible" with its reason), and
    # also a common typing slip the clerk should look at.
    if v.get("event_date") and v.get("insured_since") and v["event_date"] < v["insured_since"]:
        return [
            warning("application.before_insured", "event_date", insured_since=v["insured_since"].isoformat())
        ]
    return []


def _rule_babies_for_birth(v: Values, ctx: Context) -> list[Issue]:
    if v.get("event") == "birth" and (v.get("babies") is None or v["babies"] < 1):
        return [error("application.babies", "babies")]
    return []


def _rule_gestation_for_miscarriage(v: Values, ctx: Context) -> list[Issue]:
    if v.get("gestation_weeks") is not None:
        return []
    op = _operation(v, ctx)
    if v.get("event") == "miscarriage" or (op is not None and op.by_gestation):
        return [error("application.gestation_required", "gestation_weeks")]
    return []


def _operation(v: Values, ctx: Context) -> Operation | None:
    """The family-planning operation of the application (the pack's row in force on the event date)."""
    from forms.operations import operations

    if v.get("event") != "family_planning_surgery" or not v.get("operation"):
        return None
    return operations(ctx.pack, v.get("event_date") or ctx.today).get(v["operation"])


def _sex_of(v: Values, ctx: Context) -> str | None:
    if not v.get("id_number"):
        return None
    parsed, _ = check_resident_id(v["id_number"], today=ctx.today)
    return parsed.sex if parsed else None


def _rule_operation_for_surgery(v: Values, ctx: Context) -> list[Issue]:
    """An operation is named for a family-planning surgery only, and must be one of the table in
    force on the event date (the table may change over time)."""
    if not v.get("operation"):
        return []
    if v.get("event") != "family_planning_surgery":
        return [error("application.operation_for_surgery_only", "operation")]
    if _operation(v, ctx) is None:
        return [error("choice.unknown", "operation", value=v["operation"])]
    return []


def _rule_operation_matches_sex(v: Values, ctx: Context) -> list[Issue]:
    """A vasectomy is a man's operation and valid for a male ID number; the others are women's."""
    op, sex = _operation(v, ctx), _sex_of(v, ctx)
    if op is not None and sex is not None and op.sex != sex:
        return [error("application.operation_sex", "operation")]
    return []


def _rule_spouse_claim(v: Values, ctx: Context) -> list[Issue]:
    """职工未就业配偶 (社会保险法 art. 54): the unemployed spouse of an insured male employee claims the
    medical costs of a birth or miscarriage, never the allowance, through her husband (his ID number)."""
    claimant, sex = v.get("claimant"), _sex_of(v, ctx)
    if claimant == "spouse":
        if v.get("claim_type") != "medical" or v.get("event") not in ("birth", "miscarriage"):
            return [error("application.spouse_claim_scope", "claimant")]
        if sex == "female":
            return [error("application.spouse_claim_by_husband", "claimant")]
    if (
        claimant == "self"
        and sex == "male"
        and v.get("claim_type") == "medical"
        and v.get("event") in ("birth", "miscarriage")
    ):
        return [error("application.spouse_claim_by_husband", "claimant")]
    return []


def _rule_medical_amount_positive(v: Values, ctx: Context) -> list[Issue]:
    amount = v.get("medical_amount")
    if v.get("claim_type") == "medical" and amount is not None and amount <= 0:
        return [error("application.medical_amount_positive", "medical_amount")]
    return []


def _is_allowance_category(v: Values, ctx: Context) -> bool:
    """An allowance claim by a person whose category may receive 生育津贴. The wage base and the
    contribution months decide the allowance only (domain.md: eligibility for the allowance); a
    medical-cost claim (claim_type medical) does not need them."""
    if v.get("claim_type") == "medical":
        return False
    cat = ctx.pack.categories.get(v.get("category") or "")
    return bool(cat and cat.allowance)


def _rule_employee_needs_wage(v: Values, ctx: Context) -> list[Issue]:
    if _is_allowance_category(v, ctx) and v.get("employer_avg_monthly_wage") is None:
        return [error("application.wage_required", "employer_avg_monthly_wage")]
    return []


def _rule_employee_needs_months(v: Values, ctx: Context) -> list[Issue]:
    if _is_allowance_category(v, ctx) and v.get("contribution_months") is None:
        return [error("application.months_required", "contribution_months")]
    return []


def _rule_filed_not_before_event(v: Values, ctx: Context) -> list[Issue]:
    if v.get("filed_on") and v.get("event_date") and v["filed_on"] < v["event_date"]:
        return [error("application.filed_before_event", "filed_on")]
    return []


def _rule_leave_start_window(v: Values, ctx: Context) -> list[Issue]:
    start, event = v.get("leave_start"), v.get("event_date")
    if not start or not event:
        return []
    try:
        prenatal = int(ctx.pack.value("leave_prenatal_max_days", event))
    except NoRuleInForce:
        return []  # an event older than every rule: refused as application.before_merger_unknown
    earliest = event - dt.timedelta(days=prenatal)
    if not earliest <= start <= event:
        return [error("application.leave_start_window", "leave_start", earliest=earliest.isoformat())]
    return []


def _rule_id_matches_birth_date(v: Values, ctx: Context) -> list[Issue]:
    number, birth = v.get("id_number"), v.get("birth_date")
    if number and birth:
        parsed, _ = check_resident_id(number, today=ctx.today)
        if parsed and parsed.birth_date != birth:
            return [error("id.birth_mismatch", "birth_date", expected=parsed.birth_date.isoformat())]
    return []


def _rule_id_matches_sex(v: Values, ctx: Context) -> list[Issue]:
    number, sex = v.get("id_number"), v.get("sex")
    if number and sex:
        parsed, _ = check_resident_id(number, today=ctx.today)
        if parsed and parsed.sex != sex:
            return [error("id.sex_mismatch", "sex")]
    return []


def _rule_allowance_for_women(v: Values, ctx: Context) -> list[Issue]:
    """生育津贴 (maternity allowance) is paid to the insured woman herself (女职工劳动保护特别规定 art. 8);
    a male employee claims the childbirth medical costs of his unemployed spouse (claim_type medical).
    The one allowance a man earns is for his own family-planning operation (a vasectomy's leave)."""
    if v.get("claim_type") == "allowance" and _sex_of(v, ctx) == "male":
        op = _operation(v, ctx)
        if op is None or op.sex != "male":
            return [error("application.allowance_for_women", "claim_type")]
    return []


def _rule_employee_needs_employer(v: Values, ctx: Context) -> list[Issue]:
    return []  # expressed by required_when on employer_uscc; kept as a named hook for the store


def _rule_name_bo_or_wylie(v: Values, ctx: Context) -> list[Issue]:
    wylie = v.pop("name_bo_wylie", None)
    if wylie and not v.get("name_bo"):
        v["name_bo"] = wylie
    return []


RULES: dict[str, Callable[[Values, Context], list[Issue]]] = {
    "event_not_before_insured": _rule_event_not_before_insured,
    "babies_for_birth": _rule_babies_for_birth,
    "gestation_for_miscarriage": _rule_gestation_for_miscarriage,
    "employee_needs_wage": _rule_employee_needs_wage,
    "employee_needs_months": _rule_employee_needs_months,
    "filed_not_before_event": _rule_filed_not_before_event,
    "leave_start_window": _rule_leave_start_window,
    "allowance_for_women": _rule_allowance_for_women,
    "operation_for_surgery": _rule_operation_for_surgery,
    "operation_matches_sex": _rule_operation_matches_sex,
    "spouse_claim": _rule_spouse_claim,
    "medical_amount_positive": _rule_medical_amount_positive,
    "id_matches_birth_date": _rule_id_matches_birth_date,
    "id_matches_sex": _rule_id_matches_sex,
    "employee_needs_employer": _rule_employee_needs_employer,
    "name_bo_or_wylie": _rule_name_bo_or_wylie,
}


# --- validation ----------------------------------------------------------------------------------


@dataclass
class FormResult:
    values: Values
    issues: list[Issue]

    @property
    def ok(self) -> bool:
        return not errors_only(self.issues)

    @property
    def errors(self) -> list[Issue]:
        return errors_only(self.issues)


def _blank(raw: Any) -> bool:
    return raw is None or (isinstance(raw, str) and not raw.strip())


def validate(
    form_name: str,
    data: Mapping[str, Any],
    region: str,
    *,
    today: dt.date | None = None,
    groups: Iterable[str] | None = None,
    extra_keys: Iterable[str] = (),
    strict: bool = False,
) -> FormResult:
    """Validate ``data`` against the form as shown in ``region``.

    Only the fields of ``groups`` (all when None) are read. With ``strict``, keys that are not fields
    of the form (or of ``extra_keys``) are errors. Derived fields (sex, birth date) are filled from
    the ID number when absent.
    """
    try:
        pack = load_pack(region)
    except KeyError:
        return FormResult({}, [error("region.unknown", "region", value=region)])
    form = get_form(form_name)
    ctx = Context(region, pack, today or business_today())
    fields = form.fields_for(region, groups)
    values: Values = {}
    issues: list[Issue] = []
    if strict:
        known = {f.name for f in form.fields} | set(extra_keys)
        issues += [error("form.unknown_field", k, name=k) for k in data if k not in known]

    for f in fields:
        raw = data.get(f.name)
        if _blank(raw):
            values[f.name] = f.default
            continue
        value, found = TYPES[f.type](raw, f, ctx)
        issues += found
        values[f.name] = value

    failed = {i.field for i in errors_only(issues)}
    for f in fields:
        if values.get(f.name) is not None or f.name in failed:
            continue
        needed = f.required or any(values.get(k) in allowed for k, allowed in f.required_when.items())
        if needed and not f.derived_from:
            issues.append(error("required", f.name))

    _fill_derived(values, fields, ctx)
    failed = {i.field for i in errors_only(issues)}
    for rule in form.rules:
        for issue in RULES[rule](values, ctx):
            if issue.field not in failed:
                issues.append(issue)
    for f in fields:
        if f.input_only:
            values.pop(f.name, None)
    return FormResult(values, issues)


def _fill_derived(values: Values, fields: list[FieldDecl], ctx: Context) -> None:
    names = {f.name for f in fields}
    number = values.get("id_number")
    if not number:
        return
    parsed, _ = check_resident_id(number, today=ctx.today)
    if parsed is None:
        return
    if "birth_date" in names and values.get("birth_date") is None:
        values["birth_date"] = parsed.birth_date
    if "sex" in names and values.get("sex") is None:
        values["sex"] = parsed.sex

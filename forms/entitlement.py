"""The entitlement engine: one maternity application → one decision, by the region's pack.

An allowance claim (``claim_type`` allowance): leave (产假) per 《女职工劳动保护特别规定》 art. 7 plus
the regional rule, or the leave of a family-planning operation (计划生育手术休假) from the pack's
operation table; 生育津贴 (maternity allowance) = employer's previous-year average monthly wage ÷
divisor × allowance days, rounded half-up to 0.01 yuan only at the end; eligibility by category and
consecutive contribution months.

A medical-cost claim (``claim_type`` medical, 生育医疗费用): who may claim, which fund pays, the amount
approved against the per-case standard where the pack has one (``forms.medical``); such a decision
carries no allowance. Every decision carries the settlement codes of the platform.

Every parameter comes from the pack entry in force on the event date, and each line cites its source.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from forms import medical
from forms.operations import operations, operations_entry
from forms.policy import Entry, PolicyPack, load_pack, parse_divisor
from forms.values import money_str, quantize_money
from forms.workdays import add_days_skipping_holidays

if TYPE_CHECKING:
    from forms.errors import Issue

ONE_DAY = dt.timedelta(days=1)


@dataclass(frozen=True)
class Application:
    """The facts of one maternity event that decide the entitlement."""

    region: str
    category: str  # employee | flexible | volunteer | retiree
    event: str  # birth | miscarriage | family_planning_surgery
    event_date: dt.date
    babies: int = 1
    dystocia: bool = False
    caesarean: bool = False
    gestation_weeks: int | None = None
    employer_avg_monthly_wage: Decimal | None = None  # 用人单位上年度职工月平均工资
    contribution_months: int | None = None  # consecutive months paid before the event
    insured_since: dt.date | None = None
    filed_on: dt.date | None = None
    leave_start: dt.date | None = None
    claim_type: str = "allowance"  # allowance (生育津贴) | medical (生育医疗费用)
    medical_amount: Decimal | None = None  # the medical costs claimed (paid out of pocket)
    operation: str | None = None  # a code of the pack's family-planning operation table
    outpatient: bool = False  # 门诊 (e.g. prenatal checks) rather than inpatient care
    claimant: str = "self"  # self | spouse (职工未就业配偶, claimed by the insured husband)
    documents: tuple[str, ...] = ()  # document codes handed in

    @classmethod
    def from_values(cls, region: str, v: Mapping[str, Any]) -> Application:
        """From the clean values of the maternity application form (``forms.declarations.validate``)."""
        return cls(
            region=region,
            category=v["category"],
            event=v["event"],
            event_date=v["event_date"],
            babies=v["babies"] if v.get("babies") is not None else 1,
            dystocia=bool(v.get("dystocia")),
            caesarean=bool(v.get("caesarean")),
            gestation_weeks=v.get("gestation_weeks"),
            employer_avg_monthly_wage=v.get("employer_avg_monthly_wage"),
            contribution_months=v.get("contribution_months"),
            insured_since=v.get("insured_since"),
            filed_on=v.get("filed_on"),
            leave_start=v.get("leave_start"),
            claim_type=v.get("claim_type") or "allowance",
            medical_amount=v.get("medical_amount"),
            operation=v.get("operation"),
            outpatient=bool(v.get("outpatient")),
            claimant=claimant_of(v),
            documents=tuple(v.get("documents") or ()),
        )


def claimant_of(v: Mapping[str, Any]) -> str:
    """Who the claim is for. A medical-cost claim for a birth or miscarriage filed under a male ID
    number is his unemployed spouse's (职工未就业配偶): a man does not give birth."""
    if v.get("claimant"):
        return str(v["claimant"])
    if v.get("claim_type") == "medical" and v.get("event") in ("birth", "miscarriage"):
        from forms.ric import check_resident_id

        number = v.get("id_number")
        parsed, _ = check_resident_id(number) if number else (None, [])
        if parsed is not None and parsed.sex == "male":
            return "spouse"
    return "self"


@dataclass(frozen=True)
class LeaveLine:
    code: str  # stable: national.base, national.dystocia, …; i18n msgid is leave.<code>
    days: int
    source: str

    def to_json(self) -> dict[str, Any]:
        return {"code": self.code, "days": self.days, "source": self.source}


@dataclass(frozen=True)
class Decision:
    eligible: bool
    reasons: tuple[str, ...]
    reason_params: dict[str, dict[str, Any]]
    leave_days: int
    leave_breakdown: tuple[LeaveLine, ...]
    allowance_days: int
    daily_rate: Decimal
    allowance: Decimal
    medical_paid_by: str
    pack: str
    rule_version: str
    leave_start: dt.date | None
    leave_end: dt.date | None
    calendar_exact: bool = True
    citations: tuple[str, ...] = field(default=())
    settlement: medical.SettlementCode | None = None
    claim_type: str = "allowance"
    medical_amount_claimed: Decimal | None = None
    medical_amount_approved: Decimal = Decimal("0")
    medical_standard: Decimal | None = None  # the per-case standard applied, if any

    @property
    def rule(self) -> str:
        return f"{self.pack}/{self.rule_version}"

    def to_json(self) -> dict[str, Any]:
        """The ``liangxian entitle`` output contract."""
        return {
            "eligible": self.eligible,
            "reasons": list(self.reasons),
            "leave_days": self.leave_days,
            "leave_breakdown": [line.to_json() for line in self.leave_breakdown],
            "allowance_days": self.allowance_days,
            "daily_rate": money_str(self.daily_rate),
            "allowance": money_str(self.allowance),
            "medical_paid_by": self.medical_paid_by,
            "medical_amount_approved": money_str(self.medical_amount_approved),
            "settlement_code": self.settlement.to_json() if self.settlement else None,
            "rule": self.rule,
        }


class _Rules:
    """Reads pack entries for one event date and remembers which were used (the rule version is the
    latest effective date among them)."""

    def __init__(self, pack: PolicyPack, on: dt.date):
        self.pack = pack
        self.on = on
        self.used: list[Entry] = []
        self.extra_dates: list[dt.date] = []

    def entry(self, name: str) -> Entry:
        e = self.pack.entry(name, self.on)
        self.used.append(e)
        return e

    def value(self, name: str) -> Any:
        return self.entry(name).value

    def use(self, e: Entry) -> Entry:
        self.used.append(e)
        return e

    def version(self) -> str:
        dates = [e.effective_from for e in self.used] + self.extra_dates
        return max(dates).isoformat()

    def citations(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(e.citation for e in self.used))


def _cite(e: Entry) -> str:
    return f"{e.citation} [{e.effective_from.isoformat()}]"


def _national_birth_lines(app: Application, rules: _Rules) -> list[LeaveLine]:
    base = rules.entry("leave_base_days")
    lines = [LeaveLine("national.base", int(base.value), _cite(base))]
    as_dystocia = app.dystocia or (app.caesarean and rules.value("caesarean_as_dystocia"))
    if as_dystocia:
        e = rules.entry("leave_dystocia_days")
        lines.append(LeaveLine("national.dystocia", int(e.value), _cite(e)))
    if app.babies > 1:
        e = rules.entry("leave_extra_baby_days")
        lines.append(LeaveLine("national.extra_baby", int(e.value) * (app.babies - 1), _cite(e)))
    return lines


def _extension_end(last_national_day: dt.date, days: int, skip_holidays: bool) -> tuple[dt.date, bool]:
    if days <= 0:
        return last_national_day, True
    if skip_holidays:
        return add_days_skipping_holidays(last_national_day, days)
    return last_national_day + dt.timedelta(days=days), True


def _regional_extension(
    app: Application, rules: _Rules, national_days: int, start: dt.date
) -> tuple[LeaveLine | None, dt.date, bool, bool]:
    """The regional extension line, the leave end date, whether it is calendar-exact and whether the
    fund pays the extension days."""
    last_national = start + dt.timedelta(days=national_days - 1)
    total = rules.entry("leave_regional_total_days")
    if int(total.value) > 0:
        extra = max(0, int(total.value) - national_days)
        paid = bool(rules.value("allowance_pays_regional_extension"))
        line = LeaveLine("regional.extension", extra, _cite(total)) if extra else None
        return line, last_national + dt.timedelta(days=extra), True, paid

    ext = rules.pack.entry("leave_regional_extension_days", app.event_date)
    skip = bool(rules.value("extension_skips_statutory_holidays"))
    end, exact = _extension_end(last_national, int(ext.value), skip)
    # An amendment that also covers leave still running on its effective date (e.g. Jiangsu's 60
    # days from 2022-02-10) applies when the leave under the older rule had not ended by then.
    later = rules.pack.next_entry("leave_regional_extension_days", app.event_date)
    while later is not None and later.applies_to_running_leave and end >= later.effective_from:
        ext = later
        end, exact = _extension_end(last_national, int(ext.value), skip)
        later = rules.pack.next_entry("leave_regional_extension_days", ext.effective_from)
    rules.use(ext)
    paid = bool(rules.value("allowance_pays_regional_extension"))
    if int(ext.value) <= 0:
        return None, end, exact, paid
    return LeaveLine("regional.extension", int(ext.value), _cite(ext)), end, exact, paid


def _paid_by(app: Application, pack: PolicyPack) -> str:
    """Which fund pays the medical costs: the category's, or for an unemployed spouse the insured
    husband's maternity benefit."""
    if app.claimant == "spouse":
        return "maternity"
    return pack.categories[app.category].medical_paid_by


def _settlement(app: Application, rules: _Rules, paid_by: str) -> medical.SettlementCode:
    for e in medical.settlement_entries(rules.pack, rules.on):
        rules.use(e)
    return medical.settlement_code(rules.pack, rules.on, app.event, app.outpatient, paid_by)


def _coverage_reasons(
    app: Application, rules: _Rules, prefix: str
) -> tuple[list[str], dict[str, dict[str, Any]]]:
    """Insured on the event date and filed in time: the conditions every claim shares."""
    reasons: list[str] = []
    params: dict[str, dict[str, Any]] = {}
    # domain.md (eligibility): covered on the event date, else not eligible.
    if app.insured_since is not None and app.event_date < app.insured_since:
        reasons.append(f"{prefix}.not_insured_on_event_date")
        params[f"{prefix}.not_insured_on_event_date"] = {"insured_since": app.insured_since.isoformat()}
    if app.filed_on is not None:
        limit = int(rules.value("filing_limit_months"))
        if app.filed_on > _add_months(app.event_date, limit):
            reasons.append(f"{prefix}.filing_deadline_passed")
            params[f"{prefix}.filing_deadline_passed"] = {"months": limit}
    return reasons, params


def _decide_medical(app: Application, pack: PolicyPack, rules: _Rules) -> Decision:
    """生育医疗费用: who may claim, which fund pays, the amount approved (``forms.medical``)."""
    category = pack.categories[app.category]
    citations = [category.citation]
    paid_by = _paid_by(app, pack)
    settlement = _settlement(app, rules, paid_by)
    reasons, params = _coverage_reasons(app, rules, "medical")
    if app.event == "family_planning_surgery":
        e = operations_entry(pack, app.event_date)
        if e is not None:
            rules.use(e)
        op = operations(pack, app.event_date)[app.operation or ""]
        citations.append(op.citation)
    if app.claimant == "spouse":
        covered = rules.entry("medical_spouse_covered")
        if not covered.value or not category.joins_maternity:
            # the benefit is the insured employee's: a spouse of a person outside maternity
            # insurance (flexible worker, retiree …) has none
            reasons.append("medical.spouse_not_covered")
        needed = [d for d in rules.value("medical_spouse_documents") if d not in app.documents]
        if needed:
            reasons.append("medical.spouse_documents_missing")
            params["medical.spouse_documents_missing"] = {"documents": needed}
    claimed = app.medical_amount or Decimal("0")
    standard = medical.per_case_standard(pack, app.event_date, app.event, app.outpatient, app.operation)
    if standard is not None:
        if standard.entry is not None:
            rules.use(standard.entry)
        else:
            citations.append(standard.citation)
    payable = not reasons
    approved = quantize_money(medical.approved_amount(claimed, standard)) if payable else Decimal("0")
    if payable and standard is not None and approved < claimed:
        # partly paid: the part above the per-case standard is not
        reasons.append("medical.standard_applied")
        params["medical.standard_applied"] = {
            "standard": money_str(standard.amount),
            "claimed": money_str(claimed),
        }
    return Decision(
        eligible=payable and approved > 0,
        reasons=tuple(reasons),
        reason_params=params,
        leave_days=0,
        leave_breakdown=(),
        allowance_days=0,
        daily_rate=Decimal("0"),
        allowance=Decimal("0"),
        medical_paid_by=paid_by,
        pack=pack.id,
        rule_version=rules.version(),
        leave_start=None,
        leave_end=None,
        citations=tuple(dict.fromkeys((*citations, *rules.citations()))),
        settlement=settlement,
        claim_type="medical",
        medical_amount_claimed=claimed,
        medical_amount_approved=approved,
        medical_standard=standard.amount if standard is not None else None,
    )


def _miscarriage_line(app: Application, rules: _Rules, codes: tuple[str, str]) -> LeaveLine:
    """The miscarriage days by completed weeks (art. 7: before 4 full months 15, from then 42);
    ``codes`` are the line codes (early, late)."""
    threshold = int(rules.value("miscarriage_late_min_weeks"))
    weeks = app.gestation_weeks or 0
    name, code = (
        ("leave_miscarriage_late_days", codes[1])
        if weeks >= threshold
        else ("leave_miscarriage_early_days", codes[0])
    )
    e = rules.entry(name)
    return LeaveLine(code, int(e.value), _cite(e))


def _surgery_line(app: Application, rules: _Rules) -> tuple[LeaveLine, bool]:
    """The leave of a family-planning operation from the pack's table, and whether the fund pays
    the allowance for it."""
    e = operations_entry(rules.pack, app.event_date)
    if e is not None:
        rules.use(e)
    op = operations(rules.pack, app.event_date)[app.operation or ""]
    if op.by_gestation:
        codes = (f"family_planning.{op.code}_early", f"family_planning.{op.code}_late")
        return _miscarriage_line(app, rules, codes), op.allowance
    source = f"{op.citation} [{e.effective_from.isoformat()}]" if e is not None else op.citation
    return LeaveLine(f"family_planning.{op.code}", int(op.leave_days or 0), source), op.allowance


def decide(app: Application, pack: PolicyPack | None = None) -> Decision:
    """Decide one application. Input must already be validated (see ``forms.declarations``)."""
    pack = pack or load_pack(app.region)
    rules = _Rules(pack, app.event_date)
    category = pack.categories[app.category]
    if pack.merged_on and app.event_date >= pack.merged_on:
        rules.extra_dates.append(pack.merged_on)
    if app.claim_type == "medical":
        return _decide_medical(app, pack, rules)
    settlement = _settlement(app, rules, "maternity" if category.allowance else category.medical_paid_by)
    reasons: list[str] = []
    reason_params: dict[str, dict[str, Any]] = {}
    # domain.md (eligibility): covered by maternity insurance on the event date, else not eligible.
    if app.insured_since is not None and app.event_date < app.insured_since:
        reasons.append("allowance.not_insured_on_event_date")
        reason_params["allowance.not_insured_on_event_date"] = {
            "insured_since": app.insured_since.isoformat()
        }

    if not category.allowance:
        # Not in maternity insurance (flexible workers, volunteers, retirees): no allowance and no
        # leave from an employer; childbirth medical costs are paid by the medical fund.
        rules.entry("leave_base_days")
        reasons.insert(0, "allowance.category_not_covered")
        return Decision(
            eligible=False,
            reasons=tuple(reasons),
            reason_params=reason_params,
            leave_days=0,
            leave_breakdown=(),
            allowance_days=0,
            daily_rate=Decimal("0"),
            allowance=Decimal("0"),
            medical_paid_by=category.medical_paid_by,
            pack=pack.id,
            rule_version=rules.version(),
            leave_start=None,
            leave_end=None,
            citations=(category.citation, *rules.citations()),
            settlement=settlement,
        )

    start = app.leave_start or app.event_date
    exact = True
    if app.event == "birth":
        lines = _national_birth_lines(app, rules)
        national_days = sum(line.days for line in lines)
        ext_line, end, exact, ext_paid = _regional_extension(app, rules, national_days, start)
        if ext_line:
            lines.append(ext_line)
        leave_days = sum(line.days for line in lines)
        allowance_days = national_days + (ext_line.days if ext_line and ext_paid else 0)
    elif app.event == "family_planning_surgery":
        line, paid = _surgery_line(app, rules)
        lines = [line] if line.days else []
        leave_days = line.days
        allowance_days = leave_days if paid else 0
        if not paid:
            reasons.append("allowance.operation_not_paid")
        end = start + dt.timedelta(days=max(leave_days, 1) - 1)
    else:  # miscarriage
        line = _miscarriage_line(app, rules, ("national.miscarriage_early", "national.miscarriage_late"))
        lines = [line]
        leave_days = allowance_days = line.days
        end = start + dt.timedelta(days=leave_days - 1)

    required = int(rules.value("min_contribution_months"))
    months = app.contribution_months or 0
    if months < required:
        reasons.append("allowance.contribution_months_short")
        reason_params["allowance.contribution_months_short"] = {"months": months, "required": required}
    if app.filed_on is not None:
        limit = int(rules.value("filing_limit_months"))
        if app.filed_on > _add_months(app.event_date, limit):
            reasons.append("allowance.filing_deadline_passed")
            reason_params["allowance.filing_deadline_passed"] = {"months": limit}

    eligible = not reasons
    num, den = parse_divisor(rules.value("allowance_divisor"))
    wage = app.employer_avg_monthly_wage or Decimal("0")
    if eligible:
        daily_rate = quantize_money(wage * den / num)
        allowance = quantize_money(wage * allowance_days * den / num)
    else:
        allowance_days = 0
        daily_rate = allowance = Decimal("0")
    return Decision(
        eligible=eligible,
        reasons=tuple(reasons),
        reason_params=reason_params,
        leave_days=leave_days,
        leave_breakdown=tuple(lines),
        allowance_days=allowance_days,
        daily_rate=daily_rate,
        allowance=allowance,
        medical_paid_by=category.medical_paid_by,
        pack=pack.id,
        rule_version=rules.version(),
        leave_start=start,
        leave_end=end,
        calendar_exact=exact,
        citations=(category.citation, *rules.citations()),
        settlement=settlement,
    )


def _add_months(day: dt.date, months: int) -> dt.date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    for d in (day.day, 30, 29, 28):
        try:
            return dt.date(year, month, d)
        except ValueError:
            continue
    raise AssertionError("unreachable")


# ``liangxian entitle`` reads the fields of the maternity application form (the same keys as
# ``register application``) plus ``region``; the ID number is optional there (no person is looked up),
# and when given it decides what depends on sex (a vasectomy is a man's; a man's medical claim for a
# birth is his unemployed spouse's). Any other key is refused (form.unknown_field), as at register.
ENTITLE_OPTIONAL = ("id_number",)


def application_from_json(
    data: object, *, today: dt.date | None = None
) -> tuple[Application | None, list[Issue]]:
    """Validate ``liangxian entitle`` input with the maternity application form.

    Returns ``(Application | None, issues)``; the application is None when any error was found."""
    from forms.declarations import validate
    from forms.errors import error, errors_only

    if not isinstance(data, dict):
        return None, [error("form.not_object", "")]
    region = data.get("region")
    if not isinstance(region, str) or not region:
        return None, [error("required", "region")] if region in (None, "") else [
            error("region.unknown", "region", value=region)
        ]
    result = validate("maternity_application", data, region, today=today, extra_keys=("region",), strict=True)
    issues = [i for i in result.issues if not (i.code == "required" and i.field in ENTITLE_OPTIONAL)]
    if errors_only(issues):
        return None, issues
    app = Application.from_values(region, result.values)
    # An event older than every rule a pack holds (e.g. before the 2012 national leave rules) cannot
    # be decided; say so as invalid input rather than fail in the engine.
    from forms.policy import NoRuleInForce

    try:
        decide(app)
    except NoRuleInForce:
        return None, [*issues, error("application.before_merger_unknown", "event_date")]
    return app, issues

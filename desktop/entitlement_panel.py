"""The live entitlement (待遇测算): leave days, daily rate and total allowance, each leave line with the
rule it comes from, recomputed by ``forms.entitlement`` as the application is filled in; for a
medical-cost claim (生育医疗费用) the amount claimed, the per-case standard, the amount approved, the
paying fund, the settlement codes and the reasons when something is not paid.

The panel sits in a scroll area without a horizontal scroll bar, which makes it at least as wide as
its layout's minimum width: a label that does not wrap (a long Tibetan or Chinese value) would widen
the whole panel past the visible area, cutting the citations and pushing the days out of sight. So
every text label here wraps, and the minimum width is that of the longest unbreakable word (a money
amount, a date); Qt breaks Chinese between characters and Tibetan after a tsheg.

The panel shows what it can as soon as it can: before the event, its date and the category are known
it names what is still needed; once they are, the leave (days, lines and period) is shown even while
the wage or the contribution months are missing or still being typed, and the allowance follows as
soon as they are valid."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QGridLayout, QLabel, QVBoxLayout, QWidget

from desktop import fmt
from desktop.lang import UiLanguage


class EntitlementPanel(QFrame):
    def __init__(self, region: str, ui: UiLanguage) -> None:
        super().__init__()
        self.setObjectName("entitlement_panel")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.region = region
        self.ui = ui
        self.decision: Any = None
        self.partial = False
        self.partial_decision: Any = None
        self._data: dict[str, Any] = {}
        layout = QVBoxLayout(self)
        self.title = QLabel()
        self.title.setProperty("role", "title")
        self.title.setWordWrap(True)
        layout.addWidget(self.title)
        self.status = QLabel()
        self.status.setObjectName("entitlement_status")
        self.status.setWordWrap(True)
        layout.addWidget(self.status)
        self.lines_host = QWidget()
        self.lines = QGridLayout(self.lines_host)
        self.lines.setColumnStretch(0, 1)
        layout.addWidget(self.lines_host)
        self.totals_host = QWidget()
        self.totals = QGridLayout(self.totals_host)
        self.totals.setColumnStretch(1, 1)
        layout.addWidget(self.totals_host)
        self.reasons = QLabel()
        self.reasons.setObjectName("entitlement_reasons")
        self.reasons.setWordWrap(True)
        self.reasons.setProperty("role", "error")
        layout.addWidget(self.reasons)
        self.rule = QLabel()
        self.rule.setProperty("role", "hint")
        self.rule.setWordWrap(True)
        layout.addWidget(self.rule)
        layout.addStretch(1)
        ui.changed.connect(lambda _l: self.update_from(self._data))
        self.update_from({})

    def update_from(self, data: dict[str, Any]) -> None:
        """Recompute from the raw form data (as typed)."""
        from forms.entitlement import application_from_json, decide
        from forms.policy import NoRuleInForce

        self._data = dict(data)
        self.partial = False
        self.title.setText(self.ui.t("ui.entitlement.title"))
        self._clear()
        core = [n for n in ("category", "event", "event_date") if not data.get(n)]
        if core:
            self._incomplete(core)
            return
        app, issues = application_from_json({**data, "region": self.region})
        if app is None:
            self._partial(data, issues)
            return
        try:
            decision = decide(app)
        except NoRuleInForce:
            self._incomplete(["event_date"])
            return
        self.decision = decision
        self._show(decision)

    #: what the allowance needs beyond the leave: without them the leave is still shown
    ALLOWANCE_INPUTS = ("employer_avg_monthly_wage", "contribution_months")

    def _partial(self, data: dict[str, Any], issues: list[Any]) -> None:
        """The leave from what is valid so far, the allowance's missing inputs named."""
        from forms.entitlement import application_from_json, decide
        from forms.errors import errors_only
        from forms.policy import NoRuleInForce

        bad = {i.field for i in errors_only(issues)}
        if bad - set(self.ALLOWANCE_INPUTS) or data.get("claim_type") == "medical":
            self._incomplete(sorted(bad))
            return
        # stand-ins for the missing allowance inputs: the leave does not depend on them
        stand_in = {
            **data,
            "employer_avg_monthly_wage": "0",
            "contribution_months": "1200",
            "region": self.region,
        }
        app, _issues = application_from_json(stand_in)
        if app is None:
            self._incomplete(sorted(bad))
            return
        try:
            decision = decide(app)
        except NoRuleInForce:
            self._incomplete(["event_date"])
            return
        self.partial = True
        self.decision = None
        self.partial_decision = decision
        missing = self._field_names(sorted(bad))
        self._show(decision, partial=True)
        self.status.setText(self.ui.t("ui.entitlement.partial", missing=missing))

    def _clear(self) -> None:
        self.decision = None
        for grid in (self.lines, self.totals):
            while grid.count():
                item = grid.takeAt(0)
                if item.widget():
                    item.widget().hide()  # at once: the new rows must not paint over the old ones
                    item.widget().deleteLater()
        self.reasons.clear()
        self.rule.clear()

    def _field_names(self, fields: list[str]) -> str:
        sep = "、" if self.ui.lang == "zh" else "། " if self.ui.lang == "bo" else ", "
        return sep.join(self.ui.t(f"field.{f}") for f in fields)

    def _incomplete(self, missing: list[str] | None = None) -> None:
        if missing:
            self.status.setText(self.ui.t("ui.entitlement.needs", missing=self._field_names(missing)))
        else:
            self.status.setText(self.ui.t("ui.entitlement.incomplete"))

    def _reason_text(self, code: str, params: dict[str, Any]) -> str:
        params = dict(params)
        docs = params.get("documents")
        if isinstance(docs, list | tuple):
            sep = "、" if self.ui.lang == "zh" else "་ "
            params["documents"] = sep.join(self.ui.t(f"doc.{doc}") for doc in docs)
        return self.ui.t(f"reason.{code}", **params)

    def _totals(self, rows: list[tuple[str, str]]) -> None:
        for row, (msgid, value) in enumerate(rows):
            key = QLabel(self.ui.t(msgid))
            key.setWordWrap(True)
            key.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
            val = QLabel(value)
            val.setWordWrap(True)
            val.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
            val.setObjectName(msgid.replace(".", "_"))
            val.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            self.totals.addWidget(key, row, 0)
            self.totals.addWidget(val, row, 1)

    def _show_medical(self, d: Any) -> None:
        t, lang = self.ui.t, self.ui.lang
        self.status.setText(
            t("ui.entitlement.medical_payable") if d.eligible else t("ui.entitlement.medical_not_payable")
        )
        rows = [("ui.entitlement.medical_claimed", fmt.money(d.medical_amount_claimed, lang))]
        if d.medical_standard is not None:
            rows.append(("ui.entitlement.medical_standard", fmt.money(d.medical_standard, lang)))
        rows += [
            ("ui.entitlement.medical_approved", fmt.money(d.medical_amount_approved, lang)),
            ("ui.entitlement.medical_paid_by", t(f"paid_by.{d.medical_paid_by}")),
        ]
        if d.settlement is not None:
            rows.append(
                (
                    "ui.entitlement.settlement_code",
                    t(
                        "print.value.settlement",
                        medical_type=d.settlement.medical_type,
                        insurance_type=d.settlement.insurance_type,
                    ),
                )
            )
        self._totals(rows)
        reasons = list(d.reasons)
        self.reasons.setText(
            "\n".join(self._reason_text(code, d.reason_params.get(code, {})) for code in reasons)
        )
        self.rule.setText(t("ui.entitlement.rule", rule=d.rule))

    def _show(self, d: Any, *, partial: bool = False) -> None:
        t, lang = self.ui.t, self.ui.lang
        if d.claim_type == "medical":
            self._show_medical(d)
            return
        self.status.setText(t("ui.entitlement.eligible") if d.eligible else t("ui.entitlement.not_eligible"))
        for row, line in enumerate(d.leave_breakdown):
            name = QLabel(t(f"leave.{line.code}"))
            name.setObjectName(f"leave_{line.code}")
            name.setWordWrap(True)
            days = QLabel(t("ui.entitlement.days", days=fmt.number(line.days, lang)))
            days.setObjectName(f"days_{line.code}")
            days.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop)
            source = QLabel(line.source)
            source.setProperty("role", "hint")
            source.setWordWrap(True)
            source.setObjectName(f"rule_{line.code}")
            self.lines.addWidget(name, 2 * row, 0)
            self.lines.addWidget(days, 2 * row, 1)
            self.lines.addWidget(source, 2 * row + 1, 0, 1, 2)
        rows = [
            ("ui.entitlement.leave_days", t("ui.entitlement.days", days=fmt.number(d.leave_days, lang))),
        ]
        if not partial:
            rows += [
                (
                    "ui.entitlement.allowance_days",
                    t("ui.entitlement.days", days=fmt.number(d.allowance_days, lang)),
                ),
                ("ui.entitlement.daily_rate", fmt.money(d.daily_rate, lang)),
                ("ui.entitlement.allowance", fmt.money(d.allowance, lang)),
            ]
        rows.append(("ui.entitlement.medical_paid_by", t(f"paid_by.{d.medical_paid_by}")))
        if d.leave_start and d.leave_end:
            rows.append(
                (
                    "ui.entitlement.leave_period",
                    f"{fmt.date(d.leave_start, lang)} – {fmt.date(d.leave_end, lang)}",
                )
            )
        self._totals(rows)
        reasons = [c for c in d.reasons if not (partial and c.startswith("allowance.contribution"))]
        self.reasons.setText(
            "\n".join(self._reason_text(code, d.reason_params.get(code, {})) for code in reasons)
        )
        self.rule.setText(t("ui.entitlement.rule", rule=d.rule))

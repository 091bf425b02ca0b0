"""Writes of applications (申请): intake with its entitlement decision and receipt number, corrections
of the facts (the entitlement is decided again; earlier decisions stay in the history), and the status
machine of ``forms.workflow`` with separation of duties."""

from __future__ import annotations

import json
from types import SimpleNamespace
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from forms import workflow
from forms.declarations import validate
from forms.errors import ValidationFailed, error, errors_only
from forms.policy import NoRuleInForce
from localdb import models as m
from localdb.clock import new_id, utc_now
from localdb.errors import DuplicateApplication, NotFound
from localdb.journal import dump
from localdb.records import (
    application_core,
    application_stats,
    decision_days,
    enrollment_dict,
    json_values,
    person_dict,
)
from localdb.writebase import WriteBase, check_note, correction_meta, raise_issues

RECEIVED, UNDER_REVIEW, APPROVED, REJECTED, WITHDRAWN, PAID = workflow.STATUSES


def decide_values(region: str, v: dict[str, Any]) -> tuple[Any, dict[str, Any]]:
    """The entitlement decision for validated application values, and its stored JSON form."""
    from forms.entitlement import Application as Facts
    from forms.entitlement import decide

    try:
        decision = decide(Facts.from_values(region, v))
    except NoRuleInForce as exc:
        raise ValidationFailed([error("application.before_merger_unknown", "event_date")]) from exc
    decision_json = {
        **decision.to_json(),
        "reason_params": decision.reason_params,
        "leave_start": decision.leave_start.isoformat() if decision.leave_start else None,
        "leave_end": decision.leave_end.isoformat() if decision.leave_end else None,
        "calendar_exact": decision.calendar_exact,
        "citations": list(decision.citations),
    }
    return decision, decision_json


class ApplicationWrites(WriteBase):
    def create_application(self, data: dict[str, Any]) -> dict[str, Any]:
        """Take in an application: validate with the maternity application form (facts missing from the
        input are filled from the person's enrollment and employer), decide it with the entitlement
        engine, give it a receipt number, record documents received. Status: received.

        One event, one claim: when the person already has an application of the same claim type for the
        same event on the same date that is not rejected or withdrawn, DuplicateApplication carries that
        application and nothing is written (checked inside the write transaction, before any write)."""
        from forms.ric import compact

        self._allow("application.create")
        if not isinstance(data, dict):
            raise ValidationFailed([error("form.not_object", "")])
        # Parsing, validation and the entitlement decision run before the write lock is taken (a slow
        # input must not hold every other writer up); the write transaction re-reads only what it must
        # (the person still there, the duplicate check, the receipt number).
        with self._read() as s:
            raw_id = data.get("id_number")
            person = None
            if isinstance(raw_id, str) and raw_id.strip():
                person = s.scalars(select(m.Person).where(m.Person.id_number == compact(raw_id))).first()
            filled = dict(data)
            en = employer = None
            if person is not None:
                en = s.scalars(
                    select(m.Enrollment)
                    .where(m.Enrollment.person_id == person.id, m.Enrollment.ended_on.is_(None))
                    .order_by(m.Enrollment.insured_since.desc())
                ).first()
                filled.setdefault("category", person.category)
                if en is not None:
                    filled.setdefault("insured_since", en.insured_since.isoformat())
                    if en.employer_id:
                        employer = s.get(m.Employer, en.employer_id)
                        if employer and employer.avg_monthly_wage is not None:
                            filled.setdefault(
                                "employer_avg_monthly_wage", format(employer.avg_monthly_wage, "f")
                            )
            person_id = person.id if person is not None else None
            person_json = (
                person_dict(person, enrollment_dict(en, employer) if en is not None else None)
                if person is not None
                else None
            )
        filled.setdefault("filed_on", self.today.isoformat())
        result = validate("maternity_application", filled, self.region, today=self.today, strict=True)
        issues = errors_only(result.issues)
        if person_id is None and not any(i.field == "id_number" for i in issues):
            # the facts that come from the person's record are not the applicant's mistake
            from_person = {"category", "insured_since", "employer_avg_monthly_wage"}
            issues = [i for i in issues if not (i.code == "required" and i.field in from_person)]
            issues.append(error("application.person_unknown", "id_number"))
        if issues or person_id is None:  # no person: an issue was added above
            raise ValidationFailed(issues)
        v = result.values
        decision, decision_json = decide_values(self.region, v)
        with self._write() as s:
            if s.get(m.Person, person_id) is None:  # pragma: no cover - persons are never deleted
                raise ValidationFailed([error("application.person_unknown", "id_number")])
            earlier = self._open_application_for_event(s, person_id, v)
            if earlier is not None:
                raise DuplicateApplication(self._application(s, earlier))
            now = utc_now()
            app = SimpleNamespace(
                id=new_id(),
                receipt_no=self._next_receipt_no(s),
                person_id=person_id,
                claim_type=v["claim_type"],
                event=v["event"],
                event_date=v["event_date"],
                form_json=dump(json_values(v)),
                status=RECEIVED,
                created_by=self.username,
                created_at=now,
                updated_at=now,
                version=1,
            )
            stats = application_stats(json.loads(app.form_json), app.claim_type, now)
            decision_text = dump(decision_json)
            documents = [
                {
                    "id": new_id(),
                    "application_id": app.id,
                    "code": code,
                    "received_at": now,
                    "received_by": self.username,
                }
                for code in v.get("documents") or []
            ]
            # plain Core inserts in FK order: this is the hot path of the counter (see benchmarks/)
            s.execute(m.Application.__table__.insert(), [{**vars(app), **stats}])
            s.execute(
                m.StatusChange.__table__.insert(),
                [
                    {
                        "id": new_id(),
                        "application_id": app.id,
                        "from_status": None,
                        "to_status": RECEIVED,
                        "at": now,
                        "by": self.username,
                        "note": None,
                    }
                ],
            )
            s.execute(
                m.Decision.__table__.insert(),
                [
                    {
                        "id": new_id(),
                        "application_id": app.id,
                        "decided_at": now,
                        "rule_version": decision.rule,
                        "eligible": decision.eligible,
                        "allowance": decision.allowance,
                        "decision_json": decision_text,
                        **decision_days(decision_json),
                    }
                ],
            )
            if documents:
                s.execute(m.DocumentReceived.__table__.insert(), documents)
            after = application_core(app)
            after.update(
                person=person_json,
                decision=json.loads(decision_text),
                rule_version=decision.rule,
                status_history=[{"from": None, "to": RECEIVED, "at": now, "by": self.username, "note": None}],
                documents=[{k: d[k] for k in ("code", "received_at", "received_by")} for d in documents],
                prints=[],
            )
            self._log(
                s, "application.create", "application", app.id, None, after, op="create", base_version=None
            )
            return after

    def _open_application_for_event(
        self, s: Session, person_id: str, v: dict[str, Any], *, excluding: str | None = None
    ) -> m.Application | None:
        """The person's earliest application of this claim type for this event and event date that is
        still live (neither rejected nor withdrawn), if any (other than ``excluding``)."""
        q = (
            select(m.Application.id)
            .where(
                m.Application.person_id == person_id,
                m.Application.claim_type == v["claim_type"],
                m.Application.event == v["event"],
                m.Application.event_date == v["event_date"],
                m.Application.status.not_in((REJECTED, WITHDRAWN)),
            )
            .order_by(m.Application.id)
            .limit(1)
        )
        if excluding is not None:
            q = q.where(m.Application.id != excluding)
        app_id = s.scalar(q)
        return None if app_id is None else s.get(m.Application, app_id)

    def _next_receipt_no(self, s: Session) -> str:
        """County code + counter number + date + daily sequence, e.g. ``540102-03-20261128-0007``:
        unique across every counter with no server, allocated inside the write transaction."""
        counter = self._store.counter_info
        day = self.today.strftime("%Y%m%d")
        seq = (
            s.connection()
            .exec_driver_sql(
                "INSERT INTO receipt_sequences (counter_id, day, last) VALUES (?, ?, 1) "
                "ON CONFLICT (counter_id, day) DO UPDATE SET last = last + 1 RETURNING last",
                (counter.id, day),
            )
            .scalar_one()
        )
        return f"{counter.county_code}-{counter.counter_no:02d}-{day}-{seq:04d}"

    def _app_record(self, s: Session, a: m.Application) -> dict[str, Any]:
        """An application as the journal records it: its columns, the latest decision, the status
        history and the documents (the person is a record of its own)."""
        full = self._application(s, a)
        return {
            k: full[k]
            for k in (*application_core(a), "decision", "rule_version", "status_history", "documents")
        }

    # --- corrections -------------------------------------------------------------------------------

    def update_application(self, app_id: str, base_version: int, changes: dict[str, Any]) -> dict[str, Any]:
        """Correct the facts of an application (event date, babies, wage…) and decide it again. While
        it is received or under review any role may; once approved or paid only an admin, with a
        reason, and the earlier decision stays in its history. Rejected and withdrawn ones are closed."""
        if not isinstance(changes, dict):
            raise ValidationFailed([error("form.not_object", "")])
        check_note(changes.get("reason"), "reason")
        with self._write() as s:
            a = s.get(m.Application, app_id)
            if a is None:
                raise NotFound(entity="application", id=app_id)
            base = self._check_base(s, "application", a.id, a.version, base_version)
            raise_issues(workflow.correction_issues("application", changes, role=self.role, status=a.status))
            fields = {k: v for k, v in changes.items() if k not in workflow.UPDATE_META_KEYS}
            form = json.loads(a.form_json)
            result = validate(
                "maternity_application", {**form, **fields}, self.region, today=self.today, strict=True
            )
            issues = errors_only(result.issues)
            if issues:
                raise ValidationFailed(issues)
            v = result.values
            new_form = json_values(v)
            changed = sorted(k for k in set(form) | set(new_form) if form.get(k) != new_form.get(k))
            if not changed:
                return self._application(s, a)
            if {"claim_type", "event", "event_date"} & set(changed):
                earlier = self._open_application_for_event(s, a.person_id, v, excluding=a.id)
                if earlier is not None:
                    raise DuplicateApplication(self._application(s, earlier))
            decision, decision_json = decide_values(self.region, v)
            before = self._app_record(s, a)
            now = utc_now()
            a.claim_type, a.event, a.event_date = v["claim_type"], v["event"], v["event_date"]
            a.form_json = dump(new_form)
            for column, value in application_stats(new_form, a.claim_type, a.created_at).items():
                setattr(a, column, value)
            a.version = base + 1
            a.updated_at = now
            latest = before["decision"]
            if latest != json.loads(dump(decision_json)):
                s.add(
                    m.Decision(
                        id=new_id(),
                        application_id=a.id,
                        decided_at=now,
                        rule_version=decision.rule,
                        eligible=decision.eligible,
                        allowance=decision.allowance,
                        decision_json=dump(decision_json),
                        **decision_days(decision_json),
                    )
                )
            if "documents" in changed:
                self._replace_documents(s, a.id, v.get("documents") or [], now)
            s.flush()
            after = self._app_record(s, a)
            audited = {**after, "_correction": correction_meta(changed, changes.get("reason"))}
            self._log(
                s,
                "application.update",
                "application",
                a.id,
                before,
                audited,
                op="update",
                base_version=base,
                changed=changed,
            )
            return self._application(s, a)

    def _replace_documents(self, s: Session, app_id: str, codes: list[str], now: str) -> None:
        """The documents taken in become ``codes``: those already there keep when and by whom they were
        received; new ones are received now by this user; those no longer listed are removed."""
        have = {
            d.code: d
            for d in s.scalars(select(m.DocumentReceived).where(m.DocumentReceived.application_id == app_id))
        }
        for code, doc in have.items():
            if code not in codes:
                s.delete(doc)
        for code in codes:
            if code not in have:
                s.add(
                    m.DocumentReceived(
                        id=new_id(),
                        application_id=app_id,
                        code=code,
                        received_at=now,
                        received_by=self.username,
                    )
                )

    # --- the status machine ------------------------------------------------------------------------

    def _transition(self, app_id: str, to: str, note: str | None) -> dict[str, Any]:
        action, reason_required = workflow.TRANSITION_ACTIONS[to]
        self._allow(action)
        if reason_required and (not isinstance(note, str) or not note.strip()):
            raise ValidationFailed([error("reason.required", "reason")])
        check_note(note, "reason")
        with self._write() as s:
            app = s.get(m.Application, app_id)
            if app is None:
                raise NotFound(entity="application", id=app_id)
            raise_issues(
                workflow.transition_issues(
                    role=self.role,
                    username=self.username,
                    from_status=app.status,
                    to_status=to,
                    created_by=app.created_by,
                    reason=note,
                    separate_duties=workflow.separation_of_duties(self.region, self.today),
                )
            )
            before = self._app_record(s, app)
            now = utc_now()
            text = note.strip() if isinstance(note, str) and note.strip() else None
            s.add(
                m.StatusChange(
                    id=new_id(),
                    application_id=app.id,
                    from_status=app.status,
                    to_status=to,
                    at=now,
                    by=self.username,
                    note=text,
                )
            )
            base = app.version
            from_status = app.status
            app.status = to
            app.updated_at = now
            app.version += 1
            s.flush()
            after = {**self._app_record(s, app), "status_from": from_status, "note": note}
            self._log(
                s,
                action,
                "application",
                app.id,
                before,
                after,
                op="update",
                base_version=base,
                changed=["status"],
            )
            return self._application(s, app)

    def start_review(self, app_id: str) -> dict[str, Any]:
        return self._transition(app_id, UNDER_REVIEW, None)

    def approve(self, app_id: str, note: str | None = None) -> dict[str, Any]:
        return self._transition(app_id, APPROVED, note)

    def reject(self, app_id: str, reason: str) -> dict[str, Any]:
        return self._transition(app_id, REJECTED, reason)

    def withdraw(self, app_id: str, reason: str) -> dict[str, Any]:
        return self._transition(app_id, WITHDRAWN, reason)

    def mark_paid(self, app_id: str) -> dict[str, Any]:
        return self._transition(app_id, PAID, None)

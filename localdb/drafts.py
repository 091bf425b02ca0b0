"""Drafts (草稿) of half-filled forms, so that nothing a clerk typed is lost: a lock, switching screens,
a closed window or a crash. The desktop keeps the form's raw values (as typed, valid or not) a few
seconds after the last edit and clears them when the form is saved.

A draft holds personal data (ID numbers, names) of someone not yet registered, so: one draft per
user and form; only the user who typed it reads it back (every method is scoped to the service's
user); it is never queued for sync. Each save and clear is journalled in the audit chain like every
other write, naming the form and the fields kept, never their values.
"""

from __future__ import annotations

import json
import logging
import math
from typing import Any

from sqlalchemy import delete, select

from forms.errors import ValidationFailed, error
from localdb import models as m
from localdb.clock import utc_now
from localdb.journal import append_audit
from localdb.writebase import WriteBase

log = logging.getLogger(__name__)

#: a form's key: the declared form, or a part of a screen (``application``, ``person``, ``employer``)
MAX_FORM_KEY = 40
#: a draft is what one clerk typed into one form: far below this
MAX_DRAFT_BYTES = 64 * 1024
_SCALARS = (str, int, bool)


def _check_value(value: Any, field: str) -> None:
    if isinstance(value, float) and not math.isfinite(value):
        raise ValidationFailed([error("type.text", field)])
    if value is None or isinstance(value, (*_SCALARS, float)):
        return
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return
    raise ValidationFailed([error("type.text", field)])


def _check(form: object, data: object) -> tuple[str, dict[str, Any], str]:
    if not isinstance(form, str) or not form or len(form) > MAX_FORM_KEY or not form.isascii():
        raise ValidationFailed([error("required", "form")])
    if not isinstance(data, dict):
        raise ValidationFailed([error("form.not_object", "data")])
    for key, value in data.items():
        if not isinstance(key, str) or not key or len(key) > MAX_FORM_KEY:
            raise ValidationFailed([error("form.not_object", "data")])
        _check_value(value, key)
    text = json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    if len(text.encode("utf-8")) > MAX_DRAFT_BYTES:
        raise ValidationFailed([error("text.too_long", "data", max=MAX_DRAFT_BYTES)])
    return form, data, text


def _stored(row: m.Draft) -> dict[str, Any] | None:
    """A stored draft as the desktop takes it, or None when the row is not one ``save_draft`` could
    have written (the database file is untrusted input: a draft edited outside the app is left
    unread, logged, rather than put into a form or stopping a login)."""
    try:
        data = json.loads(row.data_json)
        _check(row.form, data)
    except (ValueError, TypeError, RecursionError, ValidationFailed) as exc:
        log.warning("draft %r of %r is not readable, left aside: %s", row.form, row.username, exc)
        return None
    if not isinstance(row.saved_at, str):
        return None
    return {"form": row.form, "data": data, "saved_at": row.saved_at}


class DraftWrites(WriteBase):
    """``save_draft`` / ``load_draft`` / ``clear_draft`` of the service's own user."""

    def save_draft(self, form: str, data: dict[str, Any]) -> dict[str, Any]:
        """Keep (replace) this user's draft of ``form``; returns ``{form, saved_at}``."""
        form, data, text = _check(form, data)
        with self._write() as s:
            now = utc_now()
            s.merge(m.Draft(username=self.username, form=form, data_json=text, saved_at=now))
            append_audit(
                s,
                actor=self.username,
                action="draft.save",
                entity="draft",
                entity_id=form,
                after={"form": form, "fields": sorted(data)},
            )
            return {"form": form, "saved_at": now}

    def load_draft(self, form: str) -> dict[str, Any] | None:
        """This user's draft of ``form``: ``{form, data, saved_at}``, or None."""
        with self._read() as s:
            row = s.get(m.Draft, (self.username, form))
            if row is None:
                return None
            return _stored(row)

    def load_drafts(self) -> dict[str, dict[str, Any]]:
        """Every draft of this user, by form."""
        with self._read() as s:
            rows = s.scalars(select(m.Draft).where(m.Draft.username == self.username)).all()
            drafts = {r.form: _stored(r) for r in rows}
            return {form: d for form, d in drafts.items() if d is not None}

    def clear_draft(self, form: str) -> bool:
        """Drop this user's draft of ``form`` (the form was saved or discarded); True if there was one."""
        with self._write() as s:
            row = s.get(m.Draft, (self.username, form))
            if row is None:
                return False
            s.execute(delete(m.Draft).where(m.Draft.username == self.username, m.Draft.form == form))
            append_audit(
                s,
                actor=self.username,
                action="draft.clear",
                entity="draft",
                entity_id=form,
                after={"form": form},
            )
            return True

"""Drafts (草稿) of half-filled forms (issue 13, "Nothing typed is lost"): kept per user and form,
read back by that user alone, never queued for sync, journalled without their values, replaced by a
later save and gone after clear."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

import localdb
from forms.errors import ValidationFailed

HALF_TYPED = {
    "id_number": "54010219920517",
    "event": "birth",
    "babies": "1",
    "documents": ["birth_certificate"],
}


def test_a_draft_is_read_back_by_its_user_after_the_store_is_reopened(store, clerk, db_path: Path) -> None:
    saved = clerk.save_draft("application", HALF_TYPED)
    assert saved["form"] == "application" and saved["saved_at"].endswith("Z")
    store.close()
    with localdb.open_store(db_path) as again:  # a crash: a new process opens the file
        draft = again.service("clerk1").load_draft("application")
    assert draft is not None
    assert draft["data"] == HALF_TYPED
    assert draft["saved_at"] == saved["saved_at"]


def test_another_user_does_not_see_the_draft(clerk, reviewer, boss) -> None:
    clerk.save_draft("application", HALF_TYPED)
    assert reviewer.load_draft("application") is None
    assert boss.load_drafts() == {}
    assert set(clerk.load_drafts()) == {"application"}


def test_a_later_save_replaces_the_draft_and_clear_drops_it(clerk) -> None:
    clerk.save_draft("person", {"name_zh": "王"})
    clerk.save_draft("person", {"name_zh": "王丽"})
    assert clerk.load_draft("person")["data"] == {"name_zh": "王丽"}
    assert clerk.clear_draft("person") is True
    assert clerk.load_draft("person") is None
    assert clerk.clear_draft("person") is False  # nothing to clear: no write


def test_drafts_are_journalled_without_their_values_and_never_synced(store, clerk) -> None:
    outbox_before = clerk.pending_outbox_count()
    clerk.save_draft("application", HALF_TYPED)
    clerk.clear_draft("application")
    assert clerk.pending_outbox_count() == outbox_before
    conn = sqlite3.connect(store.path)
    rows = conn.execute(
        "SELECT action, actor, after_json FROM audit_events WHERE entity = 'draft' ORDER BY seq"
    ).fetchall()
    conn.close()
    assert [(a, actor) for a, actor, _ in rows] == [("draft.save", "clerk1"), ("draft.clear", "clerk1")]
    assert "54010219920517" not in "".join(after for _, _, after in rows)
    assert json.loads(rows[0][2])["fields"] == sorted(HALF_TYPED)


@pytest.mark.parametrize(
    ("form", "data"),
    [
        ("", {}),
        ("application", ["not", "a", "dict"]),
        ("application", {"x": {"nested": 1}}),
        ("application", {"x": "y" * 70_000}),
    ],
)
def test_a_malformed_draft_is_refused(clerk, form, data) -> None:
    with pytest.raises(ValidationFailed):
        clerk.save_draft(form, data)
    assert clerk.load_drafts() == {}


@pytest.mark.parametrize(
    "stored",
    ["{not json", '["a", "list"]', '{"x": {"nested": 1}}', '{"x": ' * 5000 + "1" + "}" * 5000],
)
def test_a_draft_edited_outside_the_app_is_left_unread(store, clerk, db_path: Path, stored: str) -> None:
    """The database file is untrusted input: a draft row no save could have written is not put into a
    form and does not stop the login that reads the user's drafts; the good ones still come back."""
    clerk.save_draft("application", HALF_TYPED)
    clerk.save_draft("person", {"name_zh": "次仁"})
    conn = sqlite3.connect(db_path)
    with conn:
        conn.execute("UPDATE drafts SET data_json = ? WHERE form = 'application'", (stored,))
    conn.close()
    assert clerk.load_draft("application") is None
    assert clerk.load_drafts() == {"person": clerk.load_draft("person")}
    assert clerk.load_draft("person")["data"] == {"name_zh": "次仁"}

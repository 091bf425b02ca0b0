"""Reasons and notes in the store pass the one text checker of the forms (forms.text; issue 16,
finding 8): a rejection reason reaches the 不予受理告知书."""

from __future__ import annotations

import pytest

from tests.support.store_data import TODAY, application_data, person_data


def test_reasons_in_the_store_pass_the_same_checker(store, clerk, tmp_path) -> None:
    from forms.errors import ValidationFailed

    clerk.register_person(person_data())
    app = clerk.create_application(application_data())
    reviewer = store.service("rev1", today=TODAY)
    reviewer.start_review(app["id"])
    for reason in ("出生证明\x1b[2J为复印件", "复印件\n第二行", "\u200b", "原件\u202e件复"):
        with pytest.raises(ValidationFailed) as exc:
            reviewer.reject(app["id"], reason)
        assert exc.value.issues[0].field == "reason"
    assert store.get_application(app["id"])["status"] == "under_review"  # nothing written
    assert reviewer.reject(app["id"], "出生医学证明为复印件，请补交原件")["status"] == "rejected"


def test_an_override_reason_passes_the_checker(store) -> None:
    from forms.errors import ValidationFailed
    from tests.support.store_data import bad_uscc, employer_data

    boss = store.service("boss", today=TODAY)
    data = employer_data(uscc=bad_uscc(org="MA6T7777"), name_zh="试点单位")
    with pytest.raises(ValidationFailed) as exc:
        boss.register_employer(data, override_reason="试点\x00")
    assert exc.value.issues[0].code == "text.control"
    assert (
        boss.register_employer(data, override_reason="早期试点代码")["uscc_override_reason"] == "早期试点代码"
    )

"""Issue 13, "Correct and see the whole record" and the search/queue part of "Less typing", driven
through the real widgets on a real seeded store (pytest-qt, offscreen): correcting a person, her
enrollment, her employer and an application from the lookup and from the review screen (only the
changed fields, from the version shown); a stale version names who changed it and reloads; an ID
number needs an admin and a reason; the detail shows every field and the history; a person's
applications and "apply now"; the search kinds (last four of the ID number, a given name, a Wylie
syllable, a receipt number) with Enter opening the first hit; the review queue's filters, the
reviewer's landing on it, a medical claim without allowance facts and statuses by name."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from PySide6.QtCore import Qt

from desktop import sample_data
from desktop.keys import type_text

pytestmark = pytest.mark.gui


def _idle(qtbot, window) -> None:
    qtbot.waitUntil(lambda: not window.backend.busy, timeout=10_000)


def _as(window, username: str, method: str, *args: Any) -> Any:
    """Another user's service call on the store thread (someone at another desk)."""
    backend = window.backend
    return backend.submit(lambda: getattr(backend.store_now().service(username), method)(*args)).result(10)


def _person(index: int, region: str = "lhasa") -> dict[str, Any]:
    return sample_data.person_data(region, index, "")


def _open_person(qtbot, window, query: str) -> Any:
    """Type ``query`` in the lookup and press Enter: the hit opens in the detail pane when it is the
    one; with namesakes the first row is selected, and a second Enter (in the table) opens it."""
    page = window.page("persons")
    page.tabs.setCurrentIndex(0)
    page.search.box.clear()
    type_text(page.search.box, query)
    qtbot.keyClick(page.search.box, Qt.Key.Key_Return)
    choose = window.ui.t("ui.search.choose")
    qtbot.waitUntil(
        lambda: page.detail.record is not None or choose in page.search.status.text(), timeout=10_000
    )
    if choose in page.search.status.text():  # several: she chooses (the first) in the table
        qtbot.keyClick(page.search.table, Qt.Key.Key_Return)
    qtbot.waitUntil(
        lambda: page.detail.record is not None and bool(page.detail.history_events), timeout=10_000
    )
    _idle(qtbot, window)
    return page


def _save(qtbot, window, dialog) -> None:
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    _idle(qtbot, window)


# --- corrections from the lookup ---------------------------------------------------------------------


def test_correct_a_person_from_the_lookup_sends_only_what_changed(qtbot, open_window) -> None:
    window = open_window("clerk", "lhasa")
    page = _open_person(qtbot, window, _person(0)["id_number"])
    before = dict(page.detail.record)
    dialog = page.detail.edit("person")
    assert dialog.form.editors["phone"].widget.isVisibleTo(dialog)
    assert not dialog.form.editors["category"].widget.isVisibleTo(dialog)  # the enrollment's, not hers
    assert dialog.form.editors["name_bo_wylie"].raw() == "bkra shis sgrol ma"  # filled from the record
    assert dialog.changes() == {}
    phone = dialog.form.editor("phone")
    phone.clear()
    qtbot.keyClicks(phone, "13912345678")
    assert dialog.changes() == {"phone": "13912345678"}
    _save(qtbot, window, dialog)
    assert not dialog.isVisible()
    qtbot.waitUntil(lambda: page.detail.record["phone"] == "13912345678", timeout=10_000)
    stored = _as(window, "admin", "get_person", before["id"])
    assert stored["phone"] == "13912345678" and stored["version"] == before["version"] + 1
    assert stored["name_bo"] == before["name_bo"]  # nothing else was sent
    last = page.detail.history_events[-1]
    assert (last["actor"], last["action"], last["changed"]) == ("clerk1", "person.update", ["phone"])
    assert page.detail.history.item(0, 1).text() == "clerk1"  # newest first
    # issue 20: the row says what the field held and holds now
    assert page.detail.history.item(0, 3).text().endswith(f"手机号码：{before['phone'] or '—'} → 13912345678")
    assert "13912345678" in page.detail.text()


def test_correct_the_enrollment_and_the_employer_from_the_lookup(qtbot, open_window) -> None:
    window = open_window("clerk", "lhasa")
    page = _open_person(qtbot, window, _person(1)["id_number"])
    enrollment = page.detail.record["enrollment"]
    dialog = page.detail.edit("enrollment")
    assert dialog.form.editors["contribution_base"].raw() == "6800.00"
    assert "name_zh" not in dialog.form.editors  # the insurance part of the person form only
    assert not dialog.form.editors["county_code"].widget.isVisibleTo(dialog)  # the person's own
    base = dialog.form.editor("contribution_base")
    base.clear()
    qtbot.keyClicks(base, "7200.00")
    _save(qtbot, window, dialog)
    qtbot.waitUntil(
        lambda: page.detail.record["enrollment"]["contribution_base"] == "7200.00", timeout=10_000
    )
    assert page.detail.record["enrollment"]["version"] == enrollment["version"] + 1
    assert "7,200.00" in page.detail.text()
    assert page.detail.history_events[-1]["action"] == "enrollment.update"

    dialog = page.detail.edit("employer")
    qtbot.waitUntil(lambda: dialog.form.editors["uscc"].raw() != "", timeout=10_000)  # loaded by id
    assert dialog.form.editors["name_zh"].raw() == sample_data.employer_data("lhasa")["name_zh"]
    qtbot.keyClicks(dialog.form.editor("contact_phone"), "13800990099")
    assert dialog.changes() == {"contact_phone": "13800990099"}
    _save(qtbot, window, dialog)
    employer = _as(window, "admin", "get_employer", enrollment["employer_id"])
    assert employer["contact_phone"] == "13800990099" and employer["version"] == 2


def test_a_stale_correction_names_who_changed_it_and_reloads(qtbot, open_window) -> None:
    window = open_window("clerk", "lhasa")
    page = _open_person(qtbot, window, _person(2)["id_number"])
    person = page.detail.record
    dialog = page.detail.edit("person")
    # meanwhile the reviewer corrects the same person at her desk
    _as(window, "reviewer1", "update_person", person["id"], person["version"], {"phone": "13700001111"})
    phone = dialog.form.editor("phone")
    phone.clear()
    qtbot.keyClicks(phone, "13911112222")
    _save(qtbot, window, dialog)
    qtbot.waitUntil(lambda: dialog.form.editors["phone"].raw() == "13700001111", timeout=10_000)
    assert dialog.isVisible()
    text = dialog.message.text()
    assert "reviewer1" in text and "第2版" in text and "当前记录" in text
    assert dialog.message.property("role") == "error"
    assert dialog.base_version == person["version"] + 1 and dialog.changes() == {}
    # the correction made again on the current record goes through
    phone.clear()
    qtbot.keyClicks(phone, "13911112222")
    _save(qtbot, window, dialog)
    assert _as(window, "admin", "get_person", person["id"])["phone"] == "13911112222"


def test_a_new_id_number_needs_an_admin_and_a_reason(qtbot, open_window) -> None:
    new_number = sample_data.resident_id("540102", dt.date(1990, 3, 3), 55)
    window = open_window("clerk", "lhasa")
    page = _open_person(qtbot, window, _person(3)["id_number"])
    dialog = page.detail.edit("person")
    dialog.form.editor("id_number").clear()
    qtbot.keyClicks(dialog.form.editor("id_number"), new_number)
    _save(qtbot, window, dialog)
    assert dialog.isVisible() and dialog.message.property("role") == "error"
    assert _as(window, "admin", "find_person", new_number) is None
    dialog.reject()

    window = open_window("admin", "lhasa")
    page = _open_person(qtbot, window, _person(3)["id_number"])
    dialog = page.detail.edit("person")
    dialog.form.editor("id_number").clear()
    qtbot.keyClicks(dialog.form.editor("id_number"), new_number)
    _save(qtbot, window, dialog)
    assert dialog.isVisible() and "原因" in dialog.message.text()  # reason.required
    type_text(dialog.reason, "身份证号码登记错误，据原件更正")
    _save(qtbot, window, dialog)
    assert not dialog.isVisible()
    moved = _as(window, "admin", "find_person", new_number)
    assert moved is not None and moved["name_zh"] == "王丽"
    # the history row: old → new and the reason under it
    qtbot.waitUntil(lambda: page.detail.history_events[-1]["action"] == "person.update", timeout=10_000)
    row = page.detail.history.item(0, 3).text()
    assert f"{_person(3)['id_number']} → {new_number}" in row
    assert row.endswith("原因：身份证号码登记错误，据原件更正")


# --- the whole record --------------------------------------------------------------------------------


def test_the_detail_shows_every_field_and_the_history(qtbot, open_window) -> None:
    window = open_window("clerk", "lhasa")
    data = _person(0)
    person_id = _as(window, "admin", "find_person", data["id_number"])["id"]
    _as(window, "admin", "update_person", person_id, 1, {"phone": "13600006666"})
    page = _open_person(qtbot, window, data["id_number"])
    text = page.detail.text()
    for shown in (
        "扎西卓玛",
        "བཀྲ་ཤིས་སྒྲོལ་མ",
        data["id_number"],
        "13600006666",  # phone
        "藏族",  # ethnicity by name
        sample_data.employer_data("lhasa")["name_zh"],  # the employer by name
        "6,800.00",  # contribution base
        "在职职工",  # category
        "城关区",  # county by name
        "2015年3月1日",  # insured since
    ):
        assert shown in text, shown
    history = page.detail.history
    assert history.rowCount() == 2
    rows = [[history.item(r, c).text() for c in range(4)] for r in range(2)]
    assert rows[0][1] == "admin" and "更正" in rows[0][2] and "手机号码" in rows[0][3]
    assert rows[1][1] == "clerk1" and "参保登记" in rows[1][2]
    assert "ཐོ་འགོད" in rows[1][2]  # bilingual labels on a Lhasa counter
    assert rows[0][0].startswith("2026") or rows[0][0][:2].isdigit()  # a time in China's time


def test_a_persons_applications_open_and_new_application(qtbot, open_window) -> None:
    window = open_window("clerk", "lhasa")
    data = _person(0)
    page = _open_person(qtbot, window, data["id_number"])
    apps = page.detail.apps_table
    assert apps.isVisibleTo(window) and apps.rowCount() == 1
    receipt = apps.item(0, 0).text()
    apps.opened.emit(apps.apps[0]["id"])  # Enter / double-click on the row
    qtbot.waitUntil(lambda: page.detail.kind == "application", timeout=10_000)
    assert receipt in page.detail.title.text()
    assert page.detail.edit_application.isVisibleTo(window)
    qtbot.mouseClick(page.detail.show_person_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.detail.kind == "person", timeout=10_000)
    qtbot.mouseClick(page.detail.new_application, Qt.MouseButton.LeftButton)
    applications = window.pages["applications"]
    assert window.stack.currentWidget() is applications
    assert applications.form.editors["id_number"].raw() == data["id_number"]


def test_apply_now_after_registering_a_person(qtbot, open_window) -> None:
    window = open_window("clerk", "lianyungang")
    page = window.page("persons")
    page.tabs.setCurrentWidget(page.person)
    assert not page.apply_now.isVisibleTo(window)
    number = sample_data.resident_id("320706", dt.date(1993, 4, 9), 81)
    data = {
        **sample_data.person_data("lianyungang", 3, sample_data.employer_data("lianyungang")["uscc"]),
        "id_number": number,
        "name_zh": "周敏",
    }
    page.person.form.set_values(data)
    page.save_person()
    qtbot.waitUntil(lambda: page.apply_now.isVisibleTo(window), timeout=10_000)
    assert "周敏" in page.apply_now.text()
    assert page.apply_now.window() is window  # in the save bar, not a window of its own
    qtbot.mouseClick(page.apply_now, Qt.MouseButton.LeftButton)
    applications = window.pages["applications"]
    assert window.stack.currentWidget() is applications
    assert applications.form.editors["id_number"].raw() == number
    qtbot.waitUntil(lambda: "周敏" in applications.person_line.text(), timeout=10_000)
    assert not page.apply_now.isVisibleTo(window)


# --- search kinds; Enter opens the first hit -----------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "name"),
    [
        ("last4", "次仁央宗"),
        ("央宗", "次仁央宗"),  # a given name alone
        ("卓玛", "扎西卓玛"),
        ("sgrol ma", "扎西卓玛"),  # a Wylie syllable inside the name
        ("me tog", "格桑梅朵"),
        ("དབྱངས", "次仁央宗"),  # a Tibetan syllable inside the name
    ],
)
def test_search_kinds_and_enter_opens_the_first_hit(qtbot, open_window, query: str, name: str) -> None:
    window = open_window("clerk", "lhasa")
    if query == "last4":
        query = _person(1)["id_number"][-4:]
    page = _open_person(qtbot, window, query)
    assert page.detail.kind == "person" and page.detail.record["name_zh"] == name
    assert page.search.model.rows[0]["name_zh"] == name


def test_last_four_with_x_finds_the_person(qtbot, open_window) -> None:
    window = open_window("clerk", "lhasa")
    number = next(
        n
        for n in (sample_data.resident_id("540102", dt.date(1991, 2, 2), s) for s in range(100, 400))
        if n.endswith("X")
    )
    employer = sample_data.employer_data("lhasa")["uscc"]
    _as(window, "clerk1", "register_person", {**_person(4), "id_number": number, "employer_uscc": employer})
    page = _open_person(qtbot, window, number[-4:].lower())
    assert page.detail.record["id_number"] == number


def test_a_receipt_number_opens_its_application(qtbot, open_window) -> None:
    window = open_window("clerk", "lhasa")
    app = _as(window, "admin", "list_applications")[0]
    page = window.page("persons")
    qtbot.keyClicks(page.search.box, app["receipt_no"])
    qtbot.keyClick(page.search.box, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: page.detail.kind == "application", timeout=10_000)
    _idle(qtbot, window)
    assert page.detail.record["id"] == app["id"]
    assert app["receipt_no"] in page.detail.title.text()
    # the hit's columns hold what they are headed (the category under 参保类别); the status line names
    # the receipt number's application
    from desktop.search import COLUMNS

    model = page.search.model
    assert model.data(model.index(0, COLUMNS.index("category"))) == window.ui.t("category.employee")
    assert app["receipt_no"] in page.search.status.text()


# --- review: corrections, queue, benefit, statuses ---------------------------------------------------


def _select(qtbot, window, review, predicate) -> dict[str, Any]:
    qtbot.waitUntil(lambda: any(predicate(a) for a in review.apps), timeout=10_000)
    row = next(i for i, a in enumerate(review.apps) if predicate(a))
    review.table.selectRow(row)
    qtbot.waitUntil(lambda: review.current is not None and "decision" in review.current, timeout=10_000)
    _idle(qtbot, window)
    return review.current


def test_correct_an_application_and_its_person_from_review(qtbot, open_window) -> None:
    window = open_window("clerk", "lianyungang")  # where a second baby adds leave days
    review = window.page("review")
    app = _select(qtbot, window, review, lambda a: a["status"] == "received")
    dialog = review.edit_application()
    assert not dialog.form.editors["id_number"].widget.isEnabled()  # shown, not corrected here
    assert app["claim_type"] == "allowance"  # an allowance claim offers no medical-cost fields
    for name in ("medical_amount", "outpatient", "operation"):
        if name in dialog.form.editors:
            assert not dialog.form.editors[name].widget.isVisibleTo(dialog), name
    babies = dialog.form.editor("babies")
    babies.clear()
    qtbot.keyClicks(babies, "2")
    assert dialog.changes() == {"babies": "2"}
    _save(qtbot, window, dialog)
    qtbot.waitUntil(
        lambda: review.current and review.current.get("version") == app["version"] + 1, timeout=10_000
    )
    stored = _as(window, "admin", "get_application", app["id"])
    assert stored["form"]["babies"] == 2 and stored["decision"]["leave_days"] > app["decision"]["leave_days"]

    person_dialog = review.show_person()
    detail = person_dialog.detail
    qtbot.waitUntil(lambda: detail.record is not None and bool(detail.history_events), timeout=10_000)
    edit = detail.edit("person")
    qtbot.keyClicks(edit.form.editor("phone"), "13500005555")
    _save(qtbot, window, edit)
    qtbot.waitUntil(lambda: detail.record.get("phone") == "13500005555", timeout=10_000)
    assert _as(window, "admin", "get_person", app["person_id"])["phone"] == "13500005555"
    person_dialog.reject()


def test_an_approved_application_is_corrected_by_an_admin_with_a_reason(qtbot, open_window) -> None:
    window = open_window("clerk", "lhasa")
    review = window.page("review")
    _select(qtbot, window, review, lambda a: a["status"] == "approved")
    dialog = review.edit_application()
    dialog.form.editor("babies").clear()
    qtbot.keyClicks(dialog.form.editor("babies"), "2")
    _save(qtbot, window, dialog)
    assert dialog.isVisible() and dialog.message.property("role") == "error"
    assert "已通过" in dialog.message.text() and "approved" not in dialog.message.text()


def test_the_queue_filters_by_status_days_clerk_and_benefit(qtbot, open_window) -> None:
    window = open_window("admin", "lhasa")
    medical = _as(
        window,
        "admin",
        "create_application",
        {
            **sample_data.application_data(_person(3)["id_number"]),
            "claim_type": "medical",
            "medical_amount": "3200.00",
        },
    )
    review = window.page("review")
    review.refresh()
    qtbot.waitUntil(lambda: len(review.apps) == 4, timeout=10_000)

    def shown() -> set[str]:
        _idle(qtbot, window)
        return {a["receipt_no"] for a in review.apps}

    review.benefit.setCurrentIndex(review.benefit.findData("medical"))
    review.benefit.activated.emit(review.benefit.currentIndex())
    qtbot.waitUntil(lambda: shown() == {medical["receipt_no"]}, timeout=10_000)
    review.benefit.setCurrentIndex(review.benefit.findData(""))
    qtbot.waitUntil(lambda: review.clerk.findData("clerk1") >= 0, timeout=10_000)
    review.clerk.setCurrentIndex(review.clerk.findData("clerk1"))
    review.refresh()
    qtbot.waitUntil(lambda: len(shown()) == 3 and medical["receipt_no"] not in shown(), timeout=10_000)
    review.clerk.setCurrentIndex(0)
    review.filter.setCurrentIndex(review.filter.findData("pending"))
    review.refresh()
    qtbot.waitUntil(
        lambda: all(a["status"] in ("received", "under_review") for a in review.apps), timeout=10_000
    )
    assert len(review.apps) == 3  # two seeded, the medical claim
    # the days it was taken in (China's days, both ends included)
    today = dt.date.fromisoformat(medical["created_at"][:10])
    type_text(review.date_from, (today + dt.timedelta(days=2)).isoformat())
    review.refresh()
    qtbot.waitUntil(lambda: review.apps == [], timeout=10_000)
    review.date_from.clear()
    type_text(review.date_to, (today + dt.timedelta(days=2)).isoformat())
    review.refresh()
    qtbot.waitUntil(lambda: len(review.apps) == 3, timeout=10_000)
    review.date_to.setText("2026-13-40")
    review.refresh()
    assert review.filter_problem.isVisibleTo(window) and "YYYY-MM-DD" in review.filter_problem.text()


def test_a_reviewer_logs_in_to_her_queue(qtbot, open_window) -> None:
    window = open_window("reviewer", "lhasa")
    review = window.pages.get("review")
    assert review is not None and window.stack.currentWidget() is review
    assert review.filter.currentData() == "pending"
    qtbot.waitUntil(lambda: len(review.apps) == 2, timeout=10_000)
    assert {a["status"] for a in review.apps} == {"received", "under_review"}


def test_a_medical_claim_shows_no_allowance_facts(qtbot, open_window) -> None:
    window = open_window("reviewer", "lhasa")
    _as(
        window,
        "clerk1",
        "create_application",
        {
            **sample_data.application_data(_person(4)["id_number"]),
            "claim_type": "medical",
            "medical_amount": "3200.00",
        },
    )
    review = window.page("review")
    review.refresh()
    _select(qtbot, window, review, lambda a: a["claim_type"] == "medical")
    text = review.detail.text()
    assert "3,200.00" in text and "生育医疗费用" in text
    for allowance_fact in ("月平均工资", "连续缴费月数", "产假", "日津贴", "生育津贴"):
        assert allowance_fact not in text, allowance_fact
    allowance = _select(qtbot, window, review, lambda a: a["claim_type"] == "allowance")
    assert allowance and "产假" in review.detail.text() and "医疗费" not in review.detail.text()


def test_a_refused_status_move_names_the_statuses(qtbot, open_window) -> None:
    window = open_window("reviewer", "lhasa")
    review = window.page("review")
    _select(qtbot, window, review, lambda a: a["status"] == "received")
    review._act("approve")  # the button is disabled; the store refuses it anyway
    qtbot.waitUntil(lambda: review.message.property("role") == "error", timeout=10_000)
    text = review.message.text()
    assert "已受理" in text and "已通过" in text
    assert "received" not in text and "approved" not in text


def test_the_applicants_record_from_review_offers_its_corrections(qtbot, open_window) -> None:
    window = open_window("clerk", "lhasa")
    review = window.page("review")
    _select(qtbot, window, review, lambda a: a["status"] == "received")
    dialog = review.show_person()
    detail = dialog.detail
    qtbot.waitUntil(lambda: detail.record is not None and bool(detail.history_events), timeout=10_000)
    for button in (detail.edit_person, detail.edit_enrollment, detail.edit_employer):
        assert button.isVisibleTo(dialog)
    assert not detail.new_application.isVisibleTo(dialog)
    edit = detail.edit("enrollment")
    base = edit.form.editor("contribution_base")
    base.clear()
    qtbot.keyClicks(base, "7000.00")
    _save(qtbot, window, edit)
    qtbot.waitUntil(lambda: detail.record["enrollment"]["contribution_base"] == "7000.00", timeout=10_000)
    dialog.reject()

"""The counter's main flows, driven through real widgets with key clicks (pytest-qt, offscreen):
register a person (errors shown, then fixed and saved), look a person up, take in an application
with its live entitlement, approve it as a reviewer, switch the UI language at run time."""

from __future__ import annotations

import datetime as dt

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

import i18n
from desktop import sample_data
from desktop.keys import type_text

pytestmark = pytest.mark.gui


def _wait_idle(qtbot, window) -> None:
    qtbot.waitUntil(lambda: not window.backend.busy, timeout=10_000)


def test_register_person_shows_errors_then_saves(qtbot, open_window) -> None:
    window = open_window("clerk", "lhasa")
    page = window.page("persons")
    page.tabs.setCurrentWidget(page.person)
    form = page.person.form
    id_edit = form.editor("id_number")
    qtbot.keyClicks(id_edit, "54010219920517154")  # 17 characters: too short
    issue = form.editors["id_number"].issue
    assert issue.isVisibleTo(window)
    assert "18" in issue.text()  # the length message, in Chinese
    qtbot.keyClick(id_edit, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    _wait_idle(qtbot, window)
    assert page.person.message.property("role") == "error"
    assert form.editors["name_zh"].issue.isVisibleTo(window)  # required, shown after the save attempt

    number = sample_data.resident_id("540102", dt.date(1992, 5, 17), 77)
    id_edit.clear()
    qtbot.keyClicks(id_edit, number)
    assert not form.editors["id_number"].issue.isVisibleTo(window)
    assert form.editors["birth_date"].raw() == "1992-05-17"  # filled from the ID number
    assert form.editors["sex"].raw() == "female"
    type_text(form.editor("name_zh"), "扎西·卓玛")
    qtbot.keyClicks(form.editor("name_bo_wylie"), "bkra shis sgrol ma")
    assert form.editors["name_bo"].raw() == "བཀྲ་ཤིས་སྒྲོལ་མ"
    for name, choice in (("ethnicity", "04"), ("category", "employee")):
        combo = form.editor(name)
        combo.setCurrentIndex(combo.findData(choice))
    employer = sample_data.employer_data("lhasa")["uscc"]
    qtbot.keyClicks(form.editor("employer_uscc"), employer)
    qtbot.keyClicks(form.editor("contribution_base"), "6500")
    qtbot.keyClicks(form.editor("insured_since"), "2018-07-01")
    qtbot.keyClick(form.editor("insured_since"), Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: "扎西·卓玛" in page.person.message.text(), timeout=10_000)
    assert page.person.message.property("role") != "error"

    found = window.backend.submit(lambda: window.backend.service_now().find_person(number)).result(10)
    assert found["name_bo"] == "བཀྲ་ཤིས་སྒྲོལ་མ"
    assert found["birth_date"] == "1992-05-17"


def test_duplicate_id_number_is_refused_beside_the_field(qtbot, open_window) -> None:
    window = open_window("clerk", "lianyungang")
    page = window.page("persons")
    page.tabs.setCurrentWidget(page.person)
    form = page.person.form
    existing = sample_data.person_data("lianyungang", 0, sample_data.employer_data("lianyungang")["uscc"])
    form.set_values({k: v for k, v in existing.items()})
    page.save_person()
    qtbot.waitUntil(lambda: form.editors["id_number"].issue.isVisibleTo(window), timeout=10_000)
    assert page.person.message.property("role") == "error"


def test_lookup_as_you_type(qtbot, open_window) -> None:
    window = open_window("clerk", "lhasa")
    search = window.page("persons").search
    qtbot.keyClicks(search.box, "bkra")
    qtbot.waitUntil(lambda: len(search.model.rows) > 0, timeout=10_000)
    assert any(row["name_bo"].startswith("བཀྲ་ཤིས") for row in search.model.rows)
    assert search.model.data(search.model.index(0, 0)) == search.model.rows[0]["name_zh"]
    qtbot.keyClick(search.box, Qt.Key.Key_Return)
    assert search.table.hasFocus() or search.table.currentIndex().row() == 0


def test_application_intake_with_live_entitlement_and_receipt(qtbot, open_window, monkeypatch) -> None:
    from desktop import printing_bridge

    shown: list[str] = []
    monkeypatch.setattr(printing_bridge, "printing_available", lambda: False)  # printed in its own test
    monkeypatch.setattr(QMessageBox, "exec", lambda box: shown.append(box.text()))
    window = open_window("clerk", "lianyungang")
    page = window.page("applications")
    form = page.form
    person = sample_data.person_data("lianyungang", 5, "")
    qtbot.keyClicks(form.editor("id_number"), person["id_number"])
    qtbot.waitUntil(lambda: person["name_zh"] in page.person_line.text(), timeout=10_000)
    assert form.editors["category"].raw() == "employee"  # filled from the person's enrollment
    event = form.editor("event")
    event.setCurrentIndex(event.findData("birth"))
    form.revalidate()
    qtbot.keyClicks(form.editor("event_date"), "2026-03-02")
    for name, typed in (("employer_avg_monthly_wage", "9000"), ("contribution_months", "30")):
        form.editor(name).clear()  # filled from the store (the person's employer and enrollment)
        qtbot.keyClicks(form.editor(name), typed)
    decision = page.panel.decision
    assert decision is not None and decision.eligible
    assert decision.leave_days == 158  # Jiangsu: 98 national + 60 provincial
    assert page.panel.findChild(object, "ui_entitlement_allowance").text().startswith("¥")
    assert page.panel.findChild(object, "rule_national.base").text()  # each line shows its rule
    qtbot.keyClick(form.editor("contribution_months"), Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: page.last is not None, timeout=10_000)
    assert page.last["status"] == "received"
    assert page.last["receipt_no"] in page.message.text()
    assert page.print_button.isEnabled()
    qtbot.keyClick(page.print_button, Qt.Key.Key_P, Qt.KeyboardModifier.ControlModifier)
    assert shown and "PLACEHOLDER" not in shown[0]  # the placeholder speaks Chinese here …
    assert "占位" in shown[0]  # … and says clearly that it is one


def test_reviewer_approves_and_clerk_is_not_offered_it(qtbot, open_window) -> None:
    clerk = open_window("clerk", "lhasa")
    review = clerk.page("review")
    assert not review.approve_button.isVisibleTo(clerk)
    assert not review.reject_button.isVisibleTo(clerk)

    window = open_window("reviewer", "lhasa")
    review = window.page("review")
    _wait_idle(qtbot, window)
    row = next(i for i, a in enumerate(review.apps) if a["status"] == "received")
    app_id = review.apps[row]["id"]
    review.table.selectRow(row)
    _wait_idle(qtbot, window)
    assert review.start_button.isEnabled()
    qtbot.mouseClick(review.start_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: review.current and review.current.get("status") == "under_review", timeout=10_000)
    qtbot.mouseClick(review.approve_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: review.current and review.current.get("status") == "approved", timeout=10_000)
    stored = window.backend.submit(lambda: window.backend.service_now().get_application(app_id)).result(10)
    assert stored["status"] == "approved"
    assert review.slip_button.isEnabled()


def test_a_received_application_offers_start_review_not_approve_or_reject(qtbot, open_window) -> None:
    """The store allows received → under_review → approved / rejected only; approve and reject on a
    received application were offered and then refused with an invalid-transition error."""
    window = open_window("reviewer", "lhasa")
    review = window.page("review")
    _wait_idle(qtbot, window)
    row = next(i for i, a in enumerate(review.apps) if a["status"] == "received")
    review.table.selectRow(row)
    _wait_idle(qtbot, window)
    assert review.start_button.isEnabled()
    assert not review.approve_button.isEnabled()
    assert not review.reject_button.isEnabled()


def test_reject_needs_a_reason(qtbot, open_window) -> None:
    window = open_window("reviewer", "lhasa")
    review = window.page("review")
    _wait_idle(qtbot, window)
    row = next(i for i, a in enumerate(review.apps) if a["status"] == "under_review")
    review.table.selectRow(row)
    _wait_idle(qtbot, window)
    qtbot.mouseClick(review.reject_button, Qt.MouseButton.LeftButton)
    assert review.message.text() == window.ui.t("ui.review.reason_required")
    qtbot.keyClicks(review.reason, "missing birth certificate")
    qtbot.keyClick(review.reason, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: review.current and review.current.get("status") == "rejected", timeout=10_000)


def test_switch_language_at_run_time(qtbot, open_window) -> None:
    window = open_window("clerk", "lhasa")
    page = window.page("persons")
    page.tabs.setCurrentWidget(page.person)
    label = page.person.form.editors["name_zh"].label
    assert window.nav.item(0).text() == "参保登记"
    assert "རྒྱ་ཡིག་གི་མིང་།" in label.text() and "中文姓名" in label.text()  # bilingual on Lhasa forms
    assert label.text().index("རྒྱ") < label.text().index("中文")  # Tibetan first
    combo = window.language
    assert combo.currentData() == "zh"
    qtbot.keyClick(combo, Qt.Key.Key_Down)  # 中文 → བོད་ཡིག
    assert window.ui.lang == "bo"
    assert window.nav.item(0).text() == "འགན་སྲུང་ཐོ་འགོད།"
    assert page.tabs.tabText(0) == "འཚོལ་བཤེར།"
    window.ui.set_language("en")
    assert window.nav.item(0).text() == "Registration"
    assert label.text() == i18n.gettext("field.name_zh", "en") + " *"


def test_supervisor_registers_an_early_pilot_code_with_a_reason(qtbot, open_window) -> None:
    """GB 32100 check character wrong: a clerk cannot register it; a supervisor (admin) can, with a
    reason the store records (domain.md, 'Codes and numbers')."""
    good = sample_data.credit_code("540102", 555)
    bad = good[:-1] + ("0" if good[-1] != "0" else "1")
    data = {**sample_data.employer_data("lhasa"), "uscc": bad}

    clerk = open_window("clerk", "lhasa")
    page = clerk.page("persons")
    page.tabs.setCurrentWidget(page.employer)
    page.employer.form.set_values(data)
    page.save_employer()
    assert not page.override_reason.isVisibleTo(clerk)
    assert page.employer.message.property("role") == "error"

    admin = open_window("admin", "lhasa")
    page = admin.page("persons")
    page.tabs.setCurrentWidget(page.employer)
    page.employer.form.set_values(data)
    page.save_employer()
    assert page.override_reason.isVisibleTo(admin)
    assert page.employer.message.text() == admin.ui.t("ui.employers.override_needed")
    qtbot.keyClicks(page.override_reason, "2015 pilot code on the business licence")
    qtbot.keyClick(page.override_reason, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: page.employer.message.property("role") != "error", timeout=10_000)
    found = admin.backend.submit(lambda: admin.backend.service_now().find_employer(bad)).result(10)
    assert found is not None


def test_clerk_withdraws_an_application_with_a_reason(qtbot, open_window) -> None:
    window = open_window("clerk", "lianyungang")
    review = window.page("review")
    _wait_idle(qtbot, window)
    assert review.withdraw_button.isVisibleTo(window) and not review.approve_button.isVisibleTo(window)
    row = next(i for i, a in enumerate(review.apps) if a["status"] == "received")
    review.table.selectRow(row)
    _wait_idle(qtbot, window)
    qtbot.keyClicks(review.reason, "applicant asked to withdraw")
    qtbot.keyClick(review.reason, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: review.current and review.current.get("status") == "withdrawn", timeout=10_000)


def _count_persons(window, query: str) -> int:
    """How many persons the store finds for ``query`` (a full ID number finds only that number)."""
    service = window.backend.service_now()
    return len(window.backend.submit(lambda: service.search_persons(query, limit=50)).result(10))


def test_registering_a_registered_id_number_offers_the_existing_record(qtbot, open_window) -> None:
    window = open_window("clerk", "lhasa")
    page = window.page("persons")
    page.tabs.setCurrentWidget(page.person)
    form = page.person.form
    number = sample_data.resident_id("540102", dt.date(1990, 3, 8), 41)
    qtbot.keyClicks(form.editor("id_number"), number)
    type_text(form.editor("name_zh"), "次仁·央金")
    qtbot.keyClicks(form.editor("name_bo_wylie"), "tshe ring dbyangs can")
    for name, choice in (("ethnicity", "04"), ("category", "employee")):
        combo = form.editor(name)
        combo.setCurrentIndex(combo.findData(choice))
    qtbot.keyClicks(form.editor("employer_uscc"), sample_data.employer_data("lhasa")["uscc"])
    qtbot.keyClicks(form.editor("contribution_base"), "6500")
    qtbot.keyClicks(form.editor("insured_since"), "2019-01-01")
    qtbot.keyClick(form.editor("insured_since"), Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: "次仁·央金" in page.person.message.text(), timeout=10_000)
    _wait_idle(qtbot, window)
    assert _count_persons(window, number) == 1
    assert _count_persons(window, "次仁·央金") == 1
    person_id = window.backend.submit(lambda: window.backend.service_now().find_person(number)).result(10)[
        "id"
    ]
    assert not page.duplicate.isVisibleTo(window)

    # the same ID number again: the record is brought up as it is typed …
    qtbot.keyClicks(form.editor("id_number"), number)
    qtbot.waitUntil(lambda: page.duplicate.isVisibleTo(window), timeout=10_000)
    assert "次仁·央金" in page.duplicate.record.text()
    assert "ཚེ་རིང་དབྱངས་ཅན" in page.duplicate.record.text()
    # … and saving refuses it without asking for the rest of the form, and stores nothing new
    qtbot.keyClick(form.editor("id_number"), Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: page.person.message.property("role") == "error", timeout=10_000)
    _wait_idle(qtbot, window)
    assert "已调出原有记录" in page.person.message.text()
    assert form.editors["id_number"].issue.isVisibleTo(window)
    assert page.duplicate.isVisibleTo(window)
    assert page.duplicate.person["id"] == person_id
    assert _count_persons(window, number) == 1
    assert _count_persons(window, "次仁·央金") == 1

    # a different number takes the offer away
    qtbot.keyClick(form.editor("id_number"), Qt.Key.Key_Backspace)
    qtbot.waitUntil(lambda: not page.duplicate.isVisibleTo(window), timeout=10_000)
    qtbot.keyClicks(form.editor("id_number"), number[-1])
    qtbot.waitUntil(lambda: page.duplicate.isVisibleTo(window), timeout=10_000)

    # the existing record in the lookup
    qtbot.mouseClick(page.duplicate.open_button, Qt.MouseButton.LeftButton)
    assert page.tabs.currentIndex() == 0
    assert "次仁·央金" in page.detail.text()
    qtbot.waitUntil(lambda: len(page.search.model.rows) == 1, timeout=10_000)
    assert page.search.model.rows[0]["id"] == person_id

    # and on to an application for that person
    page.tabs.setCurrentWidget(page.person)
    qtbot.mouseClick(page.duplicate.apply_button, Qt.MouseButton.LeftButton)
    apps = window.pages["applications"]
    assert window.stack.currentWidget() is apps
    assert apps.form.editors["id_number"].raw() == number
    qtbot.waitUntil(lambda: "次仁·央金" in apps.person_line.text(), timeout=10_000)
    assert _count_persons(window, number) == 1


def test_store_refusal_of_a_duplicate_offers_the_existing_record(qtbot, open_window) -> None:
    """When the store itself refuses (the number was registered between typing and saving)."""
    window = open_window("clerk", "lianyungang")
    page = window.page("persons")
    page.tabs.setCurrentWidget(page.person)
    existing = sample_data.person_data("lianyungang", 0, sample_data.employer_data("lianyungang")["uscc"])
    page.person.form.set_values(existing)
    page._save(page.person, "register_person", "persons")  # straight to the store
    qtbot.waitUntil(lambda: page.duplicate.isVisibleTo(window), timeout=10_000)
    assert existing["name_zh"] in page.duplicate.record.text()
    assert page.person.message.property("role") == "error"

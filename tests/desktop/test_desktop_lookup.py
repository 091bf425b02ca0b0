"""Issue 20, point 1: namesakes told apart in the lookup. Five women called 次仁卓玛: each hit shows her
birth date, county, employer and the masked ID number with its tail (never cut); Enter opens a hit
only when it is the one; the count is the true one, with what to add when only the first are shown."""

from __future__ import annotations

import datetime as dt

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QFontMetrics

from desktop import sample_data
from desktop.keys import type_text
from desktop.search import COLUMNS

pytestmark = pytest.mark.gui

NAME = "次仁卓玛"


def _register(window, count: int, name: str = NAME, start: int = 300) -> list[dict]:
    """``count`` women called ``name``, born on different days, registered through the service."""
    service = window.backend.service_now()
    uscc = sample_data.employer_data("lhasa")["uscc"]
    rows = []
    for n in range(count):
        data = sample_data.person_data("lhasa", 0, uscc) | {"name_zh": name}
        data.pop("name_bo", None)
        birth = dt.date(1980, 1, 1) + dt.timedelta(days=37 * n)
        data["id_number"] = sample_data.resident_id("540102", birth, start + n)
        rows.append(data)
    return window.backend.submit(lambda: [service.register_person(d) for d in rows]).result(120)


def _search(qtbot, search, text: str) -> None:
    search.box.clear()
    type_text(search.box, text)
    qtbot.waitUntil(
        lambda: search.model.query == text and not search.model._fetching and bool(search.model.rows),
        timeout=20_000,
    )


@pytest.mark.parametrize("lang", ["zh", "bo"])
def test_namesakes_show_birth_date_and_the_whole_masked_number(qtbot, open_window, lang) -> None:
    window = open_window("clerk", "lhasa", lang)
    made = _register(window, 5)
    search = window.page("persons").search
    _search(qtbot, search, NAME)
    model = search.model
    assert len(model.rows) == 5 and model.total == 5
    births = {model.data(model.index(r, COLUMNS.index("birth_date"))) for r in range(5)}
    assert births == {p["birth_date"] for p in made}  # five different birth dates on screen
    employer = sample_data.employer_data("lhasa")["name_bo" if lang == "bo" else "name_zh"]
    assert model.data(model.index(0, COLUMNS.index("employer"))) == employer
    assert model.data(model.index(0, COLUMNS.index("county")))  # the county's name
    # the masked number is whole, tail included, in a column as wide as it needs
    column = COLUMNS.index("id_masked")
    metrics = QFontMetrics(search.table.font())
    for r in range(5):
        text = model.data(model.index(r, column))
        assert text[-4:] in {p["id_number"][-4:] for p in made}
        assert "…" not in text
        qtbot.waitUntil(
            lambda t=text: search.table.columnWidth(column) >= metrics.horizontalAdvance(t), timeout=10_000
        )
    assert search.status.text() == window.ui.t("ui.search.count", count=5)
    # the Chinese name whole too (it was elided to "…" in Tibetan beside seven columns), and no
    # column for the county when every hit is of this counter's county
    name = COLUMNS.index("name_zh")
    qtbot.waitUntil(lambda: search.table.columnWidth(name) >= metrics.horizontalAdvance(NAME), timeout=10_000)
    assert search.table.isColumnHidden(COLUMNS.index("county"))


def test_enter_opens_a_hit_only_when_it_is_the_one(qtbot, open_window) -> None:
    window = open_window("clerk", "lhasa")
    made = _register(window, 3)
    search = window.page("persons").search
    opened: list[dict] = []
    search.chosen.connect(opened.append)
    _search(qtbot, search, NAME)
    qtbot.keyClick(search.box, Qt.Key.Key_Return)
    assert opened == []  # three namesakes: nobody is guessed
    assert search.table.hasFocus() and search.table.currentIndex().row() == 0
    assert window.ui.t("ui.search.choose") in search.status.text()
    qtbot.keyClick(search.table, Qt.Key.Key_Down)
    qtbot.keyClick(search.table, Qt.Key.Key_Return)
    assert [p["id"] for p in opened] == [search.model.rows[1]["id"]]  # the one she chose

    # an exact ID number is the one: Enter opens it at once, and it is first
    opened.clear()
    search.box.setFocus()
    _search(qtbot, search, made[2]["id_number"])
    assert search.model.rows[0]["id"] == made[2]["id"]
    qtbot.keyClick(search.box, Qt.Key.Key_Return)
    assert [p["id"] for p in opened] == [made[2]["id"]]


def test_the_count_is_the_true_one(qtbot, open_window) -> None:
    window = open_window("clerk", "lhasa")
    _register(window, 55)
    search = window.page("persons").search
    _search(qtbot, search, NAME)
    assert (len(search.model.rows), search.model.total) == (50, 55)
    assert search.status.text() == "找到 55 人，显示前 50 人 — 请加姓名或出生日期"


def test_a_receipt_number_hit_shows_the_category_and_names_the_application(qtbot, open_window) -> None:
    window = open_window("clerk", "lhasa")
    (person,) = _register(window, 1)
    service = window.backend.service_now()
    app = window.backend.submit(
        lambda: service.create_application(sample_data.application_data(person["id_number"]))
    ).result(30)
    search = window.page("persons").search
    _search(qtbot, search, app["receipt_no"])
    model = search.model
    assert model.data(model.index(0, COLUMNS.index("category"))) == window.ui.t("category.employee")
    assert app["receipt_no"] not in [model.data(model.index(0, c)) for c in range(len(COLUMNS))]
    assert app["receipt_no"] in search.status.text() and NAME in search.status.text()


def test_the_review_queue_shows_each_applicants_birth_date(qtbot, open_window) -> None:
    from desktop.pages.review import REVIEW_COLUMNS

    window = open_window("reviewer", "lhasa")
    review = window.page("review")
    review.filter.setCurrentIndex(review.filter.findData(""))
    review.refresh()
    qtbot.waitUntil(lambda: len(review.apps) >= 3, timeout=20_000)
    column = REVIEW_COLUMNS.index("birth_date")
    for r, app in enumerate(review.apps):
        born = app["person"]["birth_date"]
        assert born and review.table.item(r, column).text() == born
        assert app["person"]["id_masked"] in review.table.item(r, REVIEW_COLUMNS.index("name")).toolTip()

"""The review queue sorted by name (a click on the name header) follows the UI language's order:
Tibetan dictionary order in the Tibetan UI (i18n/collation.py), pinyin in the Chinese UI."""

from __future__ import annotations

import pytest

from desktop.pages.review import REVIEW_COLUMNS, queue_name
from i18n.collation import names_key

pytestmark = pytest.mark.gui


def _names(review) -> list[tuple[str | None, str | None]]:
    return [
        ((a.get("person") or {}).get("name_bo"), (a.get("person") or {}).get("name_zh")) for a in review.apps
    ]


@pytest.mark.parametrize("lang", ["bo", "zh"])
def test_review_queue_sorted_by_name_in_the_ui_languages_order(qtbot, open_window, lang) -> None:
    window = open_window("reviewer", "lhasa", lang)
    review = window.page("review")
    review.filter.setCurrentIndex(review.filter.findData(""))  # all, not only what waits for review
    review.refresh()
    qtbot.waitUntil(lambda: len(review.apps) >= 3, timeout=10_000)
    newest_first = [a["id"] for a in review.apps]
    assert newest_first == sorted(newest_first, reverse=True)

    header = review.table.horizontalHeader()
    column = REVIEW_COLUMNS.index("name")
    header.sectionClicked.emit(column)
    names = _names(review)
    assert review.by_name and header.isSortIndicatorShown()
    assert names == sorted(names, key=lambda n: names_key(lang, *n))
    if lang == "bo":
        tibetan = [bo for bo, _ in names if bo]
        assert len(tibetan) >= 3 and tibetan != sorted(
            tibetan
        )  # the seeded names differ from code-point order
    # the table shows the rows in that order, each row its own application
    shown = [review.table.item(r, column).text() for r in range(review.table.rowCount())]
    assert shown == [queue_name({"name_bo": bo, "name_zh": zh}, lang) for bo, zh in names]

    header.sectionClicked.emit(column)  # and back to newest first
    assert [a["id"] for a in review.apps] == newest_first and not header.isSortIndicatorShown()

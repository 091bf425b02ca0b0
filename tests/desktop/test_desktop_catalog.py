"""Every string the desktop shows has a Chinese and a Tibetan translation: the literal message ids
in ``desktop/``, the families it builds at run time (statuses, roles, columns …) and everything the
declaration-driven forms and the entitlement panel read from ``forms/`` (labels, help, groups,
choices, documents, leave lines, reasons, error messages)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import i18n
from i18n.tibetan import has_tibetan

ROOT = Path(__file__).resolve().parents[2]
LITERAL = re.compile(
    r"""["']((?:ui|status|role|region|sex|category|event|claim|leave|paid_by|reason|doc)\.[a-z0-9_.]*[a-z0-9_])["']"""
)
CJK = re.compile(r"[\u4e00-\u9fff]")


def _literal_msgids() -> set[str]:
    found: set[str] = set()
    for path in sorted((ROOT / "desktop").glob("*.py")):
        found |= set(LITERAL.findall(path.read_text(encoding="utf-8")))
    return found


def _family_msgids() -> set[str]:
    from desktop.login import REGIONS
    from desktop.main_window import NAVIGATION
    from desktop.pages import REVIEW_COLUMNS, ReviewPage
    from desktop.print_preview import HISTORY_COLUMNS, PAPERS
    from desktop.printing_bridge import KINDS
    from desktop.roles import ROLES

    ids = {msgid for _key, msgid, _action in NAVIGATION}
    ids |= {f"status.{s}" for s in ReviewPage.STATUSES if s}
    ids |= {f"role.{r}" for r in ROLES}
    ids |= {f"region.{r}" for r in REGIONS}
    ids |= {f"ui.review.column.{c}" for c in REVIEW_COLUMNS}
    ids |= {f"ui.review.done.{m}" for m in ("start_review", "approve", "reject", "withdraw", "mark_paid")}
    ids |= {f"ui.print.kind.{k}" for k in KINDS}
    ids |= {f"ui.preview.paper.{p}" for p in PAPERS}
    ids |= {f"ui.print.history.{c}" for c in HISTORY_COLUMNS}
    return ids


def _form_msgids() -> set[str]:
    from forms.declarations import forms
    from forms.policy import load_pack

    ids: set[str] = set()
    for region in ("lhasa", "lianyungang"):
        pack = load_pack(region)
        ids |= {f"doc.{d}" for docs in pack.checklists.values() for d in docs}
        for form in forms().values():
            ids.add(form.title)
            ids |= {f"group.{g}" for g in form.groups}
            for f in form.fields_for(region):
                ids.add(f.label)
                if f.help:
                    ids.add(f.help)
                if f.choice_msgid:
                    ids |= {f"{f.choice_msgid}.{v}" for v in f.choice_values(pack)}
    english = i18n.catalog("en")
    ids |= {m for m in english if m.split(".")[0] in ("leave", "reason", "paid_by", "error")}
    return ids


ALL = sorted(_literal_msgids() | _family_msgids() | _form_msgids())


def test_the_scan_finds_the_ui_strings() -> None:
    assert "ui.nav.persons" in ALL and "status.approved" in ALL and "field.name_bo_wylie" in ALL
    assert len(ALL) > 200


@pytest.mark.parametrize("lang", ["zh", "bo"])
def test_every_ui_string_is_translated(lang: str) -> None:
    catalog = i18n.catalog(lang)
    missing = [m for m in ALL if m not in catalog]
    assert not missing, f"{len(missing)} message(s) without a {lang} translation: {missing}"


def test_tibetan_texts_are_in_tibetan_script() -> None:
    """A bo entry copied from Chinese or English is not a translation."""
    zh, bo = i18n.catalog("zh"), i18n.catalog("bo")
    wrong = [m for m in ALL if m in zh and CJK.search(zh[m]) and m in bo and not has_tibetan(bo[m])]
    assert not wrong, wrong

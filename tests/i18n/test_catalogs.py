"""Message catalogs: every message has its zh and bo text, Tibetan is Tibetan script, placeholders
agree across languages, and every error / reason / label code the domain uses is in the catalogs."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

import i18n
from forms.policy import available_regions, load_pack
from i18n.tibetan import has_tibetan

ROOT = Path(__file__).resolve().parents[2]
PLACEHOLDER = re.compile(r"\{(\w+)\}")


def po(lang: str) -> dict[str, tuple[str, bool]]:
    path = i18n.LOCALE_DIR / lang / "LC_MESSAGES" / f"{i18n.DOMAIN}.po"
    with path.open("rb") as fh:
        catalog = read_po(fh, locale=lang, domain=i18n.DOMAIN)
    return {m.id: (m.string or "", m.fuzzy) for m in catalog if m.id}


CATALOGS = {lang: po(lang) for lang in i18n.LANGS}
ALL_IDS = sorted(set().union(*CATALOGS.values()))


@pytest.mark.parametrize("lang", ["zh", "bo", "en"])
def test_every_msgid_has_text_in_every_language(lang: str) -> None:
    """Fails when a message lacks its zh or bo (or en) text, or is fuzzy."""
    missing = [m for m in ALL_IDS if not CATALOGS[lang].get(m, ("", False))[0].strip()]
    fuzzy = [m for m in ALL_IDS if CATALOGS[lang].get(m, ("", False))[1]]
    assert not missing, f"{lang} lacks: {missing}"
    assert not fuzzy, f"{lang} fuzzy: {fuzzy}"


def test_the_three_catalogs_hold_the_same_msgids() -> None:
    assert set(CATALOGS["zh"]) == set(CATALOGS["bo"]) == set(CATALOGS["en"])


def _has_words(msgid: str) -> bool:
    """Whether the English text has words of its own (not only placeholders and punctuation)."""
    return bool(re.search(r"[A-Za-z]", PLACEHOLDER.sub("", CATALOGS["en"].get(msgid, ("", False))[0])))


def test_tibetan_messages_are_in_tibetan_script() -> None:
    not_tibetan = [m for m, (text, _f) in CATALOGS["bo"].items() if _has_words(m) and not has_tibetan(text)]
    assert not not_tibetan, not_tibetan


def test_chinese_messages_are_in_chinese() -> None:
    han = re.compile(r"[\u4e00-\u9fff]")
    assert not [m for m, (text, _f) in CATALOGS["zh"].items() if _has_words(m) and not han.search(text)]


def test_tibetan_text_is_not_a_copy_of_the_chinese() -> None:
    han = re.compile(r"[\u4e00-\u9fff]")
    assert not [m for m, (text, _f) in CATALOGS["bo"].items() if han.search(text)]


@pytest.mark.parametrize("msgid", ALL_IDS)
def test_placeholders_agree_across_languages(msgid: str) -> None:
    names = {lang: set(PLACEHOLDER.findall(CATALOGS[lang].get(msgid, ("", False))[0])) for lang in i18n.LANGS}
    assert names["zh"] == names["bo"] == names["en"], names


def _codes_in_source(folder: str, func: str) -> set[str]:
    pattern = re.compile(rf"\b{func}\(\s*\"([a-z0-9_.]+)\"")
    found: set[str] = set()
    for path in (ROOT / folder).rglob("*.py"):
        found |= set(pattern.findall(path.read_text(encoding="utf-8")))
    return found


FORMS_CODES = sorted(_codes_in_source("forms", "error") | _codes_in_source("forms", "warning"))


def test_the_source_scan_finds_codes() -> None:
    assert {"id.checksum", "id.legacy_15", "id.division_unknown", "uscc.checksum", "money.negative"} <= set(
        FORMS_CODES
    )


@pytest.mark.parametrize("code", FORMS_CODES)
def test_every_error_code_used_in_forms_is_in_the_catalogs(code: str) -> None:
    for lang in i18n.LANGS:
        assert f"error.{code}" in i18n.catalog(lang), f"error.{code} missing in {lang}"


def test_cli_error_codes_are_in_the_catalogs() -> None:
    for code in _codes_in_source("liangxian", "error"):
        assert all(f"error.{code}" in i18n.catalog(lang) for lang in i18n.LANGS), code


def test_decision_codes_are_in_the_catalogs() -> None:
    """Reasons, leave lines, paid-by, categories, documents and region names shown on slips."""
    source = (ROOT / "forms" / "entitlement.py").read_text(encoding="utf-8")
    needed = {f"reason.{c}" for c in re.findall(r"\"((?:allowance|medical)\.[a-z_]+)\"", source)}
    needed |= {f"leave.{c}" for c in re.findall(r"\"((?:national|regional)\.[a-z_]+)\"", source)}
    needed |= {"paid_by.maternity", "paid_by.medical", "paid_by.maternity_fund"}
    for region in available_regions():
        pack = load_pack(region)
        needed.add(f"region.{region}")
        needed |= {f"category.{c}" for c in pack.categories}
        needed |= {f"doc.{d}" for docs in pack.checklists.values() for d in docs}
        needed |= {f"claim.{c}" for c in ("allowance", "medical")}
        needed |= {f"print.application_type.{t}" for t in pack.checklists}
        for entry in pack.params.get("family_planning_operations", ()):
            for code, row in entry.value.items():
                needed.add(f"operation.{code}")
                if row.get("by_gestation"):
                    needed |= {f"leave.family_planning.{code}_{x}" for x in ("early", "late")}
                else:
                    needed.add(f"leave.family_planning.{code}")
    assert len(needed) > 20
    for msgid in sorted(needed):
        for lang in i18n.LANGS:
            assert msgid in i18n.catalog(lang), f"{msgid} missing in {lang}"


def test_gettext_formats_and_falls_back() -> None:
    assert i18n.gettext("error.int.range", "zh", min=1, max=9) == "须在 1 至 9 之间。"
    assert "{" not in i18n.gettext("error.int.range", "bo", min=1, max=9)
    assert i18n.gettext("no.such.message", "bo") == "no.such.message"
    with pytest.raises(ValueError):
        i18n.gettext("error.required", "fr")
    assert set(i18n.trilingual("error.required")) == {"zh", "bo", "en"}

"""Tibetan spelling (issue 15): every syllable of every Tibetan string we ship is known to Debian's
hunspell Tibetan dictionary (hunspell-bo) or fits botok's syllable structure, or is listed with its
reason in i18n/tibetan_accepted.toml."""

from __future__ import annotations

from pathlib import Path

import i18n
from i18n.tibetan_spelling import (
    TibetanText,
    accepted,
    botok_knows,
    hunspell_unknown,
    syllables,
    toml_tibetan,
    unknown_syllables,
)

ROOT = Path(__file__).resolve().parents[2]
TOML_SOURCES = [
    *sorted((ROOT / "forms" / "policies").glob("*.toml")),
    ROOT / "forms" / "data" / "forms.toml",
    ROOT / "forms" / "data" / "divisions.toml",
    ROOT / "i18n" / "glossary.toml",
]


QT_TS_SOURCES = sorted((ROOT / "i18n" / "qt").glob("*_bo.ts"))  # Qt's own words (context menus)


def qt_ts_tibetan(path: Path) -> list[TibetanText]:
    import xml.etree.ElementTree as ET

    return [
        TibetanText(
            f"{path.name}:{context.findtext('name')}:{m.findtext('source')}", m.findtext("translation") or ""
        )
        for context in ET.parse(path).getroot().iter("context")
        for m in context.iter("message")
    ]


def shipped_tibetan() -> list[TibetanText]:
    texts = [TibetanText(f"bo catalog:{k}", v) for k, v in i18n.catalog("bo").items()]
    for path in TOML_SOURCES:
        texts += toml_tibetan(path, str(path.relative_to(ROOT)))
    for path in QT_TS_SOURCES:
        texts += qt_ts_tibetan(path)
    return texts


def test_qt_translations_are_read_too() -> None:
    texts = [t for path in QT_TS_SOURCES for t in qt_ts_tibetan(path)]
    assert QT_TS_SOURCES and len(texts) >= 15 and all(syllables(t.text) for t in texts)


def test_every_shipped_tibetan_syllable_is_known_or_accepted() -> None:
    texts = shipped_tibetan()
    assert len({s for t in texts for s in syllables(t.text)}) > 400  # the catalogs are all read
    assert unknown_syllables(texts) == {}


def test_every_accepted_syllable_is_still_used_and_still_unknown() -> None:
    """The accepted list stays short: no entry for a syllable we no longer write or that a checker
    has learned."""
    used = {s for t in shipped_tibetan() for s in syllables(t.text)}
    listed = accepted()
    assert listed and all(reason.strip() for reason in listed.values())
    assert set(listed) <= used
    assert hunspell_unknown(listed) == set(listed)
    assert not [s for s in listed if botok_knows(s)]


def test_syllables_split_at_tsheg_shad_and_placeholders() -> None:
    assert syllables("བཀྲ་ཤིས། {name} ༡༢ abc") == ["བཀྲ", "ཤིས"]


def test_a_misspelt_syllable_fails_both_checkers() -> None:
    """The checks are real: a genitive written against the suffix rule (གྲོགསའི for གྲོགས་ཀྱི, the
    slip fixed in the bo catalog) and a consonant heap are refused; correct syllables pass."""
    bad = ["གྲོགསའི", "ཀཀཀཀ"]
    assert hunspell_unknown(bad) == set(bad)
    assert not any(botok_knows(s) for s in bad)
    good = ["བཀྲ", "ཤིས", "བསྒྲུབས", "གྲོགས", "ཀྱི"]
    assert hunspell_unknown(good) == set()
    found = unknown_syllables([TibetanText("t", "ཟླ་གྲོགསའི་ཆེད་དུ།")])
    assert found == {"གྲོགསའི": ["t"]}

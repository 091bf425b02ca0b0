"""Every refusal the server and the wire protocol can give has its message in Chinese, Tibetan and
English (the counter shows it to the clerk)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import i18n

ROOT = Path(__file__).resolve().parents[2]
PATTERNS = (
    re.compile(r"\b(?:error|_refuse|CentralError)\(\s*\"([a-z0-9_.]+)\""),
    re.compile(r"\b_refused\(\s*\d+,\s*\"([a-z0-9_.]+)\""),
    re.compile(r"\bcode\s*=\s*\"([a-z0-9_.]+)\""),
)


def _codes() -> list[str]:
    found: set[str] = set()
    for folder in ("central", "sync", "liangxian"):
        for path in (ROOT / folder).rglob("*.py"):
            text = path.read_text(encoding="utf-8")
            for pattern in PATTERNS:
                found |= set(pattern.findall(text))
    return sorted(found - {"error"})


def test_the_scan_finds_the_servers_codes() -> None:
    assert {"sync.bad_signature", "sync.decision_mismatch", "enroll.code_used", "sync.no_link"} <= set(
        _codes()
    )


@pytest.mark.parametrize("code", _codes())
def test_every_server_error_code_is_in_the_catalogs(code: str) -> None:
    for lang in i18n.LANGS:
        assert f"error.{code}" in i18n.catalog(lang), f"error.{code} missing in {lang}"

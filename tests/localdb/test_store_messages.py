"""Every refusal of the store has its message in Chinese, Tibetan and English."""

from __future__ import annotations

import re

import pytest

import i18n
from forms.errors import CodedError
from localdb import errors
from tests.support.store_data import ROOT

CODE = re.compile(r"\berror\(\s*\"([a-z0-9_.]+)\"")
SOURCES = [*(ROOT / "localdb").rglob("*.py"), *(ROOT / "liangxian" / "commands").glob("store.py")]
USED = sorted({c for p in SOURCES for c in CODE.findall(p.read_text(encoding="utf-8"))})
CLASSES = sorted(
    {cls.code for cls in vars(errors).values() if isinstance(cls, type) and hasattr(cls, "code")}
    - {"store.error", CodedError.code}
)


@pytest.mark.parametrize("code", USED + CLASSES + ["warning.store.keyring_unavailable"])
def test_message_exists_in_every_language(code: str) -> None:
    msgid = code if code.startswith("warning.") else f"error.{code}"
    for lang in ("zh", "bo", "en"):
        assert i18n.catalog(lang).get(msgid), f"{msgid} lacks {lang}"

"""Shared fixtures for the domain tests: an in-process ``liangxian entitle -`` runner and a
temporary policy folder on ``LIANGXIAN_POLICY_PATH``."""

from __future__ import annotations

import io
import json
import os
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from forms import policy
from liangxian.cli import main

EntitleRunner = Callable[[Any], tuple[int, dict]]


@pytest.fixture
def entitle(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> EntitleRunner:
    """Run ``liangxian entitle -`` in-process with ``data`` (dict or raw text) on stdin.
    Returns ``(exit_code, parsed JSON output)``."""

    def run(data: Any) -> tuple[int, dict]:
        text = data if isinstance(data, str) else json.dumps(data, ensure_ascii=False)
        monkeypatch.setattr(sys, "stdin", io.StringIO(text))
        code = main(["entitle", "-"])
        out = capsys.readouterr().out
        return code, json.loads(out)

    return run


@pytest.fixture
def policy_dir(tmp_path: Path) -> Iterator[Path]:
    """A folder of extra pack files, active for the duration of one test."""
    folder = tmp_path / "policies"
    folder.mkdir()
    old = os.environ.get("LIANGXIAN_POLICY_PATH")
    os.environ["LIANGXIAN_POLICY_PATH"] = str(folder)
    policy.reload()
    try:
        yield folder
    finally:
        if old is None:
            os.environ.pop("LIANGXIAN_POLICY_PATH", None)
        else:
            os.environ["LIANGXIAN_POLICY_PATH"] = old
        policy.reload()

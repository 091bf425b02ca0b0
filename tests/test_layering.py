"""The layers of liangxian (conventions.md): dependencies point inward,
desktop → localdb / printing / sync → forms → i18n; Qt only in desktop/; central/ never imports
desktop/. Checked on the import statements of every module, so a violation fails here, not in review."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

# package → top-level names it must not import
FORBIDDEN = {
    "i18n": {
        "forms",
        "localdb",
        "printing",
        "desktop",
        "sync",
        "central",
        "liangxian",
        "PySide6",
        "sqlalchemy",
    },
    "forms": {"localdb", "printing", "desktop", "sync", "central", "liangxian", "PySide6", "sqlalchemy"},
    "localdb": {"printing", "desktop", "central", "PySide6"},
    "printing": {"localdb", "desktop", "central", "PySide6"},
    "sync": {"desktop", "PySide6"},
    "central": {"desktop", "localdb", "PySide6"},
    "liangxian": {"PySide6"},
}


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_package_imports_point_inward(package: str) -> None:
    offenders = []
    for path in sorted((ROOT / package).rglob("*.py")):
        bad = _imports(path) & FORBIDDEN[package]
        if bad:
            offenders.append(f"{path.relative_to(ROOT)} imports {sorted(bad)}")
    assert not offenders, "\n".join(offenders)


def test_qt_only_in_desktop() -> None:
    offenders = []
    for path in sorted(ROOT.rglob("*.py")):
        rel = path.relative_to(ROOT)
        if rel.parts[0] in {"desktop", "tests", "benchmarks", ".venv"}:
            continue
        if "PySide6" in _imports(path):
            offenders.append(str(rel))
    assert not offenders, offenders

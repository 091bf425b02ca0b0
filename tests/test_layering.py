"""The layers of liangxian (conventions.md): dependencies point inward,
desktop → localdb / printing / sync → forms → i18n; Qt only in desktop/; central/ never imports
desktop/ or localdb/; localdb/ never imports sync/; the CLI's command modules (liangxian/commands/)
are imported by liangxian/cli.py alone, so the desktop and every other caller use the Qt-free
services (liangxian.printjobs, liangxian.keys, …) instead (issue 9 §3). Checked on the import
statements of every module, so a violation fails here, not in review."""

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
    "localdb": {"printing", "desktop", "central", "sync", "PySide6"},
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


def _modules(path: Path) -> set[str]:
    """Every module an import statement of ``path`` names, dotted in full."""
    package = list(path.relative_to(ROOT).parts[:-1])
    return _modules_of(path.read_text(encoding="utf-8"), package, str(path))


def _modules_of(source: str, package: list[str], filename: str = "<source>") -> set[str]:
    """Relative imports resolved against ``package``; ``from a import b`` names both ``a`` and
    ``a.b`` (b may be a module)."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(source, filename=filename)):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            module = ".".join([*base, *([node.module] if node.module else [])])
            if module:
                names.add(module)
            names.update(f"{module}.{alias.name}" if module else alias.name for alias in node.names)
    return names


def _product_modules() -> list[Path]:
    """The product's own modules (and its benchmarks and tools), not the tests or the venv."""
    return sorted(
        path
        for path in ROOT.rglob("*.py")
        if path.relative_to(ROOT).parts[0] not in {"tests", ".venv", ".git"}
    )


def _is_command_module(name: str) -> bool:
    return name == "liangxian.commands" or name.startswith("liangxian.commands.")


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


def test_desktop_never_imports_the_cli_commands() -> None:
    """The desktop calls the same Qt-free services as the CLI (liangxian.printjobs for printing),
    never the argument-parsing command modules."""
    offenders = [
        f"{path.relative_to(ROOT)} imports {sorted(n for n in _modules(path) if _is_command_module(n))}"
        for path in sorted((ROOT / "desktop").rglob("*.py"))
        if any(_is_command_module(n) for n in _modules(path))
    ]
    assert not offenders, "\n".join(offenders)


def test_command_modules_are_imported_by_the_cli_alone() -> None:
    """liangxian/commands/* only parse arguments, call services and print: no module but
    liangxian/cli.py imports them (not even another command module: shared helpers live in
    liangxian/jsonio.py, liangxian/auth.py and the services)."""
    cli = ROOT / "liangxian" / "cli.py"
    offenders = []
    for path in _product_modules():
        if path == cli:
            continue
        bad = sorted(n for n in _modules(path) if _is_command_module(n))
        if bad:
            offenders.append(f"{path.relative_to(ROOT)} imports {bad}")
    assert not offenders, "\n".join(offenders)


@pytest.mark.parametrize(
    "source",
    [
        "from liangxian.commands import printing",
        "from liangxian.commands.printing import render_record",
        "from liangxian import commands",
        "import liangxian.commands.store",
        "from ..commands import printing",
        "def f():\n    from .commands.store import _guarded",
    ],
)
def test_the_scan_sees_every_way_of_importing_a_command_module(source: str) -> None:
    """The checks above are not vacuous: absolute, relative and nested imports are all seen (the
    last two as if written in liangxian/desktop_helper.py or liangxian/sub/module.py)."""
    package = ["liangxian", "sub"] if source.startswith("from ..") else ["liangxian"]
    assert any(_is_command_module(n) for n in _modules_of(source, package))


def test_central_never_imports_the_counter_store_or_the_desktop() -> None:
    assert {"desktop", "localdb"} <= FORBIDDEN["central"]


def test_localdb_never_imports_sync() -> None:
    """The store applies changes through its own service; the sync engine calls it, never the reverse."""
    assert "sync" in FORBIDDEN["localdb"]

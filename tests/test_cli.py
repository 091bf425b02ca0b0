"""The ``liangxian`` command: one entry, real help texts for every subcommand."""

from __future__ import annotations

import subprocess
import sys

import pytest

from liangxian.cli import build_parser, main


def _subcommands() -> list[str]:
    parser = build_parser()
    action = next(a for a in parser._actions if a.dest == "command")
    return sorted(action.choices)


def test_top_level_help_lists_the_contract_commands(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["--help"])
    assert exc.value.code == 0
    out = capsys.readouterr().out
    for name in ("entitle", "check-id", "check-uscc"):
        assert name in out


@pytest.mark.parametrize("name", _subcommands())
def test_every_subcommand_has_a_real_help_text(name: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main([name, "--help"])
    assert exc.value.code == 0
    out = capsys.readouterr().out
    assert f"liangxian {name}" in out
    assert len(out.split()) > 12, f"help text of {name!r} is too thin:\n{out}"


def test_console_entry_point_runs() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "liangxian", "check-id", "11010519491231002X"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert '"valid": true' in result.stdout


def test_every_subcommand_is_owned_by_the_module_that_defines_it() -> None:
    """``liangxian X`` imports only X's module; the owner table must name the right one."""
    from liangxian.cli import COMMAND_OWNERS

    assert set(COMMAND_OWNERS) == set(_subcommands())
    for name, module in COMMAND_OWNERS.items():
        parser = build_parser([name])
        action = next(a for a in parser._actions if a.dest == "command")
        assert name in action.choices, f"{name} is not defined by liangxian.commands.{module}"

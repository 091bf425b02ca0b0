"""The Tibetan review sheet (printing/glossary_sheet.py): one PDF with every glossary term and every
message of the Tibetan catalog beside its Chinese, numbered and with its message id, read back with
pdftotext (poppler-utils)."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

import i18n
from printing.glossary_sheet import glossary_entries, main, message_entries, write_sheet


@pytest.fixture(scope="module")
def sheet(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, int, str]:
    out = tmp_path_factory.mktemp("sheet") / "glossary-sheet.pdf"
    pages = write_sheet(out)
    text = subprocess.run(
        ["pdftotext", "-layout", str(out), "-"], capture_output=True, text=True, check=True
    ).stdout
    return out, pages, text


def test_every_message_id_of_the_tibetan_catalog_is_on_the_sheet(sheet) -> None:
    _out, _pages, text = sheet
    words = set(re.findall(r"[A-Za-z0-9_.\-]+", text))
    missing = [msgid for msgid in i18n.catalog("bo") if msgid not in words]
    assert not missing


def test_every_glossary_term_in_chinese_and_tibetan(sheet) -> None:
    _out, _pages, text = sheet
    flat = re.sub(r"\s+", "", text)
    for e in glossary_entries():
        assert e.number in text and re.sub(r"\s+", "", e.zh) in flat, e
        assert e.bo.split("\n")[0].replace(" ", "") in flat, e  # the shaped Tibetan reads back


def test_rows_are_numbered_in_order_beside_their_chinese(sheet) -> None:
    _out, _pages, text = sheet
    rows = message_entries()
    assert [e.number for e in rows] == [str(i) for i in range(1, len(rows) + 1)]
    assert len(rows) == len(i18n.catalog("bo"))
    sample = next(e for e in rows if e.key == "ui.dialog.cancel")
    lines = text.splitlines()
    at = next(i for i, line in enumerate(lines) if "ui.dialog.cancel" in line)
    assert lines[at].split()[0] == sample.number  # the number beside its id
    assert any(sample.zh in line for line in lines[at - 1 : at + 4])  # and the Chinese on that row


def test_the_sheet_is_one_landscape_pdf(sheet) -> None:
    out, pages, _text = sheet
    info = subprocess.run(["pdfinfo", str(out)], capture_output=True, text=True, check=True).stdout
    assert re.search(rf"Pages:\s+{pages}\b", info) and pages > 10
    width, height = map(float, re.search(r"Page size:\s+([\d.]+) x ([\d.]+)", info).groups())
    assert width > height  # A4 landscape: room for the remarks column


def test_command_line_writes_the_given_path(tmp_path: Path, capsys) -> None:
    target = tmp_path / "review.pdf"
    assert main(["--out", str(target)]) == 0
    assert target.read_bytes().startswith(b"%PDF") and "pages" in capsys.readouterr().out

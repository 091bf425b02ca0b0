"""Read an .xlsx file's cells back with the standard library (zip + XML), for the export tests."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path
from xml.etree import ElementTree as ET

NS = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}
REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"


def _col(ref: str) -> int:
    letters = re.match(r"[A-Z]+", ref).group(0)  # type: ignore[union-attr]
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n - 1


def load_xlsx_cells(path: Path | str) -> dict[str, list[list[object]]]:
    """Sheet name → rows of cell values (strings and numbers; missing cells are "")."""
    with zipfile.ZipFile(path) as z:
        shared = []
        if "xl/sharedStrings.xml" in z.namelist():
            for si in ET.fromstring(z.read("xl/sharedStrings.xml")).findall("m:si", NS):
                shared.append("".join(t.text or "" for t in si.iter(f"{{{NS['m']}}}t")))
        rels = ET.fromstring(z.read("xl/_rels/workbook.xml.rels"))
        targets = {r.get("Id"): r.get("Target") for r in rels}
        out: dict[str, list[list[object]]] = {}
        for sheet in ET.fromstring(z.read("xl/workbook.xml")).find("m:sheets", NS) or []:
            xml = ET.fromstring(z.read("xl/" + targets[sheet.get(REL)].lstrip("/").removeprefix("xl/")))
            rows: list[list[object]] = []
            for r in xml.iter(f"{{{NS['m']}}}row"):
                cells: list[object] = []
                for c in r.findall("m:c", NS):
                    i = _col(c.get("r", "A"))
                    while len(cells) < i:
                        cells.append("")
                    v = c.find("m:v", NS)
                    value: object = "" if v is None else v.text
                    if c.get("t") == "s" and v is not None:
                        value = shared[int(v.text or 0)]
                    elif v is not None and c.get("t") is None:
                        value = float(v.text or 0)
                    cells.append(value)
                rows.append(cells)
            out[sheet.get("name", "")] = rows
        return out

"""The fonts printed documents use, found on the system and registered with ReportLab once.

Three scripts, three faces (see ``printing/fonts/README.md`` for packages and licences):
Tibetan in Noto Serif Tibetan (shaped with HarfBuzz: ``TTFont(..., shapable=True)``), Chinese in
Droid Sans Fallback, Latin letters and digits in Noto Sans. A font is looked up at its Debian path
first and through ``fc-match`` second; a missing font stops with ``FontMissing`` naming the Debian
package, never with a silent substitute (a substitute would print boxes instead of Tibetan).
ReportLab embeds TrueType fonts as subsets, so a document carries only the glyphs it uses.
"""

from __future__ import annotations

import logging
import shutil
import subprocess
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

import i18n

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class FontSpec:
    role: str  # tibetan | tibetan-bold | latin | latin-bold | cjk
    pdf_name: str  # the name registered with ReportLab
    family: str  # fontconfig family, checked against fc-match's answer
    style: str
    paths: tuple[str, ...]  # known Debian locations
    package: str  # the Debian package that ships it
    shapable: bool


SPECS: tuple[FontSpec, ...] = (
    FontSpec(
        "tibetan",
        "LX-Tibetan",
        "Noto Serif Tibetan",
        "Regular",
        ("/usr/share/fonts/truetype/noto/NotoSerifTibetan-Regular.ttf",),
        "fonts-noto-core",
        True,
    ),
    FontSpec(
        "tibetan-bold",
        "LX-Tibetan-Bold",
        "Noto Serif Tibetan",
        "Bold",
        ("/usr/share/fonts/truetype/noto/NotoSerifTibetan-Bold.ttf",),
        "fonts-noto-core",
        True,
    ),
    FontSpec(
        "latin",
        "LX-Latin",
        "Noto Sans",
        "Regular",
        ("/usr/share/fonts/truetype/noto/NotoSans-Regular.ttf",),
        "fonts-noto-core",
        False,
    ),
    FontSpec(
        "latin-bold",
        "LX-Latin-Bold",
        "Noto Sans",
        "Bold",
        ("/usr/share/fonts/truetype/noto/NotoSans-Bold.ttf",),
        "fonts-noto-core",
        False,
    ),
    FontSpec(
        "cjk",
        "LX-CJK",
        "Droid Sans Fallback",
        "Regular",
        ("/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",),
        "fonts-droid-fallback",
        False,
    ),
)


class FontMissing(RuntimeError):
    """A font the documents need is not installed."""

    code = "print.font_missing"

    def __init__(self, spec: FontSpec):
        self.spec = spec
        super().__init__(self.message("en"))

    def message(self, lang: str) -> str:
        return i18n.gettext(
            "error.print.font_missing",
            lang,
            font=f"{self.spec.family} {self.spec.style}",
            package=self.spec.package,
        )


def _fc_match(spec: FontSpec) -> Path | None:
    if shutil.which("fc-match") is None:
        return None
    try:
        out = subprocess.run(
            ["fc-match", "-f", "%{family}\n%{file}", f"{spec.family}:style={spec.style}"],
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    lines = out.splitlines()
    if len(lines) < 2:
        return None
    families = [f.strip() for f in lines[0].split(",")]
    path = Path(lines[1])
    # fc-match always answers with *some* font; only accept the family we asked for, as TrueType
    if spec.family in families and path.suffix.lower() == ".ttf" and path.is_file():
        return path
    return None


def find_font(spec: FontSpec) -> Path:
    """The file of one font; raises FontMissing."""
    for known in spec.paths:
        if Path(known).is_file():
            return Path(known)
    found = _fc_match(spec)
    if found is None:
        raise FontMissing(spec)
    return found


@dataclass(frozen=True)
class Faces:
    """The registered ReportLab font names, by role."""

    tibetan: str
    tibetan_bold: str
    latin: str
    latin_bold: str
    cjk: str
    files: dict[str, Path]


@cache
def register() -> Faces:
    """Find and register every font (once per process). Raises FontMissing."""
    files: dict[str, Path] = {}
    for spec in SPECS:
        path = find_font(spec)
        files[spec.role] = path
        if spec.pdf_name not in pdfmetrics.getRegisteredFontNames():
            pdfmetrics.registerFont(TTFont(spec.pdf_name, str(path), shapable=spec.shapable))
            log.debug("registered %s from %s", spec.pdf_name, path)
    by_role = {s.role: s.pdf_name for s in SPECS}
    return Faces(
        tibetan=by_role["tibetan"],
        tibetan_bold=by_role["tibetan-bold"],
        latin=by_role["latin"],
        latin_bold=by_role["latin-bold"],
        cjk=by_role["cjk"],
        files=files,
    )

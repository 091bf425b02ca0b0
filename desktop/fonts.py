"""Fonts: a Tibetan font (Noto Serif Tibetan, else Tibetan Machine Uni) and a Chinese font (Droid Sans
Fallback, else WenQuanYi Micro Hei), loaded into Qt's font database from the files the set-up installs.

Tibetan stacks (e.g. སྐྱོང) reach far above and below the Latin line, and a widget sizes itself from
its *primary* font's metrics, not from the fallback font that draws the glyphs. So when Tibetan is on
screen the Tibetan font comes first in the family list, and line edits, combo boxes and table rows
get a minimum height from the Tibetan font's metrics in every language.

Noto Serif Tibetan draws its letters small on the em square, so when the UI language is Tibetan the
whole UI is set a size larger. A Chinese or English UI keeps the usual size, also on a Lhasa counter
whose bilingual form labels carry Tibetan lines: there Chinese is what is read first, and the larger
size would crowd the tables (names elided in the review queue).
"""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtGui import QFont, QFontDatabase, QFontMetrics
from PySide6.QtWidgets import QApplication, QTableView

log = logging.getLogger(__name__)

TIBETAN_FILES = (
    Path("/usr/share/fonts/truetype/noto/NotoSerifTibetan-Regular.ttf"),
    Path("/usr/share/fonts/truetype/tibetan-machine/TibetanMachineUni.ttf"),
)
CHINESE_FILES = (
    Path("/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf"),
    Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"),
)
POINT_SIZE = 10
# Tibetan letters sit small on their em square, which keeps room for the stacks above and below (at
# 10 pt Noto Serif Tibetan's ཀ is 9 px wide, Droid Sans Fallback's 国 11 px), so a Tibetan UI uses a
# larger size for everything.
TIBETAN_POINT_SIZE = 12
# deep stacks (above and below the line) to measure how much room Tibetan ink needs
DEEP_STACKS = "བསྒྲུབས་སྐྱོང་ཀྱྀ་ཧཱུྃ་གྲྭ"


class Fonts:
    """The family names of the loaded Tibetan and Chinese fonts (None when missing)."""

    def __init__(self, tibetan: str | None = None, chinese: str | None = None) -> None:
        self.tibetan = tibetan
        self.chinese = chinese

    def families(self, tibetan_first: bool) -> list[str]:
        chinese = [self.chinese] if self.chinese else []
        tibetan = [self.tibetan] if self.tibetan else []
        latin = ["DejaVu Sans"]
        return [*tibetan, *latin, *chinese] if tibetan_first else [*latin, *chinese, *tibetan]


_loaded: Fonts | None = None


def _load_first(paths: tuple[Path, ...]) -> str | None:
    for path in paths:
        if not path.exists():
            continue
        font_id = QFontDatabase.addApplicationFont(str(path))
        families = QFontDatabase.applicationFontFamilies(font_id) if font_id >= 0 else []
        if families:
            return families[0]
        log.warning("could not load font %s", path)
    log.warning("none of these fonts is installed: %s (run scripts/setup-system.sh)", paths)
    return None


# Noto Serif Tibetan's own line box is 2.8 em (ascent 1.466, descent 1.349: room for the tallest
# Sanskrit stacks), so every line, field and row with Tibetan in it was 45 px at 12 pt with the ink
# in its middle 23 px, and a Lhasa form took five or six screens. The deep stacks a counter writes
# (DEEP_STACKS: བསྒྲུབས་སྐྱོང་ཀྱྀ་ཧཱུྃ་གྲྭ) reach 0.69 em above and below the baseline; the line box
# used on screen is 1.9 em (30 px at 12 pt, 25 px at 10 pt): 1.15 em above, for the vowel signs over
# a tall stack in a tab or a button with no padding (at 0.95 em the OCR round trip of
# tests/desktop/test_screen_ocr.py misread ི and ོ on the tabs: 13 % syllable errors), 0.75 below.
TIBETAN_ASCENT_EM = 1.15
TIBETAN_DESCENT_EM = 0.75


def _tight_tibetan(path: Path) -> bytes | None:
    """The font file with its line metrics set to ``TIBETAN_ASCENT_EM``/``TIBETAN_DESCENT_EM`` (the
    glyphs untouched), or None when it is not one whose line box needs it."""
    import io

    from fontTools.ttLib import TTFont

    try:
        font = TTFont(str(path))
        upem = font["head"].unitsPerEm
        hhea, os2 = font["hhea"], font["OS/2"]
        ascent, descent = round(TIBETAN_ASCENT_EM * upem), round(TIBETAN_DESCENT_EM * upem)
        if hhea.ascent - hhea.descent <= ascent + descent:
            return None  # already as tight (Tibetan Machine Uni)
        hhea.ascent, hhea.descent, hhea.lineGap = ascent, -descent, 0
        os2.sTypoAscender, os2.sTypoDescender, os2.sTypoLineGap = ascent, -descent, 0
        os2.usWinAscent, os2.usWinDescent = ascent, descent
        out = io.BytesIO()
        font.save(out)
        return out.getvalue()
    except Exception:  # a font fontTools cannot read: used as it is
        log.warning("could not set the line metrics of %s", path, exc_info=True)
        return None


def _load_tibetan(paths: tuple[Path, ...]) -> str | None:
    from PySide6.QtCore import QByteArray

    for path in paths:
        if not path.exists():
            continue
        data = _tight_tibetan(path)
        if data is None:
            font_id = QFontDatabase.addApplicationFont(str(path))
        else:
            font_id = QFontDatabase.addApplicationFontFromData(QByteArray(data))
        families = QFontDatabase.applicationFontFamilies(font_id) if font_id >= 0 else []
        if families:
            return families[0]
        log.warning("could not load font %s", path)
    log.warning("none of these fonts is installed: %s (run scripts/setup-system.sh)", paths)
    return None


def load() -> Fonts:
    """Register the fonts once per process; returns their family names."""
    global _loaded
    if _loaded is None:
        _loaded = Fonts(tibetan=_load_tibetan(TIBETAN_FILES), chinese=_load_first(CHINESE_FILES))
    return _loaded


def tibetan_line_height(point_size: int = POINT_SIZE) -> int:
    """Pixels one line of Tibetan ink needs (deep stacks included), with a little air."""
    fonts = load()
    font = QFont(fonts.tibetan or "", point_size)
    return QFontMetrics(font).tightBoundingRect(DEEP_STACKS).height() + 8


_FIT_ROWS = "liangxian_fit_rows"  # a table's property: its rows follow apply()


def point_size(lang: str) -> int:
    """The UI's point size for the UI language ``lang``."""
    return TIBETAN_POINT_SIZE if lang == "bo" else POINT_SIZE


def apply(app: QApplication, tibetan_first: bool, lang: str = "zh") -> None:
    """Set the application font (sized for the UI language ``lang``) and the minimum heights that
    keep Tibetan stacks unclipped; tables made with :func:`fit_rows` follow the new row height."""
    fonts = load()
    size = point_size(lang)
    font = QFont()
    font.setFamilies(fonts.families(tibetan_first))
    font.setPointSize(size)
    app.setFont(font)
    line = max(tibetan_line_height(size), QFontMetrics(font).height())
    field = line + 4
    app.setStyleSheet(
        f"""
        QLineEdit, QComboBox, QSpinBox, QDateEdit {{ min-height: {field}px; padding: 1px 4px; }}
        QPushButton {{ min-height: {line}px; padding: 1px 12px; }}
        QLabel[role="error"] {{ color: #b00020; }}
        QLabel[role="hint"] {{ color: #555; }}
        QLabel[role="title"] {{ font-size: 15pt; font-weight: bold; }}
        QLabel[role="tibetan-preview"] {{ font-size: 16pt; color: #1a237e; }}
        QListWidget#navigation::item {{ min-height: {line + 10}px; padding: 2px 10px; }}
        QHeaderView::section {{ min-height: {line + 4}px; }}
        """
    )
    app.setProperty("liangxian_row_height", line + 6)
    for widget in app.allWidgets():
        if isinstance(widget, QTableView) and widget.property(_FIT_ROWS):
            widget.verticalHeader().setDefaultSectionSize(line + 6)


def fit_rows(table: QTableView) -> None:
    """Rows tall enough for Tibetan stacks, now and whenever :func:`apply` changes the font."""
    table.setProperty(_FIT_ROWS, True)
    table.verticalHeader().setDefaultSectionSize(row_height())


def row_height() -> int:
    app = QApplication.instance()
    value = app.property("liangxian_row_height") if app else None
    return int(value) if value else tibetan_line_height() + 8

"""Qt's own words — a line edit's right-click menu (Undo, Copy, Paste, Select All …), a text box's,
the file dialog's — in the UI's languages (issue 15: bilingual wherever the region is).

Qt ships Chinese (``qtbase_zh_CN.qm``) but no Tibetan; ours is ``i18n/qt/qtbase_bo.ts`` (the same
contexts and sources as Qt's), compiled to ``qtbase_bo.qm`` beside it. In a region that writes two
languages (Lhasa: Tibetan, then Chinese) a text is both, Tibetan first — "འདྲ་བཤུས / 复制(&C)",
like our own buttons (desktop/dialogs.py) — with the keyboard mnemonic kept once, on the last.
"""

from __future__ import annotations

import re
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QLibraryInfo, QTranslator

QT_DIR = Path(__file__).resolve().parents[1] / "i18n" / "qt"
SEP = " / "
_MNEMONIC = re.compile(r"\s*\(&.\)")


def _load(lang: str) -> QTranslator | None:
    translator = QTranslator()
    if lang == "zh":
        ok = translator.load("qtbase_zh_CN", QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath))
    elif lang == "bo":
        ok = translator.load(str(QT_DIR / "qtbase_bo.qm"))
    else:  # English: Qt's own words are its source texts
        return None
    return translator if ok else None


def _without_mnemonic(text: str) -> str:
    return _MNEMONIC.sub("", text).replace("&", "")


class JoinedTranslator(QTranslator):
    """Each of Qt's texts in every language that has it, in the region's order, joined by " / "."""

    def __init__(self, parts: list[QTranslator]) -> None:
        super().__init__()
        self.parts = parts

    def translate(  # type: ignore[override]
        self, context: str, source: str, disambiguation: str | None = None, n: int = -1
    ) -> str:
        found = [p.translate(context, source, disambiguation, n) for p in self.parts]
        found = list(dict.fromkeys(f for f in found if f))
        if len(found) < 2:
            return found[0] if found else ""
        return SEP.join([*(_without_mnemonic(f) for f in found[:-1]), found[-1]])

    def isEmpty(self) -> bool:
        return not self.parts


class QtTranslations:
    """The translators installed in the application for one choice of languages; ``switch`` replaces
    them when the UI language or the region changes."""

    def __init__(self, app: QCoreApplication) -> None:
        self.app = app
        self.languages: tuple[str, ...] = ()
        self.installed: list[QTranslator] = []

    def switch(self, languages: tuple[str, ...]) -> None:
        if languages == self.languages:
            return
        for translator in self.installed:
            self.app.removeTranslator(translator)
        loaded = [t for t in (_load(lang) for lang in languages) if t is not None]
        if len(loaded) > 1:
            self.installed = [JoinedTranslator(loaded)]
        else:
            self.installed = loaded
        for translator in self.installed:
            self.app.installTranslator(translator)
        self.languages = languages

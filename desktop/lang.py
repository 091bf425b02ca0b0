"""The UI language, switchable at run time (中文 / བོད་ཡིག / English) without a restart.

Widgets read their texts through :class:`UiLanguage` and re-read them when ``changed`` fires. On
forms of a region whose policy pack lists several languages (Lhasa: Tibetan, then Chinese), field
labels are bilingual, in the pack's order, as on the region's own documents. Once
``follow_in_qt`` is called, Qt's own words (context menus) follow the same languages
(desktop/qt_translation.py).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication, QObject, Signal

import i18n

if TYPE_CHECKING:
    from desktop.qt_translation import QtTranslations

LANGUAGE_NAMES = {"zh": "中文", "bo": "བོད་ཡིག", "en": "English"}  # each in its own script (endonyms)
BABEL_LOCALES = {"zh": "zh_CN", "bo": "bo_CN", "en": "en_GB"}


class UiLanguage(QObject):
    changed = Signal(str)

    def __init__(self, lang: str = "zh", region: str | None = None) -> None:
        super().__init__()
        if lang not in i18n.LANGS:
            raise ValueError(lang)
        self._lang = lang
        self._region = region
        self._form_langs: tuple[str, ...] | None = None
        self._qt: QtTranslations | None = None

    @property
    def lang(self) -> str:
        return self._lang

    @property
    def locale(self) -> str:
        return BABEL_LOCALES[self._lang]

    @property
    def region(self) -> str | None:
        return self._region

    def set_region(self, region: str | None) -> None:
        self._region = region
        self._form_langs = None
        self._follow()

    def set_language(self, lang: str) -> None:
        if lang not in i18n.LANGS:
            raise ValueError(lang)
        if lang != self._lang:
            self._lang = lang
            self._follow()
            self.changed.emit(lang)

    def follow_in_qt(self, app: QCoreApplication) -> None:
        """Install Qt's own translations for these languages in ``app`` and switch them whenever
        the language or the region changes."""
        from desktop.qt_translation import QtTranslations

        self._qt = QtTranslations(app)
        self._follow()

    def _follow(self) -> None:
        if self._qt is not None:
            self._qt.switch(self.form_languages())

    def t(self, msgid: str, /, **params: object) -> str:
        """The text of ``msgid`` in the UI language."""
        from desktop.catalog_cache import gettext

        return gettext(msgid, self._lang, **params)

    def form_languages(self) -> tuple[str, ...]:
        """Languages of form labels: the region's (e.g. ``("bo", "zh")`` in Lhasa), or the UI's."""
        if self._lang == "en" or not self._region:
            return (self._lang,)
        if self._form_langs is None:
            from forms.policy import load_pack

            self._form_langs = tuple(load_pack(self._region).languages)
        langs = self._form_langs
        return langs if len(langs) > 1 else (self._lang,)

    def label(self, msgid: str, /, sep: str = "\n", **params: object) -> str:
        """A form label (or a form's message): bilingual on the forms of a multilingual region, else
        in the UI language."""
        from desktop.catalog_cache import gettext

        texts = [gettext(msgid, lang, **params) for lang in self.form_languages()]
        return sep.join(dict.fromkeys(texts))

    def tibetan_heavy(self) -> bool:
        return self._lang == "bo" or "bo" in self.form_languages()

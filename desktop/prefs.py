"""What the counter app remembers for each user: the main window's size and position and her UI
language (issue 13: "Window size and the UI language are remembered per user").

When a user logs in, the window takes her last size and position (moved and shrunk into the screen
if that changed — a smaller monitor, a projector) and her language; when she changes the language,
resizes or moves the window, or closes it, that is kept. A language chosen in the login dialog
itself is her choice for this session: it is kept for her instead of being replaced by the last one.

The store has no per-user settings (its ``settings`` table is the counter's own, signed into the
audit chain), and a window size is no business record: the values live in the desktop's QSettings
(an INI file in the user's configuration folder, ``liangxian/window.ini``), one group per counter and
staff user. Nothing secret goes there — a language code and four numbers.
"""

from __future__ import annotations

import logging
from typing import Any

from PySide6.QtCore import QEvent, QObject, QPoint, QRect, QSettings, QSize
from PySide6.QtGui import QGuiApplication

import i18n

log = logging.getLogger(__name__)

ORGANISATION, APPLICATION = "liangxian", "window"


def settings() -> QSettings:
    """The file the preferences live in (``QSettings.setPath`` moves it, as the tests do)."""
    return QSettings(QSettings.Format.IniFormat, QSettings.Scope.UserScope, ORGANISATION, APPLICATION)


def within(rect: QRect, screen: QRect) -> QRect:
    """``rect`` shrunk to fit ``screen`` and moved inside it."""
    size = rect.size().boundedTo(screen.size())
    x = min(max(rect.x(), screen.left()), screen.left() + screen.width() - size.width())
    y = min(max(rect.y(), screen.top()), screen.top() + screen.height() - size.height())
    return QRect(QPoint(x, y), size)


FIRST_SIZE = QSize(1280, 820)  # a new user's window where the screen has room for it
# the window frame (title bar, borders), before the window manager has said how thick it is
FRAME_ALLOWANCE = QSize(16, 48)


def first_geometry(screen: QRect, frame: QSize = FRAME_ALLOWANCE) -> QRect:
    """Where a window nobody has placed yet opens: its size ``FIRST_SIZE``, shrunk so that it and its
    frame fit ``screen`` (the available area: a 1366×768 screen less its panels), and the frame's
    top-left corner (what ``move`` places) such that the frame is centred on it."""
    size = FIRST_SIZE.boundedTo(QSize(screen.width() - frame.width(), screen.height() - frame.height()))
    x = screen.left() + (screen.width() - size.width() - frame.width()) // 2
    y = screen.top() + (screen.height() - size.height() - frame.height()) // 2
    return QRect(QPoint(x, y), size)


def keep_on_screen(window: Any) -> None:
    """After the first show, when the frame's thickness is known: the whole frame inside the
    screen's available area (a title bar above the screen's top cannot be grabbed)."""
    screen = (window.screen() or QGuiApplication.primaryScreen()).availableGeometry()
    frame = window.frameGeometry()
    if screen.contains(frame):
        return
    extra = QSize(frame.width() - window.width(), frame.height() - window.height())
    size = window.size().boundedTo(QSize(screen.width() - extra.width(), screen.height() - extra.height()))
    window.resize(size)
    fitted = within(QRect(frame.topLeft(), size + extra), screen)
    window.move(fitted.topLeft())


class UserPrefs(QObject):
    """The main window's memory of each user (see the module docstring): ``restore()`` when she has
    logged in, ``save()`` when the language changed or the window closes; resizing and moving are
    seen through an event filter."""

    def __init__(self, window: Any) -> None:
        super().__init__(window)
        self.window = window
        self.store = settings()
        self._restoring = False
        self._chosen_at_login = False  # the language was picked while nobody was logged in
        window.installEventFilter(self)
        window.ui.changed.connect(self._language_changed)

    def group(self) -> str | None:
        """``users/<counter id>/<username>`` of the logged-in user, None when nobody is."""
        backend = self.window.backend
        counter = (backend.counter or {}).get("id")
        if not backend.username or not counter:
            return None
        return f"users/{counter}/{backend.username}"

    # --- reading ----------------------------------------------------------------------------------

    def _read(self, group: str) -> tuple[str | None, QRect | None, bool]:
        s = self.store
        s.beginGroup(group)
        try:
            lang = s.value("lang")
            numbers = [s.value(k) for k in ("x", "y", "width", "height")]
            maximized = str(s.value("maximized", "false")).lower() == "true"
        finally:
            s.endGroup()
        lang = lang if isinstance(lang, str) and lang in i18n.LANGS else None
        try:
            x, y, w, h = (int(v) for v in numbers)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            return lang, None, maximized
        if w <= 0 or h <= 0:
            return lang, None, maximized
        return lang, QRect(x, y, w, h), maximized

    def _screen(self, rect: QRect) -> QRect:
        screen = (
            QGuiApplication.screenAt(rect.center()) or self.window.screen() or QGuiApplication.primaryScreen()
        )
        return screen.availableGeometry()

    def restore(self) -> None:
        """The logged-in user's window and language, as she left them (nothing stored: as is)."""
        group = self.group()
        if group is None:
            return
        lang, rect, maximized = self._read(group)
        self._restoring = True
        try:
            if rect is not None:
                rect = within(rect, self._screen(rect))
                self.window.resize(rect.size())
                self.window.move(rect.topLeft())
            if maximized:
                self.window.showMaximized()
            if lang and not self._chosen_at_login:
                self.window.ui.set_language(lang)
        finally:
            self._restoring = False
        self._chosen_at_login = False
        self.save()

    # --- writing ----------------------------------------------------------------------------------

    def save(self) -> None:
        """Keep the logged-in user's language, window size and position (nobody logged in: nothing)."""
        group = self.group()
        if group is None or self._restoring:
            return
        w = self.window
        s = self.store
        s.beginGroup(group)
        try:
            s.setValue("lang", w.ui.lang)
            s.setValue("maximized", "true" if w.isMaximized() else "false")
            if not (w.isMaximized() or w.isMinimized() or w.isFullScreen()):
                size: QSize = w.size()
                pos: QPoint = w.pos()
                for key, value in (
                    ("x", pos.x()),
                    ("y", pos.y()),
                    ("width", size.width()),
                    ("height", size.height()),
                ):
                    s.setValue(key, value)
        finally:
            s.endGroup()

    def flush(self) -> None:
        """Save and write the file now (the window closes)."""
        self.save()
        self.store.sync()
        if self.store.status() != QSettings.Status.NoError:
            log.warning("window preferences not written: %s", self.store.status())

    def _language_changed(self, _lang: str) -> None:
        if self._restoring:
            return
        if self.group() is None:
            self._chosen_at_login = True
        else:
            self.save()

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # Qt's name
        if obj is self.window and event.type() in (QEvent.Type.Resize, QEvent.Type.Move):
            self.save()
        return False

"""Start the counter client: check for a display, load fonts, show the main window, then open the
store and ask for a login. ``exit_after_shown`` quits with 0 as soon as the window is on screen (and
the store opened), for smoke tests and the start-up benchmark."""

from __future__ import annotations

import logging
import os
import sys
import time
from pathlib import Path

log = logging.getLogger(__name__)
STARTED = time.perf_counter()


def display_problem() -> str | None:
    """Why no window can open here, or None. QT_QPA_PLATFORM (offscreen, vnc, …) is trusted as set."""
    if os.environ.get("QT_QPA_PLATFORM"):
        return None
    if sys.platform.startswith("linux") and not (
        os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")
    ):
        return "no_display"
    return None


def _no_display_message() -> str:
    import i18n

    return "\n".join(i18n.gettext("ui.no_display", lang) for lang in ("zh", "bo", "en"))


def run(
    db: Path | str,
    *,
    lang: str = "zh",
    exit_after_shown: bool = False,
    idle_minutes: int = 10,
) -> int:
    if display_problem():
        sys.stderr.write(_no_display_message() + "\n")
        return 3

    from PySide6.QtWidgets import QApplication

    from desktop import fonts
    from desktop.backend import Backend
    from desktop.lang import UiLanguage
    from desktop.main_window import MainWindow

    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    app.setApplicationName("liangxian")
    ui = UiLanguage(lang)
    ui.follow_in_qt(app)  # Qt's own words (context menus) in our languages too
    fonts.apply(app, tibetan_first=lang == "bo", lang=lang)
    backend = Backend(db)
    window = MainWindow(ui, backend, idle_minutes=idle_minutes)
    status = {"code": 0}

    def shown() -> None:
        log.info("main window shown %.0f ms after start", (time.perf_counter() - STARTED) * 1000)
        if os.environ.get("LIANGXIAN_REPORT_SHOWN"):
            sys.stdout.write(f"shown {time.time():.6f}\n")
            sys.stdout.flush()
        if not exit_after_shown:
            window.start()
        elif backend.exists():
            # smoke test: the store must open too, but the window need not wait for it
            def failed(exc: BaseException) -> None:
                log.error("store did not open: %s", exc)
                status["code"] = 1
                app.quit()

            backend.open(lambda _info: app.quit(), failed)
        else:
            app.quit()

    window.shown.connect(shown)
    window.show()
    try:
        app.exec()
    finally:
        backend.close()
    return status["code"]

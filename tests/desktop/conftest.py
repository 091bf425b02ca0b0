"""Fixtures for the desktop tests: an offscreen Qt platform, a small seeded store copied per test,
and a main window logged in as a given role (driven through the real login dialog)."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
if os.environ["QT_QPA_PLATFORM"] == "offscreen":
    # the offscreen screen is a counter's 1366×768 (its default is 800×800): a new user's window
    # opens inside it as at a counter (desktop/prefs.py first_geometry), a dialog sized from the
    # screen (the print preview) is sized as there
    _screen = os.path.join(__import__("tempfile").mkdtemp(prefix="liangxian-test-screen-"), "screen.json")
    with open(_screen, "w", encoding="utf-8") as _fh:
        _fh.write('{"screens": [{"name": "test", "x": 0, "y": 0, "width": 1366, "height": 768}]}')
    os.environ["QT_QPA_PLATFORM"] = f"offscreen:configfile={_screen}"
# the desktop's catalog cache goes to a throw-away folder, not the user's ~/.cache
os.environ["XDG_CACHE_HOME"] = __import__("tempfile").mkdtemp(prefix="liangxian-test-cache-")
# … and the remembered window sizes and languages (desktop/prefs.py) to another, never ~/.config
os.environ["XDG_CONFIG_HOME"] = __import__("tempfile").mkdtemp(prefix="liangxian-test-config-")

import shutil
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from desktop import sample_data

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # tests.support, also under the bare pytest script
    sys.path.insert(0, str(ROOT))

STAFF = {"admin": sample_data.ADMIN, "reviewer": sample_data.REVIEWER, "clerk": sample_data.CLERK}

#: how many times its stated timeout a ``qtbot.waitUntil`` of these tests may take: each waits for a
#: condition, so the timeout bounds only a hang (an idle machine meets the stated one), and a machine
#: running another suite beside this one (load 8-10 on two cores) is several times slower (issue 26)
WAIT_STRETCH = 6


@pytest.fixture
def qtbot(qtbot):
    """pytest-qt's ``qtbot``, its ``waitUntil`` timeouts stretched by ``WAIT_STRETCH``."""
    wait_until = qtbot.waitUntil

    def stretched(callback, *, timeout: int = 5000) -> None:
        wait_until(callback, timeout=timeout * WAIT_STRETCH)

    qtbot.waitUntil = stretched
    return qtbot


@pytest.fixture(autouse=True)
def fresh_window_prefs(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Each test starts with no user's window size or language remembered (desktop/prefs.py)."""
    from PySide6.QtCore import QSettings

    folder = tmp_path_factory.mktemp("prefs")
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(folder))


@pytest.fixture(scope="session")
def seeded_template(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """One seeded store per region, built once; tests get copies."""
    out = {}
    for region in ("lhasa", "lianyungang"):
        path = tmp_path_factory.mktemp(f"template-{region}") / "counter.db"
        sample_data.seed(path, region)
        out[region] = path
    return out


@pytest.fixture
def store_copy(seeded_template: dict[str, Path], tmp_path: Path) -> Callable[[str], Path]:
    def copy(region: str) -> Path:
        target = tmp_path / f"{region}.db"
        shutil.copy(seeded_template[region], target)
        return target

    return copy


def start_window(qtbot, db: Path, lang: str = "zh", *, tibetan_first: bool | None = None):
    """A MainWindow on the database at ``db``, shown and started, its login dialog up (as the app
    starts: the application font for ``lang`` first)."""
    from PySide6.QtWidgets import QApplication

    from desktop import fonts
    from desktop.backend import Backend, store_module
    from desktop.lang import UiLanguage
    from desktop.main_window import MainWindow

    first = lang == "bo" if tibetan_first is None else tibetan_first
    fonts.apply(QApplication.instance(), tibetan_first=first, lang=lang)
    window = MainWindow(UiLanguage(lang), Backend(db, store_module()))
    qtbot.addWidget(window)
    window.show()
    window.start()
    qtbot.waitUntil(lambda: window.dialog is not None and window.dialog.isVisible(), timeout=10_000)
    return window


def log_in(qtbot, window, who: tuple[str, str], role: str | None = None) -> None:
    """Type ``who`` (user, password) into the login dialog and press Enter; back once the window is
    logged in (as ``role`` when given) and idle."""
    from PySide6.QtCore import Qt

    backend = window.backend
    qtbot.keyClicks(window.dialog.username, who[0])
    qtbot.keyClicks(window.dialog.password, who[1])
    qtbot.keyClick(window.dialog.password, Qt.Key.Key_Return)
    logged_in = (lambda: backend.role == role) if role else (lambda: backend.role is not None)
    qtbot.waitUntil(lambda: logged_in() and window.dialog is None, timeout=10_000)
    qtbot.waitUntil(lambda: not backend.busy, timeout=10_000)


@pytest.fixture
def open_window(qtbot, store_copy) -> Iterator[Callable[..., object]]:
    """``open_window(role, region="lhasa", lang="zh")`` → a shown MainWindow after a real login."""
    made: list[object] = []

    def make(role: str = "clerk", region: str = "lhasa", lang: str = "zh"):
        window = start_window(qtbot, store_copy(region), lang)
        made.append(window)
        log_in(qtbot, window, STAFF[role], role)
        qtbot.waitUntil(window.isActiveWindow, timeout=5_000)  # shortcuts need an active window
        return window

    yield make
    for window in made:
        if getattr(window, "dialog", None) is not None:
            window.dialog.close()
        window.close()
        window.backend.close()

"""Issue 20, point 5: the first start fits the screen. A new user's window opened at 1280×820 on a
1366×768 screen (the status bar and the bottom of the navigation off-screen until she maximised it);
now it opens inside the screen's available area, and her own placement still comes back at login
(test_desktop_prefs.py)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtCore import QRect, QSize

from desktop.prefs import FIRST_SIZE, first_geometry

pytestmark = pytest.mark.gui
ROOT = Path(__file__).resolve().parents[2]

SCRIPT = """
import json, sys
from PySide6.QtWidgets import QApplication
app = QApplication([])
from desktop import fonts
from desktop.backend import Backend, store_module
from desktop.lang import UiLanguage
from desktop.main_window import MainWindow
fonts.apply(app, tibetan_first=False, lang="zh")
window = MainWindow(UiLanguage("zh"), Backend(sys.argv[1], store_module()))
window.show()
for _ in range(20):
    app.processEvents()
frame, screen = window.frameGeometry(), window.screen().availableGeometry()
print(json.dumps({"frame": frame.getRect(), "screen": screen.getRect(), "size": [window.width(), window.height()]}))
window.backend.close() if hasattr(window.backend, "close") else None
"""


def test_first_geometry_fits_the_available_area() -> None:
    on_1366 = first_geometry(QRect(0, 0, 1366, 728))  # a 1366×768 screen with a 40 px panel
    assert on_1366.size() == QSize(1280, 680)
    frame = QRect(on_1366.topLeft(), on_1366.size() + QSize(16, 48))  # move() places the frame
    assert QRect(0, 0, 1366, 728).contains(frame)
    assert first_geometry(QRect(0, 0, 1920, 1080)).size() == FIRST_SIZE  # room: as before


def test_the_first_start_fits_a_1366x768_screen(store_copy, tmp_path) -> None:
    config = tmp_path / "screen.json"
    config.write_text(
        json.dumps({"screens": [{"name": "counter", "x": 0, "y": 0, "width": 1366, "height": 768}]})
    )
    env = {**os.environ, "QT_QPA_PLATFORM": f"offscreen:configfile={config}", "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(store_copy("lhasa"))],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    got = json.loads(done.stdout.strip().splitlines()[-1])
    assert got["screen"] == [0, 0, 1366, 768]
    frame = QRect(*got["frame"])
    assert QRect(*got["screen"]).contains(frame), got  # the whole window, frame and all, on the screen
    assert got["size"][1] <= 768 - 4 and got["size"][0] >= 1200  # as large as the screen allows

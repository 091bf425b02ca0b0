"""Start-up of the counter window: time from process start to the main window shown, beside a bare
QApplication + QMainWindow measured in the same run (offscreen unless a display is set).

    python -m benchmarks.gui_startup [--runs 7]

Both programs are started the same way (a fresh interpreter) and report the wall-clock moment their
window was shown; the time is measured from just before the process is spawned. Goals: ≤ 1.5× the
bare window and < 1.5 s. Prints one JSON line per measurement series and a summary.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

log = logging.getLogger("benchmarks.gui_startup")

BARE = """
import sys, time
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMainWindow
app = QApplication(sys.argv[:1])
window = QMainWindow()
window.resize(1280, 820)
def shown():
    sys.stdout.write(f"shown {time.time():.6f}\\n"); sys.stdout.flush(); app.quit()
window.show()
QTimer.singleShot(0, shown)
app.exec()
"""


def _measure(cmd: list[str], env: dict[str, str]) -> float:
    start = time.time()
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120)
    if done.returncode != 0:
        raise RuntimeError(f"{cmd} failed: {done.stderr}")
    line = next(x for x in done.stdout.splitlines() if x.startswith("shown "))
    return (float(line.split()[1]) - start) * 1000


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.gui_startup", description=__doc__)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    env = dict(os.environ, LIANGXIAN_REPORT_SHOWN="1", PYTHONDONTWRITEBYTECODE="1")
    if not (env.get("DISPLAY") or env.get("WAYLAND_DISPLAY")):
        env.setdefault("QT_QPA_PLATFORM", "offscreen")
    from desktop import sample_data

    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "counter.db"
        sample_data.seed(db, "lhasa")
        app_cmd = [sys.executable, "-m", "liangxian", "gui", "--db", str(db), "--exit-after-shown"]
        direct_cmd = [sys.executable, "-m", "desktop", "--db", str(db), "--exit-after-shown"]
        bare_cmd = [sys.executable, "-c", BARE]
        for cmd in (bare_cmd, app_cmd, direct_cmd):  # warm the file cache (and the catalog cache) once
            _measure(cmd, env)
        bare, app, direct = [], [], []
        for _ in range(args.runs):  # interleaved, so all see the same machine load
            bare.append(_measure(bare_cmd, env))
            app.append(_measure(app_cmd, env))
            direct.append(_measure(direct_cmd, env))
    result = {
        "platform": env.get("QT_QPA_PLATFORM", "display"),
        "runs": args.runs,
        "bare_ms": round(statistics.median(bare)),
        "app_ms": round(statistics.median(app)),
        "direct_ms": round(statistics.median(direct)),
        "bare_ms_all": [round(x) for x in bare],
        "app_ms_all": [round(x) for x in app],
        "direct_ms_all": [round(x) for x in direct],
    }
    result["ratio"] = round(result["app_ms"] / result["bare_ms"], 2)
    result["direct_ratio"] = round(result["direct_ms"] / result["bare_ms"], 2)
    result["goal_ratio_met"] = result["ratio"] <= 1.5
    result["goal_1500ms_met"] = result["app_ms"] < 1500
    sys.stdout.write(json.dumps(result) + "\n")
    log.info(
        "liangxian gui: main window shown after %d ms; bare QMainWindow %d ms; ratio %.2f "
        "(python -m desktop: %d ms, %.2f); goals ≤ 1.5× and < 1500 ms",
        result["app_ms"],
        result["bare_ms"],
        result["ratio"],
        result["direct_ms"],
        result["direct_ratio"],
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

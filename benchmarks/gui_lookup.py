"""Lookup as you type in the counter window over a large local database, without freezing.

    python -m benchmarks gui_lookup [--persons 1000000] [--db PATH]

Builds (or reuses) a Lhasa database seeded through the service layer (``localdb.seed``), opens the
person search of the desktop (offscreen unless a display is set) and types queries one key at a time
(120 ms apart, a brisk clerk): ID-number prefixes, Chinese names, pinyin, Wylie and Tibetan. It
measures how long the event loop was ever blocked while typing and searching (a 5 ms timer's
largest gap), the time from the last key to the first rows on screen (the 180 ms typing pause
included) and one page fetched on scrolling. Goal: the window never stalls more than 100 ms.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sqlite3
import statistics
import sys
import time
from pathlib import Path
from typing import Any

log = logging.getLogger("benchmarks.gui_lookup")
KEY_INTERVAL_MS = 120
USER = ("gui-bench", "gui-bench-pass-1")


def _build(path: Path, persons: int) -> None:
    import localdb
    from localdb.seed import seed

    t0 = time.perf_counter()
    store = localdb.init_store(
        path, region="lhasa", county_code="540102", counter_no=1, admin_username="bench", admin_password=None
    )
    try:
        seed(store, "bench", persons, applications=min(100, persons // 10))
    finally:
        store.close()
    log.info("seeded %d persons in %.0f s", persons, time.perf_counter() - t0)


def _ensure_user(path: Path) -> None:
    import localdb

    store = localdb.open_store(path)
    try:
        if store.verify_login(*USER) is None:
            store.service("bench").add_user(USER[0], "clerk", USER[1])
    finally:
        store.close()


def _queries(path: Path) -> list[str]:
    from i18n.tibetan import unicode_to_wylie

    conn = sqlite3.connect(path)
    try:
        top = conn.execute("SELECT max(rowid) FROM persons").fetchone()[0]
        picks = [
            conn.execute(
                "SELECT id_number, name_zh, name_bo, pinyin_full FROM persons WHERE rowid = ?", (r,)
            ).fetchone()
            for r in (top // 3, top // 2, 2 * top // 3)
        ]
        tib = conn.execute(
            "SELECT name_bo FROM persons WHERE name_bo IS NOT NULL LIMIT 1 OFFSET ?", (top // 4,)
        ).fetchone()
    finally:
        conn.close()
    out = [picks[0][0][:10], picks[1][1], picks[2][3][:6]]
    if tib:
        out += [unicode_to_wylie(tib[0].split("\u0f0b")[0]) + " ", tib[0].split("\u0f0b")[0]]
    return [q for q in out if q]


def run(path: Path) -> dict[str, Any]:
    from PySide6.QtCore import QElapsedTimer, QTimer
    from PySide6.QtWidgets import QApplication

    from desktop import fonts
    from desktop.backend import Backend
    from desktop.keys import type_text
    from desktop.lang import UiLanguage
    from desktop.search import PersonSearch

    app = QApplication.instance() or QApplication(sys.argv[:1])
    fonts.apply(app, tibetan_first=True)
    backend = Backend(path)
    state: dict[str, Any] = {}
    backend.open(lambda _i: state.update(open=True), lambda e: state.update(error=e))
    while "open" not in state and "error" not in state:
        app.processEvents()
        time.sleep(0.005)
    backend.login(*USER, lambda r: state.update(role=r), lambda e: state.update(error=e))
    while "role" not in state and "error" not in state:
        app.processEvents()
        time.sleep(0.005)
    if "error" in state:
        raise state["error"]
    widget = PersonSearch(backend, UiLanguage("zh", "lhasa"))
    widget.resize(900, 600)
    widget.show()

    clock = QElapsedTimer()
    clock.start()
    gaps: list[int] = []
    last = [clock.elapsed()]

    def tick() -> None:
        now = clock.elapsed()
        gaps.append(now - last[0])
        last[0] = now

    ticker = QTimer()
    ticker.setInterval(5)
    ticker.timeout.connect(tick)
    ticker.start()

    def pump_until(cond: Any, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while not cond():
            if time.monotonic() > deadline:
                raise TimeoutError
            app.processEvents()
            time.sleep(0.001)

    def pump_for(ms: int) -> None:
        end = time.monotonic() + ms / 1000
        while time.monotonic() < end:
            app.processEvents()
            time.sleep(0.001)

    results = []
    for query in _queries(path):
        widget.box.clear()
        pump_for(300)
        gaps.clear()
        last[0] = clock.elapsed()
        for ch in query:
            type_text(widget.box, ch)
            pump_for(KEY_INTERVAL_MS)
        typed = time.perf_counter()
        pump_until(
            lambda q=query: bool(widget.model.rows) or (not backend.busy and widget.model.query == q.strip())
        )
        pump_until(lambda: not backend.busy)
        first_rows_ms = (time.perf_counter() - typed) * 1000
        fetch_ms = None
        if widget.model.canFetchMore():
            before = len(widget.model.rows)
            t0 = time.perf_counter()
            widget.table.scrollToBottom()
            widget.model.fetchMore()
            pump_until(lambda n=before: len(widget.model.rows) > n or not backend.busy)
            fetch_ms = (time.perf_counter() - t0) * 1000
        results.append(
            {
                "query": query,
                "rows": len(widget.model.rows),
                "after_last_key_ms": round(first_rows_ms),
                "page_fetch_ms": round(fetch_ms) if fetch_ms is not None else None,
                "max_stall_ms": max(gaps) if gaps else 0,
            }
        )
    ticker.stop()
    widget.close()
    backend.close()
    return {
        "queries": results,
        "max_stall_ms": max(r["max_stall_ms"] for r in results),
        "median_after_last_key_ms": round(statistics.median(r["after_last_key_ms"] for r in results)),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks gui_lookup", description=__doc__)
    parser.add_argument("--persons", type=int, default=1_000_000)
    parser.add_argument("--db", type=Path, help="reuse or create this database (default bench-out/…)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    if not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    path = args.db or Path("bench-out") / f"gui-lookup-{args.persons}.db"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        _build(path, args.persons)
    _ensure_user(path)
    report = {"persons": args.persons, **run(path)}
    report["goal_no_stall_over_100ms"] = report["max_stall_ms"] <= 100
    sys.stdout.write(json.dumps(report, ensure_ascii=False) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

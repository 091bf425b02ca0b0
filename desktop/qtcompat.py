"""Work-arounds for the installed Qt binding.

PySide6 6.12.0 on CPython 3.11: ``Signal.emit()`` called from Python returns ``True`` without owning
a reference to it, so every emit takes one reference from the ``True`` singleton; after some
thousand emits CPython aborts with "bool_dealloc: deallocating True or False". :func:`emit` hands
the missing reference back, and only when a probe at first use shows the binding needs it.
"""

from __future__ import annotations

import sys
from functools import cache
from typing import Any

from PySide6.QtCore import QObject, Signal, SignalInstance


class _Probe(QObject):
    ping = Signal(int)


@cache
def _emit_steals_bool() -> bool:
    probe = _Probe()
    before = sys.getrefcount(True)
    for _ in range(8):
        probe.ping.emit(0)
    lost = before - sys.getrefcount(True)
    if lost > 0:
        _give_back(True, lost)  # what the probe itself took
    return lost > 0


def _give_back(obj: object, count: int) -> None:
    import ctypes

    for _ in range(count):
        ctypes.pythonapi.Py_IncRef(ctypes.py_object(obj))


def emit(signal: SignalInstance, *args: Any) -> None:
    """``signal.emit(*args)`` without the reference leak described above."""
    result = signal.emit(*args)
    if isinstance(result, bool) and _emit_steals_bool():
        _give_back(result, 1)

"""Work-arounds for the installed Qt binding.

PySide6 6.12.0 on CPython 3.11: ``Signal.emit()`` called from Python returns ``True`` without owning
a reference to it, so every emit takes one reference from the ``True`` singleton; after some
thousand emits CPython aborts with "bool_dealloc: deallocating True or False". :func:`emit` hands
the missing reference back, and only when a probe at first use shows the binding needs it.
"""

from __future__ import annotations

import ctypes
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
    for _ in range(max(lost, 0)):  # give back what the probe itself took
        ctypes.pythonapi.Py_IncRef(ctypes.py_object(True))
    return lost > 0


def emit(signal: SignalInstance, *args: Any) -> None:
    """``signal.emit(*args)`` without the reference leak described above."""
    result = signal.emit(*args)
    if isinstance(result, bool) and _emit_steals_bool():
        ctypes.pythonapi.Py_IncRef(ctypes.py_object(result))

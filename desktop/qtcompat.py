"""Work-arounds for the installed Qt binding.

PySide6 6.12.0 on CPython 3.11 (the only PySide6 the package index offers here) drops references it
does not own: every call of a ``void`` C++ method from Python (``setText``, ``clear``,
``processEvents`` …), every Python slot returning ``None`` and every ``Signal.emit()`` (which returns
``True``) takes one reference from the ``None`` / ``True`` singletons. A counter window makes
thousands of such calls a minute, and CPython aborts ("none_dealloc: deallocating None") when a
count reaches zero. CPython 3.12 made these singletons immortal; on 3.11 :func:`guard_singletons`
gives each a reserve of references that no working day can use up, and only when a probe shows the
binding needs it. Remove this module when PySide6 is fixed (the probe will then say so).
"""

from __future__ import annotations

import logging
import sys
from functools import cache
from typing import Any

from PySide6.QtCore import QObject, Signal, SignalInstance

log = logging.getLogger(__name__)
RESERVE = 1 << 40  # references added to each singleton: more than any process will ever lose


class _Probe(QObject):
    ping = Signal(int)


def _losses() -> dict[str, int]:
    probe = _Probe()
    before = {"None": sys.getrefcount(None), "True": sys.getrefcount(True)}
    for _ in range(8):
        probe.setObjectName("probe")  # a void C++ method
        probe.ping.emit(0)  # returns True
    return {
        "None": before["None"] - sys.getrefcount(None),
        "True": before["True"] - sys.getrefcount(True),
    }


@cache
def guard_singletons() -> bool:
    """Give None/True/False a reserve of references if the binding leaks them; True if it did."""
    if sys.version_info >= (3, 12):
        return False  # immortal objects: their counts are never decremented
    losses = _losses()
    if max(losses.values()) <= 0:
        return False
    import ctypes

    for obj in (None, True, False):
        # ob_refcnt is the first field of every PyObject (CPython, release builds)
        ctypes.c_ssize_t.from_address(id(obj)).value += RESERVE
    log.info("PySide6 drops references to None/True (%s per 8 calls); reserve added", losses)
    return True


def emit(signal: SignalInstance, *args: Any) -> None:
    """``signal.emit(*args)``, with the singletons guarded first (see the module docstring)."""
    guard_singletons()
    signal.emit(*args)

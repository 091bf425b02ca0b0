"""统计 statistics: the screen itself lives in desktop/stats_page.py; QtCharts loads when it is first
opened."""

from __future__ import annotations

from PySide6.QtWidgets import QWidget

from desktop.backend import Backend
from desktop.lang import UiLanguage


def StatsPage(ui: UiLanguage, backend: Backend) -> QWidget:
    """统计: the screen of desktop/stats_page.py (QtCharts loads when the screen is first opened)."""
    from desktop.stats_page import StatsPage as Screen

    return Screen(ui, backend)

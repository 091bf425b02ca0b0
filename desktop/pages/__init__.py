"""The screens behind the navigation, one module each: 参保登记 persons and employers
(``persons``), 待遇申请 applications (``applications``), 审核 review (``review``), (同步 sync is desktop/sync_page.py),
统计 statistics (``stats``, over desktop/stats_page.py) and 设置 settings (``settings``); ``base``
holds what they share. Each page reads its texts from the UI language and talks to the store only
through :class:`desktop.backend.Backend`. The names are re-exported here, so ``desktop.pages.X``
keeps working for the main window, the print preview and the tests."""

from desktop.pages.applications import ApplicationsPage
from desktop.pages.base import FormWithSave, Page, error_text, scroll
from desktop.pages.persons import DuplicateBanner, PersonsPage, person_lines
from desktop.pages.review import REVIEW_COLUMNS, ReviewPage
from desktop.pages.settings import SettingsPage
from desktop.pages.stats import StatsPage

__all__ = [
    "REVIEW_COLUMNS",
    "ApplicationsPage",
    "DuplicateBanner",
    "FormWithSave",
    "Page",
    "PersonsPage",
    "ReviewPage",
    "SettingsPage",
    "StatsPage",
    "error_text",
    "person_lines",
    "scroll",
]

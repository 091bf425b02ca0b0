"""The desktop counter client (PySide6 Widgets). The only package that imports Qt.

It shows, collects and calls services: forms are rendered from ``forms/`` declarations, every store
call goes through the service API of ``localdb`` on one background thread (see ``desktop.backend``),
and every string comes from ``i18n``. Start-up is kept lean: heavy modules are imported on first use.
"""

"""The central server (FastAPI over PostgreSQL). Imports ``forms`` and ``sync``, never ``desktop``.

Not built yet: no issue for it has been filed.
"""

"""Alembic environment of the central server: migrations run on the connection central.db hands over.
Run by hand (``alembic -c central/alembic.ini …``), it opens ``$LIANGXIAN_CENTRAL_DB``."""

from __future__ import annotations

import os

from alembic import context

from central.models import Base


def _run(connection) -> None:  # type: ignore[no-untyped-def]
    context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


connection = context.config.attributes.get("connection")
if connection is not None:
    _run(connection)
else:
    from central.db import make_engine

    engine = make_engine(os.environ["LIANGXIAN_CENTRAL_DB"])
    try:
        with engine.begin() as conn:
            _run(conn)
    finally:
        engine.dispose()

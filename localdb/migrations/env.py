"""Alembic environment: migrations run on the connection localdb.db hands over (one transaction).
Run by hand (``alembic -c localdb/alembic.ini``), it opens ``$LIANGXIAN_DB`` the same way."""

from __future__ import annotations

import os

from alembic import context
from sqlalchemy import Connection


def _run(connection: Connection) -> None:
    context.configure(connection=connection, target_metadata=None, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


connection = context.config.attributes.get("connection")
if connection is not None:
    _run(connection)
else:
    from localdb.db import make_engine

    engine = make_engine(os.environ["LIANGXIAN_DB"])
    try:
        with engine.begin() as conn:
            _run(conn)
    finally:
        engine.dispose()

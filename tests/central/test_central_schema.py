"""The server schema is ready to be distributed by county (docs/scaling.md): every table's primary key
includes ``county_code`` except the listed reference tables; and the Alembic migrations build exactly
the tables the models declare."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from central import models as m
from central.service import CentralServer


def test_every_table_but_the_reference_tables_has_county_code_in_its_primary_key(
    server: CentralServer,
) -> None:
    server.init("lhasa")
    insp = inspect(server.engine)
    tables = insp.get_table_names()
    assert set(m.Base.metadata.tables) <= set(tables)
    offenders = [
        t
        for t in tables
        if t not in m.REFERENCE_TABLES
        and "county_code" not in insp.get_pk_constraint(t)["constrained_columns"]
    ]
    assert not offenders, offenders
    # the region-wide uniqueness of the ID number is its own table, keyed by the number
    assert insp.get_pk_constraint("id_registry")["constrained_columns"] == ["id_number"]


def test_the_migrations_match_the_models(server: CentralServer) -> None:
    server.init("lhasa")
    with server.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), m.Base.metadata)
    assert diff == []


def test_docs_scaling_lists_the_reference_tables() -> None:
    from pathlib import Path

    text = (Path(__file__).resolve().parents[2] / "docs" / "scaling.md").read_text(encoding="utf-8")
    for table in m.REFERENCE_TABLES - {"alembic_version"}:
        assert f"`{table}`" in text, table

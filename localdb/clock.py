"""Time stamps and ids: UTC ISO-8601 text and UUIDv7 (time-ordered, made on the client)."""

from __future__ import annotations

import datetime as dt

import uuid6


def new_id() -> str:
    return str(uuid6.uuid7())


def utc_now() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")

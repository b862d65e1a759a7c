"""Every table, empty, under a fresh `mock_aws` for each test.

Creating the tables through the API is about a hundred requests (create, wait, TTL) per test. A worker
creates them once and keeps a copy of moto's empty tables; each later test gets its own copy of that copy:
no items, new stream shards, the same indexes and TTL settings as created. `mock_aws` itself still starts
and stops per test, so no other AWS state (SSM, SNS …) carries over either.
"""
from __future__ import annotations

import contextlib
import copy
from collections.abc import Iterator

from moto import mock_aws
from moto.core import DEFAULT_ACCOUNT_ID
from moto.dynamodb.models import dynamodb_backends

from chalicelib.config import get_settings
from chalicelib.data.tables import create_all_tables

_empty_tables: dict | None = None


def _backend():
    return dynamodb_backends[DEFAULT_ACCOUNT_ID][get_settings().aws_region]


@contextlib.contextmanager
def fresh_tables() -> Iterator[None]:
    global _empty_tables
    with mock_aws():
        if _empty_tables is None:
            create_all_tables()
            _empty_tables = copy.deepcopy(_backend().tables)
        else:
            _backend().tables = copy.deepcopy(_empty_tables)
        yield

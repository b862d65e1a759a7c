"""One BatchGetItem across tables (PynamoDB's `batch_get` reads one model's table per request).

Keys are serialized and items built by the models themselves (PynamoDB's key serialization and
`from_raw_data`), so the models stay the only description of the tables. The request goes through the
transaction connection's client: the one botocore session every table connection shares (data/base.py).
"""
from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from pynamodb.models import Model

from chalicelib.data.base import transaction_connection

MAX_KEYS = 100          # DynamoDB's limit per BatchGetItem
MAX_ATTEMPTS = 4        # the first request and 3 retries of what DynamoDB left unprocessed
BACKOFF_SECONDS = 0.05  # doubled before each retry (AWS: back off before resending UnprocessedKeys)


@dataclass(frozen=True)
class ItemKey:
    model: type[Model]
    hash_key: Any
    range_key: Any = None

    def serialized(self) -> dict[str, dict]:
        return self.model.get_operation_kwargs_from_class(self.hash_key, self.range_key)["Key"]


class UnprocessedKeysError(RuntimeError):
    """DynamoDB still left keys unread after every retry (throttled): the request fails (500)."""


def get_items(keys: Sequence[ItemKey], *, consistent: bool = False) -> list[Model | None]:
    """The items at `keys`, in the same order, None where none is stored: one BatchGetItem (more only
    when DynamoDB leaves keys unprocessed, each retry asking for those alone)."""
    if not 0 < len(keys) <= MAX_KEYS:
        raise ValueError(f"a BatchGetItem reads 1 to {MAX_KEYS} keys, not {len(keys)}")
    wanted = {(key.model.Meta.table_name, _identity(key.serialized())): key for key in keys}
    if len(wanted) != len(keys):
        raise ValueError("a BatchGetItem refuses duplicate keys")
    names = {table: tuple(name for name, *_ in identity) for table, identity in wanted}
    by_key = {}
    for table, items in _read(_request(keys, consistent)).items():
        for raw in items:
            key = wanted[(table, _identity(raw, names[table]))]
            by_key[key] = key.model.from_raw_data(raw)
    return [by_key.get(key) for key in keys]


def _request(keys: Sequence[ItemKey], consistent: bool) -> dict[str, dict]:
    request: dict[str, dict] = {}
    for key in keys:
        table = request.setdefault(key.model.Meta.table_name, {"Keys": [], "ConsistentRead": consistent})
        table["Keys"].append(key.serialized())
    return request


def _read(request: dict[str, dict]) -> dict[str, list[dict]]:
    client = transaction_connection().client
    found: dict[str, list[dict]] = {}
    for attempt in range(MAX_ATTEMPTS):
        if attempt:
            time.sleep(BACKOFF_SECONDS * 2 ** (attempt - 1))
        answer = client.batch_get_item(RequestItems=request)
        for table, items in answer.get("Responses", {}).items():
            found.setdefault(table, []).extend(items)
        request = answer.get("UnprocessedKeys") or {}
        if not request:
            return found
    raise UnprocessedKeysError(f"keys left unprocessed after {MAX_ATTEMPTS} BatchGetItem requests: {request}")


def _identity(item: dict[str, dict], names: Sequence[str] | None = None) -> tuple:
    """A hashable form of an item's key attributes (all of `item` when it is a key)."""
    return tuple(sorted((name, *item[name].items()) for name in (names or item)))

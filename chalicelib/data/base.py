"""What every table model shares: naming, endpoint, billing, transactions.

Table names are `TABLE_PREFIX + logical name`, so one prefix per stage and
region wires every table. `DYNAMODB_ENDPOINT` is honoured only when set (local
stack, moto server); under `mock_aws` it stays unset.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from pynamodb.connection import Connection
from pynamodb.exceptions import TransactWriteError
from pynamodb.models import Model
from pynamodb.transactions import TransactWrite

from chalicelib.config import get_settings
from chalicelib.errors import AppError, ErrorCode


def table_name(logical_name: str) -> str:
    return get_settings().table_prefix + logical_name


class TableMeta:
    """Base for every model's `Meta`; subclasses set `table_name` only."""

    billing_mode = "PAY_PER_REQUEST"
    region = get_settings().aws_region
    host = get_settings().dynamodb_endpoint
    max_retry_attempts = 3
    connect_timeout_seconds = 2
    read_timeout_seconds = 5


@lru_cache(maxsize=1)
def transaction_connection() -> Connection:
    # Created on first use: no AWS client is built at import time.
    settings = get_settings()
    return Connection(region=settings.aws_region, host=settings.dynamodb_endpoint)


@dataclass
class _Op:
    kind: str  # "condition" | "delete" | "put" | "update"
    args: tuple
    kwargs: dict
    on_conflict: AppError


_ORDER = ("condition", "delete", "put", "update")  # the order PynamoDB sends them in


class Transaction:
    """A TransactWriteItems where each item names the error its failed condition means.

    DynamoDB answers a cancelled transaction with one reason per item; the
    first item whose condition failed decides the error the caller sees.
    """

    def __init__(self) -> None:
        self._ops: list[_Op] = []

    def condition_check(self, model_cls: type[Model], hash_key: Any, range_key: Any = None, *,
                        condition: Any, on_conflict: AppError) -> Transaction:
        self._ops.append(_Op("condition", (model_cls, hash_key, range_key), {"condition": condition}, on_conflict))
        return self

    def put(self, item: Model, *, condition: Any = None, on_conflict: AppError | None = None) -> Transaction:
        self._ops.append(_Op("put", (item,), {"condition": condition}, on_conflict or _conflict()))
        return self

    def update(self, item: Model, actions: list, *, condition: Any = None,
               on_conflict: AppError | None = None) -> Transaction:
        self._ops.append(_Op("update", (item, actions), {"condition": condition}, on_conflict or _conflict()))
        return self

    def delete(self, item: Model, *, condition: Any = None, on_conflict: AppError | None = None) -> Transaction:
        self._ops.append(_Op("delete", (item,), {"condition": condition}, on_conflict or _conflict()))
        return self

    def commit(self) -> None:
        ordered = sorted(self._ops, key=lambda op: _ORDER.index(op.kind))
        try:
            with TransactWrite(connection=transaction_connection()) as tx:
                for op in ordered:
                    method = {"condition": tx.condition_check, "delete": tx.delete,
                              "put": tx.save, "update": tx.update}[op.kind]
                    method(*op.args, **op.kwargs)
        except TransactWriteError as exc:
            raise self._error_for(exc, ordered) from exc

    @staticmethod
    def _error_for(exc: TransactWriteError, ordered: list[_Op]) -> Exception:
        reasons = exc.cancellation_reasons or []
        for op, reason in zip(ordered, reasons, strict=False):
            if reason is not None and reason.code == "ConditionalCheckFailed":
                return op.on_conflict
        if any(r is not None and r.code == "TransactionConflict" for r in reasons):
            return _conflict()
        return exc


def _conflict() -> AppError:
    return AppError(ErrorCode.STATE_CONFLICT)

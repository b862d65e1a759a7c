"""What every table model shares: naming, endpoint, billing, transactions.

Table names are `TABLE_PREFIX + logical name`, so one prefix per stage and
region wires every table. `DYNAMODB_ENDPOINT` is honoured only when set (local
stack, moto server); under `mock_aws` it stays unset.
"""
from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from functools import cache, lru_cache
from typing import Any

import botocore.session
import pynamodb.connection.base as pynamodb_connection
from pynamodb.connection import Connection
from pynamodb.exceptions import TransactWriteError
from pynamodb.expressions.operand import Path, Value, _Decrement, _IfNotExists, _Increment, _ListAppend
from pynamodb.expressions.update import AddAction, DeleteAction, RemoveAction, SetAction
from pynamodb.models import Model
from pynamodb.transactions import TransactWrite

from chalicelib.config import get_settings
from chalicelib.errors import AppError, ErrorCode


class _SharedSession(botocore.session.Session):
    """One botocore session for every table connection.

    PynamoDB builds a session per model connection; each loads botocore's
    service data again (~0.15 s apiece: a cold start that touches a dozen
    tables paid seconds). Sessions are not safe for concurrent client
    creation, hence the lock; the clients themselves are thread-safe.
    """

    _lock = threading.Lock()

    def create_client(self, *args: Any, **kwargs: Any) -> Any:
        with self._lock:
            return super().create_client(*args, **kwargs)


@lru_cache(maxsize=1)
def _shared_session() -> botocore.session.Session:
    return _SharedSession()


pynamodb_connection.get_session = _shared_session  # built on first use, not at import


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
class _Item:
    kind: str   # the TransactWrite method: condition_check, delete, save or update
    args: tuple
    condition: Any
    on_conflict: AppError
    on_race: AppError | None = None   # what another transaction in flight on this very item means


_ORDER = ("condition_check", "delete", "save", "update")  # the order PynamoDB sends them in

TRANSACTION_ITEM_LIMIT = 100   # DynamoDB's TransactWriteItems limit


class Transaction:
    """PynamoDB's TransactWrite where each item names the error its failed condition means.

    DynamoDB answers a cancelled transaction with one reason per item; the
    first item whose condition failed decides the error the caller sees, else
    a conflict with another transaction in flight: STATE_CONFLICT, or the
    `on_race` error of the item it met.
    After a commit every updated item holds what the transaction wrote (see
    `apply_actions`), so a service answers from it instead of reading it back.
    """

    def __init__(self) -> None:
        self._items: list[_Item] = []
        self._before_commit: list[Callable[[], None]] = []

    def __len__(self) -> int:
        """Items so far (TRANSACTION_ITEM_LIMIT bounds it)."""
        return len(self._items)

    def before_commit(self, hook: Callable[[], None]) -> Transaction:
        """Run `hook` once, just before the commit (to finish items several calls add to, built once)."""
        self._before_commit.append(hook)
        return self

    def condition_check(self, model_cls: type[Model], hash_key: Any, range_key: Any = None, *,
                        condition: Any, on_conflict: AppError) -> Transaction:
        return self._add("condition_check", (model_cls, hash_key, range_key), condition, on_conflict)

    def put(self, item: Model, *, condition: Any = None, on_conflict: AppError | None = None,
            on_race: AppError | None = None) -> Transaction:
        return self._add("save", (item,), condition, on_conflict, on_race)

    def update(self, item: Model, actions: list, *, condition: Any = None,
               on_conflict: AppError | None = None) -> Transaction:
        return self._add("update", (item, actions), condition, on_conflict)

    def delete(self, item: Model, *, condition: Any = None, on_conflict: AppError | None = None) -> Transaction:
        return self._add("delete", (item,), condition, on_conflict)

    def _add(self, kind: str, args: tuple, condition: Any, on_conflict: AppError | None,
             on_race: AppError | None = None) -> Transaction:
        self._items.append(_Item(kind, args, condition, on_conflict or _conflict(), on_race))
        return self

    def commit(self) -> None:
        for hook in self._before_commit:
            hook()
        ordered = sorted(self._items, key=lambda item: _ORDER.index(item.kind))   # the cancellation reasons' order
        try:
            with TransactWrite(connection=transaction_connection()) as tx:
                for item in ordered:
                    # PynamoDB appends its version action to the list it gets: a copy, so the actions
                    # applied below are the caller's only (it bumps the local version itself)
                    args = (item.args[0], list(item.args[1])) if item.kind == "update" else item.args
                    getattr(tx, item.kind)(*args, condition=item.condition)
        except TransactWriteError as exc:
            raise self._error_for(exc, ordered) from exc
        for item in ordered:
            if item.kind == "update":
                apply_actions(*item.args)

    @staticmethod
    def _error_for(exc: TransactWriteError, ordered: list[_Item]) -> Exception:
        reasons = exc.cancellation_reasons
        for item, reason in zip(ordered, reasons, strict=False):
            if reason is not None and reason.code == "ConditionalCheckFailed":
                return item.on_conflict
        raced = [item for item, reason in zip(ordered, reasons, strict=False)
                 if reason is not None and reason.code == "TransactionConflict"]
        if raced:
            return next((item.on_race for item in raced if item.on_race is not None), _conflict())
        return exc


def apply_actions(item: Model, actions: list) -> None:
    """Apply update actions to the item in memory, as DynamoDB applied them to the stored one.

    Every operand is evaluated on the item as it was before (DynamoDB's rule). The result is the
    stored item exactly when the item held was the stored one, which the writes' conditions pin
    (status, version, `updated_at`...); an ADD on a counter nobody pinned gives the value read plus
    the delta, so a route answering such a counter reads it instead (likes, services/reactions.py).
    """
    before = _Before(item)   # only the attributes the actions touch are serialized (CPU: no whole item)
    after: dict[str, dict | None] = {}
    for action in actions:
        name = _top_level(action.values[0])
        if isinstance(action, SetAction):
            after[name] = _evaluate(action.values[1], before)
        elif isinstance(action, RemoveAction):
            after[name] = None
        elif isinstance(action, AddAction):
            after[name] = _add(before.get(name), action.values[1].value)
        elif isinstance(action, DeleteAction):
            after[name] = _remove_elements(before.get(name), action.values[1].value)
    for name, value in after.items():
        python_name, attribute = _attributes_of(type(item))[name]
        setattr(item, python_name, attribute.deserialize(attribute.get_value(value)) if value else None)


class _Before:
    """The item's attributes as DynamoDB values, serialized on first use."""

    def __init__(self, item: Model) -> None:
        self._item = item
        self._values: dict[str, dict | None] = {}

    def get(self, name: str) -> dict | None:
        if name not in self._values:
            python_name, attribute = _attributes_of(type(self._item))[name]
            value = getattr(self._item, python_name)
            serialized = None if value is None else attribute.serialize(value)
            self._values[name] = None if serialized is None else {attribute.attr_type: serialized}
        return self._values[name]


@cache
def _attributes_of(model_cls: type[Model]) -> dict[str, tuple[str, Any]]:
    """DynamoDB attribute name → (Python name, attribute) of a model."""
    return {attribute.attr_name: (python_name, attribute)
            for python_name, attribute in model_cls.get_attributes().items()}


def _top_level(path: Path) -> str:
    if len(path.path) != 1:   # no service updates a nested path; refuse rather than guess
        raise ValueError(f"nested update path {path.path} is not applied in memory")
    return path.path[0]


def _evaluate(operand: Any, before: _Before) -> dict | None:
    if isinstance(operand, Value):
        return operand.value
    if isinstance(operand, Path):
        return before.get(_top_level(operand))
    if isinstance(operand, _IfNotExists):
        return before.get(_top_level(operand.values[0])) or _evaluate(operand.values[1], before)
    if isinstance(operand, _Increment | _Decrement):
        lhs, rhs = (Decimal(_evaluate(v, before)["N"]) for v in operand.values)
        return {"N": _number(lhs + rhs if isinstance(operand, _Increment) else lhs - rhs)}
    if isinstance(operand, _ListAppend):
        lhs, rhs = (_evaluate(v, before) for v in operand.values)
        return {"L": lhs["L"] + rhs["L"]}
    raise ValueError(f"update operand {operand!r} is not applied in memory")


def _add(current: dict | None, delta: dict) -> dict:
    if "N" in delta:
        return {"N": _number(Decimal(current["N"] if current else 0) + Decimal(delta["N"]))}
    (kind, elements), = delta.items()
    return {kind: sorted(set(current[kind] if current else []) | set(elements))}


def _remove_elements(current: dict | None, subset: dict) -> dict | None:
    (kind, elements), = subset.items()
    left = sorted(set(current[kind] if current else []) - set(elements))
    return {kind: left} if left else None


def _number(value: Decimal) -> str:
    return str(value.normalize()) if value != value.to_integral_value() else str(int(value))


def _conflict() -> AppError:
    return AppError(ErrorCode.STATE_CONFLICT)


def one_page(results: Any, model: type[Model]) -> tuple[list, dict | None]:
    """Exactly one Query request: its items and LastEvaluatedKey (None at the end).

    PynamoDB's iterator would keep requesting pages until `limit` items passed a
    filter; a request path must bound its reads, so it takes one page only.
    """
    page = next(results.page_iter, None) or {}
    items = [model.from_raw_data(raw) for raw in page.get("Items", [])]
    return items, results.page_iter.last_evaluated_key

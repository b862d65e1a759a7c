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
from pynamodb.attributes import VersionAttribute
from pynamodb.connection import Connection
from pynamodb.exceptions import TransactWriteError
from pynamodb.expressions.condition import Condition
from pynamodb.expressions.operand import Path, Value, _Decrement, _IfNotExists, _Increment, _ListAppend
from pynamodb.expressions.update import AddAction, DeleteAction, RemoveAction, SetAction
from pynamodb.models import Model

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
class _Op:
    kind: str  # "condition" | "delete" | "put" | "update"
    args: tuple
    kwargs: dict
    on_conflict: AppError
    mirror: bool = True   # updates: apply the actions to the item held after the commit


TRANSACTION_ITEM_LIMIT = 100   # DynamoDB's TransactWriteItems limit


class Transaction:
    """A TransactWriteItems where each item names the error its failed condition means.

    DynamoDB answers a cancelled transaction with one reason per item; the
    first item whose condition failed decides the error the caller sees.
    After a commit every updated item holds what the transaction wrote (see
    `apply_actions`), so a service answers from it instead of reading it back.
    """

    def __init__(self) -> None:
        self._ops: list[_Op] = []
        self._before_commit: list[Callable[[], None]] = []

    def __len__(self) -> int:
        """Items so far (TRANSACTION_ITEM_LIMIT bounds it)."""
        return len(self._ops)

    def before_commit(self, hook: Callable[[], None]) -> Transaction:
        """Run `hook` once, just before the commit (to finish items several calls add to, built once)."""
        self._before_commit.append(hook)
        return self

    def condition_check(self, model_cls: type[Model], hash_key: Any, range_key: Any = None, *,
                        condition: Any, on_conflict: AppError) -> Transaction:
        self._ops.append(_Op("condition", (model_cls, hash_key, range_key), {"condition": condition}, on_conflict))
        return self

    def put(self, item: Model, *, condition: Any = None, on_conflict: AppError | None = None) -> Transaction:
        self._ops.append(_Op("put", (item,), {"condition": condition}, on_conflict or _conflict()))
        return self

    def update(self, item: Model, actions: list, *, condition: Any = None,
               on_conflict: AppError | None = None, mirror: bool = True) -> Transaction:
        """`mirror=False`: the item is not applied the actions after the commit (no caller reads it: CPU)."""
        self._ops.append(_Op("update", (item, actions), {"condition": condition}, on_conflict or _conflict(),
                             mirror))
        return self

    def delete(self, item: Model, *, condition: Any = None, on_conflict: AppError | None = None) -> Transaction:
        self._ops.append(_Op("delete", (item,), {"condition": condition}, on_conflict or _conflict()))
        return self

    def commit(self) -> None:
        for hook in self._before_commit:
            hook()
        by_kind: dict[str, list[_Op]] = {"condition": [], "delete": [], "put": [], "update": []}
        for op in self._ops:
            by_kind[op.kind].append(op)
        # The request is built here (PynamoDB's TransactWrite went through its generic request builder per
        # item: CPU); PynamoDB's connection sends it and raises as before.
        requests = {kind: [_REQUEST_OF[kind](op) for op in ops] for kind, ops in by_kind.items()}
        try:
            transaction_connection().transact_write_items(
                condition_check_items=requests["condition"], delete_items=requests["delete"],
                put_items=requests["put"], update_items=requests["update"])
        except TransactWriteError as exc:   # its reasons come in the items' order: the order sent
            raise self._error_for(exc, [op for ops in by_kind.values() for op in ops]) from exc
        for op in by_kind["put"] + by_kind["update"]:
            op.args[0].update_local_version_attribute()
            if op.kind == "update" and op.mirror:
                apply_actions(*op.args)

    @staticmethod
    def _error_for(exc: TransactWriteError, ordered: list[_Op]) -> Exception:
        reasons = exc.cancellation_reasons or []
        for op, reason in zip(ordered, reasons, strict=False):
            if reason is not None and reason.code == "ConditionalCheckFailed":
                return op.on_conflict
        if any(r is not None and r.code == "TransactionConflict" for r in reasons):
            return _conflict()
        return exc


# ---------------------------------------------------------------- TransactItems, as PynamoDB would build them

def _condition_request(op: _Op) -> dict:
    model_cls, hash_key, range_key = op.args
    return _with_expressions({"TableName": model_cls.Meta.table_name, "Key": key_for(model_cls, hash_key, range_key)},
                             op.kwargs["condition"])


def _delete_request(op: _Op) -> dict:
    item = op.args[0]
    condition = _and(op.kwargs["condition"], _version_rule(item))
    return _with_expressions({"TableName": item.Meta.table_name, "Key": _key_of(item)}, condition)


def _put_request(op: _Op) -> dict:
    item = op.args[0]
    attributes = item.serialize()
    condition = _and(op.kwargs["condition"], _version_rule(item, attributes=attributes))
    return _with_expressions({"TableName": item.Meta.table_name, "Item": attributes}, condition)


def _update_request(op: _Op) -> dict:
    item, actions = op.args[0], list(op.args[1])   # a copy: the version action is the request's, not mirrored
    condition = _and(op.kwargs["condition"], _version_rule(item, actions=actions))
    return _with_expressions({"TableName": item.Meta.table_name, "Key": _key_of(item)}, condition, actions)


_REQUEST_OF = {"condition": _condition_request, "delete": _delete_request, "put": _put_request,
               "update": _update_request}


def _with_expressions(request: dict, condition: Any, actions: list | None = None) -> dict:
    """The condition and update expressions with their placeholders, as PynamoDB writes them."""
    names: dict[str, str] = {}
    values: dict[str, Any] = {}
    if condition is not None:
        request["ConditionExpression"] = _expression(condition, names, values)
    if actions:
        request["UpdateExpression"] = _update_expression(actions, names, values)
    if names:
        request["ExpressionAttributeNames"] = {placeholder: name for name, placeholder in names.items()}
    if values:
        request["ExpressionAttributeValues"] = values
    return request


_CLAUSES = (("SET", SetAction), ("REMOVE", RemoveAction), ("ADD", AddAction), ("DELETE", DeleteAction))


def _update_expression(actions: list, names: dict[str, str], values: dict[str, Any]) -> str:
    """`Update(*actions).serialize`: the SET, REMOVE, ADD and DELETE clauses, in that order."""
    by_kind: dict[type, list] = {kind: [] for _, kind in _CLAUSES}
    for action in actions:
        if type(action) not in by_kind:
            raise ValueError(f"unsupported action type: {type(action).__name__}")
        by_kind[type(action)].append(action)
    return " ".join(f"{keyword} {', '.join(_expression(action, names, values) for action in by_kind[kind])}"
                    for keyword, kind in _CLAUSES if by_kind[kind])


def _expression(node: Any, names: dict[str, str], values: dict[str, Any]) -> str:
    """`node.serialize(names, values)`: the same text and placeholders, the leaves (a top-level attribute's
    name, a value) written here and each node's format applied directly (through PynamoDB's generic
    per-node calls these expressions were about a sixth of a confirmation's own CPU)."""
    kind = type(node)
    if kind is Value:
        placeholder = f":{len(values)}"
        values[placeholder] = node.values[0]
        return placeholder
    if kind is Path:
        path = node.path
        if len(path) > 1 or "[" in path[0]:   # a nested document path or a list element: PynamoDB's own rules
            return node.serialize(names, values)
        return names.setdefault(path[0], f"#{len(names)}")
    operands = [_expression(value, names, values) for value in node.values]
    if isinstance(node, Condition):
        return node.format_string.format(*operands, operator=node.operator)
    return node.format_string.format(*operands)   # an action, or a function (if_not_exists, +, ...)


def _and(condition: Any, extra: Any) -> Any:
    return extra if condition is None else condition if extra is None else condition & extra


def key_for(model_cls: type[Model], hash_key: Any, range_key: Any = None) -> dict:
    """The low-level key of `model_cls`'s item at (hash_key, range_key), serialized by its key attributes."""
    return {attribute.attr_name: {attribute.attr_type: attribute.serialize(value)}
            for (_, attribute), value in zip(_key_attributes_of(model_cls), (hash_key, range_key), strict=False)}


def key_names(model_cls: type[Model]) -> tuple[str, ...]:
    """The stored names of `model_cls`'s hash key, then of its range key if any."""
    return tuple(attribute.attr_name for _, attribute in _key_attributes_of(model_cls))


def _key_of(item: Model) -> dict:
    return {attribute.attr_name: {attribute.attr_type: attribute.serialize(getattr(item, python_name))}
            for python_name, attribute in _key_attributes_of(type(item))}


@cache
def _key_attributes_of(model_cls: type[Model]) -> tuple[tuple[str, Any], ...]:
    """(Python name, attribute) of the hash key, then of the range key if any."""
    keys = [(name, attribute) for name, attribute in model_cls.get_attributes().items()
            if attribute.is_hash_key or attribute.is_range_key]
    return tuple(sorted(keys, key=lambda pair: not pair[1].is_hash_key))


@cache
def _version_attribute_of(model_cls: type[Model]) -> tuple[str, VersionAttribute] | None:
    return next(((name, attribute) for name, attribute in model_cls.get_attributes().items()
                 if isinstance(attribute, VersionAttribute)), None)


def _version_rule(item: Model, *, attributes: dict | None = None, actions: list | None = None) -> Any:
    """Optimistic locking as PynamoDB's TransactWrite applies it: the stored version must be the one held
    (or none yet), and the put or update writes the next one; the commit then bumps the item's own."""
    version = _version_attribute_of(type(item))
    if version is None:
        return None
    python_name, attribute = version
    held = getattr(item, python_name)
    if attributes is not None:
        attributes[attribute.attr_name] = {attribute.attr_type: attribute.serialize((held or 0) + 1)}
    if actions is not None:
        actions.append(attribute.set(1) if held is None else attribute.add(1))
    return attribute.does_not_exist() if held is None else attribute == held


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
    items = [from_stored(model, raw) for raw in page.get("Items", [])]
    return items, results.page_iter.last_evaluated_key


def every_item(results: Any, model: type[Model]) -> list:
    """Every item of a Query, page after page (a bounded partition), built as `one_page` builds them."""
    return [from_stored(model, raw) for page in results.page_iter for raw in page.get("Items", [])]


def from_stored(model: type[Model], raw: dict) -> Model:
    """`model.from_raw_data(raw)`: the same item, for less CPU (PynamoDB sets every default twice and
    stores each value through its descriptor; a 20-item page built thousands of attributes)."""
    item = model(_user_instantiated=False)   # the defaults, once
    values = item.attribute_values
    for python_name, stored_name, attribute in _stored_attributes_of(model):
        value = raw.get(stored_name)
        if value and "NULL" not in value:
            values[python_name] = attribute.deserialize(attribute.get_value(value))
    return item


@cache
def _stored_attributes_of(model: type[Model]) -> tuple[tuple[str, str, Any], ...]:
    return tuple((python_name, attribute.attr_name, attribute)
                 for python_name, attribute in model.get_attributes().items())

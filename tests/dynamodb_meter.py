"""Counts DynamoDB requests through botocore's event hooks, for the request-budget test and bench/.

Every table connection and the transaction connection are built by the one botocore session of
`chalicelib/data/base.py`; a client copies the session's event handlers when it is created, so the
meter is installed on that session before the first client exists and stays there, idle unless
recording. Per request it keeps the operation, the logical table and index, the items returned and
evaluated, the response size, and the consumed capacity when the endpoint reports it (moto answers a
constant, so capacity is estimated from bytes: see `read_units`).
"""
from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import pynamodb.connection.base as pynamodb_connection

WRITES = frozenset({"PutItem", "UpdateItem", "DeleteItem", "TransactWriteItems", "BatchWriteItem"})


@dataclass(frozen=True)
class DynamoCall:
    operation: str
    table: str | None        # logical name, TABLE_PREFIX removed
    index: str | None
    consistent: bool
    items: int               # items returned (a COUNT Query returns none but counts them)
    evaluated: int           # items read before a filter (ScannedCount), what a Query is billed for
    response_bytes: int
    reported_capacity: float | None
    seconds: float = 0.0     # from parameter building to the parsed answer: botocore, the wire, the endpoint

    @property
    def label(self) -> str:
        """`Query demands.public_feed`, `GetItem accounts`, `TransactWriteItems` — what the budget table lists."""
        where = f"{self.table}.{self.index}" if self.index else self.table
        return f"{self.operation} {where}" if where else self.operation

    @property
    def is_write(self) -> bool:
        return self.operation in WRITES

    def read_units(self, item_bytes: int | None = None) -> float:
        """Estimated RCU of a read: 4 KB units of what it evaluated, from `item_bytes` per item when given,
        else from the bytes it returned scaled up to the items it evaluated."""
        if self.is_write:
            return 0.0
        if item_bytes is not None:
            read_bytes = self.evaluated * item_bytes
        else:
            read_bytes = self.response_bytes * (self.evaluated / self.items) if self.items else self.response_bytes
        units = max(1, math.ceil(read_bytes / 4096))
        return float(units) if self.consistent else units / 2


@dataclass
class DynamoMeter:
    prefix: str
    forbid_scan: bool = False
    listeners: list[Callable[[DynamoCall], None]] = field(default_factory=list)

    def install(self, session: Any = None) -> DynamoMeter:
        session = session or pynamodb_connection.get_session()
        session.register("before-parameter-build.dynamodb", self._before)
        session.register("after-call.dynamodb", self._after)
        return self

    @contextmanager
    def record(self, *, forbid_scan: bool = True,
               also: Callable[[DynamoCall], None] | None = None) -> Iterator[list[DynamoCall]]:
        """Record every DynamoDB request made inside the block (and pass each to `also`); a Scan raises
        when forbidden."""
        calls: list[DynamoCall] = []
        listener = calls.append if also is None else (lambda call: (calls.append(call), also(call)))
        self.listeners.append(listener)
        previous, self.forbid_scan = self.forbid_scan, forbid_scan
        try:
            yield calls
        finally:
            self.listeners.remove(listener)
            self.forbid_scan = previous

    def _before(self, params: dict, model: Any, context: dict, **_: Any) -> None:
        if not self.listeners:
            return
        if model.name == "Scan" and self.forbid_scan:
            raise AssertionError(f"a request path scanned {params.get('TableName')}")
        context["dynamo_meter_params"] = params
        context["dynamo_meter_started"] = time.perf_counter()

    def _after(self, http_response: Any, parsed: dict, model: Any, context: dict, **_: Any) -> None:
        params = context.get("dynamo_meter_params")
        if params is None or not self.listeners:
            return
        call = DynamoCall(operation=model.name, table=self._tables(params),
                          index=params.get("IndexName"), consistent=_consistent(params),
                          items=_items(model.name, parsed), evaluated=_evaluated(model.name, parsed),
                          response_bytes=len(http_response.content or b""),
                          reported_capacity=_capacity(parsed.get("ConsumedCapacity")),
                          seconds=time.perf_counter() - context["dynamo_meter_started"])
        for listener in list(self.listeners):
            listener(call)

    def _tables(self, params: dict) -> str | None:
        """The logical table name; a batch names each of its tables (`accounts+unique_keys`)."""
        names = [params["TableName"]] if "TableName" in params else sorted(params.get("RequestItems", {}))
        logical = [name[len(self.prefix):] if name.startswith(self.prefix) else name for name in names]
        return "+".join(logical) or None


def _consistent(params: dict) -> bool:
    """BatchGetItem says it per table; it counts as consistent when every table's read is."""
    tables = [t for t in (params.get("RequestItems") or {}).values() if isinstance(t, dict)]   # not a write's
    if tables:
        return all(bool(table.get("ConsistentRead")) for table in tables)
    return bool(params.get("ConsistentRead"))


def _items(operation: str, parsed: dict) -> int:
    if operation in ("Query", "Scan"):
        return int(parsed.get("Count", 0))
    if operation == "GetItem":
        return 1 if parsed.get("Item") else 0
    if operation in ("BatchGetItem", "TransactGetItems"):
        responses = parsed.get("Responses", {})
        return sum(len(v) for v in responses.values()) if isinstance(responses, dict) else len(responses)
    return 0


def _evaluated(operation: str, parsed: dict) -> int:
    if operation in ("Query", "Scan"):
        return int(parsed.get("ScannedCount", parsed.get("Count", 0)))
    return _items(operation, parsed)


def _capacity(consumed: Any) -> float | None:
    if isinstance(consumed, dict):
        return float(consumed.get("CapacityUnits", 0))
    if isinstance(consumed, list) and consumed:
        return float(sum(c.get("CapacityUnits", 0) for c in consumed))
    return None

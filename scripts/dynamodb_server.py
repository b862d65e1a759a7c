"""moto's DynamoDB as a real HTTP endpoint on loopback, with DynamoDB's per-request atomicity (never shipped);
and moto as is (`MotoServer`), for the local stack's S3.

Used by the local stack (`scripts/local_stack.py`) and by the race tests (`tests/conftest.py`).

moto checks a TransactWriteItems' conditions and applies its writes item by item,
without isolation from other requests handled at the same time (it even deep-copies
a table while another thread writes to it, and answers 500). Real DynamoDB never
allows that: transactions are serializable, single-item writes atomic. So each
request is handled under one lock: requests still interleave freely between one
another, exactly as they do against DynamoDB.

The wrapper also tells its owner what happened, for the local stack:
- `on_write(tables)` is called after every request that may have changed data (anything
  but the known read-only operations) with the names of the tables it names (empty when
  they cannot be told), so the stack can save soon after a write, reading only those;
- `rollbacks` counts TransactWriteItems that did not succeed: moto rolls those back by
  replacing each table they touched with a copy, stream shard included, so a stream
  reader knows that what it read across that moment may come from a discarded shard;
- `writes_paused()` holds every mutating request back (reads go on), so a snapshot
  taken with ordinary Scans is one consistent moment across all tables.
"""
from __future__ import annotations

import contextlib
import io
import json
import logging
import socket
import threading
from collections.abc import Callable, Iterator

from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
from werkzeug.serving import make_server

HOST = "127.0.0.1"
_DYNAMODB_TARGET = "DynamoDB_20120810."
_STREAMS_TARGET = "DynamoDBStreams_20120810."
# Operations that never change data; any other request (unknown ones included) counts as a write.
READ_ONLY_OPERATIONS = frozenset({
    "GetItem", "BatchGetItem", "Query", "Scan", "TransactGetItems", "DescribeTable", "ListTables",
    "DescribeTimeToLive", "DescribeContinuousBackups", "ListTagsOfResource", "DescribeLimits",
    "DescribeEndpoints", "ListBackups", "DescribeBackup", "ListGlobalTables", "DescribeGlobalTable",
    "DescribeKinesisStreamingDestination", "DescribeTableReplicaAutoScaling", "DescribeContributorInsights",
    "ListContributorInsights", "ListExports", "DescribeExport", "ListImports", "DescribeImport",
    "GetResourcePolicy",
})
# moto implements these with its copy-and-replace rollback.
_TRANSACTIONS = frozenset({"TransactWriteItems", "ExecuteTransaction"})


def _tables_named(body: bytes) -> frozenset[str]:
    """The tables a DynamoDB write request names; empty if that cannot be told (then: all of them)."""
    try:
        request = json.loads(body)
        names = set(request.get("RequestItems") or {})                     # BatchWriteItem
        for entry in request.get("TransactItems") or []:                      # TransactWriteItems
            names.update(op["TableName"] for op in entry.values())
        if "TableName" in request:                                            # the rest
            names.add(request["TableName"])
    except (ValueError, TypeError, KeyError, AttributeError):
        return frozenset()
    return frozenset(n for n in names if isinstance(n, str))


def _operation(environ) -> tuple[str, bool]:
    """(operation name, is it a write) of one request, from its X-Amz-Target header."""
    target = environ.get("HTTP_X_AMZ_TARGET", "")
    if target.startswith(_STREAMS_TARGET):
        return target[len(_STREAMS_TARGET):], False
    if target.startswith(_DYNAMODB_TARGET):
        name = target[len(_DYNAMODB_TARGET):]
        return name, name not in READ_ONLY_OPERATIONS
    return target, True   # moto's own API (reset...) or something unexpected: assume it changed data


class _OneRequestAtATime:
    def __init__(self, app, on_write: Callable[[frozenset[str]], None] | None) -> None:
        self.app = app
        self.lock = threading.Lock()
        self.write_gate = threading.Lock()   # held by `writes_paused()`; every write passes it first
        self.on_write = on_write
        self.rollbacks = 0

    def __call__(self, environ, start_response):
        operation, writes = _operation(environ)
        status = []
        tables: frozenset[str] = frozenset()
        if writes and self.on_write is not None and environ.get("CONTENT_LENGTH", "").isdigit():
            body = environ["wsgi.input"].read(int(environ["CONTENT_LENGTH"]))
            environ["wsgi.input"] = io.BytesIO(body)   # moto reads it again
            tables = _tables_named(body)

        def remember_status(code, headers, exc_info=None):
            status.append(code)
            return start_response(code, headers, exc_info)

        with self.write_gate if writes else contextlib.nullcontext():
            with self.lock:
                response = b"".join(self.app(environ, remember_status))
                if operation in _TRANSACTIONS and not (status and status[0].startswith("200")):
                    self.rollbacks += 1   # under the lock: visible before any later request is handled
        if writes and self.on_write is not None:
            self.on_write(tables)
        return [response]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


class MotoServer:
    """moto's server on loopback, in a thread: as is, every service moto knows (the local stack's S3)."""

    def __init__(self, port: int, app=None) -> None:
        # Binds now: a busy port raises OSError here, not in the serving thread.
        self.server = make_server(HOST, port, app or DomainDispatcherApplication(create_backend_app), threaded=True,
                                  request_handler=MotoRequestHandler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.endpoint = f"http://{HOST}:{port}"

    def start(self) -> str:
        self.thread.start()
        return self.endpoint

    def stop(self) -> None:
        self.server.shutdown()
        self.thread.join()
        self.server.server_close()


class AtomicDynamoDBServer(MotoServer):
    def __init__(self, port: int, on_write: Callable[[frozenset[str]], None] | None = None) -> None:
        logging.getLogger("werkzeug").setLevel(logging.WARNING)  # not a line per DynamoDB call
        self.app = _OneRequestAtATime(DomainDispatcherApplication(create_backend_app), on_write)
        super().__init__(port, self.app)
        self._old_iterators: set[str] = set()

    def rollbacks(self) -> int:
        """How many transactions moto has rolled back (by replacing tables) so far."""
        return self.app.rollbacks

    @contextlib.contextmanager
    def writes_paused(self) -> Iterator[None]:
        """Hold every write back meanwhile; reads (a snapshot's Scans) go on."""
        with self.app.write_gate:
            yield

    def expire_stream_iterators(self) -> int:
        """Forget the stream iterators that were already there at the previous call; returns how many.

        DynamoDB expires an iterator after 15 minutes; moto keeps every one it hands out, each holding its
        shard (and, after a rollback, the replaced copy of a whole table) in memory. Called every few
        minutes, an iterator lives one to two periods.
        """
        from moto.dynamodbstreams.models import dynamodbstreams_backends

        kept: set[str] = set()
        dropped = 0
        with self.app.lock:   # no request is reading or adding iterators meanwhile
            for by_region in list(dynamodbstreams_backends.values()):
                for backend in list(by_region.values()):
                    for key in list(backend.shard_iterators):
                        if key in self._old_iterators:
                            del backend.shard_iterators[key]
                            dropped += 1
                        else:
                            kept.add(key)
            self._old_iterators = kept
        return dropped

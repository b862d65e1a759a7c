"""moto's DynamoDB as a real HTTP endpoint on loopback, with DynamoDB's per-request atomicity.

moto checks a TransactWriteItems' conditions and applies its writes without
isolation from other requests handled at the same time, which real DynamoDB
never allows (transactions are serializable, single-item writes atomic). Race
tests must fail only when *our* interleaving of requests is wrong, so each
request is handled under one lock: requests still interleave freely between
one another, exactly as they do against DynamoDB.
"""
from __future__ import annotations

import logging
import socket
import threading

from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
from werkzeug.serving import make_server


class _OneRequestAtATime:
    def __init__(self, app) -> None:
        self.app = app
        self.lock = threading.Lock()

    def __call__(self, environ, start_response):
        with self.lock:
            return [b"".join(self.app(environ, start_response))]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class AtomicDynamoDBServer:
    def __init__(self, port: int) -> None:
        logging.getLogger("werkzeug").setLevel(logging.WARNING)  # not a line per DynamoDB call
        app = _OneRequestAtATime(DomainDispatcherApplication(create_backend_app))
        self.server = make_server("127.0.0.1", port, app, threaded=True, request_handler=MotoRequestHandler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.endpoint = f"http://127.0.0.1:{port}"

    def start(self) -> str:
        self.thread.start()
        return self.endpoint

    def stop(self) -> None:
        self.server.shutdown()
        self.thread.join()

"""What every benchmark shares: the environment the app reads, a local DynamoDB endpoint, timing helpers.

The environment mirrors tests/conftest.py (fake credentials, inline secrets, cheap argon2) with its own
table prefix; it must be applied before chalicelib is imported, because table names and the endpoint
are read at import time.
"""
from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PREFIX = "yce-bench-"


def environment(endpoint: str | None = None) -> dict[str, str]:
    env = {
        "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": "cn-north-1", "STAGE": "bench", "TABLE_PREFIX": PREFIX,
        "TOKEN_SIGNING_KEY": "bench-token-signing-key-0123456789abcdef",
        "SMS_CODE_KEY": "bench-sms-code-key-0123456789abcdef00000",
        "SMS_SENDER": "console", "ARGON2_TIME_COST": "1", "ARGON2_MEMORY_KIB": "1024", "ARGON2_PARALLELISM": "1",
        "PYTHONPATH": str(ROOT),
        # Every simulated user calls from one address: SMS budgets out of the way.
        "SMS_CLIENT_HOURLY_LIMIT": "100000", "SMS_CLIENT_DAILY_LIMIT": "100000",
        "SMS_STAGE_HOURLY_LIMIT": "1000000", "SMS_STAGE_DAILY_LIMIT": "1000000",
    }
    if endpoint:
        env["DYNAMODB_ENDPOINT"] = endpoint
    return env


def apply(endpoint: str | None = None) -> None:
    """This process: the bench environment, and the repository root importable."""
    os.environ.update(environment(endpoint))
    if endpoint is None:
        os.environ.pop("DYNAMODB_ENDPOINT", None)
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_moto_server():
    """moto's DynamoDB on loopback, as scripts/local_stack.py runs it; returns (server, endpoint)."""
    import logging

    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.ERROR)   # one access-log line per request otherwise
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    return server, f"http://127.0.0.1:{port}"


def line(label: str, value: str) -> None:
    print(f"  {label:<58} {value}")


def callgrind(code: str, env: dict, *args: str, options: tuple[str, ...] = ("--callgrind-out-file=/dev/null",)) -> str:
    """`python -c code args` under valgrind's callgrind, its stderr. The hash seed is fixed, so a run repeats
    to the instruction; unlike time, the machine's load does not move the count."""
    done = subprocess.run(["valgrind", "--tool=callgrind", *options, sys.executable, "-c", code, *args], cwd=ROOT,
                          env={**env, "PYTHONHASHSEED": "0"}, capture_output=True, text=True, check=True)
    return done.stderr


def collected(stderr: str) -> int:
    """The instructions a callgrind run counted in all (its summary on stderr)."""
    return int(re.search(r"Collected : (\d+)", stderr).group(1))


# ---------------------------------------------------------------- invoking the app as Lambda does

class LambdaContext:
    function_name = "bench"
    aws_request_id = "bench"
    memory_limit_in_mb = 256

    def get_remaining_time_in_millis(self) -> int:
        return 30000


def api_event(method: str, resource: str, path: str, *, params: dict | None = None, query: dict | None = None,
              token: str | None = None, body: Any = None) -> dict:
    """An API Gateway proxy event, as `app(event, context)` receives it."""
    headers = {"content-type": "application/json"}
    if token:
        headers["authorization"] = f"Bearer {token}"
    return {"resource": resource, "path": path, "httpMethod": method, "headers": headers,
            "multiValueHeaders": {k: [v] for k, v in headers.items()},
            "queryStringParameters": query,
            "multiValueQueryStringParameters": {k: [v] for k, v in query.items()} if query else None,
            "pathParameters": params, "stageVariables": None,
            "body": json.dumps(body) if body is not None else None, "isBase64Encoded": False,
            "requestContext": {"resourcePath": resource, "httpMethod": method, "stage": "api", "requestId": "bench",
                               "identity": {"sourceIp": "127.0.0.1"}}}


def app_clients() -> list:
    """Every botocore client the app's tables and transactions use (created now if not yet)."""
    from chalicelib.data.base import transaction_connection
    from chalicelib.data.tables import EVERY_MODEL

    clients = {id(c): c for c in [transaction_connection().client]
               + [model._get_connection().connection.client for model in EVERY_MODEL]}
    return list(clients.values())

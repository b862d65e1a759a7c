#!/usr/bin/env python3
"""The whole backend on one machine, in one process: `make run` (never shipped).

    .venv/bin/python scripts/local_stack.py [--port 8000] [--dynamodb-port 8001] [--data-dir .local] [--reset]

Start: check both ports → moto's DynamoDB server → tables from ALL_MODELS → load
<data-dir>/dynamodb.json → demo accounts → `chalice local` → wait for /health.
Stop (Ctrl-C, SIGTERM, or chalice exiting): stop chalice → save every table to
<data-dir>/dynamodb.json → stop moto.

`chalice local` serves HTTP only; the stream pump (scripts/stream_pump.py) and the
scheduler (scripts/scheduler.py) run in `LocalStack.run`'s loop, in this same
process (see `tick`), calling the same functions the Lambdas run. Run a job now:
`scripts/manage.py --local daily-totals [--date YYYY-MM-DD]` or `... reveal-ratings`.
"""
from __future__ import annotations

import argparse
import base64
import json
import logging
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import boto3
import devenv
from botocore.exceptions import ClientError

HOST = "127.0.0.1"
READY_TIMEOUT_SECONDS = 60
STOP_TIMEOUT_SECONDS = 10
TICK_SECONDS = 0.5
DUMP_FORMAT = "yce-local-dynamodb/1"
BATCH_WRITE_LIMIT = 25  # DynamoDB's BatchWriteItem maximum


class StackError(Exception):
    """Something the developer can fix; printed without a traceback."""


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Run the API locally against an in-process DynamoDB (moto).")
    parser.add_argument("--port", type=int, default=8000, help="HTTP port of chalice local (default 8000)")
    parser.add_argument("--dynamodb-port", type=int, default=8001, help="port of the DynamoDB server (default 8001)")
    parser.add_argument("--data-dir", type=Path, default=devenv.ROOT / ".local",
                        help="where dynamodb.json and sms.log live (default .local/ in the repo)")
    parser.add_argument("--reset", action="store_true",
                        help="start empty, ignoring saved state (the old file is kept as dynamodb.json.bak)")
    return parser.parse_args(argv)


def check_port_free(port: int, what: str, flag: str) -> None:
    # moto's server thread would hang forever on a busy port, so find out first.
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as both servers do: TIME_WAIT is free
        try:
            sock.bind((HOST, port))
        except OSError as exc:
            raise StackError(f"port {port} on {HOST} ({what}) is not available: {exc.strerror}. "
                             f"Is another local stack running? Stop it, or choose another port with {flag}.") from None


# --- saved state: raw AttributeValue JSON per table --------------------------------------------

def _convert_binary(value: dict, convert) -> dict:
    """Apply `convert` to each binary inside one AttributeValue: JSON has no bytes, so they travel as base64."""
    kind, inner = next(iter(value.items()))
    if kind == "B":
        return {"B": convert(inner)}
    if kind == "BS":
        return {"BS": [convert(v) for v in inner]}
    if kind == "M":
        return {"M": {k: _convert_binary(v, convert) for k, v in inner.items()}}
    if kind == "L":
        return {"L": [_convert_binary(v, convert) for v in inner]}
    return value


def _item_to_json(item: dict) -> dict:
    return {k: _convert_binary(v, lambda b: base64.b64encode(b).decode("ascii")) for k, v in item.items()}


def _item_from_json(item: dict) -> dict:
    return {k: _convert_binary(v, base64.b64decode) for k, v in item.items()}


def _table_names(client) -> list[str]:
    return [name for page in client.get_paginator("list_tables").paginate() for name in page["TableNames"]]


def dump_tables(client, path: Path) -> int:
    """Scan every table (fine for an offline tool) and replace `path` atomically; returns the item count."""
    tables = {}
    for name in _table_names(client):
        pages = client.get_paginator("scan").paginate(TableName=name, ConsistentRead=True)
        tables[name] = [_item_to_json(item) for page in pages for item in page["Items"]]
    temp = path.with_name(path.name + ".tmp")
    with open(temp, "w", encoding="utf-8") as handle:
        json.dump({"format": DUMP_FORMAT, "tables": tables}, handle, ensure_ascii=False, indent=1)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temp, path)  # a crash mid-write leaves the previous state intact
    return sum(len(items) for items in tables.values())


def load_tables(client, path: Path) -> int:
    """BatchWriteItem the saved items into the (already created) tables; returns the item count."""
    try:
        saved = json.loads(path.read_text(encoding="utf-8"))
    except ValueError as exc:
        raise StackError(f"{path} is not valid JSON ({exc}); start with --reset to set it aside") from None
    if saved.get("format") != DUMP_FORMAT:
        raise StackError(f"{path} is not a {DUMP_FORMAT} file; start with --reset to set it aside")
    existing = set(_table_names(client))
    count = 0
    for name, items in saved["tables"].items():
        if name not in existing:  # a table no model declares any more (or another TABLE_PREFIX)
            print(f"note: {path.name}: skipping {len(items)} items of unknown table {name}", file=sys.stderr)
            continue
        for start in range(0, len(items), BATCH_WRITE_LIMIT):
            _batch_put(client, name, [_item_from_json(i) for i in items[start:start + BATCH_WRITE_LIMIT]])
        count += len(items)
    return count


def _batch_put(client, table: str, items: list[dict]) -> None:
    pending = {table: [{"PutRequest": {"Item": item}} for item in items]}
    for attempt in range(10):
        pending = client.batch_write_item(RequestItems=pending).get("UnprocessedItems") or {}
        if not pending:
            return
        time.sleep(0.05 * 2 ** attempt)
    raise StackError(f"DynamoDB kept refusing items for {table}")


# --- the stack ---------------------------------------------------------------------------------

class LocalStack:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.data_dir: Path = args.data_dir.resolve()
        self.state_file = self.data_dir / "dynamodb.json"
        self.api_url = f"http://{HOST}:{args.port}"
        self.stop_requested = threading.Event()   # set by signal handlers
        self.moto = None
        self.dynamodb = None
        self.pump = None
        self.scheduler = None
        self.api: subprocess.Popen | None = None
        # Saving is allowed only once the saved state was fully loaded: never overwrite it with less.
        self.state_loaded = False
        # No proxies: the stack talks to its own loopback servers only.
        self._http = urllib.request.build_opener(urllib.request.ProxyHandler({}))

    def start(self) -> None:
        self.start_dynamodb()
        self.create_tables_and_load_state()
        self.start_stream_pump()  # after loading: saved items must not count as new events
        self.start_scheduler()
        rows = self.seed()
        if self.stop_requested.is_set():
            return
        self.start_api()
        if self.wait_until_ready():
            self.print_banner(rows)

    def start_dynamodb(self) -> None:
        from moto.server import ThreadedMotoServer

        logging.getLogger("werkzeug").setLevel(logging.WARNING)  # one log line per DynamoDB call is noise
        self.moto = ThreadedMotoServer(ip_address=HOST, port=self.args.dynamodb_port, verbose=False)
        self.moto.start()
        self.dynamodb = boto3.client("dynamodb", endpoint_url=os.environ["DYNAMODB_ENDPOINT"],
                                     region_name=os.environ["AWS_DEFAULT_REGION"])

    def create_tables_and_load_state(self) -> None:
        # chalicelib is imported only now: it reads the environment main() applied, at import time.
        from chalicelib.data.tables import create_all_tables

        create_all_tables()  # indexes, TTL and streams come from the models themselves
        if self.args.reset and self.state_file.exists():
            os.replace(self.state_file, self.state_file.with_name("dynamodb.json.bak"))
            print(f"--reset: previous state moved to {self.state_file.with_name('dynamodb.json.bak')}")
        elif self.state_file.exists():
            try:
                count = load_tables(self.dynamodb, self.state_file)
            except ClientError as exc:
                raise StackError(f"cannot load {self.state_file}: {exc}. Start with --reset to set it aside.") from None
            print(f"Loaded {count} items from {self.state_file}")
        self.state_loaded = True

    def seed(self) -> list[dict]:
        from seed_demo import seed_demo_accounts

        return seed_demo_accounts()

    def start_api(self) -> None:
        chalice = Path(sys.executable).parent / "chalice"  # the venv's own chalice, not one on PATH
        if not chalice.exists():
            raise StackError(f"{chalice} not found: run `make venv` first")
        # --no-autoreload: chalice's reloader polls every file under the repo (.venv included) each
        # second and restarts on any change, including every line SMS codes append to .local/sms.log.
        command = [str(chalice), "local", "--stage", "dev", "--host", HOST, "--port", str(self.args.port),
                   "--no-autoreload"]
        # Same process group as ours: a terminal Ctrl-C reaches both, and whoever started us can kill both.
        self.api = subprocess.Popen(command, cwd=devenv.ROOT, env=os.environ.copy())

    def healthy(self) -> bool:
        try:
            with self._http.open(f"{self.api_url}/health", timeout=2) as response:
                return response.status == 200
        except (urllib.error.URLError, OSError):
            return False

    def wait_until_ready(self) -> bool:
        deadline = time.monotonic() + READY_TIMEOUT_SECONDS
        while not self.stop_requested.is_set():
            if self.api.poll() is not None:
                raise StackError(f"chalice local exited with code {self.api.returncode} before it was ready "
                                 "(its output is above)")
            if self.healthy():
                return True
            if time.monotonic() > deadline:
                raise StackError(f"chalice local did not answer {self.api_url}/health within "
                                 f"{READY_TIMEOUT_SECONDS} s")
            self.stop_requested.wait(0.2)
        return False

    def print_banner(self, rows: list[dict]) -> None:
        lines = ["", f"Local stack ready at {self.api_url}", "",
                 "Demo accounts (POST /auth/login with account_type, login, password):",
                 f"  {'login':<16} {'password':<10} {'account_type':<13} role"]
        for row in rows:
            note = f": {row['note']}" if row["note"] else ""
            lines.append(f"  {row['login']:<16} {row['password']:<10} {row['account_type']:<13} {row['role']}{note}")
        if not all(row["created"] for row in rows):
            lines.append("  Accounts that already existed keep the password they have now.")
        lines += ["", f"SMS codes are printed on this console and appended to {self.data_dir / 'sms.log'}",
                  f"DynamoDB (moto) at {os.environ['DYNAMODB_ENDPOINT']}; "
                  f"tables are saved to {self.state_file} when you stop with Ctrl-C", ""]
        print("\n".join(lines), flush=True)

    def run(self) -> int:
        """The main loop: until a signal or chalice local exits. Returns the exit code."""
        while not self.stop_requested.wait(TICK_SECONDS):
            if self.api is None or self.api.poll() is not None:
                code = self.api.returncode if self.api else 1
                print(f"chalice local exited with code {code}", file=sys.stderr)
                return code if code >= 0 else 128 - code  # killed by a signal: the shell's convention
            self.tick()
        return 0

    def start_stream_pump(self) -> None:
        from stream_pump import StreamPump, consumers

        streams = boto3.client("dynamodbstreams", endpoint_url=os.environ["DYNAMODB_ENDPOINT"],
                               region_name=os.environ["AWS_DEFAULT_REGION"])
        self.pump = StreamPump(self.dynamodb, streams, os.environ["AWS_DEFAULT_REGION"], consumers())

    def start_scheduler(self) -> None:
        from scheduler import LocalScheduler

        from chalicelib.events.consumers import SCHEDULED_JOBS

        self.scheduler = LocalScheduler(SCHEDULED_JOBS)

    def tick(self) -> None:
        """Periodic work besides serving HTTP: the stream handlers and scheduled jobs Lambda would run."""
        try:
            self.pump.tick()
        except Exception:  # a broken poll is logged; the stack keeps serving and polls again
            logging.getLogger("stream-pump").exception("stream poll failed")
        self.scheduler.tick()   # logs its own failures

    def stop_api(self) -> None:
        if self.api is None or self.api.poll() is not None:
            return
        self.api.terminate()
        try:
            self.api.wait(STOP_TIMEOUT_SECONDS)
        except subprocess.TimeoutExpired:
            self.api.kill()
            self.api.wait()

    def shutdown(self) -> bool:
        """Stop chalice first (no writes during the scan), save, then stop DynamoDB. False if saving failed."""
        self.stop_api()
        saved = True
        if self.state_loaded:
            try:
                count = dump_tables(self.dynamodb, self.state_file)
                print(f"Saved {count} items to {self.state_file}", flush=True)
            except Exception as exc:  # still stop moto; the previous file is intact
                print(f"error: could not save {self.state_file}: {exc}", file=sys.stderr)
                saved = False
        if self.moto is not None:
            self.moto.stop()
        return saved


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    sys.stdout.reconfigure(line_buffering=True)  # progress shows at once even when piped to a file
    try:
        check_port_free(args.dynamodb_port, "DynamoDB server", "--dynamodb-port")
        check_port_free(args.port, "chalice local", "--port")
    except StackError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    args.data_dir.mkdir(parents=True, exist_ok=True)
    devenv.apply(devenv.local_stack_environment(dynamodb_port=args.dynamodb_port, data_dir=args.data_dir.resolve()))
    devenv.use_repo_imports()
    stack = LocalStack(args)
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        # Handlers only flag the stop: the main loop then shuts down in order, never mid-write.
        signal.signal(sig, lambda signum, frame: stack.stop_requested.set())
    code = 1
    try:
        stack.start()
        code = stack.run()
    except StackError as exc:
        print(f"error: {exc}", file=sys.stderr)
    finally:
        saved = stack.shutdown()
    return code if saved else 1


if __name__ == "__main__":
    sys.exit(main())

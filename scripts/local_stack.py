#!/usr/bin/env python3
"""The whole backend on one machine, in one process: `make run` (never shipped).

    .venv/bin/python scripts/local_stack.py [--port 8000] [--dynamodb-port 8001] [--s3-port 8002] [--data-dir .local]
                                            [--client-dir web/dist]
                                            [--reset]

Start: check both ports → lock <data-dir> (one stack each) → read and check
<data-dir>/dynamodb.json (a file of the wrong shape is moved aside and the stack refuses
to start until told --reset) → moto's DynamoDB
server (scripts/dynamodb_server.py: one request at a time) → moto's S3 server with the image bucket (the
browser POSTs upload forms to it; attached images are kept in <data-dir>/images/) → <data-dir>/ports.json →
tables from ALL_MODELS → load the saved items → demo accounts → `chalice local` (scripts/local_api.py: the
built H5 client at /, the API under /api, as CloudFront and API Gateway's `api` stage give them deployed)
→ wait for /api/health.
While running: every table is saved to <data-dir>/dynamodb.json within about a second
of a write (a consistent snapshot, written atomically), so a crash loses at most that.
Stop (Ctrl-C, SIGTERM, or chalice exiting): stop chalice → save every table →
stop moto → remove ports.json.

`chalice local` serves HTTP only; the stream pump (scripts/stream_pump.py) and the
scheduler (scripts/scheduler.py) run in `LocalStack.run`'s loop, in this same
process (see `tick`), calling the same functions the Lambdas run. Run a job now:
`scripts/manage.py --local daily-totals [--date YYYY-MM-DD]` or `... reveal-ratings`.
"""
from __future__ import annotations

import argparse
import base64
import binascii
import fcntl
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
from collections.abc import Callable
from datetime import datetime
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
# A snapshot starts this long after the first write since the last one (writes meanwhile join it): on
# disk within about a second of a write. A slow save delays the next by as long, so that writes, held
# back while a snapshot reads, get at least half the time.
SNAPSHOT_DELAY_SECONDS = 0.5
ITERATOR_SWEEP_SECONDS = 300  # how often moto forgets old stream iterators (dynamodb_server.py)
LOCK_FILE = "stack.lock"  # held (flock) while a stack uses the data dir
REFUSED_MARKER = "dynamodb.json.refused"  # names the set-aside file; until --reset the stack won't start

log = logging.getLogger("local-stack")


class StackError(Exception):
    """Something the developer can fix; printed without a traceback."""


class BadState(Exception):
    """The saved state cannot be loaded: set it aside, and start only when told (--reset)."""


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Run the API locally against an in-process DynamoDB (moto).")
    parser.add_argument("--port", type=int, default=8000, help="HTTP port of chalice local (default 8000)")
    parser.add_argument("--dynamodb-port", type=int, default=8001, help="port of the DynamoDB server (default 8001)")
    parser.add_argument("--s3-port", type=int, default=8002,
                        help="port of the S3 server the browser uploads images to (default 8002)")
    parser.add_argument("--data-dir", type=Path, default=devenv.ROOT / ".local",
                        help="where dynamodb.json and sms.log live (default .local/ in the repo)")
    parser.add_argument("--reset", action="store_true",
                        help="start empty, ignoring saved state (the old file is kept as dynamodb.json.bak)")
    parser.add_argument("--client-dir", type=Path, default=devenv.ROOT / "web" / "dist",
                        help="the built H5 client served at / (default web/dist, which make run builds)")
    parser.add_argument("--allow-origin", action="append", default=[], metavar="ORIGIN",
                        help="also let a page on ORIGIN call the API from a browser (CORS), besides the dev "
                             "stage's (the Vite dev server); repeatable, e.g. http://localhost:3000")
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


def scan_table(client, name: str) -> list[dict]:
    pages = client.get_paginator("scan").paginate(TableName=name, ConsistentRead=True)
    return [_item_to_json(item) for page in pages for item in page["Items"]]


def dump_tables(client, path: Path) -> int:
    """Scan every table (fine for an offline tool) and replace `path` atomically; returns the item count."""
    return write_state(path, {name: scan_table(client, name) for name in _table_names(client)})


def write_state(path: Path, tables: dict[str, list[dict]]) -> int:
    """Replace `path` atomically (temp file, fsync, rename) with these items; returns the item count."""
    temp = path.with_name(path.name + ".tmp")
    with open(temp, "w", encoding="utf-8") as handle:
        json.dump({"format": DUMP_FORMAT, "tables": tables}, handle, ensure_ascii=False, indent=1)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temp, path)  # a crash mid-write leaves the previous state intact
    directory = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(directory)  # the rename itself survives a power cut too
    finally:
        os.close(directory)
    return sum(len(items) for items in tables.values())


def _is_attribute_value(value) -> bool:
    return isinstance(value, dict) and len(value) == 1 and isinstance(next(iter(value)), str)


def read_state(path: Path) -> dict[str, list[dict]]:
    """The saved items per table, checked for shape and decoded; BadState (one line) if they are not."""
    try:
        saved = json.loads(path.read_text(encoding="utf-8"))
    except ValueError as exc:  # broken JSON, or not UTF-8 at all
        raise BadState(f"it is not valid JSON ({exc})") from None
    except OSError as exc:
        raise BadState(f"it cannot be read ({exc.strerror})") from None
    if not isinstance(saved, dict) or saved.get("format") != DUMP_FORMAT:
        found = f"an object of format {saved.get('format')!r}" if isinstance(saved, dict) else \
            f"a JSON {type(saved).__name__}"
        raise BadState(f"it is not a {DUMP_FORMAT} file (found {found})")
    tables = saved.get("tables")
    if not isinstance(tables, dict) or not all(
            isinstance(items, list) and all(isinstance(item, dict) and item and
                                            all(_is_attribute_value(v) for v in item.values()) for item in items)
            for items in tables.values()):
        raise BadState("its \"tables\" is not an object of item lists in DynamoDB JSON")
    try:
        return {name: [_item_from_json(item) for item in items] for name, items in tables.items()}
    except (binascii.Error, ValueError, TypeError) as exc:
        raise BadState(f"a binary attribute is not base64 ({exc})") from None


def load_tables(client, tables: dict[str, list[dict]], path: Path) -> int:
    """BatchWriteItem the saved items into the (already created) tables; returns the item count."""
    existing = set(_table_names(client))
    count = 0
    for name, items in tables.items():
        if name not in existing:  # a table no model declares any more (or another TABLE_PREFIX)
            print(f"note: {path.name}: skipping {len(items)} items of unknown table {name}", file=sys.stderr)
            continue
        for start in range(0, len(items), BATCH_WRITE_LIMIT):
            _batch_put(client, name, items[start:start + BATCH_WRITE_LIMIT])
        count += len(items)
    return count


def set_aside(state_file: Path, reason: str) -> str:
    """Move a state file that cannot be loaded next to it (kept), mark the refusal; returns one line to print."""
    bad = state_file.with_name(f"{state_file.name}.bad-{datetime.now():%Y%m%dT%H%M%S}")
    os.replace(state_file, bad)
    (state_file.parent / REFUSED_MARKER).write_text(f"{bad.name}\n", encoding="utf-8")
    return (f"{state_file} cannot be loaded: {reason}. It is kept as {bad.name}; nothing was started. "
            "To start with empty tables, run again with --reset (make run ARGS=--reset)")


def _batch_put(client, table: str, items: list[dict]) -> None:
    pending = {table: [{"PutRequest": {"Item": item}} for item in items]}
    for attempt in range(10):
        pending = client.batch_write_item(RequestItems=pending).get("UnprocessedItems") or {}
        if not pending:
            return
        time.sleep(0.05 * 2 ** attempt)
    raise StackError(f"DynamoDB kept refusing items for {table}")


class Snapshots:
    """Saves every table soon after a write (any mutating request the endpoint sees), in a thread.

    `save(changed)` gets the names of the tables written since the last save (None: maybe any).
    """

    def __init__(self, save: Callable[[set[str] | None], object]) -> None:
        self.save = save
        self.dirty = threading.Event()
        self.stopping = threading.Event()
        self.lock = threading.Lock()
        self.changed: set[str] | None = set()
        self.thread = threading.Thread(target=self._run, name="snapshots", daemon=True)

    def written(self, tables: frozenset[str]) -> None:
        with self.lock:
            if not tables:
                self.changed = None
            elif self.changed is not None:
                self.changed |= tables
        self.dirty.set()

    def start(self) -> None:
        self.dirty.clear()   # the load's own writes are the state already on disk
        self.thread.start()

    def stop(self) -> None:
        """Wait for a save in progress; the clean stop then saves once more itself."""
        self.stopping.set()
        self.dirty.set()
        if self.thread.is_alive():
            self.thread.join()

    def _run(self) -> None:
        pause = SNAPSHOT_DELAY_SECONDS
        while True:
            self.dirty.wait()
            if self.stopping.wait(pause):
                return
            self.dirty.clear()   # before saving: a write during the save brings another one
            with self.lock:
                changed, self.changed = self.changed, set()
            started = time.monotonic()
            try:
                self.save(changed)
            except Exception:  # the previous file is intact; try again after the next write, reading all
                log.exception("could not save a snapshot of the tables")
                with self.lock:
                    self.changed = None
            pause = max(SNAPSHOT_DELAY_SECONDS, time.monotonic() - started)


class ImageFiles:
    """The bucket's claimed images (`images/…`, what saved records name) kept as files under <data-dir>/images/,
    so they survive a restart: put back at start, new ones written with every snapshot and at the stop.
    Unclaimed uploads are a day's scratch and are not kept."""

    AREA = "images"

    def __init__(self, s3, bucket: str, data_dir: Path) -> None:
        self.s3, self.bucket, self.data_dir = s3, bucket, data_dir
        self.saved: set[str] = set()

    def load(self) -> int:
        from chalicelib.reference import UPLOAD_CONTENT_TYPES

        types = {extension: content_type for content_type, extension in UPLOAD_CONTENT_TYPES.items()}
        for path in sorted((self.data_dir / self.AREA).rglob("*.*")):
            key = path.relative_to(self.data_dir).as_posix()
            self.s3.put_object(Bucket=self.bucket, Key=key, Body=path.read_bytes(),
                               ContentType=types.get(path.suffix[1:], "application/octet-stream"))
            self.saved.add(key)
        return len(self.saved)

    def save_new(self) -> None:
        for page in self.s3.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=self.AREA + "/"):
            for key in (item["Key"] for item in page.get("Contents", [])):
                if key not in self.saved:
                    path = self.data_dir / key
                    path.parent.mkdir(parents=True, exist_ok=True)
                    path.write_bytes(self.s3.get_object(Bucket=self.bucket, Key=key)["Body"].read())
                    self.saved.add(key)


# --- the stack ---------------------------------------------------------------------------------

class LocalStack:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.data_dir: Path = args.data_dir.resolve()
        self.state_file = self.data_dir / "dynamodb.json"
        self.site_url = f"http://{HOST}:{args.port}"   # the H5 client; the API under /api, as deployed
        self.api_url = f"{self.site_url}/api"
        self.stop_requested = threading.Event()   # set by signal handlers
        self.saved_tables: dict[str, list[dict]] | None = None   # read and checked before anything starts
        self.server = None
        self.s3_server = None
        self.images: ImageFiles | None = None
        self.dynamodb = None
        self.snapshot_client = None
        self.snapshot_tables: dict[str, list[dict]] = {}   # the last snapshot's items (snapshot thread only)
        self.snapshots = Snapshots(self.save_snapshot)
        self.next_sweep = time.monotonic() + ITERATOR_SWEEP_SECONDS
        self.pump = None
        self.scheduler = None
        self.api: subprocess.Popen | None = None
        # Saving is allowed only once the saved state was fully loaded: never overwrite it with less.
        self.state_loaded = False
        # No proxies: the stack talks to its own loopback servers only.
        self._http = urllib.request.build_opener(urllib.request.ProxyHandler({}))

    def read_saved_state(self) -> None:
        """Before anything starts: refuse a state file that cannot be loaded (BadState, set aside)."""
        marker = self.data_dir / REFUSED_MARKER
        if self.args.reset:
            if self.state_file.exists():
                os.replace(self.state_file, self.state_file.with_name("dynamodb.json.bak"))
                print(f"--reset: previous state moved to {self.state_file.with_name('dynamodb.json.bak')}")
            marker.unlink(missing_ok=True)
        elif self.state_file.exists():
            try:
                self.saved_tables = read_state(self.state_file)
            except BadState as exc:
                raise StackError(set_aside(self.state_file, str(exc))) from None
            marker.unlink(missing_ok=True)   # a good file put back by hand is loaded
        elif marker.exists():
            kept = marker.read_text(encoding="utf-8").strip()
            raise StackError(f"the saved state was refused earlier and is kept as {kept}; nothing was started. "
                             "To start with empty tables, run again with --reset (make run ARGS=--reset)")

    def start(self) -> None:
        self.start_dynamodb()
        self.start_s3()
        devenv.write_ports(self.data_dir, api_port=self.args.port, dynamodb_port=self.args.dynamodb_port,
                           s3_port=self.args.s3_port)
        self.create_tables_and_load_state()
        self.snapshots.start()    # after loading: only what changes from now on needs saving
        self.start_stream_pump()  # after loading: saved items must not count as new events
        self.start_scheduler()
        rows = self.seed()
        if self.stop_requested.is_set():
            return
        self.start_api()
        if self.wait_until_ready():
            self.print_banner(rows)

    def start_dynamodb(self) -> None:
        from dynamodb_server import AtomicDynamoDBServer

        try:
            self.server = AtomicDynamoDBServer(self.args.dynamodb_port, on_write=self.snapshots.written)
        except OSError as exc:
            raise StackError(f"cannot serve DynamoDB on {HOST}:{self.args.dynamodb_port}: {exc.strerror}") from None
        self.server.start()
        self.dynamodb = self._client("dynamodb")
        self.snapshot_client = self._client("dynamodb")   # the snapshot thread's own

    def start_s3(self) -> None:
        """moto's S3 on its own port, without the DynamoDB server's lock and snapshots (moto's backends are
        per process, so it is the same moto); the stage's image bucket, with the CORS the browser's POST needs."""
        from dynamodb_server import MotoServer

        try:
            self.s3_server = MotoServer(self.args.s3_port)
        except OSError as exc:
            raise StackError(f"cannot serve S3 on {HOST}:{self.args.s3_port}: {exc.strerror}") from None
        self.s3_server.start()
        region = os.environ["AWS_DEFAULT_REGION"]
        s3 = boto3.client("s3", endpoint_url=os.environ["S3_ENDPOINT"], region_name=region)
        bucket = os.environ["UPLOADS_BUCKET"]
        s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": region})
        s3.put_bucket_cors(Bucket=bucket, CORSConfiguration={"CORSRules": [
            {"AllowedMethods": ["POST"], "AllowedOrigins": ["*"], "AllowedHeaders": ["*"]}]})
        self.images = ImageFiles(s3, bucket, self.data_dir)
        loaded = self.images.load()
        if loaded:
            print(f"Loaded {loaded} images from {self.data_dir / ImageFiles.AREA}")

    def _client(self, service: str):
        return boto3.client(service, endpoint_url=os.environ["DYNAMODB_ENDPOINT"],
                            region_name=os.environ["AWS_DEFAULT_REGION"])

    def create_tables_and_load_state(self) -> None:
        # chalicelib is imported only now: it reads the environment main() applied, at import time.
        from chalicelib.data.tables import create_all_tables

        create_all_tables()  # indexes, TTL and streams come from the models themselves
        if self.saved_tables is not None:
            try:
                count = load_tables(self.dynamodb, self.saved_tables, self.state_file)
            except ClientError as exc:   # items DynamoDB refuses (a key missing...): the file is not ours to fix
                reason = f"DynamoDB refused its items ({exc.response['Error']['Message']})"
                raise StackError(set_aside(self.state_file, reason)) from None
            print(f"Loaded {count} items from {self.state_file}")
            self.saved_tables = None
        self.state_loaded = True

    def save_snapshot(self, changed: set[str] | None) -> int:
        """Every table as of one moment: writes wait while the Scans read the tables written since the
        last snapshot (~20 ms each; the others are as they were then). The file is written after."""
        with self.server.writes_paused():
            names = _table_names(self.snapshot_client)
            for name in names:
                if changed is None or name in changed or name not in self.snapshot_tables:
                    self.snapshot_tables[name] = scan_table(self.snapshot_client, name)
            self.snapshot_tables = {name: self.snapshot_tables[name] for name in names}
        count = write_state(self.state_file, self.snapshot_tables)
        self.images.save_new()   # a record names an image only after its claim copied it: none is missed
        return count

    def seed(self) -> list[dict]:
        from seed_demo import seed_demo_accounts

        return seed_demo_accounts()

    def start_api(self) -> None:
        # `chalice local` behind a gateway answering as the deployed one (scripts/local_api.py).
        # --no-autoreload: chalice's reloader polls every file under the repo (.venv included) each
        # second and restarts on any change, including every line SMS codes append to .local/sms.log.
        command = [sys.executable, str(devenv.ROOT / "scripts" / "local_api.py"), "--stage", "dev", "--host", HOST,
                   "--port", str(self.args.port), "--no-autoreload"]
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
        client = "" if (self.args.client_dir / "index.html").is_file() else " (not built: make run builds it)"
        lines = ["", f"Local stack ready at {self.site_url}", "",
                 f"The H5 client at {self.site_url}/{client}, the API at {self.api_url}", "",
                 "Demo accounts (POST /auth/login with account_type, login, password):",
                 f"  {'login':<16} {'password':<10} {'account_type':<13} role"]
        for row in rows:
            note = f": {row['note']}" if row["note"] else ""
            lines.append(f"  {row['login']:<16} {row['password']:<10} {row['account_type']:<13} {row['role']}{note}")
        if not all(row["created"] for row in rows):
            lines.append("  Accounts that already existed keep the password they have now.")
        lines += ["", "Pages that may call it from a browser (CORS; more with --allow-origin): "
                  + (os.environ.get("CORS_ALLOWED_ORIGINS") or "none").replace(",", ", ")]
        lines += ["", f"SMS codes are printed on this console and appended to {self.data_dir / 'sms.log'}",
                  f"DynamoDB (moto) at {os.environ['DYNAMODB_ENDPOINT']} (ports in "
                  f"{self.data_dir / devenv.PORTS_FILE}); tables are saved to {self.state_file} within "
                  "about a second of each write, and when you stop with Ctrl-C",
                  f"S3 (moto, image uploads) at {os.environ['S3_ENDPOINT']}, bucket {os.environ['UPLOADS_BUCKET']}; "
                  f"attached images are saved under {self.data_dir / ImageFiles.AREA}", ""]
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

        self.pump = StreamPump(self.dynamodb, self._client("dynamodbstreams"), os.environ["AWS_DEFAULT_REGION"],
                               consumers(), rollbacks=self.server.rollbacks)

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
        if time.monotonic() >= self.next_sweep:   # between polls: the pump holds no iterator now
            self.server.expire_stream_iterators()
            self.next_sweep = time.monotonic() + ITERATOR_SWEEP_SECONDS

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
        self.snapshots.stop()
        saved = True
        if self.state_loaded:
            try:
                count = dump_tables(self.dynamodb, self.state_file)
                print(f"Saved {count} items to {self.state_file}", flush=True)
                self.images.save_new()
            except Exception as exc:  # still stop moto; the previous file is intact
                print(f"error: could not save {self.state_file}: {exc}", file=sys.stderr)
                saved = False
        if self.s3_server is not None:
            self.s3_server.stop()
        if self.server is not None:
            self.server.stop()
            devenv.remove_ports(self.data_dir)
        return saved


def hold_data_dir(data_dir: Path) -> int:
    """Lock `data_dir` for this process's lifetime: two stacks saving snapshots of different tables to one
    file would each overwrite the other's data. The OS drops the lock when the process ends, kill -9
    included, so a crash leaves nothing stale behind."""
    fd = os.open(data_dir / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        other = devenv.read_ports(data_dir) or {}
        where = f" (API on port {other['api_port']}, pid {other.get('pid')})" if other else ""
        raise StackError(f"another local stack uses {data_dir}{where}; stop it first, or give this one "
                         "its own --data-dir") from None
    return fd


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    sys.stdout.reconfigure(line_buffering=True)  # progress shows at once even when piped to a file
    try:
        check_port_free(args.dynamodb_port, "DynamoDB server", "--dynamodb-port")
        check_port_free(args.port, "chalice local", "--port")
        check_port_free(args.s3_port, "S3 server", "--s3-port")
    except StackError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    args.data_dir.mkdir(parents=True, exist_ok=True)
    try:
        hold_data_dir(args.data_dir)
    except StackError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    env = devenv.local_stack_environment(dynamodb_port=args.dynamodb_port, data_dir=args.data_dir.resolve(),
                                         s3_port=args.s3_port)
    env["CORS_ALLOWED_ORIGINS"] = ",".join(filter(None, [env.get("CORS_ALLOWED_ORIGINS"), *args.allow_origin]))
    env["YCE_CLIENT_DIR"] = str(args.client_dir.resolve())
    devenv.apply(env)
    devenv.use_repo_imports()
    stack = LocalStack(args)
    try:
        stack.read_saved_state()
    except StackError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
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

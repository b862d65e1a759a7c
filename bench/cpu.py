"""CPU per request outside DynamoDB: the app against a minimal Chalice handler, both on canned answers.

Three requests: a 20-item 需求信息 page (anonymous), a demand detail (anonymous), a claim confirmation
(团组织, bearer token). Each is first sent to the moto server once and its DynamoDB answers recorded;
then both the app and the minimal handler (`Minimal`: the same DynamoDB requests built by hand on raw
boto3, the same token check, the same JSON keys) are invoked as Lambda would (`app(event, context)`)
with those answers replayed at botocore's HTTP layer (bench/stub.py), and compared two ways:

- CPU time per call, best of rounds (noisy on a shared machine);
- with `instructions=True`, instructions per call counted by valgrind's callgrind in one child process
  (`_count_child`), which the machine's load does not move: after every request has been warmed up,
  each batch of calls runs inside `operator.call` and callgrind counts only inside that C function
  (`--toggle-collect`), writing one dump per batch (`--dump-after`); a batch of N calls minus a batch of 0
  calls, divided by N, is one call's instructions, start-up, warm-up and the batch's own set-up excluded.
"""
from __future__ import annotations

import base64
import cProfile
import hashlib
import hmac
import io
import json
import operator
import os
import pickle
import pstats
import re
import secrets
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bench.common import callgrind, environment, line
from bench.stub import Recorder, Replay, app_clients, attach, detach

ITERATIONS = 100
ROUNDS = 7   # app and minimal alternate; the best round of each counts (the machine is shared and noisy)


def api_event(method: str, resource: str, path: str, *, params: dict | None = None, query: dict | None = None,
              token: str | None = None, body: Any = None) -> dict:
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


class _Context:
    function_name = "bench"
    aws_request_id = "bench"
    memory_limit_in_mb = 256

    def get_remaining_time_in_millis(self) -> int:
        return 30000


# ---------------------------------------------------------------- data: through the app's own routes

def _world(app) -> dict:
    """21 published demands, one with a pending claim by a profiled volunteer organization."""
    from chalice.test import Client

    from chalicelib.services import sms_sender
    from tests import helpers
    from tests.client import Api, Outbox
    from tests.helpers import PROFILE, registration

    outbox = Outbox()
    sms_sender.use_sender(outbox)
    with Client(app, stage_name="bench") as client:
        api = Api(client)
        league = helpers.league_org_session(api, account_name="bench_league")["access_token"]
        ids = [helpers.publish_demand(api, outbox, league)["demand_id"] for _ in range(21)]
        operator = helpers.operator_token(api, name="bench_operator")
        body = registration(api, outbox)
        account_id = api.post("/volunteer-orgs", body).json["account_id"]
        assert api.post(f"/admin/volunteer-orgs/{account_id}/approve", token=operator).status_code == 200
        org = helpers.login(api, "organization", body["account_name"]).json["access_token"]
        assert api.put("/me/org-profile", {**PROFILE, "leader_mobile": body["contact_phone"]},
                       token=org).status_code == 200
        claim = api.post(f"/demands/{ids[0]}/claims", {}, token=org).json
    return {"league": league, "did": ids[-1], "claim_id": claim["claim_id"]}


# ---------------------------------------------------------------- the minimal handler

class Minimal:
    """The three requests written by hand on raw boto3, one Chalice route each: what the app is compared with.

    Like a handler one would write without our layers, it builds its DynamoDB parameters per call from the
    request with plain dicts and f-strings (path ids, the query string's limit, the token's subject, the
    clock), verifies the bearer token with PyJWT, checks the caller against the claim it read, signs the
    list's next cursor as the app does, and answers with the app's JSON keys copied from the item read,
    unvalidated (after the write, the claim read with the fields the write changed). The confirmation's
    TransactWriteItems is the app's recorded one made a template (`_Template`): per call its ids, clock
    values and event suffixes are substituted and the text parsed, about what a literal of the same items
    with f-strings costs. It covers the bench's case (no other pending application to return). Its botocore
    client is configured as the app's (`_raw_client`), so the two differ by our code and PynamoDB only."""

    def __init__(self, client: Any, signing_key: bytes, prefix: str) -> None:
        from boto3.dynamodb.types import TypeDeserializer
        from chalice import Chalice, ConflictError, NotFoundError

        self.app = app = Chalice(app_name="minimal")
        self.keys: dict[str, list[str]] = {}
        self.confirmation: _Template | None = None
        plain = TypeDeserializer()

        def load(item: dict) -> dict:
            return {name: _jsonable(plain.deserialize(value)) for name, value in item.items()}

        def view(route: str, item: dict) -> dict:
            return {key: item.get(key) for key in self.keys[route]}

        @app.route("/demands")
        def demand_page() -> dict:
            limit = int((app.current_request.query_params or {}).get("limit", 20))
            answer = client.query(TableName=f"{prefix}demands", IndexName="public_feed",
                                  KeyConditionExpression="#0 = :0", ExpressionAttributeNames={"#0": "feed"},
                                  ExpressionAttributeValues={":0": {"S": "public"}}, Limit=limit,
                                  ScanIndexForward=False, ReturnConsumedCapacity="TOTAL")
            return {"items": [view("/demands", load(item)) for item in answer["Items"]],
                    "next_cursor": _cursor(signing_key, "feed::", answer.get("LastEvaluatedKey"))}

        @app.route("/demands/{demand_id}")
        def demand_detail(demand_id: str) -> dict:
            answer = client.get_item(TableName=f"{prefix}demands", Key={"demand_id": {"S": demand_id}},
                                     ConsistentRead=False, ReturnConsumedCapacity="TOTAL")
            if "Item" not in answer:
                raise NotFoundError(demand_id)
            return view("/demands/{demand_id}", load(answer["Item"]))

        @app.route("/claims/{claim_id}/confirm", methods=["POST"])
        def confirm(claim_id: str) -> dict:
            import jwt

            token = app.current_request.headers["authorization"].split(" ", 1)[1]
            caller = jwt.decode(token, signing_key, algorithms=["HS256"], issuer="yce-api")["sub"]
            demand_id, _, applicant_id = claim_id.partition(".")
            claims = client.query(TableName=f"{prefix}claims", KeyConditionExpression="#0 = :0", ConsistentRead=True,
                                  ExpressionAttributeNames={"#0": "demand_id"},
                                  ExpressionAttributeValues={":0": {"S": demand_id}},
                                  ReturnConsumedCapacity="TOTAL")["Items"]
            claim = next((c for c in claims if c["applicant_id"]["S"] == applicant_id), None)
            if claim is None or claim["publisher_id"]["S"] != caller:
                raise NotFoundError(claim_id)
            if claim["status"]["S"] != "pending":
                raise ConflictError(claim_id)
            now = datetime.now(UTC).isoformat()[:26]   # 2026-11-29T05:58:42.063593
            later = (datetime.now(UTC) + timedelta(days=14)).isoformat()[:26]
            client.transact_write_items(**self.confirmation.fill(
                demand_id=demand_id, applicant_id=applicant_id, publisher_id=caller,
                applied_at=claim["applied_at"]["S"], now=now, later=later, day=now[:10].replace("-", ""),
                later_day=later[:10].replace("-", ""), suffix0=secrets.token_hex(4), suffix1=secrets.token_hex(4)))
            stamp = now + "+0000"
            return view("/claims/{claim_id}/confirm",
                        {**load(claim), "status": "confirmed", "confirmed_at": stamp, "updated_at": stamp})

    def plan(self, event: dict, requests: list, answers: dict, body: dict) -> None:
        """What a hand-written handler knows in advance: the JSON keys; the confirmation's items (template)."""
        self.keys[event["resource"]] = list(body["items"][0]) if "items" in body else list(body)
        if event["resource"] == "/claims/{claim_id}/confirm":
            import jwt

            demand_id, _, applicant_id = event["pathParameters"]["claim_id"].partition(".")
            token = event["headers"]["authorization"].split(" ", 1)[1]
            claims = json.loads(answers[("Query", 0)])["Items"]
            claim = next(c for c in claims if c["applicant_id"]["S"] == applicant_id)
            (operation, params), = [r for r in requests if r[0] == "TransactWriteItems"]
            self.confirmation = _Template(params, {
                "applied_at": claim["applied_at"]["S"], "demand_id": demand_id, "applicant_id": applicant_id,
                "publisher_id": jwt.decode(token, options={"verify_signature": False})["sub"]})


_CLOCK = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}")
_DAY = re.compile(r'"(\d{8})"')
_SUFFIX = re.compile(r"(?<=\+00:00#)[0-9a-f]{8}")


class _Template:
    """Recorded request parameters as text with named holes, filled per call and parsed.

    Holes: the given values (ids, the claim's applied_at), then every clock value (`now`, or `later` for the
    rating window's end 14 days on), the days derived from them (`day`, `later_day`) and the event keys'
    random suffixes (`suffix0`, `suffix1`, ...)."""

    def __init__(self, params: dict, values: dict[str, str]) -> None:
        text = json.dumps(params, ensure_ascii=False)
        for name, value in values.items():   # applied_at first: it looks like a clock value
            text = text.replace(value, f"\0{name}\0")
        recorded = min(_CLOCK.findall(text))
        text = _CLOCK.sub(lambda m: "\0now\0" if m.group()[:10] == recorded[:10] else "\0later\0", text)
        today = recorded[:10].replace("-", "")
        text = _DAY.sub(lambda m: '"\0day\0"' if m.group(1) == today else '"\0later_day\0"', text)
        suffixes = iter(range(100))
        text = _SUFFIX.sub(lambda m: f"\0suffix{next(suffixes)}\0", text)
        self.parts = text.split("\0")   # literal, name, literal, name, ..., literal

    def fill(self, **values: str) -> dict:
        parts = self.parts
        return json.loads("".join(part if i % 2 == 0 else values[part] for i, part in enumerate(parts)))


def _cursor(signing_key: bytes, scope: str, last_key: dict | None) -> str | None:
    """The app's signed cursor (services/pagination.py), written out."""
    if not last_key:
        return None
    payload = json.dumps(last_key, separators=(",", ":"), sort_keys=True).encode()
    key = hmac.new(signing_key, b"page-cursor", hashlib.sha256).digest()
    mac = hmac.new(key, scope.encode() + b"\x00" + payload, hashlib.sha256).hexdigest()[:32]
    return base64.urlsafe_b64encode(payload).decode().rstrip("=") + "." + mac


def _jsonable(value: Any) -> Any:
    from decimal import Decimal

    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | set):
        return [_jsonable(v) for v in value]
    return value


# ---------------------------------------------------------------- measuring

def _best_of(app, minimal, event: dict, replay: Replay, iterations: int) -> tuple[float, float]:
    ours, base = [], []
    for _ in range(ROUNDS):
        ours.append(_cpu_per_call(app, event, replay, iterations))
        base.append(_cpu_per_call(minimal, event, replay, iterations))
    return min(ours), min(base)


def _calls(handler, event: dict, replay: Replay, iterations: int) -> None:
    for _ in range(iterations):
        replay.start_call()
        response = handler(event, _Context())
        assert response["statusCode"] == 200, response


def _cpu_per_call(handler, event: dict, replay: Replay, iterations: int) -> float:
    started = time.process_time()
    _calls(handler, event, replay, iterations)
    return (time.process_time() - started) / iterations


def _recording(app, event: dict, clients: list) -> tuple[list, dict, dict]:
    """One call against the moto server: the DynamoDB requests sent, their raw answers, the response body."""
    recorder, replay = Recorder(), Replay({})
    attach(clients, recorder, replay)
    recorder.active = True
    recorder.start_call()
    body = json.loads(app(event, _Context())["body"])
    detach(clients, recorder, replay)
    return recorder.requests, recorder.answers, body


def _raw_client() -> Any:
    """The minimal handler's client, configured as PynamoDB configures the app's: no client-side validation of
    the parameters (botocore's default validates them, about a fifth of the minimal confirmation's CPU)."""
    import boto3
    from botocore.config import Config

    return boto3.client("dynamodb", endpoint_url=os.environ["DYNAMODB_ENDPOINT"],
                        region_name=os.environ["AWS_DEFAULT_REGION"], config=Config(parameter_validation=False))


def _minimal(raw: Any) -> Minimal:
    from chalicelib.secrets import get_secret

    return Minimal(raw, get_secret("token_signing_key"), os.environ["TABLE_PREFIX"])


def run(iterations: int = ITERATIONS, profile: bool = False, instructions: bool = False) -> dict:
    from app import app
    from chalicelib.data.tables import create_all_tables

    create_all_tables()
    world = _world(app)
    did, claim_id = world["did"], world["claim_id"]
    requests = {
        "demand list page (20 items)": api_event("GET", "/demands", "/demands", query={"limit": "20"}),
        "demand detail (anonymous)": api_event("GET", "/demands/{demand_id}", f"/demands/{did}",
                                               params={"demand_id": did}),
        "claim confirmation": api_event("POST", "/claims/{claim_id}/confirm", f"/claims/{claim_id}/confirm",
                                        params={"claim_id": claim_id}, token=world["league"]),
    }
    raw = _raw_client()
    minimal = _minimal(raw)
    clients = app_clients() + [raw]
    recordings, results = {}, {}
    print(f"CPU per request outside DynamoDB (answers replayed at botocore's HTTP layer; best of {ROUNDS} "
          f"rounds of {iterations} calls)")
    for label, event in requests.items():
        recordings[label] = (event, *_recording(app, event, clients))
        _, sent, answers, body = recordings[label]
        minimal.plan(event, sent, answers, body)
        replay = Replay(answers)
        attach(clients, Recorder(), replay)
        replay.active = True
        ours, base = _best_of(app, minimal.app, event, replay, iterations)
        line(label, f"app {ours * 1000:.2f} ms, minimal {base * 1000:.2f} ms, ratio {ours / base:.2f} "
                    f"(target <= 1.5)")
        if profile:
            _profile(app, event, replay)
        replay.active = False
        detach(clients, Recorder(), replay)
        results[label] = {"app_s": ours, "minimal_s": base}
    if instructions:
        print(f"Instructions per call (callgrind, one process: {COUNTED_CALLS} calls minus 0 calls, after warm-up)")
        for label, (ours, base) in _count(recordings).items():
            line(label, f"app {ours / 1e6:.2f} M, minimal {base / 1e6:.2f} M, ratio {ours / base:.2f} "
                        f"(target <= 1.5)")
            results[label].update(app_instructions=ours, minimal_instructions=base)
    return results


# ---------------------------------------------------------------- instructions (callgrind)

COUNTED_CALLS = 10   # per request and handler, in the counted batch
WARM_UP_CALLS = 3    # per request and handler, before any batch: route modules loaded, caches filled


def _count(recordings: dict) -> dict[str, tuple[float, float]]:
    """Instructions per call of the app and of the minimal handler, for each recorded request."""
    with tempfile.TemporaryDirectory() as folder:
        plan = Path(folder) / "recordings.pickle"
        plan.write_bytes(pickle.dumps(recordings))
        code = f"import sys; sys.path.insert(0, {str(Path(__file__).resolve().parent.parent)!r}); " \
               "from bench.cpu import _count_child; _count_child(sys.argv[1])"
        callgrind(code, {**environment(os.environ["DYNAMODB_ENDPOINT"])}, str(plan),
                  options=("--collect-atstart=no", "--toggle-collect=_operator_call", "--dump-after=_operator_call",
                           f"--callgrind-out-file={folder}/callgrind.out"))
        batches = [_dump_total(path) for path in sorted(Path(folder).glob("callgrind.out.*"),
                                                           key=lambda path: int(path.suffix[1:]))]
    per_call = iter((full - empty) / COUNTED_CALLS for empty, full in zip(batches[::2], batches[1::2], strict=True))
    return {label: (next(per_call), next(per_call)) for label in recordings}


def _dump_total(path: Path) -> int:
    return int(re.search(r"^totals: (\d+)", path.read_text(), re.MULTILINE).group(1))


def _count_child(plan_path: str) -> None:
    """Runs under callgrind: every request warmed up, then per request and handler (app, then minimal)
    a batch of 0 calls and one of COUNTED_CALLS, each inside `operator.call` (the counted function)."""
    from app import app

    recordings = pickle.loads(Path(plan_path).read_bytes())
    raw = _raw_client()
    minimal = _minimal(raw)
    replay = Replay({})
    attach(app_clients() + [raw], Recorder(), replay)
    replay.active = True
    for event, sent, answers, body in recordings.values():
        minimal.plan(event, sent, answers, body)
        replay.answers = answers
        for handler in (app, minimal.app):
            _calls(handler, event, replay, WARM_UP_CALLS)
    for event, _, answers, _ in recordings.values():
        replay.answers = answers
        for handler in (app, minimal.app):
            for iterations in (0, COUNTED_CALLS):
                operator.call(_calls, handler, event, replay, iterations)
    sys.stdout.flush()


def _profile(app, event: dict, replay: Replay) -> None:
    profiler = cProfile.Profile()
    profiler.enable()
    _cpu_per_call(app, event, replay, 100)
    profiler.disable()
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats("tottime").print_stats(12)
    stats.sort_stats("cumulative").print_stats(r"chalicelib|app\.py|pynamodb/models", 25)   # where our code spends
    print(out.getvalue())
    ours = sum(row[2] for (file, _, _), row in stats.stats.items()
               if "/chalicelib/" in file or file.endswith("/app.py"))
    line("  … time in our own functions (self, of the app's CPU)", f"{ours / stats.total_tt * 100:.1f}%")

"""CPU per request outside DynamoDB: the app against a minimal Chalice handler, both on canned answers.

Three requests: a 20-item 需求信息 page (anonymous), a demand detail (anonymous), a claim confirmation
(团组织, bearer token). Each is first sent to the moto server once and its DynamoDB answers recorded;
then both the app and the minimal handler are invoked as Lambda would (`app(event, context)`) N times
with those answers replayed at botocore's HTTP layer (bench/stub.py), and the CPU time per request is
compared with `Minimal`: the same DynamoDB requests with raw boto3, the same token check, the same JSON
keys.
"""
from __future__ import annotations

import cProfile
import io
import json
import os
import pstats
import time
from typing import Any

from bench.common import line
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
    from tests.test_volunteer_orgs import PROFILE, registration

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
    """A one-route-per-request Chalice app: the recorded DynamoDB requests sent as they are with raw boto3
    (their parameters come ready-made, so building them costs it nothing), the token verified with PyJWT
    where the route needs one, and the app's JSON keys copied from the answer's last item, unvalidated."""

    def __init__(self, client: Any, signing_key: str) -> None:
        from boto3.dynamodb.types import TypeDeserializer
        from botocore import xform_name
        from chalice import Chalice

        self.app = Chalice(app_name="minimal")
        self.plans: dict[str, tuple[list, list[str], bool]] = {}
        plain = TypeDeserializer()

        def load(item: dict) -> dict:
            return {name: _jsonable(plain.deserialize(value)) for name, value in item.items()}

        def serve(route: str) -> dict:
            import jwt

            requests, keys, authenticated = self.plans[route]
            if authenticated:
                token = self.app.current_request.headers["authorization"].split(" ", 1)[1]
                jwt.decode(token, signing_key, algorithms=["HS256"], issuer="yce-api")
            answer: dict = {}
            read: dict = {}
            for operation, params in requests:
                answer = getattr(client, xform_name(operation))(**params)
                if "Item" in answer or "Items" in answer:
                    read = answer
            if "Items" in answer:
                return {"items": [{k: item.get(k) for k in keys} for item in map(load, answer["Items"])],
                        "next_cursor": None}
            # A read answers its item; a write (no read-back) the item it read, as the app does.
            item = load(read["Item"] if "Item" in read else read["Items"][0])
            return {k: item.get(k) for k in keys}

        self.app.route("/demands")(lambda: serve("/demands"))
        self.app.route("/demands/{demand_id}")(lambda demand_id: serve("/demands/{demand_id}"))
        self.app.route("/claims/{claim_id}/confirm", methods=["POST"])(
            lambda claim_id: serve("/claims/{claim_id}/confirm"))

    def plan(self, route: str, requests: list, body: dict, authenticated: bool) -> None:
        keys = list(body["items"][0]) if "items" in body else list(body)
        self.plans[route] = (requests, keys, authenticated)


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


def _cpu_per_call(handler, event: dict, replay: Replay, iterations: int) -> float:
    started = time.process_time()
    for _ in range(iterations):
        replay.start_call()
        response = handler(event, _Context())
        assert response["statusCode"] == 200, response
    return (time.process_time() - started) / iterations


def run(iterations: int = ITERATIONS, profile: bool = False) -> dict:
    import boto3

    from app import app
    from chalicelib.data.tables import create_all_tables
    from chalicelib.secrets import get_secret

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
    raw = boto3.client("dynamodb", endpoint_url=os.environ["DYNAMODB_ENDPOINT"],
                       region_name=os.environ["AWS_DEFAULT_REGION"])
    minimal = Minimal(raw, get_secret("token_signing_key"))
    results = {}
    print(f"CPU per request outside DynamoDB (answers replayed at botocore's HTTP layer; best of {ROUNDS} "
          f"rounds of {iterations} calls)")
    for label, event in requests.items():
        recorder, replay = Recorder(), Replay({})
        attach(app_clients() + [raw], recorder, replay)
        recorder.active = True
        recorder.start_call()
        body = json.loads(app(event, _Context())["body"])
        recorder.active = False
        replay.answers = recorder.answers
        minimal.plan(event["resource"], recorder.requests, body, authenticated="authorization" in event["headers"])
        replay.active = True
        ours, base = _best_of(app, minimal.app, event, replay, iterations)
        line(label, f"app {ours * 1000:.2f} ms, minimal {base * 1000:.2f} ms, ratio {ours / base:.2f} "
                    f"(target <= 1.5)")
        if profile:
            _profile(app, event, replay)
        replay.active = False
        detach(app_clients() + [raw], recorder, replay)
        results[label] = (ours, base)
    return results


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

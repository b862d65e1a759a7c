"""No input makes the API answer 5xx: every route, every caller kind, junk bodies, queries and ids."""
import itertools
import json
import random

import pytest

from app import app as chalice_app
from tests.builders import league_org_session, operator_token, register_individual

JUNK_VALUES = [None, True, -1, 0, 10**20, 1.5e308, "", " ", "x" * 5000, "中" * 300, "\u0000", "<script>",
               [], [None], {}, {"a": {"b": []}}, "2099-13-45", "../../etc", "1e999", "NaN"]
JUNK_BODIES = [b"", b"null", b"[]", b"\"text\"", b"{", b"\xff\xfe", json.dumps({"a": 1}).encode()]
JUNK_IDS = ["x", "0" * 32, "../admin", "%00", "a" * 129, "中文"]


def _routes():
    for path, methods in sorted(chalice_app.routes.items()):
        for method, entry in sorted(methods.items()):
            yield method, path, entry


def _fill(path: str, value: str) -> str:
    out = path
    for name in ("demand_id", "account_id", "request_id", "claim_id", "activity_id"):
        out = out.replace("{" + name + "}", value)
    return out


def _field_names(entry) -> list[str]:
    fn = entry.view_function
    names = set()
    for model in (getattr(fn, "body_model", None), getattr(fn, "query_model", None)):
        if model is not None:
            names.update(model.model_fields)
    return sorted(names) or ["phone", "title", "limit", "cursor", "status", "q", "city"]


@pytest.fixture
def callers(api, outbox):
    org = league_org_session(api, "gd_junk")
    return {"anonymous": None, "individual": register_individual(api, outbox)["access_token"],
            "league_org": org["access_token"], "operator": operator_token(api, "op_junk")}


def test_junk_never_causes_a_server_error(api, outbox, callers):
    rng = random.Random(20261128)
    failures = []
    for (method, path, entry), (who, token) in itertools.product(list(_routes()), callers.items()):
        for _ in range(4):
            url = _fill(path, rng.choice(JUNK_IDS))
            fields = _field_names(entry)
            body = {name: rng.choice(JUNK_VALUES) for name in rng.sample(fields, k=min(len(fields), 3))}
            query = "&".join(f"{name}={rng.choice(['', '-1', '51', 'x' * 300, '%ff', 'open'])}"
                             for name in rng.sample(fields, k=min(len(fields), 2)))
            raw = json.dumps(body).encode() if rng.random() < 0.7 else rng.choice(JUNK_BODIES)
            response = api.call(method, f"{url}?{query}" if method == "GET" else url, token=token, raw=raw)
            if response.status_code >= 500:
                failures.append((method, url, who, response.status_code, response.body[:200]))
    assert failures == []

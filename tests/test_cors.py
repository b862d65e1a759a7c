"""CORS per stage (chalicelib/api/cors.py): preflights answered for every path without a table, the one allowed
origin echoed, any other origin left without Access-Control-Allow-Origin, none at all where no origin is allowed."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from chalicelib.api.route_index import ROUTES
from chalicelib.config import ConfigError, Settings, _from_environ, get_settings
from tests.builders import register_individual

VITE = "http://localhost:5173"
ALLOWED = f"{VITE},http://127.0.0.1:5173"
OTHER = "http://evil.example:5173"


@pytest.fixture
def allowed(monkeypatch):
    monkeypatch.setenv("CORS_ALLOWED_ORIGINS", ALLOWED)
    get_settings.cache_clear()
    yield
    monkeypatch.undo()
    get_settings.cache_clear()


def preflight(api, path: str, origin: str, method: str = "GET"):
    return api.call("OPTIONS", path, headers={"Origin": origin, "Access-Control-Request-Method": method,
                                              "Access-Control-Request-Headers": "authorization,content-type"})


def listed(header: str) -> set[str]:
    return {part.strip() for part in header.split(",")}


def test_a_preflight_from_an_allowed_origin_is_answered_for_every_path_without_touching_a_table(
        api, allowed, dynamodb_calls):
    methods: dict[str, set[str]] = {}
    for route in ROUTES:
        methods.setdefault(route.path, set()).add(route.method)
    calls = dynamodb_calls()
    for path, path_methods in methods.items():
        concrete = path.replace("{", "").replace("}", "")   # any value stands for a path parameter
        response = preflight(api, concrete, "http://127.0.0.1:5173", min(path_methods))
        assert response.status_code == 204 and response.body == b"", path
        headers = response.headers
        assert headers["Access-Control-Allow-Origin"] == "http://127.0.0.1:5173", path
        assert path_methods <= listed(headers["Access-Control-Allow-Methods"]), path
        assert {"Authorization", "Content-Type", "Idempotency-Key"} <= listed(headers["Access-Control-Allow-Headers"])
        assert int(headers["Access-Control-Max-Age"]) > 0 and headers["Vary"] == "Origin"
        assert "Access-Control-Allow-Credentials" not in headers   # bearer tokens, never cookies
    assert calls == []


def test_a_preflight_from_another_origin_gets_no_allow_origin(api, allowed):
    response = preflight(api, "/auth/login", OTHER, "POST")
    assert response.status_code == 204
    assert response.headers["Vary"] == "Origin" and listed(response.headers["Allow"]) == {"POST", "OPTIONS"}
    assert not [name for name in response.headers if name.lower().startswith("access-control-")]


def test_answers_to_an_allowed_origin_echo_it_and_expose_retry_after_errors_included(api, outbox, allowed):
    person = register_individual(api, outbox)
    for path, token, status in (("/me", person["access_token"], 200), ("/me", None, 401), ("/reference", None, 200)):
        response = api.call("GET", path, token=token, headers={"Origin": VITE})
        assert response.status_code == status
        assert response.headers["Access-Control-Allow-Origin"] == VITE       # one origin, never "*"
        assert "Retry-After" in listed(response.headers["Access-Control-Expose-Headers"])
        assert response.headers["Vary"] == "Origin"
        assert "Access-Control-Allow-Credentials" not in response.headers


def test_answers_to_another_origin_or_to_no_origin_carry_no_allow_origin(api, allowed):
    for headers in ({"Origin": OTHER}, {"Origin": "null"}, {"Origin": VITE + "/"}, {}):
        response = api.call("GET", "/reference", headers=headers)
        assert response.status_code == 200 and response.headers["Vary"] == "Origin"
        assert "Access-Control-Allow-Origin" not in response.headers, headers


def test_a_stage_that_allows_no_origin_answers_without_cors_headers(api):
    assert get_settings().cors_allowed_origins == ()
    for response in (api.call("GET", "/reference", headers={"Origin": VITE}), preflight(api, "/reference", VITE)):
        assert not [name for name in response.headers
                    if name.lower().startswith("access-control-") or name.lower() == "vary"]
    assert preflight(api, "/reference", VITE).status_code == 204   # an OPTIONS still says what the path allows


@pytest.mark.parametrize("origins", ["*", "http://example.org", "https://example.org/", "https://example.org/h5",
                                     "HTTPS://EXAMPLE.ORG", "null", "https://*.example.org", "example.org"])
def test_an_origin_that_is_not_an_exact_secure_origin_is_refused_at_start(monkeypatch, origins):
    monkeypatch.setattr("os.environ", {"TABLE_PREFIX": "yce-x-", "AWS_DEFAULT_REGION": "cn-north-1",
                                       "TOKEN_SIGNING_KEY": "t" * 32, "SMS_CODE_KEY": "k" * 32,
                                       "CORS_ALLOWED_ORIGINS": f"https://h5.example.org,{origins}"})
    get_settings.cache_clear()
    try:
        with pytest.raises(ConfigError, match="CORS|cors_allowed_origins"):
            get_settings()
    finally:
        monkeypatch.undo()
        get_settings.cache_clear()


def test_exact_origins_are_accepted_and_an_empty_value_allows_none():
    base = {"TABLE_PREFIX": "yce-x-", "AWS_DEFAULT_REGION": "cn-north-1", "TOKEN_SIGNING_KEY": "t" * 32,
            "SMS_CODE_KEY": "k" * 32}
    listed_origins = f" {ALLOWED}, https://h5.example.org:8443"
    settings = Settings.model_validate(_from_environ({**base, "CORS_ALLOWED_ORIGINS": listed_origins}))
    assert settings.cors_allowed_origins == (VITE, "http://127.0.0.1:5173", "https://h5.example.org:8443")
    assert Settings.model_validate(_from_environ({**base, "CORS_ALLOWED_ORIGINS": ""})).cors_allowed_origins == ()


_PREFLIGHT_IN_A_FRESH_PROCESS = r"""
import json, sys
sys.path.insert(0, "scripts")
from api_gateway import use_deployed_gateway
use_deployed_gateway()
from chalice.test import Client
import app
with Client(app.app, stage_name="test") as client:
    answer = client.http.request("OPTIONS", "/demands/x", headers={
        "Origin": "http://localhost:5173", "Access-Control-Request-Method": "GET"})
loaded = sorted(m for m in sys.modules if m.startswith("chalicelib.api.") and m.endswith("_routes"))
print(json.dumps([answer.status_code, answer.headers.get("Access-Control-Allow-Origin"), loaded]))
"""


def test_a_preflight_loads_no_route_module():
    # A fresh interpreter: this one has imported every route module long ago.
    root = Path(__file__).resolve().parent.parent
    done = subprocess.run([sys.executable, "-c", _PREFLIGHT_IN_A_FRESH_PROCESS], cwd=root, capture_output=True,
                          text=True, check=True,
                          env={**os.environ, "PYTHONPATH": str(root), "CORS_ALLOWED_ORIGINS": ALLOWED})
    assert json.loads(done.stdout.strip().splitlines()[-1]) == [204, VITE, []]

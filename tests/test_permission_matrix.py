"""The permission matrix: every route × every kind of caller, against objects owned by the "A" accounts.

Each row gives, for the callers (anonymous; individual A and B; 团组织 A and B; volunteer organization A
and B; operator), the status the call must get. `x` marks a call the caller is allowed to make that
changes its own state: its behaviour is tested where the route lives, not here. Every other cell is
executed; after each refused call (4xx) the stored items must be exactly as before, and no response
body may carry personal data the caller may not see. A route without a row fails the test.

A volunteer organization that is not approved yet cannot obtain a token at all (403
ORG_PENDING_APPROVAL at login, tested in test_volunteer_orgs.py), so it has no column.

The world, the rows and the calls live in tests/permission_matrix.py (tests/test_observability.py runs them too).
"""
from __future__ import annotations

import json
from datetime import timedelta

import boto3
import pytest

from app import app as chalice_app
from chalicelib.data.tables import ALL_MODELS
from tests.clock import T0
from tests.permission_matrix import ALIASES, CALLERS, MATRIX, bodies, build_world, call, executed_cells


@pytest.fixture
def world(api, outbox, now):
    return build_world(api, outbox, now)


def _snapshot() -> dict[str, list]:
    client = boto3.client("dynamodb")
    state = {}
    for model in ALL_MODELS:
        if model.Meta.table_name.endswith("rate_counters"):
            continue   # throttling counters are allowed to count refused attempts
        items = client.scan(TableName=model.Meta.table_name, ConsistentRead=True)["Items"]
        state[model.Meta.table_name] = sorted(json.dumps(i, sort_keys=True, default=repr) for i in items)
    return state


def _route_keys() -> set[str]:
    return {f"{method} {path}" for path, methods in chalice_app.routes.items() for method in methods}


def _leaks(body, caller: str, secrets: dict[str, set[str]]) -> list[str]:
    text = json.dumps(body, ensure_ascii=False)
    return [value for value, allowed in secrets.items() if caller not in allowed and value in text]


def test_every_route_has_a_row():
    rows = {ALIASES.get(k, k) for k in MATRIX}
    assert _route_keys() - rows == set(), "add the new route to MATRIX"
    assert rows - _route_keys() == set(), "MATRIX names a route the app does not have"
    assert all(len(row.split()) == len(CALLERS) for row in MATRIX.values())


def test_the_permission_matrix(world, now):
    now.at = T0 + timedelta(minutes=1)
    # leader mobile, contact mobile, pupil name, school, own mobile, identity number, name on a certificate
    assert len(world["secrets"]) == 7
    mismatches, changed, leaks = [], [], []
    for key, row in MATRIX.items():
        cells = executed_cells(row)
        refused = [(c, e) for c, e in cells if not e.startswith("2")]
        # The refusals first, against one snapshot of every table (one per route keeps the suite fast);
        # then the allowed reads (a read may write an audit entry: the leader-mobile read log).
        before = _snapshot() if refused else None
        for caller, expected in refused + [(c, e) for c, e in cells if e.startswith("2")]:
            response = call(world, key, caller)
            if str(response.status_code) != expected:
                mismatches.append(f"{key} as {caller}: {response.status_code} (expected {expected}) "
                                  f"{(response.json or {}).get('error', {}).get('code') if response.json else ''}")
            leaks += [f"{key} as {caller}: {value}" for value in _leaks(response.json, caller, world["secrets"])]
            if before is not None and (caller, expected) == refused[-1] and _snapshot() != before:
                changed.append(f"{key} as {', '.join(c for c, _ in refused)}")
    assert mismatches == [] and changed == [] and leaks == [], (mismatches, changed, leaks)


SERVER_OWNED = {"status": "confirmed", "owner_id": "0" * 32, "org_id": "0" * 32, "points": 999, "version": 7,
                "role": "operator", "created_at": "2026-01-01T00:00:00Z", "account_id": "0" * 32}


def test_bodies_carrying_server_owned_fields_are_refused_and_change_nothing(world, now):
    now.at = T0 + timedelta(minutes=1)
    valid = bodies(world)
    accepted = []
    for path, methods in chalice_app.routes.items():
        for method, entry in methods.items():
            declaration = getattr(entry.view_function, "declaration", None)
            if getattr(declaration, "body", None) is None:
                continue
            key = f"{method} {path}"
            row = MATRIX[next(k for k in MATRIX if ALIASES.get(k, k) == key)].split()
            caller = next((c for c, cell in zip(CALLERS, row, strict=True) if cell == "x" or cell.startswith("2")),
                          "anon")
            base = valid.get(key, {})
            before = _snapshot()
            for name, value in SERVER_OWNED.items():
                if name in declaration.body.model_fields:
                    continue   # a real input of this route (e.g. the 团组织 a help request is addressed to)
                response = _send(world, method, path, {**base, name: value}, caller)
                paths = [f["path"] for f in (response.json or {}).get("error", {}).get("fields", [])]
                if response.status_code != 400 or name not in paths:
                    accepted.append(f"{key} as {caller} with {name}: {response.status_code} {paths}")
            if _snapshot() != before:
                accepted.append(f"{key} as {caller}: stored items changed")
    assert accepted == []


def _send(world, method, template, body, caller):
    path = template
    for name, value in world["params"].items():
        path = path.replace("{" + name + "}", value)
    return world["api"].call(method, path, body, token=world["tokens"][caller])

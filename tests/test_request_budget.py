"""The DynamoDB requests of every route, against the ceiling of its kind of call.

One tour drives every route and variant through the Chalice test client against moto, with enough data
that list pages are full (21 published demands, a page of 20), and records each call's DynamoDB requests
with the botocore meter (tests/dynamodb_meter.py), which also refuses any Scan. Each route's kind comes
from its declaration (scripts/budget_tables.py: a write is a transition, a read answering `items` a list,
one answering only numbers a 我的 counter, any other a detail) and its ceiling from the kind: a list ≤ 2
requests (a parent's GetItem + 1 Query), a detail ≤ 2, a 我的 counter 1, a transition ≤ 1 write + ≤ 1
read. Only the routes in PAST_CEILING may exceed theirs, and those must spend exactly what is listed.
The tables of docs/performance.md ("Request budget") are these measurements: YCE_WRITE_BUDGET=1 (or
`make generate`) rewrites them, and this test fails when they are stale.
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from app import app as chalice_app
from tests.conftest import METER
from tests.route_tour import Tour

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))
import budget_tables  # noqa: E402
import generated_files  # noqa: E402

_SENDS_TO_A_NUMBER_ON_FILE = ("reads the account to find the number on file, then, after sending, the stage "
                              "budget's counters for its alarm")
_CERTIFIED_SERVICE = ("the service to certify is the volunteer's attendance records in the period, then their "
                      "activities (which organization, consent) with the organization's account")
_CODE_UNDER_A_NUMBER_ON_FILE = "the code is stored under the number on file, known only once the account is read"

# Routes allowed past their kind's ceiling: the requests they must spend exactly, and why.
PAST_CEILING: dict[str, tuple[tuple[str, ...], str]] = {
    "GET /demands/recommended": (
        ("GetItem accounts", "Query demands.public_feed", "Query demands.public_city_feed"),
        "a volunteer organization's current profile ranks the list, over two bounded windows (the whole feed's "
        "newest and the caller's city's): one window cannot serve both"),
    "POST /auth/login": (
        ("BatchGetItem rate_counters+unique_keys", "TransactWriteItems", "GetItem accounts", "TransactWriteItems"),
        "the throttle's slots are taken before the password hash is checked (concurrent guesses never pass the "
        "limits) and given back in the session's write; the account's id comes from the login key"),
    "POST /auth/password/reset": (
        ("BatchGetItem sms_codes+unique_keys", "GetItem accounts", "TransactWriteItems"),
        "the account's id comes from the phone's key, read with the code"),
    "POST /auth/password/reset organization": (
        ("GetItem unique_keys", "GetItem accounts", "GetItem sms_codes", "TransactWriteItems"),
        "the login's key names the account; " + _CODE_UNDER_A_NUMBER_ON_FILE),
    "PUT /auth/password activation": (
        ("GetItem accounts", "GetItem sms_codes", "TransactWriteItems"),
        "团组织 activation: " + _CODE_UNDER_A_NUMBER_ON_FILE + " (the leader mobile)"),
    "POST /auth/activation/sms-code": (
        ("GetItem accounts", "TransactWriteItems", "BatchGetItem rate_counters"), _SENDS_TO_A_NUMBER_ON_FILE),
    "POST /auth/password/reset/sms-code": (
        ("GetItem unique_keys", "GetItem accounts", "TransactWriteItems", "BatchGetItem rate_counters"),
        "the login's key names the account; " + _SENDS_TO_A_NUMBER_ON_FILE),
    "POST /admin/accounts/{account_id}/password-reset": (
        ("GetItem accounts", "TransactWriteItems", "BatchGetItem rate_counters"), _SENDS_TO_A_NUMBER_ON_FILE),
    "POST /auth/wechat/login unbound": (
        ("TransactWriteItems", "GetItem unique_keys", "PutItem sessions"),
        "the state is spent (with the client's slot) before the code reaches WeChat, so a replayed callback costs "
        "no call; the openid, known only then, names no account: a bind ticket is stored"),
    "POST /auth/wechat/login bound": (
        ("TransactWriteItems", "GetItem unique_keys", "GetItem accounts", "TransactWriteItems"),
        "the state is spent before the code reaches WeChat; the openid's key then names the account, whose "
        "status decides the answer; the session's write"),
    "POST /auth/wechat/bind": (
        ("BatchGetItem sessions+sms_codes+unique_keys", "GetItem accounts", "TransactWriteItems"),
        "the account's id comes from the phone's key, read with the ticket and the code"),
    "POST /certificate-requests": (
        ("Query attendance", "BatchGetItem accounts+activities", "TransactWriteItems"),
        _CERTIFIED_SERVICE + " (refused when there is none)"),
    "POST /certificate-requests/{certificate_request_id}/issue": (
        ("GetItem certificate_requests", "Query attendance", "BatchGetItem accounts+activities", "TransactWriteItems"),
        "the request names the volunteer and period; " + _CERTIFIED_SERVICE + ", frozen into the certificate"),
    "POST /admin/league-orgs/import": (
        ("BatchGetItem unique_keys", "TransactWriteItems", "TransactWriteItems"),
        "a bulk action: one read of the rows' login keys, one transaction per organization (2 in the tour)"),
}


@pytest.fixture
def measured(api, bucket, outbox, now, wechat) -> dict[str, tuple[str, ...]]:
    tour = Tour(api, now)
    tour.run(outbox, wechat)
    return tour.seen


# ---------------------------------------------------------------- the checks

def _app_routes() -> set[str]:
    return {f"{method} {path}" for path, methods in chalice_app.routes.items() for method in methods}


def _route_of(key: str) -> str:
    method, path, *_ = key.split(" ")
    return f"{method} {path}"


def _kind(key: str) -> str | None:
    """None for a route served without DynamoDB (health, reference, the API document)."""
    method, path, *_ = key.split(" ")
    return budget_tables.kind(method, chalice_app.routes[path][method].view_function.declaration.response)


def test_every_route_stays_within_its_ceiling(measured):
    assert {_route_of(key) for key in measured} == _app_routes(), (
        f"routes the tour does not call: {sorted(_app_routes() - {_route_of(key) for key in measured})}")
    kinds = {key: _kind(key) for key, calls in measured.items() if calls}
    over_ceiling = {key for key in kinds if not budget_tables.within(kinds[key], measured[key])}
    wanted = budget_tables.tables({key: measured[key] for key in kinds}, kinds,
                                  {key: why for key, (_, why) in PAST_CEILING.items()})
    files = {budget_tables.DOCUMENT: generated_files.with_section(budget_tables.DOCUMENT, budget_tables.SECTION,
                                                                 wanted)}
    argv = [] if os.environ.get("YCE_WRITE_BUDGET") == "1" else ["--check"]
    assert generated_files.run("request budget", "budget_tables.py", lambda: files, argv) == 0

    over = sorted(over_ceiling - set(PAST_CEILING))
    assert not over, "past their kind's ceiling:\n" + "\n".join(f"{key} ({kinds[key]}): {list(measured[key])}"
                                                              for key in over)
    wrong = {key: calls for key, (calls, _) in PAST_CEILING.items() if measured.get(key) != calls}
    assert not wrong, "\n".join(f"{key}: measured {list(measured.get(key, ()))}, allowed {list(calls)}"
                                for key, calls in wrong.items())
    within = sorted(set(PAST_CEILING) - over_ceiling)
    assert not within, f"back within their ceiling (remove them from PAST_CEILING): {within}"


def test_the_meter_sees_a_scan_and_refuses_it(aws):
    from chalicelib.data.demands import Demand

    with METER.record(forbid_scan=False) as calls:
        list(Demand.scan(limit=1))
    assert [call.label for call in calls] == ["Scan demands"]
    with METER.record(forbid_scan=True), pytest.raises(AssertionError, match="scanned"):
        list(Demand.scan(limit=1))

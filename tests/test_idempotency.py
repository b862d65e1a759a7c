"""Safe retries on a bad mobile network (issue 15 item 7): a POST sent again with the same `Idempotency-Key`
by the same caller within 24 h is answered the first answer and writes nothing."""
from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from chalice import Response
from pynamodb.exceptions import CancellationReason, TransactWriteError

from chalicelib.api import idempotency
from chalicelib.api.routing import Call
from chalicelib.api.views import claim_out
from chalicelib.data import base, idempotency_keys
from chalicelib.data.claims import Claim
from chalicelib.data.idempotency_keys import IdempotencyRecord
from chalicelib.errors import AppError
from chalicelib.services import claims
from tests.builders import (
    AT_SITE,
    START,
    activity_body,
    claimed_demand,
    cloud_form,
    confirmed_claim,
    demand_body,
    individual,
    next_phone,
    open_demand,
    org_block,
    org_session,
    publish_demand,
    published,
    register_individual,
    signed_up,
    volunteer,
    volunteer_item,
    with_code,
)
from tests.conftest import METER

WRITES = ("TransactWriteItems", "PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem")


def keyed(key: str) -> dict:
    return {"Idempotency-Key": key}


def new_key() -> str:
    return str(uuid.uuid4())


def written(calls) -> list[str]:
    return [call.label for call in calls if call.label.split(" ")[0] in WRITES]


def my_requests(api, person) -> list[dict]:
    return api.get("/me/help-requests", token=person["access_token"]).json["items"]


@pytest.fixture
def league(api):
    return org_session(api)


@pytest.fixture
def person(api, outbox):
    return register_individual(api, outbox)


def help_request(api, outbox, person, league, **form) -> dict:
    return with_code(api, outbox, person["access_token"], {**cloud_form(**form), "org_id": league["account_id"]})


# ---------------------------------------------------------------- one help request, sent again

def test_a_resent_help_request_with_the_same_key_creates_one_request_and_answers_the_first_body(
        api, outbox, person, league):
    body, key = help_request(api, outbox, person, league), new_key()
    first = api.post("/help-requests", body, token=person["access_token"], headers=keyed(key))
    assert first.status_code == 201, first.json
    with METER.record() as calls:
        again = api.post("/help-requests", body, token=person["access_token"], headers=keyed(key))
    assert (again.status_code, again.json) == (201, first.json)
    assert [call.label for call in calls] == ["GetItem idempotency_keys"]
    assert [r["request_id"] for r in my_requests(api, person)] == [first.json["request_id"]]


def test_the_same_key_with_another_body_is_refused_and_writes_nothing(api, outbox, person, league):
    key = new_key()
    first = api.post("/help-requests", help_request(api, outbox, person, league), token=person["access_token"],
                     headers=keyed(key))
    assert first.status_code == 201
    other = help_request(api, outbox, person, league, title="【乡村云支教】我需要补习数学")
    with METER.record() as calls:
        refused = api.post("/help-requests", other, token=person["access_token"], headers=keyed(key))
    assert refused.status_code == 422 and refused.json["error"]["code"] == "IDEMPOTENCY_KEY_REUSED"
    assert written(calls) == []
    assert len(my_requests(api, person)) == 1


def test_another_callers_same_key_is_independent(api, outbox, person, league):
    someone_else, key = register_individual(api, outbox), new_key()
    mine = api.post("/help-requests", help_request(api, outbox, person, league), token=person["access_token"],
                    headers=keyed(key))
    theirs = api.post("/help-requests", help_request(api, outbox, someone_else, league),
                      token=someone_else["access_token"], headers=keyed(key))
    assert (mine.status_code, theirs.status_code) == (201, 201)
    assert mine.json["request_id"] != theirs.json["request_id"]
    assert [r["request_id"] for r in my_requests(api, someone_else)] == [theirs.json["request_id"]]


def test_a_key_is_forgotten_after_24_hours(api, outbox, person, league, now):
    key = new_key()
    first = api.post("/help-requests", help_request(api, outbox, person, league), token=person["access_token"],
                     headers=keyed(key))
    assert first.status_code == 201
    now.at += idempotency_keys.KEPT_FOR + timedelta(seconds=1)
    later = api.post("/help-requests", help_request(api, outbox, person, league, title="【乡村云支教】一天以后"),
                     token=person["access_token"], headers=keyed(key))
    assert later.status_code == 201 and later.json["request_id"] != first.json["request_id"]
    assert len(my_requests(api, person)) == 2


def test_the_record_expires_by_ttl_24_hours_after_the_first_request(api, outbox, person, league, now):
    key = new_key()
    api.post("/help-requests", help_request(api, outbox, person, league), token=person["access_token"],
             headers=keyed(key))
    record = IdempotencyRecord.get(f"{person['account_id']}#submit_help_request#{key}")
    assert record.expires_at == now.at + timedelta(hours=24)


@pytest.mark.parametrize("key", ["short", "x" * 65, "has spaces in it", "semi;colon;key", "", "quoted\"key\"1"])
def test_a_malformed_key_is_refused_naming_the_header_and_writes_nothing(api, outbox, person, league, key):
    body = help_request(api, outbox, person, league)
    with METER.record() as calls:
        refused = api.post("/help-requests", body, token=person["access_token"], headers=keyed(key))
    assert refused.status_code == 400
    assert refused.json["error"]["code"] == "IDEMPOTENCY_KEY_INVALID"
    assert [f["path"] for f in refused.json["error"]["fields"]] == ["Idempotency-Key"]
    assert written(calls) == []


def test_a_refused_request_is_not_remembered_and_its_retry_is_judged_again(api, outbox, now):
    did, org, _ = claimed_demand(api, outbox, org_session(api)["access_token"])
    aid = published(api, org, did)["activity_id"]
    volunteer_person, key = signed_up(api, outbox, aid), new_key()
    early = api.post(f"/activities/{aid}/check-ins", AT_SITE, token=volunteer_person["token"], headers=keyed(key))
    assert early.status_code == 409 and early.json["error"]["code"] == "OUTSIDE_ATTENDANCE_TIME"
    now.at = START
    on_time = api.post(f"/activities/{aid}/check-ins", AT_SITE, token=volunteer_person["token"], headers=keyed(key))
    assert on_time.status_code == 201, on_time.json


def test_a_repeat_before_the_first_answer_is_saved_is_409_in_progress_then_answer_lost(
        api, outbox, person, league, now, monkeypatch):
    body, key = help_request(api, outbox, person, league), new_key()
    monkeypatch.setattr(idempotency_keys, "save_answer", lambda *args: False)   # the first answer never saved
    first = api.post("/help-requests", body, token=person["access_token"], headers=keyed(key))
    assert first.status_code == 201   # the write is done; its caller still gets the answer in hand
    waiting = api.post("/help-requests", body, token=person["access_token"], headers=keyed(key))
    assert waiting.status_code == 409 and waiting.json["error"]["code"] == "IDEMPOTENCY_KEY_IN_PROGRESS"
    assert waiting.headers["Retry-After"] == "1"
    now.at += idempotency.ANSWER_LEASE
    lost = api.post("/help-requests", body, token=person["access_token"], headers=keyed(key))
    assert lost.status_code == 409 and lost.json["error"]["code"] == "IDEMPOTENCY_ANSWER_LOST"
    assert len(my_requests(api, person)) == 1


def test_without_the_header_a_resent_help_request_is_a_second_request(api, outbox, person, league):
    body = help_request(api, outbox, person, league)
    assert api.post("/help-requests", body, token=person["access_token"]).status_code == 201
    again = api.post("/help-requests", body, token=person["access_token"])
    assert again.status_code == 400 and again.json["error"]["code"] == "SMS_CODE_EXPIRED"   # the code was spent


# ---------------------------------------------------------------- racing twins (moto's HTTP server)

def test_racing_requests_with_one_key_write_once_and_the_others_get_the_first_answer_or_409(dynamodb_server):
    caller = volunteer_item(0)
    did = open_demand("publisher-org")
    call = Call(caller=caller, source_ip="198.51.100.1", user_agent="test")
    inputs = {"demand_id": did, "message": None}

    def apply(keyed_call: Call) -> Response:
        claim = claims.apply(keyed_call.caller, did, None, idempotency=keyed_call.idempotency)
        return Response(body=claim_out(claim).model_dump(mode="json"), status_code=201)

    def attempt(_):
        try:
            response = idempotency.once(call, "race-key-0001", "apply_for_demand", inputs, apply)
            return response.status_code, response.body
        except AppError as exc:
            return exc.status, exc.code.name

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(attempt, range(8)))
    created = [body for status, body in results if status == 201]
    assert created and all(body == created[0] for body in created)
    assert {body for status, body in results if status != 201} <= {"IDEMPOTENCY_KEY_IN_PROGRESS"}
    assert [c.applicant_id for c in Claim.query(did)] == [caller.account_id]


class _TwinInFlight(TransactWriteError):
    def __init__(self, items: int) -> None:
        super().__init__("cancelled")
        self.items = items

    @property
    def cancellation_reasons(self) -> list[CancellationReason]:
        return [CancellationReason(code="TransactionConflict")] * self.items


class _TwinHoldsTheItems:
    """PynamoDB's TransactWrite as DynamoDB answers it while another transaction on the same items is in flight."""

    def __init__(self, connection) -> None:
        self.items = 0

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        raise _TwinInFlight(self.items)

    def __getattr__(self, kind: str):
        def add(*args, **kwargs) -> None:
            self.items += 1
        return add


def test_a_twin_cancelled_while_the_first_transaction_is_in_flight_is_409_in_progress(
        api, outbox, now, monkeypatch):
    did, org, _ = claimed_demand(api, outbox, org_session(api)["access_token"])
    aid = published(api, org, did)["activity_id"]
    person = individual(api, outbox)
    monkeypatch.setattr(base, "TransactWrite", _TwinHoldsTheItems)
    unkeyed = api.post(f"/activities/{aid}/signups", token=person["token"])
    assert unkeyed.status_code == 409 and unkeyed.json["error"]["code"] == "STATE_CONFLICT"   # as without keys
    twin = api.post(f"/activities/{aid}/signups", token=person["token"], headers=keyed(new_key()))
    assert twin.status_code == 409 and twin.json["error"]["code"] == "IDEMPOTENCY_KEY_IN_PROGRESS"
    assert twin.headers["Retry-After"] == "1"


# ---------------------------------------------------------------- every route that takes a key

def _retried(api, path: str, body, token: str, status: int) -> None:
    """Sent twice with one key: the first costs the record's read and the answer's write around the route's
    own requests (its record rides in the route's one transaction); the second is the first answer, from one
    read and no write (docs/performance.md, "Idempotency-Key")."""
    key = new_key()
    with METER.record() as calls:
        first = api.post(path, body, token=token, headers=keyed(key))
    assert first.status_code == status, first.json
    labels = [call.label for call in calls]
    assert labels[0] == "GetItem idempotency_keys" and labels[-1] == "UpdateItem idempotency_keys", labels
    assert written(calls) == ["TransactWriteItems", "UpdateItem idempotency_keys"], labels
    with METER.record() as calls:
        again = api.post(path, body, token=token, headers=keyed(key))
    assert (again.status_code, again.json) == (status, first.json)
    assert [call.label for call in calls] == ["GetItem idempotency_keys"]


def test_a_resent_application_is_one_claim(api, outbox):
    did = publish_demand(api, outbox, org_session(api)["access_token"])["demand_id"]
    org = volunteer(api, outbox)
    _retried(api, f"/demands/{did}/claims", {"message": "我们有经验"}, org["token"], 201)
    assert len(api.get("/me/claims", token=org["token"]).json["items"]) == 1


def test_a_resent_sign_up_and_check_in_and_check_out_are_done_once(api, outbox, now):
    did, org, _ = claimed_demand(api, outbox, org_session(api)["access_token"])
    aid = published(api, org, did)["activity_id"]
    person = individual(api, outbox)
    _retried(api, f"/activities/{aid}/signups", None, person["token"], 201)
    now.at = START
    _retried(api, f"/activities/{aid}/check-ins", AT_SITE, person["token"], 201)
    now.at = START + timedelta(hours=1)
    _retried(api, f"/activities/{aid}/check-outs", AT_SITE, person["token"], 200)
    records = api.get("/me/service-records", token=person["token"]).json
    assert len(records["items"]) == 1 and records["total_hours"] == 1


def test_a_resent_rating_is_given_once(api, outbox):
    league = org_session(api)
    _, claim = confirmed_claim(api, outbox, league["access_token"])
    _retried(api, f"/claims/{claim['claim_id']}/ratings", {"score": 5, "comment": "很好"}, league["access_token"], 201)


def test_a_resent_new_demand_is_one_draft_and_a_resent_publish_publishes_once(api, outbox):
    token = org_session(api)["access_token"]
    _retried(api, "/demands", demand_body(), token, 201)
    drafts = api.get("/me/demands?status=draft", token=token).json["items"]
    assert len(drafts) == 1
    leader = next_phone()
    assert api.post("/sms/codes", {"phone": leader, "purpose": "leader_mobile"}, token=token).status_code == 202
    block = org_block(leader, outbox.last_code(leader))
    _retried(api, f"/demands/{drafts[0]['demand_id']}/publish", {"org": block}, token, 200)


def test_a_resent_activity_is_published_once(api, outbox):
    did, org, _ = claimed_demand(api, outbox, org_session(api)["access_token"])
    _retried(api, f"/demands/{did}/activities", activity_body(), org["token"], 201)
    assert len(api.get(f"/demands/{did}/activities").json["items"]) == 1


def test_a_resent_report_of_a_demand_or_an_activity_is_filed_once(api, outbox):
    did, org, _ = claimed_demand(api, outbox, org_session(api)["access_token"])
    aid = published(api, org, did)["activity_id"]
    person = individual(api, outbox)
    _retried(api, f"/demands/{did}/reports", {"reason": "advertising"}, person["token"], 201)
    _retried(api, f"/activities/{aid}/reports", {"reason": "advertising"}, person["token"], 201)
    assert len(api.get("/me/reports", token=person["token"]).json["items"]) == 2


def test_one_key_on_two_routes_is_two_keys(api, outbox, now):
    did, org, _ = claimed_demand(api, outbox, org_session(api)["access_token"])
    aid = published(api, org, did)["activity_id"]
    person, key = individual(api, outbox), new_key()
    signed = api.post(f"/activities/{aid}/signups", token=person["token"], headers=keyed(key))
    report = api.post(f"/activities/{aid}/reports", {"reason": "advertising"}, token=person["token"],
                      headers=keyed(key))
    assert (signed.status_code, report.status_code) == (201, 201)


def test_the_contract_documents_the_header_on_exactly_the_routes_that_take_it(api):
    document = api.get("/openapi.json").json
    taking = {(method.upper(), path) for path, item in document["paths"].items() for method, op in item.items()
              if any(p["in"] == "header" and p["name"] == "Idempotency-Key" for p in op.get("parameters", []))}
    assert taking == {
        ("POST", "/help-requests"), ("POST", "/demands/{demand_id}/claims"),
        ("POST", "/activities/{activity_id}/signups"), ("POST", "/activities/{activity_id}/check-ins"),
        ("POST", "/activities/{activity_id}/check-outs"), ("POST", "/claims/{claim_id}/ratings"),
        ("POST", "/demands"), ("POST", "/demands/{demand_id}/publish"), ("POST", "/demands/{demand_id}/activities"),
        ("POST", "/demands/{demand_id}/reports"), ("POST", "/activities/{activity_id}/reports"),
        ("POST", "/certificate-requests"),
    }

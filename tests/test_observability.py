"""Logs and metrics through Powertools: the keys on a request's lines, no personal data in any line, the EMF
business metrics (chalicelib/observability.py)."""
from __future__ import annotations

import json
import logging
import re
from datetime import timedelta

import pytest
from botocore.stub import Stubber

from app import app as chalice_app
from chalicelib import observability
from chalicelib.services import sms_sender
from tests.builders import (
    PASSWORD,
    PROFILE,
    activity_body,
    cloud_form,
    demand_body,
    org_block,
    publish_demand,
    register_individual,
)
from tests.clock import T0
from tests.permission_matrix import MATRIX, build_world, call, executed_cells
from tests.streams import invoke, stream_records


def _lines(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines() if line.startswith("{")]


def _proxy_event(token: str | None, request_id: str) -> dict:
    """API Gateway's proxy event for GET /me, as Lambda hands it to the function."""
    headers = {"accept": "application/json", **({"authorization": f"Bearer {token}"} if token else {})}
    return {"resource": "/me", "path": "/me", "httpMethod": "GET", "headers": headers,
            "multiValueHeaders": {name: [value] for name, value in headers.items()},
            "queryStringParameters": None, "multiValueQueryStringParameters": None, "pathParameters": None,
            "stageVariables": None, "body": None, "isBase64Encoded": False,
            "requestContext": {"resourcePath": "/me", "httpMethod": "GET", "stage": "api", "requestId": request_id,
                               "identity": {"sourceIp": "198.51.100.7"}}}


class _Context:
    function_name = "yce-api-test"
    aws_request_id = "lambda-request"
    memory_limit_in_mb = 1024

    def get_remaining_time_in_millis(self) -> int:
        return 20000


def test_a_requests_log_lines_carry_its_request_id_route_account_and_role_and_the_next_request_none(
        api, outbox, capsys, monkeypatch):
    person = register_individual(api, outbox)
    from chalicelib.services import accounts

    def failing(*_args, **_kwargs):
        logging.getLogger("chalicelib.services.accounts").warning("reading the account")
        raise RuntimeError("a bug")

    monkeypatch.setattr(accounts, "get_account", failing)
    capsys.readouterr()
    signed_in = chalice_app(_proxy_event(person["access_token"], "req-signed-in"), _Context())
    anonymous = chalice_app(_proxy_event(None, "req-anonymous"), _Context())
    assert (signed_in["statusCode"], anonymous["statusCode"]) == (500, 401)

    lines = _lines(capsys.readouterr().out)
    first = [line for line in lines if line.get("correlation_id") == "req-signed-in"]
    assert first and any(line["message"] == "reading the account" for line in first), lines
    for line in first:
        assert (line["route"], line["account_id"], line["role"], line["service"]) == (
            "GET /me", person["account_id"], "individual", "yce-api-test"), line
        assert line["level"] in {"WARNING", "ERROR"}
    # The warm container's next request: its own id, and nothing left of the signed-in caller.
    assert all(line.get("correlation_id") in {"req-signed-in", None} for line in lines)
    after = observability.logger().get_current_keys()
    assert not set(observability.INVOCATION_KEYS) & set(after), after


_BROKEN_RECORD = {"eventID": "broken-1", "eventName": "INSERT", "eventSourceARN":
                  "arn:aws-cn:dynamodb:cn-north-1:123456789012:table/yce-test-ratings/stream/test",
                  "dynamodb": {"SequenceNumber": "1", "Keys": {"demand_id": {"S": "d"}},
                               "NewImage": {"x": {"N": "1"}}}}


def test_a_stream_records_lines_carry_its_event_id_and_table_and_a_jobs_its_name(api, capsys):
    capsys.readouterr()
    invoke(api, "ratings_stream", [_BROKEN_RECORD])
    api.client.lambda_.invoke("reveal_ratings", api.client.events.generate_cw_event(
        source="aws.events", detail_type="Scheduled Event", detail={}, resources=[]))
    lines = _lines(capsys.readouterr().out)
    parked = [line for line in lines if "parking record" in line["message"]]
    assert parked and all((line["event_id"], line["table"]) == ("broken-1", "yce-test-ratings") for line in parked)
    (job,) = [line for line in lines if "rating windows closed" in line["message"]]
    assert job["job"] == "reveal_ratings" and "event_id" not in job
    assert not set(observability.INVOCATION_KEYS) & set(observability.logger().get_current_keys())


def _personal_values(world: dict, outbox) -> set[str]:
    """Every phone number, name, address, ID-like value and SMS code the builders and the bodies used."""
    phones = {to for to, _ in outbox.messages} | {"13912345678", "13912345679", "18826480174"}
    codes = {match for _, text in outbox.messages for match in re.findall(r"\d{6}", text)}
    form, activity, block = cloud_form(), activity_body(), org_block("13900000000", None)
    texts = {form["student_name"], form["school"], form["address"], form["contact_name"], "张三",
             block["leader_name"], block["landline"], activity["contact_name"], activity["address"],
             PROFILE["leader_name"], PROFILE["landline"], "王五", "51440300MJL0000", "粤民备2020001",
             PASSWORD, "Another1!", demand_body()["content"]}
    assert world["ind_a"]["phone"] in phones and len(codes) > 5
    return phones | codes | texts


def _found(values: set[str], text: str) -> list[str]:
    # Digits as a whole (a code inside a longer id is not a code); any other value anywhere.
    return sorted(value for value in values
                  if (re.search(rf"(?<![0-9A-Za-z]){re.escape(value)}(?![0-9A-Za-z])", text) if value.isdigit()
                      else value in text))


def test_no_phone_name_address_id_or_code_reaches_the_logs_of_the_permission_matrix_and_the_streams(
        api, outbox, now, capsys, caplog):
    for name in observability.LOGGED:
        logging.getLogger(name).setLevel(logging.DEBUG)   # every line, the debug ones too
    try:
        world = build_world(api, outbox, now)
        now.at = T0 + timedelta(minutes=1)
        for key, row in MATRIX.items():
            for caller, _expected in executed_cells(row):
                call(world, key, caller)
        from chalicelib.events.consumers import STREAM_CONSUMERS
        for consumer in STREAM_CONSUMERS:   # the stream handlers read the written images (pupils' data)
            invoke(api, consumer.function_name, stream_records(consumer.model))
        publish_demand(api, outbox, world["lgA"]["access_token"])   # more codes, after the streams' texts
    finally:
        observability.configure_logging()
    captured = capsys.readouterr()
    # JSON lines escape no character here, but a value must not hide behind \\u escapes either.
    text = "\n".join([json.dumps(line, ensure_ascii=False) for line in _lines(captured.out)]
                     + [captured.out, captured.err, caplog.text])
    assert len(text) > 1000, "the run logged next to nothing: is the capture wired?"
    found = _found(_personal_values(world, outbox), text)
    assert found == [], [line for line in text.splitlines() if any(value in line for value in found)][:5]


@pytest.fixture
def emf(monkeypatch, capsys):
    """The EMF lines of namespace YCE printed from now on (metrics are off in the other tests; the SMS stage
    budget's line, namespace yce-api, is tested in tests/test_sms_budgets.py)."""
    monkeypatch.setenv("POWERTOOLS_METRICS_DISABLED", "false")
    observability.flush_metrics()
    capsys.readouterr()
    return lambda: [line for line in _lines(capsys.readouterr().out)
                    if "_aws" in line and line["_aws"]["CloudWatchMetrics"][0]["Namespace"] == "YCE"]


def _metric(line: dict) -> tuple[str, list[list[str]], dict[str, list[float]]]:
    (directive,) = line["_aws"]["CloudWatchMetrics"]
    names = [metric["Name"] for metric in directive["Metrics"]]
    assert all(metric["Unit"] == "Count" for metric in directive["Metrics"])
    return directive["Namespace"], sorted(map(sorted, directive["Dimensions"])), {name: line[name] for name in names}


def test_a_business_success_is_one_emf_metric_with_the_service_dimension_flushed_with_its_request(
        api, outbox, emf):
    from tests.builders import league_org_session
    token = league_org_session(api, "lg_metrics", "团M")["access_token"]
    assert [line for line in emf() if "SmsSent" not in line] == []   # signing up is no business metric
    publish_demand(api, outbox, token)
    (line,) = [line for line in emf() if "DemandsPublished" in line]
    assert _metric(line) == ("YCE", [["service"]], {"DemandsPublished": [1.0]})
    assert line["service"] == "yce-api-test"


def test_an_idempotent_replay_counts_no_second_rating(api, outbox, now, emf):
    from tests.builders import claimed_demand, league_org_session
    token = league_org_session(api, "lg_rates", "团R")["access_token"]
    _did, _org, claim = claimed_demand(api, outbox, token)
    assert [_metric(line)[2] for line in emf()][-1] == {"ClaimsConfirmed": [1.0]}
    headers = {"Idempotency-Key": "rating-once-0001"}
    for _ in range(2):
        answer = api.call("POST", f"/claims/{claim['claim_id']}/ratings", {"score": 5}, token=token, headers=headers)
        assert answer.status_code == 201, answer.json
    assert [_metric(line)[2] for line in emf()] == [{"RatingsSubmitted": [1.0]}]


def test_a_parked_stream_record_is_counted_once_even_when_delivered_again(api, outbox, emf):
    for _ in range(2):
        assert invoke(api, "ratings_stream", [_BROKEN_RECORD]) == {"batchItemFailures": []}
    lines = emf()
    assert [_metric(line) for line in lines] == [("YCE", [["service"]], {"StreamRecordsParked": [1.0]})]


def test_sms_sent_and_failed_carry_the_provider_dimension(emf):
    sender = sms_sender.SnsSender("ap-southeast-1", "青年云支教")
    message = sms_sender.SmsMessage(sms_sender.SmsTemplate.REGISTER_CODE, ("123456", "5"))
    with Stubber(sender._sns()) as stub:
        sms_sender.use_sender(sender)
        try:
            stub.add_response("publish", {"MessageId": "m-1"})
            stub.add_client_error("publish", "Throttling")
            sms_sender.send("13800000000", message)
            with pytest.raises(Exception, match="Throttling"):
                sms_sender.send("13800000000", message)
        finally:
            sms_sender.use_sender(None)
    lines = emf()
    assert [_metric(line) for line in lines] == [("YCE", [["provider", "service"]], {"SmsSent": [1.0]}),
                                                 ("YCE", [["provider", "service"]], {"SmsFailed": [1.0]})]
    assert {(line["service"], line["provider"]) for line in lines} == {("yce-api-test", "sns")}

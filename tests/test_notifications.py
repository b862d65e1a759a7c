"""Notifications (消息): produced from the streams (records read back from moto), the inbox, the unread
counter, per-type opt-out, texts sent once, and an operator's view of what could not be applied."""
from __future__ import annotations

import copy
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest

from chalicelib import clock
from chalicelib.data.demands import DemandEvent
from chalicelib.data.notifications import Notification, NotificationSettings
from chalicelib.events import demand_events_stream
from chalicelib.events.parking import parked
from chalicelib.reference import NotificationType
from chalicelib.services import notifications, ratings, sms_sender
from chalicelib.services.notifications import Draft
from tests import streams
from tests.builders import (
    applied,
    confirmed_claim,
    inbox,
    league_org_session,
    operator_token,
    org_session,
    publish_demand,
    pump,
    rated,
    register_individual,
    submitted,
    volunteer,
)


def types_of(api, token) -> list[str]:
    return [n["type"] for n in inbox(api, token)]


def unread(api, token) -> int:
    return api.get("/me/notifications/unread-count", token=token).json["unread"]


def texts_to(outbox, phone) -> list[str]:
    return [text for to, text in outbox.messages if to == phone and "验证码" not in text]


# ---------------------------------------------------------------- producers

def test_the_submitter_hears_of_adoption_once_with_one_text_even_when_the_stream_repeats(api, outbox):
    org = org_session(api)
    person = register_individual(api, outbox)
    request = submitted(api, outbox, person, org["account_id"])
    assert api.post(f"/help-requests/{request['request_id']}/adopt", token=org["access_token"]).status_code == 200
    pump(api)
    pump(api)   # the same batches again: nothing new
    [note] = inbox(api, person["access_token"])
    assert note["type"] == "help_request_adopted" and note["read"] is False
    assert note["link_kind"] == "help_request" and note["link_id"] == request["request_id"]
    assert "采用" in note["body"] and "赵小二" not in note["body"]           # no pupil data in a notification
    assert unread(api, person["access_token"]) == 1
    assert len(texts_to(outbox, person["phone"])) == 1


def test_a_declined_request_tells_the_reason_without_a_text(api, outbox):
    org = org_session(api)
    person = register_individual(api, outbox)
    request = submitted(api, outbox, person, org["account_id"])
    declined = api.post(f"/help-requests/{request['request_id']}/decline", {"reason": "不在本团组织服务范围"},
                        token=org["access_token"])
    assert declined.status_code == 200
    pump(api)
    [note] = inbox(api, person["access_token"])
    assert note["type"] == "help_request_declined" and "不在本团组织服务范围" in note["body"]
    assert texts_to(outbox, person["phone"]) == []


def test_claims_notify_the_other_side_at_each_step(api, outbox):
    publisher = league_org_session(api)
    demand = publish_demand(api, outbox, publisher["access_token"])
    chosen, other = volunteer(api, outbox), volunteer(api, outbox)
    claim = applied(api, chosen, demand["demand_id"])
    applied(api, other, demand["demand_id"])
    assert api.post(f"/claims/{claim['claim_id']}/confirm", token=publisher["access_token"]).status_code == 200
    pump(api)
    assert sorted(types_of(api, publisher["access_token"])) == ["claim_applied", "claim_applied"]
    assert types_of(api, chosen["token"]) == ["claim_confirmed"]
    assert types_of(api, other["token"]) == ["claim_returned"]
    assert len(texts_to(outbox, chosen["phone"])) == 1 and len(texts_to(outbox, other["phone"])) == 1

    withdrawn = api.post(f"/claims/{claim['claim_id']}/withdraw", {"reason": "人手不足"}, token=chosen["token"])
    assert withdrawn.status_code == 200
    pump(api)
    newest = inbox(api, publisher["access_token"])[0]
    assert newest["type"] == "claim_withdrawn" and "人手不足" in newest["body"]
    assert newest["link_id"] == claim["claim_id"]


def test_ratings_notify_only_once_revealed_with_the_points(api, outbox):
    publisher = league_org_session(api)
    org, claim = confirmed_claim(api, outbox, publisher["access_token"])
    rated(api, publisher["access_token"], claim["claim_id"], 5)
    pump(api)
    assert [t for t in types_of(api, org["token"]) if t != "claim_confirmed"] == []    # blind: nothing yet
    rated(api, org["token"], claim["claim_id"], 4)
    pump(api)
    mine = inbox(api, org["token"])
    assert {n["type"] for n in mine} == {"claim_confirmed", "rating_received", "points_awarded"}
    points_note = next(n for n in mine if n["type"] == "points_awarded")
    assert "12积分" in points_note["body"]
    theirs = {n["type"] for n in inbox(api, publisher["access_token"])}
    assert {"rating_received", "points_awarded"} <= theirs


def test_a_rating_window_closed_by_the_hourly_job_reveals_and_notifies(api, outbox):
    publisher = league_org_session(api)
    org, claim = confirmed_claim(api, outbox, publisher["access_token"])
    rated(api, publisher["access_token"], claim["claim_id"], 3)
    assert ratings.reveal_due(clock.now() + timedelta(days=13)) == 0       # the window is still open
    assert ratings.reveal_due(clock.now() + timedelta(days=14, minutes=1)) == 1
    assert ratings.reveal_due(clock.now() + timedelta(days=14, minutes=2)) == 0   # idempotent
    pump(api)
    assert "rating_received" in types_of(api, org["token"])
    assert api.get("/me/points", token=org["token"]).json["balance"] == 6


def test_a_report_outcome_reaches_the_reporter_and_an_upheld_one_the_publisher(api, outbox):
    publisher = league_org_session(api)
    did = publish_demand(api, outbox, publisher["access_token"])["demand_id"]
    reporter = register_individual(api, outbox)
    assert api.post(f"/demands/{did}/reports", {"reason": "privacy_leak"},
                    token=reporter["access_token"]).status_code == 201
    operator = operator_token(api)
    assert api.post(f"/admin/demands/{did}/reports/uphold", {"note": "泄露隐私"}, token=operator).status_code == 200
    pump(api)
    assert types_of(api, reporter["access_token"]) == ["report_outcome"]
    assert "已下架" in inbox(api, reporter["access_token"])[0]["body"]
    assert "report_outcome" in types_of(api, publisher["access_token"])


# ---------------------------------------------------------------- the inbox

def _drafts(account_id: str, count: int) -> list[Draft]:
    start = clock.now()
    return [Draft(account_id=account_id, type=NotificationType.CLAIM_APPLIED, at=start + timedelta(seconds=i),
                  source=f"test/{i}", body=f"第{i}条") for i in range(count)]


def test_the_inbox_lists_newest_first_unread_first_and_settles_reads(api, outbox):
    person = register_individual(api, outbox)
    token = person["access_token"]
    for draft in _drafts(person["account_id"], 5):
        assert notifications.deliver(draft) is True
    bodies = [n["body"] for n in inbox(api, token)]
    assert bodies == ["第4条", "第3条", "第2条", "第1条", "第0条"]
    assert unread(api, token) == 5

    third = inbox(api, token)[2]["notification_id"]
    read = api.post(f"/me/notifications/{third}/read", token=token)
    assert read.status_code == 200 and read.json["read"] is True
    assert api.post(f"/me/notifications/{third}/read", token=token).json["read_at"] == read.json["read_at"]
    assert unread(api, token) == 4

    assert [n["body"] for n in inbox(api, token, "?unread_only=true")] == ["第4条", "第3条", "第1条", "第0条"]
    first = api.get("/me/notifications?unread_first=true&limit=3", token=token).json
    assert [n["body"] for n in first["items"]] == ["第4条", "第3条", "第1条"]
    second = api.get(f"/me/notifications?unread_first=true&limit=3&cursor={first['next_cursor']}", token=token).json
    assert [n["body"] for n in second["items"]] == ["第0条"]
    third_page = api.get(f"/me/notifications?unread_first=true&limit=3&cursor={second['next_cursor']}",
                         token=token).json
    assert [n["body"] for n in third_page["items"]] == ["第2条"] and third_page["next_cursor"] is None

    marked = api.post("/me/notifications/read-all", token=token).json
    assert marked == {"marked": 4, "more_unread": False}
    assert unread(api, token) == 0 and inbox(api, token, "?unread_only=true") == []
    assert api.post("/me/notifications/read-all", token=token).json == {"marked": 0, "more_unread": False}


def test_mark_all_read_settles_in_batches_and_says_when_some_remain(api, outbox, monkeypatch, dynamodb_calls):
    monkeypatch.setattr(notifications, "MARK_ALL_BATCH", 2)
    monkeypatch.setattr(notifications, "MARK_ALL_ROUNDS", 2)
    person = register_individual(api, outbox)
    token = person["access_token"]
    for draft in _drafts(person["account_id"], 5):
        notifications.deliver(draft)
    calls = dynamodb_calls()
    assert api.post("/me/notifications/read-all", token=token).json == {"marked": 4, "more_unread": True}
    # each round reads one more than it settles: that extra item is what says some remain
    assert [c.operation for c in calls] == ["Query", "TransactWriteItems"] * 2
    assert unread(api, token) == 1
    calls.clear()
    assert api.post("/me/notifications/read-all", token=token).json == {"marked": 1, "more_unread": False}
    assert [c.operation for c in calls] == ["Query", "TransactWriteItems"]
    assert unread(api, token) == 0 and inbox(api, token, "?unread_only=true") == []


def test_an_account_cannot_read_or_settle_another_accounts_notification(api, outbox):
    owner, other = register_individual(api, outbox), register_individual(api, outbox)
    notifications.deliver(_drafts(owner["account_id"], 1)[0])
    note_id = inbox(api, owner["access_token"])[0]["notification_id"]
    assert api.post(f"/me/notifications/{note_id}/read", token=other["access_token"]).status_code == 404
    assert inbox(api, other["access_token"]) == [] and unread(api, owner["access_token"]) == 1
    assert api.get("/me/notifications").status_code == 401
    assert api.get("/me/notifications?limit=51", token=owner["access_token"]).status_code == 400
    assert api.get("/me/notifications?cursor=forged.abc", token=owner["access_token"]).status_code == 400


def test_the_same_event_delivered_concurrently_lands_once(dynamodb_server):
    draft = _drafts("a" * 32, 1)[0]
    with ThreadPoolExecutor(max_workers=6) as pool:
        created = list(pool.map(notifications.deliver, [draft] * 6))
    assert created.count(True) == 1
    assert len(list(Notification.query("a" * 32))) == 1
    assert int(NotificationSettings.get("a" * 32).unread) == 1


# ---------------------------------------------------------------- settings

def test_muted_types_are_not_produced_and_sms_can_be_switched_off(api, outbox):
    publisher = league_org_session(api)
    token = publisher["access_token"]
    settings = api.get("/me/notification-settings", token=token).json
    assert settings["sms_enabled"] is True
    assert {t["type"] for t in settings["types"]} == {t.value for t in NotificationType}
    saved = api.put("/me/notification-settings", {"muted": ["claim_applied"], "sms_enabled": False}, token=token)
    assert saved.status_code == 200 and saved.json["sms_enabled"] is False
    assert [t["type"] for t in saved.json["types"] if t["muted"]] == ["claim_applied"]
    demand = publish_demand(api, outbox, token)
    org = volunteer(api, outbox)
    claim = applied(api, org, demand["demand_id"])
    assert api.post(f"/claims/{claim['claim_id']}/confirm", token=token).status_code == 200
    org_off = api.put("/me/notification-settings", {"sms_enabled": False}, token=org["token"])
    assert org_off.status_code == 200
    pump(api)
    assert inbox(api, token) == []                                   # muted: never produced
    assert types_of(api, org["token"]) == ["claim_confirmed"]       # in the inbox, but no text
    assert texts_to(outbox, org["phone"]) == []


@pytest.mark.parametrize("body", [{"muted": ["no_such_type"]}, {"muted": "claim_applied"},
                                  {"sms_enabled": "maybe"}, {"unread": 0}, {"muted": [], "account_id": "x"},
                                  {"sms_enabled": 0}, {"sms_enabled": "false"}])  # lax bools found by schemathesis
def test_bad_settings_are_refused_and_change_nothing(api, outbox, body):
    person = register_individual(api, outbox)
    refused = api.put("/me/notification-settings", body, token=person["access_token"])
    assert refused.status_code == 400 and refused.json["error"]["fields"]
    with pytest.raises(NotificationSettings.DoesNotExist):
        NotificationSettings.get(person["account_id"])


# ---------------------------------------------------------------- texts and failures

class _FailingSender:
    """A provider that fails every send with `error`, counting the attempts."""

    def __init__(self, error: Exception):
        self.error, self.calls = error, 0

    def send(self, phone, message):
        self.calls += 1
        raise self.error


def _timeline_with(api, outbox, sender) -> tuple[dict, list, list]:
    """A confirmed claim's organization, the demand timeline's records, and the stream handler's answers to
    them delivered twice while `sender` is the provider."""
    publisher = league_org_session(api)
    org, _ = confirmed_claim(api, outbox, publisher["access_token"])
    records = streams.stream_records(DemandEvent)
    sms_sender.use_sender(sender)
    try:
        return org, records, [streams.invoke(api, "demand_events_stream", records) for _ in range(2)]
    finally:
        sms_sender.use_sender(outbox)


def test_a_failed_text_is_retried_and_then_sent_once(api, outbox):
    failing = _FailingSender(ConnectionError("SNS unreachable"))
    org, records, [first, _] = _timeline_with(api, outbox, failing)
    assert failing.calls == 2 and len(first["batchItemFailures"]) == 1   # Lambda retries from that record
    assert parked(demand_events_stream.SOURCE) == []
    assert streams.invoke(api, "demand_events_stream", records) == {"batchItemFailures": []}
    assert streams.invoke(api, "demand_events_stream", records) == {"batchItemFailures": []}
    assert len(texts_to(outbox, org["phone"])) == 1
    assert types_of(api, org["token"]) == ["claim_confirmed"]


def test_a_number_the_provider_rejects_keeps_its_notification_and_is_not_texted_again(api, outbox):
    rejecting = _FailingSender(sms_sender.SmsPhoneRejected("tencent FailedOperation.PhoneNumberInBlacklist"))
    org, _, answers = _timeline_with(api, outbox, rejecting)
    assert answers == [{"batchItemFailures": []}] * 2
    assert rejecting.calls == 1 and texts_to(outbox, org["phone"]) == []
    [note] = Notification.query(org["account_id"])
    assert note.type == "claim_confirmed" and note.sms == "rejected"


def test_a_poison_timeline_record_is_parked_for_operators_and_the_rest_applied(api, outbox):
    publisher = league_org_session(api)
    demand = publish_demand(api, outbox, publisher["access_token"])
    org = volunteer(api, outbox)
    applied(api, org, demand["demand_id"])
    records = streams.stream_records(DemandEvent)
    poison = copy.deepcopy(records[-1])
    poison["eventID"] = "poison-1"
    poison["dynamodb"]["NewImage"]["at"] = {"S": "not a time"}
    batch = [poison, *records]
    assert streams.invoke(api, "demand_events_stream", batch) == {"batchItemFailures": []}
    assert types_of(api, publisher["access_token"]) == ["claim_applied"]

    operator = operator_token(api)
    listed = api.get(f"/admin/parked-events?source={demand_events_stream.SOURCE}", token=operator)
    assert listed.status_code == 200
    [item] = listed.json["items"]
    assert item["event_id"] == "poison-1" and item["reason"] == "unparseable" and "record" not in item
    assert "not a time" in parked(demand_events_stream.SOURCE)[0].record   # kept server-side, for a replay
    assert api.get(f"/admin/parked-events?source={demand_events_stream.SOURCE}",
                   token=publisher["access_token"]).status_code == 403
    assert api.get("/admin/parked-events?source=Bad Source", token=operator).status_code == 400


def test_every_consumed_stream_has_its_handler_registered():
    from app import app as chalice_app
    from chalicelib.events.consumers import STREAM_CONSUMERS

    registered = {s.name: s for s in chalice_app.event_sources if hasattr(s, "stream_arn")}
    assert set(registered) == {c.function_name for c in STREAM_CONSUMERS}
    for consumer in STREAM_CONSUMERS:
        assert consumer.model.Meta.stream_view_type
        assert registered[consumer.function_name].stream_arn.endswith(f"yce-test-{consumer.logical_table}/stream/test")
        assert registered[consumer.function_name].starting_position == "TRIM_HORIZON"

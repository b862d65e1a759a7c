"""Parked stream records (issue 21): operators see a parked record's source, keys, error, time and attempt
count, never its images (a help request's hold a pupil's name, school and address and a family's phone),
and replay or discard it by its key without anyone reading it."""
from __future__ import annotations

import copy
import json
import sys
from pathlib import Path

import pytest

from chalicelib.data.help_requests import HelpRequest
from chalicelib.events import help_requests_stream, parking
from chalicelib.events.parking import ParkedEvent, parked
from chalicelib.services import notifications
from tests import streams
from tests.builders import cloud_form, operator_token, org_session, register_individual, submitted

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))
import manage  # noqa: E402

SOURCE = help_requests_stream.SOURCE
PERSONAL = cloud_form(student_name="钱小雨", school="东坑镇第二小学", address="东莞市东坑镇彩虹街8号")


def _decided_record(api, outbox) -> tuple[dict, dict, dict]:
    """A help request adopted by its 团组织: its stream record (the MODIFY), the submitter, the request."""
    org, person = org_session(api), register_individual(api, outbox)
    request = submitted(api, outbox, person, org["account_id"], PERSONAL)
    assert api.post(f"/help-requests/{request['request_id']}/adopt", token=org["access_token"]).status_code == 200
    [record] = [r for r in streams.stream_records(HelpRequest) if r["eventName"] == "MODIFY"]
    return record, person, request


def _park(api, monkeypatch, record: dict) -> None:
    """The handler fails on `record` (its delivery raises): the record is parked, the batch goes on."""
    def failing(draft):
        raise RuntimeError("notification store unavailable")
    with monkeypatch.context() as patch:
        patch.setattr(notifications, "deliver", failing)
        assert streams.invoke(api, "help_requests_stream", [record]) == {"batchItemFailures": []}


def test_the_parked_events_answer_for_a_help_request_record_holds_none_of_its_personal_values(api, outbox,
                                                                                             monkeypatch):
    record, _, request = _decided_record(api, outbox)
    _park(api, monkeypatch, record)
    poison = copy.deepcopy(record)
    poison["eventID"] = "poison-1"
    poison["dynamodb"]["NewImage"]["updated_at"] = {"S": "not a time"}
    assert streams.invoke(api, "help_requests_stream", [poison]) == {"batchItemFailures": []}

    answer = api.get(f"/admin/parked-events?source={SOURCE}", token=operator_token(api))
    assert answer.status_code == 200
    text = json.dumps(answer.json, ensure_ascii=False)
    values = (PERSONAL["student_name"], PERSONAL["school"], PERSONAL["address"], PERSONAL["contact_name"],
              request["contact_phone_full"])
    assert [value for value in values if value in text] == []
    assert [sorted(item) for item in answer.json["items"]] == [
        ["attempts", "error", "event_id", "keys", "parked_at", "reason", "sequence_number", "source"]] * 2
    assert {(item["reason"], item["attempts"]) for item in answer.json["items"]} == {("failed", 1), ("unparseable", 1)}
    assert request["request_id"] in answer.json["items"][0]["keys"]
    stored = {item.event_id: item for item in parked(SOURCE)}
    assert PERSONAL["student_name"] in stored[record["eventID"]].record   # kept server-side, for a replay


def test_a_parked_record_is_replayed_or_discarded_by_its_key_and_printed_nowhere(api, outbox, monkeypatch, capsys):
    record, person, _ = _decided_record(api, outbox)
    _park(api, monkeypatch, record)
    key = ["--source", SOURCE, "--event-id", record["eventID"]]

    with monkeypatch.context() as patch:   # still failing: the record stays, one more attempt counted
        patch.setattr(notifications, "deliver", lambda draft: (_ for _ in ()).throw(RuntimeError("still down")))
        with pytest.raises(SystemExit, match="failed again"):
            manage.main(["replay-parked", *key])
    assert int(ParkedEvent.get(SOURCE, record["eventID"]).attempts) == 2
    assert "RuntimeError: still down" == ParkedEvent.get(SOURCE, record["eventID"]).error

    assert manage.main(["replay-parked", *key]) == 0
    assert parked(SOURCE) == []
    inbox = api.get("/me/notifications", token=person["access_token"]).json["items"]
    assert [n["type"] for n in inbox] == ["help_request_adopted"]
    with pytest.raises(SystemExit, match="no parked record"):   # gone: nothing left to replay
        manage.main(["replay-parked", *key])
    out = capsys.readouterr()
    assert PERSONAL["student_name"] not in out.out + out.err and PERSONAL["address"] not in out.out + out.err

    _park(api, monkeypatch, {**record, "eventID": "second"})
    assert manage.main(["discard-parked", "--source", SOURCE, "--event-id", "second"]) == 0
    assert parked(SOURCE) == []
    with pytest.raises(parking.NotParked):
        parking.discard(SOURCE, "second")

"""Account names are not enumerable through POST /volunteer-orgs (issue 19, finding 5): a taken name answers
the same whoever holds it and spends the SMS code, and an address's registration attempts are limited."""
from __future__ import annotations

from chalice.local import LambdaEventConverter

from chalicelib.services import volunteer_orgs
from tests.builders import make_league_org, make_operator, register_org, registration


def test_a_taken_account_name_spends_the_sms_code_so_one_code_cannot_probe_many_names(api, outbox):
    make_league_org("gd_probe_tw")
    body = registration(api, outbox, account_name="gd_probe_tw")
    taken = api.post("/volunteer-orgs", body)
    assert taken.status_code == 409 and taken.json["error"]["code"] == "ACCOUNT_NAME_TAKEN"
    assert taken.json["error"]["fields"][0]["path"] == "account_name"
    probe = api.post("/volunteer-orgs", {**body, "account_name": "some_other_name"})
    assert probe.status_code == 400 and probe.json["error"]["code"] == "SMS_CODE_EXPIRED"


def test_a_taken_account_name_answers_the_same_whichever_kind_of_account_holds_it(api, outbox):
    make_operator("ops_zhang")
    make_league_org("gd_sz_ft")
    held, created = register_org(api, outbox)
    assert created.status_code == 201
    answers = [register_org(api, outbox, account_name=name)[1]
               for name in ("ops_zhang", "gd_sz_ft", held["account_name"])]
    assert {a.status_code for a in answers} == {409}
    assert answers[0].json == answers[1].json == answers[2].json
    assert "团" not in answers[0].json["error"]["message"] and "运营" not in answers[0].json["error"]["message"]


def test_registration_attempts_from_one_address_are_limited(api, outbox, monkeypatch):
    make_league_org("gd_probe_tw")
    monkeypatch.setattr(LambdaEventConverter, "LOCAL_SOURCE_IP", "203.0.113.50")
    for _ in range(volunteer_orgs.MAX_REGISTRATIONS_PER_CLIENT):
        assert register_org(api, outbox, account_name="gd_probe_tw")[1].status_code == 409
    refused = register_org(api, outbox, account_name="gd_probe_tw")[1]
    assert refused.status_code == 429 and refused.json["error"]["code"] == "REGISTRATION_THROTTLED"
    assert 0 < int(refused.headers["Retry-After"]) <= volunteer_orgs.REGISTRATION_WINDOW_SECONDS
    assert register_org(api, outbox)[1].status_code == 429      # a free name too: nothing learnt either way
    monkeypatch.setattr(LambdaEventConverter, "LOCAL_SOURCE_IP", "198.51.100.60")
    assert register_org(api, outbox)[1].status_code == 201

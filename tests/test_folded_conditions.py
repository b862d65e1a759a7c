"""Preconditions folded into the write's conditions (issue 8): a failed one still answers its own error
code, and the transaction it was part of writes nothing."""
from __future__ import annotations

from chalicelib.data.activities import Activity, Signup
from chalicelib.data.claims import Claim, ClaimQuota
from chalicelib.data.demands import Demand, DemandEvent
from chalicelib.services import claims
from tests.helpers import demand_body, league_org_session, publish_demand
from tests.test_activities import START, claimed_demand, person, published
from tests.test_claims import applied, code, volunteer


def _claimed_events(demand_id: str) -> int:
    return sum(1 for e in DemandEvent.query(demand_id) if e.action == "claimed")


def _after_the_claims_read(monkeypatch, race) -> None:
    """Run `race` once, right after confirm's one read (the demand's claims) and before its write."""
    real = Claim.query

    def read_then_race(*args, **kwargs):
        monkeypatch.setattr(Claim, "query", real)
        rows = list(real(*args, **kwargs))
        race()
        return rows

    monkeypatch.setattr(claims.Claim, "query", read_then_race)


def test_a_confirmation_beaten_by_another_says_already_claimed_and_writes_nothing(api, outbox, monkeypatch):
    token = league_org_session(api)["access_token"]
    did = publish_demand(api, outbox, token)["demand_id"]
    first, second = volunteer(api, outbox), volunteer(api, outbox)
    loser, winner = applied(api, first, did), applied(api, second, did)
    _after_the_claims_read(monkeypatch, lambda: api.post(f"/claims/{winner['claim_id']}/confirm", token=token))
    refused = api.post(f"/claims/{loser['claim_id']}/confirm", token=token)
    assert refused.status_code == 409 and code(refused) == "DEMAND_ALREADY_CLAIMED"
    assert Claim.get(did, first["account_id"]).status == "returned"      # by the winner, not confirmed
    assert Demand.get(did).status == "claimed" and Demand.get(did).application_count == 1
    assert _claimed_events(did) == 1 and ClaimQuota.get(first["account_id"]).pending == 0


def test_a_confirmation_raced_by_an_application_is_a_conflict_and_writes_nothing(api, outbox, monkeypatch):
    token = league_org_session(api)["access_token"]
    did = publish_demand(api, outbox, token)["demand_id"]
    org, late = volunteer(api, outbox), volunteer(api, outbox)
    claim = applied(api, org, did)
    _after_the_claims_read(monkeypatch, lambda: applied(api, late, did))
    refused = api.post(f"/claims/{claim['claim_id']}/confirm", token=token)
    assert refused.status_code == 409 and code(refused) == "STATE_CONFLICT"
    assert [Claim.get(did, o["account_id"]).status for o in (org, late)] == ["pending", "pending"]
    assert Demand.get(did).status == "open" and Demand.get(did).application_count == 2 and _claimed_events(did) == 0
    monkeypatch.undo()
    assert api.post(f"/claims/{claim['claim_id']}/confirm", token=token).json["status"] == "confirmed"


def test_an_application_raced_by_an_edit_of_the_demand_is_a_conflict_and_writes_nothing(api, outbox, monkeypatch):
    """The claim copies the demand's linked help requests: an edit between the read and the write refuses it."""
    token = league_org_session(api)["access_token"]
    did = publish_demand(api, outbox, token)["demand_id"]
    org = volunteer(api, outbox)
    real = claims.demands.readable_demand

    def read_then_edit(*args, **kwargs):
        demand = real(*args, **kwargs)
        assert api.put(f"/demands/{did}", demand_body(volunteers_needed=9), token=token).status_code == 200
        return demand

    monkeypatch.setattr(claims.demands, "readable_demand", read_then_edit)
    refused = api.post(f"/demands/{did}/claims", {}, token=org["token"])
    assert refused.status_code == 409 and code(refused) == "STATE_CONFLICT"
    assert Claim.count(did) == 0 and Demand.get(did).application_count == 0
    monkeypatch.undo()
    assert applied(api, org, did)["status"] == "pending"


def _activity(api, outbox, **overrides) -> tuple[str, str, str]:
    publisher = league_org_session(api)["access_token"]
    did, org, _ = claimed_demand(api, outbox, publisher)
    return did, published(api, org, did, **overrides)["activity_id"], org["token"]


def test_a_sign_up_for_an_activity_of_a_hidden_demand_is_not_found_and_writes_nothing(api, outbox, now):
    did, aid, _ = _activity(api, outbox)
    Demand(did).update(actions=[Demand.hidden.set(True), Demand.feed.remove(), Demand.feed_city.remove()])
    volunteer_person = person(api, outbox)
    refused = api.post(f"/activities/{aid}/signups", token=volunteer_person["token"])
    assert refused.status_code == 404
    assert Signup.count(aid) == 0 and Activity.get(aid).signed_up_count == 0


def test_sign_up_errors_keep_their_order(api, outbox, now):
    did, aid, org_token = _activity(api, outbox, volunteers_to_recruit=1)
    first, second = person(api, outbox), person(api, outbox)
    assert api.post(f"/activities/{aid}/signups", token=first["token"]).status_code == 201
    full = api.post(f"/activities/{aid}/signups", token=second["token"])
    assert full.status_code == 409 and code(full) == "ACTIVITY_FULL"
    again = api.post(f"/activities/{aid}/signups", token=first["token"])     # full too: the earlier sign-up wins
    assert again.status_code == 409 and code(again) == "ALREADY_SIGNED_UP"
    assert Signup.count(aid) == 1 and Activity.get(aid).signed_up_count == 1
    assert api.post(f"/activities/{aid}/cancel", {"reason": "天气原因"}, token=org_token).status_code == 200
    cancelled = api.post(f"/activities/{aid}/signups", token=first["token"])  # cancelled outranks signed up
    assert cancelled.status_code == 409 and code(cancelled) == "ACTIVITY_CANCELLED"
    Demand(did).update(actions=[Demand.hidden.set(True), Demand.feed.remove(), Demand.feed_city.remove()])
    assert api.post(f"/activities/{aid}/signups", token=first["token"]).status_code == 404   # and hidden, all


def test_cancelling_a_sign_up_once_the_service_started_is_refused_by_the_activity_and_writes_nothing(api, outbox,
                                                                                                    now):
    _, aid, _ = _activity(api, outbox)
    volunteer_person = person(api, outbox)
    assert api.post(f"/activities/{aid}/signups", token=volunteer_person["token"]).status_code == 201
    now.at = START
    refused = api.call("DELETE", f"/activities/{aid}/signups/me", token=volunteer_person["token"])
    assert refused.status_code == 409 and code(refused) == "SIGNUP_NOT_CANCELLABLE"
    assert Signup.get(aid, volunteer_person["account_id"]).status == "signed_up"
    assert Activity.get(aid).signed_up_count == 1

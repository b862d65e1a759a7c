"""Preconditions folded into the write's conditions (issue 8): a failed one still answers its own error
code, and the transaction it was part of writes nothing."""
from __future__ import annotations

from datetime import timedelta

from chalicelib.data.activities import Activity, AttendanceRecord, ServiceTotal, Signup
from chalicelib.data.claims import Claim, ClaimQuota
from chalicelib.data.demands import Demand, DemandEvent
from chalicelib.services import activities, claims, throttle
from tests.builders import (
    AT_SITE,
    END,
    START,
    actions,
    activity_body,
    applied,
    apply,
    claimed_demand,
    code,
    demand_body,
    hide_demand,
    individual,
    iso,
    league_org_session,
    north_of_site,
    publish_demand,
    published,
    volunteer,
)
from tests.clock import T0


def _claimed_events(demand_id: str) -> int:
    return sum(1 for e in DemandEvent.query(demand_id) if e.action == "claimed")


def _after_the_claims_read(monkeypatch, race) -> None:
    """Run `race` once, right after confirm's one read (the demand's claims) and before its write."""
    real = Claim.query

    def read_then_race(*args, **kwargs):
        monkeypatch.delattr(Claim, "query")   # PynamoDB's own again (Claim inherits it)
        rows = list(real(*args, **kwargs))
        race()
        return iter(rows)

    monkeypatch.setattr(Claim, "query", read_then_race)


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
    real = claims.demands.require_readable

    def read_then_edit(*args, **kwargs):   # runs on the demand just read, before the write
        demand = real(*args, **kwargs)
        assert api.put(f"/demands/{did}", demand_body(volunteers_needed=9), token=token).status_code == 200
        return demand

    monkeypatch.setattr(claims.demands, "require_readable", read_then_edit)
    refused = api.post(f"/demands/{did}/claims", {}, token=org["token"])
    assert refused.status_code == 409 and code(refused) == "STATE_CONFLICT"
    assert Claim.count(did) == 0 and Demand.get(did).application_count == 0
    monkeypatch.undo()
    assert applied(api, org, did)["status"] == "pending"


def test_an_application_reads_once_and_its_errors_keep_their_order(api, outbox, dynamodb_calls):
    """The account, the demand and the pair's earlier claim come back from one consistent BatchGetItem and are
    judged in the order the errors always came: the applicant's profile, the demand seen, open, applied."""
    token = league_org_session(api)["access_token"]
    draft = api.post("/demands", demand_body(), token=token).json["demand_id"]
    did = publish_demand(api, outbox, token)["demand_id"]
    bare, org = volunteer(api, outbox, profile=False), volunteer(api, outbox)
    assert code(apply(api, bare, draft)) == "ORG_PROFILE_INCOMPLETE"      # before the draft's 404
    assert apply(api, org, draft).status_code == 404
    assert apply(api, org, "0" * 32).status_code == 404
    claim = applied(api, org, did)
    assert code(apply(api, org, did)) == "CLAIM_ALREADY_APPLIED"
    assert api.post(f"/claims/{claim['claim_id']}/withdraw", {}, token=org["token"]).status_code == 200
    calls = dynamodb_calls()
    assert applied(api, org, did)["status"] == "pending"
    assert [(c.label, c.consistent) for c in calls] == [("BatchGetItem accounts+claims+demands", True),
                                                        ("TransactWriteItems", False)]
    assert actions(api, token, did)[-1][:3] == ("claim_applied", "withdrawn", "pending")   # the earlier claim read


def _activity(api, outbox, **overrides) -> tuple[str, str, str]:
    publisher = league_org_session(api)["access_token"]
    did, org, _ = claimed_demand(api, outbox, publisher)
    return did, published(api, org, did, **overrides)["activity_id"], org["token"]


def test_a_sign_up_for_an_activity_of_a_hidden_demand_is_not_found_and_writes_nothing(api, outbox, now):
    did, aid, _ = _activity(api, outbox)
    hide_demand(did)
    volunteer_person = individual(api, outbox)
    refused = api.post(f"/activities/{aid}/signups", token=volunteer_person["token"])
    assert refused.status_code == 404
    assert Signup.count(aid) == 0 and Activity.get(aid).signed_up_count == 0


def test_sign_up_errors_keep_their_order(api, outbox, now):
    did, aid, org_token = _activity(api, outbox, volunteers_to_recruit=1)
    first, second = individual(api, outbox), individual(api, outbox)
    assert api.post(f"/activities/{aid}/signups", token=first["token"]).status_code == 201
    full = api.post(f"/activities/{aid}/signups", token=second["token"])
    assert full.status_code == 409 and code(full) == "ACTIVITY_FULL"
    again = api.post(f"/activities/{aid}/signups", token=first["token"])     # full too: the earlier sign-up wins
    assert again.status_code == 409 and code(again) == "ALREADY_SIGNED_UP"
    assert Signup.count(aid) == 1 and Activity.get(aid).signed_up_count == 1
    assert api.post(f"/activities/{aid}/cancel", {"reason": "天气原因"}, token=org_token).status_code == 200
    cancelled = api.post(f"/activities/{aid}/signups", token=first["token"])  # cancelled outranks signed up
    assert cancelled.status_code == 409 and code(cancelled) == "ACTIVITY_CANCELLED"
    hide_demand(did)
    assert api.post(f"/activities/{aid}/signups", token=first["token"]).status_code == 404   # and hidden, all


def test_cancelling_a_sign_up_once_the_service_started_is_refused_by_the_activity_and_writes_nothing(api, outbox,
                                                                                                    now):
    _, aid, _ = _activity(api, outbox)
    volunteer_person = individual(api, outbox)
    assert api.post(f"/activities/{aid}/signups", token=volunteer_person["token"]).status_code == 201
    now.at = START
    refused = api.call("DELETE", f"/activities/{aid}/signups/me", token=volunteer_person["token"])
    assert refused.status_code == 409 and code(refused) == "SIGNUP_NOT_CANCELLABLE"
    assert Signup.get(aid, volunteer_person["account_id"]).status == "signed_up"
    assert Activity.get(aid).signed_up_count == 1


def _activity_count(did: str) -> int:
    return sum(1 for _ in Activity.by_demand.query(did))


def test_an_activity_by_anyone_but_the_confirmed_claimant_is_not_found_and_writes_nothing(api, outbox, now):
    """The claim is a condition of the write: another organization reaches it with a valid body, and gets 404."""
    publisher = league_org_session(api)["access_token"]
    did, _, _ = claimed_demand(api, outbox, publisher)
    other = volunteer(api, outbox)
    events = DemandEvent.count(did)
    refused = api.post(f"/demands/{did}/activities", activity_body(), token=other["token"])
    assert refused.status_code == 404 and code(refused) == "NOT_FOUND"
    assert _activity_count(did) == 0 and Demand.get(did).status == "claimed"
    assert DemandEvent.count(did) == events


def test_an_activity_refused_before_the_write_is_still_not_found_for_anyone_but_the_claimant(api, outbox, now):
    """Refusals decided before the write (a past service start, consent, the demand's state) read the claim
    first, so a non-claimant learns nothing but 404, and the claimant keeps the specific error."""
    publisher = league_org_session(api)["access_token"]
    did, org, _ = claimed_demand(api, outbox, publisher)
    other = volunteer(api, outbox)
    past = activity_body(service_start=iso(T0 - timedelta(hours=1)))
    no_consent = activity_body(certificate_consent=False)
    for body in (past, no_consent):
        assert api.post(f"/demands/{did}/activities", body, token=other["token"]).status_code == 404
        mine = api.post(f"/demands/{did}/activities", body, token=org["token"])
        assert mine.status_code == 400 and code(mine) == "VALIDATION_FAILED"
    hide_demand(did)
    assert api.post(f"/demands/{did}/activities", activity_body(), token=other["token"]).status_code == 404
    hidden = api.post(f"/demands/{did}/activities", activity_body(), token=org["token"])
    assert hidden.status_code == 409 and code(hidden) == "STATE_CONFLICT"
    assert _activity_count(did) == 0


def _checked_in(api, outbox, now) -> tuple[str, dict, str]:
    _, aid, _ = _activity(api, outbox)
    volunteer_person = individual(api, outbox)
    assert api.post(f"/activities/{aid}/signups", token=volunteer_person["token"]).status_code == 201
    now.at = START + timedelta(minutes=1)
    assert api.post(f"/activities/{aid}/check-ins", AT_SITE, token=volunteer_person["token"]).status_code == 201
    now.at = START + timedelta(hours=1)
    return aid, volunteer_person, Signup.get(aid, volunteer_person["account_id"]).open_check_in


def test_a_check_out_beaten_by_another_says_not_checked_in_and_writes_nothing_more(api, outbox, now, monkeypatch):
    """The open record is not read: its not-yet-checked-out state is the write's condition."""
    aid, volunteer_person, key = _checked_in(api, outbox, now)
    real = activities._attendee

    def read_then_race(*args, **kwargs):
        read = real(*args, **kwargs)
        monkeypatch.setattr(activities, "_attendee", real)
        assert api.post(f"/activities/{aid}/check-outs", AT_SITE, token=volunteer_person["token"]).status_code == 200
        return read

    monkeypatch.setattr(activities, "_attendee", read_then_race)
    refused = api.post(f"/activities/{aid}/check-outs", AT_SITE, token=volunteer_person["token"])
    assert refused.status_code == 409 and code(refused) == "NOT_CHECKED_IN"
    record = AttendanceRecord.get(volunteer_person["account_id"], key)
    assert record.seconds == 3540 and record.checked_out_at == START + timedelta(hours=1)
    assert ServiceTotal.get(volunteer_person["account_id"]).records == 1
    assert Signup.get(aid, volunteer_person["account_id"]).service_seconds == 3540


def test_a_check_out_of_a_missing_record_is_a_conflict_and_writes_nothing(api, outbox, now):
    aid, volunteer_person, key = _checked_in(api, outbox, now)
    AttendanceRecord(volunteer_person["account_id"], key).delete()
    refused = api.post(f"/activities/{aid}/check-outs", AT_SITE, token=volunteer_person["token"])
    assert refused.status_code == 409 and code(refused) == "STATE_CONFLICT"
    # the update did not re-create the record
    assert AttendanceRecord.count(volunteer_person["account_id"]) == 0
    signup = Signup.get(aid, volunteer_person["account_id"])
    assert signup.open_check_in == key and signup.service_seconds == 0
    assert ServiceTotal.count(volunteer_person["account_id"]) == 0


def test_a_check_out_answers_the_record_as_stored_without_reading_it(api, outbox, now):
    aid, volunteer_person, key = _checked_in(api, outbox, now)
    out = api.post(f"/activities/{aid}/check-outs", AT_SITE, token=volunteer_person["token"]).json
    stored = api.get("/me/service-records", token=volunteer_person["token"]).json["items"][0]
    assert out == stored and out["check_in_by"] == "location" and out["checked_in_at"] == "2099-06-04T00:01:00Z"
    assert Signup.get(aid, volunteer_person["account_id"]).open_check_in_by is None


# ---------------------------------------------------------------- attendance: the activity and the sign-up, one read

def _signed_up(api, outbox, now, **overrides) -> tuple[str, dict, str]:
    """An activity, a volunteer signed up to it, the organization's token; the clock at the start."""
    _, aid, org_token = _activity(api, outbox, **overrides)
    volunteer_person = individual(api, outbox)
    assert api.post(f"/activities/{aid}/signups", token=volunteer_person["token"]).status_code == 201
    now.at = START - timedelta(minutes=20)
    return aid, volunteer_person, org_token


def _wrong_codes(volunteer_id: str, aid: str, moment) -> int:
    return throttle.count("check-in-code", f"{volunteer_id}:{aid}", moment=moment,
                          window_seconds=activities.WRONG_CODE_WINDOW_SECONDS)


def _nothing_written(aid: str, volunteer_id: str, before: Signup) -> None:
    assert AttendanceRecord.count(volunteer_id) == 0
    assert Signup.get(aid, volunteer_id).serialize() == before.serialize()


def test_a_check_in_reads_the_activity_and_the_sign_up_in_one_request_and_no_view_shows_the_secret(
        api, outbox, now, dynamodb_calls):
    aid, volunteer_person, org_token = _signed_up(api, outbox, now)
    activity = Activity.get(aid)
    shown = [api.get("/me/signups", token=volunteer_person["token"]).json,
             api.get(f"/activities/{aid}/signups", token=org_token).json]
    assert shown[1]["items"] and not any(activity.check_in_secret in str(page) for page in shown)
    calls = dynamodb_calls()
    assert api.post(f"/activities/{aid}/check-ins", AT_SITE, token=volunteer_person["token"]).status_code == 201
    assert [c.label for c in calls] == ["BatchGetItem activities+activity_signups", "TransactWriteItems"]


def test_a_check_in_on_a_cancelled_activity_says_cancelled_before_any_other_refusal_and_writes_nothing(
        api, outbox, now):
    aid, volunteer_person, org_token = _signed_up(api, outbox, now)
    right = api.get(f"/activities/{aid}/check-in-code", token=org_token).json["code"]
    assert api.post(f"/activities/{aid}/cancel", {"reason": "台风预警"}, token=org_token).status_code == 200
    volunteer_id, token = volunteer_person["account_id"], volunteer_person["token"]
    before = Signup.get(aid, volunteer_id)
    wrong = "000000" if right != "000000" else "111111"
    for moment, body in ((START - timedelta(minutes=20), AT_SITE),       # everything else right: the write refuses
                         (START - timedelta(hours=2), AT_SITE),          # too early
                         (START, north_of_site(5)),                      # too far
                         (START, {"code": wrong}),                       # a wrong code: not counted either
                         (START, {"code": right})):
        now.at = moment
        refused = api.post(f"/activities/{aid}/check-ins", body, token=token)
        assert refused.status_code == 409 and code(refused) == "ACTIVITY_CANCELLED", (moment, body)
    _nothing_written(aid, volunteer_id, before)
    assert _wrong_codes(volunteer_id, aid, START) == 0


def test_check_in_refusals_of_a_published_activity_keep_their_codes_and_write_nothing(api, outbox, now):
    aid, volunteer_person, org_token = _signed_up(api, outbox, now, sign_in_method="定位签到签退")
    volunteer_id, token = volunteer_person["account_id"], volunteer_person["token"]
    before = Signup.get(aid, volunteer_id)
    now.at = START - timedelta(hours=2)
    assert code(api.post(f"/activities/{aid}/check-ins", AT_SITE, token=token)) == "OUTSIDE_ATTENDANCE_TIME"
    now.at = START
    assert code(api.post(f"/activities/{aid}/check-ins", north_of_site(5), token=token)) == \
        "OUTSIDE_ATTENDANCE_AREA"
    assert code(api.post(f"/activities/{aid}/check-ins", {"code": "123456"}, token=token)) == "VALIDATION_FAILED"
    _nothing_written(aid, volunteer_id, before)
    stranger = individual(api, outbox)["token"]
    assert code(api.post(f"/activities/{aid}/check-ins", AT_SITE, token=stranger)) == "NOT_SIGNED_UP"
    assert code(api.post(f"/activities/{'0' * 32}/check-ins", AT_SITE, token=stranger)) == "NOT_FOUND"


def test_a_check_out_after_the_activity_was_cancelled_says_cancelled_and_writes_nothing(api, outbox, now):
    aid, volunteer_person, org_token = _signed_up(api, outbox, now)
    volunteer_id, token = volunteer_person["account_id"], volunteer_person["token"]
    assert api.post(f"/activities/{aid}/check-ins", AT_SITE, token=token).status_code == 201
    now.at = START - timedelta(minutes=10)   # still before the start: the organization may cancel
    assert api.post(f"/activities/{aid}/cancel", {"reason": "台风预警"}, token=org_token).status_code == 200
    before = Signup.get(aid, volunteer_id)
    for moment, body in ((START - timedelta(minutes=5), AT_SITE), (END + timedelta(hours=1), AT_SITE),
                         (START - timedelta(minutes=5), north_of_site(5))):
        now.at = moment
        refused = api.post(f"/activities/{aid}/check-outs", body, token=token)
        assert refused.status_code == 409 and code(refused) == "ACTIVITY_CANCELLED", (moment, body)
    assert Signup.get(aid, volunteer_id).serialize() == before.serialize()
    assert [r.checked_out_at for r in AttendanceRecord.query(volunteer_id)] == [None]


def _throttle(volunteer_id: str, aid: str, moment) -> None:
    for _ in range(activities.WRONG_CODES_PER_WINDOW):
        throttle.record(activities.WRONG_CODE_BUCKET, f"{volunteer_id}:{aid}", moment=moment,
                        window_seconds=activities.WRONG_CODE_WINDOW_SECONDS)


def test_a_right_code_is_refused_by_the_write_once_the_wrong_codes_reached_the_limit(api, outbox, now,
                                                                                     dynamodb_calls):
    """A right code reads no counter: the wrong codes' limit is a condition of the check-in's write."""
    aid, volunteer_person, org_token = _signed_up(api, outbox, now, sign_in_method="扫码或者志愿者证签到签退")
    volunteer_id, token = volunteer_person["account_id"], volunteer_person["token"]
    now.at = START
    right = api.get(f"/activities/{aid}/check-in-code", token=org_token).json["code"]
    before = Signup.get(aid, volunteer_id)
    _throttle(volunteer_id, aid, START)
    calls = dynamodb_calls()
    refused = api.post(f"/activities/{aid}/check-ins", {"code": right}, token=token)
    assert refused.status_code == 429 and code(refused) == "CHECK_IN_CODE_THROTTLED"
    assert int(refused.headers["Retry-After"]) == activities.WRONG_CODE_WINDOW_SECONDS   # START opens a window
    assert [c.label for c in calls] == ["BatchGetItem activities+activity_signups", "TransactWriteItems"]
    _nothing_written(aid, volunteer_id, before)
    wrong = "000000" if right != "000000" else "111111"
    assert code(api.post(f"/activities/{aid}/check-ins", {"code": wrong}, token=token)) == "CHECK_IN_CODE_THROTTLED"
    assert _wrong_codes(volunteer_id, aid, START) == activities.WRONG_CODES_PER_WINDOW   # not counted past it

    now.at = START + timedelta(seconds=activities.WRONG_CODE_WINDOW_SECONDS)   # the next window
    right = api.get(f"/activities/{aid}/check-in-code", token=org_token).json["code"]
    assert api.post(f"/activities/{aid}/check-ins", {"code": right}, token=token).status_code == 201
    assert _wrong_codes(volunteer_id, aid, now.at) == 0                           # a right code is not counted


def test_a_throttled_volunteer_on_a_cancelled_activity_is_told_it_is_cancelled(api, outbox, now):
    aid, volunteer_person, org_token = _signed_up(api, outbox, now, sign_in_method="扫码或者志愿者证签到签退")
    volunteer_id, token = volunteer_person["account_id"], volunteer_person["token"]
    right = api.get(f"/activities/{aid}/check-in-code", token=org_token).json["code"]
    _throttle(volunteer_id, aid, now.at)
    assert api.post(f"/activities/{aid}/cancel", {"reason": "台风预警"}, token=org_token).status_code == 200
    for body in ({"code": right}, {"code": "000000" if right != "000000" else "111111"}):
        refused = api.post(f"/activities/{aid}/check-ins", body, token=token)
        assert refused.status_code == 409 and code(refused) == "ACTIVITY_CANCELLED"

"""Ratings (评分): who may rate, score and comment rules, once per side, blind until both rated or 14 days."""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from pydantic import ValidationError

from chalicelib import clock
from chalicelib.auth.principal import Principal
from chalicelib.data.ratings import RatingSheet
from chalicelib.errors import AppError
from chalicelib.reference import Role
from chalicelib.schemas.ratings import RatingIn
from chalicelib.services import ratings
from tests.builders import (
    applied,
    code,
    confirmed_claim,
    league_org_session,
    operator_token,
    publish_demand,
    rate,
    rated,
    register_individual,
    stored_confirmed_claim,
    volunteer,
)

GOOD_COMMENT = "按时到岗，课程准备充分"   # 11 characters


# ---------------------------------------------------------------- helpers


def todo(api, token) -> int:
    return api.get("/me/todo", token=token).json["ratings_owed"]


def owed_ids(api, token) -> list[str]:
    return [item["claim_id"] for item in api.get("/me/ratings-owed", token=token).json["items"]]


@pytest.fixture
def publisher(api):
    return league_org_session(api)["access_token"]


@pytest.fixture
def pair(api, outbox, publisher):
    org, claim = confirmed_claim(api, outbox, publisher)
    return {"publisher": publisher, "claimant": org["token"], "org": org, "claim": claim,
            "claim_id": claim["claim_id"], "demand_id": claim["demand_id"]}


# ---------------------------------------------------------------- the happy path, blind until both rated

def test_both_sides_rate_once_and_see_each_other_only_when_both_have(api, outbox, pair):
    cid, pub, vol = pair["claim_id"], pair["publisher"], pair["claimant"]
    assert todo(api, pub) == 1 and todo(api, vol) == 1
    assert owed_ids(api, pub) == [cid] and owed_ids(api, vol) == [cid]
    owed = api.get("/me/ratings-owed", token=pub).json["items"][0]
    assert owed["rate_name"] == "深圳市义工联合会" and owed["demand_title"] == pair["claim"]["demand_title"]

    first = rated(api, pub, cid, 5)
    assert first["mine"]["score"] == 5 and first["mine"]["side"] == "publisher"
    assert first["about_me"] is None and first["revealed"] is False and first["i_owe"] is False
    assert todo(api, pub) == 0 and owed_ids(api, pub) == [] and todo(api, vol) == 1

    # Blind: the rated side does not see it, nor does the public tab.
    seen = api.get(f"/claims/{cid}/ratings", token=vol).json
    assert seen["about_me"] is None and seen["mine"] is None and seen["i_owe"] is True
    assert api.get(f"/demands/{pair['demand_id']}/ratings").json == {"items": []}

    again = rate(api, pub, cid, 4)
    assert again.status_code == 409 and code(again) == "RATING_ALREADY_GIVEN"

    second = rated(api, vol, cid, 3, "沟通及时，但场地安排稍显仓促")
    assert second["revealed"] is True and second["about_me"]["score"] == 5
    assert second["mine"] == {**second["mine"], "side": "claimant", "score": 3, "rater_name": "深圳市义工联合会",
                              "rated_name": "中国共产主义青年团深圳市委员会"}
    assert api.get(f"/claims/{cid}/ratings", token=pub).json["about_me"]["score"] == 3
    assert todo(api, vol) == 0 and owed_ids(api, vol) == []
    assert code(rate(api, vol, cid, 5)) == "RATING_ALREADY_GIVEN"

    public = api.get(f"/demands/{pair['demand_id']}/ratings").json["items"]
    assert [(r["side"], r["score"]) for r in public[0]["ratings"]] == [("publisher", 5), ("claimant", 3)]
    assert public[0]["claim_id"] == cid and public[0]["claimant_name"] == "深圳市义工联合会"
    stored = RatingSheet.get(pair["demand_id"], pair["org"]["account_id"])
    assert stored.revealed is True and stored.publisher_owed is None and stored.claimant_owed is None


def test_there_is_no_route_to_edit_or_delete_a_rating(api, outbox, pair):
    rated(api, pair["publisher"], pair["claim_id"], 4)
    for method in ("PUT", "DELETE", "PATCH"):
        assert api.call(method, f"/claims/{pair['claim_id']}/ratings", {"score": 1},
                        token=pair["publisher"]).status_code == 405


# ---------------------------------------------------------------- score and comment rules

@pytest.mark.parametrize(("body", "ok"), [
    ({"score": 0}, False), ({"score": 6}, False), ({"score": -1}, False), ({"score": "5"}, False),
    ({"score": 4.5}, False), ({"score": True}, False), ({"score": None}, False), ({}, False),
    ({"score": 3}, True), ({"score": 4, "comment": None}, True), ({"score": 5, "comment": "好"}, True),
    ({"score": 1}, False), ({"score": 2}, False), ({"score": 2, "comment": "123456789"}, False),
    ({"score": 2, "comment": "   123456789   "}, False),       # trimmed: 9 characters
    ({"score": 2, "comment": "1234567890"}, True), ({"score": 1, "comment": "服务态度很差，未按约定到岗"}, True),
    ({"score": 5, "comment": "好" * 200}, True), ({"score": 5, "comment": "好" * 201}, False),
    ({"score": 1, "comment": "差" * 201}, False), ({"score": 3, "comment": ""}, False),
    ({"score": 5, "rater_id": "x"}, False),
])
def test_score_is_1_to_5_and_low_scores_need_a_comment_of_10_to_200_characters(body, ok):
    if ok:
        RatingIn.model_validate(body)
    else:
        with pytest.raises(ValidationError):
            RatingIn.model_validate(body)


def test_the_comment_boundaries_through_the_api_for_both_sides(api, outbox, pair):
    cid = pair["claim_id"]
    nine = rate(api, pair["publisher"], cid, 2, "一二三四五六七八九")
    assert nine.status_code == 400 and [f["path"] for f in nine.json["error"]["fields"]] == ["comment"]
    assert code(rate(api, pair["publisher"], cid, 1)) == "VALIDATION_FAILED"
    assert rated(api, pair["publisher"], cid, 2, "一二三四五六七八九十")["mine"]["comment"] == "一二三四五六七八九十"
    assert rate(api, pair["claimant"], cid, 5, "好" * 201).status_code == 400
    assert rate(api, pair["claimant"], cid, 6).status_code == 400
    assert rated(api, pair["claimant"], cid, 5, "好" * 200)["about_me"]["score"] == 2


# ---------------------------------------------------------------- who may rate which claim

def test_only_the_two_parties_may_rate_or_read_a_claims_ratings(api, outbox, pair):
    cid = pair["claim_id"]
    other_league = league_org_session(api, "gd_gz_tw", "中国共产主义青年团广州市委员会")["access_token"]
    other_org = volunteer(api, outbox)["token"]
    person = register_individual(api, outbox)["access_token"]
    operator = operator_token(api)
    assert rate(api, None, cid, 5).status_code == 401
    assert rate(api, person, cid, 5).status_code == 403
    assert rate(api, operator, cid, 5).status_code == 403
    assert rate(api, other_league, cid, 5).status_code == 404
    assert rate(api, other_org, cid, 5).status_code == 404
    assert api.get(f"/claims/{cid}/ratings", token=other_org).status_code == 404
    assert api.get(f"/claims/{cid}/ratings").status_code == 401
    assert rate(api, pair["publisher"], "0" * 32 + "." + "1" * 32, 5).status_code == 404
    assert rate(api, pair["publisher"], "not-a-claim", 5).status_code == 404
    assert todo(api, pair["publisher"]) == 1 and todo(api, pair["claimant"]) == 1


def test_a_pending_returned_or_withdrawn_claim_cannot_be_rated(api, outbox, publisher):
    demand = publish_demand(api, outbox, publisher)
    first, second = volunteer(api, outbox), volunteer(api, outbox)
    pending = applied(api, first, demand["demand_id"])
    assert code(rate(api, publisher, pending["claim_id"], 5)) == "CLAIM_NOT_RATABLE"
    assert code(rate(api, first["token"], pending["claim_id"], 5)) == "CLAIM_NOT_RATABLE"
    other = applied(api, second, demand["demand_id"])
    api.post(f"/claims/{other['claim_id']}/return", {"reason": "人数不足"}, token=publisher)
    assert code(rate(api, second["token"], other["claim_id"], 4)) == "CLAIM_NOT_RATABLE"
    assert todo(api, publisher) == 0 and todo(api, first["token"]) == 0


def test_withdrawing_a_confirmed_claim_ends_what_is_owed_and_keeps_what_was_given(api, outbox, pair):
    cid, pub, vol = pair["claim_id"], pair["publisher"], pair["claimant"]
    rated(api, pub, cid, 4)
    withdrawn = api.post(f"/claims/{cid}/withdraw", {"reason": "人员变动"}, token=vol)
    assert withdrawn.status_code == 200, withdrawn.json
    assert code(rate(api, vol, cid, 5)) == "CLAIM_NOT_RATABLE"
    assert todo(api, vol) == 0 and owed_ids(api, vol) == [] and todo(api, pub) == 0
    sheet = RatingSheet.get(pair["demand_id"], pair["org"]["account_id"])
    assert sheet.by_publisher.score == 4 and sheet.closed_at is not None

    # Confirmed again: the side that had not rated owes again; the one that had still cannot rate twice.
    again = applied(api, pair["org"], pair["demand_id"])
    assert api.post(f"/claims/{again['claim_id']}/confirm", token=pub).status_code == 200
    assert todo(api, vol) == 1 and todo(api, pub) == 0
    assert code(rate(api, pub, cid, 5)) == "RATING_ALREADY_GIVEN"
    assert rated(api, vol, cid, 5)["revealed"] is True


# ---------------------------------------------------------------- 14 days after confirmation

def test_a_single_rating_is_revealed_14_days_after_confirmation_and_the_window_closes(api, outbox, pair,
                                                                                       monkeypatch):
    cid, pub, vol = pair["claim_id"], pair["publisher"], pair["claimant"]
    rated(api, vol, cid, 5)
    confirmed_at = RatingSheet.get(pair["demand_id"], pair["org"]["account_id"]).confirmed_at
    real_now = clock.now

    monkeypatch.setattr(clock, "now", lambda: confirmed_at + timedelta(days=14) - timedelta(seconds=1))
    assert api.get(f"/claims/{cid}/ratings", token=pub).json["about_me"] is None
    assert api.get(f"/demands/{pair['demand_id']}/ratings").json == {"items": []}
    assert todo(api, pub) == 1

    monkeypatch.setattr(clock, "now", lambda: confirmed_at + timedelta(days=14))
    seen = api.get(f"/claims/{cid}/ratings", token=pub).json
    assert seen["about_me"]["score"] == 5 and seen["revealed"] is True and seen["i_owe"] is False
    public = api.get(f"/demands/{pair['demand_id']}/ratings").json["items"]
    assert [(r["side"], r["score"]) for r in public[0]["ratings"]] == [("claimant", 5)]
    assert todo(api, pub) == 0 and owed_ids(api, pub) == []
    assert code(rate(api, pub, cid, 3)) == "RATING_WINDOW_CLOSED"
    monkeypatch.setattr(clock, "now", real_now)


def test_the_public_tab_follows_the_demands_visibility(api, outbox, pair):
    rated(api, pair["publisher"], pair["claim_id"], 5)
    rated(api, pair["claimant"], pair["claim_id"], 5)
    assert len(api.get(f"/demands/{pair['demand_id']}/ratings").json["items"]) == 1
    assert api.get(f"/demands/{'0' * 32}/ratings").status_code == 404


# ---------------------------------------------------------------- both sides at once


def test_both_sides_rating_at_the_same_moment_still_reveal(dynamodb_server):
    for n in range(3):
        claim = stored_confirmed_claim(f"{n:032x}", "a" * 32, "b" * 32)
        parties = [Principal(account_id="a" * 32, role=Role.LEAGUE_ORG),
                   Principal(account_id="b" * 32, role=Role.VOLUNTEER_ORG)]

        def attempt(who, claim=claim):
            try:
                return ratings.rate(who, f"{claim.demand_id}.{claim.applicant_id}", 4, None)[1].value
            except AppError as exc:
                return exc.code.name

        with ThreadPoolExecutor(max_workers=2) as pool:
            assert sorted(pool.map(attempt, parties)) == ["claimant", "publisher"]
        sheet = RatingSheet.get(claim.demand_id, claim.applicant_id, consistent_read=True)
        assert sheet.revealed is True and sheet.by_publisher.score == 4 and sheet.by_claimant.score == 4
        assert sheet.publisher_owed is None and sheet.claimant_owed is None

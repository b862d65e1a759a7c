"""Public browsing, likes and favorites."""
from concurrent.futures import ThreadPoolExecutor

from chalicelib.data.demands import Demand
from chalicelib.data.reactions import LIKE, Reaction
from chalicelib.errors import AppError
from chalicelib.services import reactions
from chalicelib.services.accounts import get_account
from chalicelib.services.sessions import principal_of
from tests.builders import (
    PROFILE,
    approved_org,
    league_org_session,
    make_league_org,
    publish_demand,
    register_individual,
)


def _ids(response):
    return [d["demand_id"] for d in response.json["items"]]


def test_the_public_list_is_newest_first_and_filters_by_city(api, outbox):
    org = league_org_session(api)
    sz1 = publish_demand(api, outbox, org["access_token"], city="深圳市", title="深圳一")
    gz = publish_demand(api, outbox, org["access_token"], city="广州市", title="广州一")
    sz2 = publish_demand(api, outbox, org["access_token"], city="深圳市", title="深圳二")
    assert _ids(api.get("/demands")) == [sz2["demand_id"], gz["demand_id"], sz1["demand_id"]]
    assert _ids(api.get("/demands?city=深圳市")) == [sz2["demand_id"], sz1["demand_id"]]
    assert _ids(api.get("/demands?city=汕头市")) == []


def test_keyword_search_covers_title_and_content(api, outbox):
    org = league_org_session(api)
    by_title = publish_demand(api, outbox, org["access_token"], title="英语口语辅导")
    by_content = publish_demand(api, outbox, org["access_token"], title="辅导", content="需要会弹钢琴的English老师")
    publish_demand(api, outbox, org["access_token"], title="数学", content="解方程")
    assert _ids(api.get("/demands?q=english")) == [by_content["demand_id"]]
    assert _ids(api.get("/demands?q=英语")) == [by_title["demand_id"]]
    assert set(_ids(api.get("/demands?q=辅导"))) == {by_title["demand_id"], by_content["demand_id"]}
    assert _ids(api.get("/demands?q=英语&city=广州市")) == []


def test_pages_follow_a_signed_cursor_that_cannot_be_forged_or_moved(api, outbox):
    org = league_org_session(api)
    ids = [publish_demand(api, outbox, org["access_token"], title=f"需求{i}")["demand_id"] for i in range(5)]
    first = api.get("/demands?limit=2").json
    second = api.get(f"/demands?limit=2&cursor={first['next_cursor']}").json
    third = api.get(f"/demands?limit=2&cursor={second['next_cursor']}").json
    seen = [d["demand_id"] for page in (first, second, third) for d in page["items"]]
    assert seen == list(reversed(ids)) and third["next_cursor"] is None
    tampered = first["next_cursor"][:-1] + ("0" if first["next_cursor"][-1] != "0" else "1")
    assert api.get(f"/demands?limit=2&cursor={tampered}").status_code == 400
    assert api.get(f"/demands?city=深圳市&cursor={first['next_cursor']}").status_code == 400
    assert api.get("/demands?limit=51").status_code == 400
    assert api.get("/demands?limit=0").status_code == 400


def test_keyword_pages_are_trimmed_to_the_limit_and_resume_after_the_last_item(api, outbox):
    org = league_org_session(api)
    ids = [publish_demand(api, outbox, org["access_token"], title=f"英语{i}")["demand_id"] for i in range(3)]
    first = api.get("/demands?q=英语&limit=2").json
    second = api.get(f"/demands?q=英语&limit=2&cursor={first['next_cursor']}").json
    assert [d["demand_id"] for d in first["items"] + second["items"]] == list(reversed(ids))


def test_a_like_is_one_per_account_and_toggles(api, outbox):
    org = league_org_session(api)
    demand = publish_demand(api, outbox, org["access_token"])
    did = demand["demand_id"]
    person = register_individual(api, outbox)
    token = person["access_token"]
    assert api.put(f"/demands/{did}/like", token=token).json == {"liked": True, "like_count": 1}
    assert api.put(f"/demands/{did}/like", token=token).json == {"liked": True, "like_count": 1}
    detail = api.get(f"/demands/{did}", token=token).json
    assert detail["liked"] is True and detail["like_count"] == 1 and detail["favorited"] is False
    assert api.call("DELETE", f"/demands/{did}/like", token=token).json == {"liked": False, "like_count": 0}
    assert api.call("DELETE", f"/demands/{did}/like", token=token).json == {"liked": False, "like_count": 0}
    assert api.put(f"/demands/{did}/like").status_code == 401
    assert api.put("/demands/unknown/like", token=token).status_code == 404


def test_concurrent_like_toggles_never_drift_from_the_stored_likes(dynamodb_server, outbox):

    org = make_league_org("gd_race")
    demand = Demand(demand_id="d" * 32, org_id=org.account_id, org_name="x", status="open",
                    org_status=f"{org.account_id}#open", created_at=org.created_at, updated_at=org.created_at,
                    feed="public")
    demand.save()
    people = [principal_of(get_account(make_league_org(f"gd_p{i}").account_id)) for i in range(10)]

    def toggle(i):
        who = people[i % 10]
        for liked in (True, False, True):
            try:
                reactions.set_like(who, demand.demand_id, liked=liked)
            except AppError as exc:  # a transaction conflict is a clean 409, never a silent drift
                assert exc.code.name == "STATE_CONFLICT"

    with ThreadPoolExecutor(max_workers=20) as pool:
        list(pool.map(toggle, range(20)))
    stored = sum(1 for p in people for _ in Reaction.query(p.account_id, Reaction.target == f"{'d' * 32}#{LIKE}"))
    assert Demand.get(demand.demand_id).like_count == stored


def test_favorites_for_every_role(api, outbox):
    org = league_org_session(api)
    first = publish_demand(api, outbox, org["access_token"], title="第一")
    second = publish_demand(api, outbox, org["access_token"], title="第二")
    person = register_individual(api, outbox)
    for token in (person["access_token"], org["access_token"]):
        assert api.put(f"/demands/{first['demand_id']}/favorite", token=token).json == {"favorited": True}
        assert api.put(f"/demands/{second['demand_id']}/favorite", token=token).status_code == 200
        listed = api.get("/me/favorites", token=token).json["items"]
        assert [f["title"] for f in listed] == ["第二", "第一"]
        assert api.call("DELETE", f"/demands/{first['demand_id']}/favorite", token=token).status_code == 200
        assert [f["title"] for f in api.get("/me/favorites", token=token).json["items"]] == ["第二"]
    assert api.get("/me/favorites").status_code == 401


def test_a_draft_cannot_be_liked_or_favorited_by_others(api, outbox):
    org = league_org_session(api)
    draft = api.post("/demands", {"title": "草稿"}, token=org["access_token"]).json
    person = register_individual(api, outbox)
    assert api.put(f"/demands/{draft['demand_id']}/like", token=person["access_token"]).status_code == 404
    assert api.put(f"/demands/{draft['demand_id']}/favorite", token=person["access_token"]).status_code == 404
    assert Demand.get(draft["demand_id"]).like_count == 0


def test_recommendations_rank_the_orgs_city_and_service_areas_first(api, outbox):

    org = league_org_session(api)
    token = org["access_token"]
    far_match = publish_demand(api, outbox, token, city="广州市", title="广州", demand_type="关爱未成年人")
    near_other = publish_demand(api, outbox, token, city="深圳市", title="深圳其他", demand_type="助老服务")
    near_match = publish_demand(api, outbox, token, city="深圳市", title="深圳匹配", demand_type="文化体育")
    newest = publish_demand(api, outbox, token, city="汕头市", title="汕头", demand_type="环境保护")
    body, _, session = approved_org(api, outbox)
    api.put("/me/org-profile", {**PROFILE, "leader_mobile": body["contact_phone"]}, token=session["access_token"])
    ranked = _ids(api.get("/demands/recommended", token=session["access_token"]))
    assert ranked == [near_match["demand_id"], near_other["demand_id"], far_match["demand_id"], newest["demand_id"]]
    assert _ids(api.get("/demands/recommended")) == [newest["demand_id"], near_match["demand_id"],
                                                    near_other["demand_id"], far_match["demand_id"]]
    api.post(f"/demands/{newest['demand_id']}/close", {}, token=token)
    assert newest["demand_id"] not in _ids(api.get("/demands/recommended"))


def test_recommendations_take_the_region_selector_and_keyword_too(api, outbox):
    org = league_org_session(api)
    sz = publish_demand(api, outbox, org["access_token"], city="深圳市", title="英语辅导")
    gz = publish_demand(api, outbox, org["access_token"], city="广州市", title="钢琴辅导")
    assert _ids(api.get("/demands/recommended?city=深圳市")) == [sz["demand_id"]]
    assert _ids(api.get("/demands/recommended?q=钢琴")) == [gz["demand_id"]]
    assert _ids(api.get("/demands/recommended?q=钢琴&city=深圳市")) == []

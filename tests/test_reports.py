"""Reports (举报): one open report per account, hidden at three, operators uphold or dismiss."""
from chalicelib.data.demands import Demand
from tests.builders import (
    claimed_demand,
    inbox,
    league_org_session,
    operator_token,
    publish_demand,
    published,
    pump,
    register_individual,
)


def _report(api, token, demand_id, reason="false_information", text=None):
    body = {"reason": reason} if text is None else {"reason": reason, "text": text}
    return api.post(f"/demands/{demand_id}/reports", body, token=token)


def _listed(api, demand_id, **query):
    lists = ["/demands", "/demands?city=深圳市", "/demands?q=数学", "/demands/recommended"]
    return [demand_id in [d["demand_id"] for d in api.get(path).json["items"]] for path in lists]


def test_one_open_report_per_account_per_demand(api, outbox):
    org = league_org_session(api)
    demand = publish_demand(api, outbox, org["access_token"], title="数学辅导")
    person = register_individual(api, outbox)
    first = _report(api, person["access_token"], demand["demand_id"])
    assert first.status_code == 201 and first.json["status"] == "open"
    again = _report(api, person["access_token"], demand["demand_id"], "advertising")
    assert again.status_code == 409 and again.json["error"]["code"] == "ALREADY_REPORTED"
    assert Demand.get(demand["demand_id"]).open_report_count == 1


def test_reason_other_needs_a_text_and_codes_are_fixed(api, outbox):
    org = league_org_session(api)
    demand = publish_demand(api, outbox, org["access_token"])
    person = register_individual(api, outbox)
    assert _report(api, person["access_token"], demand["demand_id"], "other").status_code == 400
    assert _report(api, person["access_token"], demand["demand_id"], "spam").status_code == 400
    assert _report(api, person["access_token"], demand["demand_id"], "other", "联系方式无法接通").status_code == 201


def test_a_publisher_cannot_report_its_own_demand_and_anonymous_cannot_report(api, outbox):
    org = league_org_session(api)
    demand = publish_demand(api, outbox, org["access_token"])
    assert _report(api, org["access_token"], demand["demand_id"]).status_code == 403
    assert _report(api, None, demand["demand_id"]).status_code == 401
    assert Demand.get(demand["demand_id"]).open_report_count == 0


def test_three_reports_hide_a_demand_from_every_list_until_an_operator_decides(api, outbox):
    org = league_org_session(api)
    demand = publish_demand(api, outbox, org["access_token"], title="数学辅导")
    did = demand["demand_id"]
    reporters = [register_individual(api, outbox) for _ in range(3)]
    for person in reporters[:2]:
        _report(api, person["access_token"], did)
    assert _listed(api, did) == [True, True, True, True]
    _report(api, reporters[2]["access_token"], did)
    assert _listed(api, did) == [False, False, False, False]
    assert api.get(f"/demands/{did}").status_code == 404
    owner_view = api.get(f"/demands/{did}", token=org["access_token"]).json
    assert owner_view["hidden"] is True
    operator = operator_token(api)
    queue = api.get("/admin/review-queue", token=operator).json["items"]
    assert [(q["demand_id"], q["open_report_count"], q["hidden"]) for q in queue] == [(did, 3, True)]
    dismissed = api.post(f"/admin/demands/{did}/reports/dismiss", {"note": "经核实信息属实"}, token=operator)
    assert dismissed.status_code == 200
    assert _listed(api, did) == [True, True, True, True]
    assert api.get("/admin/review-queue", token=operator).json["items"] == []
    outcome = api.get("/me/reports", token=reporters[0]["access_token"]).json["items"][0]
    assert outcome["status"] == "dismissed" and outcome["decision_note"] == "经核实信息属实"
    again = api.post(f"/admin/demands/{did}/reports/dismiss", {"note": "x"}, token=operator)
    assert again.status_code == 409


def test_an_upheld_report_keeps_the_demand_hidden_and_tells_the_publisher_why(api, outbox):
    org = league_org_session(api)
    demand = publish_demand(api, outbox, org["access_token"], title="数学辅导")
    did = demand["demand_id"]
    person = register_individual(api, outbox)
    _report(api, person["access_token"], did, "privacy_leak")
    operator = operator_token(api)
    reports = api.get(f"/admin/demands/{did}/reports", token=operator).json["items"]
    assert [r["reporter_id"] for r in reports] == [person["account_id"]]
    upheld = api.post(f"/admin/demands/{did}/reports/uphold", {"note": "需求内容泄露学生隐私"}, token=operator)
    assert upheld.status_code == 200
    assert _listed(api, did) == [False, False, False, False]
    owner_view = api.get(f"/demands/{did}", token=org["access_token"]).json
    assert owner_view["hidden"] is True and owner_view["hidden_reason"] == "需求内容泄露学生隐私"
    timeline = api.get(f"/demands/{did}/timeline", token=org["access_token"]).json["items"]
    assert timeline[-1]["action"] == "report_upheld" and timeline[-1]["reason"] == "需求内容泄露学生隐私"
    assert api.get("/me/reports", token=person["access_token"]).json["items"][0]["status"] == "upheld"


def test_only_operators_moderate(api, outbox):
    org = league_org_session(api)
    demand = publish_demand(api, outbox, org["access_token"])
    person = register_individual(api, outbox)
    _report(api, person["access_token"], demand["demand_id"])
    for token in (person["access_token"], org["access_token"]):
        assert api.get("/admin/review-queue", token=token).status_code == 403
        refused = api.post(f"/admin/demands/{demand['demand_id']}/reports/dismiss", {"note": "x"}, token=token)
        assert refused.status_code == 403
    assert Demand.get(demand["demand_id"]).review_queue == "pending"


def test_a_decision_settles_every_open_report_by_the_holders_the_demand_names(api, outbox):
    org = league_org_session(api)
    did = publish_demand(api, outbox, org["access_token"], title="数学辅导")["demand_id"]
    earlier, later = register_individual(api, outbox), register_individual(api, outbox)
    _report(api, earlier["access_token"], did)
    _report(api, later["access_token"], did)
    assert Demand.get(did).open_reporters == {earlier["account_id"], later["account_id"]}
    operator = operator_token(api)
    assert api.post(f"/admin/demands/{did}/reports/dismiss", {"note": "核实无误"}, token=operator).status_code == 200
    for person in (earlier, later):
        assert api.get("/me/reports", token=person["access_token"]).json["items"][0]["status"] == "dismissed"
    stored = Demand.get(did)
    assert stored.open_reporters is None and stored.open_report_count == 0
    # a new round: the same account reports again, and only that round is decided next
    _report(api, earlier["access_token"], did)
    assert Demand.get(did).open_reporters == {earlier["account_id"]}
    assert api.post(f"/admin/demands/{did}/reports/uphold", {"note": "再次核实"}, token=operator).status_code == 200
    assert api.get("/me/reports", token=later["access_token"]).json["items"][0]["status"] == "dismissed"
    assert api.get("/me/reports", token=earlier["access_token"]).json["items"][0]["status"] == "upheld"


# ---------------------------------------------------------------- 举报 on an activity (guide §4.5): the same rules

def _activity_world(api, outbox, now):

    publisher = league_org_session(api)
    did, org, _ = claimed_demand(api, outbox, publisher["access_token"])
    activity = published(api, org, did)
    return {"publisher": publisher["access_token"], "did": did, "org": org, "aid": activity["activity_id"]}


def _report_activity(api, token, activity_id, reason="false_information", text=None):
    body = {"reason": reason} if text is None else {"reason": reason, "text": text}
    return api.post(f"/activities/{activity_id}/reports", body, token=token)


def test_an_activity_report_is_refused_to_its_organization_to_anonymous_and_for_an_unknown_activity(api, outbox,
                                                                                                      now):
    from chalicelib.data.activities import Activity

    world = _activity_world(api, outbox, now)
    aid = world["aid"]
    assert _report_activity(api, world["org"]["token"], aid).json["error"]["code"] == "FORBIDDEN"
    assert _report_activity(api, None, aid).status_code == 401
    assert _report_activity(api, world["org"]["token"], "ab" * 16).status_code == 404
    person = register_individual(api, outbox)
    assert _report_activity(api, person["access_token"], aid, "other").status_code == 400   # other needs a text
    assert Activity.get(aid).open_report_count is None


def test_one_open_report_per_account_per_activity_and_it_shows_in_my_reports(api, outbox, now):
    from chalicelib.data.activities import Activity

    world = _activity_world(api, outbox, now)
    person = register_individual(api, outbox)["access_token"]
    first = _report_activity(api, person, world["aid"], "advertising")
    assert first.status_code == 201, first.json
    assert (first.json["target"], first.json["activity_id"], first.json["demand_id"]) == (
        "activity", world["aid"], world["did"])
    again = _report_activity(api, person, world["aid"])
    assert again.status_code == 409 and again.json["error"]["code"] == "ALREADY_REPORTED"
    assert Activity.get(world["aid"]).open_report_count == 1
    mine = api.get("/me/reports", token=person).json["items"]
    assert [(r["target"], r["activity_id"], r["activity_title"]) for r in mine] == [
        ("activity", world["aid"], "【云支教】招募8位数学老师帮助乡村小学生")]
    # the demand itself was not reported
    assert Demand.get(world["did"]).open_report_count == 0
    assert api.get(f"/admin/demands/{world['did']}/reports", token=operator_token(api)).json["items"] == []


def test_three_activity_reports_hide_it_from_the_public_and_from_sign_up_until_an_operator_dismisses(api, outbox,
                                                                                                     now):
    world = _activity_world(api, outbox, now)
    aid, did = world["aid"], world["did"]
    reporters = [register_individual(api, outbox)["access_token"] for _ in range(3)]
    for token in reporters[:2]:
        assert _report_activity(api, token, aid).status_code == 201
    assert api.get(f"/activities/{aid}").status_code == 200
    assert _report_activity(api, reporters[2], aid).status_code == 201

    assert api.get(f"/activities/{aid}").status_code == 404
    assert api.get(f"/activities/{aid}", token=reporters[0]).status_code == 404
    assert api.get(f"/demands/{did}/activities").json["items"] == []
    assert [a["activity_id"] for a in api.get(f"/demands/{did}/activities", token=world["org"]["token"]
                                               ).json["items"]] == [aid]   # its organization still sees it
    volunteer = register_individual(api, outbox)["access_token"]
    refused = api.post(f"/activities/{aid}/signups", token=volunteer)
    assert refused.status_code == 404 and refused.json["error"]["code"] == "NOT_FOUND"
    assert _report_activity(api, volunteer, aid).status_code == 404   # a hidden activity takes no report

    operator = operator_token(api)
    demands_queue = api.get("/admin/review-queue", token=operator).json["items"]
    assert demands_queue == []
    queue = api.get("/admin/review-queue?kind=activity", token=operator).json["items"]
    assert [(q["target"], q["activity_id"], q["demand_id"], q["open_report_count"], q["hidden"]) for q in queue] == [
        ("activity", aid, did, 3, True)]
    listed = api.get(f"/admin/activities/{aid}/reports", token=operator).json["items"]
    assert len(listed) == 3 and {r["status"] for r in listed} == {"open"}

    dismissed = api.post(f"/admin/activities/{aid}/reports/dismiss", {"note": "经核实活动正常"}, token=operator)
    assert dismissed.status_code == 200, dismissed.json
    assert dismissed.json["activity_id"] == aid
    assert api.get(f"/activities/{aid}").status_code == 200
    assert [a["activity_id"] for a in api.get(f"/demands/{did}/activities").json["items"]] == [aid]
    assert api.post(f"/activities/{aid}/signups", token=volunteer).status_code == 201
    assert api.get("/admin/review-queue?kind=activity", token=operator).json["items"] == []
    outcome = api.get("/me/reports", token=reporters[0]).json["items"][0]
    assert (outcome["status"], outcome["decision_note"]) == ("dismissed", "经核实活动正常")
    again = api.post(f"/admin/activities/{aid}/reports/dismiss", {"note": "再次"}, token=operator)
    assert again.status_code == 409 and again.json["error"]["code"] == "STATE_CONFLICT"


def test_an_upheld_activity_report_hides_it_and_refuses_sign_ups_and_tells_reporters_and_the_org(api, outbox, now):

    world = _activity_world(api, outbox, now)
    aid = world["aid"]
    person = register_individual(api, outbox)["access_token"]
    assert _report_activity(api, person, aid).status_code == 201
    assert api.get(f"/activities/{aid}").status_code == 200          # one report hides nothing
    operator = operator_token(api)
    upheld = api.post(f"/admin/activities/{aid}/reports/uphold", {"note": "虚假招募"}, token=operator)
    assert upheld.status_code == 200, upheld.json
    assert api.get(f"/activities/{aid}").status_code == 404
    assert api.post(f"/activities/{aid}/signups", token=register_individual(api, outbox)["access_token"]
                    ).status_code == 404
    assert api.get(f"/activities/{aid}", token=operator).status_code == 200
    assert api.get("/me/reports", token=person).json["items"][0]["status"] == "upheld"
    pump(api)
    assert any("您对活动《" in n["body"] and "已下架" in n["body"] for n in inbox(api, person))
    assert any("您发布的活动《" in n["body"] and "虚假招募" in n["body"] for n in inbox(api, world["org"]["token"]))


def test_only_operators_moderate_activity_reports(api, outbox, now):
    world = _activity_world(api, outbox, now)
    aid = world["aid"]
    person = register_individual(api, outbox)["access_token"]
    for token in (person, world["org"]["token"], world["publisher"]):
        assert api.get(f"/admin/activities/{aid}/reports", token=token).status_code == 403
        assert api.post(f"/admin/activities/{aid}/reports/uphold", {"note": "x"}, token=token).status_code == 403
        assert api.get("/admin/review-queue?kind=activity", token=token).status_code == 403

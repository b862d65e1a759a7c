"""The tour of every route and variant (the request-budget test and the write-answer test replay it):
enough data that list pages are full; each call is recorded with the DynamoDB requests it made."""
from __future__ import annotations

from datetime import timedelta

from tests.builders import (
    AT_SITE,
    PASSWORD,
    PNG,
    PROFILE,
    START,
    activity_body,
    certificate_body,
    cloud_form,
    demand_body,
    login,
    make_league_org,
    make_operator,
    next_phone,
    org_block,
    post_form,
    publish_demand,
    register_individual,
    registration,
    with_code,
)
from tests.clock import T0, Clock
from tests.conftest import METER


class Tour:
    """Measures each call of the tour; `run` makes every call, in order."""

    def __init__(self, api, now: Clock) -> None:
        self.api = api
        self.now = now
        self.seen: dict[str, tuple[str, ...]] = {}

    def run(self, outbox, wechat=None) -> dict:
        """Every route and variant, in the tour's order; returns the accounts it made (tokens, ids). The WeChat
        routes only with a fake WeChat to talk to (tests/fake_wechat.py)."""
        who = tour_accounts(self, outbox)
        demands = tour_demands(self, outbox, who)
        tour_reports(self, outbox, who, demands["ids"])
        tour_help_requests(self, outbox, who)
        claimed = tour_claims(self, outbox, who, demands["ids"])
        tour_activities(self, outbox, who, claimed["did"])
        tour_certificates(self, who)
        tour_closing(self, who, demands["ids"])
        tour_notifications(self, who)
        if wechat is not None:
            tour_wechat(self, outbox, wechat)
        return who

    def hit(self, method: str, route: str, path: str | None = None, *, variant: str = "", expect: int = 200,
            **kwargs):
        with METER.record(forbid_scan=True) as calls:
            response = self.api.call(method, path or route, **kwargs)
        assert response.status_code == expect, (method, path or route, response.json)
        key = f"{method} {route}" + (f" {variant}" if variant else "")
        assert key not in self.seen, f"{key} measured twice"
        self.seen[key] = tuple(call.label for call in calls)
        return response.json


def _code(api, outbox, phone: str, purpose: str, token: str | None = None) -> str:
    assert api.post("/sms/codes", {"phone": phone, "purpose": purpose}, token=token).status_code == 202
    return outbox.last_code(phone)


def _volunteer_org(tour: Tour, outbox, operator: str, *, measured: bool = False) -> dict:
    api = tour.api
    body = registration(api, outbox)
    if measured:
        account_id = tour.hit("POST", "/volunteer-orgs", body=body, expect=201)["account_id"]
        tour.hit("GET", "/admin/volunteer-orgs", "/admin/volunteer-orgs?status=pending_review", token=operator)
        tour.hit("POST", "/admin/volunteer-orgs/{account_id}/approve",
                 f"/admin/volunteer-orgs/{account_id}/approve", token=operator)
    else:
        account_id = api.post("/volunteer-orgs", body).json["account_id"]
        assert api.post(f"/admin/volunteer-orgs/{account_id}/approve", token=operator).status_code == 200
    token = login(api, "organization", body["account_name"]).json["access_token"]
    profile = {**PROFILE, "leader_mobile": body["contact_phone"]}
    if measured:
        tour.hit("PUT", "/me/org-profile", body=profile, token=token)
    else:
        assert api.put("/me/org-profile", profile, token=token).status_code == 200
    return {"token": token, "account_id": account_id}


def tour_accounts(tour: Tour, outbox) -> dict:
    api = tour.api
    tour.hit("GET", "/health")
    tour.hit("GET", "/reference")
    phone = next_phone()
    tour.hit("POST", "/sms/codes", body={"phone": phone, "purpose": "register"}, expect=202)
    person = tour.hit("POST", "/auth/register", body={"phone": phone, "sms_code": outbox.last_code(phone),
                                                      "display_name": "张三", "password": PASSWORD}, expect=201)
    tour.hit("POST", "/auth/login", body={"account_type": "individual", "login": phone, "password": PASSWORD})
    refreshed = tour.hit("POST", "/auth/refresh", body={"refresh_token": person["refresh_token"]})
    tour.hit("POST", "/auth/logout", body={"refresh_token": refreshed["refresh_token"]}, expect=204)
    tour.now.at += timedelta(seconds=61)   # one SMS per number per minute
    code = _code(api, outbox, phone, "reset_password")
    tour.hit("POST", "/auth/password/reset", body={"phone": phone, "sms_code": code, "new_password": PASSWORD},
             expect=204)
    token = login(api, "individual", phone).json["access_token"]
    tour.hit("GET", "/me", token=token)
    tour.hit("PUT", "/auth/password", body={"current_password": PASSWORD, "new_password": "Another1!"}, token=token)
    assert api.put("/auth/password", {"current_password": "Another1!", "new_password": PASSWORD},
                   token=token).status_code == 200

    make_operator()
    operator = login(api, "organization", "operator1").json["access_token"]
    tour.hit("POST", "/admin/accounts/{account_id}/disable", f"/admin/accounts/{person['account_id']}/disable",
             body={"reason": "冒用他人身份"}, token=operator)
    tour.hit("POST", "/admin/accounts/{account_id}/enable", f"/admin/accounts/{person['account_id']}/enable",
             token=operator)
    tour.now.at += timedelta(seconds=61)   # one SMS per number per minute
    tour.hit("POST", "/admin/accounts/{account_id}/password-reset",
             f"/admin/accounts/{person['account_id']}/password-reset", body={"reason": "本人来电申请"}, token=operator)
    tour.hit("GET", "/admin/audit-log", token=operator)
    tour.hit("GET", "/admin/accounts", "/admin/accounts?role=individual&status=active", token=operator)
    gz_mobile = next_phone()
    tour.hit("POST", "/admin/league-orgs", body={"org_name": "共青团广州市委员会", "account_name": "gd_gz_tw",
                                                 "leader_mobile": gz_mobile,
                                                 "region": {"province": "广东省", "city": "广州市"}},
             token=operator, expect=201)
    csv = ("组织名称,账号,所在省,所在市,所在区县,上级组织,负责人手机号\n"
           f"共青团深圳市罗湖区委员会,gd_sz_lh,广东省,深圳市,罗湖区,中国共产主义青年团深圳市委员会,{next_phone()}\n"
           f"共青团广州市天河区委员会,gd_gz_th,广东省,广州市,天河区,共青团广州市委员会,{next_phone()}\n")
    tour.hit("POST", "/admin/league-orgs/import", raw=csv.encode(), headers={"Content-Type": "text/csv"},
             token=operator)
    # An organization's 找回密码 (here one not yet activated: the leader mobile's code activates it too).
    tour.hit("POST", "/auth/password/reset/sms-code", body={"account_type": "organization", "login": "gd_gz_tw"},
             expect=202)
    tour.hit("POST", "/auth/password/reset", variant="organization", expect=204,
             body={"account_type": "organization", "login": "gd_gz_tw", "sms_code": outbox.last_code(gz_mobile),
                   "new_password": PASSWORD})

    leader_mobile = next_phone()
    make_league_org("gd_sz_tw", leader_mobile=leader_mobile)
    first = login(api, "organization", "gd_sz_tw", "000000").json
    tour.hit("POST", "/auth/activation/sms-code", token=first["access_token"], expect=202)
    league = tour.hit("PUT", "/auth/password", variant="activation", token=first["access_token"],
                      body={"current_password": "000000", "new_password": PASSWORD,
                            "sms_code": outbox.last_code(leader_mobile)})["access_token"]
    tour.hit("GET", "/me/league-profile", token=league)
    tour.hit("PUT", "/me/league-profile", body={"leader_name": "李雷", "landline": "020-87195622",
                                                "services_content": "数学课程辅导"}, token=league)
    # An image: the form (no AWS request but local signing), the upload to moto's S3, the claim (S3 only).
    form = tour.hit("POST", "/uploads", body={"purpose": "org_photo", "content_type": "image/png"}, token=league,
                    expect=201)
    assert post_form(form, PNG).status_code == 204
    tour.hit("PUT", "/me/league-profile", variant="with a new photo", body={"photo_keys": [form["key"]]},
             token=league)

    rejected = api.post("/volunteer-orgs", registration(api, outbox)).json["account_id"]
    tour.hit("POST", "/admin/volunteer-orgs/{account_id}/reject", f"/admin/volunteer-orgs/{rejected}/reject",
             body={"reason": "材料不全"}, token=operator)
    volunteer = _volunteer_org(tour, outbox, operator, measured=True)
    tour.hit("GET", "/me/org-profile", token=volunteer["token"])
    tour.hit("GET", "/volunteer-orgs")
    tour.hit("GET", "/volunteer-orgs", "/volunteer-orgs?q=义工", variant="keyword")
    tour.hit("GET", "/league-orgs/search", "/league-orgs/search?q=深圳", token=token)
    return {"person": token, "person_id": person["account_id"], "operator": operator, "league": league,
            "volunteer": volunteer}


def tour_demands(tour: Tour, outbox, who: dict) -> dict:
    api, league, person = tour.api, who["league"], who["person"]
    for _ in range(20):   # with the one below: 21 public demands, a full page of 20 and one more
        publish_demand(api, outbox, league)
    draft = tour.hit("POST", "/demands", body=demand_body(), token=league, expect=201)["demand_id"]
    tour.hit("PUT", "/demands/{demand_id}", f"/demands/{draft}", body=demand_body(volunteers_needed=6), token=league)
    leader = next_phone()
    block = org_block(leader, _code(api, outbox, leader, "leader_mobile", league))
    tour.hit("POST", "/demands/{demand_id}/publish", f"/demands/{draft}/publish", body={"org": block}, token=league)
    did = draft

    page = tour.hit("GET", "/demands", "/demands?limit=20")
    assert len(page["items"]) == 20
    tour.hit("GET", "/demands", "/demands?limit=20&city=深圳市", variant="city")
    tour.hit("GET", "/demands", "/demands?limit=20&q=数学", variant="keyword")
    tour.hit("GET", "/demands/recommended", token=who["volunteer"]["token"])
    tour.hit("GET", "/demands/{demand_id}", f"/demands/{did}", variant="anonymous")
    tour.hit("GET", "/demands/{demand_id}", f"/demands/{did}", variant="signed in", token=person)
    tour.hit("GET", "/demands/{demand_id}", f"/demands/{did}", variant="owner", token=league)
    tour.hit("GET", "/me/demands", "/me/demands?limit=20", token=league)
    tour.hit("GET", "/me/demands", "/me/demands?limit=20&status=open", variant="status", token=league)

    tour.hit("PUT", "/demands/{demand_id}/like", f"/demands/{did}/like", token=person)
    tour.hit("DELETE", "/demands/{demand_id}/like", f"/demands/{did}/like", token=person)
    tour.hit("PUT", "/demands/{demand_id}/favorite", f"/demands/{did}/favorite", token=person)
    tour.hit("GET", "/me/favorites", token=person)
    tour.hit("DELETE", "/demands/{demand_id}/favorite", f"/demands/{did}/favorite", token=person)
    tour.hit("GET", "/demands/{demand_id}/timeline", f"/demands/{did}/timeline", token=league)
    return {"did": did, "ids": [d["demand_id"] for d in page["items"]]}


def tour_reports(tour: Tour, outbox, who: dict, ids: list[str]) -> None:
    person, operator = who["person"], who["operator"]
    upheld, dismissed = ids[-1], ids[-2]
    tour.hit("POST", "/demands/{demand_id}/reports", f"/demands/{upheld}/reports",
             body={"reason": "false_information"}, token=person, expect=201)
    tour.api.post(f"/demands/{dismissed}/reports", {"reason": "advertising"}, token=person)
    tour.hit("GET", "/me/reports", token=person)
    tour.hit("GET", "/admin/review-queue", token=operator)
    tour.hit("GET", "/admin/demands/{demand_id}/reports", f"/admin/demands/{upheld}/reports", token=operator)
    tour.hit("POST", "/admin/demands/{demand_id}/reports/uphold", f"/admin/demands/{upheld}/reports/uphold",
             body={"note": "信息不实"}, token=operator)
    tour.hit("POST", "/admin/demands/{demand_id}/reports/dismiss", f"/admin/demands/{dismissed}/reports/dismiss",
             body={"note": "经核实信息属实"}, token=operator)


def tour_help_requests(tour: Tour, outbox, who: dict) -> None:
    api, person, league = tour.api, who["person"], who["league"]
    league_id = api.get("/me", token=league).json["account_id"]
    bodies = [with_code(api, outbox, person, {**cloud_form(), "org_id": league_id}) for _ in range(2)]
    adopted = tour.hit("POST", "/help-requests", body=bodies[0], token=person, expect=201)["request_id"]
    declined = api.post("/help-requests", bodies[1], token=person).json["request_id"]
    tour.hit("GET", "/me/help-requests", token=person)
    tour.hit("GET", "/help-requests/{request_id}", f"/help-requests/{adopted}", token=person)
    tour.hit("GET", "/me/help-request-inbox", "/me/help-request-inbox?status=pending", token=league)
    tour.hit("POST", "/help-requests/{request_id}/adopt", f"/help-requests/{adopted}/adopt", token=league)
    tour.hit("POST", "/help-requests/{request_id}/decline", f"/help-requests/{declined}/decline",
             body={"reason": "不在服务范围"}, token=league)


def tour_claims(tour: Tour, outbox, who: dict, ids: list[str]) -> dict:
    api, league, volunteer = tour.api, who["league"], who["volunteer"]
    did = ids[0]
    others = [_volunteer_org(tour, outbox, who["operator"]) for _ in range(2)]
    claim = tour.hit("POST", "/demands/{demand_id}/claims", f"/demands/{did}/claims", body={}, token=volunteer["token"],
                     expect=201)["claim_id"]
    returned = api.post(f"/demands/{did}/claims", {}, token=others[0]["token"]).json["claim_id"]
    withdrawn = api.post(f"/demands/{did}/claims", {}, token=others[1]["token"]).json["claim_id"]
    tour.hit("GET", "/me/claims", token=volunteer["token"])
    tour.hit("GET", "/me/claims", "/me/claims?status=pending", variant="status", token=volunteer["token"])
    tour.hit("GET", "/me/claim-inbox", "/me/claim-inbox?status=pending", token=league)
    tour.hit("GET", "/me/todo", variant="league org", token=league)
    tour.hit("GET", "/me/todo", variant="volunteer org", token=volunteer["token"])
    tour.hit("POST", "/claims/{claim_id}/return", f"/claims/{returned}/return", body={"reason": "人数不符"},
             token=league)
    tour.hit("POST", "/claims/{claim_id}/withdraw", f"/claims/{withdrawn}/withdraw", body={}, token=others[1]["token"])
    tour.hit("POST", "/claims/{claim_id}/confirm", f"/claims/{claim}/confirm", token=league)
    tour.hit("GET", "/demands/{demand_id}", f"/demands/{did}", variant="claimant", token=volunteer["token"])
    tour.hit("GET", "/demands/{demand_id}/claims", f"/demands/{did}/claims")
    tour.hit("GET", "/claims", "/claims?limit=20")

    tour.hit("POST", "/claims/{claim_id}/ratings", f"/claims/{claim}/ratings", body={"score": 5}, token=league,
             expect=201)
    tour.hit("GET", "/claims/{claim_id}/ratings", f"/claims/{claim}/ratings", token=league)
    tour.hit("GET", "/demands/{demand_id}/ratings", f"/demands/{did}/ratings")
    tour.hit("GET", "/me/ratings-owed", token=volunteer["token"])
    tour.hit("GET", "/me/claims", "/me/claims?status=to_rate", variant="to rate", token=volunteer["token"])
    tour.hit("GET", "/me/points", token=volunteer["token"])
    return {"did": did, "claim": claim}


def tour_activities(tour: Tour, outbox, who: dict, did: str) -> None:
    org, person = who["volunteer"]["token"], who["person"]
    body = activity_body(sign_in_method="定位签到签退")
    aid = tour.hit("POST", "/demands/{demand_id}/activities", f"/demands/{did}/activities", body=body, token=org,
                   expect=201)["activity_id"]
    other = tour.api.post(f"/demands/{did}/activities", activity_body(sign_in_method="扫码或者志愿者证签到签退"),
                          token=org).json["activity_id"]
    tour.hit("GET", "/demands/{demand_id}/activities", f"/demands/{did}/activities")
    tour.hit("GET", "/activities/{activity_id}", f"/activities/{aid}")
    tour.hit("POST", "/activities/{activity_id}/signups", f"/activities/{aid}/signups", token=person, expect=201)
    tour.hit("GET", "/activities/{activity_id}", f"/activities/{aid}", variant="volunteer", token=person)
    tour.api.post(f"/activities/{other}/signups", token=person)
    tour.hit("DELETE", "/activities/{activity_id}/signups/me", f"/activities/{other}/signups/me", token=person)
    tour.hit("GET", "/activities/{activity_id}/signups", f"/activities/{aid}/signups", token=org)
    tour.hit("GET", "/me/signups", token=person)
    assert tour.api.post(f"/activities/{other}/signups", token=person).status_code == 201   # again, for the code
    cancelled = tour.api.post(f"/demands/{did}/activities", activity_body(), token=org).json["activity_id"]
    tour.hit("POST", "/activities/{activity_id}/cancel", f"/activities/{cancelled}/cancel",
             body={"reason": "天气原因"}, token=org)
    tour.now.at = START + timedelta(minutes=5)
    shown = tour.hit("GET", "/activities/{activity_id}/check-in-code", f"/activities/{other}/check-in-code",
                     token=org)
    tour.hit("POST", "/activities/{activity_id}/check-ins", f"/activities/{aid}/check-ins", body=AT_SITE,
             token=person, expect=201)
    tour.hit("POST", "/activities/{activity_id}/check-ins", f"/activities/{other}/check-ins", variant="code",
             body={"code": shown["code"]}, token=person, expect=201)
    tour.now.at = START + timedelta(hours=2)
    tour.hit("POST", "/activities/{activity_id}/check-outs", f"/activities/{aid}/check-outs", body=AT_SITE,
             token=person)
    shown = tour.api.get(f"/activities/{other}/check-in-code", token=org).json
    tour.hit("POST", "/activities/{activity_id}/check-outs", f"/activities/{other}/check-outs", variant="code",
             body={"code": shown["code"]}, token=person)
    tour.hit("GET", "/me/service-records", token=person)

    # 举报 on activities and their moderation
    operator = who["operator"]
    tour.hit("POST", "/activities/{activity_id}/reports", f"/activities/{aid}/reports",
             body={"reason": "false_information"}, token=person, expect=201)
    tour.api.post(f"/activities/{other}/reports", {"reason": "advertising"}, token=person)
    tour.hit("GET", "/admin/review-queue", "/admin/review-queue?kind=activity", variant="activities", token=operator)
    tour.hit("GET", "/admin/activities/{activity_id}/reports", f"/admin/activities/{aid}/reports", token=operator)
    tour.hit("POST", "/admin/activities/{activity_id}/reports/uphold", f"/admin/activities/{aid}/reports/uphold",
             body={"note": "信息不实"}, token=operator)
    tour.hit("POST", "/admin/activities/{activity_id}/reports/dismiss",
             f"/admin/activities/{other}/reports/dismiss", body={"note": "经核实信息属实"}, token=operator)


def tour_certificates(tour: Tour, who: dict) -> None:
    """After tour_activities: the person served the volunteer organization's activities."""
    person, org = who["person"], who["volunteer"]["token"]
    body = certificate_body(who["volunteer"]["account_id"])
    issued = tour.hit("POST", "/certificate-requests", body=body, token=person, expect=201)["request_id"]
    refused, deleted = (tour.api.post("/certificate-requests", body, token=person).json["request_id"] for _ in "ab")
    tour.hit("GET", "/me/certificate-requests", token=person)
    tour.hit("GET", "/me/certificate-inbox", token=org)
    route = "/certificate-requests/{certificate_request_id}"
    number = tour.hit("POST", route + "/issue", f"/certificate-requests/{issued}/issue", token=org,
                      body={"person_in_charge": "李雷", "handler": "韩梅梅", "contact": "020-87195622"}
                      )["certificate"]["number"]
    tour.hit("GET", "/certificates/{number}", f"/certificates/{number}")
    tour.hit("GET", route + "/pdf", f"/certificate-requests/{issued}/pdf", token=person,
             headers={"Accept": "application/pdf"})
    tour.hit("POST", route + "/revoke", f"/certificate-requests/{issued}/revoke", body={"reason": "有误"}, token=org)
    tour.hit("POST", route + "/refuse", f"/certificate-requests/{refused}/refuse", body={"reason": "不属实"}, token=org)
    tour.hit("DELETE", route, f"/certificate-requests/{deleted}", token=person, expect=204)


def tour_closing(tour: Tour, who: dict, ids: list[str]) -> None:
    tour.hit("POST", "/demands/{demand_id}/close", f"/demands/{ids[1]}/close", body={"reason": "已另行安排"},
             token=who["league"])


def tour_notifications(tour: Tour, who: dict) -> None:
    from chalicelib.reference import NotificationType
    from chalicelib.services import notifications
    from chalicelib.services.notifications import Draft

    for i in range(3):   # as the stream handlers would have put them
        notifications.deliver(Draft(account_id=who["person_id"], type=NotificationType.CLAIM_APPLIED,
                                    at=T0 + timedelta(seconds=i), source=f"budget/{i}", body="消息"))
    person = who["person"]
    page = tour.hit("GET", "/me/notifications", token=person)
    tour.hit("GET", "/me/notifications", "/me/notifications?unread_first=true", variant="unread first", token=person)
    tour.hit("GET", "/me/notifications/unread-count", token=person)
    tour.hit("POST", "/me/notifications/{notification_id}/read",
             f"/me/notifications/{page['items'][0]['notification_id']}/read", token=person)
    tour.hit("POST", "/me/notifications/read-all", token=person)
    tour.hit("GET", "/me/notification-settings", token=person)
    tour.hit("PUT", "/me/notification-settings", body={"muted": ["claim_applied"]}, token=person)
    tour.hit("GET", "/stats/totals")
    tour.hit("GET", "/admin/stats/daily", "/admin/stats/daily?first_day=2099-05-01&last_day=2099-06-30",
             token=who["operator"])
    tour.hit("GET", "/admin/parked-events", "/admin/parked-events?source=ratings-stream", token=who["operator"])
    tour.hit("GET", "/openapi.json")
    tour.hit("GET", "/docs", expect=404)               # the explorer exists in the dev stage only
    tour.hit("GET", "/docs/{asset}", "/docs/swagger-ui.css", expect=404)


def tour_wechat(tour: Tour, outbox, wechat) -> None:
    """Sign-in from the 公众号 (tests/fake_wechat.py answers as WeChat): unbound, bind, bound, unbind."""
    api = tour.api
    page = {"redirect_uri": "https://h5.yce.test/wechat-login"}
    state = tour.hit("POST", "/auth/wechat/authorize-url", body=page)["state"]
    ticket = tour.hit("POST", "/auth/wechat/login", variant="unbound",
                      body={"code": wechat.code_for("oTourOpenid"), "state": state})["bind_ticket"]
    phone = next_phone()
    register_individual(api, outbox, phone)
    tour.now.at += timedelta(seconds=61)   # one SMS per number per minute
    person = tour.hit("POST", "/auth/wechat/bind", body={"bind_ticket": ticket, "phone": phone,
                                                         "sms_code": _code(api, outbox, phone, "wechat_bind")})
    state = api.post("/auth/wechat/authorize-url", page).json["state"]
    tour.hit("POST", "/auth/wechat/login", variant="bound", body={"code": wechat.code_for("oTourOpenid"),
                                                                  "state": state})
    token = person["access_token"]
    tour.hit("GET", "/auth/wechat/binding", token=token)
    check_in_page = {"url": "https://h5.yce.test/activities/1/check-in"}
    # The first signature fetches the 公众号's access_token and jsapi_ticket; every later one reads the copy.
    assert api.post("/wechat/js-sdk-signature", check_in_page, token=token).status_code == 200
    tour.hit("POST", "/wechat/js-sdk-signature", body=check_in_page, token=token)
    tour.hit("POST", "/auth/wechat/unbind", body={"password": PASSWORD}, token=token, expect=204)

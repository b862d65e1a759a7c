"""The permission matrix's world, rows and calls, shared by the tests that run it (tests/test_permission_matrix.py,
tests/test_observability.py): every route × every kind of caller, against objects owned by the "A" accounts.

Each row gives, for the callers (anonymous; individual A and B; 团组织 A and B; volunteer organization A
and B; operator), the status the call must get. `x` marks a call the caller is allowed to make that
changes its own state: its behaviour is tested where the route lives, not by the matrix.
"""
from __future__ import annotations

from chalicelib.reference import NotificationType
from chalicelib.services import notifications
from chalicelib.services.notifications import Draft
from tests.builders import (
    activity_body,
    applied,
    attend,
    certificate_body,
    demand_body,
    league_org_session,
    operator_token,
    org_block,
    publish_demand,
    published,
    register_individual,
    resident_id,
    submitted,
    volunteer,
)
from tests.clock import T0

ID_NUMBER = resident_id("44010519900307123")
CALLERS = ("anon", "indA", "indB", "lgA", "lgB", "voA", "voB", "op")

# Routes outside the API contract that every caller may read.
MATRIX: dict[str, str] = {
    # ------------------------------------------------------------ public reads
    "GET /health":                                   "200 200 200 200 200 200 200 200",
    "GET /reference":                                "200 200 200 200 200 200 200 200",
    "GET /stats/totals":                             "200 200 200 200 200 200 200 200",
    "GET /openapi.json":                             "200 200 200 200 200 200 200 200",
    "GET /docs":                                     "404 404 404 404 404 404 404 404",   # test stage: dev only
    "GET /docs/{asset}":                             "404 404 404 404 404 404 404 404",
    "GET /demands":                                  "200 200 200 200 200 200 200 200",
    "GET /demands/recommended":                      "200 200 200 200 200 200 200 200",
    "GET /demands/{demand_id}":                      "200 200 200 200 200 200 200 200",
    "GET /demands/{demand_id}/activities":           "200 200 200 200 200 200 200 200",
    "GET /demands/{demand_id}/claims":               "200 200 200 200 200 200 200 200",
    "GET /demands/{demand_id}/ratings":              "200 200 200 200 200 200 200 200",
    "GET /activities/{activity_id}":                 "200 200 200 200 200 200 200 200",
    "GET /claims":                                   "200 200 200 200 200 200 200 200",
    "GET /volunteer-orgs":                           "200 200 200 200 200 200 200 200",
    "GET /certificates/{number}":                    "200 200 200 200 200 200 200 200",
    # ------------------------------------------------------------ anonymous entry points (tested in their files)
    "POST /auth/login":                              "x x x x x x x x",
    "POST /auth/logout":                             "x x x x x x x x",
    "POST /auth/refresh":                            "x x x x x x x x",
    "POST /auth/register":                           "x x x x x x x x",
    "POST /auth/password/reset":                     "x x x x x x x x",
    "POST /auth/password/reset/sms-code":            "x x x x x x x x",
    # 团组织 activation: the A and B 团组织 of this world are activated already.
    "POST /auth/activation/sms-code":                "401 403 403 409 409 403 403 403",
    "POST /sms/codes":                               "x x x x x x x x",
    "POST /volunteer-orgs":                          "x x x x x x x x",
    "POST /auth/wechat/authorize-url":               "x x x x x x x x",   # tested in test_wechat.py
    "POST /auth/wechat/login":                       "x x x x x x x x",
    "POST /auth/wechat/bind":                        "x x x x x x x x",
    "PUT /auth/password":                            "401 x x x x x x x",
    # ------------------------------------------------------------ every signed-in account, its own things
    "GET /me":                                       "401 200 200 200 200 200 200 200",
    "GET /me/favorites":                             "401 200 200 200 200 200 200 200",
    "GET /me/reports":                               "401 200 200 200 200 200 200 200",
    "GET /me/notifications":                         "401 200 200 200 200 200 200 200",
    "GET /me/notifications/unread-count":            "401 200 200 200 200 200 200 200",
    "POST /me/notifications/read-all":               "401 x x x x x x x",
    "POST /me/notifications/{notification_id}/read": "401 x 404 404 404 404 404 404",
    "GET /me/notification-settings":                 "401 200 200 200 200 200 200 200",
    "PUT /me/notification-settings":                 "401 x x x x x x x",
    "GET /league-orgs/search":                       "401 200 200 200 200 200 200 200",
    "PUT /demands/{demand_id}/like":                 "401 x x x x x x x",
    "DELETE /demands/{demand_id}/like":              "401 x x x x x x x",
    "PUT /demands/{demand_id}/favorite":             "401 x x x x x x x",
    "DELETE /demands/{demand_id}/favorite":          "401 x x x x x x x",
    "POST /demands/{demand_id}/reports":             "401 x x x x x x x",
    "POST /activities/{activity_id}/reports":        "401 x x x x 403 x x",   # voA published it
    # ------------------------------------------------------------ individuals
    "POST /help-requests":                           "401 x x 403 403 403 403 403",
    "GET /me/help-requests":                         "401 200 200 403 403 403 403 403",
    "GET /help-requests/{request_id}":               "401 200 404 200 404 404 404 404",
    "POST /activities/{activity_id}/signups":        "401 409 x 403 403 403 403 403",
    "DELETE /activities/{activity_id}/signups/me":   "401 x 404 403 403 403 403 403",
    "POST /activities/{activity_id}/check-ins":      "401 x 403 403 403 403 403 403",
    "POST /activities/{activity_id}/check-outs":     "401 x 403 403 403 403 403 403",
    "GET /me/signups":                               "401 200 200 403 403 403 403 403",
    "GET /me/service-records":                       "401 200 200 403 403 403 403 403",
    # indB has no service of voA to certify: refused before anything is written.
    "POST /certificate-requests":                    "401 x 409 403 403 403 403 403",
    "GET /me/certificate-requests":                  "401 200 200 403 403 403 403 403",
    "DELETE /certificate-requests/{certificate_request_id}": "401 x 404 403 403 403 403 403",
    # indA's request is still waiting (409); the issuer prints nothing: the full 证件号码 is the volunteer's.
    "GET /certificate-requests/{certificate_request_id}/pdf": "401 409 404 403 403 403 403 403",
    # Only an individual binds a WeChat; the JS-SDK serves its check-in (test_wechat.py).
    "GET /auth/wechat/binding":                      "401 200 200 403 403 403 403 403",
    "POST /auth/wechat/unbind":                      "401 x x 403 403 403 403 403",
    "POST /wechat/js-sdk-signature":                 "401 x x 403 403 403 403 403",
    # ------------------------------------------------------------ 团组织
    "POST /demands":                                 "401 403 403 x x 403 403 403",
    "PUT /demands/{draft_id}":                       "401 403 403 x 404 403 403 403",
    "POST /demands/{draft_id}/publish":              "401 403 403 x 404 403 403 403",
    "POST /demands/{demand_id}/close":               "401 403 403 x 404 403 403 403",
    "GET /demands/{demand_id}/timeline":             "401 403 403 200 404 403 403 200",
    "GET /me/demands":                               "401 403 403 200 200 403 403 403",
    "GET /me/help-request-inbox":                    "401 403 403 200 200 403 403 403",
    "POST /help-requests/{request_id}/adopt":        "401 403 403 x 404 403 403 403",
    "POST /help-requests/{request_id}/decline":      "401 403 403 x 404 403 403 403",
    "GET /me/claim-inbox":                           "401 403 403 200 200 403 403 403",
    "POST /claims/{claim_id}/confirm":               "401 403 403 x 404 403 403 403",
    "POST /claims/{claim_id}/return":                "401 403 403 x 404 403 403 403",
    "GET /me/league-profile":                        "401 403 403 200 200 403 403 403",
    "PUT /me/league-profile":                        "401 403 403 x x 403 403 403",
    # ------------------------------------------------------------ both kinds of organization
    "GET /claims/{claim_id}/ratings":                "401 403 403 200 404 200 404 403",
    "POST /claims/{claim_id}/ratings":               "401 403 403 x 404 x 404 403",
    "GET /me/ratings-owed":                          "401 403 403 200 200 200 200 403",
    "GET /me/points":                                "401 403 403 200 200 200 200 403",
    "GET /me/todo":                                  "401 403 403 200 200 200 200 403",
    # ------------------------------------------------------------ 志愿服务组织
    "POST /demands/{demand_id}/claims":              "401 403 403 403 403 x x 403",
    "POST /claims/{claim_id}/withdraw":              "401 403 403 403 403 x 404 403",
    "GET /me/claims":                                "401 403 403 403 403 200 200 403",
    "POST /demands/{demand_id}/activities":          "401 403 403 403 403 x 404 403",
    "POST /activities/{activity_id}/cancel":         "401 403 403 403 403 x 404 403",
    "GET /activities/{activity_id}/check-in-code":   "401 403 403 403 403 200 404 403",
    "GET /activities/{activity_id}/signups":         "401 403 403 403 403 200 404 403",
    "GET /me/org-profile":                           "401 403 403 403 403 200 200 403",
    "PUT /me/org-profile":                           "401 403 403 403 403 x x 403",
    "GET /me/certificate-inbox":                     "401 403 403 403 403 200 200 403",
    "POST /certificate-requests/{certificate_request_id}/issue": "401 403 403 403 403 x 404 403",
    "POST /certificate-requests/{certificate_request_id}/refuse": "401 403 403 403 403 x 404 403",
    "POST /certificate-requests/{certificate_request_id}/revoke": "401 403 403 403 403 x 404 403",
    # A form to upload under the caller's own key: nothing is written (tests/test_uploads.py).
    "POST /uploads":                                 "401 403 403 201 201 201 201 403",
    # ------------------------------------------------------------ operators
    "POST /admin/league-orgs":                       "401 403 403 403 403 403 403 x",
    "POST /admin/league-orgs/import":                "401 403 403 403 403 403 403 x",
    "GET /admin/volunteer-orgs":                     "401 403 403 403 403 403 403 200",
    "POST /admin/volunteer-orgs/{account_id}/approve": "401 403 403 403 403 403 403 x",
    "POST /admin/volunteer-orgs/{account_id}/reject":  "401 403 403 403 403 403 403 x",
    "POST /admin/accounts/{account_id}/password-reset": "401 403 403 403 403 403 403 x",
    "POST /admin/accounts/{account_id}/disable":     "401 403 403 403 403 403 403 x",
    "POST /admin/accounts/{account_id}/enable":      "401 403 403 403 403 403 403 x",
    "GET /admin/review-queue":                       "401 403 403 403 403 403 403 200",
    "GET /admin/demands/{demand_id}/reports":        "401 403 403 403 403 403 403 200",
    "POST /admin/demands/{demand_id}/reports/dismiss": "401 403 403 403 403 403 403 x",
    "POST /admin/demands/{demand_id}/reports/uphold":  "401 403 403 403 403 403 403 x",
    "GET /admin/activities/{activity_id}/reports":   "401 403 403 403 403 403 403 200",
    "POST /admin/activities/{activity_id}/reports/dismiss": "401 403 403 403 403 403 403 x",
    "POST /admin/activities/{activity_id}/reports/uphold":  "401 403 403 403 403 403 403 x",
    "GET /admin/parked-events":                      "401 403 403 403 403 403 403 200",
    "GET /admin/audit-log":                          "401 403 403 403 403 403 403 200",
    "GET /admin/accounts":                           "401 403 403 403 403 403 403 200",
    "GET /admin/stats/daily":                        "401 403 403 403 403 403 403 200",
}

# A path template in MATRIX may name the draft instead of the published demand.
ALIASES = {"PUT /demands/{draft_id}": "PUT /demands/{demand_id}",
           "POST /demands/{draft_id}/publish": "POST /demands/{demand_id}/publish"}



def bodies(world) -> dict[str, object]:
    """Valid bodies, so a refusal is about who calls, not about what is sent."""
    return {
        "PUT /auth/password": {"current_password": "Passw0rd!", "new_password": "Another1!"},
        "POST /help-requests": {"kind": "general", "title": "图书角", "description": "需要志愿者",
                                "contact_name": "赵雷", "contact_phone": "13912345678", "sms_code": "000000",
                                "org_id": world["lgA"]["account_id"]},
        "POST /activities/{activity_id}/check-ins": {"code": "000000"},
        "POST /activities/{activity_id}/check-outs": {"code": "000000"},
        "POST /demands": demand_body(),
        "PUT /demands/{demand_id}": demand_body(),
        "POST /demands/{demand_id}/publish": {"org": org_block("13912345678", "000000")},
        "POST /demands/{demand_id}/close": {"reason": "不再需要"},
        "POST /help-requests/{request_id}/decline": {"reason": "不在服务范围"},
        "POST /claims/{claim_id}/return": {"reason": "不合适"},
        "POST /claims/{claim_id}/ratings": {"score": 5},
        "POST /claims/{claim_id}/withdraw": {"reason": "人手不足"},
        "POST /demands/{demand_id}/activities": activity_body(),
        "POST /activities/{activity_id}/cancel": {"reason": "天气原因"},
        "POST /admin/league-orgs": {"org_name": "团C", "account_name": "lg_c", "leader_mobile": "13912345679",
                                    "region": {"province": "广东省", "city": "深圳市", "district": "罗湖区"}},
        "POST /admin/accounts/{account_id}/password-reset": {"reason": "本人申请"},
        "POST /admin/volunteer-orgs/{account_id}/reject": {"reason": "材料不全"},
        "POST /admin/accounts/{account_id}/disable": {"reason": "违规"},
        "POST /admin/demands/{demand_id}/reports/dismiss": {"note": "属实"},
        "POST /admin/demands/{demand_id}/reports/uphold": {"note": "违规"},
        "POST /activities/{activity_id}/reports": {"reason": "false_information"},
        "POST /admin/activities/{activity_id}/reports/dismiss": {"note": "属实"},
        "POST /admin/activities/{activity_id}/reports/uphold": {"note": "违规"},
        "PUT /me/league-profile": {},
        "PUT /me/org-profile": {},
        "POST /auth/wechat/unbind": {"password": "Passw0rd!"},
        "POST /wechat/js-sdk-signature": {"url": "https://h5.yce.test/activities/1/check-in"},
        "POST /uploads": {"purpose": "org_photo", "content_type": "image/png"},
        "POST /certificate-requests": certificate_body(world["vo_a"]["account_id"], id_number=ID_NUMBER),
        "POST /certificate-requests/{certificate_request_id}/issue": {
            "person_in_charge": "李雷", "handler": "韩梅梅", "contact": "020-87195622"},
        "POST /certificate-requests/{certificate_request_id}/refuse": {"reason": "不属实"},
        "POST /certificate-requests/{certificate_request_id}/revoke": {"reason": "有误"},
    }



def build_world(api, outbox, now) -> dict:
    """Accounts A and B of every kind and the objects the A accounts own, each reached by its path parameter."""
    lg_a, lg_b = league_org_session(api, "lg_a", "团A"), league_org_session(api, "lg_b", "团B")
    ind_a, ind_b = register_individual(api, outbox), register_individual(api, outbox)
    vo_a, vo_b = volunteer(api, outbox), volunteer(api, outbox)
    request = submitted(api, outbox, ind_a, lg_a["account_id"])
    demand = publish_demand(api, outbox, lg_a["access_token"])
    draft = api.post("/demands", demand_body(), token=lg_a["access_token"]).json
    claim = applied(api, vo_a, demand["demand_id"])
    assert api.post(f"/claims/{claim['claim_id']}/confirm", token=lg_a["access_token"]).status_code == 200
    activity = published(api, vo_a, demand["demand_id"])
    assert api.post(f"/activities/{activity['activity_id']}/signups", token=ind_a["access_token"]).status_code == 201
    # indA served 2 hours there and asked voA for two certificates: one issued (its number), one waiting.
    attend(api, now, activity["activity_id"], ind_a["access_token"])
    asked = [api.post("/certificate-requests", certificate_body(vo_a["account_id"], id_number=ID_NUMBER),
                      token=ind_a["access_token"]).json["request_id"] for _ in range(2)]
    number = api.post(f"/certificate-requests/{asked[0]}/issue", {"person_in_charge": "李雷", "handler": "韩梅梅",
                      "contact": "020-87195622"}, token=vo_a["token"]).json["certificate"]["number"]
    notifications.deliver(Draft(account_id=ind_a["account_id"], type=NotificationType.CLAIM_APPLIED, at=T0,
                                source="matrix/1", body="一条消息"))
    note = api.get("/me/notifications", token=ind_a["access_token"]).json["items"][0]
    tokens = {"anon": None, "indA": ind_a["access_token"], "indB": ind_b["access_token"],
              "lgA": lg_a["access_token"], "lgB": lg_b["access_token"], "voA": vo_a["token"],
              "voB": vo_b["token"], "op": operator_token(api)}
    return {"tokens": tokens, "lgA": lg_a, "request": request, "demand": demand, "draft": draft, "claim": claim,
            "activity": activity, "note": note, "ind_a": ind_a, "vo_a": vo_a, "api": api,
            "params": {"demand_id": demand["demand_id"], "draft_id": draft["demand_id"],
                       "request_id": request["request_id"], "claim_id": claim["claim_id"],
                       "activity_id": activity["activity_id"], "account_id": vo_a["account_id"],
                       "notification_id": note["notification_id"], "asset": "swagger-ui.css",
                       "certificate_request_id": asked[1], "number": number},
            "secrets": _secrets(request, demand, ind_a, vo_a)}



def _secrets(request, demand, ind_a, vo_a) -> dict[str, set[str]]:
    """Personal data → the callers allowed to see it in full."""
    leader = demand.get("org", {}).get("leader_mobile") if isinstance(demand.get("org"), dict) else None
    found = {
        request["contact_phone_full"]: {"lgA"},                     # the help request's contact mobile
        "赵小二": {"indA", "lgA"}, "李村小学": {"indA", "lgA"},        # the pupil's name and school
        ind_a["phone"]: {"indA"},                                    # the individual's own mobile
        ID_NUMBER: set(),                                            # a certificate's 证件号码: in the PDF only
        "陈志远": {"indA", "voA"},                                    # the name on indA's certificate requests
    }
    if leader and "*" not in leader:
        found[leader] = {"lgA", "voA"}                               # the demand leader's mobile
    return found



# The query parameters a route requires, so each call reaches its authorization and object checks.
_REQUIRED_QUERIES = {
    "GET /league-orgs/search": "?q=团",
    "GET /admin/parked-events": "?source=ratings-stream",
    "GET /admin/accounts": "?role=individual",
    "GET /admin/stats/daily": "?first_day=2099-06-01&last_day=2099-06-30",
}


def call(world, key: str, caller: str):
    real = ALIASES.get(key, key)
    method, template = real.split(" ", 1)
    path = template
    params = dict(world["params"])
    if key in ALIASES:
        params["demand_id"] = params["draft_id"]
    for name, value in params.items():
        path = path.replace("{" + name + "}", value)
    body = bodies(world).get(real)
    path += _REQUIRED_QUERIES.get(real, "")
    if real == "POST /admin/league-orgs/import":
        return world["api"].call(method, path, token=world["tokens"][caller], raw=b"",
                                 headers={"Content-Type": "text/csv"})
    return world["api"].call(method, path, body if body is not None else ({} if method != "GET" else None),
                             token=world["tokens"][caller])



def executed_cells(row: str) -> list[tuple[str, str]]:
    """(caller, expected status) of every cell the matrix executes (every one but `x`)."""
    return [(caller, expected) for caller, expected in zip(CALLERS, row.split(), strict=True) if expected != "x"]

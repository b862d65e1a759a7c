"""Building blocks shared by the behaviour tests: accounts of each role logged in, demands, claims, help
requests, activities, ratings and notifications as the API makes them."""
from __future__ import annotations

import itertools
import math
import secrets
from datetime import datetime, timedelta

from chalicelib import clock
from chalicelib.auth.principal import Principal
from chalicelib.data.accounts import Account, Region, login_key
from chalicelib.data.base import Transaction
from chalicelib.data.claims import ApplicantSnapshot, Claim
from chalicelib.data.demands import PUBLIC_FEED, Demand, DemandEvent, OrgBlock
from chalicelib.data.help_requests import HelpRequest
from chalicelib.data.ratings import RatingSheet
from chalicelib.errors import AppError, ErrorCode
from chalicelib.events import ratings_stream
from chalicelib.reference import AccountStatus, Role
from chalicelib.schemas.orgs import LeagueOrgIn, VolunteerOrgProfileIn
from chalicelib.services import (
    activities,
    credit_code,
    league_orgs,
    ratings,
    sms_sender,
)
from chalicelib.services.accounts import create_operator, find_by_unique, insert_account, new_account
from chalicelib.services.volunteer_orgs import build_profile
from tests import streams
from tests.clock import T0

PASSWORD = "Passw0rd!"
_phones = itertools.count(13800000000)


def next_phone() -> str:
    return str(next(_phones))


def register_individual(api, outbox, phone: str | None = None, password: str = PASSWORD) -> dict:
    phone = phone or next_phone()
    assert api.post("/sms/codes", {"phone": phone, "purpose": "register"}).status_code == 202
    response = api.post("/auth/register", {"phone": phone, "sms_code": outbox.last_code(phone),
                                           "display_name": "张三", "password": password})
    assert response.status_code == 201, response.json
    return {**response.json, "phone": phone}


def login(api, account_type: str, login_name: str, password: str = PASSWORD):
    return api.post("/auth/login", {"account_type": account_type, "login": login_name, "password": password})


def make_operator(name: str = "operator1", password: str = PASSWORD) -> Account:
    return create_operator(account_name=name, display_name="团省委运营", password=password)


def operator_token(api, name: str = "operator1") -> str:
    make_operator(name)
    return login(api, "organization", name).json["access_token"]


# Provisioning is an operator's act (audited); builders that skip the HTTP call name this one.
PROVISIONING_OPERATOR = Principal("provisioning-operator", Role.OPERATOR)


def make_league_org(account_name: str = "gd_sz_tw", org_name: str = "中国共产主义青年团深圳市委员会",
                    leader_mobile: str | None = None) -> Account:
    """Provisioned, not yet activated (still on 000000): see `activate_league_org`."""
    return league_orgs.create(PROVISIONING_OPERATOR, LeagueOrgIn.model_validate({
        "org_name": org_name, "account_name": account_name, "leader_mobile": leader_mobile or next_phone(),
        "region": {"province": "广东省", "city": "深圳市", "district": "罗湖区"}}))


def activate_league_org(api, account_name: str, password: str = PASSWORD) -> dict:
    """The real first login: 000000, the activation code to the leader mobile, the new password."""
    account = find_by_unique(login_key(account_name))
    first = login(api, "organization", account_name, "000000")
    assert first.status_code == 200, first.json
    token = first.json["access_token"]
    sent = api.post("/auth/activation/sms-code", token=token)
    assert sent.status_code == 202, sent.json
    changed = api.put("/auth/password", {"current_password": "000000", "new_password": password,
                                         "sms_code": sms_sender.sender().last_code(account.leader_mobile)},
                      token=token)
    assert changed.status_code == 200, changed.json
    return changed.json


def activate_in_process(account: Account, password: str = PASSWORD) -> Account:
    """The same activation without the HTTP client (tests on moto's server): the code sent to the leader
    mobile, then the first password change with it."""
    from chalicelib.services import accounts

    caller = Principal(account.account_id, Role.LEAGUE_ORG, must_change_password=True)
    phone, _ = accounts.send_activation_code(caller, client="198.51.100.1")
    accounts.change_password(caller, current_password="000000", new_password=password,
                             sms_code=sms_sender.sender().last_code(phone))
    return find_by_unique(login_key(account.login))


def activated_league_org(api, account_name: str = "gd_sz_tw",
                         org_name: str = "中国共产主义青年团深圳市委员会") -> Account:
    """A 团组织 provisioned and activated through the API (searchable, addressable)."""
    make_league_org(account_name, org_name)
    activate_league_org(api, account_name)
    return find_by_unique(login_key(account_name))


def league_org_session(api, account_name: str = "gd_sz_tw", org_name: str = "中国共产主义青年团深圳市委员会") -> dict:
    """A 团组织 that has activated (first login with the leader mobile's code) and set its password."""
    make_league_org(account_name, org_name)
    return activate_league_org(api, account_name)


def demand_body(**overrides) -> dict:
    body = {"title": "需要招募8位数学老师为乡村孩子在线辅导课程", "demand_type": "关爱未成年人",
            "volunteers_needed": 8, "content": "他们上学期数学成绩中等偏下，解方程是弱项。",
            "period_start": "2099-06-05", "period_end": "2099-06-08", "guarantees": ["餐饮保障"]}
    body.update(overrides)
    return {k: v for k, v in body.items() if v is not None}


def org_block(leader_mobile: str, code: str | None, **overrides) -> dict:
    block = {"region": {"province": "广东省", "city": "深圳市", "district": "罗湖区"},
             "org_name": "中国共产主义青年团深圳市委员会", "leader_name": "李雷", "landline": "0571-99889988",
             "leader_mobile": leader_mobile, "leader_sms_code": code, "services_content": "数学课程辅导"}
    block.update(overrides)
    return block


def publish_demand(api, outbox, token: str, *, city: str = "深圳市", **overrides) -> dict:
    draft = api.post("/demands", demand_body(**overrides), token=token)
    assert draft.status_code == 201, draft.json
    leader = next_phone()
    assert api.post("/sms/codes", {"phone": leader, "purpose": "leader_mobile"}, token=token).status_code == 202
    block = org_block(leader, outbox.last_code(leader), region={"province": "广东省", "city": city,
                                                               "district": "某区"})
    published = api.post(f"/demands/{draft.json['demand_id']}/publish", {"org": block}, token=token)
    assert published.status_code == 200, published.json
    return published.json


# ---------------------------------------------------------------- moderation without three reporters

def hide_demand(demand_id: str) -> None:
    """Hide a demand as moderation does (feed keys removed), without three reporters."""
    from chalicelib.data.demands import Demand
    Demand(demand_id).update(actions=[Demand.hidden.set(True), Demand.feed.remove(), Demand.feed_city.remove()])


# ---------------------------------------------------------------- volunteer organizations and claims

def valid_code(body: str) -> str:
    return body + credit_code.check_character(body)


def registration(api, outbox, **overrides) -> dict:
    phone = overrides.pop("contact_phone", None) or next_phone()
    api.post("/sms/codes", {"phone": phone, "purpose": "org_contact"})
    body = {"account_name": f"vol_{phone}", "password": PASSWORD, "org_name": "深圳市义工联合会",
            "org_kind": "registered", "credit_code": valid_code("51440300MJL0000" + phone[-2:]),
            "filing_number": "粤民备2020001", "contact_name": "王五", "contact_phone": phone,
            "sms_code": outbox.last_code(phone)}
    body.update(overrides)
    return body


def register_org(api, outbox, **overrides):
    body = registration(api, outbox, **overrides)
    return body, api.post("/volunteer-orgs", body)


PROFILE = {
    "region": {"province": "广东省", "city": "深圳市", "district": "福田区"},
    "service_areas": ["关爱未成年人", "文化体育"], "service_targets": ["青少年"],
    "volunteer_count": 120, "advantages": "数学、英语课程辅导",
    "leader_name": "赵六", "leader_mobile": None, "landline": "020-87195622",
}


def approved_org(api, outbox):
    body, response = register_org(api, outbox)
    account_id = response.json["account_id"]
    token = operator_token(api, name=f"op_{account_id[:6]}")
    assert api.post(f"/admin/volunteer-orgs/{account_id}/approve", token=token).status_code == 200
    session = login(api, "organization", body["account_name"]).json
    return body, account_id, session


def volunteer(api, outbox, *, profile: bool = True) -> dict:
    body, account_id, session = approved_org(api, outbox)
    token = session["access_token"]
    if profile:
        saved = api.put("/me/org-profile", {**PROFILE, "leader_mobile": body["contact_phone"]}, token=token)
        assert saved.status_code == 200, saved.json
    return {"token": token, "account_id": account_id, "phone": body["contact_phone"]}


def apply(api, org, demand_id, message=None):
    return api.post(f"/demands/{demand_id}/claims", {"message": message} if message else {}, token=org["token"])


def applied(api, org, demand_id) -> dict:
    response = apply(api, org, demand_id)
    assert response.status_code == 201, response.json
    return response.json


def code(response) -> str:
    return response.json["error"]["code"]


def actions(api, token, demand_id) -> list[tuple]:
    items = api.get(f"/demands/{demand_id}/timeline", token=token).json["items"]
    return [(e["action"], e["from_status"], e["to_status"], e["reason"]) for e in items]


def volunteer_item(i: int):
    account = new_account(role=Role.VOLUNTEER_ORG, login=f"race_{i}_{secrets.token_hex(3)}", display_name=f"组织{i}",
                          password_hash="x", status=AccountStatus.ACTIVE, phone=next_phone())
    insert_account(account, [(login_key(account.login), AppError(ErrorCode.ACCOUNT_NAME_TAKEN))])
    profile = build_profile(VolunteerOrgProfileIn.model_validate({**PROFILE, "leader_mobile": account.phone}))
    account.update(actions=[Account.profile.set(profile)])
    return Principal(account.account_id, Role.VOLUNTEER_ORG)


def open_demand(org_id: str) -> str:
    moment = clock.now()
    did = secrets.token_hex(16)
    Demand(did, org_id=org_id, org_name="团委", status="open", org_status=f"{org_id}#open", title="需求",
           created_at=moment, updated_at=moment, published_at=moment, feed=PUBLIC_FEED,
           feed_city=f"{PUBLIC_FEED}#深圳市",
           org_block=OrgBlock(region=Region(province="广东省", city="深圳市", district="罗湖区"), org_name="团委",
                              leader_name="李雷", leader_mobile="13912345678")).save()
    return did


def attempt(work):
    try:
        return work(), None
    except AppError as exc:
        return None, exc.code.name


# ---------------------------------------------------------------- help requests

def org_session(api, account_name="gd_sz_tw", org_name="中国共产主义青年团深圳市委员会") -> dict:
    """A 团组织 that has activated (and so changed its initial password): its token and account id."""
    return league_org_session(api, account_name, org_name)


def cloud_form(**overrides) -> dict:
    body = {"kind": "cloud_tutoring", "title": "【乡村云支教】我需要补习英语", "student_name": "赵小二",
            "gender": "男", "grade": "小学三年级", "school": "李村小学", "city": "深圳市",
            "address": "深圳市李村小学",
            "subjects": [{"subject": "英语", "score": 44}, {"subject": "数学", "score": 76},
                         {"subject": "语文", "score": 66}],
            "interests": ["绘画", "棋类", "朗诵"], "contact_name": "赵雷"}
    body.update(overrides)
    return body


def general_form(**overrides) -> dict:
    body = {"kind": "general", "title": "需要帮助整理社区图书角", "description": "社区图书角缺少志愿者整理图书。",
            "contact_name": "赵雷"}
    body.update(overrides)
    return body


def with_code(api, outbox, token, body, phone=None) -> dict:
    phone = phone or next_phone()
    sent = api.post("/sms/codes", {"phone": phone, "purpose": "help_contact"}, token=token)
    assert sent.status_code == 202, sent.json
    return {**body, "contact_phone": phone, "sms_code": outbox.last_code(phone)}


def submit(api, outbox, person, org_id, form=None):
    body = with_code(api, outbox, person["access_token"], {**(form or cloud_form()), "org_id": org_id})
    response = api.post("/help-requests", body, token=person["access_token"])
    return body, response


def submitted(api, outbox, person, org_id, form=None) -> dict:
    body, response = submit(api, outbox, person, org_id, form)
    assert response.status_code == 201, response.json
    return {**response.json, "contact_phone_full": body["contact_phone"]}


# ---------------------------------------------------------------- activities

START = T0 + timedelta(days=3)                       # service 2099-06-04 08:00–12:00 CST
END = START + timedelta(hours=4)
SITE = (39.812562, 116.608858)                       # latitude, longitude of the guide's example
AT_SITE = {"latitude": SITE[0], "longitude": SITE[1]}


def iso(moment: datetime) -> str:
    return moment.astimezone(clock.CST).isoformat()


def activity_body(**overrides) -> dict:
    body = {
        "title": "【云支教】招募8位数学老师帮助乡村小学生", "activity_type": "志愿服务活动（计入服务时长）",
        "category": "文明实践", "volunteers_to_recruit": 8, "contact_name": "李雷",
        "contact_mobile": "18826480174", "recruit_start": iso(T0 - timedelta(hours=1)),
        "recruit_end": iso(T0 + timedelta(days=2)), "service_start": iso(START), "service_end": iso(END),
        "address": "广东深圳市龙岗区测试地址", "coordinates": "116.608858, 39.812562",
        # Position-based unless a test needs the code: a 扫码 activity refuses a position (issue 19).
        "sign_in_method": "定位签到签退", "attendance_radius_km": 3,
        "who_may_sign_up": "所有志愿者可报名", "tags": ["适合亲子体验", "适合中小学生参加"],
        "service_targets": ["青少年"], "guarantees": ["餐饮保障"],
        "introduction": "需要招募8位数学老师为乡村孩子在线辅导课程，他们上学期数学成绩中等偏下，解方程是弱项。",
        "service_content": "8位数学老师辅导孩子，需要光线明亮的环境，最好有PPT展示。", "certificate_consent": True,
    }
    body.update(overrides)
    return body


def claimed_demand(api, outbox, publisher_token: str, **demand_overrides) -> tuple[str, dict, dict]:
    did = publish_demand(api, outbox, publisher_token, **demand_overrides)["demand_id"]
    org = volunteer(api, outbox)
    claim = applied(api, org, did)
    assert api.post(f"/claims/{claim['claim_id']}/confirm", token=publisher_token).status_code == 200
    return did, org, claim


def published(api, org, did, **overrides) -> dict:
    response = api.post(f"/demands/{did}/activities", activity_body(**overrides), token=org["token"])
    assert response.status_code == 201, response.json
    return response.json


def individual(api, outbox) -> dict:
    p = register_individual(api, outbox)
    return {"token": p["access_token"], "phone": p["phone"], "account_id": p["account_id"]}


def signed_up(api, outbox, aid) -> dict:
    p = individual(api, outbox)
    response = api.post(f"/activities/{aid}/signups", token=p["token"])
    assert response.status_code == 201, response.json
    return p


def north_of_site(km: float) -> dict:
    return {"latitude": SITE[0] + math.degrees(km / activities.EARTH_RADIUS_KM), "longitude": SITE[1]}


# ---------------------------------------------------------------- ratings and the points stream

HANDLER = "ratings_stream"


def stream_records() -> list[dict]:
    return streams.stream_records(RatingSheet)


def rating_records(records: list[dict]) -> list[dict]:
    return [r for r in records if ratings_stream.awards_in(r)]


def invoke(api, records: list[dict]) -> dict:
    return streams.invoke(api, HANDLER, records)


def confirmed_claim(api, outbox, publisher_token: str, org: dict | None = None) -> tuple[dict, dict]:
    """A published demand, an application by `org` (a new volunteer org by default), confirmed."""
    org = org or volunteer(api, outbox)
    demand = publish_demand(api, outbox, publisher_token)
    claim = applied(api, org, demand["demand_id"])
    confirmed = api.post(f"/claims/{claim['claim_id']}/confirm", token=publisher_token)
    assert confirmed.status_code == 200, confirmed.json
    return org, confirmed.json


def rate(api, token, claim_id, score, comment=None):
    body = {"score": score} if comment is None else {"score": score, "comment": comment}
    return api.post(f"/claims/{claim_id}/ratings", body, token=token)


def rated(api, token, claim_id, score, comment=None) -> dict:
    response = rate(api, token, claim_id, score, comment)
    assert response.status_code == 201, response.json
    return response.json


def stored_confirmed_claim(demand_id: str, publisher_id: str, applicant_id: str) -> Claim:
    moment = clock.now()
    claim = Claim(demand_id=demand_id, applicant_id=applicant_id, publisher_id=publisher_id,
                  publisher_name="中国共产主义青年团深圳市委员会", demand_title="数学辅导", status="confirmed",
                  applicant_status=f"{applicant_id}#confirmed", publisher_status=f"{publisher_id}#confirmed",
                  applicant=ApplicantSnapshot(org_name="深圳市义工联合会",
                                              region=Region(province="广东省", city="深圳市"),
                                              service_areas=[], volunteer_count=10, advantages="经验丰富"),
                  applied_at=moment, confirmed_at=moment, updated_at=moment)
    claim.save()
    tx = Transaction()
    ratings.open_sheet(tx, claim, moment)
    tx.commit()
    return claim


# ---------------------------------------------------------------- notifications

def pump(api) -> None:
    """Hand every stream's records so far to its handler, as Lambda would (each batch exactly once here)."""
    for model, name in ((HelpRequest, "help_requests_stream"), (DemandEvent, "demand_events_stream"),
                        (RatingSheet, "ratings_stream")):
        assert streams.invoke(api, name, streams.stream_records(model)) == {"batchItemFailures": []}


def inbox(api, token, query="") -> list[dict]:
    response = api.get(f"/me/notifications{query}", token=token)
    assert response.status_code == 200, response.json
    return response.json["items"]


# A real PNG's first bytes: the bucket stores whatever the form carries; the type is the form's.
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4


def post_form(form: dict, data: bytes, content_type: str = "image/png"):
    """The browser's part: the form's fields, then the file, multipart/form-data, to the form's URL (moto)."""
    import requests

    fields = [(field["name"], field["value"]) for field in form["fields"]]
    return requests.post(form["url"], data=fields, files={"file": ("photo", data, content_type)}, timeout=10)


def upload_image(api, token: str, *, purpose: str = "org_photo", data: bytes = PNG,
                 content_type: str = "image/png") -> str:
    """POST /uploads, then the upload itself; the key to attach."""
    form = api.post("/uploads", {"purpose": purpose, "content_type": content_type}, token=token)
    assert form.status_code == 201, form.json
    assert post_form(form.json, data, content_type).status_code in (200, 201, 204)
    return form.json["key"]


def attended(api, outbox, now, aid: str) -> dict:
    """A new volunteer signed up to the activity who attended it (attend)."""
    person = signed_up(api, outbox, aid)
    attend(api, now, aid, person["token"])
    return person


def attend(api, now, aid: str, token: str) -> None:
    """The signed-up volunteer checks in 5 minutes after the start and out 2 hours later (the clock stays)."""
    now.at = START + timedelta(minutes=5)
    assert api.post(f"/activities/{aid}/check-ins", AT_SITE, token=token).status_code == 201
    now.at = START + timedelta(hours=2, minutes=5)
    assert api.post(f"/activities/{aid}/check-outs", AT_SITE, token=token).status_code == 200


def resident_id(first17: str) -> str:
    """A 居民身份证 number with its ISO 7064 MOD 11-2 check character."""
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    return first17 + "10X98765432"[sum(int(d) * w for d, w in zip(first17, weights, strict=True)) % 11]


def certificate_body(org_id: str, **overrides) -> dict:
    from chalicelib.reference import CERTIFICATE_CONSENT_VERSION

    body = {"org_id": org_id, "first_day": "2099-06-01", "last_day": "2099-06-30", "real_name": "陈志远",
            "id_type": "resident_id", "id_number": resident_id("44010519900307123"), "consent": True,
            "consent_version": CERTIFICATE_CONSENT_VERSION}
    body.update(overrides)
    return body

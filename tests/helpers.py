"""Building blocks for behaviour tests: accounts of each role, logged in."""
from __future__ import annotations

import itertools

from chalicelib.auth.principal import Principal
from chalicelib.data.accounts import Account, login_key
from chalicelib.reference import Role
from chalicelib.schemas.orgs import LeagueOrgIn
from chalicelib.services import league_orgs, sms_sender
from chalicelib.services.accounts import create_operator, find_by_unique

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

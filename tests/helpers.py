"""Building blocks for behaviour tests: accounts of each role, logged in."""
from __future__ import annotations

import itertools

from chalicelib.auth.passwords import hash_password
from chalicelib.data.accounts import Account, UniqueKey, login_key
from chalicelib.data.base import Transaction
from chalicelib.reference import AccountStatus, Role
from chalicelib.schemas.orgs import LeagueOrgIn
from chalicelib.services import league_orgs
from chalicelib.services.accounts import new_account

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
    account = new_account(role=Role.OPERATOR, login=name, display_name="团省委运营",
                          password_hash=hash_password(password), status=AccountStatus.ACTIVE)
    (Transaction().put(UniqueKey(login_key(name), account_id=account.account_id),
                       condition=UniqueKey.key.does_not_exist()).put(account).commit())
    return account


def operator_token(api, name: str = "operator1") -> str:
    make_operator(name)
    return login(api, "organization", name).json["access_token"]


def make_league_org(account_name: str = "gd_sz_tw", org_name: str = "中国共产主义青年团深圳市委员会") -> Account:
    return league_orgs.create(LeagueOrgIn.model_validate({
        "org_name": org_name, "account_name": account_name,
        "region": {"province": "广东省", "city": "深圳市", "district": "罗湖区"}}))

"""Individual accounts and sessions: register, log in, refresh, log out, change and reset the password."""
import time
from datetime import timedelta

import jwt

from chalicelib import clock
from chalicelib.auth import passwords
from chalicelib.auth.principal import Principal
from chalicelib.auth.tokens import issue_access_token
from chalicelib.data.accounts import Account
from chalicelib.reference import Role
from chalicelib.services.sessions import REUSE_GRACE_SECONDS
from tests.builders import PASSWORD, login, make_league_org, next_phone, operator_token, register_individual


def test_an_individual_registers_with_an_sms_code_and_calls_a_protected_route(api, outbox):
    person = register_individual(api, outbox)
    assert person["role"] == "individual" and person["must_change_password"] is False
    me = api.get("/me", token=person["access_token"])
    assert me.status_code == 200
    assert me.json["phone"] == person["phone"] and me.json["display_name"] == "张三"
    assert "password_hash" not in me.json


def test_a_protected_route_refuses_anonymous_and_forged_callers(api, outbox):
    assert api.get("/me").json["error"]["code"] == "UNAUTHENTICATED"
    forged = jwt.encode({"sub": "x", "role": "operator", "iss": "yce-api", "typ": "access", "iat": 1,
                         "exp": 9999999999}, "not-the-key-not-the-key-not-the-key!", algorithm="HS256")
    for header in (f"Bearer {forged}", "Bearer", "Basic abc", "Bearer a.b.c"):
        response = api.get("/me", headers={"Authorization": header})
        assert response.status_code == 401, header
        assert response.json["error"]["code"] == "UNAUTHENTICATED"


def test_an_expired_access_token_says_so(api, outbox):
    person = register_individual(api, outbox)
    principal = Principal(account_id=person["account_id"], role=Role.INDIVIDUAL)
    stale, ttl = issue_access_token(principal, now=time.time() - 3600)
    response = api.get("/me", token=stale)
    assert response.status_code == 401 and response.json["error"]["code"] == "TOKEN_EXPIRED"


def test_one_phone_registers_once(api, outbox, monkeypatch):
    person = register_individual(api, outbox)
    later = clock.now() + timedelta(seconds=61)
    monkeypatch.setattr(clock, "now", lambda: later)
    api.post("/sms/codes", {"phone": person["phone"], "purpose": "register"})
    response = api.post("/auth/register", {"phone": person["phone"], "sms_code": outbox.last_code(person["phone"]),
                                           "display_name": "x", "password": PASSWORD})
    assert response.status_code == 409
    assert response.json["error"]["code"] == "PHONE_ALREADY_REGISTERED"
    assert response.json["error"]["fields"][0]["path"] == "phone"


def test_registration_refuses_weak_passwords_without_spending_the_code(api, outbox):
    phone = next_phone()
    api.post("/sms/codes", {"phone": phone, "purpose": "register"})
    code = outbox.last_code(phone)
    for weak in ("short1", "lettersonly", "1234567890", phone):
        response = api.post("/auth/register", {"phone": phone, "sms_code": code, "display_name": "x",
                                               "password": weak})
        assert response.status_code == 400
        assert response.json["error"]["code"] == "PASSWORD_TOO_WEAK"
        assert response.json["error"]["fields"][0]["path"] == "password"
    ok = api.post("/auth/register", {"phone": phone, "sms_code": code, "display_name": "x", "password": PASSWORD})
    assert ok.status_code == 201


def test_login_with_a_wrong_password_is_refused_the_same_as_an_unknown_account(api, outbox):
    person = register_individual(api, outbox)
    wrong = login(api, "individual", person["phone"], "Wrong1234")
    unknown = login(api, "individual", next_phone(), "Wrong1234")
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json == unknown.json
    assert wrong.json["error"]["code"] == "INVALID_CREDENTIALS"


def test_repeated_wrong_passwords_throttle_the_account(api, outbox):
    person = register_individual(api, outbox)
    for _ in range(5):
        assert login(api, "individual", person["phone"], "Wrong1234").status_code == 401
    response = login(api, "individual", person["phone"], PASSWORD)
    assert response.status_code == 429
    assert response.json["error"]["code"] == "LOGIN_THROTTLED"
    assert int(response.headers["Retry-After"]) > 0


def test_refresh_rotates_the_refresh_token(api, outbox, now):
    person = register_individual(api, outbox)
    first = api.post("/auth/refresh", {"refresh_token": person["refresh_token"]})
    assert first.status_code == 200
    assert first.json["refresh_token"] != person["refresh_token"]
    assert api.get("/me", token=first.json["access_token"]).status_code == 200
    now.at += timedelta(seconds=REUSE_GRACE_SECONDS + 1)   # within it, a retry gets the same successor
    replay = api.post("/auth/refresh", {"refresh_token": person["refresh_token"]})
    assert replay.status_code == 401 and replay.json["error"]["code"] == "REFRESH_TOKEN_INVALID"


def test_a_tampered_refresh_token_is_refused(api, outbox):
    person = register_individual(api, outbox)
    session_id, _, secret = person["refresh_token"].partition(".")
    flipped = ("y" if secret[0] == "x" else "x") + secret[1:]  # always a different secret
    for token in (f"{session_id}.{flipped}", "nonsense", f"{'0' * 32}.{secret}"):
        assert api.post("/auth/refresh", {"refresh_token": token}).status_code == 401


def test_logout_ends_the_session(api, outbox):
    person = register_individual(api, outbox)
    assert api.post("/auth/logout", {"refresh_token": person["refresh_token"]}).status_code == 204
    assert api.post("/auth/refresh", {"refresh_token": person["refresh_token"]}).status_code == 401
    assert api.post("/auth/logout", {"refresh_token": person["refresh_token"]}).status_code == 204


def test_changing_the_password_revokes_every_refresh_token(api, outbox):
    person = register_individual(api, outbox)
    other_device = login(api, "individual", person["phone"]).json
    changed = api.put("/auth/password", {"current_password": PASSWORD, "new_password": "NewPassw0rd"},
                      token=person["access_token"])
    assert changed.status_code == 200
    for old in (person["refresh_token"], other_device["refresh_token"]):
        response = api.post("/auth/refresh", {"refresh_token": old})
        assert response.status_code == 401 and response.json["error"]["code"] == "REFRESH_TOKEN_INVALID"
    assert api.post("/auth/refresh", {"refresh_token": changed.json["refresh_token"]}).status_code == 200
    assert login(api, "individual", person["phone"]).status_code == 401
    assert login(api, "individual", person["phone"], "NewPassw0rd").status_code == 200


def test_changing_the_password_needs_the_current_one(api, outbox):
    person = register_individual(api, outbox)
    response = api.put("/auth/password", {"current_password": "Wrong1234", "new_password": "NewPassw0rd"},
                       token=person["access_token"])
    assert response.status_code == 400
    assert response.json["error"]["code"] == "CURRENT_PASSWORD_INCORRECT"
    assert response.json["error"]["fields"][0]["path"] == "current_password"


def test_a_forgotten_password_is_reset_with_an_sms_code(api, outbox, monkeypatch):
    person = register_individual(api, outbox)
    later = clock.now() + timedelta(seconds=61)
    monkeypatch.setattr(clock, "now", lambda: later)
    assert api.post("/sms/codes", {"phone": person["phone"], "purpose": "reset_password"}).status_code == 202
    code = outbox.last_code(person["phone"])
    response = api.post("/auth/password/reset", {"phone": person["phone"], "sms_code": code,
                                                 "new_password": "Reset1234"})
    assert response.status_code == 204
    assert api.post("/auth/refresh", {"refresh_token": person["refresh_token"]}).status_code == 401
    assert login(api, "individual", person["phone"], "Reset1234").status_code == 200
    reused = api.post("/auth/password/reset", {"phone": person["phone"], "sms_code": code,
                                               "new_password": "Again1234"})
    assert reused.status_code == 400 and reused.json["error"]["code"] == "SMS_CODE_EXPIRED"


def test_a_wrong_reset_code_changes_nothing(api, outbox, monkeypatch):
    person = register_individual(api, outbox)
    before = Account.get(person["account_id"]).password_hash
    later = clock.now() + timedelta(seconds=61)
    monkeypatch.setattr(clock, "now", lambda: later)
    api.post("/sms/codes", {"phone": person["phone"], "purpose": "reset_password"})
    right = outbox.last_code(person["phone"])
    response = api.post("/auth/password/reset", {"phone": person["phone"], "sms_code": "000000" if right != "000000"
                                                 else "111111", "new_password": "Reset1234"})
    assert response.status_code == 400
    assert Account.get(person["account_id"]).password_hash == before


def test_a_refreshed_session_keeps_the_role_and_the_password_change_requirement(api, outbox):
    make_league_org("gd_refresh")
    first = login(api, "organization", "gd_refresh", "000000").json
    refreshed = api.post("/auth/refresh", {"refresh_token": first["refresh_token"]}).json
    assert refreshed["role"] == "league_org" and refreshed["must_change_password"] is True
    blocked = api.get("/me/league-profile", token=refreshed["access_token"])
    assert blocked.status_code == 403 and blocked.json["error"]["code"] == "PASSWORD_CHANGE_REQUIRED"


def test_a_disabled_accounts_refresh_token_is_refused(api, outbox):
    person = register_individual(api, outbox)
    operator = operator_token(api)
    assert api.post(f"/admin/accounts/{person['account_id']}/disable", {"reason": "违规"},
                    token=operator).status_code == 200
    response = api.post("/auth/refresh", {"refresh_token": person["refresh_token"]})
    assert response.status_code == 401 and response.json["error"]["code"] == "REFRESH_TOKEN_INVALID"


def test_a_throttled_password_change_answers_429_whether_the_current_password_is_right_or_not(api, outbox):
    person = register_individual(api, outbox)
    token = person["access_token"]
    for _ in range(5):
        wrong = api.put("/auth/password", {"current_password": "Wrong1234", "new_password": "NewPassw0rd"},
                        token=token)
        assert wrong.json["error"]["code"] == "CURRENT_PASSWORD_INCORRECT"
    for current in ("Wrong1234", PASSWORD):
        response = api.put("/auth/password", {"current_password": current, "new_password": "NewPassw0rd"},
                           token=token)
        assert response.status_code == 429 and response.json["error"]["code"] == "LOGIN_THROTTLED"
        assert int(response.headers["Retry-After"]) > 0
    stored = Account.get(person["account_id"], consistent_read=True)
    assert passwords.verify_password(stored.password_hash, PASSWORD)   # nothing changed, no session revoked
    assert api.post("/auth/refresh", {"refresh_token": person["refresh_token"]}).status_code == 200

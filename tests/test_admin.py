"""Operators reset passwords and disable accounts; the effects reach every session. A reset never gives
the operator a password: the owner's own phone gets a code. Every action is in the append-only audit log."""
from datetime import timedelta
from urllib.parse import quote

from tests.builders import (
    PASSWORD,
    activate_league_org,
    login,
    make_league_org,
    make_operator,
    operator_token,
    register_individual,
    register_org,
)


def test_disabling_an_account_refuses_login_and_refresh(api, outbox):
    person = register_individual(api, outbox)
    token = operator_token(api)
    response = api.post(f"/admin/accounts/{person['account_id']}/disable", {"reason": "冒用他人身份"}, token=token)
    assert response.status_code == 200 and response.json["status"] == "disabled"
    refused = login(api, "individual", person["phone"])
    assert refused.status_code == 403 and refused.json["error"]["code"] == "ACCOUNT_DISABLED"
    assert api.post("/auth/refresh", {"refresh_token": person["refresh_token"]}).status_code == 401
    twice = api.post(f"/admin/accounts/{person['account_id']}/disable", {"reason": "again"}, token=token)
    assert twice.status_code == 409
    assert api.post(f"/admin/accounts/{person['account_id']}/enable", token=token).status_code == 200
    assert login(api, "individual", person["phone"]).status_code == 200


def _registered_org(api, outbox) -> dict:

    body, response = register_org(api, outbox)
    assert response.status_code == 201, response.json
    return {**body, "account_id": response.json["account_id"]}


def _reset(api, token, account_id, reason="本人来电申请重置"):
    return api.post(f"/admin/accounts/{account_id}/password-reset", {"reason": reason}, token=token)


def test_an_operators_reset_never_shows_the_operator_a_password_and_the_old_one_stops_working(api, outbox, now):
    person = register_individual(api, outbox)
    token = operator_token(api)
    now.at += timedelta(seconds=61)   # the registration code's resend gap
    reset = _reset(api, token, person["account_id"])
    assert reset.status_code == 200
    assert reset.json == {"account_id": person["account_id"], "code_sent_to": person["phone"][:3] + "****"
                          + person["phone"][-4:], "sessions_revoked": True}
    refused = login(api, "individual", person["phone"])
    assert refused.status_code == 401 and refused.json["error"]["code"] == "INVALID_CREDENTIALS"
    assert api.post("/auth/refresh", {"refresh_token": person["refresh_token"]}).status_code == 401
    # Only the owner's phone got the code, and with it the owner sets a new password.
    assert outbox.messages[-1][0] == person["phone"]
    done = api.post("/auth/password/reset", {"phone": person["phone"], "sms_code": outbox.last_code(person["phone"]),
                                             "new_password": "N3wPassw0rd"})
    assert done.status_code == 204
    session = login(api, "individual", person["phone"], "N3wPassw0rd").json
    assert session["must_change_password"] is False
    notices = api.get("/me/notifications", token=session["access_token"]).json["items"]
    assert [n["type"] for n in notices] == ["password_reset"] and "本人来电申请重置" in notices[0]["body"]


def test_a_reset_league_org_never_goes_back_to_000000_and_its_leader_mobile_sets_the_new_password(
        api, outbox, now):
    org = make_league_org("gd_reset", leader_mobile="13812348001")
    changed = activate_league_org(api, "gd_reset")
    token = operator_token(api)
    now.at += timedelta(seconds=61)   # the activation code's resend gap
    reset = _reset(api, token, org.account_id)
    assert reset.status_code == 200 and reset.json["code_sent_to"] == "138****8001"
    assert "000000" not in str(reset.json)
    assert api.post("/auth/refresh", {"refresh_token": changed["refresh_token"]}).status_code == 401
    for old in ("000000", PASSWORD):
        assert login(api, "organization", "gd_reset", old).status_code == 401
    code = outbox.last_code("13812348001")
    wrong_account = api.post("/auth/password/reset", {"account_type": "organization", "login": "gd_other",
                                                      "sms_code": code, "new_password": "N3wPassw0rd"})
    assert wrong_account.status_code == 400 and wrong_account.json["error"]["code"] == "SMS_CODE_EXPIRED"
    done = api.post("/auth/password/reset", {"account_type": "organization", "login": "GD_RESET", "sms_code": code,
                                             "new_password": "N3wPassw0rd"})
    assert done.status_code == 204
    session = login(api, "organization", "gd_reset", "N3wPassw0rd").json
    assert session["must_change_password"] is False
    assert api.get("/me/notifications/unread-count", token=session["access_token"]).json["unread"] == 1


def test_a_reset_of_a_league_org_not_yet_activated_closes_000000_and_the_leader_mobile_activates_it(api, outbox):
    org = make_league_org("gd_fresh", "共青团新设委员会", leader_mobile="13812348002")
    token = operator_token(api)
    assert _reset(api, token, org.account_id).status_code == 200
    assert login(api, "organization", "gd_fresh", "000000").status_code == 401
    done = api.post("/auth/password/reset", {"account_type": "organization", "login": "gd_fresh",
                                             "sms_code": outbox.last_code("13812348002"),
                                             "new_password": "N3wPassw0rd"})
    assert done.status_code == 204
    session = login(api, "organization", "gd_fresh", "N3wPassw0rd").json
    assert session["must_change_password"] is False
    found = api.get("/league-orgs/search?q=%E6%96%B0%E8%AE%BE", token=session["access_token"]).json["items"]
    assert [o["account_id"] for o in found] == [org.account_id]


def test_a_reset_volunteer_org_gets_the_code_on_its_contact_phone(api, outbox, now):
    org = _registered_org(api, outbox)
    token = operator_token(api)
    now.at += timedelta(seconds=61)   # the registration code's resend gap
    assert api.post(f"/admin/volunteer-orgs/{org['account_id']}/approve", token=token).status_code == 200
    reset = _reset(api, token, org["account_id"])
    assert reset.status_code == 200
    assert outbox.messages[-1][0] == org["contact_phone"]
    done = api.post("/auth/password/reset", {"account_type": "organization", "login": org["account_name"],
                                             "sms_code": outbox.last_code(org["contact_phone"]),
                                             "new_password": "N3wPassw0rd"})
    assert done.status_code == 204
    assert login(api, "organization", org["account_name"], "N3wPassw0rd").status_code == 200


def test_an_organization_asks_for_a_recovery_code_and_the_answer_never_tells_whether_it_exists(api, outbox, now):
    make_league_org("gd_forgot", leader_mobile="13812348003")
    activate_league_org(api, "gd_forgot")
    now.at += timedelta(seconds=61)   # the activation code's resend gap
    sent_before = len(outbox.messages)
    known = api.post("/auth/password/reset/sms-code", {"account_type": "organization", "login": "gd_forgot"})
    unknown = api.post("/auth/password/reset/sms-code", {"account_type": "organization", "login": "gd_nobody"})
    again = api.post("/auth/password/reset/sms-code", {"account_type": "organization", "login": "gd_forgot"})
    assert known.status_code == unknown.status_code == again.status_code == 202
    assert known.json == unknown.json == again.json
    assert [to for to, _ in outbox.messages[sent_before:]] == ["13812348003"]   # the repeat is throttled, silently
    nobody = api.post("/auth/password/reset", {"account_type": "organization", "login": "gd_nobody",
                                               "sms_code": "123456", "new_password": "N3wPassw0rd"})
    assert nobody.status_code == 400 and nobody.json["error"]["code"] == "SMS_CODE_EXPIRED"
    done = api.post("/auth/password/reset", {"account_type": "organization", "login": "gd_forgot",
                                             "sms_code": outbox.last_code("13812348003"),
                                             "new_password": "N3wPassw0rd"})
    assert done.status_code == 204
    assert login(api, "organization", "gd_forgot", "N3wPassw0rd").status_code == 200


def test_a_reset_body_names_either_a_phone_or_an_organization_login(api, outbox):
    for body in ({"sms_code": "123456", "new_password": "N3wPassw0rd"},
                 {"phone": "13812348004", "account_type": "organization", "login": "x", "sms_code": "123456",
                  "new_password": "N3wPassw0rd"},
                 {"account_type": "organization", "sms_code": "123456", "new_password": "N3wPassw0rd"}):
        response = api.post("/auth/password/reset", body)
        assert response.status_code == 400 and response.json["error"]["code"] == "VALIDATION_FAILED", body


def test_an_account_without_a_phone_on_file_cannot_be_reset_by_an_operator(api, outbox):
    token = operator_token(api)
    other = make_operator("operator2")
    refused = _reset(api, token, other.account_id)
    assert refused.status_code == 409 and refused.json["error"]["code"] == "NO_PHONE_ON_FILE"
    assert login(api, "organization", "operator2").status_code == 200
    assert api.get("/admin/audit-log", token=token).json["items"] == []


def test_every_operator_action_on_accounts_is_in_the_audit_log_newest_first(api, outbox):
    token = operator_token(api)
    operator_id = api.get("/me", token=token).json["account_id"]
    league = api.post("/admin/league-orgs", {"org_name": "共青团审计委员会", "account_name": "gd_audit",
                                             "leader_mobile": "13812348005",
                                             "region": {"province": "广东省", "city": "深圳市"}}, token=token).json
    org = _registered_org(api, outbox)
    assert api.post(f"/admin/volunteer-orgs/{org['account_id']}/reject", {"reason": "材料不全"},
                    token=token).status_code == 200
    assert api.post(f"/admin/volunteer-orgs/{org['account_id']}/approve", token=token).status_code == 200
    assert _reset(api, token, league["account_id"], "负责人变更").status_code == 200
    disabled = api.post(f"/admin/accounts/{league['account_id']}/disable", {"reason": "冒用"}, token=token)
    assert disabled.status_code == 200
    assert api.post(f"/admin/accounts/{league['account_id']}/enable", token=token).status_code == 200
    log = api.get("/admin/audit-log?limit=4", token=token).json
    rest = api.get(f"/admin/audit-log?limit=4&cursor={quote(log['next_cursor'])}", token=token).json
    entries = log["items"] + rest["items"]
    assert [(e["action"], e["target_id"], e["reason"]) for e in entries] == [
        ("account_enabled", league["account_id"], None),
        ("account_disabled", league["account_id"], "冒用"),
        ("password_reset", league["account_id"], "负责人变更"),
        ("volunteer_org_approved", org["account_id"], None),
        ("volunteer_org_rejected", org["account_id"], "材料不全"),
        ("league_org_provisioned", league["account_id"], None),
    ]
    assert {e["actor_id"] for e in entries} == {operator_id}
    assert entries[0]["target_login"] == "gd_audit" and entries[0]["target_role"] == "league_org"
    person = register_individual(api, outbox)
    assert api.get("/admin/audit-log", token=person["access_token"]).status_code == 403


def test_the_audit_log_shows_an_individuals_login_their_phone_masked(api, outbox):
    token = operator_token(api)
    person = register_individual(api, outbox)
    api.post(f"/admin/accounts/{person['account_id']}/disable", {"reason": "冒用他人身份"}, token=token)
    log = api.get("/admin/audit-log", token=token).json
    [entry] = [e for e in log["items"] if e["target_id"] == person["account_id"]]
    assert entry["target_login"] == person["phone"][:3] + "****" + person["phone"][-4:]
    assert person["phone"] not in str(log)


def test_the_audit_log_is_append_only(api, outbox):
    import re
    from pathlib import Path

    import pytest

    from chalicelib.api.route_index import ROUTES
    from chalicelib.data.audit import AuditEntry
    from chalicelib.data.base import Transaction
    from chalicelib.errors import AppError
    token = operator_token(api)
    org = make_league_org("gd_append")
    assert _reset(api, token, org.account_id).status_code == 200
    entry = [e for e in AuditEntry.query("accounts") if e.action == "password_reset"][0]
    # The only write there is, a put conditioned on the entry being new, cannot replace one.
    with pytest.raises(AppError):
        Transaction().put(entry, condition=AuditEntry.entry_key.does_not_exist()).commit()
    root = Path(__file__).resolve().parent.parent / "chalicelib"
    users = sorted(p.name for p in root.rglob("*.py") if re.search(r"\bAuditEntry\b", p.read_text(encoding="utf-8")))
    assert users == ["audit.py", "audit.py", "tables.py"]   # the model, the service, the table list
    service = (root / "services" / "audit.py").read_text(encoding="utf-8")
    assert ".update(" not in service and ".delete(" not in service and "does_not_exist()" in service
    assert [(r[0], r[1]) for r in ROUTES if "audit" in r[0]] == [("/admin/audit-log", "GET")]


def test_the_accounts_list_shows_one_role_in_one_status_newest_first_with_phones_masked(api, outbox):
    first, second = register_individual(api, outbox), register_individual(api, outbox)
    token = operator_token(api)
    listed = api.get("/admin/accounts?role=individual", token=token).json["items"]
    assert [a["account_id"] for a in listed][:2] == [second["account_id"], first["account_id"]]
    row = listed[0]
    assert row["status"] == "active" and row["status_label"] and row["role"] == "individual"
    assert second["phone"] not in str(listed) and row["phone"] == second["phone"][:3] + "****" + second["phone"][-4:]
    assert row["login"] == row["phone"]     # an individual signs in with the phone: masked there too

    api.post(f"/admin/accounts/{first['account_id']}/disable", {"reason": "冒用他人身份"}, token=token)
    ids = [a["account_id"] for a in api.get("/admin/accounts?role=individual", token=token).json["items"]]
    disabled = api.get("/admin/accounts?role=individual&status=disabled", token=token).json["items"]
    assert first["account_id"] not in ids
    assert [(a["account_id"], a["status_reason"]) for a in disabled] == [(first["account_id"], "冒用他人身份")]


def test_the_accounts_list_names_the_role_it_lists(api, outbox):
    token = operator_token(api)
    for query, field in (("", "role"), ("?role=admin", "role"), ("?role=individual&status=gone", "status")):
        response = api.get(f"/admin/accounts{query}", token=token)
        assert response.status_code == 400 and response.json["error"]["fields"][0]["path"] == field

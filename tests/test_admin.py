"""Operators reset passwords and disable accounts; the effects reach every session."""
from tests.helpers import PASSWORD, login, make_league_org, operator_token, register_individual


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


def test_a_reset_league_org_goes_back_to_000000_and_must_change_it(api, outbox):
    org = make_league_org("gd_reset")
    first = login(api, "organization", "gd_reset", "000000").json
    changed = api.put("/auth/password", {"current_password": "000000", "new_password": PASSWORD},
                      token=first["access_token"]).json
    token = operator_token(api)
    reset = api.post(f"/admin/accounts/{org.account_id}/password-reset", token=token)
    assert reset.status_code == 200 and reset.json["temporary_password"] == "000000"
    assert api.post("/auth/refresh", {"refresh_token": changed["refresh_token"]}).status_code == 401
    again = login(api, "organization", "gd_reset", "000000").json
    assert again["must_change_password"] is True


def test_a_reset_individual_gets_a_one_time_password_to_change(api, outbox):
    person = register_individual(api, outbox)
    token = operator_token(api)
    reset = api.post(f"/admin/accounts/{person['account_id']}/password-reset", token=token).json
    session = login(api, "individual", person["phone"], reset["temporary_password"]).json
    assert session["must_change_password"] is True
    assert api.get("/admin/volunteer-orgs", token=session["access_token"]).json["error"]["code"] == \
        "PASSWORD_CHANGE_REQUIRED"


def test_operators_cannot_act_on_their_own_account_and_others_cannot_act_at_all(api, outbox):
    token = operator_token(api)
    me = api.get("/me", token=token).json["account_id"]
    assert api.post(f"/admin/accounts/{me}/disable", {"reason": "x"}, token=token).status_code == 403
    person = register_individual(api, outbox)
    other = register_individual(api, outbox)
    refused = api.post(f"/admin/accounts/{other['account_id']}/disable", {"reason": "x"},
                       token=person["access_token"])
    assert refused.status_code == 403
    assert login(api, "individual", other["phone"]).status_code == 200
    assert api.post("/admin/accounts/unknown/password-reset", token=token).status_code == 404

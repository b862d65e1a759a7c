"""团组织 accounts: provisioned by operators with their leader mobile; 000000 opens only the activation,
which proves the organization with a code sent to that mobile."""
from chalicelib.data.accounts import Account
from tests.builders import (
    PASSWORD,
    activate_league_org,
    league_org_session,
    login,
    make_league_org,
    next_phone,
    operator_token,
    register_individual,
)

HEADER = "组织名称,账号,所在省,所在市,所在区县,上级组织,负责人手机号\n"
ROWS = ("中国共产主义青年团深圳市委员会,gd_sz,广东省,深圳市,,中国共产主义青年团广东省委员会,13812340001\n"
        "共青团深圳市罗湖区委员会,gd_sz_lh,广东省,深圳市,罗湖区,中国共产主义青年团深圳市委员会,13812340002\n"
        "共青团广州市天河区委员会,gd_gz_th,广东,广州市,天河区,共青团广州市委员会,13812340003\n")


def _import(api, token, text):
    return api.post("/admin/league-orgs/import", token=token, raw=text.encode(),
                    headers={"Content-Type": "text/csv"})


def _league_accounts():
    return list(Account.by_role_status.query("league_org#active"))


def test_an_operator_creates_one_league_org_with_its_leader_mobile_and_the_initial_password(api, outbox):
    token = operator_token(api)
    body = {"org_name": "共青团深圳市委员会", "account_name": "gd_sz_tw", "leader_mobile": "13812348000",
            "region": {"province": "广东省", "city": "深圳市", "district": "罗湖区"}}
    response = api.post("/admin/league-orgs", body, token=token)
    assert response.status_code == 201
    assert response.json["must_change_password"] is True and response.json["activated"] is False
    assert response.json["leader_mobile"] == "13812348000"
    assert login(api, "organization", "gd_sz_tw", "000000").status_code == 200
    duplicate = api.post("/admin/league-orgs", {**body, "org_name": "另一个", "account_name": "GD_SZ_TW"},
                         token=token)
    assert duplicate.status_code == 409 and duplicate.json["error"]["code"] == "ACCOUNT_NAME_TAKEN"


def test_provisioning_a_league_org_without_a_valid_leader_mobile_is_refused(api, outbox):
    token = operator_token(api)
    body = {"org_name": "共青团深圳市委员会", "account_name": "gd_nomobile",
            "region": {"province": "广东省", "city": "深圳市"}}
    for bad in (body, {**body, "leader_mobile": "12345678901"}, {**body, "leader_mobile": "020-87195622"}):
        response = api.post("/admin/league-orgs", bad, token=token)
        assert response.status_code == 400, bad
        assert [f["path"] for f in response.json["error"]["fields"]] == ["leader_mobile"]
    assert _league_accounts() == []


def test_000000_opens_only_the_activation_which_needs_the_code_sent_to_the_leader_mobile(api, outbox):
    make_league_org("gd_test", leader_mobile="13812348000")
    session = login(api, "organization", "gd_test", "000000").json
    assert session["must_change_password"] is True
    blocked = api.get("/me/org-profile", token=session["access_token"])
    assert blocked.status_code == 403 and blocked.json["error"]["code"] == "PASSWORD_CHANGE_REQUIRED"
    assert api.get("/me", token=session["access_token"]).status_code == 200
    # Knowing the account name and 000000 is not enough to set a password.
    without_code = api.put("/auth/password", {"current_password": "000000", "new_password": PASSWORD},
                           token=session["access_token"])
    assert without_code.status_code == 400 and without_code.json["error"]["code"] == "ACTIVATION_CODE_REQUIRED"
    assert without_code.json["error"]["fields"][0]["path"] == "sms_code"
    sent = api.post("/auth/activation/sms-code", token=session["access_token"])
    assert sent.status_code == 202 and sent.json["masked_phone"] == "138****8000"
    assert outbox.messages[-1][0] == "13812348000"   # only the provisioned number gets it
    right = outbox.last_code("13812348000")
    wrong = api.put("/auth/password", {"current_password": "000000", "new_password": PASSWORD,
                                       "sms_code": "000000" if right != "000000" else "111111"},
                    token=session["access_token"])
    assert wrong.status_code == 400 and wrong.json["error"]["code"] == "SMS_CODE_INVALID"
    same = api.put("/auth/password", {"current_password": "000000", "new_password": "000000", "sms_code": right},
                   token=session["access_token"])
    assert same.status_code == 400 and same.json["error"]["code"] == "PASSWORD_TOO_WEAK"
    changed = api.put("/auth/password", {"current_password": "000000", "new_password": PASSWORD, "sms_code": right},
                      token=session["access_token"])
    assert changed.status_code == 200 and changed.json["must_change_password"] is False
    me = api.get("/me", token=changed.json["access_token"])
    assert me.json["must_change_password"] is False
    assert login(api, "organization", "gd_test", "000000").status_code == 401
    stored = Account.get(changed.json["account_id"])
    assert stored.activated_at is not None and stored.must_change_password is False
    again = api.post("/auth/activation/sms-code", token=changed.json["access_token"])
    assert again.status_code == 409 and again.json["error"]["code"] == "ALREADY_ACTIVATED"


def test_an_activation_code_goes_only_to_a_league_org_and_cannot_be_asked_for_a_chosen_number(api, outbox):
    person = register_individual(api, outbox)
    refused = api.post("/auth/activation/sms-code", token=person["access_token"])
    assert refused.status_code == 403
    assert api.post("/auth/activation/sms-code").status_code == 401
    for purpose in ("activation", "account_recovery"):
        chosen = api.post("/sms/codes", {"phone": next_phone(), "purpose": purpose})
        assert chosen.status_code == 400 and chosen.json["error"]["fields"][0]["path"] == "purpose"
    assert outbox.messages[-1][0] == person["phone"]


def test_the_csv_import_creates_every_row_and_a_second_import_changes_nothing(api, outbox):
    token = operator_token(api)
    first = _import(api, token, HEADER + ROWS)
    assert first.status_code == 200 and first.json == {"created": 3, "unchanged": 0}
    before = {a.account_id: a.version for a in _league_accounts()}
    second = _import(api, token, HEADER + ROWS)
    assert second.json == {"created": 0, "unchanged": 3}
    assert {a.account_id: a.version for a in _league_accounts()} == before
    imported = {a.login: a for a in _league_accounts()}
    assert imported["gd_sz_lh"].region.district == "罗湖区"
    assert imported["gd_gz_th"].region.province == "广东省"
    assert imported["gd_sz"].parent_org_name == "中国共产主义青年团广东省委员会"
    assert imported["gd_sz_lh"].leader_mobile == "13812340002"


def test_an_import_without_the_leader_mobile_column_or_with_a_bad_number_names_the_line(api, outbox):
    token = operator_token(api)
    no_column = _import(api, token, "组织名称,账号,所在省,所在市\n共青团某某委员会,gd_x,广东省,深圳市\n")
    assert no_column.status_code == 400 and "leader_mobile" in no_column.json["error"]["fields"][0]["message"]
    bad = _import(api, token, HEADER + ROWS + "共青团某某委员会,gd_bad,广东省,深圳市,,,1381234\n"
                  + "共青团某某二委员会,gd_bad2,广东省,深圳市,,,\n")
    assert bad.status_code == 400
    assert [f["path"] for f in bad.json["error"]["fields"]] == ["line 5.leader_mobile", "line 6.leader_mobile"]
    assert _league_accounts() == []


def test_a_bad_row_is_reported_by_line_and_nothing_is_imported(api, outbox):
    token = operator_token(api)
    bad = (HEADER + ROWS + "共青团某某委员会,gd_bad,广东省,北京市,,,13812340004\n"
           + ",gd_noname,广东省,深圳市,,,13812340005\n")
    response = _import(api, token, bad)
    assert response.status_code == 400
    assert response.json["error"]["code"] == "CSV_INVALID"
    paths = [f["path"] for f in response.json["error"]["fields"]]
    assert "line 5.region.city" in paths and "line 6.org_name" in paths
    assert _league_accounts() == []


def test_a_duplicate_account_in_the_file_or_taken_by_another_org_is_reported(api, outbox):
    token = operator_token(api)
    duplicate = HEADER + ROWS + "共青团别的委员会,gd_sz,广东省,深圳市,,,13812340006\n"
    response = _import(api, token, duplicate)
    assert response.status_code == 400
    assert response.json["error"]["fields"][0]["path"] == "line 5.account_name"
    make_league_org("gd_sz", org_name="另一个团组织")
    taken = _import(api, token, HEADER + ROWS)
    assert taken.status_code == 400
    assert taken.json["error"]["fields"][0]["path"] == "line 2.account_name"
    assert len(_league_accounts()) == 1


def test_a_file_without_the_required_columns_is_refused(api, outbox):
    token = operator_token(api)
    response = _import(api, token, "名称,账号\nx,y\n")
    assert response.status_code == 400 and response.json["error"]["fields"][0]["path"] == "line 1"
    assert _import(api, token, "").status_code == 400


def test_only_operators_provision_league_orgs(api, outbox):
    person = register_individual(api, outbox)
    response = _import(api, person["access_token"], HEADER + ROWS)
    assert response.status_code == 403 and response.json["error"]["code"] == "FORBIDDEN"
    assert _import(api, None, HEADER + ROWS).status_code == 401
    assert _league_accounts() == []


def test_a_league_org_keeps_an_optional_profile(api, outbox):

    session = league_org_session(api, "gd_profile")
    token = session["access_token"]
    empty = api.get("/me/league-profile", token=token).json
    assert empty["org_name"] == "中国共产主义青年团深圳市委员会" and empty["leader_name"] is None
    saved = api.put("/me/league-profile", {"leader_name": "李雷", "landline": "020-87195622",
                                           "services_content": "数学课程辅导"}, token=token)
    assert saved.status_code == 200 and saved.json["leader_name"] == "李雷"
    assert api.put("/me/league-profile", {}, token=token).json["leader_name"] is None  # 非必填项
    for bad in ({"landline": "123"}, {"introduction": "介" * 501}, {"org_name": "改名"},
                {"photo_keys": ["https://img.example.cn/a.jpg"]}):
        assert api.put("/me/league-profile", bad, token=token).status_code == 400, bad
    person = register_individual(api, outbox)
    assert api.get("/me/league-profile", token=person["access_token"]).status_code == 403


def test_a_league_org_sees_its_own_provisioned_leader_mobile_in_its_profile_to_prefill_a_demand(api, outbox):
    account = make_league_org("gd_own_mobile", leader_mobile="13700001234")
    session = activate_league_org(api, "gd_own_mobile")
    profile = api.get("/me/league-profile", token=session["access_token"]).json
    assert profile["leader_mobile"] == account.leader_mobile == "13700001234"

"""志愿服务组织: registration with a valid credit code, operator vetting, the profile before claiming."""
import pytest

from chalicelib.data.accounts import Account
from chalicelib.errors import AppError
from chalicelib.services import credit_code, volunteer_orgs
from chalicelib.services.accounts import get_account
from tests.builders import (
    PROFILE,
    approved_org,
    login,
    next_phone,
    operator_token,
    register_individual,
    register_org,
)

STANDARD_EXAMPLE = "91350100M000100Y43"  # the worked example of GB 32100-2015


@pytest.mark.parametrize("code", [STANDARD_EXAMPLE, STANDARD_EXAMPLE.lower()])
def test_the_standard_example_credit_code_is_valid(code):
    assert credit_code.problem(code.upper()) is None


@pytest.mark.parametrize("code", ["91350100M000100Y44", "91350100M000100Y4", "91350100M0001O0Y43",
                                  "Z1350100M000100Y43", "9135A100M000100Y43", ""])
def test_malformed_credit_codes_are_refused(code):
    assert credit_code.problem(code) is not None


def test_an_org_registers_and_waits_for_approval_before_it_can_log_in(api, outbox):
    body, response = register_org(api, outbox)
    assert response.status_code == 201 and response.json["status"] == "pending_review"
    refused = login(api, "organization", body["account_name"])
    assert refused.status_code == 403 and refused.json["error"]["code"] == "ORG_PENDING_APPROVAL"
    wrong_password = login(api, "organization", body["account_name"], "Wrong1234")
    assert wrong_password.status_code == 401  # status is told only to whoever knows the password


def test_registration_checks_the_credit_code_and_kind_specific_fields(api, outbox):
    _, bad_code = register_org(api, outbox, credit_code="91350100M000100Y44")
    assert bad_code.status_code == 400 and bad_code.json["error"]["fields"][0]["path"] == "credit_code"
    _, missing = register_org(api, outbox, org_kind="endorsed_team", credit_code=None, filing_number=None)
    assert missing.status_code == 400
    _, endorsed = register_org(api, outbox, org_kind="endorsed_team", credit_code=None, filing_number=None,
                               endorsing_org_name="深圳市志愿者联合会", endorsing_credit_code=STANDARD_EXAMPLE)
    assert endorsed.status_code == 201


def test_one_credit_code_registers_one_org(api, outbox):
    body, first = register_org(api, outbox)
    assert first.status_code == 201
    _, second = register_org(api, outbox, credit_code=body["credit_code"])
    assert second.status_code == 409 and second.json["error"]["code"] == "CREDIT_CODE_TAKEN"


def test_server_owned_fields_in_the_body_are_refused(api, outbox):
    _, response = register_org(api, outbox, status="active")
    assert response.status_code == 400
    assert response.json["error"]["fields"][0]["path"] == "status"
    assert list(Account.by_role_status.query("volunteer_org#active")) == []


def test_operators_list_pending_orgs_and_reject_with_a_reason(api, outbox):
    body, response = register_org(api, outbox)
    account_id = response.json["account_id"]
    token = operator_token(api)
    pending = api.get("/admin/volunteer-orgs?status=pending_review", token=token)
    assert [o["account_id"] for o in pending.json["items"]] == [account_id]
    no_reason = api.post(f"/admin/volunteer-orgs/{account_id}/reject", {}, token=token)
    assert no_reason.status_code == 400 and no_reason.json["error"]["fields"][0]["path"] == "reason"
    rejected = api.post(f"/admin/volunteer-orgs/{account_id}/reject", {"reason": "备案信息无法核实"}, token=token)
    assert rejected.status_code == 200 and rejected.json["status"] == "rejected"
    again = api.post(f"/admin/volunteer-orgs/{account_id}/reject", {"reason": "再次"}, token=token)
    assert again.status_code == 409 and again.json["error"]["code"] == "STATE_CONFLICT"
    refused = login(api, "organization", body["account_name"])
    assert refused.json["error"]["code"] == "ORG_REJECTED"
    assert refused.json["error"]["message"] == "备案信息无法核实"


def test_the_pending_list_pages_with_a_signed_cursor(api, outbox):
    ids = [register_org(api, outbox)[1].json["account_id"] for _ in range(3)]
    token = operator_token(api)
    first = api.get("/admin/volunteer-orgs?limit=2", token=token).json
    second = api.get(f"/admin/volunteer-orgs?limit=2&cursor={first['next_cursor']}", token=token).json
    seen = [o["account_id"] for o in first["items"] + second["items"]]
    assert sorted(seen) == sorted(ids) and len(set(seen)) == 3
    forged = first["next_cursor"][:-2] + ("00" if not first["next_cursor"].endswith("00") else "11")
    response = api.get(f"/admin/volunteer-orgs?limit=2&cursor={forged}", token=token)
    assert response.status_code == 400 and response.json["error"]["fields"][0]["path"] == "cursor"
    replayed = api.get(f"/admin/volunteer-orgs?status=active&cursor={first['next_cursor']}", token=token)
    assert replayed.status_code == 400
    assert api.get("/admin/volunteer-orgs?limit=51", token=token).status_code == 400


def test_only_operators_vet_orgs(api, outbox):
    _, response = register_org(api, outbox)
    person = register_individual(api, outbox)
    refused = api.post(f"/admin/volunteer-orgs/{response.json['account_id']}/approve", token=person["access_token"])
    assert refused.status_code == 403
    assert get_account(response.json["account_id"]).status == "pending_review"


def test_approving_a_non_org_account_is_not_found(api, outbox):
    person = register_individual(api, outbox)
    token = operator_token(api)
    assert api.post(f"/admin/volunteer-orgs/{person['account_id']}/approve", token=token).status_code == 404
    assert api.post("/admin/volunteer-orgs/nope/approve", token=token).status_code == 404
    assert api.post(f"/admin/volunteer-orgs/{'x' * 500}/approve", token=token).status_code == 404


def test_an_approved_org_completes_its_profile_before_it_may_claim(api, outbox):
    body, account_id, session = approved_org(api, outbox)
    token = session["access_token"]
    assert api.get("/me", token=token).json["profile_completed"] is False
    with pytest.raises(AppError) as refused:
        volunteer_orgs.require_complete_profile(get_account(account_id))
    assert refused.value.code.name == "ORG_PROFILE_INCOMPLETE"
    missing = api.get("/me/org-profile", token=token)
    assert missing.status_code == 403 and missing.json["error"]["code"] == "ORG_PROFILE_INCOMPLETE"
    saved = api.put("/me/org-profile", {**PROFILE, "leader_mobile": body["contact_phone"]}, token=token)
    assert saved.status_code == 200, saved.json
    assert api.get("/me", token=token).json["profile_completed"] is True
    volunteer_orgs.require_complete_profile(get_account(account_id))


def test_profile_rules_are_enforced(api, outbox):
    body, _, session = approved_org(api, outbox)
    token = session["access_token"]
    base = {**PROFILE, "leader_mobile": body["contact_phone"]}
    cases = {
        "advantages": {**base, "advantages": "优" * 201},
        "service_areas[0]": {**base, "service_areas": ["编程"]},
        "volunteer_count": {**base, "volunteer_count": 0},
        "region.city": {**base, "region": {"province": "广东省", "city": "长沙市"}},
        "landline": {**base, "landline": "12345"},
    }
    for path, profile in cases.items():
        response = api.put("/me/org-profile", profile, token=token)
        assert response.status_code == 400, path
        assert response.json["error"]["fields"][0]["path"] == path
    assert api.put("/me/org-profile", {**base, "advantages": "优" * 200}, token=token).status_code == 200


def test_a_new_leader_mobile_must_be_proven_by_an_sms_code(api, outbox):
    body, _, session = approved_org(api, outbox)
    token = session["access_token"]
    leader = next_phone()
    unproven = api.put("/me/org-profile", {**PROFILE, "leader_mobile": leader}, token=token)
    assert unproven.status_code == 400 and unproven.json["error"]["fields"][0]["path"] == "leader_sms_code"
    api.post("/sms/codes", {"phone": leader, "purpose": "org_contact"})
    proven = api.put("/me/org-profile", {**PROFILE, "leader_mobile": leader,
                                         "leader_sms_code": outbox.last_code(leader)}, token=token)
    assert proven.status_code == 200 and proven.json["leader_mobile"] == leader


def test_other_roles_cannot_touch_an_org_profile(api, outbox):
    person = register_individual(api, outbox)
    response = api.put("/me/org-profile", {**PROFILE, "leader_mobile": person["phone"]}, token=person["access_token"])
    assert response.status_code == 403


def test_the_directory_lists_approved_profiled_orgs_without_contacts(api, outbox):
    body, account_id, session = approved_org(api, outbox)
    assert api.get("/volunteer-orgs").json["items"] == []  # approved, but no profile yet
    leader = body["contact_phone"]
    api.put("/me/org-profile", {**PROFILE, "leader_mobile": leader}, token=session["access_token"])
    pending_body, _ = register_org(api, outbox)
    listed = api.get("/volunteer-orgs").json["items"]
    assert [o["account_id"] for o in listed] == [account_id]
    assert listed[0]["service_areas"] == ["关爱未成年人", "文化体育"] and listed[0]["volunteer_count"] == 120
    text = str(api.get("/volunteer-orgs").json)
    assert leader not in text and "87195622" not in text and body["account_name"] not in text
    assert [o["account_id"] for o in api.get("/volunteer-orgs?city=深圳市").json["items"]] == [account_id]
    assert api.get("/volunteer-orgs?city=广州市").json["items"] == []
    assert [o["account_id"] for o in api.get("/volunteer-orgs?q=义工").json["items"]] == [account_id]
    assert api.get("/volunteer-orgs?q=不存在").json["items"] == []
    operator = operator_token(api, "op_dir")
    api.post(f"/admin/accounts/{account_id}/disable", {"reason": "违规"}, token=operator)
    assert api.get("/volunteer-orgs").json["items"] == []
    api.post(f"/admin/accounts/{account_id}/enable", token=operator)
    assert [o["account_id"] for o in api.get("/volunteer-orgs").json["items"]] == [account_id]

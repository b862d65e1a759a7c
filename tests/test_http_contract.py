"""What every route promises: declared roles, one error shape, no 500 on bad input."""
import re

import pytest

from app import app as chalice_app
from chalicelib.errors import ErrorCode
from tests.builders import register_individual


def test_every_route_declares_the_roles_allowed_to_call_it():
    undeclared = [f"{method} {path}" for path, methods in chalice_app.routes.items()
                  for method, entry in methods.items() if not hasattr(entry.view_function, "access")]
    assert undeclared == []
    assert len(chalice_app.routes) > 10


def test_error_codes_are_unique_and_carry_a_status_and_message():
    assert len({code.name for code in ErrorCode}) == len(ErrorCode)
    for code in ErrorCode:
        assert 400 <= code.status < 600 and code.default_message


def test_invalid_json_is_a_400_in_the_error_shape(api, outbox):
    response = api.post("/auth/login", raw=b"{not json")
    assert response.status_code == 400
    assert set(response.json["error"]) == {"code", "message", "fields"}
    assert response.json["error"]["code"] == "INVALID_JSON"


@pytest.mark.parametrize("body", [[], "text", 12, None])
def test_a_body_that_is_not_an_object_is_a_400(api, outbox, body):
    response = api.post("/auth/login", body)
    assert response.status_code == 400


def test_missing_and_unknown_fields_are_named(api, outbox):
    response = api.post("/auth/login", {"account_type": "individual", "login": "x", "role": "operator"})
    paths = {f["path"] for f in response.json["error"]["fields"]}
    assert response.status_code == 400 and paths == {"password", "role"}


def test_wrong_types_never_cause_a_500(api, outbox):
    for body in ({"account_type": 1, "login": [], "password": {}}, {"account_type": "x" * 10_000},
                 {"phone": None, "purpose": "register"}):
        assert api.post("/auth/login", body).status_code == 400
        assert api.post("/sms/codes", body).status_code == 400


def test_an_oversized_body_is_a_413(api, outbox):
    response = api.post("/auth/login", {"account_type": "individual", "login": "x", "password": "y" * 70_000})
    assert response.status_code == 413 and response.json["error"]["code"] == "PAYLOAD_TOO_LARGE"


def test_chalice_own_errors_use_the_same_shape(api, outbox):
    wrong_method = api.call("DELETE", "/auth/login")
    assert wrong_method.status_code == 405 and wrong_method.json["error"]["code"] == "METHOD_NOT_ALLOWED"
    wrong_type = api.post("/auth/login", raw=b"a=b", headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert wrong_type.status_code == 415 and wrong_type.json["error"]["code"] == "UNSUPPORTED_MEDIA_TYPE"


def test_answers_are_not_cached_by_intermediaries(api, outbox):
    person = register_individual(api, outbox)
    response = api.get("/me", token=person["access_token"])
    assert response.headers["Cache-Control"] == "no-store"


def test_reference_lists_come_from_the_one_reference_module(api, outbox):
    from chalicelib import reference

    body = api.get("/reference").json
    assert len(body["cities"]) == 21 and body["cities"][0] == "广州市"
    assert body["tutoring_subjects"] == list(reference.TUTORING_SUBJECTS)
    assert [g["group"] for g in body["interest_course_groups"]] == ["美术类", "体育类", "科技类", "语言类", "音舞类"]
    assert len(body["grades"]) == 12 and "其他" in body["demand_types"]
    assert body["activity_types"] == list(reference.ACTIVITY_TYPES)
    assert body["sign_in_methods"] == list(reference.SIGN_IN_METHODS)
    assert "other" in body["report_reasons"]
    assert body["certificate_consent"] == {"version": reference.CERTIFICATE_CONSENT_VERSION,
                                           "text": reference.CERTIFICATE_CONSENT_TEXT}


def test_no_runtime_code_scans_a_table():
    import ast
    import pathlib

    root = pathlib.Path(__file__).resolve().parent.parent
    offenders = []
    for path in [root / "app.py", *sorted((root / "chalicelib").rglob("*.py"))]:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Attribute) and node.attr in {"scan", "parallel_scan"}:
                offenders.append(f"{path.relative_to(root)}:{node.lineno}")
    assert offenders == []


@pytest.mark.parametrize("raw", [b"[" * 5000, b'{"a":' * 5000, b"[" * 5000 + b"]" * 5000])
@pytest.mark.parametrize("path", ["/auth/login", "/sms/codes", "/auth/register"])
def test_deeply_nested_json_is_refused_with_a_400_on_anonymous_routes(api, outbox, path, raw):
    response = api.post(path, raw=raw)
    assert response.status_code == 400
    assert response.json["error"]["code"] == "JSON_TOO_DEEP"


def test_json_nested_beyond_the_cap_is_refused_before_validation(api, outbox):
    from chalicelib.api.routing import MAX_JSON_DEPTH

    body = {"account_type": "individual", "login": "13900000001", "password": 1}
    for _ in range(MAX_JSON_DEPTH):
        body = {"password": body}
    response = api.post("/auth/login", body)
    assert response.status_code == 400 and response.json["error"]["code"] == "JSON_TOO_DEEP"


def test_a_204_answer_carries_no_body(api, outbox):
    person = register_individual(api, outbox)
    response = api.post("/auth/logout", {"refresh_token": person["refresh_token"]})
    assert response.status_code == 204
    assert response.body == b""
    assert response.headers.get("Content-Length", "0") == "0"


def test_reference_labels_every_value_a_screen_shows_in_chinese(api):
    from chalicelib import reference

    labels = api.get("/reference").json["labels"]
    shown = {"role": reference.Role, "account_status": reference.AccountStatus,
             "help_request_status": reference.HelpRequestStatus, "demand_status": reference.DemandStatus,
             "claim_status": reference.ClaimStatus, "my_claims_filter": reference.MyClaimsFilter,
             "report_reason": reference.ReportReason, "report_status": reference.ReportStatus,
             "activity_status": reference.ActivityStatus, "signup_status": reference.SignupStatus,
             "notification_type": reference.NotificationType}
    for name, enum in shown.items():
        assert [item["value"] for item in labels[name]] == [member.value for member in enum], name
        assert all(re.search(r"[\u4e00-\u9fff]", item["label"]) for item in labels[name]), name
    assert {"value": "to_rate", "label": "待评分"} in labels["my_claims_filter"]


def test_every_answer_that_carries_a_status_carries_its_chinese_label(api, outbox):
    import json
    import pathlib

    from chalicelib import reference

    document = json.loads((pathlib.Path(__file__).resolve().parent.parent / "docs" / "openapi.json").read_text())
    schemas = document["components"]["schemas"]
    status_enums = {enum.__name__ for enum in reference.STATUS_LABELS_BY_ENUM}
    unlabelled = []
    for name, schema in schemas.items():
        status = schema.get("properties", {}).get("status", {})
        refs = [status.get("$ref", "")] + [option.get("$ref", "") for option in status.get("anyOf", [])]
        if any(ref.rsplit("/", 1)[-1] in status_enums for ref in refs) and not name.endswith(("Query", "In")):
            if "status_label" not in schema.get("required", []):
                unlabelled.append(name)
    assert unlabelled == ["HelpRequestsProgressStepOut"]   # a progress step carries its own `label`

    person = register_individual(api, outbox)
    me = api.get("/me", token=person["access_token"]).json
    assert (me["status"], me["status_label"]) == ("active", reference.LABELS["account_status"][
        reference.AccountStatus.ACTIVE])

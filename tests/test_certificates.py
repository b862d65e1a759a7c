"""志愿服务记录证明: request, issue / refuse / revoke, 我的证明, verification, and the identity's protection."""
from __future__ import annotations

import base64
import io
import json
import subprocess
from datetime import timedelta

import boto3
import pytest
from botocore.exceptions import ClientError
from cryptography.exceptions import InvalidTag

from certificates.sample import seal_png
from chalicelib.config import ConfigError, Settings, _from_environ
from chalicelib.data.certificates import Certificate, CertificateRequest
from chalicelib.data.lookup import get_or_none
from chalicelib.errors import AppError, ErrorCode
from chalicelib.reference import IdType
from chalicelib.services import certificate_renderer, certificates, id_documents
from tests.builders import (
    activity_body,
    attended,
    certificate_body,
    claimed_demand,
    code,
    individual,
    league_org_session,
    published,
    resident_id,
    upload_image,
    volunteer,
)
from tests.clock import T0

ISSUE = {"person_in_charge": "李雷", "handler": "韩梅梅", "contact": "020-87195622"}
FULL = resident_id("44010519900307123")


@pytest.fixture
def served(api, outbox, now):
    """An organization, its activity (counting hours, with consent) and a volunteer who served 2 hours."""
    league = league_org_session(api)
    did, org, _ = claimed_demand(api, outbox, league["access_token"])
    aid = published(api, org, did)["activity_id"]
    person = attended(api, outbox, now, aid)
    return {"org": org, "person": person, "aid": aid, "did": did}


def _request(api, served, **overrides):
    body = certificate_body(overrides.pop("org_id", served["org"]["account_id"]), **overrides)
    return api.post("/certificate-requests", body, token=served["person"]["token"])


def _delete(api, request_id, token):
    return api.call("DELETE", f"/certificate-requests/{request_id}", token=token)


def _inbox(api, token, status="requested"):
    return api.get(f"/me/certificate-inbox?status={status}", token=token).json["items"]


def _notes(api, token) -> list[str]:
    return [n["type"] for n in api.get("/me/notifications", token=token).json["items"]]


def test_a_request_issued_is_frozen_in_my_certificates_and_verifiable_until_revoked(api, served):
    org, person = served["org"], served["person"]
    requested = _request(api, served)
    assert requested.status_code == 201, requested.json
    rid = requested.json["request_id"]
    assert requested.json["status"] == "requested" and requested.json["status_label"] == "待出具"
    assert requested.json["id_number_masked"] == FULL[:4] + "*" * 10 + FULL[-4:]
    assert [r["request_id"] for r in _inbox(api, org["token"])] == [rid]
    assert "certificate_requested" in _notes(api, org["token"])

    issued = api.post(f"/certificate-requests/{rid}/issue", ISSUE, token=org["token"])
    assert issued.status_code == 200, issued.json
    certificate = issued.json["certificate"]
    assert issued.json["status"] == "issued" and certificate["total_hours"] == 2.0   # 08:05–10:05
    assert [line["activity_id"] for line in certificate["lines"]] == [served["aid"]]
    assert certificate["person_in_charge"] == "李雷" and certificate["handler"] == "韩梅梅"
    assert _inbox(api, org["token"]) == [] and len(_inbox(api, org["token"], "issued")) == 1
    assert api.get("/me/certificate-requests", token=person["token"]).json["items"] == [issued.json]
    assert "certificate_issued" in _notes(api, person["token"])

    number = certificate["number"]
    verified = api.get(f"/certificates/{number}")
    assert verified.status_code == 200
    assert verified.json == {"number": number, "valid": True, "org_name": requested.json["org_name"],
                             "masked_name": "陈*远", "first_day": "2099-06-01", "last_day": "2099-06-30",
                             "total_hours": 2.0, "issued_at": certificate["issued_at"], "revoked_at": None}

    revoked = api.post(f"/certificate-requests/{rid}/revoke", {"reason": "时长记录有误"}, token=org["token"])
    assert revoked.status_code == 200 and revoked.json["certificate"]["revoke_reason"] == "时长记录有误"
    after = api.get(f"/certificates/{number}").json
    assert after["valid"] is False and after["revoked_at"] == revoked.json["certificate"]["revoked_at"]
    assert "certificate_revoked" in _notes(api, person["token"])


def test_only_the_organizations_consented_attended_hours_in_the_period_count(api, outbox, now, served):
    refused = _request(api, served, first_day="2099-07-01", last_day="2099-07-31")
    assert (refused.status_code, code(refused)) == (409, "NOTHING_TO_CERTIFY")
    other = volunteer(api, outbox)
    asked_elsewhere = _request(api, served, org_id=other["account_id"])
    assert (asked_elsewhere.status_code, code(asked_elsewhere)) == (409, "NOTHING_TO_CERTIFY")
    # A 公益活动 (counts no hours, no consent) and a sign-up never checked out certify nothing either.
    now.at = T0 + timedelta(minutes=1)
    uncounted = published(api, served["org"], served["did"], **activity_body(
        activity_type="公益活动（不计入服务时长）", certificate_consent=False))["activity_id"]
    bystander = attended(api, outbox, now, uncounted)
    refused = api.post("/certificate-requests", certificate_body(served["org"]["account_id"]),
                       token=bystander["token"])
    assert (refused.status_code, code(refused)) == (409, "NOTHING_TO_CERTIFY")
    assert _inbox(api, served["org"]["token"]) == []


@pytest.mark.parametrize("overrides, field", [
    ({"id_number": FULL[:-1] + ("0" if FULL[-1] != "0" else "1")}, "id_number"),   # wrong check character
    ({"id_number": resident_id("44010519901307123")}, "id_number"),                 # month 13
    ({"id_number": resident_id("99010519900307123")}, "id_number"),                 # no such province
    ({"id_type": "hk_macao_permit", "id_number": "X12345678"}, "id_number"),
    ({"id_type": "taiwan_permit", "id_number": "1234567"}, "id_number"),
    ({"id_type": "passport", "id_number": "E1"}, "id_number"),
    ({"consent": False}, "consent"),
    ({"consent_version": "2000-01-v0"}, "consent_version"),
    ({"last_day": "2099-05-31"}, "last_day"),
    ({"first_day": "2098-01-01", "last_day": "2099-01-02"}, "last_day"),
])
def test_a_bad_identity_consent_or_period_is_refused_on_its_field_and_stores_nothing(api, served, overrides, field):
    response = _request(api, served, **overrides)
    assert response.status_code == 400, response.json
    assert field in [f["path"] for f in response.json["error"]["fields"]]
    assert list(CertificateRequest.scan()) == []


def test_the_other_identity_documents_are_accepted_by_format(api, served):
    for id_type, number in (("hk_macao_permit", "H12345678"), ("taiwan_permit", "12345678"),
                            ("passport", "E12345678")):
        response = _request(api, served, id_type=id_type, id_number=number.lower())
        assert response.status_code == 201, response.json
        assert number not in json.dumps(response.json)


def test_the_identity_number_is_stored_encrypted_bound_to_its_request(api, served):
    rid = _request(api, served).json["request_id"]
    item = CertificateRequest.get(rid)
    raw = boto3.client("dynamodb").get_item(TableName=CertificateRequest.Meta.table_name,
                                            Key={"request_id": {"S": rid}})["Item"]
    assert FULL not in json.dumps(raw, default=str) and FULL.encode() not in item.id_number_sealed
    assert id_documents.decrypt(item.id_number_sealed, rid) == FULL
    with pytest.raises(InvalidTag):
        id_documents.decrypt(item.id_number_sealed, "another-request")


def test_no_answer_of_the_certificate_routes_carries_the_full_identity_number(api, outbox, served):
    org, person = served["org"], served["person"]
    answers = [_request(api, served)]
    rid = answers[0].json["request_id"]
    answers += [api.get("/me/certificate-requests", token=person["token"]),
                api.get("/me/certificate-inbox", token=org["token"]),
                api.post(f"/certificate-requests/{rid}/issue", ISSUE, token=org["token"])]
    number = answers[-1].json["certificate"]["number"]
    answers += [api.get(f"/certificates/{number}"), api.get("/me/certificate-inbox?status=issued", token=org["token"]),
                api.get("/me/notifications", token=org["token"]), api.get("/me/notifications", token=person["token"]),
                api.post(f"/certificate-requests/{rid}/revoke", {"reason": "有误"}, token=org["token"]),
                api.get(f"/certificates/{number}")]
    other = _request(api, served)
    answers += [other, api.post(f"/certificate-requests/{other.json['request_id']}/refuse", {"reason": "不属实"},
                                token=org["token"])]
    for response in answers:
        assert response.status_code in (200, 201), response.json
        text = json.dumps(response.json, ensure_ascii=False)
        assert FULL not in text and FULL[4:14] not in text


def test_each_transition_leaves_only_its_state(api, outbox, served):
    org, person = served["org"], served["person"]
    rid = _request(api, served).json["request_id"]
    stranger = volunteer(api, outbox)
    for path in ("issue", "refuse", "revoke"):
        body = ISSUE if path == "issue" else {"reason": "不属实"}
        assert api.post(f"/certificate-requests/{rid}/{path}", body, token=stranger["token"]).status_code == 404
    assert api.post(f"/certificate-requests/{rid}/revoke", {"reason": "x"}, token=org["token"]).status_code == 409
    assert api.post(f"/certificate-requests/{rid}/issue", ISSUE, token=org["token"]).status_code == 200
    for path in ("issue", "refuse"):
        body = ISSUE if path == "issue" else {"reason": "不属实"}
        again = api.post(f"/certificate-requests/{rid}/{path}", body, token=org["token"])
        assert (again.status_code, code(again)) == (409, "STATE_CONFLICT")
    assert _delete(api, rid, person["token"]).status_code == 409
    assert api.post(f"/certificate-requests/{rid}/revoke", {"reason": "有误"}, token=org["token"]).status_code == 200
    assert api.post(f"/certificate-requests/{rid}/revoke", {"reason": "有误"}, token=org["token"]).status_code == 409


def test_deleting_a_request_not_issued_deletes_its_identity(api, outbox, served):
    org, person = served["org"], served["person"]
    kept = _request(api, served).json["request_id"]
    refused = _request(api, served).json["request_id"]
    api.post(f"/certificate-requests/{refused}/refuse", {"reason": "不属实"}, token=org["token"])
    other = individual(api, outbox)
    assert _delete(api, kept, other["token"]).status_code == 404
    for rid in (kept, refused):
        assert _delete(api, rid, person["token"]).status_code == 204
        assert get_or_none(CertificateRequest, rid) is None
    assert api.get("/me/certificate-requests", token=person["token"]).json["items"] == []
    assert _delete(api, kept, person["token"]).status_code == 404


def test_numbers_are_unique_random_and_an_unknown_one_is_not_found(api, served, monkeypatch):
    org = served["org"]
    draw = certificates.new_number
    first, second = (_request(api, served).json["request_id"] for _ in range(2))
    taken = api.post(f"/certificate-requests/{first}/issue", ISSUE, token=org["token"]).json["certificate"]["number"]
    draws = iter([taken, taken, "ZS2099-AAAAA-BBBBB"])
    monkeypatch.setattr(certificates, "new_number", lambda moment: next(draws))
    issued = api.post(f"/certificate-requests/{second}/issue", ISSUE, token=org["token"])
    assert issued.json["certificate"]["number"] == "ZS2099-AAAAA-BBBBB"   # a number taken is drawn again
    assert Certificate.get(taken).request_id == first
    assert api.get("/certificates/ZS2099-AAAAA-BBBBC").status_code == 404
    assert api.get("/certificates/not-a-number").status_code == 404
    numbers = {draw(issued_at) for issued_at in [Certificate.get(taken).issued_at] * 200}
    assert len(numbers) == 200 and all(certificates._is_number(n) for n in numbers)


def test_masks():
    assert id_documents.mask("44010519900307123X") == "4401**********123X"
    assert id_documents.mask("H12345678") == "H1*****78"
    assert (id_documents.mask_name("张小明"), id_documents.mask_name("李雷"), id_documents.mask_name("欧阳小明")) == (
        "张*明", "李*", "欧**明")
    with pytest.raises(AppError) as refused:
        id_documents.normalise(IdType.RESIDENT_ID, resident_id("44010521000307123"), today=__import__("datetime").date(
            2099, 1, 1))   # born in 2100
    assert refused.value.code is ErrorCode.ID_NUMBER_INVALID


def test_a_deployed_function_refuses_an_inline_certificate_key():
    base = {"TABLE_PREFIX": "p-", "AWS_REGION": "cn-north-1", "TOKEN_SIGNING_KEY_PARAM": "/t",
            "SMS_CODE_KEY_PARAM": "/s", "AWS_LAMBDA_FUNCTION_NAME": "yce-api-prod"}
    with pytest.raises(ValueError, match="CERTIFICATE_ID_KEY"):
        Settings.model_validate(_from_environ({**base, "CERTIFICATE_ID_KEY": "k" * 32}))
    assert Settings.model_validate(_from_environ({**base, "CERTIFICATE_ID_KEY_PARAM": "/c"}))
    assert ConfigError


def test_the_seal_is_uploaded_by_the_organization_and_kept_with_the_certificate(api, bucket, served):
    org, person = served["org"], served["person"]
    rid = _request(api, served).json["request_id"]
    refused = api.post("/uploads", {"purpose": "seal", "content_type": "image/png"}, token=person["token"])
    assert refused.status_code == 403   # seals: volunteer organizations only (reference.UPLOAD_PURPOSE_ROLES)
    photo = upload_image(api, org["token"], purpose="activity_photo")
    wrong = api.post(f"/certificate-requests/{rid}/issue", {**ISSUE, "seal_key": photo}, token=org["token"])
    assert (wrong.status_code, wrong.json["error"]["fields"][0]["path"]) == (400, "seal_key[0]")
    assert CertificateRequest.get(rid).status == "requested"
    seal = upload_image(api, org["token"], purpose="seal")
    issued = api.post(f"/certificate-requests/{rid}/issue", {**ISSUE, "seal_key": seal}, token=org["token"])
    assert issued.status_code == 200, issued.json
    assert CertificateRequest.get(rid).seal_key.startswith("images/")


def _issued(api, served, **issue):
    rid = _request(api, served).json["request_id"]
    issued = api.post(f"/certificate-requests/{rid}/issue", {**ISSUE, **issue}, token=served["org"]["token"])
    assert issued.status_code == 200, issued.json
    return rid, issued.json["certificate"]["number"]


def _download(api, rid, token):
    return api.get(f"/certificate-requests/{rid}/pdf", token=token, headers={"Accept": "application/pdf"})


def test_the_volunteer_downloads_the_issued_certificate_as_a_pdf_with_the_full_number_and_the_seal(
        api, bucket, served, tmp_path):
    seal = upload_image(api, served["org"]["token"], purpose="seal", data=seal_png())
    rid, number = _issued(api, served, seal_key=seal)
    answer = _download(api, rid, served["person"]["token"])
    assert answer.status_code == 200, answer.json
    assert answer.headers["Content-Type"] == "application/pdf"
    assert answer.headers["Content-Disposition"] == f'attachment; filename="{number}.pdf"'
    assert answer.headers["Cache-Control"] == "no-store"
    assert answer.body.startswith(b"%PDF-")
    pdf = tmp_path / "certificate.pdf"
    pdf.write_bytes(answer.body)
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], check=True, capture_output=True,
                          text=True).stdout
    for expected in (f"居民身份证：{FULL}", number, "陈志远", "累计志愿服务时长 2 小时", "负责人：李雷"):
        assert expected in text, expected
    images = subprocess.run(["pdfimages", "-list", str(pdf)], check=True, capture_output=True, text=True).stdout
    assert len(images.strip().splitlines()) > 2   # a header, a rule, the seal


def test_a_browser_download_accepting_anything_gets_the_pdf(api, served):
    rid, _ = _issued(api, served)
    answer = api.get(f"/certificate-requests/{rid}/pdf", token=served["person"]["token"], headers={"Accept": "*/*"})
    assert (answer.status_code, answer.headers["Content-Type"]) == (200, "application/pdf")


def test_only_the_volunteer_downloads_and_only_while_issued(api, outbox, served):
    rid = _request(api, served).json["request_id"]
    person, org = served["person"]["token"], served["org"]["token"]
    waiting = _download(api, rid, person)
    assert (waiting.status_code, code(waiting)) == (409, "STATE_CONFLICT")
    assert api.post(f"/certificate-requests/{rid}/issue", ISSUE, token=org).status_code == 200
    stranger = individual(api, outbox)["token"]
    assert _download(api, rid, stranger).status_code == 404
    assert _download(api, rid, org).status_code == 403   # the issuer sees the masked number only
    assert _download(api, "0" * 32, person).status_code == 404
    api.post(f"/certificate-requests/{rid}/revoke", {"reason": "时长记录有误"}, token=org)
    revoked = _download(api, rid, person)
    assert (revoked.status_code, code(revoked)) == (409, "CERTIFICATE_REVOKED")


class _Invoked:
    """botocore's Lambda client, answering as the certificate function would (or failing)."""

    def __init__(self, answer: dict) -> None:
        self.answer, self.calls = answer, []

    def invoke(self, **kwargs):
        self.calls.append(kwargs)
        if isinstance(self.answer, Exception):
            raise self.answer
        return {**self.answer, "Payload": io.BytesIO(json.dumps(self.answer["body"]).encode())}


@pytest.fixture
def lambda_renderer(monkeypatch):
    from chalicelib.config import get_settings
    monkeypatch.setenv("CERTIFICATE_RENDERER", "lambda")
    monkeypatch.setenv("CERTIFICATE_RENDERER_FUNCTION", "yce-certificates-test-render")
    get_settings.cache_clear()

    def install(answer) -> _Invoked:
        stub = _Invoked(answer)
        monkeypatch.setattr(certificate_renderer, "_client", lambda: stub)
        return stub

    yield install
    monkeypatch.undo()
    get_settings.cache_clear()


def test_the_lambda_renderer_invokes_the_stage_function_and_answers_its_pdf(api, served, lambda_renderer):
    rid, number = _issued(api, served)
    stub = lambda_renderer({"StatusCode": 200, "body": {"pdf_base64": base64.b64encode(b"%PDF-1.4 stub").decode()}})
    answer = _download(api, rid, served["person"]["token"])
    assert (answer.status_code, answer.body) == (200, b"%PDF-1.4 stub")
    [call] = stub.calls
    assert call["FunctionName"] == "yce-certificates-test-render" and call["InvocationType"] == "RequestResponse"
    payload = json.loads(call["Payload"])
    assert payload["id_number"] == FULL and payload["number"] == number
    assert payload["verify_url"] == f"https://h5.yce.test/certificates/{number}"


@pytest.mark.parametrize("answer", [
    {"StatusCode": 200, "FunctionError": "Unhandled", "body": {"errorMessage": "boom"}},
    {"StatusCode": 200, "body": {"unexpected": True}},
    ClientError({"Error": {"Code": "TooManyRequestsException"}}, "Invoke"),
], ids=["function-error", "malformed-answer", "invoke-refused"])
def test_a_failing_renderer_function_answers_503_with_retry_after(api, served, lambda_renderer, answer):
    rid, _ = _issued(api, served)
    lambda_renderer(answer)
    failed = _download(api, rid, served["person"]["token"])
    assert (failed.status_code, code(failed)) == (503, "CERTIFICATE_RENDERER_UNAVAILABLE")
    assert failed.headers["Retry-After"] == "5"


def test_the_inline_renderer_is_refused_on_lambda_and_the_lambda_one_needs_its_function():
    base = {"TABLE_PREFIX": "p-", "AWS_REGION": "cn-north-1", "TOKEN_SIGNING_KEY_PARAM": "/t",
            "SMS_CODE_KEY_PARAM": "/s", "AWS_LAMBDA_FUNCTION_NAME": "yce-api-prod"}
    with pytest.raises(ValueError, match="CERTIFICATE_RENDERER=inline on Lambda"):
        Settings.model_validate(_from_environ({**base, "CERTIFICATE_RENDERER": "inline"}))
    with pytest.raises(ValueError, match="CERTIFICATE_RENDERER_FUNCTION"):
        Settings.model_validate(_from_environ({**base, "CERTIFICATE_RENDERER": "lambda"}))
    assert Settings.model_validate(_from_environ({**base, "CERTIFICATE_RENDERER": "lambda",
                                                  "CERTIFICATE_RENDERER_FUNCTION": "yce-certificates-p-render"}))

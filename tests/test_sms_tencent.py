"""Tencent Cloud SMS: the SDK's real SendSms request, checked by a fake Tencent endpoint on loopback.

The fake recomputes the TC3-HMAC-SHA256 signature with the test's key (from the documented algorithm, not
the SDK's code), checks the action, version, region, application, signature name, template id, parameters
and number, and answers success or any documented SendSms error, for the whole request or for the number.
"""
from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from pydantic import ValidationError

from chalicelib.config import Settings, _from_environ
from chalicelib.data.lookup import get_or_none
from chalicelib.data.sms_codes import SmsCode
from chalicelib.errors import AppError, ErrorCode
from chalicelib.reference import CODE_TEMPLATES, NOTIFICATION_LABELS, SMS_NOTIFICATION_TYPES, SmsPurpose, SmsTemplate
from chalicelib.services import sms, sms_sender
from chalicelib.services.sms_sender import SmsMessage, SmsNotSent, SmsPhoneRejected, TencentSender, parameter_count
from tests.builders import next_phone

SECRET_ID = "AKIDtest0123456789abcdef0123456789ab"
SECRET_KEY = "test-secret-key-0123456789abcdef"
APP_ID = "1400012345"
SIGNATURE = "青年云支教"
TEMPLATE_IDS = {template: str(2_000_001 + number) for number, template in enumerate(SmsTemplate)}


class FakeTencent(ThreadingHTTPServer):
    """Answers SendSms as sms.tencentcloudapi.com does; `answer` picks the next answer."""

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.requests: list[dict] = []
        self.problems: list[str] = []
        self.answer: tuple[str, str | None] = ("ok", None)   # ("ok" | "error" | "status" | "slow" | "html", code)

    def handle_error(self, request, client_address) -> None:
        pass   # the slow answer's client has gone (it timed out): nothing to report

    @property
    def endpoint(self) -> str:
        return f"127.0.0.1:{self.server_address[1]}"


def _hmac(key: bytes, text: str) -> bytes:
    return hmac.new(key, text.encode(), hashlib.sha256).digest()


def _expected_signature(method: str, headers, body: bytes) -> str:
    """TC3-HMAC-SHA256 as Tencent documents it (签名方法 v3)."""
    timestamp = headers["X-TC-Timestamp"]
    date = datetime.fromtimestamp(int(timestamp), tz=UTC).strftime("%Y-%m-%d")
    canonical = "\n".join([method, "/", "", f"content-type:{headers['Content-Type']}\nhost:{headers['Host']}\n",
                           "content-type;host", hashlib.sha256(body).hexdigest()])
    to_sign = "\n".join(["TC3-HMAC-SHA256", timestamp, f"{date}/sms/tc3_request",
                         hashlib.sha256(canonical.encode()).hexdigest()])
    key = _hmac(_hmac(_hmac(("TC3" + SECRET_KEY).encode(), date), "sms"), "tc3_request")
    return hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()


class _Handler(BaseHTTPRequestHandler):
    server: FakeTencent

    def log_message(self, *args) -> None:   # quiet
        pass

    def do_POST(self) -> None:   # noqa: N802 - http.server's name
        body = self.rfile.read(int(self.headers["Content-Length"]))
        problems = self._check(body)
        self.server.problems += problems
        request = json.loads(body)
        self.server.requests.append(request)
        kind, code = self.server.answer
        if problems:
            kind, code = "error", "AuthFailure.SignatureFailure"
        if kind == "slow":
            time.sleep(2)
        if kind == "html":
            return self._reply(502, "text/html", b"<html>Bad Gateway</html>")
        response: dict = {"RequestId": "req-1"}
        if kind == "error":
            response["Error"] = {"Code": code, "Message": "refused by the fake"}
        else:
            response["SendStatusSet"] = [{
                "SerialNo": "5000:1", "PhoneNumber": number, "Fee": 1, "SessionContext": "", "IsoCode": "CN",
                "Code": "Ok" if kind in ("ok", "slow") else code, "Message": "send success" if kind == "ok" else "no"}
                for number in request.get("PhoneNumberSet", [])]
        self._reply(200, "application/json", json.dumps({"Response": response}).encode())

    def _check(self, body: bytes) -> list[str]:
        auth = self.headers.get("Authorization", "")
        credential = f"Credential={SECRET_ID}/"
        problems = [] if auth.startswith("TC3-HMAC-SHA256 " + credential) else [f"authorization {auth!r}"]
        signature = auth.rpartition("Signature=")[2]
        if not hmac.compare_digest(signature, _expected_signature("POST", self.headers, body)):
            problems.append("signature does not match")
        if abs(time.time() - int(self.headers["X-TC-Timestamp"])) > 300:
            problems.append("timestamp")
        for header, wanted in (("X-TC-Action", "SendSms"), ("X-TC-Version", "2021-01-11"),
                               ("X-TC-Region", "ap-guangzhou"), ("Content-Type", "application/json")):
            if self.headers.get(header) != wanted:
                problems.append(f"{header}: {self.headers.get(header)!r}")
        return problems

    def _reply(self, status: int, content_type: str, payload: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)


@pytest.fixture
def tencent(monkeypatch):
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")   # a developer's proxy must not see the loopback fake
    server = FakeTencent()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()
    assert server.problems == []


def _sender(endpoint: str) -> TencentSender:
    return TencentSender(app_id=APP_ID, signature=SIGNATURE, template_ids=TEMPLATE_IDS, region="ap-guangzhou",
                         credentials=lambda: (SECRET_ID, SECRET_KEY), endpoint=endpoint, protocol="http")


@pytest.fixture
def through_tencent(tencent, outbox):
    """The app's texts go to the fake Tencent endpoint for this test."""
    sms_sender.use_sender(_sender(tencent.endpoint))
    yield tencent
    sms_sender.use_sender(outbox)


def test_a_code_goes_out_as_a_signed_sendsms_of_its_purposes_template_to_the_86_number(api, through_tencent):
    phone = next_phone()
    assert api.post("/sms/codes", {"phone": phone, "purpose": "register"}).status_code == 202
    [sent] = through_tencent.requests
    code, minutes = sent["TemplateParamSet"]
    assert sent == {"PhoneNumberSet": [f"+86{phone}"], "SmsSdkAppId": APP_ID, "SignName": SIGNATURE,
                    "TemplateId": TEMPLATE_IDS[SmsTemplate.REGISTER_CODE], "TemplateParamSet": [code, minutes]}
    assert len(code) == 6 and code.isdigit() and minutes == "5"
    assert sms.verify_code(phone, SmsPurpose.REGISTER, code)   # the code texted is the one stored


def test_every_purpose_sends_its_configured_template_with_as_many_parameters_as_the_template_has(
        aws, through_tencent):
    for purpose in SmsPurpose:
        sms.send_code(next_phone(), purpose, client="203.0.113.9")
    for notification in sorted(SMS_NOTIFICATION_TYPES):
        sms_sender.send(next_phone(), SmsMessage(SmsTemplate.NOTIFICATION, (NOTIFICATION_LABELS[notification],)))
    sent = through_tencent.requests
    wanted = [CODE_TEMPLATES[purpose] for purpose in SmsPurpose] + [SmsTemplate.NOTIFICATION] * len(
        SMS_NOTIFICATION_TYPES)
    assert [request["TemplateId"] for request in sent] == [TEMPLATE_IDS[template] for template in wanted]
    assert [len(request["TemplateParamSet"]) for request in sent] == [parameter_count(t) for t in wanted]
    # Tencent's variables: a code template's at most 6 digits, a notification's a short label.
    assert all(len(value) <= 6 for request in sent for value in request["TemplateParamSet"])


def test_the_fake_endpoint_refuses_a_request_signed_with_another_key(tencent):
    forged = TencentSender(app_id=APP_ID, signature=SIGNATURE, template_ids=TEMPLATE_IDS, region="ap-guangzhou",
                           credentials=lambda: (SECRET_ID, "another-secret-key-0123456789abcd"),
                           endpoint=tencent.endpoint, protocol="http")
    with pytest.raises(SmsNotSent, match="AuthFailure.SignatureFailure"):
        forged.send("13800138000", SmsMessage(SmsTemplate.NOTIFICATION, ("认领成功",)))
    assert tencent.problems == ["signature does not match"]
    tencent.problems.clear()


def test_a_message_with_the_wrong_number_of_parameters_is_refused_before_any_provider_sees_it():
    with pytest.raises(ValueError):
        SmsMessage(SmsTemplate.REGISTER_CODE, ("123456",))


# SendSms errors (API 2021-01-11, 错误码) that are the service's, its configuration's or a limit's: 503, retry.
SERVICE_ERRORS = [
    "FailedOperation.SignatureIncorrectOrUnapproved", "FailedOperation.TemplateIncorrectOrUnapproved",
    "FailedOperation.InsufficientBalanceInSmsPackage", "FailedOperation.ContainSensitiveWord",
    "UnauthorizedOperation.SmsSdkAppIdVerifyFail", "UnauthorizedOperation.ServiceSuspendDueToArrears",
    "AuthFailure.SecretIdNotFound", "AuthFailure.SignatureFailure", "InternalError.Timeout",
    "InternalError.OtherError", "RequestLimitExceeded", "LimitExceeded.DeliveryFrequencyLimit",
    "LimitExceeded.AppDailyLimit", "InvalidParameterValue.TemplateParameterFormatError",
]
NUMBER_LIMITS = ["LimitExceeded.PhoneNumberThirtySecondLimit", "LimitExceeded.PhoneNumberOneHourLimit",
                 "LimitExceeded.PhoneNumberDailyLimit", "LimitExceeded.PhoneNumberSameContentDailyLimit",
                 "InternalError.OtherError"]
PHONE_REJECTIONS = ["InvalidParameterValue.IncorrectPhoneNumber", "FailedOperation.PhoneNumberParseFail",
                    "FailedOperation.PhoneNumberInBlacklist"]


def _send_then_retry(api, tencent, answer) -> tuple:
    """A send answered `answer`, then the same number again at once with Tencent well."""
    phone = next_phone()
    tencent.answer = answer
    failed = api.post("/sms/codes", {"phone": phone, "purpose": "register"})
    stored = get_or_none(SmsCode, phone, "register", consistent_read=True)
    tencent.answer = ("ok", None)
    return failed, stored, api.post("/sms/codes", {"phone": phone, "purpose": "register"})


@pytest.mark.parametrize("answer", [("error", code) for code in SERVICE_ERRORS] +
                         [("status", code) for code in NUMBER_LIMITS] + [("html", None)])
def test_a_provider_error_answers_503_to_retry_and_gives_the_quota_back(api, through_tencent, answer):
    failed, stored, again = _send_then_retry(api, through_tencent, answer)
    assert (failed.status_code, failed.json["error"]["code"], failed.headers["Retry-After"]) == (
        503, "SMS_UNAVAILABLE", str(sms.PROVIDER_RETRY_SECONDS))
    assert stored is None                  # the code was withdrawn
    assert again.status_code == 202        # no resend gap left to wait out


@pytest.mark.parametrize("answer", [("error", code) for code in PHONE_REJECTIONS] +
                         [("status", code) for code in PHONE_REJECTIONS])
def test_a_number_the_provider_rejects_is_a_422_on_the_phone_field_with_the_quota_given_back(
        api, through_tencent, answer):
    failed, stored, again = _send_then_retry(api, through_tencent, answer)
    assert failed.status_code == 422
    assert failed.json["error"]["code"] == "SMS_PHONE_REJECTED"
    assert [(f["path"], f["code"]) for f in failed.json["error"]["fields"]] == [("phone", "SMS_PHONE_REJECTED")]
    assert stored is None and again.status_code == 202


def test_a_provider_slower_than_the_timeout_is_a_503_within_it(api, through_tencent, monkeypatch):
    monkeypatch.setattr(sms_sender, "TENCENT_TIMEOUT_SECONDS", 1)
    sms_sender.use_sender(_sender(through_tencent.endpoint))   # built after the change
    started = time.monotonic()
    failed, stored, _ = _send_then_retry(api, through_tencent, ("slow", None))
    assert failed.status_code == 503 and stored is None
    assert time.monotonic() - started < 10


def test_an_unreachable_provider_is_a_503(api, outbox):
    closed = FakeTencent()
    endpoint = closed.endpoint
    closed.server_close()   # nothing listens there any more
    sms_sender.use_sender(_sender(endpoint))
    try:
        failed = api.post("/sms/codes", {"phone": next_phone(), "purpose": "register"})
    finally:
        sms_sender.use_sender(outbox)
    assert (failed.status_code, failed.json["error"]["code"]) == (503, "SMS_UNAVAILABLE")


def test_unreadable_provider_keys_are_a_503_not_a_500(api, outbox):
    def no_keys() -> tuple[str, str]:
        raise AppError(ErrorCode.SERVICE_MISCONFIGURED)   # what chalicelib.secrets raises when SSM fails

    sms_sender.use_sender(TencentSender(app_id=APP_ID, signature=SIGNATURE, template_ids=TEMPLATE_IDS,
                                        region="ap-guangzhou", credentials=no_keys))
    try:
        failed = api.post("/sms/codes", {"phone": next_phone(), "purpose": "register"})
    finally:
        sms_sender.use_sender(outbox)
    assert (failed.status_code, failed.json["error"]["code"]) == (503, "SMS_UNAVAILABLE")


def test_the_sender_says_which_failures_are_the_numbers_own(tencent):
    sender = _sender(tencent.endpoint)
    tencent.answer = ("status", "FailedOperation.PhoneNumberInBlacklist")
    with pytest.raises(SmsPhoneRejected):
        sender.send("13800138000", SmsMessage(SmsTemplate.NOTIFICATION, ("认领成功",)))
    tencent.answer = ("status", "LimitExceeded.PhoneNumberDailyLimit")
    with pytest.raises(SmsNotSent) as failed:
        sender.send("13800138000", SmsMessage(SmsTemplate.NOTIFICATION, ("认领成功",)))
    assert not isinstance(failed.value, SmsPhoneRejected)
    assert "13800138000" not in str(failed.value)   # logged: the provider's code, never the number


# ---------------------------------------------------------------- configuration

BASE = {"TABLE_PREFIX": "yce-x-", "AWS_DEFAULT_REGION": "cn-north-1", "TOKEN_SIGNING_KEY_PARAM": "/yce/x/t",
        "SMS_CODE_KEY_PARAM": "/yce/x/s"}
TENCENT = {**BASE, "SMS_SENDER": "tencent", "TENCENT_SMS_SDK_APP_ID": APP_ID,
           "SMS_TEMPLATE_IDS": json.dumps({t.value: i for t, i in TEMPLATE_IDS.items()}),
           "TENCENT_SMS_SECRET_ID_PARAM": "/yce/x/tencent-sms-secret-id",
           "TENCENT_SMS_SECRET_KEY_PARAM": "/yce/x/tencent-sms-secret-key"}
ON_LAMBDA = {"AWS_LAMBDA_FUNCTION_NAME": "yce-api-x"}


def _settings(environ: dict[str, str]) -> Settings:
    return Settings.model_validate(_from_environ(environ))


def test_a_complete_tencent_configuration_starts_on_lambda_and_reads_no_key_until_a_send():
    settings = _settings({**TENCENT, **ON_LAMBDA})
    assert settings.sms_template_ids == TEMPLATE_IDS and settings.tencent_sms_sdk_app_id == APP_ID


def _without(name: str) -> dict[str, str]:
    return {key: value for key, value in TENCENT.items() if key != name}


@pytest.mark.parametrize("environ", [
    _without("TENCENT_SMS_SDK_APP_ID"),
    _without("SMS_TEMPLATE_IDS"),
    {**TENCENT, "SMS_TEMPLATE_IDS": json.dumps({"register_code": "2000001"})},          # a template unmapped
    {**TENCENT, "SMS_TEMPLATE_IDS": json.dumps({**{t.value: "1" for t in SmsTemplate}, "welcome": "9"})},
    {**TENCENT, "SMS_TEMPLATE_IDS": json.dumps({t.value: "SMS_123" for t in SmsTemplate})},   # not an id
    _without("TENCENT_SMS_SECRET_ID_PARAM"),
    _without("TENCENT_SMS_SECRET_KEY_PARAM"),
    {**TENCENT, "SMS_SIGNATURE": "【青年云支教】"},                                       # 2-12 letters, no brackets
    {**TENCENT, **ON_LAMBDA, "SMS_TEMPLATE_IDS": json.dumps({t.value: "" for t in SmsTemplate})},   # not approved
    {**TENCENT, **ON_LAMBDA, "TENCENT_SMS_SDK_APP_ID": ""},
    {**TENCENT, **ON_LAMBDA, "TENCENT_SMS_SECRET_KEY": "k" * 32},                        # a key inline on Lambda
    {**BASE, "SMS_SENDER": "sns"},                                                     # no SNS SMS in cn-north-1
    {**BASE, "SMS_SENDER": "sns", "AWS_DEFAULT_REGION": "ap-east-1"},                  # nor in ap-east-1
    {**BASE, "SMS_SENDER": "aliyun"},
], ids=["app-id", "templates", "one-template", "unknown-template", "template-id-format", "secret-id", "secret-key",
        "signature", "unapproved-templates-on-lambda", "unapproved-app-on-lambda", "inline-key-on-lambda",
        "sns-in-china", "sns-in-hong-kong", "unknown-provider"])
def test_the_app_refuses_to_start_with_an_incomplete_sms_configuration_for_its_provider(environ):
    with pytest.raises(ValidationError):
        _settings(environ)


def test_not_yet_approved_templates_may_be_packaged_but_not_run_on_lambda():
    pending = {**TENCENT, "TENCENT_SMS_SDK_APP_ID": "",
               "SMS_TEMPLATE_IDS": json.dumps({t.value: "" for t in SmsTemplate})}
    assert _settings(pending).sms_sender == "tencent"   # chalice package loads the app with the stage's variables
    with pytest.raises(ValidationError, match="no approved id"):
        _settings({**pending, **ON_LAMBDA})


def test_the_configured_tencent_sender_uses_the_stages_settings_and_reads_its_keys_only_when_sending(monkeypatch):
    settings = _settings(TENCENT)
    monkeypatch.setattr(sms_sender, "get_settings", lambda: settings)
    monkeypatch.setattr(sms_sender, "get_secret", lambda name: pytest.fail(f"{name} read before any send"))
    sms_sender._configured.cache_clear()
    try:
        configured = sms_sender._configured()
    finally:
        sms_sender._configured.cache_clear()
    assert isinstance(configured, TencentSender)
    assert (configured.app_id, configured.signature, configured.template_ids, configured.region) == (
        APP_ID, "青年云支教", TEMPLATE_IDS, "ap-guangzhou")

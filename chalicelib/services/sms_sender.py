"""Where text messages go: the console and a log file locally, Tencent Cloud SMS (China) or Amazon SNS when deployed.

A message is a template and its parameters, not free text: mainland providers send only templates approved
under an approved signature (签名), filling the parameters in themselves. TEMPLATE_TEXTS are what the
templates registered with Tencent must say (its `{1}` `{2}` numbering, no 【】: Tencent adds the signature);
the console and SNS send them rendered, after 【signature】.

`send` is the one place that knows whether a text went out, per provider (`record_delivery`).
"""
from __future__ import annotations

import logging
import re
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from typing import Protocol

import botocore.session

from chalicelib import observability
from chalicelib.config import get_settings
from chalicelib.reference import SmsTemplate
from chalicelib.secrets import get_secret

log = logging.getLogger(__name__)

_CODE_TAIL = "验证码为{1}，{2}分钟内有效，请勿泄露给他人。"
TEMPLATE_TEXTS = {
    SmsTemplate.REGISTER_CODE: "您正在注册青年云支教账号，" + _CODE_TAIL,
    SmsTemplate.PASSWORD_RESET_CODE: "您正在重置青年云支教账号的密码，" + _CODE_TAIL,
    SmsTemplate.CONTACT_CODE: "您正在青年云支教验证联系手机号，" + _CODE_TAIL,
    SmsTemplate.ACTIVATION_CODE: "您正在激活青年云支教的团组织账号，" + _CODE_TAIL,
    SmsTemplate.WECHAT_BIND_CODE: "您正在绑定或解绑青年云支教账号的微信登录，" + _CODE_TAIL,
    SmsTemplate.NOTIFICATION: "您有一条新消息：{1}，请登录青年云支教查看详情。",
}
_PARAMETER = re.compile(r"\{(\d)\}")


def parameter_count(template: SmsTemplate) -> int:
    return len(set(_PARAMETER.findall(TEMPLATE_TEXTS[template])))


@dataclass(frozen=True)
class SmsMessage:
    template: SmsTemplate
    params: tuple[str, ...]

    def __post_init__(self) -> None:
        if len(self.params) != parameter_count(self.template):   # the provider would refuse it, after the quota
            raise ValueError(f"{self.template.value} takes {parameter_count(self.template)} parameters")

    def text(self, signature: str) -> str:
        body = _PARAMETER.sub(lambda found: self.params[int(found.group(1)) - 1], TEMPLATE_TEXTS[self.template])
        return f"【{signature}】{body}"


class SmsNotSent(Exception):
    """The provider did not take the message (down, slow, a limit, its configuration): worth asking again later.
    The text names the provider's error code, never the number."""


class SmsPhoneRejected(SmsNotSent):
    """The provider refuses this number itself (malformed, unsubscribed, blocked): asking again will not help."""


class SmsSender(Protocol):
    def send(self, phone: str, message: SmsMessage) -> None: ...


class ConsoleSender:
    """Local stack: the developer reads the code off the console or `.local/sms.log`."""

    provider = "console"

    def __init__(self, signature: str, log_file: str | None) -> None:
        self.signature, self.log_file = signature, log_file

    def send(self, phone: str, message: SmsMessage) -> None:
        # A delivery to the developer, not a log line (a stage whose logs must not carry numbers uses SNS or Tencent).
        line = f"{datetime.now(UTC).isoformat(timespec='seconds')} SMS to {phone}: {message.text(self.signature)}"
        print(line, file=sys.stderr, flush=True)
        if self.log_file:
            with open(self.log_file, "a", encoding="utf-8") as handle:
                handle.write(line + "\n")


class SnsSender:
    provider = "sns"

    def __init__(self, region: str, signature: str) -> None:
        self.region, self.signature = region, signature
        self._client = None

    def _sns(self):
        if self._client is None:  # built on first send, never at import
            self._client = botocore.session.get_session().create_client("sns", region_name=self.region)
        return self._client

    def send(self, phone: str, message: SmsMessage) -> None:
        self._sns().publish(
            PhoneNumber=f"+86{phone}", Message=message.text(self.signature),
            MessageAttributes={"AWS.SNS.SMS.SMSType": {"DataType": "String", "StringValue": "Transactional"}},
        )


# Tencent's SendSms codes (API 2021-01-11, 错误码) that are about the number, not the service: a 4xx on the phone.
TENCENT_PHONE_REJECTIONS = frozenset({
    "InvalidParameterValue.IncorrectPhoneNumber",   # 手机号格式错误
    "FailedOperation.PhoneNumberParseFail",         # 号码解析失败
    "FailedOperation.PhoneNumberInBlacklist",       # 免打扰名单: the holder unsubscribed, or the carrier blocks it
})
TENCENT_TIMEOUT_SECONDS = 5   # connect and read each; the SDK retries nothing, so a send stays well inside 20 s
TENCENT_REGION = "ap-guangzhou"   # SendSms answers the same in each of its regions; the SDK's examples use this one


class TencentSender:
    """Tencent Cloud SMS, SendSms of API 2021-01-11: one approved template id per SmsTemplate, under the
    stage's approved signature, from its SMS application (SmsSdkAppId). Success is the number's own
    SendStatus "Ok"; any error of the request or of the number raises SmsNotSent (SmsPhoneRejected for
    the number's own)."""

    API_VERSION = "2021-01-11"
    provider = "tencent"

    def __init__(self, *, app_id: str, signature: str, template_ids: Mapping[SmsTemplate, str], region: str,
                 credentials: Callable[[], tuple[str, str]], endpoint: str | None = None,
                 protocol: str = "https") -> None:
        self.app_id, self.signature, self.template_ids, self.region = app_id, signature, template_ids, region
        self.credentials, self.endpoint, self.protocol = credentials, endpoint, protocol
        self._client = None

    def _sms(self):
        if self._client is None:  # the SDK is imported and the key read on first send, never at import
            from tencentcloud.common.credential import Credential
            from tencentcloud.common.profile.client_profile import ClientProfile
            from tencentcloud.common.profile.http_profile import HttpProfile
            from tencentcloud.sms.v20210111.sms_client import SmsClient

            http = HttpProfile(protocol=self.protocol, endpoint=self.endpoint, reqTimeout=TENCENT_TIMEOUT_SECONDS)
            self._client = SmsClient(Credential(*self.credentials()), self.region,
                                     ClientProfile(signMethod="TC3-HMAC-SHA256", httpProfile=http))
        return self._client

    def send(self, phone: str, message: SmsMessage) -> None:
        from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException
        from tencentcloud.sms.v20210111.models import SendSmsRequest

        request = SendSmsRequest()
        request.SmsSdkAppId, request.SignName = self.app_id, self.signature
        request.TemplateId, request.TemplateParamSet = self.template_ids[message.template], list(message.params)
        request.PhoneNumberSet = [f"+86{phone}"]
        try:
            answer = self._sms().SendSms(request)
        except TencentCloudSDKException as exc:   # the request's error, or the network's (ClientNetworkError)
            raise _tencent_failure(exc.code, exc.requestId) from None
        statuses = answer.SendStatusSet or []
        if len(statuses) != 1 or statuses[0].Code != "Ok":
            raise _tencent_failure(statuses[0].Code if statuses else "NoSendStatus", answer.RequestId)


def _tencent_failure(code: str | None, request_id: str | None) -> SmsNotSent:
    kind = SmsPhoneRejected if code in TENCENT_PHONE_REJECTIONS else SmsNotSent
    return kind(f"tencent {code} (request {request_id})")


def _tencent_credentials() -> tuple[str, str]:
    return get_secret("tencent_sms_secret_id").decode(), get_secret("tencent_sms_secret_key").decode()


_override: SmsSender | None = None


def use_sender(sender: SmsSender | None) -> None:
    """Tests capture messages by installing their own sender."""
    global _override
    _override = sender


@lru_cache(maxsize=1)
def _configured() -> SmsSender:
    settings = get_settings()
    if settings.sms_sender == "tencent":
        return TencentSender(app_id=settings.tencent_sms_sdk_app_id, signature=settings.sms_signature,
                             template_ids=settings.sms_template_ids, region=TENCENT_REGION,
                             credentials=_tencent_credentials)
    if settings.sms_sender == "sns":
        return SnsSender(settings.sms_sns_region or settings.aws_region, settings.sms_signature)
    return ConsoleSender(settings.sms_signature, settings.sms_log_file)


def sender() -> SmsSender:
    return _override or _configured()


def send(phone: str, message: SmsMessage) -> None:
    """Text `phone` through the stage's provider; raises SmsNotSent (or anything its client raises)."""
    chosen = sender()
    provider = getattr(chosen, "provider", get_settings().sms_sender)   # a test's stand-in has none
    try:
        chosen.send(phone, message)
    except Exception:
        record_delivery(provider, ok=False)
        raise
    record_delivery(provider, ok=True)


def record_delivery(provider: str, *, ok: bool) -> None:
    """Every text's outcome: SmsSent / SmsFailed with the provider's name (docs/architecture.md, "Observability")."""
    observability.count_sms(provider, ok)

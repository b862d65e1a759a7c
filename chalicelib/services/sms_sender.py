"""Where text messages go: the console and a log file locally, Amazon SNS when deployed.

A message is a template and its parameters, not free text: mainland providers send only templates approved
under an approved signature (签名), with the parameters filled in by them. The texts below are what the
console and SNS send, and what the templates registered with such a provider must say.
"""
from __future__ import annotations

import logging
import sys
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from functools import lru_cache
from typing import Protocol

import botocore.session

from chalicelib import observability
from chalicelib.config import get_settings

log = logging.getLogger(__name__)


class SmsTemplate(StrEnum):
    VERIFICATION_CODE = "verification_code"   # the code, its minutes of validity
    NOTIFICATION = "notification"             # the notification's title, its body


TEMPLATE_TEXTS = {
    SmsTemplate.VERIFICATION_CODE: "【青年云支教】您的验证码为{0}，{1}分钟内有效，请勿泄露给他人。",
    SmsTemplate.NOTIFICATION: "【青年云支教】{0}：{1}",
}


@dataclass(frozen=True)
class SmsMessage:
    template: SmsTemplate
    params: tuple[str, ...]

    def text(self) -> str:
        return TEMPLATE_TEXTS[self.template].format(*self.params)


class SmsSender(Protocol):
    def send(self, phone: str, message: SmsMessage) -> None: ...


class ConsoleSender:
    """Local stack: the developer reads the code off the console or `.local/sms.log`."""

    def __init__(self, log_file: str | None) -> None:
        self.log_file = log_file

    def send(self, phone: str, message: SmsMessage) -> None:
        # A delivery to the developer, not a log line (a stage whose logs must not carry numbers uses SNS).
        line = f"{datetime.now(UTC).isoformat(timespec='seconds')} SMS to {phone}: {message.text()}"
        print(line, file=sys.stderr, flush=True)
        if self.log_file:
            with open(self.log_file, "a", encoding="utf-8") as handle:
                handle.write(line + "\n")
        record_delivery("console", ok=True)


class SnsSender:
    def __init__(self, region: str) -> None:
        self.region = region
        self._client = None

    def _sns(self):
        if self._client is None:  # built on first send, never at import
            self._client = botocore.session.get_session().create_client("sns", region_name=self.region)
        return self._client

    def send(self, phone: str, message: SmsMessage) -> None:
        try:
            self._sns().publish(
                PhoneNumber=f"+86{phone}", Message=message.text(),
                MessageAttributes={"AWS.SNS.SMS.SMSType": {"DataType": "String", "StringValue": "Transactional"}},
            )
        except Exception:
            record_delivery("sns", ok=False)
            raise
        record_delivery("sns", ok=True)


def record_delivery(provider: str, ok: bool) -> None:
    """SmsSent / SmsFailed with the provider's name (docs/architecture.md, "Observability")."""
    observability.count_sms(provider, ok)


_override: SmsSender | None = None


def use_sender(sender: SmsSender | None) -> None:
    """Tests capture messages by installing their own sender."""
    global _override
    _override = sender


@lru_cache(maxsize=1)
def _configured() -> SmsSender:
    settings = get_settings()
    if settings.sms_sender == "sns":
        return SnsSender(settings.sms_sns_region or settings.aws_region)
    return ConsoleSender(settings.sms_log_file)


def sender() -> SmsSender:
    return _override or _configured()

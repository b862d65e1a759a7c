"""Where text messages go: the console and a log file locally, Amazon SNS when deployed."""
from __future__ import annotations

import logging
import sys
from datetime import UTC, datetime
from functools import lru_cache
from typing import Protocol

import botocore.session

from chalicelib.config import get_settings

log = logging.getLogger(__name__)


class SmsSender(Protocol):
    def send(self, phone: str, text: str) -> None: ...


class ConsoleSender:
    """Local stack: the developer reads the code off the console or `.local/sms.log`."""

    def __init__(self, log_file: str | None) -> None:
        self.log_file = log_file

    def send(self, phone: str, text: str) -> None:
        line = f"{datetime.now(UTC).isoformat(timespec='seconds')} SMS to {phone}: {text}"
        print(line, file=sys.stderr, flush=True)
        if self.log_file:
            with open(self.log_file, "a", encoding="utf-8") as handle:
                handle.write(line + "\n")


class SnsSender:
    def __init__(self, region: str) -> None:
        self.region = region
        self._client = None

    def _sns(self):
        if self._client is None:  # built on first send, never at import
            self._client = botocore.session.get_session().create_client("sns", region_name=self.region)
        return self._client

    def send(self, phone: str, text: str) -> None:
        self._sns().publish(
            PhoneNumber=f"+86{phone}", Message=text,
            MessageAttributes={"AWS.SNS.SMS.SMSType": {"DataType": "String", "StringValue": "Transactional"}},
        )


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

"""SMS verification codes (验证码), used wherever the product asks for one.

Rules: 6 digits from `secrets`; stored only as a keyed hash; valid 5 minutes;
single use (consumed by a conditional delete inside the caller's own
transaction); 5 wrong tries invalidate it; at most one send per 60 s and 10
per China-Standard-Time day per number. The send answer never reveals
whether the number has an account.
"""
from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from pynamodb.exceptions import UpdateError

from chalicelib import clock
from chalicelib.data.base import Transaction
from chalicelib.data.batch_get import ItemKey
from chalicelib.data.rate_limits import RateCounter
from chalicelib.data.sms_codes import SmsCode
from chalicelib.errors import AppError, ErrorCode, field_error, throttled
from chalicelib.reference import SmsPurpose
from chalicelib.secrets import get_secret
from chalicelib.services.sms_sender import sender

log = logging.getLogger(__name__)

CODE_TTL = timedelta(minutes=5)
RESEND_GAP_SECONDS = 60
DAILY_LIMIT = 10
MAX_WRONG_ATTEMPTS = 5

_TEMPLATE = "【青年云支教】您的验证码为{code}，5分钟内有效，请勿泄露给他人。"


@dataclass(frozen=True)
class SentCode:
    resend_after_seconds: int
    expires_in_seconds: int


@dataclass(frozen=True)
class VerifiedCode:
    """A code that matched; it is spent only when `consume_in`'s transaction commits."""

    phone: str
    purpose: SmsPurpose
    sent_at: datetime
    path: str

    def consume_in(self, tx: Transaction) -> Transaction:
        return tx.delete(
            SmsCode(self.phone, self.purpose.value),
            condition=(SmsCode.sent_at == self.sent_at) & (SmsCode.attempts < MAX_WRONG_ATTEMPTS),
            on_conflict=field_error(ErrorCode.SMS_CODE_EXPIRED, self.path),
        )


def _digest(phone: str, purpose: SmsPurpose, code: str) -> str:
    message = f"{phone}|{purpose.value}|{code}".encode()
    return hmac.new(get_secret("sms_code_key"), message, hashlib.sha256).hexdigest()


def send_code(phone: str, purpose: SmsPurpose, tx: Transaction | None = None) -> SentCode:
    """`tx` may hold the writes of the action that sends the code (an operator's reset): the code is
    stored with them, or neither is, and the text goes out only after they commit."""
    moment = clock.now()
    code = f"{secrets.randbelow(1_000_000):06d}"
    day = clock.cst_date(moment)
    gap_key, day_key = f"sms-gap:{phone}", f"sms-day:{phone}:{day}"
    epoch = int(moment.timestamp())
    tx = tx or Transaction()
    tx.update(
        RateCounter(key=gap_key),
        [RateCounter.count.set(1),
         RateCounter.expires_at.set(datetime.fromtimestamp(epoch + RESEND_GAP_SECONDS, tz=UTC))],
        condition=RateCounter.expires_at.does_not_exist() | (RateCounter.expires_at <= moment),
        on_conflict=throttled(ErrorCode.SMS_SEND_TOO_FREQUENT, RESEND_GAP_SECONDS),
    )
    tx.update(
        RateCounter(key=day_key),
        [RateCounter.count.add(1), RateCounter.expires_at.set(moment + timedelta(days=2))],
        condition=RateCounter.count.does_not_exist() | (RateCounter.count < DAILY_LIMIT),
        on_conflict=throttled(ErrorCode.SMS_DAILY_LIMIT, _seconds_to_cst_midnight(moment)),
    )
    tx.put(SmsCode(phone, purpose.value, code_hash=_digest(phone, purpose, code), sent_at=moment,
                   attempts=0, expires_at=moment + CODE_TTL))
    try:
        tx.commit()
    except AppError as exc:
        if exc.code is ErrorCode.SMS_SEND_TOO_FREQUENT:
            raise throttled(exc.code, _gap_remaining(gap_key, epoch)) from None
        raise
    sender().send(phone, _TEMPLATE.format(code=code))
    return SentCode(resend_after_seconds=RESEND_GAP_SECONDS, expires_in_seconds=int(CODE_TTL.total_seconds()))


def verify_code(phone: str, purpose: SmsPurpose, code: str, *, path: str = "sms_code") -> VerifiedCode:
    """Check `code`; a wrong one is counted. Nothing is spent until `consume_in` commits."""
    try:
        item = SmsCode.get(phone, purpose.value, consistent_read=True)
    except SmsCode.DoesNotExist:
        item = None
    return verify_read_code(item, phone, purpose, code, path=path)


def code_key(phone: str, purpose: SmsPurpose) -> ItemKey:
    """Where the code sent to `phone` for `purpose` is stored: for a service that reads it in one
    strongly consistent BatchGetItem with its other items, then checks it with `verify_read_code`."""
    return ItemKey(SmsCode, phone, purpose.value)


def verify_read_code(item: SmsCode | None, phone: str, purpose: SmsPurpose, code: str, *,
                     path: str = "sms_code") -> VerifiedCode:
    """`verify_code` on the code item already read (None: none stored)."""
    moment = clock.now()
    if item is None or item.expires_at <= moment:
        raise field_error(ErrorCode.SMS_CODE_EXPIRED, path)
    if item.attempts >= MAX_WRONG_ATTEMPTS:
        raise field_error(ErrorCode.SMS_CODE_ATTEMPTS_EXCEEDED, path)
    if not hmac.compare_digest(item.code_hash, _digest(phone, purpose, code)):
        exhausted = _count_wrong_attempt(item) >= MAX_WRONG_ATTEMPTS
        raise field_error(ErrorCode.SMS_CODE_ATTEMPTS_EXCEEDED if exhausted else ErrorCode.SMS_CODE_INVALID, path)
    return VerifiedCode(phone=phone, purpose=purpose, sent_at=item.sent_at, path=path)


def _count_wrong_attempt(item: SmsCode) -> int:
    """The wrong attempts so far, this one included."""
    try:
        item.update(actions=[SmsCode.attempts.add(1)], condition=SmsCode.sent_at == item.sent_at)
    except UpdateError:  # a newer code replaced it meanwhile: nothing left to count against
        log.info("wrong-attempt count skipped for a replaced code")
        return 0
    return int(item.attempts)


def _gap_remaining(gap_key: str, epoch: int) -> int:
    try:
        item = RateCounter.get(gap_key, consistent_read=True)
        return max(1, int(item.expires_at.timestamp()) - epoch)
    except RateCounter.DoesNotExist:
        return 1


def _seconds_to_cst_midnight(moment: datetime) -> int:
    local = moment.astimezone(clock.CST)
    midnight = (local + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
    return int((midnight - local).total_seconds())

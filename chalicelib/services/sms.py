"""SMS verification codes (验证码), used wherever the product asks for one.

Rules: 6 digits from `secrets`; stored only as a keyed hash; valid 5 minutes;
single use (consumed by a conditional delete inside the caller's own
transaction); 5 wrong tries invalidate it; at most one send per 60 s and 10
per China-Standard-Time day per number. The send answer never reveals
whether the number has an account.

Against SMS pumping (many numbers from one client), each send also spends the
client address's and the stage's budgets (per clock hour and per CST day, from
config). Every counter is a condition of the one transaction that stores the
code: a refused send spends none of them.
"""
from __future__ import annotations

import hashlib
import hmac
import json
import logging
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from pynamodb.exceptions import UpdateError

from chalicelib import clock
from chalicelib.config import get_settings
from chalicelib.data.base import Transaction
from chalicelib.data.batch_get import ItemKey, get_items
from chalicelib.data.lookup import get_or_none
from chalicelib.data.rate_limits import RateCounter
from chalicelib.data.sms_codes import SmsCode
from chalicelib.errors import AppError, ErrorCode, field_error, throttled
from chalicelib.reference import CODE_TEMPLATES, SmsPurpose
from chalicelib.secrets import get_secret
from chalicelib.services import sms_sender
from chalicelib.services.sms_sender import SmsMessage, SmsPhoneRejected

log = logging.getLogger(__name__)

CODE_TTL = timedelta(minutes=5)
RESEND_GAP_SECONDS = 60
DAILY_LIMIT = 10
MAX_WRONG_ATTEMPTS = 5
HOUR_SECONDS = 3600
BUDGET_WARN_PERCENT = 80          # the stage budget's alarm threshold (infra: sms-stage-budget alarm)
METRIC_NAMESPACE = "yce-api"
STAGE_BUDGET_METRIC = "SmsStageBudgetUsedPercent"
SEND_ATTEMPTS = 3                 # every send updates the stage counters: a racing send's transaction may conflict
PROVIDER_RETRY_SECONDS = 30       # Retry-After of SMS_UNAVAILABLE: the provider failed, the quota was given back



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


@dataclass(frozen=True)
class _Budget:
    """A counter one send spends: refused with `code` once `limit` sends were counted in its window."""

    key: str
    limit: int
    code: ErrorCode
    retry_after: int        # seconds until the window closes
    expires_at: datetime


def _budgets(client: str | None, moment: datetime) -> list[_Budget]:
    """The client address's (when one asked) and the stage's budgets, hour then CST day, for a send at
    `moment`; the stage's are the last two."""
    settings = get_settings()
    epoch = int(moment.timestamp())
    hour_start = epoch - epoch % HOUR_SECONDS
    hour_end = datetime.fromtimestamp(hour_start + HOUR_SECONDS, tz=UTC)
    day, to_midnight = clock.cst_date(moment), _seconds_to_cst_midnight(moment)
    day_end = moment + timedelta(seconds=to_midnight)
    hour_left = hour_start + HOUR_SECONDS - epoch
    client_budgets = [] if client is None else [
        _Budget(f"sms-client-hour:{client}:{hour_start}", settings.sms_client_hourly_limit,
                ErrorCode.SMS_CLIENT_LIMIT, hour_left, hour_end),
        _Budget(f"sms-client-day:{client}:{day}", settings.sms_client_daily_limit,
                ErrorCode.SMS_CLIENT_LIMIT, to_midnight, day_end),
    ]
    return client_budgets + [
        _Budget(f"sms-stage-hour:{hour_start}", settings.sms_stage_hourly_limit,
                ErrorCode.SMS_PLATFORM_LIMIT, hour_left, hour_end),
        _Budget(f"sms-stage-day:{day}", settings.sms_stage_daily_limit,
                ErrorCode.SMS_PLATFORM_LIMIT, to_midnight, day_end),
    ]


def send_code(phone: str, purpose: SmsPurpose, *, client: str | None, tx: Transaction | None = None) -> SentCode:
    """Send a code to `phone`, asked from the address `client` (None: an operator's action, which spends
    only the stage's budgets): one TransactWriteItems whose conditions are every limit (the number's gap
    and day, the client's and the stage's hour and day). `tx` may hold the writes of the action that
    sends the code (an operator's reset): the code is stored with them, or neither is, and the text goes
    out only after they commit."""
    moment = clock.now()
    code = f"{secrets.randbelow(1_000_000):06d}"
    day = clock.cst_date(moment)
    gap_key, day_key = f"sms-gap:{phone}", f"sms-day:{phone}:{day}"
    epoch = int(moment.timestamp())
    budgets = _budgets(client, moment)
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
    for budget in budgets:
        tx.update(RateCounter(key=budget.key),
                  [RateCounter.count.add(1), RateCounter.expires_at.set(budget.expires_at + timedelta(hours=1))],
                  condition=RateCounter.count.does_not_exist() | (RateCounter.count < budget.limit),
                  on_conflict=throttled(budget.code, budget.retry_after))
    tx.put(SmsCode(phone, purpose.value, code_hash=_digest(phone, purpose, code), sent_at=moment,
                   attempts=0, expires_at=moment + CODE_TTL))
    _commit(tx, gap_key, epoch)
    try:
        sms_sender.send(phone, SmsMessage(CODE_TEMPLATES[purpose], (code, str(CODE_TTL.seconds // 60))))
    except Exception as exc:   # noqa: BLE001 - any provider failure: the person must be able to ask again
        # The type only: a provider's error text may repeat the number.
        log.error("SMS provider failed for a %s code: %s", purpose.value, type(exc).__name__)
        _refund(phone, purpose, moment, [gap_key, day_key], budgets)
        if isinstance(exc, SmsPhoneRejected):
            raise field_error(ErrorCode.SMS_PHONE_REJECTED, "phone") from None
        raise throttled(ErrorCode.SMS_UNAVAILABLE, PROVIDER_RETRY_SECONDS) from None
    _report_stage_budget(budgets[-2:], moment)
    return SentCode(resend_after_seconds=RESEND_GAP_SECONDS, expires_in_seconds=int(CODE_TTL.total_seconds()))


def _commit(tx: Transaction, gap_key: str, epoch: int) -> None:
    for attempt in range(1, SEND_ATTEMPTS + 1):
        try:
            tx.commit()
            return
        except AppError as exc:
            if exc.code is ErrorCode.SMS_SEND_TOO_FREQUENT:
                raise throttled(exc.code, _gap_remaining(gap_key, epoch)) from None
            # STATE_CONFLICT: only a TransactionConflict (no item here has that as its condition's error),
            # i.e. another send updating the stage counters at the same moment: nothing was written.
            if exc.code is not ErrorCode.STATE_CONFLICT or attempt == SEND_ATTEMPTS:
                raise


def _refund(phone: str, purpose: SmsPurpose, moment: datetime, number_keys: list[str], budgets: list[_Budget]) -> None:
    """Nobody received the code: it is withdrawn, the number's resend gap ends now, and the number's day and
    every budget get back the send they counted. One transaction, conditioned on the items still being this
    send's (a later send replaced none of them); if it cannot commit, the quota stays spent (logged)."""
    gap_key, day_key = number_keys
    tx = Transaction().delete(SmsCode(phone, purpose.value), condition=SmsCode.sent_at == moment)
    tx.update(RateCounter(key=gap_key), [RateCounter.expires_at.set(moment)],
              condition=RateCounter.expires_at == datetime.fromtimestamp(int(moment.timestamp()) + RESEND_GAP_SECONDS,
                                                                   tz=UTC))
    for key in [day_key, *(budget.key for budget in budgets)]:
        tx.update(RateCounter(key=key), [RateCounter.count.add(-1)], condition=RateCounter.count > 0)
    try:
        tx.commit()
    except Exception:   # noqa: BLE001 - the answer is 503 either way; a lost refund only costs quota
        log.exception("could not give back the quota of a failed SMS send")


def _report_stage_budget(stage_budgets: list[_Budget], moment: datetime) -> None:
    """The stage budget's use as a CloudWatch metric (embedded metric format, one line on stdout: the
    `sms-stage-budget` alarm fires at 80 %), and a warning from 80 %. Monitoring only: a failure here
    never fails the send that already went out."""
    try:
        counters = get_items([ItemKey(RateCounter, budget.key) for budget in stage_budgets])
        used = {window: int(item.count or 0) if item is not None else 0
                for window, item in zip(("hour", "day"), counters, strict=True)}
        limits = {window: budget.limit for window, budget in zip(("hour", "day"), stage_budgets, strict=True)}
        percent = max(100 * used[w] // limits[w] for w in used)
        prefix = get_settings().table_prefix
        print(json.dumps({
            "_aws": {"Timestamp": int(moment.timestamp() * 1000), "CloudWatchMetrics": [{
                "Namespace": METRIC_NAMESPACE, "Dimensions": [["TablePrefix"]],
                "Metrics": [{"Name": STAGE_BUDGET_METRIC, "Unit": "Percent"}]}]},
            "TablePrefix": prefix, STAGE_BUDGET_METRIC: percent,
            "sms_stage_hour": used["hour"], "sms_stage_hour_limit": limits["hour"],
            "sms_stage_day": used["day"], "sms_stage_day_limit": limits["day"],
        }), flush=True)
        if percent >= BUDGET_WARN_PERCENT:
            log.warning("SMS stage budget at %d%%: %d/%d this hour, %d/%d today", percent,
                        used["hour"], limits["hour"], used["day"], limits["day"])
    except Exception:   # noqa: BLE001 - monitoring must not fail a send already made
        log.exception("could not report the SMS stage budget")


def verify_code(phone: str, purpose: SmsPurpose, code: str, *, path: str = "sms_code") -> VerifiedCode:
    """Check `code`; a wrong one is counted. Nothing is spent until `consume_in` commits."""
    item = get_or_none(SmsCode, phone, purpose.value, consistent_read=True)
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
    item = get_or_none(RateCounter, gap_key, consistent_read=True)
    return max(1, int(item.expires_at.timestamp()) - epoch) if item is not None else 1


def _seconds_to_cst_midnight(moment: datetime) -> int:
    local = moment.astimezone(clock.CST)
    midnight = (local + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
    return int((midnight - local).total_seconds())

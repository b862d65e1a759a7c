"""idempotency_keys: the first answer to a request sent with an `Idempotency-Key`, kept 24 h for its repeats.

The record is put in the transaction of the operation it guards (`join`), so an operation done is an
operation remembered; the answer is saved on it right after (`save_answer`). See docs/decisions.md.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from pynamodb.attributes import NumberAttribute, TTLAttribute, UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.exceptions import PynamoDBException
from pynamodb.models import Model

from chalicelib.data.base import TableMeta, Transaction, table_name
from chalicelib.data.lookup import get_or_none
from chalicelib.errors import AppError, ErrorCode

KEPT_FOR = timedelta(hours=24)
RETRY_AFTER_SECONDS = 1   # a twin's answer is saved right after the write it follows


class IdempotencyRecord(Model):
    class Meta(TableMeta):
        table_name = table_name("idempotency_keys")

    scope = UnicodeAttribute(hash_key=True)     # "<account id>#<operationId>#<key>": one caller's, one route's
    fingerprint = UnicodeAttribute()            # SHA-256 of the request's path parameters and validated body
    created_at = UTCDateTimeAttribute()
    # TTL deletion lags (up to days): expiry is also checked on read and by `join`'s condition.
    expires_at = TTLAttribute()
    answer_status = NumberAttribute(null=True)  # the first answer, exactly as the caller was answered
    answer_body = UnicodeAttribute(null=True)   # its JSON text


def new_record(scope: str, fingerprint: str, moment: datetime) -> IdempotencyRecord:
    return IdempotencyRecord(scope=scope, fingerprint=fingerprint, created_at=moment, expires_at=moment + KEPT_FOR)


def live(scope: str, moment: datetime) -> IdempotencyRecord | None:
    """The record under `scope` unless it expired (one consistent GetItem)."""
    record = get_or_none(IdempotencyRecord, scope, consistent_read=True)
    return record if record is not None and record.expires_at > moment else None


def join(tx: Transaction, record: IdempotencyRecord | None) -> None:
    """Put `record` (when the request carried a key) in the operation's own transaction.

    Its condition fails when a live record holds the key, and DynamoDB cancels it while a twin's transaction
    holding the key is in flight: either way a twin raced this request to the write.
    """
    if record is None:
        return
    twin = AppError(ErrorCode.IDEMPOTENCY_KEY_IN_PROGRESS, headers={"Retry-After": str(RETRY_AFTER_SECONDS)})
    tx.put(record, condition=IdempotencyRecord.scope.does_not_exist()
           | (IdempotencyRecord.expires_at <= record.created_at), on_conflict=twin, on_race=twin)


def save_answer(record: IdempotencyRecord, status: int, body: str) -> bool:
    """Keep the answer on the record this request wrote (its fingerprint and creation pin it); False when
    it could not be saved (DynamoDB failed, or the operation's transaction never held the record: a bug)."""
    try:
        record.update(actions=[IdempotencyRecord.answer_status.set(status), IdempotencyRecord.answer_body.set(body)],
                      condition=(IdempotencyRecord.fingerprint == record.fingerprint)
                      & (IdempotencyRecord.created_at == record.created_at))
    except PynamoDBException:
        return False
    return True

"""`Idempotency-Key`: a POST a phone may send again after a lost answer is done once, answered alike.

A route declared `idempotent=True` (routing.endpoint) reads the header. With a key, the caller's record for
this route and key is read first: a live one answers the repeat (the first answer, a 409 while it is not
saved yet, a 422 for another request under the same key); none lets the call run with the new record in
`Call.idempotency`, which the service puts in its own transaction (data/idempotency_keys.join), and the answer
is saved on it after. Only successes are remembered: a refused call wrote nothing and is judged again.
Without the header nothing here runs. Why this and not Powertools' utility: docs/decisions.md.
"""
from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
import re
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from chalice import Response
from pydantic import BaseModel

from chalicelib import clock
from chalicelib.data import idempotency_keys
from chalicelib.data.idempotency_keys import IdempotencyRecord
from chalicelib.errors import AppError, ErrorCode, field_error

if TYPE_CHECKING:
    from chalicelib.api.routing import Call

log = logging.getLogger(__name__)

HEADER = "Idempotency-Key"
KEY_PATTERN = "^[A-Za-z0-9_-]{8,64}$"   # a UUID, a ULID, 16 random bytes in base64url...
# Longer than the API function may run (lambda_timeout 20 s, .chalice/config.json): a record this old
# without its answer belongs to a request that ended without saving it.
ANSWER_LEASE = timedelta(seconds=30)

_KEY = re.compile(KEY_PATTERN)


def key_of(headers: Any) -> str | None:
    """The request's key, None without one; a malformed one is a 400 naming the header."""
    key = headers.get(HEADER.lower())
    if key is None:
        return None
    if not _KEY.fullmatch(key):
        raise field_error(ErrorCode.IDEMPOTENCY_KEY_INVALID, HEADER)
    return key


def once(call: Call, key: str, operation: str, inputs: dict[str, Any], run: Callable[[Call], Response]) -> Response:
    """`run(call)` unless this caller already sent `key` to `operation`; then the first answer."""
    moment = clock.now()
    record = idempotency_keys.new_record(f"{call.caller.account_id}#{operation}#{key}", _fingerprint(inputs), moment)
    earlier = idempotency_keys.live(record.scope, moment)
    if earlier is not None:
        return _repeat(earlier, record, moment)
    try:
        response = run(dataclasses.replace(call, idempotency=record))
    except AppError:
        earlier = idempotency_keys.live(record.scope, moment)   # a twin with the key may have won the write
        if earlier is None:
            raise
        return _repeat(earlier, record, moment)
    _save(record, response)
    return response


def _fingerprint(inputs: dict[str, Any]) -> str:
    """What makes two requests the same: path parameters and body as validated (so `"90"` and `90` agree)."""
    canonical = {name: value.model_dump(mode="json") if isinstance(value, BaseModel) else value
                 for name, value in inputs.items()}
    return hashlib.sha256(json.dumps(canonical, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def _repeat(earlier: IdempotencyRecord, mine: IdempotencyRecord, moment: datetime) -> Response:
    if earlier.fingerprint != mine.fingerprint:
        raise AppError(ErrorCode.IDEMPOTENCY_KEY_REUSED)
    if earlier.answer_status is None:
        if moment - earlier.created_at < ANSWER_LEASE:
            raise AppError(ErrorCode.IDEMPOTENCY_KEY_IN_PROGRESS,
                           headers={"Retry-After": str(idempotency_keys.RETRY_AFTER_SECONDS)})
        raise AppError(ErrorCode.IDEMPOTENCY_ANSWER_LOST)
    return Response(body=json.loads(earlier.answer_body), status_code=int(earlier.answer_status))


def _save(record: IdempotencyRecord, response: Response) -> None:
    body = json.dumps(response.body, ensure_ascii=False, separators=(",", ":"))
    # Unsaved, the write is still done and its answer in hand: answer; a repeat learns it was done.
    if not idempotency_keys.save_answer(record, response.status_code, body):
        log.error("idempotency: the answer of %s was not saved", record.scope)

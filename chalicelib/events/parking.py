"""Parked stream records: what a handler could not apply, kept whole for a replay.

The record's images hold what its table holds (a help request's: a pupil's name, school and address, a
family's phone), so the stored record stays server-side: operators see a parked record's source, keys,
error, time and attempt count (GET /admin/parked-events), and replay or discard it by its key
(`scripts/manage.py replay-parked` / `discard-parked`) without anyone reading it.
"""
from __future__ import annotations

import importlib
import json
import logging
from typing import Any

from pynamodb.attributes import NumberAttribute, UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.exceptions import DeleteError, PutError, UpdateError
from pynamodb.models import Model

from chalicelib import clock, observability
from chalicelib.data.base import TableMeta, table_name
from chalicelib.data.lookup import get_or_none
from chalicelib.events.consumers import STREAM_CONSUMERS

log = logging.getLogger(__name__)

MAX_RECORD_CHARS = 100_000   # an item is at most 400 KB; a stream record's images are smaller still


class ParkedEvent(Model):
    """One item per parked record. Operators list a source's parked records with one Query."""

    class Meta(TableMeta):
        table_name = table_name("parked_events")

    source = UnicodeAttribute(hash_key=True)         # e.g. "ratings-stream"
    event_id = UnicodeAttribute(range_key=True)      # the record's eventID: a re-delivered record parks once
    sequence_number = UnicodeAttribute(null=True)
    keys = UnicodeAttribute(null=True)               # the record's DynamoDB keys, JSON
    reason = UnicodeAttribute()                      # "unparseable" | "failed"
    error = UnicodeAttribute()
    record = UnicodeAttribute()                      # the raw record, JSON (truncated); never in an answer
    parked_at = UTCDateTimeAttribute()
    attempts = NumberAttribute(default=1)            # failed applications: the handler's, then each replay's


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)


def park(source: str, raw: Any, reason: str, error: BaseException) -> ParkedEvent:
    """Keep the record (first parking wins: the same record parked again changes nothing)."""
    record = raw if isinstance(raw, dict) else {"unexpected": raw}
    dynamodb = record.get("dynamodb") if isinstance(record.get("dynamodb"), dict) else {}
    event_id = str(record.get("eventID") or dynamodb.get("SequenceNumber") or f"unidentified-{clock.now().isoformat()}")
    item = ParkedEvent(source=source, event_id=event_id[:200],
                       sequence_number=str(dynamodb["SequenceNumber"]) if "SequenceNumber" in dynamodb else None,
                       keys=_json(dynamodb.get("Keys")) if dynamodb.get("Keys") else None,
                       reason=reason, error=f"{type(error).__name__}: {error}"[:1000],
                       record=_json(record)[:MAX_RECORD_CHARS], parked_at=clock.now(), attempts=1)
    try:
        item.save(condition=ParkedEvent.event_id.does_not_exist())
    except PutError as exc:
        if getattr(exc, "cause_response_code", None) != "ConditionalCheckFailedException":
            raise
        return item
    observability.count(observability.BusinessMetric.STREAM_RECORDS_PARKED)   # a newly parked record only
    return item


def parked(source: str, limit: int = 100) -> list[ParkedEvent]:
    return list(ParkedEvent.query(source, limit=limit))


class NotParked(LookupError):
    """No parked record under that source and event id (replayed or discarded already)."""


def _apply_function(source: str) -> Any:
    """The handler's per-record function of `source` (each stream module names its SOURCE)."""
    for consumer in STREAM_CONSUMERS:
        module = importlib.import_module(f"chalicelib.events.{consumer.function_name}")
        if module.SOURCE == source:
            return module.apply_record
    raise NotParked(f"no stream handler has the source {source!r}")


def _parked(source: str, event_id: str) -> ParkedEvent:
    item = get_or_none(ParkedEvent, source, event_id, consistent_read=True)
    if item is None:
        raise NotParked(f"no parked record {source}/{event_id}")
    return item


def replay(source: str, event_id: str) -> ParkedEvent | None:
    """Apply the parked record again with its handler (every effect is idempotent). Applied: the parked item
    is deleted and None returned. Failed again: `attempts` + 1 and the new error are stored, the item is
    returned. Nothing of the record is logged or returned."""
    apply = _apply_function(source)
    item = _parked(source, event_id)
    try:
        apply(json.loads(item.record))
    except Exception as exc:   # noqa: BLE001 - a replay that fails keeps the record parked
        error = f"{type(exc).__name__}: {exc}"[:1000]
        if isinstance(exc, json.JSONDecodeError):
            error = "the stored record is truncated or not JSON: it cannot be replayed"
        try:
            item.update(actions=[ParkedEvent.attempts.add(1), ParkedEvent.error.set(error)],
                        condition=ParkedEvent.event_id.exists())
        except UpdateError as update_error:
            if update_error.cause_response_code != "ConditionalCheckFailedException":
                raise
            raise NotParked(f"no parked record {source}/{event_id}") from None
        log.warning("replay of parked record %s/%s failed again: %s", source, event_id, type(exc).__name__)
        return item
    discard(source, event_id, missing_ok=True)
    return None


def discard(source: str, event_id: str, *, missing_ok: bool = False) -> None:
    """Delete a parked record (its effects will not be applied)."""
    try:
        ParkedEvent(source=source, event_id=event_id).delete(condition=ParkedEvent.event_id.exists())
    except DeleteError as exc:
        if exc.cause_response_code != "ConditionalCheckFailedException":
            raise
        if not missing_ok:
            raise NotParked(f"no parked record {source}/{event_id}") from None

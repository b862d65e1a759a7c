"""Parked stream records: what a handler could not apply, kept whole for an operator."""
from __future__ import annotations

import json
from typing import Any

from pynamodb.attributes import UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.exceptions import PutError
from pynamodb.models import Model

from chalicelib import clock
from chalicelib.data.base import TableMeta, table_name

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
    record = UnicodeAttribute()                      # the raw record, JSON (truncated)
    parked_at = UTCDateTimeAttribute()


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
                       record=_json(record)[:MAX_RECORD_CHARS], parked_at=clock.now())
    try:
        item.save(condition=ParkedEvent.event_id.does_not_exist())
    except PutError as exc:
        if getattr(exc, "cause_response_code", None) != "ConditionalCheckFailedException":
            raise
    return item


def parked(source: str, limit: int = 100) -> list[ParkedEvent]:
    return list(ParkedEvent.query(source, limit=limit))

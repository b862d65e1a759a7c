"""Per-record isolation for stream batches.

Chalice's stream sources have no bisect-on-error and no retry limit: a handler that raises blocks
its shard and gets the whole batch again. So a batch is never allowed to raise. Each record is
applied on its own, and its outcome is one of:

- applied (or already applied: every effect is idempotent, so a re-delivered record changes nothing);
- poison (`Poison`, or any unexpected exception): it can never succeed; it is logged with its keys,
  parked in `parked_events` for an operator, and the batch goes on;
- transient (`Transient`: throttling, a transaction conflict that outlasted the retries, a network
  error): it may succeed later; it is logged and returned in `batchItemFailures`.

The return value is Lambda's partial batch response: `{"batchItemFailures": [{"itemIdentifier":
<SequenceNumber>}, ...]}`, listing transient failures only (empty when everything was applied or
parked). It takes effect when the event source mapping has `FunctionResponseTypes:
["ReportBatchItemFailures"]`: Lambda then checkpoints before the lowest failed sequence number and
re-delivers from there (the records after it are applied again, harmlessly). Chalice cannot set that
option, so the deployment sets it on the mapping (see docs/decisions.md, "Ratings and points").
"""
from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable
from typing import Any

from chalicelib import observability
from chalicelib.events.parking import park

log = logging.getLogger(__name__)


class Poison(Exception):
    """The record can never be applied (an image that does not parse, values out of range)."""


class Transient(Exception):
    """The record could not be applied now; a later delivery may succeed."""


def _keys_of(raw: Any) -> str:
    try:
        return json.dumps(raw["dynamodb"].get("Keys"), ensure_ascii=False, sort_keys=True, default=str)
    except Exception:   # noqa: BLE001 - a record too broken to have keys is still logged
        return "<no keys>"


def _identifier(raw: Any) -> str | None:
    try:
        return str(raw["dynamodb"]["SequenceNumber"])
    except Exception:   # noqa: BLE001
        return None


def handle_event(source: str, event: Any, apply: Callable[[Any], None]) -> dict[str, list]:
    """A stream handler's body: `event` is a chalice DynamoDBEvent (or the raw Lambda event)."""
    raw = event.to_dict() if hasattr(event, "to_dict") else event
    records = raw.get("Records") if isinstance(raw, dict) else None
    return run_batch(source, records if isinstance(records, list) else [], apply)


def new_image(raw: Any, model: type, name: str = "NewImage") -> Any:
    """The record's image as a model (None when absent); Poison when it does not parse."""
    if not isinstance(raw, dict) or not isinstance(raw.get("dynamodb"), dict):
        raise Poison("not a DynamoDB stream record")
    image = raw["dynamodb"].get(name)
    if image is None:
        return None
    try:
        return model.from_raw_data(image)
    except Exception as exc:   # noqa: BLE001 - whatever the image is, it is not this model
        raise Poison(f"{name} does not parse as {model.__name__}: {type(exc).__name__}: {exc}") from exc


def _log_keys(raw: Any) -> dict[str, str | None]:
    """The record's event id and table for its log lines (the table from its source ARN)."""
    if not isinstance(raw, dict):
        return {}
    arn = str(raw.get("eventSourceARN") or "")
    table = arn.split(":table/", 1)[1].split("/", 1)[0] if ":table/" in arn else None
    return {"event_id": str(raw["eventID"]) if raw.get("eventID") else None, "table": table}


def run_batch(source: str, records: Iterable[Any], apply: Callable[[Any], None]) -> dict[str, list]:
    failures: list[dict[str, str]] = []
    for raw in records:
        with observability.log_keys(**_log_keys(raw)):
            _run_record(source, raw, apply, failures)
    return {"batchItemFailures": failures}


def _run_record(source: str, raw: Any, apply: Callable[[Any], None], failures: list[dict[str, str]]) -> None:
    # The images hold personal data, and so may an error's text: the lines carry the record's keys and the
    # error's type; the whole error is kept with the parked record, server-side.
    try:
        apply(raw)
    except Transient as exc:   # its texts are ours, and name ids only
        log.warning("%s: record %s failed transiently (%s); it will be re-delivered", source, _keys_of(raw), exc)
        _fail(failures, raw, source)
    except Exception as exc:   # noqa: BLE001 - one record never stops the batch
        reason = "unparseable" if isinstance(exc, Poison) else "failed"
        log.error("%s: parking record %s (%s)", source, _keys_of(raw), type(exc).__name__)
        try:
            park(source, raw, reason, exc)
        except Exception:   # noqa: BLE001 - parking failed: keep the record for a retry instead
            log.exception("%s: could not park record %s", source, _keys_of(raw))
            _fail(failures, raw, source)


def _fail(failures: list[dict[str, str]], raw: Any, source: str) -> None:
    identifier = _identifier(raw)
    if identifier is None:   # cannot be named for a retry: park it instead
        log.error("%s: a failed record has no sequence number; it cannot be retried", source)
        return
    failures.append({"itemIdentifier": identifier})

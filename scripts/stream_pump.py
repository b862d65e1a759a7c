"""DynamoDB Streams → the app's stream handlers, for the local stack (never shipped).

`chalice local` serves HTTP only, so the local stack polls each consumed
table's stream on moto's server and calls the same handler function Lambda
would, with records in Lambda's event shape. A record the handler reports in
`batchItemFailures` is read again on the next poll, as Lambda retries it.
It starts after the last record present when it is created: items loaded from
the saved state show up in a new stream as inserts, and they were handled
before the stack last stopped.

moto rolls a cancelled TransactWriteItems back by replacing each table it
touched with a copy made before the transaction, stream shard included: an
iterator of the old shard sees no later record, and may even see records of
the writes that were rolled back. So the pump keeps no iterator between polls.
It remembers the last sequence number it handed over and, on each poll, asks
the table's current stream for an iterator after it; when the endpoint can
tell it that a transaction was rolled back meanwhile (`rollbacks`, see
scripts/dynamodb_server.py), the page read across that moment is dropped and
read again from the current shard. Nothing is skipped, nothing handed over twice.
"""
from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

log = logging.getLogger("stream-pump")
PAGE_LIMIT = 100            # records per GetRecords, and so per handler call
PAGES_PER_TICK = 10         # a burst is drained over a few polls, never blocking the loop for long
SKIP_PAGE_LIMIT = 1000      # DynamoDB's GetRecords maximum, for skipping what is there at start


@dataclass
class _Stream:
    table: str
    handler: Callable[[dict], dict]
    arn: str = ""
    shard_id: str = ""
    # Where the next poll starts: ("AFTER_SEQUENCE_NUMBER", last handed over), ("AT_SEQUENCE_NUMBER",
    # first to hand over again) or ("TRIM_HORIZON", None) for a shard nothing was read from yet.
    position: tuple[str, str | None] = ("TRIM_HORIZON", None)


class StreamPump:
    def __init__(self, dynamodb, streams, region: str, consumers: list[tuple[str, Callable[[dict], dict]]],
                 rollbacks: Callable[[], int] | None = None) -> None:
        """`rollbacks`: a counter the endpoint raises on every rolled-back transaction (None: in-process
        moto, where nothing runs concurrently with a poll)."""
        self.dynamodb = dynamodb
        self.streams_client = streams
        self.region = region
        self.rollbacks = rollbacks or (lambda: 0)
        self.streams = [_Stream(table, handler) for table, handler in consumers]
        for stream in self.streams:
            self._describe(stream)
            self._skip_to_the_end(stream)

    def tick(self) -> int:
        """One poll of every stream; returns the number of records handed to handlers."""
        handled = 0
        for stream in self.streams:
            try:
                handled += self._poll(stream)
            except Exception:  # logged; one broken stream must not stop the others
                log.exception("%s: stream poll failed; polling again next time", stream.table)
        return handled

    def _poll(self, stream: _Stream) -> int:
        handled = 0
        for _ in range(PAGES_PER_TICK):
            records = self._read(stream, PAGE_LIMIT)
            if records:
                self._deliver(stream, records)   # moves the position only once the handler returned
                handled += len(records)
            if len(records) < PAGE_LIMIT:
                break
        return handled

    def _describe(self, stream: _Stream) -> None:
        """Follow the table's current stream and shard (a re-created table has a new stream)."""
        arn = self.dynamodb.describe_table(TableName=stream.table)["Table"]["LatestStreamArn"]
        shards = self.streams_client.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"]
        shard_id = shards[-1]["ShardId"]   # moto keeps one shard per stream
        if (arn, shard_id) != (stream.arn, stream.shard_id):
            if stream.arn:
                log.warning("%s: stream or shard changed; reading the new one from its start", stream.table)
                stream.position = ("TRIM_HORIZON", None)
            stream.arn, stream.shard_id = arn, shard_id

    def _read_once(self, stream: _Stream, limit: int) -> list[dict] | None:
        """One page from the current shard at the stream's position; None if a rollback happened meanwhile."""
        before = self.rollbacks()
        kind, sequence = stream.position
        args = {"SequenceNumber": sequence} if sequence is not None else {}
        iterator = self.streams_client.get_shard_iterator(StreamArn=stream.arn, ShardId=stream.shard_id,
                                                          ShardIteratorType=kind, **args)["ShardIterator"]
        records = self.streams_client.get_records(ShardIterator=iterator, Limit=limit)["Records"]
        if self.rollbacks() != before:
            return None   # the iterator may belong to a replaced shard: its records may never have happened
        return records

    def _read(self, stream: _Stream, limit: int) -> list[dict]:
        """The next page at the stream's position, in Lambda's event shape (the position stays)."""
        for attempt in range(3):
            try:
                records = self._read_once(stream, limit)
            except Exception:   # unknown/expired iterator, shard or stream: look again, then retry
                if attempt == 2:
                    raise
                self._describe(stream)
                continue
            if records is None:
                continue
            return [self._as_lambda_delivers(r, stream.arn) for r in records]
        return []   # rolled back three times in a row: try again next poll

    def _skip_to_the_end(self, stream: _Stream) -> None:
        while records := self._read(stream, SKIP_PAGE_LIMIT):
            self._passed(stream, records)

    @staticmethod
    def _passed(stream: _Stream, records: list[dict]) -> None:
        stream.position = ("AFTER_SEQUENCE_NUMBER", records[-1]["dynamodb"]["SequenceNumber"])

    def _deliver(self, stream: _Stream, records: list[dict]) -> None:
        # A handler that raises leaves the position where it was: the batch comes again, as on Lambda.
        answer = stream.handler({"Records": records}) or {}
        self._passed(stream, records)
        failed = [f["itemIdentifier"] for f in answer.get("batchItemFailures", [])]
        if failed:  # as Lambda does: resume at the first failed record
            first = min(failed, key=int)
            log.warning("%s: %d record(s) failed transiently; retrying from %s", stream.table, len(failed), first)
            stream.position = ("AT_SEQUENCE_NUMBER", first)

    def _as_lambda_delivers(self, record: dict, arn: str) -> dict:
        out = dict(record)
        out["dynamodb"] = dict(record["dynamodb"])
        created = out["dynamodb"].get("ApproximateCreationDateTime")
        if hasattr(created, "timestamp"):  # boto3 parses it; Lambda delivers epoch seconds
            out["dynamodb"]["ApproximateCreationDateTime"] = created.timestamp()
        out.update(eventSourceARN=arn, awsRegion=self.region, eventSource="aws:dynamodb")
        return out


def consumers() -> list[tuple[str, Callable[[dict], dict]]]:
    """The tables whose streams the app consumes, with the handler app.py registers for each."""
    from chalicelib.events.consumers import STREAM_CONSUMERS

    return [(c.model.Meta.table_name, c.handle) for c in STREAM_CONSUMERS]

"""DynamoDB Streams → the app's stream handlers, for the local stack (never shipped).

`chalice local` serves HTTP only, so the local stack polls each consumed
table's stream on moto's server and calls the same handler function Lambda
would, with records in Lambda's event shape. A record the handler reports in
`batchItemFailures` is read again on the next poll, as Lambda retries it.
It starts at LATEST: items loaded from the saved state show up in a new
stream as inserts, and they were handled before the stack last stopped.
"""
from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field

log = logging.getLogger("stream-pump")


@dataclass
class _Shard:
    shard_id: str
    iterator: str | None


@dataclass
class _Stream:
    table: str
    arn: str
    handler: Callable[[dict], dict]
    shards: list[_Shard] = field(default_factory=list)


class StreamPump:
    def __init__(self, dynamodb, streams, region: str, consumers: list[tuple[str, Callable[[dict], dict]]]) -> None:
        self.streams_client = streams
        self.region = region
        self.streams = []
        for table, handler in consumers:
            arn = dynamodb.describe_table(TableName=table)["Table"]["LatestStreamArn"]
            stream = _Stream(table, arn, handler)
            for shard in streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"]:
                iterator = streams.get_shard_iterator(StreamArn=arn, ShardId=shard["ShardId"],
                                                      ShardIteratorType="LATEST")["ShardIterator"]
                stream.shards.append(_Shard(shard["ShardId"], iterator))
            self.streams.append(stream)

    def tick(self) -> int:
        """One poll of every shard; returns the number of records handed to handlers."""
        handled = 0
        for stream in self.streams:
            for shard in stream.shards:
                if shard.iterator is None:
                    continue
                page = self.streams_client.get_records(ShardIterator=shard.iterator, Limit=100)
                records = [self._as_lambda_delivers(r, stream.arn) for r in page["Records"]]
                shard.iterator = page.get("NextShardIterator")
                if records:
                    handled += len(records)
                    self._deliver(stream, shard, records)
        return handled

    def _deliver(self, stream: _Stream, shard: _Shard, records: list[dict]) -> None:
        answer = stream.handler({"Records": records}) or {}
        failed = [f["itemIdentifier"] for f in answer.get("batchItemFailures", [])]
        if failed:  # as Lambda does: resume at the first failed record
            first = min(failed, key=int)
            log.warning("%s: %d record(s) failed transiently; retrying from %s", stream.table, len(failed), first)
            shard.iterator = self.streams_client.get_shard_iterator(
                StreamArn=stream.arn, ShardId=shard.shard_id, ShardIteratorType="AT_SEQUENCE_NUMBER",
                SequenceNumber=first)["ShardIterator"]

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

"""The local stack's stream pump (scripts/stream_pump.py) against moto's real streams: it follows a
table's current stream across moto's rollbacks, skips nothing and hands nothing over twice."""
from __future__ import annotations

import sys
from pathlib import Path

import boto3
import pytest
from botocore.exceptions import ClientError

from chalicelib.data.help_requests import HelpRequest
from tests import streams
from tests.builders import inbox, org_session, register_individual, submitted

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))
from stream_pump import StreamPump, consumers  # noqa: E402

PHANTOM_ID = "f" * 32


def watched(handed_over: list[str]):
    """The app's consumers, each also noting the key of every record it is handed."""
    def watch(handler):
        def handle(event):
            handed_over.extend(next(iter(r["dynamodb"]["Keys"].values()))["S"] for r in event["Records"])
            return handler(event)
        return handle
    return [(table, watch(handler)) for table, handler in consumers()]


def cancel_a_transaction_writing(client, table: str, item_id: str) -> None:
    """A transaction that puts an item into `table`, then fails a condition: moto replaces the table."""
    with pytest.raises(ClientError) as cancelled:
        client.transact_write_items(TransactItems=[
            {"Put": {"TableName": table, "Item": {"request_id": {"S": item_id}}}},
            {"ConditionCheck": {"TableName": table, "Key": {"request_id": {"S": "0" * 32}},
                                "ConditionExpression": "attribute_exists(request_id)"}}])
    assert cancelled.value.response["Error"]["Code"] == "TransactionCanceledException"


def test_notifications_still_arrive_after_a_cancelled_transaction_on_a_consumed_table(api, outbox):
    client = boto3.client("dynamodb")
    handed_over: list[str] = []
    pump = StreamPump(client, streams.streams_client(), "cn-north-1", watched(handed_over))
    org = org_session(api)
    person = register_individual(api, outbox)
    request = submitted(api, outbox, person, org["account_id"])
    pump.tick()
    assert request["request_id"] in handed_over

    cancel_a_transaction_writing(client, HelpRequest.Meta.table_name, PHANTOM_ID)
    adopted = api.post(f"/help-requests/{request['request_id']}/adopt", token=org["access_token"])
    assert adopted.status_code == 200, adopted.json
    assert pump.tick() == 1                              # the adoption, read from the table's new shard
    assert [n["type"] for n in inbox(api, person["access_token"])] == ["help_request_adopted"]
    assert PHANTOM_ID not in handed_over                 # a rolled-back write is no event
    assert handed_over.count(request["request_id"]) == 2  # submitted, adopted: each once
    assert pump.tick() == 0


class RollbackWhileReading:
    """A streams client that lets a transaction be rolled back between the pump's iterator and its read."""

    def __init__(self, streams, before_first_read) -> None:
        self.streams = streams
        self.before_first_read = before_first_read

    def __getattr__(self, name):
        return getattr(self.streams, name)

    def get_records(self, **kwargs):
        if self.before_first_read is not None:
            run, self.before_first_read = self.before_first_read, None
            run()
        return self.streams.get_records(**kwargs)


def test_a_write_rolled_back_while_the_pump_reads_is_never_handed_over():
    from dynamodb_server import AtomicDynamoDBServer, free_port

    server = AtomicDynamoDBServer(free_port())
    endpoint = server.start()
    try:
        client = boto3.client("dynamodb", endpoint_url=endpoint)
        table = "pump-test"
        client.create_table(TableName=table, KeySchema=[{"AttributeName": "request_id", "KeyType": "HASH"}],
                            AttributeDefinitions=[{"AttributeName": "request_id", "AttributeType": "S"}],
                            BillingMode="PAY_PER_REQUEST",
                            StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"})
        handed_over: list[str] = []

        def handle(event):
            handed_over.extend(r["dynamodb"]["Keys"]["request_id"]["S"] for r in event["Records"])
            return {"batchItemFailures": []}

        reader = RollbackWhileReading(boto3.client("dynamodbstreams", endpoint_url=endpoint),
                                      lambda: cancel_a_transaction_writing(client, table, PHANTOM_ID))
        pump = StreamPump(client, reader, "cn-north-1", [(table, handle)], rollbacks=server.rollbacks)
        assert pump.tick() == 0                          # the page read across the rollback was dropped
        client.put_item(TableName=table, Item={"request_id": {"S": "a" * 32}})
        assert pump.tick() == 1
        assert handed_over == ["a" * 32]                 # the real write, never the rolled-back one
    finally:
        server.stop()


def test_the_local_endpoint_forgets_stream_iterators_a_sweep_after_it_saw_them():
    from dynamodb_server import AtomicDynamoDBServer, free_port

    server = AtomicDynamoDBServer(free_port())
    endpoint = server.start()
    try:
        client = boto3.client("dynamodb", endpoint_url=endpoint)
        client.create_table(TableName="sweep-test", KeySchema=[{"AttributeName": "request_id", "KeyType": "HASH"}],
                            AttributeDefinitions=[{"AttributeName": "request_id", "AttributeType": "S"}],
                            BillingMode="PAY_PER_REQUEST",
                            StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"})
        pump = StreamPump(client, boto3.client("dynamodbstreams", endpoint_url=endpoint), "cn-north-1",
                          [("sweep-test", lambda event: {"batchItemFailures": []})], rollbacks=server.rollbacks)
        server.expire_stream_iterators()                 # everything so far is now "seen"
        pump.tick()
        dropped = server.expire_stream_iterators()       # the ones seen last time go; the new ones stay a while
        assert dropped >= 2
        client.put_item(TableName="sweep-test", Item={"request_id": {"S": "b" * 32}})
        assert pump.tick() == 1                          # the pump holds none between polls: nothing lost
    finally:
        server.stop()

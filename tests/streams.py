"""Reading moto's real DynamoDB streams back and handing the records to the app's stream handlers."""
from __future__ import annotations

import copy

import boto3

# moto routes only `streams.dynamodb.<region>.amazonaws.com`; the China partition's default endpoint
# ends in `.com.cn`, so name the endpoint moto answers on.
STREAMS_ENDPOINT = "https://streams.dynamodb.cn-north-1.amazonaws.com"


def streams_client():
    return boto3.client("dynamodbstreams", endpoint_url=STREAMS_ENDPOINT)


def stream_records(model) -> list[dict]:
    """Every record of `model`'s table stream so far, in Lambda's event shape."""
    arn = boto3.client("dynamodb").describe_table(TableName=model.Meta.table_name)["Table"]["LatestStreamArn"]
    streams = streams_client()
    records = []
    for shard in streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"]:
        iterator = streams.get_shard_iterator(StreamArn=arn, ShardId=shard["ShardId"],
                                              ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
        while iterator:
            page = streams.get_records(ShardIterator=iterator)
            records += page["Records"]
            iterator = page.get("NextShardIterator") if page["Records"] else None
    return [as_lambda_delivers(r, arn) for r in records]


def as_lambda_delivers(record: dict, arn: str) -> dict:
    # boto3 parses ApproximateCreationDateTime into a datetime; Lambda delivers epoch seconds and
    # adds the source ARN.
    out = copy.deepcopy(record)
    out["dynamodb"]["ApproximateCreationDateTime"] = record["dynamodb"]["ApproximateCreationDateTime"].timestamp()
    out["eventSourceARN"] = arn
    out["awsRegion"] = "cn-north-1"
    return out


def invoke(api, function_name: str, records: list[dict]) -> dict:
    """Invoke the Lambda function Chalice registered for a stream, as Lambda would."""
    return api.client.lambda_.invoke(function_name, {"Records": records}).payload

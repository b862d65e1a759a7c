#!/usr/bin/env python3
"""After `chalice deploy --stage STAGE`: set failure handling on the stage's stream event source mappings.

    .venv/bin/python scripts/harden_stream_sources.py --stage STAGE [--dry-run]

Chalice creates the DynamoDB stream mappings but cannot set how they fail. This sets, on every mapping
of the stage's functions whose source is one of the stage's streams (`<LOGICAL>_STREAM_ARN`):
- ReportBatchItemFailures: the handlers answer `batchItemFailures` (chalicelib/events/records.py) and
  Lambda retries from the lowest failed record instead of the whole batch;
- BisectBatchOnFunctionError: a batch whose invocation fails anyway (timeout, crash) is split;
- MaximumRetryAttempts and MaximumRecordAgeInSeconds: a record that keeps failing stops blocking
  its shard;
- OnFailure: the stage's failure queue (STREAM_FAILURE_QUEUE_ARN, infra output), where the
  batch's metadata is kept 14 days and an alarm fires.
Run it again after every `chalice deploy` (a new mapping starts with Lambda's defaults).
"""
from __future__ import annotations

import argparse
import json
import sys

import infra_model
import stage_config

MAX_RETRY_ATTEMPTS = 5
MAX_RECORD_AGE_SECONDS = 6 * 3600   # shorter than the stream's 24 h retention, long enough for an outage
PLACEHOLDER_MARKERS = (stage_config.PLACEHOLDER_ACCOUNT, stage_config.PLACEHOLDER_STREAM_LABEL)


def mapping_settings(failure_queue_arn: str) -> dict:
    """The settings every stream mapping gets, by UpdateEventSourceMapping's parameter names."""
    return {
        "FunctionResponseTypes": ["ReportBatchItemFailures"],
        "BisectBatchOnFunctionError": True,
        "MaximumRetryAttempts": MAX_RETRY_ATTEMPTS,
        "MaximumRecordAgeInSeconds": MAX_RECORD_AGE_SECONDS,
        "DestinationConfig": {"OnFailure": {"Destination": failure_queue_arn}},
    }


def stage_streams(variables: dict[str, str]) -> tuple[list[str], str]:
    """The stage's stream ARNs and failure queue ARN, refusing the placeholders of an undeployed stage."""
    arns = [variables.get(spec.stream_env_var, "") for spec in infra_model.stream_tables()]
    queue = variables.get(stage_config.FAILURE_QUEUE_VARIABLE, "")
    for arn in [*arns, queue]:
        if not arn or any(marker in arn for marker in PLACEHOLDER_MARKERS):
            raise SystemExit(f"error: {arn or 'a stream or failure queue ARN'} is not set from the infra "
                             "outputs: run scripts/deploy_infra.py for this stage first")
    return arns, queue


def function_prefix(stage: str) -> str:
    # Chalice names a handler's function <app>-<stage>-<python function name>.
    return f"{infra_model.APP_NAME}-{stage}-"


def stage_mappings(lambda_client, stage: str, stream_arns: list[str]) -> list[dict]:
    found = []
    paginator = lambda_client.get_paginator("list_event_source_mappings")
    for arn in stream_arns:
        for page in paginator.paginate(EventSourceArn=arn):
            for mapping in page["EventSourceMappings"]:
                function = mapping["FunctionArn"].split(":function:", 1)[1].split(":")[0]
                if function.startswith(function_prefix(stage)):
                    found.append(mapping)
    return found


def harden(lambda_client, stage: str, variables: dict[str, str], dry_run: bool = False) -> list[str]:
    """Update every mapping of the stage; returns their UUIDs. Exits when there is none to harden."""
    stream_arns, queue = stage_streams(variables)
    mappings = stage_mappings(lambda_client, stage, stream_arns)
    if not mappings:
        raise SystemExit(f"error: no event source mapping of {function_prefix(stage)}* reads the stage's "
                         "streams: run `chalice deploy --stage STAGE` first")
    settings = mapping_settings(queue)
    for mapping in mappings:
        function = mapping["FunctionArn"].rsplit(":", 1)[-1]
        print(f"{'would update' if dry_run else 'updating'} {mapping['UUID']} ({function} ← "
              f"{mapping['EventSourceArn']}): {json.dumps(settings)}")
        if not dry_run:
            lambda_client.update_event_source_mapping(UUID=mapping["UUID"], **settings)
    return [mapping["UUID"] for mapping in mappings]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stage", required=True)
    parser.add_argument("--dry-run", action="store_true", help="list the mappings, change nothing")
    args = parser.parse_args(argv)
    config = stage_config.read_json(stage_config.CONFIG_PATH)
    variables = stage_config.stage_variables(config, args.stage)
    region = stage_config.read_json(stage_config.STAGES_PATH)[args.stage]["region"]
    import boto3

    harden(boto3.client("lambda", region_name=region), args.stage, variables, args.dry_run)
    return 0


if __name__ == "__main__":
    sys.exit(main())

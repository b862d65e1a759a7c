"""Stream event source hardening: after `chalice deploy` (boto3, stubbed) and in `chalice package` output."""
from __future__ import annotations

import sys
from pathlib import Path

import boto3
import pytest
from botocore.stub import Stubber
from chalice.constants import MISSING_DEPENDENCIES_TEMPLATE

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))
import harden_stream_sources as harden  # noqa: E402
import infra_model  # noqa: E402
import package  # noqa: E402
import stage_config  # noqa: E402

STAGE = "prod-ap-east-1"
STREAMS = {spec.stream_env_var: f"arn:aws:dynamodb:ap-east-1:210987654321:table/yce-prod-{spec.logical}/stream/x"
           for spec in infra_model.stream_tables()}
STREAM = STREAMS["RATINGS_STREAM_ARN"]
OURS = "6f1e6a52-0c4b-4b8e-9a51-2f4e5d7c9a10"
OTHER = "0b7d2c3e-5a6f-4c1d-8e9f-1a2b3c4d5e6f"
QUEUE = "arn:aws:sqs:ap-east-1:210987654321:yce-prod-stream-failures"
DEPLOYED = {**stage_config.stage_variables(stage_config.read_json(stage_config.CONFIG_PATH), STAGE),
            **STREAMS, "STREAM_FAILURE_QUEUE_ARN": QUEUE}
EXPECTED = {"FunctionResponseTypes": ["ReportBatchItemFailures"], "BisectBatchOnFunctionError": True,
            "MaximumRetryAttempts": 5, "MaximumRecordAgeInSeconds": 6 * 3600,
            "DestinationConfig": {"OnFailure": {"Destination": QUEUE}}}


def listed(stub: Stubber, ours: dict[str, list[dict]]) -> None:
    """list_event_source_mappings is asked once per stream of the stage, in ALL_MODELS order."""
    for arn in STREAMS.values():
        stub.add_response("list_event_source_mappings", {"EventSourceMappings": ours.get(arn, [])},
                          {"EventSourceArn": arn})


def mapping(uuid: str, function: str) -> dict:
    return {"UUID": uuid, "EventSourceArn": STREAM, "State": "Enabled",
            "FunctionArn": f"arn:aws:lambda:ap-east-1:210987654321:function:{function}"}


def test_every_mapping_of_the_stage_on_its_streams_gets_the_failure_handling():
    client = boto3.client("lambda", region_name="ap-east-1")
    stub = Stubber(client)
    listed(stub, {STREAM: [mapping(OURS, "yce-api-prod-ap-east-1-ratings_stream"),
                           mapping(OTHER, "analytics-ratings-export")]})
    stub.add_response("update_event_source_mapping", {"UUID": OURS}, {"UUID": OURS, **EXPECTED})
    with stub:
        assert harden.harden(client, STAGE, DEPLOYED) == [OURS]   # another app's mapping is left alone
    stub.assert_no_pending_responses()


def test_dry_run_lists_and_changes_nothing(capsys):
    client = boto3.client("lambda", region_name="ap-east-1")
    stub = Stubber(client)
    listed(stub, {STREAM: [mapping(OURS, "yce-api-prod-ap-east-1-ratings_stream")]})
    with stub:   # an update call would fail: none is stubbed
        assert harden.harden(client, STAGE, DEPLOYED, dry_run=True) == [OURS]
    assert f"would update {OURS}" in capsys.readouterr().out


def test_a_stage_without_mappings_is_an_error_not_a_silent_success():
    client = boto3.client("lambda", region_name="ap-east-1")
    stub = Stubber(client)
    listed(stub, {})
    with stub, pytest.raises(SystemExit, match="chalice deploy"):
        harden.harden(client, STAGE, DEPLOYED)


@pytest.mark.parametrize("stage", list(stage_config.read_json(stage_config.CONFIG_PATH)["stages"]))
def test_placeholder_arns_of_an_undeployed_stage_are_refused(stage):
    variables = stage_config.stage_variables(stage_config.read_json(stage_config.CONFIG_PATH), stage)
    with pytest.raises(SystemExit, match="deploy_infra.py"):
        harden.stage_streams(variables)


def test_package_output_gets_the_same_settings_on_every_dynamodb_source_only():
    template = {"Resources": {
        "RatingsStream": {"Type": "AWS::Serverless::Function", "Properties": {"Events": {
            "Source": {"Type": "DynamoDB", "Properties": {"Stream": STREAM, "BatchSize": 100}},
            "Nightly": {"Type": "Schedule", "Properties": {"Schedule": "cron(5 16 * * ? *)"}}}}},
        "Mapping": {"Type": "AWS::Lambda::EventSourceMapping",
                    "Properties": {"EventSourceArn": STREAM, "FunctionName": "f"}},
        "QueueMapping": {"Type": "AWS::Lambda::EventSourceMapping",
                         "Properties": {"EventSourceArn": QUEUE, "FunctionName": "g"}},
    }}
    assert package.harden_template(template, QUEUE) == 2
    resources = template["Resources"]
    assert resources["RatingsStream"]["Properties"]["Events"]["Source"]["Properties"] == {
        "Stream": STREAM, "BatchSize": 100, **EXPECTED}
    assert resources["RatingsStream"]["Properties"]["Events"]["Nightly"]["Properties"] == {
        "Schedule": "cron(5 16 * * ? *)"}
    assert resources["Mapping"]["Properties"] == {"EventSourceArn": STREAM, "FunctionName": "f", **EXPECTED}
    assert resources["QueueMapping"]["Properties"] == {"EventSourceArn": QUEUE, "FunctionName": "g"}


def test_chalices_missing_dependency_warning_is_recognised():
    output = "Creating deployment package.\n" + MISSING_DEPENDENCIES_TEMPLATE % "pydantic-core==2.50.4"
    assert "pydantic-core==2.50.4" in package.missing_wheel_warning(output)
    assert package.missing_wheel_warning("Creating deployment package.\n") is None

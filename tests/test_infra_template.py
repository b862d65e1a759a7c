"""infra/tables.yaml: generated from ALL_MODELS, current, and shaped like the tables the models create."""
from __future__ import annotations

import sys
from pathlib import Path

import boto3
import pytest
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))
import infra_model  # noqa: E402
import infra_template  # noqa: E402

from chalicelib.config import get_settings  # noqa: E402
from chalicelib.data.tables import ALL_MODELS  # noqa: E402


@pytest.fixture(scope="module")
def template() -> dict:
    return yaml.safe_load(infra_template.TEMPLATE_PATH.read_text(encoding="utf-8"))


def table_resources(template: dict) -> dict[str, dict]:
    return {rid: res for rid, res in template["Resources"].items() if res["Type"] == "AWS::DynamoDB::Table"}


def test_one_table_per_model_named_like_the_app_names_it(template):
    tables = table_resources(template)
    assert len(tables) == len(ALL_MODELS)
    prefix = get_settings().table_prefix
    for spec in infra_model.tables():
        props = tables[spec.resource_id]["Properties"]
        # Same rule as data/base.py:table_name: the stage prefix, then the logical name.
        assert props["TableName"] == {"Fn::Sub": "${TablePrefix}" + spec.logical}
        assert prefix + spec.logical == spec.model.Meta.table_name


def test_every_table_is_protected_encrypted_recoverable_and_on_demand(template):
    for rid, table in table_resources(template).items():
        props = table["Properties"]
        assert props["BillingMode"] == "PAY_PER_REQUEST", rid
        assert props["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}, rid
        assert props["SSESpecification"] == {"SSEEnabled": True}, rid
        assert props["DeletionProtectionEnabled"] is True, rid
        assert table["DeletionPolicy"] == table["UpdateReplacePolicy"] == "Retain", rid


def test_outputs_name_every_table_every_stream_and_the_failure_queue(template):
    outputs = template["Outputs"]
    for spec in infra_model.tables():
        assert outputs[spec.name_output]["Value"] == {"Ref": spec.resource_id}
        if spec.stream_view_type:
            assert outputs[spec.stream_output]["Value"] == {"Fn::GetAtt": [spec.resource_id, "StreamArn"]}
    assert outputs["StreamFailureQueueArn"]["Value"] == {"Fn::GetAtt": ["StreamFailureQueue", "Arn"]}
    assert {"TokenSigningKeyParameterName", "SmsCodeKeyParameterName", "TablePrefix"} <= set(outputs)


def test_stream_failures_are_kept_encrypted(template):
    queue = template["Resources"]["StreamFailureQueue"]["Properties"]
    assert queue["SqsManagedSseEnabled"] is True
    assert queue["MessageRetentionPeriod"] == 14 * 24 * 3600


def test_sns_sms_spend_is_alarmed_in_its_own_stack_notifying_a_topic_of_that_region(template):
    # SMSMonthToDateSpentUSD exists only where SNS sends (not the stage's region for ap-east-1 or China):
    # the data stack has no alarm on it, the SMS stack (deployed there) has.
    assert not [r for r in template["Resources"].values() if r["Properties"].get("Namespace") == "AWS/SNS"]
    resources = infra_template.sms_spend_template()["Resources"]
    spend = resources["SmsSpendAlarm"]["Properties"]
    assert (spend["Namespace"], spend["MetricName"]) == ("AWS/SNS", "SMSMonthToDateSpentUSD")
    assert spend["Threshold"] == {"Ref": "SmsMonthlySpendAlarmUsd"}
    assert spend["AlarmActions"] == [{"Ref": "SmsAlarmTopic"}]
    assert resources["SmsAlarmTopic"]["Type"] == "AWS::SNS::Topic"


def test_the_image_bucket_is_private_encrypted_and_forgets_unclaimed_uploads_after_a_day(template):
    bucket = template["Resources"]["UploadsBucket"]
    props = bucket["Properties"]
    assert bucket["DeletionPolicy"] == bucket["UpdateReplacePolicy"] == "Retain"
    assert props["PublicAccessBlockConfiguration"] == {"BlockPublicAcls": True, "BlockPublicPolicy": True,
                                                       "IgnorePublicAcls": True, "RestrictPublicBuckets": True}
    assert props["OwnershipControls"] == {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]}
    [encryption] = props["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    assert encryption["ServerSideEncryptionByDefault"]["SSEAlgorithm"] in ("AES256", "aws:kms")
    # Only uploads/ expires: claimed images were copied to images/, which no rule touches.
    [rule] = props["LifecycleConfiguration"]["Rules"]
    assert (rule["Status"], rule["Prefix"], rule["ExpirationInDays"]) == ("Enabled", "uploads/", 1)
    [cors] = props["CorsConfiguration"]["CorsRules"]
    assert cors["AllowedMethods"] == ["POST"]
    # Same name as the stage variable the policy and the app use (infra_model.uploads_bucket_name).
    assert props["BucketName"] == {"Fn::Sub": infra_model.uploads_bucket_name(
        "${TablePrefix}", "${AWS::AccountId}", "${AWS::Region}")}
    assert template["Outputs"]["UploadsBucketName"]["Value"] == {"Ref": "UploadsBucket"}


def test_the_sms_stage_budget_raises_an_alarm_at_eighty_percent(template):
    alarm = template["Resources"]["SmsStageBudgetAlarm"]["Properties"]
    assert (alarm["Namespace"], alarm["MetricName"]) == ("yce-api", "SmsStageBudgetUsedPercent")
    assert alarm["Dimensions"] == [{"Name": "TablePrefix", "Value": {"Ref": "TablePrefix"}}]
    assert (alarm["Statistic"], alarm["Threshold"], alarm["ComparisonOperator"]) == \
        ("Maximum", 80, "GreaterThanOrEqualToThreshold")
    assert alarm["AlarmActions"] == [{"Ref": "AlarmTopic"}]


def _keys(schema: list[dict]) -> list[tuple[str, str]]:
    return sorted((key["AttributeName"], key["KeyType"]) for key in schema)


def _projection(projection: dict) -> tuple[str, list[str]]:
    return projection["ProjectionType"], sorted(projection.get("NonKeyAttributes", []))


def _indexes(indexes: list[dict] | None) -> dict[str, tuple]:
    return {index["IndexName"]: (_keys(index["KeySchema"]), _projection(index["Projection"]))
            for index in indexes or []}


def test_template_describes_the_tables_the_models_create(aws, template):
    """The local stack and tests create tables with `create_all_tables()`; the template must match them."""
    client = boto3.client("dynamodb")
    tables = table_resources(template)
    for spec in infra_model.tables():
        props = tables[spec.resource_id]["Properties"]
        live = client.describe_table(TableName=spec.model.Meta.table_name)["Table"]
        assert _keys(props["KeySchema"]) == _keys(live["KeySchema"]), spec.logical
        assert ({d["AttributeName"]: d["AttributeType"] for d in props["AttributeDefinitions"]}
                == {d["AttributeName"]: d["AttributeType"] for d in live["AttributeDefinitions"]}), spec.logical
        assert _indexes(props.get("GlobalSecondaryIndexes")) == _indexes(live.get("GlobalSecondaryIndexes")), \
            spec.logical
        assert _indexes(props.get("LocalSecondaryIndexes")) == _indexes(live.get("LocalSecondaryIndexes")), \
            spec.logical
        live_stream = live.get("StreamSpecification") or {}
        assert props.get("StreamSpecification", {}).get("StreamViewType") == (
            live_stream.get("StreamViewType") if live_stream.get("StreamEnabled") else None), spec.logical
        ttl = client.describe_time_to_live(TableName=spec.model.Meta.table_name)["TimeToLiveDescription"]
        live_ttl = ttl.get("AttributeName") if ttl.get("TimeToLiveStatus") == "ENABLED" else None
        assert props.get("TimeToLiveSpecification", {}).get("AttributeName") == live_ttl, spec.logical


def test_include_projections_and_ttl_and_streams_are_all_exercised(template):
    """The equivalence test above means something only if the models use each feature somewhere."""
    tables = table_resources(template).values()
    projections = {index["Projection"]["ProjectionType"] for t in tables
                   for index in t["Properties"].get("GlobalSecondaryIndexes", [])
                   + t["Properties"].get("LocalSecondaryIndexes", [])}
    assert {"ALL", "INCLUDE"} <= projections
    assert any("LocalSecondaryIndexes" in t["Properties"] for t in tables)
    assert any("TimeToLiveSpecification" in t["Properties"] for t in tables)
    assert any("StreamSpecification" in t["Properties"] for t in tables)

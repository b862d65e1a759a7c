""".chalice/ wiring: the policies of a stage's functions together (each against its uses: test_function_policies.py),
and the deploy script writing stack outputs into config."""
from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import boto3
import pytest
from botocore.stub import Stubber

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))
import deploy_infra  # noqa: E402
import infra_model  # noqa: E402
import stage_config  # noqa: E402

from chalicelib.data.tables import ALL_MODELS  # noqa: E402

CONFIG = stage_config.read_json(stage_config.CONFIG_PATH)
REPO_CHALICE = stage_config.CONFIG_PATH.parent
STAGES = list(CONFIG["stages"])


FUNCTIONS = list(stage_config.app_functions())


def policies(stage: str) -> list[dict]:
    return [stage_config.read_json(stage_config.policy_path(stage, function)) for function in FUNCTIONS]


def policy_committed(stage: str, function: str) -> dict:
    return stage_config.read_json(REPO_CHALICE / f"policy-{stage}-{function}.json")


def statements(stage: str, service: str) -> list[dict]:
    """The statements about `service` in the policies of all the stage's functions."""
    return [s for document in policies(stage) for s in document["Statement"]
            if any(action.startswith(service + ":") for action in s["Action"])]


def resources(statement: dict) -> list[str]:
    return statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]


@pytest.mark.parametrize("stage", STAGES)
def test_the_policies_of_a_stage_together_cover_every_table_index_and_stream(stage):
    prefix = stage_config.stage_variables(CONFIG, stage)["TABLE_PREFIX"]
    granted = {arn.split(":", 5)[5] for s in statements(stage, "dynamodb") for arn in resources(s)}
    for model in ALL_MODELS:
        assert f"table/{prefix}{model.Meta.table_name.split('-', 2)[2]}" in granted, model.__name__
    for spec in infra_model.tables():
        assert f"table/{prefix}{spec.logical}" in granted
        for index in spec.index_names:
            assert f"table/{prefix}{spec.logical}/index/{index}" in granted
    for spec in infra_model.stream_tables():
        assert f"table/{prefix}{spec.logical}/stream/*" in granted


@pytest.mark.parametrize("stage", STAGES)
def test_the_audit_log_can_be_appended_to_but_never_updated_or_deleted_by_the_app(stage):
    prefix = stage_config.stage_variables(CONFIG, stage)["TABLE_PREFIX"]
    audit_arn = f"table/{prefix}audit_log"
    denied = [s for s in statements(stage, "dynamodb") if s["Effect"] == "Deny"]
    assert denied and {r.split(":", 5)[5] for s in denied for r in resources(s)} == {audit_arn}
    assert {"dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:BatchWriteItem"} <= set(denied[0]["Action"])
    allowed = [s for s in statements(stage, "dynamodb") if s["Effect"] == "Allow"
               and any(r.split(":", 5)[5] == audit_arn for r in resources(s))]
    assert any("dynamodb:PutItem" in s["Action"] for s in allowed)


@pytest.mark.parametrize("stage", STAGES)
def test_no_dynamodb_grant_is_broader_than_the_stages_tables(stage):
    prefix = stage_config.stage_variables(CONFIG, stage)["TABLE_PREFIX"]
    for statement in statements(stage, "dynamodb"):
        assert "*" not in resources(statement)
        assert not any(action in ("dynamodb:*", "dynamodb:Scan", "dynamodb:DeleteTable")
                       for action in statement["Action"])
        for arn in resources(statement):
            assert arn.split(":", 5)[5].startswith(f"table/{prefix}"), arn


@pytest.mark.parametrize("stage", STAGES)
def test_arns_use_the_partition_of_the_stages_region(stage):
    region = stage_config.read_json(stage_config.STAGES_PATH)[stage]["region"]
    text = "".join(stage_config.policy_path(stage, f).read_text(encoding="utf-8") for f in FUNCTIONS)
    variables = stage_config.stage_variables(CONFIG, stage)
    arns = [arn for document in policies(stage) for s in document["Statement"] for arn in resources(s) if arn != "*"]
    arns += [value for value in variables.values() if value.startswith("arn:")]
    if region.startswith("cn-"):
        assert "arn:aws:" not in text and "amazonaws.com\"" not in text
        assert all(arn.startswith("arn:aws-cn:") for arn in arns), arns
    else:
        assert all(arn.startswith("arn:aws:") for arn in arns), arns
    # S3 ARNs name no region (nor account): the bucket's own name carries both.
    assert all(arn.split(":")[3] == region for arn in arns if arn.split(":")[2] != "s3"), arns


@pytest.mark.parametrize("stage", STAGES)
def test_images_are_read_and_written_only_under_the_two_prefixes_of_the_stages_bucket(stage):
    variables = stage_config.stage_variables(CONFIG, stage)
    [images] = statements(stage, "s3")
    assert images["Effect"] == "Allow" and sorted(images["Action"]) == ["s3:GetObject", "s3:PutObject"]
    bucket = variables["UPLOADS_BUCKET"]
    assert bucket.startswith(variables["TABLE_PREFIX"] + "uploads-")
    assert sorted(resources(images)) == [f"arn:{infra_model.partition_for(_region(stage))}:s3:::{bucket}/{area}/*"
                                         for area in ("images", "uploads")]


def _region(stage: str) -> str:
    return stage_config.read_json(stage_config.STAGES_PATH)[stage]["region"]


@pytest.mark.parametrize("stage", STAGES)
def test_secrets_sms_and_stream_failures_are_granted_only_where_the_stage_needs_them(stage):
    variables = stage_config.stage_variables(CONFIG, stage)
    ssm = statements(stage, "ssm")
    if "TOKEN_SIGNING_KEY_PARAM" in variables:
        names = {arn.split(":parameter", 1)[1] for arn in resources(ssm[0])}
        tencent = variables.get("SMS_SENDER") == "tencent"
        texted = {variables[name] for name in stage_config.TENCENT_KEY_VARIABLES if tencent}
        assert names == {variables["TOKEN_SIGNING_KEY_PARAM"], variables["SMS_CODE_KEY_PARAM"],
                         variables["CERTIFICATE_ID_KEY_PARAM"], *texted}
        assert ssm[0]["Action"] == ["ssm:GetParameter"]
        kms = statements(stage, "kms")[0]
        assert kms["Condition"]["StringEquals"]["kms:ViaService"].startswith("ssm.")
    else:
        assert ssm == []
    assert bool(statements(stage, "sns")) == (variables.get("SMS_SENDER") == "sns")
    [queue] = {arn for s in statements(stage, "sqs") for arn in resources(s)}
    assert queue.endswith(f":{variables['TABLE_PREFIX']}stream-failures")
    assert queue.split(":")[:4] == variables["STREAM_FAILURE_QUEUE_ARN"].split(":")[:4]


def test_every_stream_table_has_its_variable_in_every_stage():
    for stage in STAGES:
        variables = stage_config.stage_variables(CONFIG, stage)
        for spec in infra_model.stream_tables():
            assert variables[spec.stream_env_var].startswith("arn:")


def test_per_function_settings_cover_the_api_and_every_stream_and_schedule_handler():
    functions = CONFIG["lambda_functions"]
    for name in ("api_handler", "ratings_stream", "demand_events_stream", "help_requests_stream",
                 "daily_totals", "reveal_ratings"):
        assert {"lambda_memory_size", "lambda_timeout", "reserved_concurrency"} <= set(functions[name]), name
    assert functions["api_handler"]["lambda_timeout"] < 29   # API Gateway gives up at 29 s
    assert functions["daily_totals"]["reserved_concurrency"] == 1   # never two runs at once


# --- scripts/deploy_infra.py: outputs → config, offline -------------------------------------------------

ACCOUNT = "210987654321"


def fake_outputs(stage: str, region: str) -> dict[str, str]:
    partition = infra_model.partition_for(region)
    prefix = stage_config.stage_variables(CONFIG, stage)["TABLE_PREFIX"]
    outputs = {spec.name_output: prefix + spec.logical for spec in infra_model.tables()}
    for spec in infra_model.stream_tables():
        outputs[spec.stream_output] = (f"arn:{partition}:dynamodb:{region}:{ACCOUNT}:table/{prefix}{spec.logical}"
                                       f"/stream/2026-11-29T01:02:03.456")
    outputs.update({"StreamFailureQueueArn": f"arn:{partition}:sqs:{region}:{ACCOUNT}:{prefix}stream-failures",
                    "UploadsBucketName": infra_model.uploads_bucket_name(prefix, ACCOUNT, region),
                    "TokenSigningKeyParameterName": "/yce/prod/token-signing-key",
                    "SmsCodeKeyParameterName": "/yce/prod/sms-code-key", "TablePrefix": prefix,
                    "Partition": partition, "Region": region, "AccountId": ACCOUNT})
    return outputs


@pytest.fixture
def chalice_dir(tmp_path, monkeypatch):
    """Copies of .chalice/, certificates/.chalice/, infra/stages.json and docs/deploy.md that the deploy script
    writes instead of the real ones."""
    shutil.copytree(stage_config.CONFIG_PATH.parent, tmp_path / ".chalice",
                    ignore=shutil.ignore_patterns("deployments", "deployed", "venv"))
    (tmp_path / "infra").mkdir()
    shutil.copy(stage_config.STAGES_PATH, tmp_path / "infra" / "stages.json")
    (tmp_path / "docs").mkdir()
    shutil.copy(stage_config.DEPLOY_DOC, tmp_path / "docs" / "deploy.md")
    monkeypatch.setattr(stage_config, "DEPLOY_DOC", tmp_path / "docs" / "deploy.md")
    monkeypatch.setattr(stage_config, "ROOT", tmp_path)
    monkeypatch.setattr(stage_config, "CONFIG_PATH", tmp_path / ".chalice" / "config.json")
    monkeypatch.setattr(stage_config, "STAGES_PATH", tmp_path / "infra" / "stages.json")
    shutil.copytree(stage_config.CERTIFICATE_CONFIG_PATH.parent, tmp_path / "certificates" / ".chalice",
                    ignore=shutil.ignore_patterns("deployments"))
    monkeypatch.setattr(stage_config, "CERTIFICATE_CONFIG_PATH", tmp_path / "certificates" / ".chalice" / "config.json")
    return tmp_path


def test_outputs_are_written_into_the_stage_and_nothing_else_changes(chalice_dir):
    stages_before = stage_config.read_json(stage_config.STAGES_PATH)
    outputs_file = chalice_dir / "outputs.json"
    listed = [{"OutputKey": k, "OutputValue": v} for k, v in fake_outputs("prod-ap-east-1", "ap-east-1").items()]
    outputs_file.write_text(json.dumps({"Stacks": [{"Outputs": listed}]}))

    assert deploy_infra.main(["--stage", "prod-ap-east-1", "--region", "ap-east-1",
                              "--outputs-file", str(outputs_file)]) == 0

    after = stage_config.read_json(stage_config.CONFIG_PATH)
    variables = after["stages"]["prod-ap-east-1"]["environment_variables"]
    assert variables["RATINGS_STREAM_ARN"] == (
        f"arn:aws:dynamodb:ap-east-1:{ACCOUNT}:table/yce-prod-ratings/stream/2026-11-29T01:02:03.456")
    assert variables["STREAM_FAILURE_QUEUE_ARN"] == f"arn:aws:sqs:ap-east-1:{ACCOUNT}:yce-prod-stream-failures"
    assert variables["UPLOADS_BUCKET"] == f"yce-prod-uploads-{ACCOUNT}-ap-east-1"
    assert variables["TOKEN_SIGNING_KEY_PARAM"] == "/yce/prod/token-signing-key"
    assert variables["TABLE_PREFIX"] == "yce-prod-" and variables["SMS_SENDER"] == "sns"
    assert {k: v for k, v in after["stages"].items() if k != "prod-ap-east-1"} == \
        {k: v for k, v in CONFIG["stages"].items() if k != "prod-ap-east-1"}
    assert {k: v for k, v in after.items() if k != "stages"} == {k: v for k, v in CONFIG.items() if k != "stages"}
    assert stage_config.read_json(stage_config.STAGES_PATH) == {
        **stages_before, "prod-ap-east-1": {**stages_before["prod-ap-east-1"], "account_id": ACCOUNT}}
    written = stage_config.policy_path("prod-ap-east-1", "api_handler").read_text(encoding="utf-8")
    assert f"arn:aws:dynamodb:ap-east-1:{ACCOUNT}:table/yce-prod-ratings" in written
    assert f"arn:aws:s3:::yce-prod-uploads-{ACCOUNT}-ap-east-1/uploads/*" in written
    assert ":*:table/" not in written
    assert all(stage_config.read_json(stage_config.policy_path("prod-cn-north-1", function))
               == policy_committed("prod-cn-north-1", function) for function in FUNCTIONS)


def test_the_dev_stage_too_reads_its_keys_from_the_parameters_its_stack_names(chalice_dir):
    outputs = fake_outputs("dev", "cn-north-1")
    deploy_infra.wire_stage("dev", "cn-north-1", outputs, dry_run=False)
    variables = stage_config.read_json(stage_config.CONFIG_PATH)["stages"]["dev"]["environment_variables"]
    assert "TOKEN_SIGNING_KEY" not in variables and "SMS_CODE_KEY" not in variables
    assert (variables["TOKEN_SIGNING_KEY_PARAM"], variables["SMS_CODE_KEY_PARAM"]) == (
        outputs["TokenSigningKeyParameterName"], outputs["SmsCodeKeyParameterName"])
    assert variables["RATINGS_STREAM_ARN"] == outputs["RatingsStreamArn"]
    assert variables["CORS_ALLOWED_ORIGINS"] == "http://localhost:5173,http://127.0.0.1:5173"   # kept from stages.json


def test_dry_run_writes_nothing(chalice_dir, capsys):
    before = {p: p.read_text() for p in chalice_dir.rglob("*.json")}
    changed = deploy_infra.wire_stage("prod-cn-north-1", "cn-north-1", fake_outputs("prod-cn-north-1", "cn-north-1"),
                                      dry_run=True)
    assert changed and "would write .chalice/config.json" in capsys.readouterr().out
    assert {p: p.read_text() for p in chalice_dir.rglob("*.json")} == before


@pytest.mark.parametrize("broken, message", [
    ({"Region": "cn-northwest-1"}, "not cn-north-1"),
    ({"Partition": "aws"}, "partition"),
    ({"TablePrefix": "other-"}, "TABLE_PREFIX"),
    ({"RatingsStreamArn": None}, "RatingsStreamArn"),
])
def test_outputs_that_do_not_fit_the_stage_are_refused(chalice_dir, broken, message):
    outputs = {**fake_outputs("prod-cn-north-1", "cn-north-1"), **broken}
    outputs = {k: v for k, v in outputs.items() if v is not None}
    before = stage_config.CONFIG_PATH.read_text()
    with pytest.raises(SystemExit, match=message):
        deploy_infra.wire_stage("prod-cn-north-1", "cn-north-1", outputs, dry_run=False)
    assert stage_config.CONFIG_PATH.read_text() == before


def test_a_stage_cannot_move_to_another_region(chalice_dir):
    with pytest.raises(SystemExit, match="one region"):
        deploy_infra.main(["--stage", "prod-cn-north-1", "--region", "cn-northwest-1", "--dry-run"])


def test_stack_parameters_come_from_the_stage():
    variables = stage_config.stage_variables(CONFIG, "prod-cn-north-1")
    params = {p["ParameterKey"]: p["ParameterValue"]
              for p in deploy_infra.stack_parameters("prod-cn-north-1", variables, "ops@example.org")}
    assert params == {"TablePrefix": "yce-prod-", "TokenSigningKeyParameterName": "/yce/prod/token-signing-key",
                      "SmsCodeKeyParameterName": "/yce/prod/sms-code-key", "AlarmEmail": "ops@example.org"}
    dev = {p["ParameterKey"]: p["ParameterValue"]
           for p in deploy_infra.stack_parameters("dev", stage_config.stage_variables(CONFIG, "dev"), None)}
    assert dev["TokenSigningKeyParameterName"] == "/yce/dev/token-signing-key"


def test_the_sns_spend_alarm_stack_goes_to_the_region_sns_sends_sms_from(capsys):
    deploy_infra.main(["--stage", "prod-ap-east-1", "--region", "ap-east-1", "--dry-run",
                       "--sms-spend-alarm-usd", "80"])
    out = capsys.readouterr().out
    assert "would create or update stack yce-api-prod-ap-east-1-sms in ap-southeast-1" in out
    assert '{"SmsMonthlySpendAlarmUsd": "80"}' in out
    deploy_infra.main(["--stage", "dev", "--region", "cn-north-1", "--dry-run"])   # console sender: no SNS
    assert "-sms" not in capsys.readouterr().out


def test_a_new_stack_is_created_protected_waited_for_and_its_outputs_read(monkeypatch):
    client = boto3.client("cloudformation", region_name="cn-north-1")
    stub = Stubber(client)
    name = "yce-api-prod-cn-north-1-data"
    outputs = fake_outputs("prod-cn-north-1", "cn-north-1")
    stub.add_client_error("describe_stacks", "ValidationError", f"Stack with id {name} does not exist",
                          expected_params={"StackName": name})
    stub.add_response("create_stack", {"StackId": "arn:aws-cn:cloudformation:cn-north-1:1:stack/x/y"}, {
        "StackName": name, "TemplateBody": deploy_infra.template_body(), "Parameters": [],
        "EnableTerminationProtection": True, "OnFailure": "ROLLBACK"})
    stack = {"StackName": name, "CreationTime": "2026-11-29T00:00:00Z", "StackStatus": "CREATE_COMPLETE",
             "Outputs": [{"OutputKey": k, "OutputValue": v} for k, v in outputs.items()]}
    stub.add_response("describe_stacks", {"Stacks": [stack]}, {"StackName": name})   # the waiter
    stub.add_response("describe_stacks", {"Stacks": [stack]}, {"StackName": name})
    monkeypatch.setattr(boto3, "client", lambda *a, **k: client)
    with stub:
        assert deploy_infra.deploy_stack("cn-north-1", name, [], dry_run=False) == outputs
    stub.assert_no_pending_responses()


def test_an_unchanged_stack_is_not_an_error_and_options_not_given_keep_their_values(monkeypatch):
    client = boto3.client("cloudformation", region_name="ap-east-1")
    stub = Stubber(client)
    name = "yce-api-prod-ap-east-1-data"
    stack = {"StackName": name, "CreationTime": "2026-11-29T00:00:00Z", "StackStatus": "UPDATE_COMPLETE",
             "Outputs": [{"OutputKey": "TablePrefix", "OutputValue": "yce-prod-"}]}
    stub.add_response("describe_stacks", {"Stacks": [stack]}, {"StackName": name})
    stub.add_client_error("update_stack", "ValidationError", "No updates are to be performed.", expected_params={
        "StackName": name, "TemplateBody": deploy_infra.template_body(),
        "Parameters": [{"ParameterKey": "TablePrefix", "ParameterValue": "yce-prod-"},
                       {"ParameterKey": "TokenSigningKeyParameterName", "UsePreviousValue": True},
                       {"ParameterKey": "SmsCodeKeyParameterName", "UsePreviousValue": True},
                       {"ParameterKey": "AlarmEmail", "UsePreviousValue": True}]})
    stub.add_response("describe_stacks", {"Stacks": [stack]}, {"StackName": name})
    monkeypatch.setattr(boto3, "client", lambda *a, **k: client)
    with stub:
        given = [{"ParameterKey": "TablePrefix", "ParameterValue": "yce-prod-"}]
        assert deploy_infra.deploy_stack("ap-east-1", name, given, dry_run=False) == {"TablePrefix": "yce-prod-"}

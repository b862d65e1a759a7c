"""`chalice package` per partition succeeds with every wheel, carries the stage's wiring, and cfn-lint passes.

Needs the package index (Chalice downloads manylinux wheels for the Lambda runtime; cached in
.chalice/deployments/ after the first run). Deselect with `-m "not packaging"` when offline.
"""
from __future__ import annotations

import importlib
import json
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from chalice.utils import to_cfn_resource_name

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))
import api_gateway  # noqa: E402
import infra_model  # noqa: E402
import infra_template  # noqa: E402
import operations  # noqa: E402
import package  # noqa: E402
import stage_config  # noqa: E402
from harden_stream_sources import mapping_settings  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.packaging
CFN_LINT = str(Path(sys.executable).parent / "cfn-lint")
# dev, and one production stage per partition.
STAGES = ["dev", "prod-cn-north-1", "prod-ap-east-1"]
# Per function Errors and Throttles (6 functions), IteratorAge (3 streams), a missed run (2 schedules), API 5XX and
# p95 latency, DynamoDB throttles (30 tables; claims and demands need two alarms each), parked records, SMS failures.
EXPECTED_ALARMS = dict.fromkeys(STAGES, 12 + 3 + 2 + 2 + 32 + 2)


def cfn_lint(path: Path, *regions: str) -> subprocess.CompletedProcess:
    return subprocess.run([CFN_LINT, "--regions", *regions, "--", str(path)], capture_output=True, text=True)


def configured_function(resource_id: str, config: dict) -> str:
    """The `lambda_functions` entry (a Python function name) of a packaged function."""
    if resource_id == "APIHandler":
        return "api_handler"
    names = {to_cfn_resource_name(name): name for name in config["lambda_functions"]}
    assert resource_id in names, f"{resource_id}: no lambda_functions entry in .chalice/config.json"
    return names[resource_id]


@pytest.mark.parametrize("stage", STAGES)
def test_stage_packages_completely_with_its_wiring_and_passes_cfn_lint(stage, tmp_path):
    # One test per stage: packaged once, even when the suite runs on several workers.
    config = stage_config.read_json(stage_config.CONFIG_PATH)
    variables = stage_config.stage_variables(config, stage)
    region = stage_config.read_json(stage_config.STAGES_PATH)[stage]["region"]
    template = package.package(stage, tmp_path)   # raises PackagingError on a missing wheel

    with zipfile.ZipFile(tmp_path / "deployment.zip") as bundle:
        names = bundle.namelist()
    assert any(n.startswith("pydantic_core/_pydantic_core.cpython-311-x86_64-linux-gnu") for n in names)
    assert "app.py" in names and not any(n.startswith(("tests/", "scripts/", "infra/")) for n in names)
    # The certificate PDF is the certificate function's (certificates/): none of it in the API's package.
    assert not any(n.startswith(("reportlab/", "PIL/", "certificate_pdf/", "certificates/")) for n in names)

    functions = {rid: r for rid, r in template["Resources"].items() if r["Type"] == "AWS::Serverless::Function"}
    for rid, resource in functions.items():
        props, wanted = resource["Properties"], config["lambda_functions"][configured_function(rid, config)]
        assert (props["MemorySize"], props["Timeout"], props["ReservedConcurrentExecutions"]) == (
            wanted["lambda_memory_size"], wanted["lambda_timeout"], wanted["reserved_concurrency"]), rid
    # Lambda imports app.py and looks the handler up by name: it must be a module attribute of app.py.
    app_module = importlib.import_module("app")
    for rid, resource in functions.items():
        module, attribute = resource["Properties"]["Handler"].split(".", 1)
        assert module == "app" and callable(getattr(app_module, attribute, None)), \
            f"{rid}: Handler {resource['Properties']['Handler']} is not a name defined in app.py"
    # Each function has its own role, with its own policy (scripts/function_access.py).
    roles = {r["Properties"]["Role"]["Fn::GetAtt"][0] for r in functions.values()}
    assert len(roles) == len(functions)
    for rid, resource in functions.items():
        role = template["Resources"][resource["Properties"]["Role"]["Fn::GetAtt"][0]]
        assert role["Properties"]["Policies"][0]["PolicyDocument"] == stage_config.read_json(
            stage_config.policy_path(stage, configured_function(rid, config))), rid
    # X-Ray active tracing on every function and on the API's stage; the role may send the segments.
    assert {r["Properties"]["Tracing"] for r in functions.values()} == {"Active"}
    [rest_api] = [r for r in template["Resources"].values() if r["Type"] == "AWS::Serverless::Api"]
    assert rest_api["Properties"]["TracingEnabled"] is True
    for rid in functions:
        policy = stage_config.read_json(stage_config.policy_path(stage, configured_function(rid, config)))
        assert any(statement.get("Sid") == "Tracing" and "xray:PutTraceSegments" in statement["Action"]
                   for statement in policy["Statement"]), rid
    # Powertools' service is the stage's on every function (the metrics' `service` dimension).
    assert {r["Properties"]["Environment"]["Variables"]["POWERTOOLS_SERVICE_NAME"] for r in functions.values()} == {
        f"yce-api-{stage}"}

    events = [event["Properties"] for r in functions.values()
              for event in (r["Properties"].get("Events") or {}).values() if event["Type"] == "DynamoDB"]
    assert sorted(e["Stream"] for e in events) == sorted(
        variables[spec.stream_env_var] for spec in infra_model.stream_tables())
    settings = mapping_settings(variables["STREAM_FAILURE_QUEUE_ARN"])
    assert all({k: e[k] for k in settings} == settings for e in events)

    # API Gateway's own refusals in the error envelope with the stage's CORS headers, and every path's OPTIONS
    # sent to the API function like its other methods (the middleware answers preflights).
    definition = api_gateway.rest_api_definition(template)
    assert definition[api_gateway.GATEWAY_RESPONSES_KEY] == api_gateway.gateway_responses(
        api_gateway.stage_origins(variables))
    for path, item in definition["paths"].items():
        integrations = {json.dumps(op["x-amazon-apigateway-integration"], sort_keys=True) for op in item.values()}
        assert "options" in item and len(integrations) == 1, path

    check_operations(template, stage, variables)
    lint = cfn_lint(tmp_path / "sam.json", region)
    assert lint.returncode == 0, lint.stdout + lint.stderr


def check_operations(template: dict, stage: str, variables: dict) -> None:
    """Log groups with the stage's retention, access logs, throttling, every kind of alarm (scripts/operations.py)."""
    resources = template["Resources"]
    ops = operations.stage_operations(stage_config.read_json(stage_config.STAGES_PATH), stage)
    functions = {rid: r["Properties"] for rid, r in resources.items() if r["Type"] == "AWS::Serverless::Function"}
    for rid, props in functions.items():
        group = resources[props["LoggingConfig"]["LogGroup"]["Ref"]]
        assert group["Type"] == "AWS::Logs::LogGroup", rid
        assert group["Properties"]["RetentionInDays"] == ops.log_retention_days, rid
        # The name `chalice deploy` gives the function's group: the stage policy's Logs statement covers it.
        suffix = "" if rid == "APIHandler" else "-" + configured_function(rid, stage_config.read_json(
            stage_config.CONFIG_PATH))
        assert group["Properties"]["LogGroupName"] == f"/aws/lambda/yce-api-{stage}{suffix}", rid

    api = resources["RestAPI"]["Properties"]
    access = resources[api["AccessLogSetting"]["DestinationArn"]["Fn::GetAtt"][0]]["Properties"]
    assert access["RetentionInDays"] == ops.log_retention_days
    fields = json.loads(api["AccessLogSetting"]["Format"])
    assert {"requestId", "ip", "route", "status", "latency"} <= set(fields)
    assert not [v for v in fields.values() if any(word in v.lower() for word in ("authoriz", "body", "header"))]
    assert api["MethodSettings"] == [{"ResourcePath": "/*", "HttpMethod": "*", "ThrottlingRateLimit":
                                      ops.api_rate_limit, "ThrottlingBurstLimit": ops.api_burst_limit}]

    alarms = [r["Properties"] for r in resources.values() if r["Type"] == "AWS::CloudWatch::Alarm"]
    single = {(a["Namespace"], a["MetricName"], json.dumps(a["Dimensions"], sort_keys=True)) for a in alarms
              if "MetricName" in a}
    by_function = {(ns, name, dims) for ns, name, dims in single if "FunctionName" in dims}
    for rid in functions:
        dims = json.dumps([{"Name": "FunctionName", "Value": {"Ref": rid}}], sort_keys=True)
        wanted = {"Errors", "Throttles"} | ({"IteratorAge"} if any(
            e["Type"] == "DynamoDB" for e in (functions[rid].get("Events") or {}).values()) else set()) | (
            {"Invocations"} if any(e["Type"] == "Schedule" for e in (functions[rid].get("Events") or {}).values())
            else set())
        assert {name for ns, name, d in by_function if d == dims} == wanted, rid
    api_dims = json.dumps([{"Name": "ApiName", "Value": f"yce-api-{stage}"}, {"Name": "Stage", "Value": "api"}],
                          sort_keys=True)
    assert {("AWS/ApiGateway", "5XXError", api_dims), ("AWS/ApiGateway", "Latency", api_dims)} <= single
    assert api["Name"] == f"yce-api-{stage}"   # the ApiName of the API's metrics
    # Custom metrics exactly per the metrics contract: namespace YCE, `service`, and `provider` for SMS.
    service = [{"Name": "service", "Value": f"yce-api-{stage}"}]
    provider = [{"Name": "provider", "Value": variables.get("SMS_SENDER", "console")}]
    assert {("YCE", "StreamRecordsParked", json.dumps(service, sort_keys=True)),
            ("YCE", "SmsFailed", json.dumps(service + provider, sort_keys=True))} <= single
    # Every table's and global index's read and write throttle events are in some alarm.
    watched = {(q["MetricStat"]["Metric"]["MetricName"], json.dumps(q["MetricStat"]["Metric"]["Dimensions"]))
               for a in alarms for q in a.get("Metrics", []) if "MetricStat" in q}
    for spec in infra_model.tables():
        table = variables["TABLE_PREFIX"] + spec.logical
        for index in [None, *(i["index_name"] for i in spec.schema["global_secondary_indexes"])]:
            dims = [{"Name": "TableName", "Value": table}] + (
                [{"Name": "GlobalSecondaryIndexName", "Value": index}] if index else [])
            assert {(name, json.dumps(dims)) for name in ("ReadThrottleEvents", "WriteThrottleEvents")} <= watched
    assert all(len(a["Metrics"]) <= 11 for a in alarms if "Metrics" in a)   # 10 metrics and their sum
    assert len({a["AlarmName"] for a in alarms}) == len(alarms)
    assert all(a["AlarmActions"] == [operations.alarm_topic_arn(variables["TABLE_PREFIX"])] for a in alarms)
    assert sorted(a["AlarmName"] for a in alarms) == sorted(documented_alarms(stage))
    assert len(alarms) == EXPECTED_ALARMS[stage]
    assert resources["OperationsDashboard"]["Properties"]["DashboardName"] == f"yce-api-{stage}"


def documented_alarms(stage: str) -> list[str]:
    """The alarms of a stage's packaged template as docs/deploy.md ("Alarms") lists them."""
    section = (ROOT / "docs" / "deploy.md").read_text(encoding="utf-8").split("<!-- generated: alarms -->")[1]
    table = section.split("\n\n")[1]   # the first table: the packaged template's
    return [name.replace("<stage>", stage) for name in re.findall(r"^\| `([^`]+)`", table, re.MULTILINE)]


def test_infra_template_passes_cfn_lint_in_every_partition():
    lint = cfn_lint(infra_template.TEMPLATE_PATH, "cn-north-1", "cn-northwest-1", "ap-east-1", "us-east-1")
    assert lint.returncode == 0, lint.stdout + lint.stderr


def test_the_sms_spend_stack_passes_cfn_lint_where_sns_sends_sms(tmp_path):
    path = tmp_path / "sms.json"
    path.write_text(json.dumps(infra_template.sms_spend_template()), encoding="utf-8")
    lint = cfn_lint(path, "ap-southeast-1", "us-east-1")
    assert lint.returncode == 0, lint.stdout + lint.stderr


@pytest.mark.parametrize("stage", STAGES)
def test_the_web_template_of_each_stages_partition_passes_cfn_lint_in_its_region(stage):
    region = stage_config.read_json(stage_config.STAGES_PATH)[stage]["region"]
    lint = cfn_lint(infra_template.web_template_path(infra_model.partition_for(region)), region)
    assert lint.returncode == 0, lint.stdout + lint.stderr


def test_packaging_refuses_a_stage_whose_wheels_chalice_could_not_install(monkeypatch, tmp_path):
    class Finished:
        returncode = 0
        stdout = "Creating deployment package.\n"
        stderr = "\nCould not install dependencies:\npydantic-core==2.50.4\nYou will have to build these yourself"

    monkeypatch.setattr(package.subprocess, "run", lambda *a, **k: Finished())
    with pytest.raises(package.PackagingError, match="pydantic-core"):
        package.package("prod-cn-north-1", tmp_path)

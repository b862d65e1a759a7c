"""`chalice package` per partition succeeds with every wheel, carries the stage's wiring, and cfn-lint passes.

Needs the package index (Chalice downloads manylinux wheels for the Lambda runtime; cached in
.chalice/deployments/ after the first run). Deselect with `-m "not packaging"` when offline.
"""
from __future__ import annotations

import importlib
import json
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
import package  # noqa: E402
import stage_config  # noqa: E402
from harden_stream_sources import mapping_settings  # noqa: E402

pytestmark = pytest.mark.packaging
CFN_LINT = str(Path(sys.executable).parent / "cfn-lint")
# dev, and one production stage per partition.
STAGES = ["dev", "prod-cn-north-1", "prod-ap-east-1"]


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
    # X-Ray active tracing on every function and on the API's stage; the role may send the segments.
    assert {r["Properties"]["Tracing"] for r in functions.values()} == {"Active"}
    [rest_api] = [r for r in template["Resources"].values() if r["Type"] == "AWS::Serverless::Api"]
    assert rest_api["Properties"]["TracingEnabled"] is True
    assert any(statement.get("Sid") == "Tracing" and "xray:PutTraceSegments" in statement["Action"]
               for statement in stage_config.read_json(stage_config.policy_path(stage))["Statement"])
    # Powertools' service is the stage's on every function (the metrics' `service` dimension).
    assert {r["Properties"]["Environment"]["Variables"]["POWERTOOLS_SERVICE_NAME"] for r in functions.values()} == {
        f"yce-api-{stage}"}
    roles = [r for r in template["Resources"].values() if r["Type"] == "AWS::IAM::Role"]
    assert roles and all(role["Properties"]["Policies"][0]["PolicyDocument"]
                         == stage_config.read_json(stage_config.policy_path(stage)) for role in roles)

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

    lint = cfn_lint(tmp_path / "sam.json", region)
    assert lint.returncode == 0, lint.stdout + lint.stderr


def test_infra_template_passes_cfn_lint_in_every_partition():
    lint = cfn_lint(infra_template.TEMPLATE_PATH, "cn-north-1", "cn-northwest-1", "ap-east-1", "us-east-1")
    assert lint.returncode == 0, lint.stdout + lint.stderr


def test_packaging_refuses_a_stage_whose_wheels_chalice_could_not_install(monkeypatch, tmp_path):
    class Finished:
        returncode = 0
        stdout = "Creating deployment package.\n"
        stderr = "\nCould not install dependencies:\npydantic-core==2.50.4\nYou will have to build these yourself"

    monkeypatch.setattr(package.subprocess, "run", lambda *a, **k: Finished())
    with pytest.raises(package.PackagingError, match="pydantic-core"):
        package.package("prod-cn-north-1", tmp_path)

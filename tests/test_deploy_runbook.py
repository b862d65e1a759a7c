"""docs/deploy.md's commands exist as written, and the smoke test works through TestInvokeMethod (before ICP).

Nothing here reaches AWS: every `aws` command and option is checked against botocore's service models (the
AWS CLI is built on them), every script and option against the script, and the smoke test's TestInvokeMethod
calls are answered by the app itself.
"""
from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import boto3
import botocore.session
import pytest
from botocore import xform_name
from botocore.stub import Stubber

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
import smoke_test  # noqa: E402

from chalicelib.api.route_index import ROUTES  # noqa: E402
from tests.builders import PASSWORD, make_operator  # noqa: E402

DEPLOY_DOC = ROOT / "docs" / "deploy.md"
# Options of every AWS CLI command (aws help: "global options").
GLOBAL_OPTIONS = {"query", "output", "region", "profile", "endpoint-url", "no-paginate", "no-cli-pager", "debug"}
# The AWS CLI's own commands (customizations, no API operation): their options, from the CLI's reference.
CLI_COMMANDS = {
    ("cloudformation", "package"): {"template-file", "s3-bucket", "s3-prefix", "output-template-file"},
    ("cloudformation", "deploy"): {"template-file", "stack-name", "capabilities", "parameter-overrides",
                                   "no-fail-on-empty-changeset", "s3-bucket"},
    ("s3", "mb"): set(),
    ("dynamodb", "wait"): {"table-name"},
}


def _commands() -> list[str]:
    """Every shell command of the document: fenced `sh` lines (continuations joined) and inline code."""
    text = DEPLOY_DOC.read_text(encoding="utf-8")
    commands = []
    for block in re.findall(r"```sh\n(.*?)```", text, re.DOTALL):
        commands += [line.split(" #")[0].strip() for line in block.replace("\\\n", " ").splitlines()
                     if line.strip() and not line.lstrip().startswith("#")]
    prose = re.sub(r"```.*?```", "", text, flags=re.DOTALL).replace("\n", " ")
    commands += [code for code in re.findall(r"`([^`]+)`", prose) if re.match(r"(aws|\.venv/bin/|make) ", code)]
    return commands


def _aws_calls(command: str) -> list[tuple[str, str, set[str]]]:
    """(service, command, options) of each `aws` call in a shell command, nested ones included."""
    calls = []
    for match in re.finditer(r"(?:^|[\s(])aws ([a-z0-9-]+) ([a-z0-9-]+)([^|;)]*)", command):
        options = set(re.findall(r"(?:^|\s)--([a-z0-9-]+)", match.group(3)))
        calls.append((match.group(1), match.group(2), options))
    return calls


def test_the_runbooks_aws_commands_and_their_options_exist():
    session = botocore.session.get_session()
    calls = [call for command in _commands() for call in _aws_calls(command)]
    assert len(calls) > 15   # the parsing found the runbooks
    for service, name, options in calls:
        if (service, name) in CLI_COMMANDS:
            known = CLI_COMMANDS[service, name]
        else:
            model = session.get_service_model(service)
            operations = {xform_name(op, "-"): op for op in model.operation_names}
            assert name in operations, f"aws {service} {name}: no such operation"
            shape = model.operation_model(operations[name]).input_shape
            known = {xform_name(member, "-") for member in (shape.members if shape else {})}
        unknown = options - known - GLOBAL_OPTIONS
        assert not unknown, f"aws {service} {name}: no option {sorted(unknown)}"


def test_the_runbooks_scripts_options_make_targets_and_tools_exist():
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    scripts = 0
    for command in _commands():
        for script, rest in re.findall(r"\.venv/bin/python (scripts/[\w/]+\.py)([^|;&]*)", command):
            source = (ROOT / script).read_text(encoding="utf-8")
            for option in re.findall(r"(?:^|\s)(--[a-z-]+)", rest):
                assert f'"{option}"' in source, f"{script} has no option {option}"
            scripts += 1
        for target in re.findall(r"(?:^|\s)make (\w+)", command):
            assert re.search(rf"^{target}:", makefile, re.MULTILINE), f"make {target}"
        for tool in re.findall(r"\.venv/bin/(\w[\w-]*)(?=\s)", command):
            assert (Path(sys.executable).parent / tool).exists(), f".venv/bin/{tool}"
    assert scripts > 5


def test_the_smoke_test_runs_with_dry_run_for_every_stage(capsys):
    for stage in json.loads((ROOT / "infra" / "stages.json").read_text()):
        assert smoke_test.main(["--stage", stage, "--account-name", "ops", "--dry-run"]) == 0
        assert f"stack yce-api-{stage}:" in capsys.readouterr().out


class GatewayOnTheApp:
    """API Gateway's GetResources and TestInvokeMethod, answered by the app (Chalice's test client, moto)."""

    def __init__(self, api) -> None:
        self.api, self.invoked = api, []

    def get_paginator(self, name: str):
        assert name == "get_resources"
        items = [{"id": f"r{i}", "path": path} for i, path in enumerate(sorted({r.path for r in ROUTES}))]

        class Pages:
            def paginate(self, restApiId: str) -> list[dict]:
                assert restApiId == "abc123"
                return [{"items": items}]
        return Pages()

    def test_invoke_method(self, *, restApiId, resourceId, httpMethod, pathWithQueryString, headers, body=None):
        self.invoked.append((httpMethod, pathWithQueryString, "Authorization" in headers))
        answer = self.api.call(httpMethod, pathWithQueryString, headers=headers,
                               raw=body.encode() if body is not None else None)
        return {"status": answer.status_code, "body": answer.body.decode(), "latency": 1}


def _stack(stage: str) -> tuple:
    cloudformation = boto3.client("cloudformation", region_name="cn-north-1")
    stub = Stubber(cloudformation)
    stub.add_response("describe_stacks", {"Stacks": [{
        "StackName": f"yce-api-{stage}", "CreationTime": "2026-12-04T00:00:00Z", "StackStatus": "CREATE_COMPLETE",
        "Outputs": [{"OutputKey": "RestAPIId", "OutputValue": "abc123"}]}]}, {"StackName": f"yce-api-{stage}"})
    return cloudformation, stub


def test_the_smoke_test_logs_the_operator_in_and_reads_me_with_the_token_through_test_invoke_method(api):
    make_operator("ops")
    cloudformation, stub = _stack("prod-cn-north-1")
    gateway = GatewayOnTheApp(api)
    with stub:
        me = smoke_test.smoke_test(cloudformation, gateway, "prod-cn-north-1", "ops", PASSWORD)
    assert me["role"] == "operator"
    assert gateway.invoked == [("GET", "/health", False), ("POST", "/auth/login", False), ("GET", "/me", True)]


def test_the_smoke_test_fails_on_a_refused_login_and_asks_nothing_more(api):
    make_operator("ops")
    cloudformation, stub = _stack("prod-ap-east-1")
    gateway = GatewayOnTheApp(api)
    with stub, pytest.raises(smoke_test.SmokeTestFailed, match="401"):
        smoke_test.smoke_test(cloudformation, gateway, "prod-ap-east-1", "ops", PASSWORD + "x")
    assert [call[1] for call in gateway.invoked] == ["/health", "/auth/login"]

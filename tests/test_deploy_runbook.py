"""docs/deploy.md's commands exist as written, and the smoke test works through TestInvokeMethod (before ICP).

Nothing here reaches AWS: every `aws` command and option is checked against botocore's service models (the
AWS CLI is built on them), every script and option against the script, and the smoke test runs on stubs.
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


def _stubbed(stage: str, login_status: int = 200):
    cloudformation = boto3.client("cloudformation", region_name="cn-north-1")
    apigateway = boto3.client("apigateway", region_name="cn-north-1")
    cf_stub, gw_stub = Stubber(cloudformation), Stubber(apigateway)
    cf_stub.add_response("describe_stacks", {"Stacks": [{
        "StackName": f"yce-api-{stage}", "CreationTime": "2026-12-04T00:00:00Z", "StackStatus": "CREATE_COMPLETE",
        "Outputs": [{"OutputKey": "RestAPIId", "OutputValue": "abc123"}]}]}, {"StackName": f"yce-api-{stage}"})
    gw_stub.add_response("get_resources", {"items": [{"id": "r-health", "path": "/health"},
                                                     {"id": "r-login", "path": "/auth/login"},
                                                     {"id": "r-me", "path": "/me"}]}, {"restApiId": "abc123"})
    json_header = {"Content-Type": "application/json"}
    gw_stub.add_response("test_invoke_method", {"status": 200, "body": '{"status": "ok"}', "latency": 12}, {
        "restApiId": "abc123", "resourceId": "r-health", "httpMethod": "GET", "pathWithQueryString": "/health",
        "headers": json_header})
    login = {"account_type": "organization", "login": "ops", "password": "Yce-2099-secret"}
    answer = ({"access_token": "tok", "role": "operator"} if login_status == 200
              else {"error": {"code": "LOGIN_FAILED"}})
    gw_stub.add_response("test_invoke_method", {"status": login_status, "body": json.dumps(answer)}, {
        "restApiId": "abc123", "resourceId": "r-login", "httpMethod": "POST", "pathWithQueryString": "/auth/login",
        "headers": json_header, "body": json.dumps(login)})
    if login_status == 200:
        gw_stub.add_response("test_invoke_method", {"status": 200, "body": '{"role": "operator"}'}, {
            "restApiId": "abc123", "resourceId": "r-me", "httpMethod": "GET", "pathWithQueryString": "/me",
            "headers": {**json_header, "Authorization": "Bearer tok"}})
    return cloudformation, apigateway, cf_stub, gw_stub


def test_the_smoke_test_logs_in_and_reads_me_with_the_token_through_test_invoke_method():
    cloudformation, apigateway, cf_stub, gw_stub = _stubbed("prod-cn-north-1")
    with cf_stub, gw_stub:
        me = smoke_test.smoke_test(cloudformation, apigateway, "prod-cn-north-1", "ops", "Yce-2099-secret")
    assert me == {"role": "operator"}
    gw_stub.assert_no_pending_responses()


def test_the_smoke_test_fails_on_a_refused_login_and_asks_nothing_more():
    cloudformation, apigateway, cf_stub, gw_stub = _stubbed("prod-ap-east-1", login_status=401)
    with cf_stub, gw_stub, pytest.raises(smoke_test.SmokeTestFailed, match="401"):
        smoke_test.smoke_test(cloudformation, apigateway, "prod-ap-east-1", "ops", "Yce-2099-secret")

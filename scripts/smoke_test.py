#!/usr/bin/env python3
"""Smoke test of a deployed stage through API Gateway's TestInvokeMethod, which works before ICP (never shipped).

    .venv/bin/python scripts/smoke_test.py --stage STAGE --account-name ops [--password-stdin] [--dry-run]

In the China regions API Gateway serves an API without an authorizer (ours: the app checks its own tokens)
only once the account has an ICP recordal; until then the stage's URL answers 403 to everybody.
TestInvokeMethod is an API Gateway API call, signed with the operator's AWS credentials: it runs a method's
integration (our API function) as a request would, with or without ICP, in every region. The test asks
GET /health, logs in as the operator (POST /auth/login) and asks GET /me with the token it got: the
function, its tables, its SSM keys and token signing all work. The REST API is the stack `yce-api-<stage>`'s
output RestAPIId (scripts/package.py + `aws cloudformation deploy`, docs/deploy.md).
"""
from __future__ import annotations

import argparse
import getpass
import json
import sys

import infra_model
import stage_config


class SmokeTestFailed(RuntimeError):
    pass


def functions_stack(stage: str) -> str:
    return f"{infra_model.APP_NAME}-{stage}"


def rest_api_id(cloudformation, stage: str) -> str:
    outputs = cloudformation.describe_stacks(StackName=functions_stack(stage))["Stacks"][0].get("Outputs", [])
    found = [o["OutputValue"] for o in outputs if o["OutputKey"] == "RestAPIId"]
    if not found:
        raise SmokeTestFailed(f"stack {functions_stack(stage)} has no output RestAPIId: is it deployed?")
    return found[0]


def resource_ids(apigateway, api_id: str) -> dict[str, str]:
    ids = {}
    for page in apigateway.get_paginator("get_resources").paginate(restApiId=api_id):
        ids.update({item["path"]: item["id"] for item in page["items"]})
    return ids


def invoke(apigateway, api_id: str, resources: dict[str, str], method: str, path: str, *, body: dict | None = None,
           token: str | None = None, expect: int = 200) -> dict:
    headers = {"Content-Type": "application/json"} | ({"Authorization": f"Bearer {token}"} if token else {})
    answer = apigateway.test_invoke_method(
        restApiId=api_id, resourceId=resources[path], httpMethod=method, pathWithQueryString=path,
        headers=headers, **({"body": json.dumps(body, ensure_ascii=False)} if body is not None else {}))
    print(f"{method} {path}: {answer['status']} in {answer.get('latency', '?')} ms")
    if answer["status"] != expect:
        raise SmokeTestFailed(f"{method} {path} answered {answer['status']}, not {expect}: {answer.get('body', '')}")
    return json.loads(answer.get("body") or "{}")


def smoke_test(cloudformation, apigateway, stage: str, account_name: str, password: str) -> dict:
    """The three calls; returns what GET /me answered."""
    api_id = rest_api_id(cloudformation, stage)
    resources = resource_ids(apigateway, api_id)
    invoke(apigateway, api_id, resources, "GET", "/health")
    tokens = invoke(apigateway, api_id, resources, "POST", "/auth/login",
                    body={"account_type": "organization", "login": account_name, "password": password})
    return invoke(apigateway, api_id, resources, "GET", "/me", token=tokens["access_token"])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stage", required=True)
    parser.add_argument("--account-name", required=True, help="an operator (scripts/manage.py create-operator)")
    parser.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    parser.add_argument("--dry-run", action="store_true", help="say what would be called, call nothing")
    args = parser.parse_args(argv)
    region = stage_config.read_json(stage_config.STAGES_PATH)[args.stage]["region"]
    if args.dry_run:
        print(f"would call TestInvokeMethod in {region} on the RestAPIId of stack {functions_stack(args.stage)}: "
              f"GET /health, POST /auth/login as {args.account_name}, GET /me with its token")
        return 0
    password = sys.stdin.readline().rstrip("\n") if args.password_stdin else getpass.getpass("Password: ")
    import boto3

    try:
        me = smoke_test(boto3.client("cloudformation", region_name=region),
                        boto3.client("apigateway", region_name=region), args.stage, args.account_name, password)
    except SmokeTestFailed as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"ok: signed in as {me.get('role', '?')} {args.account_name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

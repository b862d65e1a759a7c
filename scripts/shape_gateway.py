#!/usr/bin/env python3
"""After `chalice deploy --stage STAGE`: give the stage's REST API what scripts/package.py puts in the template.

    .venv/bin/python scripts/shape_gateway.py --stage STAGE [--dry-run]

`chalice deploy` imports Chalice's own definition of the API, which has neither API Gateway's refusals in
the API's error shape nor an OPTIONS method per path (scripts/api_gateway.py). This puts the stage's gateway
responses, adds an OPTIONS method integrated with the API function to every resource that lacks one, and
deploys the stage again. Run it after every `chalice deploy` (each replaces the definition).
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import api_gateway
import stage_config

DEPLOYED_DIR = stage_config.CONFIG_PATH.parent / "deployed"


def rest_api_id(deployed_path: Path) -> str:
    """The REST API `chalice deploy` recorded for the stage."""
    try:
        deployed = json.loads(deployed_path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SystemExit(f"error: {deployed_path} not found: run `chalice deploy --stage STAGE` first") from None
    ids = [r["rest_api_id"] for r in deployed.get("resources", []) if r.get("resource_type") == "rest_api"]
    if len(ids) != 1:
        raise SystemExit(f"error: {deployed_path} records no REST API")
    return ids[0]


def shape(client, api_id: str, stage_name: str, origins: tuple[str, ...], dry_run: bool = False) -> list[str]:
    """Put the gateway responses and the missing OPTIONS methods, then deploy; returns the paths given OPTIONS."""
    verb = "would put" if dry_run else "putting"
    for response_type, response in api_gateway.gateway_responses(origins).items():
        print(f"{verb} gateway response {response_type}")
        if not dry_run:
            status = {"statusCode": response["statusCode"]} if "statusCode" in response else {}
            client.put_gateway_response(restApiId=api_id, responseType=response_type, **status,
                                        responseParameters=response["responseParameters"],
                                        responseTemplates=response["responseTemplates"])
    shaped = []
    for page in client.get_paginator("get_resources").paginate(restApiId=api_id):
        for resource in page["items"]:
            methods = resource.get("resourceMethods") or {}
            if not methods or "OPTIONS" in methods:
                continue
            integration = client.get_integration(restApiId=api_id, resourceId=resource["id"],
                                                 httpMethod=sorted(methods)[0])
            print(f"{verb} OPTIONS {resource['path']} → {integration['uri']}")
            shaped.append(resource["path"])
            if not dry_run:
                client.put_method(restApiId=api_id, resourceId=resource["id"], httpMethod="OPTIONS",
                                  authorizationType="NONE")
                client.put_integration(restApiId=api_id, resourceId=resource["id"], httpMethod="OPTIONS",
                                       type=integration["type"], integrationHttpMethod=integration["httpMethod"],
                                       uri=integration["uri"])
    if not dry_run:
        client.create_deployment(restApiId=api_id, stageName=stage_name,
                                 description="gateway responses and OPTIONS methods (scripts/shape_gateway.py)")
    return shaped


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stage", required=True)
    parser.add_argument("--dry-run", action="store_true", help="list what would change, change nothing")
    args = parser.parse_args(argv)
    config = stage_config.read_json(stage_config.CONFIG_PATH)
    variables = stage_config.stage_variables(config, args.stage)
    stage_name = config["stages"][args.stage].get("api_gateway_stage", config.get("api_gateway_stage", "api"))
    region = stage_config.read_json(stage_config.STAGES_PATH)[args.stage]["region"]
    import boto3

    shape(boto3.client("apigateway", region_name=region), rest_api_id(DEPLOYED_DIR / f"{args.stage}.json"),
          stage_name, api_gateway.stage_origins(variables), args.dry_run)
    return 0


if __name__ == "__main__":
    sys.exit(main())

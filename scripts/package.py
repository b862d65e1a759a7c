#!/usr/bin/env python3
"""`chalice package` for a stage, refused on a missing wheel, hardened stream sources, shaped gateway (never shipped).

    .venv/bin/python scripts/package.py STAGE OUTDIR

Runs `chalice package --stage STAGE OUTDIR` in the stage's region (infra/stages.json) and fails when
Chalice reports "Could not install dependencies" (it only warns, and the function would then fail at
import). Then sets on every DynamoDB stream source in OUTDIR/sam.json, SAM `DynamoDB` events and
plain `AWS::Lambda::EventSourceMapping` alike, the settings scripts/harden_stream_sources.py applies
after `chalice deploy`, with the stage's STREAM_FAILURE_QUEUE_ARN as the on-failure destination. And
shapes the REST API's definition (scripts/api_gateway.py): API Gateway's own refusals in the API's error
shape with the stage's CORS headers, and every path's OPTIONS sent to the API function. And adds the
stage's operations (scripts/operations.py): log groups with retention, access logs, throttling, alarms
and a dashboard. With the stage's `xray`, traces the API's stage too (Chalice's template
traces only the functions).
"""
from __future__ import annotations

import argparse
import fcntl
import json
import os
import subprocess
import sys
from pathlib import Path

import api_gateway
import infra_model
import operations
import stage_config
from harden_stream_sources import mapping_settings

ROOT = Path(__file__).resolve().parent.parent
MISSING_WHEEL_MARKERS = ("Could not install dependencies", "You will have to build these yourself")
LOCK_PATH = ROOT / ".chalice" / "deployments" / ".package.lock"   # Chalice's wheel cache is shared


CERTIFICATE_FONT = "vendor/certificate_pdf/fonts/NotoSansSC-Regular.ttf"   # in certificates/, shipped with it


class PackagingError(RuntimeError):
    pass


def missing_wheel_warning(output: str) -> str | None:
    """The part of Chalice's output that says a dependency was left out, if any."""
    for marker in MISSING_WHEEL_MARKERS:
        at = output.find(marker)
        if at >= 0:
            return output[at:at + 600]
    return None


def run_chalice_package(stage: str, outdir: Path, region: str, project: Path = ROOT) -> str:
    # Only the stage's own variables may reach app.py: a stray RATINGS_STREAM_ARN in the caller's
    # environment would register a handler (and a mapping) the stage itself does not configure.
    app_variables = infra_model.app_variable_names()
    env = {name: value for name, value in os.environ.items()
           if name not in app_variables and not name.endswith("_STREAM_ARN") and name != "AWS_PROFILE"}
    env["AWS_DEFAULT_REGION"] = region
    LOCK_PATH.parent.mkdir(parents=True, exist_ok=True)
    with open(LOCK_PATH, "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)   # parallel test workers must not build the same cache entry
        result = subprocess.run([str(Path(sys.executable).parent / "chalice"), "package", "--stage", stage,
                                 str(outdir)], cwd=project, env=env, capture_output=True, text=True)
    output = result.stdout + result.stderr
    if result.returncode != 0:
        raise PackagingError(f"chalice package --stage {stage} failed ({result.returncode}):\n{output}")
    warning = missing_wheel_warning(output)
    if warning:
        raise PackagingError(f"chalice package --stage {stage} left out a dependency:\n{warning}")
    return output


def harden_template(template: dict, queue_arn: str) -> int:
    """Set the failure handling on every stream source of the template; returns how many were changed."""
    changed = 0
    for resource in template.get("Resources", {}).values():
        props = resource.get("Properties", {})
        if resource.get("Type") == "AWS::Serverless::Function":
            for event in (props.get("Events") or {}).values():
                if event.get("Type") == "DynamoDB":
                    event.setdefault("Properties", {}).update(mapping_settings(queue_arn))
                    changed += 1
        elif resource.get("Type") == "AWS::Lambda::EventSourceMapping" and ":dynamodb:" in json.dumps(
                props.get("EventSourceArn", "")):
            props.update(mapping_settings(queue_arn))
            changed += 1
    return changed


def trace_rest_api(template: dict) -> None:
    [api] = [r for r in template["Resources"].values() if r["Type"] == "AWS::Serverless::Api"]
    api["Properties"]["TracingEnabled"] = True


def package(stage: str, outdir: Path) -> dict:
    """Package the stage into outdir and return the hardened template (also written back)."""
    config = stage_config.read_json(stage_config.CONFIG_PATH)
    variables = stage_config.stage_variables(config, stage)
    stages = stage_config.read_json(stage_config.STAGES_PATH)
    region, ops = stages[stage]["region"], operations.stage_operations(stages, stage)
    run_chalice_package(stage, outdir, region)
    sam_path = outdir / "sam.json"
    template = json.loads(sam_path.read_text(encoding="utf-8"))
    harden_template(template, variables.get(stage_config.FAILURE_QUEUE_VARIABLE, ""))
    api_gateway.shape_definition(api_gateway.rest_api_definition(template), api_gateway.stage_origins(variables))
    operations.add_operations(template, stage, variables, config["stages"][stage].get("api_gateway_stage", "api"), ops)
    if config["stages"][stage].get("xray"):
        trace_rest_api(template)
    sam_path.write_text(json.dumps(template, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return template


def package_certificates(stage: str, outdir: Path) -> dict:
    """Package the certificate function (certificates/, its own Chalice app) for the stage into outdir."""
    project = stage_config.CERTIFICATE_CONFIG_PATH.parent.parent
    if not (project / CERTIFICATE_FONT).is_file():   # git-ignored: a fresh clone has not fetched it yet
        raise PackagingError(f"{CERTIFICATE_FONT} is missing: run scripts/ensure_certificate_tools.sh")
    region = stage_config.read_json(stage_config.STAGES_PATH)[stage]["region"]
    run_chalice_package(stage, outdir, region, project=project)
    return json.loads((outdir / "sam.json").read_text(encoding="utf-8"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("stage")
    parser.add_argument("outdir", type=Path)
    parser.add_argument("--certificates", action="store_true",
                        help="package the certificate function (certificates/) instead of the API")
    args = parser.parse_args(argv)
    if args.certificates:
        try:
            package_certificates(args.stage, args.outdir.resolve())
        except PackagingError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 1
        print(f"packaged the certificate function of {args.stage} into {args.outdir}")
        return 0
    try:
        template = package(args.stage, args.outdir.resolve())
    except PackagingError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    streams = sum(1 for r in template["Resources"].values()
                  for e in (r.get("Properties", {}).get("Events") or {}).values() if e.get("Type") == "DynamoDB")
    print(f"packaged {args.stage} into {args.outdir} ({streams} hardened stream sources)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""Deploy a stage's data stack (infra/tables.yaml) and wire its outputs into .chalice/ (never shipped).

    .venv/bin/python scripts/deploy_infra.py --stage prod-cn-north-1 --region cn-north-1 [--alarm-email A]
    .venv/bin/python scripts/deploy_infra.py --stage STAGE --region REGION --outputs-file outputs.json [--dry-run]

Creates or updates the CloudFormation stack `yce-api-<stage>-data` (termination protection on at
creation) and waits for it, then writes into that stage of .chalice/config.json: TABLE_PREFIX, every
`<LOGICAL>_STREAM_ARN`, STREAM_FAILURE_QUEUE_ARN, UPLOADS_BUCKET and the SSM parameter names; records the
region and account in infra/stages.json and rewrites .chalice/policy-<stage>-<function>.json with them. Everything
else in the files is kept. Before it, for a stage sending SMS with SNS, the stack `yce-api-<stage>-sms`
(the SNS spend alarm) in the region SNS sends from: SMS_SNS_REGION, else the stage's. After it,
scripts/package.py packages the functions with the new values (docs/deploy.md).

--outputs-file takes the stack outputs from a file instead of AWS (the `Stacks[0].Outputs` list of
`aws cloudformation describe-stacks`, the whole answer, or a {key: value} object); --dry-run prints
what would be sent or written and changes nothing.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import infra_model
import infra_template
import stage_config
import yaml
from infra_model import (
    FAILURE_QUEUE_OUTPUT,
    PARAMETER_OUTPUTS,
    STACK_FACT_OUTPUTS,
    UPLOADS_BUCKET_OUTPUT,
    UPLOADS_BUCKET_VARIABLE,
)

TEMPLATE_BODY_LIMIT = 51_200   # CloudFormation's inline TemplateBody maximum (bytes); beyond it, S3
NO_UPDATES = "No updates are to be performed"


def stack_name(stage: str) -> str:
    return f"{infra_model.APP_NAME}-{stage}-data"


def load_template(path: Path = infra_template.TEMPLATE_PATH) -> dict:
    """A committed template (the data stack's unless told)."""
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def template_body(template: dict | None = None) -> str:
    # Compact JSON (of the committed data template unless told): the same document, half the bytes of the YAML.
    template = load_template() if template is None else template
    body = json.dumps(template, separators=(",", ":"), ensure_ascii=False)
    if len(body.encode()) > TEMPLATE_BODY_LIMIT:
        raise SystemExit(f"error: template is {len(body.encode())} bytes, over CloudFormation's inline "
                         f"limit of {TEMPLATE_BODY_LIMIT}: upload it to S3 and use TemplateURL")
    return body


def default_parameter_name(stage: str, variable: str) -> str:
    return f"/yce/{stage}/" + variable.removesuffix("_PARAM").lower().replace("_", "-")


def stack_parameters(stage: str, variables: dict[str, str], alarm_email: str | None) -> list[dict]:
    values = {"TablePrefix": variables["TABLE_PREFIX"]}
    for variable, output in PARAMETER_OUTPUTS.items():
        values[output] = variables.get(variable) or default_parameter_name(stage, variable)
    if alarm_email is not None:
        values["AlarmEmail"] = alarm_email
    return _parameter_list(values)


def _parameter_list(values: dict[str, str]) -> list[dict]:
    return [{"ParameterKey": key, "ParameterValue": value} for key, value in values.items()]


def sms_spend_stack(stage: str, region: str, variables: dict[str, str]) -> tuple[str, str] | None:
    """(name, region) of the stage's SNS SMS spend alarm stack: where SNS sends its SMS; None without SNS."""
    if variables.get("SMS_SENDER") != "sns":
        return None
    return f"{infra_model.APP_NAME}-{stage}-sms", variables.get("SMS_SNS_REGION") or region


def sms_spend_parameters(alarm_email: str | None, sms_spend_alarm_usd: int | None) -> list[dict]:
    values = {"AlarmEmail": alarm_email, "SmsMonthlySpendAlarmUsd": sms_spend_alarm_usd}
    return _parameter_list({key: str(value) for key, value in values.items() if value is not None})


def with_previous_values(parameters: list[dict], template: dict | None = None) -> list[dict]:
    """On update, a template parameter not given this time keeps its value (not the template default)."""
    given = {p["ParameterKey"] for p in parameters}
    template = load_template() if template is None else template
    return parameters + [{"ParameterKey": key, "UsePreviousValue": True}
                         for key in template["Parameters"] if key not in given]


def required_outputs() -> list[str]:
    names = [spec.name_output for spec in infra_model.tables()]
    names += [spec.stream_output for spec in infra_model.stream_tables()]
    return names + [FAILURE_QUEUE_OUTPUT, UPLOADS_BUCKET_OUTPUT, *PARAMETER_OUTPUTS.values(), *STACK_FACT_OUTPUTS]


def parse_outputs(data: object) -> dict[str, str]:
    """Outputs as {key: value}, from any of the shapes --outputs-file accepts."""
    if isinstance(data, dict) and "Stacks" in data:
        data = data["Stacks"][0].get("Outputs", [])
    if isinstance(data, list):
        return {item["OutputKey"]: item["OutputValue"] for item in data}
    if isinstance(data, dict):
        return {str(key): str(value) for key, value in data.items()}
    raise SystemExit("error: outputs must be a list of {OutputKey, OutputValue} or an object")


def check_outputs(outputs: dict[str, str], region: str, variables: dict[str, str]) -> None:
    missing = [name for name in required_outputs() if name not in outputs]
    if missing:
        raise SystemExit(f"error: the stack has no output {', '.join(missing)}: is infra/tables.yaml deployed?")
    if outputs["Region"] != region:
        raise SystemExit(f"error: the stack is in {outputs['Region']}, not {region}")
    if outputs["Partition"] != infra_model.partition_for(region):
        raise SystemExit(f"error: partition {outputs['Partition']} does not match region {region}")
    if outputs["TablePrefix"] != variables["TABLE_PREFIX"]:
        raise SystemExit(f"error: the stack's TablePrefix {outputs['TablePrefix']!r} is not the stage's "
                         f"TABLE_PREFIX {variables['TABLE_PREFIX']!r}")


def apply_outputs(config: dict, stage: str, outputs: dict[str, str]) -> dict:
    """A copy of the config with the stage's variables taken from the stack outputs."""
    config = json.loads(json.dumps(config))
    variables = config["stages"][stage].setdefault("environment_variables", {})
    variables["TABLE_PREFIX"] = outputs["TablePrefix"]
    for spec in infra_model.stream_tables():
        variables[spec.stream_env_var] = outputs[spec.stream_output]
    variables[stage_config.FAILURE_QUEUE_VARIABLE] = outputs[FAILURE_QUEUE_OUTPUT]
    variables[UPLOADS_BUCKET_VARIABLE] = outputs[UPLOADS_BUCKET_OUTPUT]
    for variable, output in PARAMETER_OUTPUTS.items():
        variables[variable] = outputs[output]   # every deployed stage reads its keys from SSM (dev included)
    return config


def record_stage(stages: dict, stage: str, outputs: dict[str, str]) -> dict:
    # The stage's other settings (its CORS origins) stay as they are.
    return {**stages, stage: {**stages.get(stage, {}), "region": outputs["Region"], "account_id": outputs["AccountId"]}}


def check_region(stages: dict, stage: str, region: str) -> None:
    known = stages.get(stage, {}).get("region")
    if known and known != region:
        raise SystemExit(f"error: stage {stage!r} lives in {known} (infra/stages.json); a stage is one region")


def deploy_stack(region: str, name: str, parameters: list[dict], dry_run: bool,
                 template: dict | None = None, capabilities: tuple[str, ...] = ()) -> dict[str, str] | None:
    """Create or update the stack (the data stack unless another template is given); its outputs."""
    body = template_body(template)
    acknowledged = {"Capabilities": list(capabilities)} if capabilities else {}   # e.g. a stack that makes a role
    if dry_run:
        print(f"would create or update stack {name} in {region} ({len(body)} bytes) with "
              + json.dumps({p["ParameterKey"]: p["ParameterValue"] for p in parameters}, ensure_ascii=False))
        return None
    import boto3
    from botocore.exceptions import ClientError

    cloudformation = boto3.client("cloudformation", region_name=region)
    try:
        cloudformation.describe_stacks(StackName=name)
        exists = True
    except ClientError as exc:
        if "does not exist" not in str(exc):
            raise
        exists = False
    if exists:
        try:
            cloudformation.update_stack(StackName=name, TemplateBody=body,
                                        Parameters=with_previous_values(parameters, template), **acknowledged)
            print(f"updating {name}…", flush=True)
            cloudformation.get_waiter("stack_update_complete").wait(StackName=name)
        except ClientError as exc:
            if NO_UPDATES not in str(exc):
                raise
            print(f"{name}: no changes")
    else:
        cloudformation.create_stack(StackName=name, TemplateBody=body, Parameters=parameters,
                                    EnableTerminationProtection=True, OnFailure="ROLLBACK", **acknowledged)
        print(f"creating {name}…", flush=True)
        cloudformation.get_waiter("stack_create_complete").wait(StackName=name)
    return parse_outputs(cloudformation.describe_stacks(StackName=name))


def wire_stage(stage: str, region: str, outputs: dict[str, str], dry_run: bool) -> list[Path]:
    """Write the outputs into .chalice/config.json, infra/stages.json, the policies and their sizes."""
    config = stage_config.read_json(stage_config.CONFIG_PATH)
    check_outputs(outputs, region, stage_config.stage_variables(config, stage))
    stages = record_stage(stage_config.read_json(stage_config.STAGES_PATH), stage, outputs)
    wanted = {**stage_config.generated(apply_outputs(config, stage, outputs), stages),
              stage_config.STAGES_PATH: stage_config.dump_json(stages)}
    changed = [path for path, text in wanted.items() if not path.exists() or path.read_text(encoding="utf-8") != text]
    for path in changed:
        print(f"{'would write' if dry_run else 'wrote'} {path.relative_to(stage_config.ROOT)}")
        if not dry_run:
            path.write_text(wanted[path], encoding="utf-8")
    return changed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stage", required=True)
    parser.add_argument("--region", required=True)
    parser.add_argument("--outputs-file", type=Path, help="take the stack outputs from this file, not AWS")
    parser.add_argument("--dry-run", action="store_true", help="print what would happen, change nothing")
    parser.add_argument("--alarm-email", help="subscribe this address to the alarm topic")
    parser.add_argument("--sms-spend-alarm-usd", type=int,
                        help="SNS SMS month-to-date spend alarm threshold (stages with SMS_SENDER=sns)")
    args = parser.parse_args(argv)

    config = stage_config.read_json(stage_config.CONFIG_PATH)
    variables = stage_config.stage_variables(config, args.stage)
    check_region(stage_config.read_json(stage_config.STAGES_PATH), args.stage, args.region)
    if args.outputs_file:
        outputs = parse_outputs(json.loads(args.outputs_file.read_text(encoding="utf-8")))
    else:
        sms_stack = sms_spend_stack(args.stage, args.region, variables)
        if sms_stack:
            deploy_stack(sms_stack[1], sms_stack[0], sms_spend_parameters(args.alarm_email, args.sms_spend_alarm_usd),
                         args.dry_run, infra_template.sms_spend_template())
        parameters = stack_parameters(args.stage, variables, args.alarm_email)
        outputs = deploy_stack(args.region, stack_name(args.stage), parameters, args.dry_run)
        if outputs is None:
            return 0
    wire_stage(args.stage, args.region, outputs, args.dry_run)
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""Stage wiring in .chalice/: stream variables and the least-privilege policy of each stage (never shipped).

    .venv/bin/python scripts/stage_config.py [--check]

For every stage in .chalice/config.json it
- adds a placeholder `<LOGICAL>_STREAM_ARN` for every table with a stream that the stage lacks (Chalice
  registers a stream handler only when its ARN is set, and `chalice package` must produce the mapping;
  `scripts/deploy_infra.py` replaces the placeholders with the stack's outputs);
- adds the stage's image bucket name `UPLOADS_BUCKET` when it lacks one (a placeholder account until
  `scripts/deploy_infra.py` writes the stack's output);
- sets `CORS_ALLOWED_ORIGINS` from the stage's `cors_allowed_origins` in infra/stages.json (the pages on
  other origins that may call the API from a browser; none in production, where the H5 is same-origin);
- writes `.chalice/policy-<stage>.json` from ALL_MODELS, the stage's TABLE_PREFIX and parameter names,
  and its region and account in infra/stages.json (a stage is one region; the account is `*` until
  `deploy_infra.py` records it). Chalice policy files are plain JSON, so the partition, region and
  account are written in: `arn:aws-cn:` for cn-* regions, `arn:aws:` elsewhere.
`--check` changes nothing and exits 1 when a file is not what it would write (a test runs it).
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

import devenv
import generated_files
import infra_model
from infra_model import APP_NAME, TableSpec

ROOT = Path(__file__).resolve().parent.parent
CONFIG_PATH = ROOT / ".chalice" / "config.json"
STAGES_PATH = ROOT / "infra" / "stages.json"
PLACEHOLDER_ACCOUNT = "000000000000"
PLACEHOLDER_STREAM_LABEL = "SET-FROM-INFRA-OUTPUT"
SECRET_PARAMETERS = ("TOKEN_SIGNING_KEY_PARAM", "SMS_CODE_KEY_PARAM", "CERTIFICATE_ID_KEY_PARAM")
FAILURE_QUEUE_VARIABLE = "STREAM_FAILURE_QUEUE_ARN"
CORS_VARIABLE = "CORS_ALLOWED_ORIGINS"

TABLE_ACTIONS = sorted([
    "dynamodb:DescribeTable",   # PynamoDB describes a table before its first request
    "dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:Query",
    "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:BatchWriteItem",
    "dynamodb:ConditionCheckItem",   # with Put/Update/Delete, what TransactWriteItems needs per item
])  # no Scan: request paths never scan (docs/decisions.md); no table management
INDEX_ACTIONS = ["dynamodb:Query"]
STREAM_ACTIONS = ["dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator",
                  "dynamodb:ListStreams"]
IMAGE_ACTIONS = ["s3:GetObject", "s3:PutObject"]
LOG_ACTIONS = ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"]
# Append-only tables: the application only ever puts new items there (conditioned on attribute_not_exists);
# an explicit Deny keeps a bug or a stolen role from rewriting or erasing them (it also covers the items of
# a TransactWriteItems, which IAM authorizes per item action).
APPEND_ONLY_TABLES = ("audit_log",)
APPEND_ONLY_DENIED_ACTIONS = ["dynamodb:BatchWriteItem", "dynamodb:DeleteItem", "dynamodb:UpdateItem"]


def read_json(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def dump_json(data: dict) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def stage_variables(config: dict, stage: str) -> dict[str, str]:
    if stage not in config.get("stages", {}):
        raise SystemExit(f"error: stage {stage!r} is not defined in .chalice/config.json")
    return {**config.get("environment_variables", {}), **config["stages"][stage].get("environment_variables", {})}


class StageArns:
    """ARNs of one stage's resources: one partition, region, account and table prefix."""

    def __init__(self, region: str, account: str, table_prefix: str) -> None:
        self.partition = infra_model.partition_for(region)
        self.region, self.account, self.prefix = region, account, table_prefix

    def arn(self, service: str, resource: str) -> str:
        return f"arn:{self.partition}:{service}:{self.region}:{self.account}:{resource}"

    def table(self, spec: TableSpec) -> str:
        return self.arn("dynamodb", f"table/{self.prefix}{spec.logical}")

    def index(self, spec: TableSpec, index_name: str) -> str:
        return f"{self.table(spec)}/index/{index_name}"

    def streams(self, spec: TableSpec) -> str:
        return f"{self.table(spec)}/stream/*"   # the label changes if the stream is ever re-enabled

    def parameter(self, name: str) -> str:
        return self.arn("ssm", "parameter/" + name.lstrip("/"))

    def uploads_bucket(self) -> str:
        return infra_model.uploads_bucket_name(self.prefix, self.account, self.region)

    def objects(self, bucket: str, area: str) -> str:
        return f"arn:{self.partition}:s3:::{bucket}/{area}/*"   # S3 ARNs name no region or account

    def failure_queue(self) -> str:
        return self.arn("sqs", f"{self.prefix}stream-failures")

    def log_groups(self, stage: str) -> list[str]:
        # The API handler logs to /aws/lambda/yce-api-<stage>, every other function to yce-api-<stage>-<name>.
        groups = [f"/aws/lambda/{APP_NAME}-{stage}", f"/aws/lambda/{APP_NAME}-{stage}-*"]
        return [self.arn("logs", f"log-group:{group}{suffix}") for group in groups for suffix in ("", ":*")]


def policy_document(stage: str, region: str, account: str, variables: dict[str, str]) -> dict:
    arns = StageArns(region, account, variables["TABLE_PREFIX"])
    specs = infra_model.tables()
    statements = [
        {"Sid": "Tables", "Effect": "Allow", "Action": TABLE_ACTIONS,
         "Resource": [arns.table(spec) for spec in specs]},
        {"Sid": "Indexes", "Effect": "Allow", "Action": INDEX_ACTIONS,
         "Resource": [arns.index(spec, name) for spec in specs for name in spec.index_names]},
        {"Sid": "AppendOnly", "Effect": "Deny", "Action": APPEND_ONLY_DENIED_ACTIONS,
         "Resource": [arns.table(spec) for spec in specs if spec.logical in APPEND_ONLY_TABLES]},
    ]
    streams = infra_model.stream_tables()
    if streams:
        statements += [
            {"Sid": "Streams", "Effect": "Allow", "Action": STREAM_ACTIONS,
             "Resource": [arns.streams(spec) for spec in streams]},
            # Lambda sends the metadata of a batch that exhausted its retries with the function's role.
            {"Sid": "StreamFailures", "Effect": "Allow", "Action": ["sqs:SendMessage"],
             "Resource": [arns.failure_queue()]},
        ]
    # Images (services/uploads.py): PutObject signs the browsers' POST forms and writes a claim's copy,
    # GetObject answers HeadObject, reads a claim's source and signs the GETs. Nothing else, nowhere else.
    from chalicelib.services.uploads import IMAGE_AREA, UPLOAD_AREA
    bucket = variables[infra_model.UPLOADS_BUCKET_VARIABLE]
    statements.append({"Sid": "Images", "Effect": "Allow", "Action": IMAGE_ACTIONS,
                       "Resource": [arns.objects(bucket, area) for area in (UPLOAD_AREA, IMAGE_AREA)]})
    parameters = [variables[name] for name in SECRET_PARAMETERS if variables.get(name)]
    if parameters:
        statements += [
            {"Sid": "Secrets", "Effect": "Allow", "Action": ["ssm:GetParameter"],
             "Resource": [arns.parameter(name) for name in parameters]},
            # Needed when the SecureStrings use a customer managed key; only through SSM in this region.
            {"Sid": "SecretsDecrypt", "Effect": "Allow", "Action": ["kms:Decrypt"],
             "Resource": [arns.arn("kms", "key/*")],
             "Condition": {"StringEquals": {
                 "kms:ViaService": f"ssm.{region}.{infra_model.dns_suffix_for(region)}"}}},
        ]
    if variables.get("SMS_SENDER") == "sns":
        # An SMS to a phone number has no resource ARN: IAM evaluates it against "*".
        statements.append({"Sid": "Sms", "Effect": "Allow", "Action": ["sns:Publish"], "Resource": "*"})
    statements.append({"Sid": "Logs", "Effect": "Allow", "Action": LOG_ACTIONS, "Resource": arns.log_groups(stage)})
    return {"Version": "2012-10-17", "Statement": statements}


def placeholder_stream_arn(region: str, table_prefix: str, spec: TableSpec) -> str:
    arns = StageArns(region, PLACEHOLDER_ACCOUNT, table_prefix)
    return f"{arns.table(spec)}/stream/{PLACEHOLDER_STREAM_LABEL}"


def policy_path(stage: str) -> Path:
    return CONFIG_PATH.parent / f"policy-{stage}.json"


def synced(config: dict, stages: dict) -> tuple[dict, dict[Path, str]]:
    """The config with every stage wired, and the policy file text of every stage."""
    devenv.use_repo_imports()
    from chalicelib.config import parse_origins

    config = json.loads(json.dumps(config))
    policies = {}
    for stage, stage_config in config["stages"].items():
        if stage not in stages:
            raise SystemExit(f"error: stage {stage!r} has no region in infra/stages.json")
        region, account = stages[stage]["region"], stages[stage]["account_id"]
        variables = stage_config.setdefault("environment_variables", {})
        prefix = stage_variables(config, stage)["TABLE_PREFIX"]
        for spec in infra_model.stream_tables():
            variables.setdefault(spec.stream_env_var, placeholder_stream_arn(region, prefix, spec))
        if infra_model.stream_tables():
            # Read by the tools that harden the stream mappings (harden_stream_sources.py, package.py).
            variables.setdefault(FAILURE_QUEUE_VARIABLE,
                                 StageArns(region, PLACEHOLDER_ACCOUNT, prefix).failure_queue())
        # The name the stack will give the bucket; deploy_infra.py writes the stack's output over it.
        variables.setdefault(infra_model.UPLOADS_BUCKET_VARIABLE,
                             StageArns(region, PLACEHOLDER_ACCOUNT, prefix).uploads_bucket())
        variables[CORS_VARIABLE] = ",".join(parse_origins(",".join(stages[stage].get("cors_allowed_origins", []))))
        stage_config["autogen_policy"] = False
        stage_config["iam_policy_file"] = policy_path(stage).name
        policies[policy_path(stage)] = dump_json(policy_document(stage, region, account,
                                                                 stage_variables(config, stage)))
    return config, policies


def main(argv: list[str] | None = None) -> int:
    def wanted() -> dict[Path, str]:
        config, policies = synced(read_json(CONFIG_PATH), read_json(STAGES_PATH))
        return {CONFIG_PATH: dump_json(config), **policies}

    return generated_files.run(__doc__.splitlines()[0], "stage_config.py", wanted, argv)


if __name__ == "__main__":
    sys.exit(main())

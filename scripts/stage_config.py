#!/usr/bin/env python3
"""Stage wiring in .chalice/: stream variables and the least-privilege policy of each function (never shipped).

    .venv/bin/python scripts/stage_config.py [--check]

For every stage in .chalice/config.json it
- adds a placeholder `<LOGICAL>_STREAM_ARN` for every table with a stream that the stage lacks (Chalice
  registers a stream handler only when its ARN is set, and `chalice package` must produce the mapping;
  `scripts/deploy_infra.py` replaces the placeholders with the stack's outputs);
- adds the stage's image bucket name `UPLOADS_BUCKET` when it lacks one (a placeholder account until
  `scripts/deploy_infra.py` writes the stack's output);
- sets `CORS_ALLOWED_ORIGINS` from the stage's `cors_allowed_origins` in infra/stages.json (the pages on
  other origins that may call the API from a browser; none in production, where the H5 is same-origin);
- writes `.chalice/policy-<stage>-<function>.json` for every Lambda function of the app (Chalice's
  per-function `iam_policy_file`, each function its own role) from what scripts/function_access.py
  declares it uses, the stage's TABLE_PREFIX and parameter names, and its region and account in
  infra/stages.json (a stage is one region; the account is `*` until `deploy_infra.py` records it).
  Chalice policy files are plain JSON, so the partition, region and account are written in:
  `arn:aws-cn:` for cn-* regions, `arn:aws:` elsewhere;
- sets `CERTIFICATE_RENDERER=lambda` and `CERTIFICATE_RENDERER_FUNCTION` (the stage's `render` function of
  the certificates/ app) and `PUBLIC_H5_ORIGIN` from the stage's `public_h5_origin` when it has one;
- sets the stage's SMS variables from its `sms` in infra/stages.json (provider, signature, SNS region or
  Tencent's template ids, SDK app id and key parameters; see SMS_KEYS), the one place they are written;
- sets Powertools' `POWERTOOLS_SERVICE_NAME` (`yce-api-<stage>`: the `service` of every log line and
  metric) and `POWERTOOLS_METRICS_NAMESPACE` (`YCE`), adds `POWERTOOLS_LOG_LEVEL` (`INFO`) when the stage
  lacks one, and turns on X-Ray active tracing (`xray`) for the stage's functions and API;
- writes certificates/.chalice/config.json and its policies: the certificate function in the same stages, its
  role allowed its own logs only;
- writes the policies' sizes into docs/deploy.md (its "function-policies" section).
`--check` changes nothing and exits 1 when a file is not what it would write (a test runs it).
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

import devenv
import generated_files
import infra_model
from function_access import APPEND_ACTIONS, FUNCTIONS, READ_ACTIONS, WRITE_ACTIONS, Needs
from infra_model import APP_NAME, TableSpec

ROOT = Path(__file__).resolve().parent.parent
CONFIG_PATH = ROOT / ".chalice" / "config.json"
STAGES_PATH = ROOT / "infra" / "stages.json"
CERTIFICATE_CONFIG_PATH = ROOT / "certificates" / ".chalice" / "config.json"
DEPLOY_DOC = ROOT / "docs" / "deploy.md"
PLACEHOLDER_ACCOUNT = "000000000000"
PLACEHOLDER_STREAM_LABEL = "SET-FROM-INFRA-OUTPUT"
# The SSM parameters a function sending texts through Tencent Cloud reads (the provider needs no AWS action).
TENCENT_KEY_VARIABLES = ("TENCENT_SMS_SECRET_ID_PARAM", "TENCENT_SMS_SECRET_KEY_PARAM")
# The stage variable each key of a stage's `sms` in infra/stages.json becomes (`templates`: a JSON object).
SMS_KEYS = {"provider": "SMS_SENDER", "signature": "SMS_SIGNATURE", "sns_region": "SMS_SNS_REGION",
            "templates": "SMS_TEMPLATE_IDS", "tencent_sdk_app_id": "TENCENT_SMS_SDK_APP_ID",
            "tencent_secret_id_param": "TENCENT_SMS_SECRET_ID_PARAM",
            "tencent_secret_key_param": "TENCENT_SMS_SECRET_KEY_PARAM"}
FAILURE_QUEUE_VARIABLE = "STREAM_FAILURE_QUEUE_ARN"
CORS_VARIABLE = "CORS_ALLOWED_ORIGINS"
METRICS_NAMESPACE = "YCE"   # the metrics contract's (chalicelib/observability.py); the alarms read it
DEFAULT_LOG_LEVEL = "INFO"

STREAM_ACTIONS = ["dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator",
                  "dynamodb:ListStreams"]
LOG_ACTIONS = ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"]
TRACE_ACTIONS = ["xray:PutTelemetryRecords", "xray:PutTraceSegments"]   # no resource-level permissions
# Append-only tables: the application only ever puts new items there (conditioned on attribute_not_exists);
# an explicit Deny keeps a bug or a stolen role from rewriting or erasing them (it also covers the items of
# a TransactWriteItems, which IAM authorizes per item action).
APPEND_ONLY_TABLES = ("audit_log",)
APPEND_ONLY_DENIED_ACTIONS = ["dynamodb:BatchWriteItem", "dynamodb:DeleteItem", "dynamodb:UpdateItem"]
CERTIFICATE_APP_NAME, CERTIFICATE_FUNCTION = "yce-certificates", "render"   # certificates/app.py
API_FUNCTION = "api_handler"   # Chalice's name for the function serving every route


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

    def table(self, logical: str) -> str:
        return self.arn("dynamodb", f"table/{self.prefix}{logical}")

    def index(self, table_and_index: str) -> str:
        table, index = table_and_index.split("/")
        return f"{self.table(table)}/index/{index}"

    def streams(self, logical: str) -> str:
        return f"{self.table(logical)}/stream/*"   # the label changes if the stream is ever re-enabled

    def parameter(self, name: str) -> str:
        return self.arn("ssm", "parameter/" + name.lstrip("/"))

    def uploads_bucket(self) -> str:
        return infra_model.uploads_bucket_name(self.prefix, self.account, self.region)

    def objects(self, bucket: str, area: str) -> str:
        return f"arn:{self.partition}:s3:::{bucket}/{area}/*"   # S3 ARNs name no region or account

    def failure_queue(self) -> str:
        return self.arn("sqs", f"{self.prefix}stream-failures")

    def log_group(self, stage: str, function: str) -> str:
        return self.arn("logs", f"log-group:{log_group_name(stage, function)}")


def certificate_function_name(stage: str) -> str:
    """Chalice's name for the certificates/ app's `render` function in a stage."""
    return f"{CERTIFICATE_APP_NAME}-{stage}-{CERTIFICATE_FUNCTION}"


def log_group_name(stage: str, function: str) -> str:
    # Chalice names the API handler yce-api-<stage>, every other function yce-api-<stage>-<name>.
    name = f"{APP_NAME}-{stage}" if function == API_FUNCTION else f"{APP_NAME}-{stage}-{function}"
    return f"/aws/lambda/{name}"


def app_functions() -> dict[str, str | None]:
    """Every Lambda function of the app: its name → the logical table whose stream triggers it (or None)."""
    devenv.use_repo_imports()
    from chalicelib.events.consumers import SCHEDULED_JOBS, STREAM_CONSUMERS

    return {API_FUNCTION: None, **{c.function_name: c.logical_table for c in STREAM_CONSUMERS},
            **{job.function_name: None for job in SCHEDULED_JOBS}}


def checked_needs() -> dict[str, Needs]:
    """function_access.FUNCTIONS, refused when it names a function, table or index the app does not have."""
    functions, specs = app_functions(), {spec.logical: spec for spec in infra_model.tables()}
    indexes = {f"{spec.logical}/{index}" for spec in specs.values() for index in spec.index_names}
    if set(FUNCTIONS) != set(functions):
        raise SystemExit(f"error: scripts/function_access.py declares {sorted(FUNCTIONS)}, the app has "
                         f"{sorted(functions)}")
    for function, needs in FUNCTIONS.items():
        unknown = [t for t in (*needs.reads, *needs.writes, *needs.appends) if t not in specs]
        unknown += [i for i in needs.indexes if i not in indexes]
        rewritten = [t for t in needs.writes if t in APPEND_ONLY_TABLES]
        if unknown or rewritten:
            raise SystemExit(f"error: {function}: unknown tables/indexes {unknown}, append-only tables written "
                             f"{rewritten} (scripts/function_access.py)")
    return FUNCTIONS


def policy_document(stage: str, function: str, region: str, account: str, variables: dict[str, str]) -> dict:
    """The policy of one function in one stage: what scripts/function_access.py declares for it, the stream
    it consumes, its log group and X-Ray."""
    arns = StageArns(region, account, variables["TABLE_PREFIX"])
    needs, stream = checked_needs()[function], app_functions()[function]

    def allow(sid: str, actions: list[str], resources: list[str] | str) -> dict:
        return {"Sid": sid, "Effect": "Allow", "Action": actions, "Resource": resources}

    statements = []
    for sid, actions, tables in (("Reads", READ_ACTIONS, needs.reads), ("Writes", WRITE_ACTIONS, needs.writes),
                                 ("Appends", APPEND_ACTIONS, needs.appends)):
        if tables:
            statements.append(allow(sid, actions, [arns.table(t) for t in sorted(tables)]))
    if needs.indexes:
        statements.append(allow("Indexes", ["dynamodb:Query"], [arns.index(i) for i in sorted(needs.indexes)]))
    append_only = sorted(set(APPEND_ONLY_TABLES) & {*needs.reads, *needs.appends})
    if append_only:
        statements.append({"Sid": "AppendOnly", "Effect": "Deny", "Action": APPEND_ONLY_DENIED_ACTIONS,
                           "Resource": [arns.table(t) for t in append_only]})
    if stream:
        statements += [
            allow("Stream", STREAM_ACTIONS, [arns.streams(stream)]),
            # Lambda sends the metadata of a batch that exhausted its retries with the function's role.
            allow("StreamFailures", ["sqs:SendMessage"], [arns.failure_queue()]),
        ]
    areas: dict[tuple[str, ...], list[str]] = {}
    for area, actions in sorted(needs.objects.items()):
        areas.setdefault(tuple(sorted(actions)), []).append(area)
    bucket = variables[infra_model.UPLOADS_BUCKET_VARIABLE]
    for number, (actions, grouped) in enumerate(sorted(areas.items())):
        statements.append(allow(f"Objects{number or ''}", list(actions), [arns.objects(bucket, a) for a in grouped]))
    parameters = [variables[name.upper()] for name in needs.parameters if variables.get(name.upper())]
    if needs.sms and variables.get("SMS_SENDER") == "tencent":   # its SecretId and SecretKey, read at the first send
        parameters += [variables[name] for name in TENCENT_KEY_VARIABLES if variables.get(name)]
    if parameters:
        statements += [
            allow("Secrets", ["ssm:GetParameter"], [arns.parameter(name) for name in parameters]),
            # Needed when the SecureStrings use a customer managed key; only through SSM in this region.
            {**allow("SecretsDecrypt", ["kms:Decrypt"], [arns.arn("kms", "key/*")]),
             "Condition": {"StringEquals": {"kms:ViaService": f"ssm.{region}.{infra_model.dns_suffix_for(region)}"}}},
        ]
    functions = [variables[name.upper()] for name in needs.functions if variables.get(name.upper())]
    if functions:
        statements.append(allow("Invoke", ["lambda:InvokeFunction"],
                                 [arns.arn("lambda", f"function:{name}") for name in functions]))
    if needs.sms and variables.get("SMS_SENDER") == "sns":
        # An SMS to a phone number has no resource ARN: IAM evaluates it against "*".
        statements.append(allow("Sms", ["sns:Publish"], "*"))
    group = arns.log_group(stage, function)
    statements.append(allow("Logs", LOG_ACTIONS, [group, f"{group}:*"]))
    statements.append(allow("Tracing", TRACE_ACTIONS, "*"))
    return {"Version": "2012-10-17", "Statement": statements}


def sms_variables(stage: str, sms: dict) -> dict[str, str]:
    unknown = set(sms) - set(SMS_KEYS)
    if unknown:
        raise SystemExit(f"error: stage {stage!r}: unknown sms keys {sorted(unknown)} in infra/stages.json")
    return {SMS_KEYS[key]: json.dumps(value, ensure_ascii=False, sort_keys=True) if key == "templates" else value
            for key, value in sms.items()}


def placeholder_stream_arn(region: str, table_prefix: str, spec: TableSpec) -> str:
    arns = StageArns(region, PLACEHOLDER_ACCOUNT, table_prefix)
    return f"{arns.table(spec.logical)}/stream/{PLACEHOLDER_STREAM_LABEL}"


def policy_path(stage: str, function: str) -> Path:
    return CONFIG_PATH.parent / f"policy-{stage}-{function}.json"


def policy_size(document: dict) -> int:
    """Characters IAM counts against a role's inline policy quota (10,240): the JSON without whitespace."""
    return len(json.dumps(document, separators=(",", ":"), ensure_ascii=False))


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
        # The certificate PDF: the stage's function of the certificates/ app (deployed first, docs/deploy.md),
        # its QR code to the stage's H5 (infra/stages.json `public_h5_origin`; without it the download is 503).
        variables["CERTIFICATE_RENDERER"] = "lambda"
        variables["CERTIFICATE_RENDERER_FUNCTION"] = certificate_function_name(stage)
        variables.pop("PUBLIC_H5_ORIGIN", None)
        if stages[stage].get("public_h5_origin"):
            variables["PUBLIC_H5_ORIGIN"] = parse_origins(stages[stage]["public_h5_origin"])[0]
        variables[CORS_VARIABLE] = ",".join(parse_origins(",".join(stages[stage].get("cors_allowed_origins", []))))
        for name in SMS_KEYS.values():   # a provider's variables go when the stage changes provider
            variables.pop(name, None)
        variables.update(sms_variables(stage, stages[stage].get("sms", {"provider": "console"})))
        # Re-added after the SMS variables, so the file's order is the same on every run.
        level = variables.pop("POWERTOOLS_LOG_LEVEL", DEFAULT_LOG_LEVEL)
        for name in ("POWERTOOLS_SERVICE_NAME", "POWERTOOLS_METRICS_NAMESPACE"):
            variables.pop(name, None)
        variables["POWERTOOLS_SERVICE_NAME"] = f"{APP_NAME}-{stage}"
        variables["POWERTOOLS_METRICS_NAMESPACE"] = METRICS_NAMESPACE
        variables["POWERTOOLS_LOG_LEVEL"] = level
        stage_config["xray"] = True   # X-Ray active tracing of the functions (and the API: scripts/package.py)
        stage_config["autogen_policy"] = False
        stage_config.pop("iam_policy_file", None)
        functions = stage_config.setdefault("lambda_functions", {})
        for function in app_functions():
            functions.setdefault(function, {})["iam_policy_file"] = policy_path(stage, function).name
            policies[policy_path(stage, function)] = dump_json(
                policy_document(stage, function, region, account, stage_variables(config, stage)))
    return config, policies


def sizes_table(policies: dict[Path, str], stages: list[str]) -> str:
    """docs/deploy.md's table: statements and IAM characters of every function's policy in every stage."""
    lines = ["| function | statements | " + " | ".join(f"characters in {stage}" for stage in stages) + " |",
             "|---|---|" + "---|" * len(stages)]
    for function in app_functions():
        documents = [json.loads(policies[policy_path(stage, function)]) for stage in stages]
        counts = sorted({len(document["Statement"]) for document in documents})
        lines.append(f"| {function} | {'–'.join(map(str, counts))} | "
                     + " | ".join(f"{policy_size(document):,}" for document in documents) + " |")
    return "\n".join(lines) + "\n"


def certificate_app(config: dict, stages: dict) -> dict[Path, str]:
    """certificates/.chalice/: the certificate function's stages (the API's), each with a role that may write
    its own log group and nothing else (it calls no AWS service: the API sends it everything it draws)."""
    files, stage_configs = {}, {}
    for stage in config["stages"]:
        region, account = stages[stage]["region"], stages[stage]["account_id"]
        group = StageArns(region, account, "").arn("logs", f"log-group:/aws/lambda/{certificate_function_name(stage)}")
        policy = CERTIFICATE_CONFIG_PATH.parent / f"policy-{stage}-{CERTIFICATE_FUNCTION}.json"
        files[policy] = dump_json({"Version": "2012-10-17", "Statement": [
            {"Sid": "Logs", "Effect": "Allow", "Action": LOG_ACTIONS, "Resource": [group, f"{group}:*"]}]})
        stage_configs[stage] = {"autogen_policy": False,
                                "lambda_functions": {CERTIFICATE_FUNCTION: {"iam_policy_file": policy.name}}}
    # 1 GB: reportlab draws on one CPU share; Lambda gives CPU in proportion to memory (docs/performance.md).
    files[CERTIFICATE_CONFIG_PATH] = dump_json({
        "version": "2.0", "app_name": CERTIFICATE_APP_NAME,
        "lambda_functions": {CERTIFICATE_FUNCTION: {"lambda_memory_size": 1024, "lambda_timeout": 15,
                                                    "reserved_concurrency": 20}},
        "stages": stage_configs})
    return files


def generated(config: dict, stages: dict) -> dict[Path, str]:
    """Every file this script writes: the wired config, the policies, the sizes in docs/deploy.md, the
    certificate function's config and policies."""
    config, policies = synced(config, stages)
    sizes = sizes_table(policies, list(config["stages"]))
    return {CONFIG_PATH: dump_json(config), **policies, **certificate_app(config, stages),
            DEPLOY_DOC: generated_files.with_section(DEPLOY_DOC, "function-policies", sizes)}


def main(argv: list[str] | None = None) -> int:
    def wanted() -> dict[Path, str]:
        return generated(read_json(CONFIG_PATH), read_json(STAGES_PATH))

    return generated_files.run(__doc__.splitlines()[0], "stage_config.py", wanted, argv)


if __name__ == "__main__":
    sys.exit(main())

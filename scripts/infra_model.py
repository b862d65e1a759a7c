"""The deployment's view of `chalicelib/data/tables.py:ALL_MODELS` (never shipped).

Every name that infra/, the stage config and the IAM policies share is derived here from the
models, so a new table or stream is picked up without edits: the CloudFormation logical id
(`RatingsTable`), its outputs (`RatingsTableName`, `RatingsStreamArn`) and the stage variable the
app reads the stream ARN from (`RATINGS_STREAM_ARN`).
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from functools import cache

import devenv

# Only so the models can be imported by a tool: table names are recomputed from the logical name.
_IMPORT_ENVIRONMENT = {"TABLE_PREFIX": "infra-model-", "AWS_DEFAULT_REGION": devenv.DEFAULT_REGION,
                       "TOKEN_SIGNING_KEY_PARAM": "unused", "SMS_CODE_KEY_PARAM": "unused"}

APP_NAME = "yce-api"
FAILURE_QUEUE_ID = "StreamFailureQueue"
FAILURE_QUEUE_OUTPUT = "StreamFailureQueueArn"
PARAMETER_OUTPUTS = {"TOKEN_SIGNING_KEY_PARAM": "TokenSigningKeyParameterName",
                     "SMS_CODE_KEY_PARAM": "SmsCodeKeyParameterName"}
STACK_FACT_OUTPUTS = ("TablePrefix", "Partition", "Region", "AccountId")
UPLOADS_BUCKET_ID = "UploadsBucket"
UPLOADS_BUCKET_OUTPUT = "UploadsBucketName"
UPLOADS_BUCKET_VARIABLE = "UPLOADS_BUCKET"


@dataclass(frozen=True)
class TableSpec:
    logical: str              # what the model passes to `table_name(...)`, e.g. "ratings"
    model: type

    @property
    def camel(self) -> str:
        return "".join(part.capitalize() for part in self.logical.replace("-", "_").split("_"))

    @property
    def resource_id(self) -> str:
        return f"{self.camel}Table"

    @property
    def name_output(self) -> str:
        return f"{self.camel}TableName"

    @property
    def stream_view_type(self) -> str | None:
        return getattr(self.model.Meta, "stream_view_type", None)

    @property
    def stream_output(self) -> str | None:
        return f"{self.camel}StreamArn" if self.stream_view_type else None

    @property
    def stream_env_var(self) -> str | None:
        """The stage variable holding the stream ARN (the lead's convention: `<LOGICAL>_STREAM_ARN`)."""
        return f"{self.logical.upper()}_STREAM_ARN" if self.stream_view_type else None

    @property
    def ttl_attribute(self) -> str | None:
        ttl = self.model._ttl_attribute()
        return ttl.attr_name if ttl else None

    @property
    def schema(self) -> dict:
        return self.model._get_schema()

    @property
    def index_names(self) -> list[str]:
        schema = self.schema
        return sorted(index["index_name"] for index in
                      schema["global_secondary_indexes"] + schema["local_secondary_indexes"])


def _import_models() -> tuple[tuple[type, ...], str]:
    added = {name: value for name, value in _IMPORT_ENVIRONMENT.items() if name not in os.environ}
    if "TOKEN_SIGNING_KEY" in os.environ or "SMS_CODE_KEY" in os.environ:
        added.pop("TOKEN_SIGNING_KEY_PARAM", None)
        added.pop("SMS_CODE_KEY_PARAM", None)
    os.environ.update(added)
    try:
        devenv.use_repo_imports()
        from chalicelib.config import get_settings
        from chalicelib.data.tables import ALL_MODELS

        return ALL_MODELS, get_settings().table_prefix
    finally:
        for name in added:  # a deploy tool's boto3 must not see the import-only region
            os.environ.pop(name, None)


@cache
def tables() -> tuple[TableSpec, ...]:
    models, prefix = _import_models()
    specs = []
    for model in models:
        name = model.Meta.table_name
        if not name.startswith(prefix):
            raise RuntimeError(f"{model.__name__}: table name {name!r} was not built with table_name()")
        specs.append(TableSpec(logical=name[len(prefix):], model=model))
    return tuple(specs)


def stream_tables() -> tuple[TableSpec, ...]:
    return tuple(spec for spec in tables() if spec.stream_view_type)


def app_variable_names() -> set[str]:
    """Every environment variable chalicelib.config reads."""
    _import_models()
    from chalicelib.config import Settings

    return {name.upper() for name in Settings.model_fields} | {"AWS_DEFAULT_REGION"}


def uploads_bucket_name(table_prefix: str, account: str, region: str) -> str:
    """The stage's image bucket: names are global, so the account and region are part of it (the two prod
    stages share a prefix); the template builds the same name with Fn::Sub."""
    return f"{table_prefix}uploads-{account}-{region}"


def alarm_topic_name(table_prefix: str) -> str:
    """The data stack's alarm topic, which the packaged template's alarms notify too."""
    return f"{table_prefix}alarms"


def partition_for(region: str) -> str:
    """AWS China regions (cn-north-1, cn-northwest-1) are the `aws-cn` partition."""
    return "aws-cn" if region.startswith("cn-") else "aws"


def dns_suffix_for(region: str) -> str:
    return "amazonaws.com.cn" if region.startswith("cn-") else "amazonaws.com"

"""Validated configuration from environment variables.

Every setting the functions read comes through `get_settings()`. It reads the
process environment only (never AWS), so importing it is cheap; secrets that
live in SSM Parameter Store are fetched lazily by `chalicelib.secrets`.
"""
from __future__ import annotations

import os
import re
from functools import lru_cache
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator


class ConfigError(RuntimeError):
    """The environment does not describe a runnable deployment."""


_STREAM_ARN = r"^arn:aws[a-z-]*:dynamodb:[^:]+:\d{12}:table/.+/stream/.+$"
# An origin as a browser sends it: scheme, host, optional port; nothing else. Plain http only for a page on
# this machine (the Vite dev server): anywhere else the bearer token would cross the network in the clear.
_ORIGIN = re.compile(r"(https://[a-z0-9]([a-z0-9.-]*[a-z0-9])?|http://(localhost|127\.0\.0\.1))(:\d{1,5})?")


def parse_origins(text: str) -> tuple[str, ...]:
    """CORS_ALLOWED_ORIGINS: comma-separated origins (an empty value allows none)."""
    origins = tuple(part.strip() for part in text.split(",") if part.strip())
    for origin in origins:
        if not _ORIGIN.fullmatch(origin):
            raise ValueError(f"{origin!r} is not an allowed origin: https://host[:port], http://localhost[:port] "
                             "or http://127.0.0.1[:port]; lower case, no path, no wildcard")
    return origins


class Settings(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")

    stage: str = Field(default="dev", pattern=r"^[a-z0-9-]{1,40}$")
    table_prefix: str = Field(pattern=r"^[A-Za-z0-9_.-]{1,80}$")
    aws_region: str = Field(min_length=1)
    # Set only for the local stack and tests that use moto's HTTP server.
    dynamodb_endpoint: str | None = None
    # The stage's image bucket (infra output UploadsBucketName); without it the upload routes answer 503.
    uploads_bucket: str | None = Field(default=None, pattern=r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
    # Set only for the local stack (moto's S3 on loopback): presigned URLs then point there, path-style.
    s3_endpoint: str | None = Field(default=None, pattern=r"^https?://")

    # Each secret comes either inline (local stack, tests) or as the name of
    # an SSM SecureString parameter (deployed stages).
    token_signing_key: str | None = Field(default=None, min_length=32)
    token_signing_key_param: str | None = None
    sms_code_key: str | None = Field(default=None, min_length=32)
    sms_code_key_param: str | None = None
    # The 证件号码 of certificate requests are encrypted with a key derived from this one (services/identity.py);
    # without either, the certificate routes that need it answer 503.
    certificate_id_key: str | None = Field(default=None, min_length=32)
    certificate_id_key_param: str | None = None
    # Set by the Lambda runtime: a deployed function must not run on an inline (committed, placeholder) key.
    aws_lambda_function_name: str | None = None

    access_token_ttl_seconds: int = Field(default=900, ge=60, le=3600)
    refresh_token_ttl_seconds: int = Field(default=30 * 24 * 3600, ge=3600)

    sms_sender: Literal["console", "sns"] = "console"
    # SNS SMS exists in few regions (not ap-east-1, not the China regions): send from this one instead.
    sms_sns_region: str | None = Field(default=None, pattern=r"^[a-z]{2}(-[a-z]+)+-\d$")
    sms_log_file: str | None = None

    # argon2id cost; defaults are RFC 9106's second recommended option.
    argon2_time_cost: int = Field(default=3, ge=1, le=10)
    argon2_memory_kib: int = Field(default=65536, ge=1024, le=262144)
    argon2_parallelism: int = Field(default=4, ge=1, le=8)

    # SMS pumping budgets (docs/decisions.md, "SMS send budgets"): codes sent per client address
    # and across the stage, per clock hour and per China-Standard-Time day; over one, 429.
    sms_client_hourly_limit: int = Field(default=10, ge=1, le=100_000)
    sms_client_daily_limit: int = Field(default=30, ge=1, le=1_000_000)
    sms_stage_hourly_limit: int = Field(default=300, ge=1, le=1_000_000)
    sms_stage_daily_limit: int = Field(default=2000, ge=1, le=10_000_000)

    # Pages on other origins that may call the API from a browser (docs/decisions.md, "CORS"): none unless the
    # stage names them (infra/stages.json → .chalice/config.json).
    cors_allowed_origins: tuple[str, ...] = ()

    max_body_bytes: int = Field(default=64 * 1024, ge=1024)
    max_import_body_bytes: int = Field(default=1024 * 1024, ge=1024)

    # The consumed tables' streams (infra outputs, `<LOGICAL_TABLE>_STREAM_ARN`); each stream handler is
    # registered only when its ARN is set (not under chalice local or in tools).
    ratings_stream_arn: str | None = Field(default=None, pattern=_STREAM_ARN)
    demand_events_stream_arn: str | None = Field(default=None, pattern=_STREAM_ARN)
    help_requests_stream_arn: str | None = Field(default=None, pattern=_STREAM_ARN)

    @field_validator("cors_allowed_origins", mode="before")
    @classmethod
    def _origins_from_text(cls, value: object) -> object:
        return parse_origins(value) if isinstance(value, str) else value

    @model_validator(mode="after")
    def _each_secret_has_a_source(self) -> Settings:
        for name in ("token_signing_key", "sms_code_key"):
            if not getattr(self, name) and not getattr(self, f"{name}_param"):
                raise ValueError(f"set {name.upper()} or {name.upper()}_PARAM")
        return self

    @model_validator(mode="after")
    def _deployed_keys_come_from_ssm(self) -> Settings:
        inline = [name.upper() for name in ("token_signing_key", "sms_code_key", "certificate_id_key")
                  if getattr(self, name)]
        if self.aws_lambda_function_name and inline:
            raise ValueError(f"{', '.join(inline)} set inline on Lambda: a deployed stage reads its keys from SSM "
                             "(*_PARAM); an inline key is one anybody with the repository or the console can read")
        return self

    @model_validator(mode="after")
    def _sms_hour_within_day(self) -> Settings:
        for scope in ("client", "stage"):
            if getattr(self, f"sms_{scope}_hourly_limit") > getattr(self, f"sms_{scope}_daily_limit"):
                raise ValueError(f"SMS_{scope.upper()}_HOURLY_LIMIT exceeds SMS_{scope.upper()}_DAILY_LIMIT")
        return self


def _from_environ(environ: dict[str, str]) -> dict[str, str]:
    values = {name: environ[name.upper()] for name in Settings.model_fields if name.upper() in environ}
    if "aws_region" not in values and "AWS_DEFAULT_REGION" in environ:
        values["aws_region"] = environ["AWS_DEFAULT_REGION"]
    return values


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    try:
        return Settings.model_validate(_from_environ(dict(os.environ)))
    except ValidationError as exc:
        raise ConfigError(f"invalid environment configuration: {exc}") from exc

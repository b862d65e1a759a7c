"""Validated configuration from environment variables.

Every setting the functions read comes through `get_settings()`. It reads the
process environment only (never AWS), so importing it is cheap; secrets that
live in SSM Parameter Store are fetched lazily by `chalicelib.secrets`.
"""
from __future__ import annotations

import json
import os
import re
from functools import lru_cache
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from chalicelib.reference import SmsTemplate

APP_SECRETS = ("token_signing_key", "sms_code_key")
TENCENT_SECRETS = ("tencent_sms_secret_id", "tencent_sms_secret_key")
# Regions where Amazon SNS sends no SMS (SNS developer guide, "Supported Regions and countries"; AWS China docs).
NO_SNS_SMS_REGIONS = frozenset({"cn-north-1", "cn-northwest-1", "ap-east-1"})


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
    # The 公众号 "i志愿" (docs/deploy.md, "WeChat"): its AppID and AppSecret the same way. A stage with
    # neither has no WeChat routes (404 WECHAT_NOT_CONFIGURED), which is what `make run` is.
    wechat_app_id: str | None = Field(default=None, pattern=r"^wx[0-9a-f]{16}$")
    wechat_app_id_param: str | None = None
    wechat_app_secret: str | None = Field(default=None, min_length=32)
    wechat_app_secret_param: str | None = None
    # Where the WeChat API answers (tests point it at their fake server on loopback).
    wechat_api_base: str = Field(default="https://api.weixin.qq.com", pattern=r"^https?://[^/?#]+$")
    # The origins the stage's H5 is served from: the only pages WeChat may send a login back to and
    # the JS-SDK may be signed for (the 公众号's 网页授权域名 and JS接口安全域名 name the same hosts).
    wechat_h5_origins: tuple[str, ...] = ()
    # The 证件号码 of certificate requests are encrypted with a key derived from this one (services/id_documents.py);
    # without either, the certificate routes that need it answer 503.
    certificate_id_key: str | None = Field(default=None, min_length=32)
    certificate_id_key_param: str | None = None
    # Who renders a certificate's PDF (services/certificate_renderer.py): `lambda`, the stage's certificate
    # function by name (certificates/app.py); `inline`, reportlab in this process, for the local stack and tests
    # only (refused on Lambda: reportlab is not in the API's package). Unset: the download answers 503.
    certificate_renderer: Literal["lambda", "inline"] | None = None
    certificate_renderer_function: str | None = Field(default=None, pattern=r"^[A-Za-z0-9_-]{1,64}$")
    # The H5's origin, whose /certificates/<number> page the PDF's QR code opens (verification).
    public_h5_origin: str | None = Field(default=None, pattern=f"^(?:{_ORIGIN.pattern})$")
    # Set by the Lambda runtime: a deployed function must not run on an inline (committed, placeholder) key.
    aws_lambda_function_name: str | None = None

    access_token_ttl_seconds: int = Field(default=900, ge=60, le=3600)
    refresh_token_ttl_seconds: int = Field(default=30 * 24 * 3600, ge=3600)

    # The stage's SMS provider and what it needs, all from infra/stages.json (scripts/stage_config.py).
    sms_sender: Literal["console", "sns", "tencent"] = "console"
    # The approved signature (签名): Tencent's SignName, the 【】 prefix of the console's and SNS's texts.
    sms_signature: str = Field(default="青年云支教", pattern=r"^[\u4e00-\u9fffA-Za-z0-9]{2,12}$")
    # SNS SMS exists in few regions (not ap-east-1, not the China regions): send from this one instead.
    sms_sns_region: str | None = Field(default=None, pattern=r"^[a-z]{2}(-[a-z]+)+-\d$")
    sms_log_file: str | None = None
    # Tencent Cloud SMS: each SmsTemplate's approved template id ("" until approved: refused on Lambda), the
    # SMS application (SmsSdkAppId, not a secret: useless without the key), and a CAM key allowed sms:SendSms only.
    sms_template_ids: dict[SmsTemplate, str] = {}
    tencent_sms_sdk_app_id: str | None = Field(default=None, pattern=r"^\d*$")
    tencent_sms_secret_id: str | None = Field(default=None, min_length=32)
    tencent_sms_secret_id_param: str | None = None
    tencent_sms_secret_key: str | None = Field(default=None, min_length=32)
    tencent_sms_secret_key_param: str | None = None

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

    # Powertools for AWS Lambda (chalicelib/observability.py): the `service` of every log line and metric
    # (`yce-api-<stage>`, set per stage by scripts/stage_config.py), the metrics' namespace, the log level.
    powertools_service_name: str = Field(default="yce-api-local", pattern=r"^yce-api-[a-z0-9-]{1,40}$")
    powertools_metrics_namespace: str = Field(default="YCE", pattern=r"^[A-Za-z0-9._/#:-]{1,255}$")
    powertools_log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"

    max_body_bytes: int = Field(default=64 * 1024, ge=1024)
    max_import_body_bytes: int = Field(default=1024 * 1024, ge=1024)

    # The consumed tables' streams (infra outputs, `<LOGICAL_TABLE>_STREAM_ARN`); each stream handler is
    # registered only when its ARN is set (not under chalice local or in tools).
    ratings_stream_arn: str | None = Field(default=None, pattern=_STREAM_ARN)
    demand_events_stream_arn: str | None = Field(default=None, pattern=_STREAM_ARN)
    help_requests_stream_arn: str | None = Field(default=None, pattern=_STREAM_ARN)

    @field_validator("sms_template_ids", mode="before")
    @classmethod
    def _template_ids_from_json(cls, value: object) -> object:
        return json.loads(value) if isinstance(value, str) else value

    @field_validator("sms_template_ids")
    @classmethod
    def _template_ids_are_numbers(cls, value: dict[SmsTemplate, str]) -> dict[SmsTemplate, str]:
        for template, template_id in value.items():
            if template_id and not template_id.isdigit():
                raise ValueError(f"the template id of {template.value} is not a Tencent template id: {template_id!r}")
        return value

    @field_validator("cors_allowed_origins", "wechat_h5_origins", mode="before")
    @classmethod
    def _origins_from_text(cls, value: object) -> object:
        return parse_origins(value) if isinstance(value, str) else value

    @model_validator(mode="after")
    def _each_secret_has_a_source(self) -> Settings:
        for name in APP_SECRETS + (TENCENT_SECRETS if self.sms_sender == "tencent" else ()):
            if not getattr(self, name) and not getattr(self, f"{name}_param"):
                raise ValueError(f"set {name.upper()} or {name.upper()}_PARAM")
        return self

    @property
    def wechat_configured(self) -> bool:
        return bool(self.wechat_app_id or self.wechat_app_id_param)

    @model_validator(mode="after")
    def _wechat_id_and_secret_together(self) -> Settings:
        secret = bool(self.wechat_app_secret or self.wechat_app_secret_param)
        if self.wechat_configured != secret:
            raise ValueError("set both the WeChat app id (WECHAT_APP_ID[_PARAM]) and its secret "
                             "(WECHAT_APP_SECRET[_PARAM]), or neither")
        return self

    @model_validator(mode="after")
    def _deployed_keys_come_from_ssm(self) -> Settings:
        inline = [name.upper() for name in (*APP_SECRETS, *TENCENT_SECRETS, "wechat_app_secret",
                                            "certificate_id_key") if getattr(self, name)]
        if self.aws_lambda_function_name and inline:
            raise ValueError(f"{', '.join(inline)} set inline on Lambda: a deployed stage reads its keys from SSM "
                             "(*_PARAM); an inline key is one anybody with the repository or the console can read")
        return self

    @model_validator(mode="after")
    def _renderer_runnable_here(self) -> Settings:
        if self.certificate_renderer == "lambda" and not self.certificate_renderer_function:
            raise ValueError("CERTIFICATE_RENDERER=lambda needs CERTIFICATE_RENDERER_FUNCTION (the function's name)")
        if self.certificate_renderer == "inline" and self.aws_lambda_function_name:
            raise ValueError("CERTIFICATE_RENDERER=inline on Lambda: the API's package has no reportlab; "
                             "deployed stages invoke the certificate function (CERTIFICATE_RENDERER=lambda)")
        return self

    @model_validator(mode="after")
    def _sms_provider_can_send(self) -> Settings:
        """The provider's whole configuration, checked at start: a send must not be the first to find a gap."""
        if self.sms_sender == "sns" and (self.sms_sns_region or self.aws_region) in NO_SNS_SMS_REGIONS:
            raise ValueError(f"SNS sends no SMS from {self.sms_sns_region or self.aws_region}: set SMS_SNS_REGION "
                             "to a region that does (docs/deploy.md, SMS)")
        if self.sms_sender != "tencent":
            return self
        missing = sorted(template.value for template in SmsTemplate if template not in self.sms_template_ids)
        if missing or self.tencent_sms_sdk_app_id is None:
            raise ValueError(f"SMS_SENDER=tencent needs TENCENT_SMS_SDK_APP_ID and SMS_TEMPLATE_IDS for every "
                             f"template (missing: {', '.join(missing) or 'the SDK app id'})")
        pending = [name for name, value in (*self.sms_template_ids.items(), ("sdk app id", self.tencent_sms_sdk_app_id))
                   if not value]
        if self.aws_lambda_function_name and pending:
            raise ValueError(f"Tencent SMS not ready for a deployed stage: no approved id for {', '.join(pending)} "
                             "(infra/stages.json, docs/deploy.md)")
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

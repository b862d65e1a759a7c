"""Configuration fails fast; secrets come inline locally and from SSM when deployed."""
import boto3
import pytest
from pydantic import ValidationError

from chalicelib import secrets
from chalicelib.config import ConfigError, Settings, _from_environ, get_settings
from chalicelib.errors import AppError
from chalicelib.services.sms_sender import SmsMessage, SmsTemplate, SnsSender

BASE = {"TABLE_PREFIX": "yce-x-", "AWS_DEFAULT_REGION": "cn-north-1"}


def test_a_deployment_without_a_secret_source_refuses_to_start(monkeypatch):
    monkeypatch.setattr("os.environ", {**BASE, "SMS_CODE_KEY": "k" * 32})
    get_settings.cache_clear()
    try:
        with pytest.raises(ConfigError, match="TOKEN_SIGNING_KEY"):
            get_settings()
    finally:
        monkeypatch.undo()
        get_settings.cache_clear()
    assert get_settings().stage == "test"


def test_a_function_on_lambda_refuses_to_start_with_an_inline_key():
    on_lambda = {**BASE, "AWS_LAMBDA_FUNCTION_NAME": "yce-api-dev", "TOKEN_SIGNING_KEY_PARAM": "/yce/dev/t",
                 "SMS_CODE_KEY_PARAM": "/yce/dev/s"}
    for inline in ({"TOKEN_SIGNING_KEY": "t" * 32}, {"SMS_CODE_KEY": "k" * 32}):
        with pytest.raises(ValueError, match="inline on Lambda"):
            Settings.model_validate(_from_environ({**on_lambda, **inline}))
    assert Settings.model_validate(_from_environ(on_lambda)).token_signing_key is None   # SSM only: fine


def test_no_committed_stage_carries_a_key_inline():
    import json
    from pathlib import Path

    config = json.loads((Path(__file__).resolve().parent.parent / ".chalice" / "config.json").read_text())
    for name, stage in config["stages"].items():
        variables = {**config.get("environment_variables", {}), **stage.get("environment_variables", {})}
        assert not {"TOKEN_SIGNING_KEY", "SMS_CODE_KEY"} & set(variables), name
        assert variables["TOKEN_SIGNING_KEY_PARAM"] and variables["SMS_CODE_KEY_PARAM"], name


def test_short_inline_secrets_are_refused():
    with pytest.raises(ValueError):
        Settings.model_validate(_from_environ({**BASE, "TOKEN_SIGNING_KEY": "short", "SMS_CODE_KEY": "k" * 32}))


def _param_settings(name: str) -> Settings:
    return Settings.model_validate(_from_environ({**BASE, "TOKEN_SIGNING_KEY_PARAM": name,
                                                  "SMS_CODE_KEY": "k" * 32}))


def test_a_deployed_secret_is_read_from_ssm_once(aws, monkeypatch):
    boto3.client("ssm").put_parameter(Name="/yce/test/token-key", Value="s" * 40, Type="SecureString")
    monkeypatch.setattr(secrets, "get_settings", lambda: _param_settings("/yce/test/token-key"))
    secrets.get_secret.cache_clear()
    try:
        assert secrets.get_secret("token_signing_key") == b"s" * 40
    finally:
        secrets.get_secret.cache_clear()


def test_a_missing_ssm_parameter_is_a_503_not_a_crash(aws, monkeypatch):
    monkeypatch.setattr(secrets, "get_settings", lambda: _param_settings("/yce/test/absent"))
    secrets.get_secret.cache_clear()
    try:
        with pytest.raises(AppError) as refused:
            secrets.get_secret("token_signing_key")
        assert refused.value.code.name == "SERVICE_MISCONFIGURED" and refused.value.status == 503
    finally:
        secrets.get_secret.cache_clear()


def test_the_sns_sender_publishes_a_transactional_sms_to_a_mainland_number(aws):
    SnsSender("ap-southeast-1", "青年云支教").send("13800138000",
                                                   SmsMessage(SmsTemplate.REGISTER_CODE, ("123456", "5")))
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.sns.models import sns_backends

    sent = sns_backends[DEFAULT_ACCOUNT_ID]["ap-southeast-1"].sms_messages
    assert list(sent.values()) == [
        ("+8613800138000", "【青年云支教】您正在注册青年云支教账号，验证码为123456，5分钟内有效，请勿泄露给他人。")]


def test_sms_goes_through_the_configured_sns_region_where_the_stage_region_has_no_sms(monkeypatch):
    from chalicelib.services import sms_sender

    settings = Settings.model_validate(_from_environ({**BASE, "TOKEN_SIGNING_KEY": "t" * 32, "SMS_CODE_KEY": "k" * 32,
                                                      "SMS_SENDER": "sns", "AWS_DEFAULT_REGION": "ap-east-1",
                                                      "SMS_SNS_REGION": "ap-southeast-1"}))
    monkeypatch.setattr(sms_sender, "get_settings", lambda: settings)
    sms_sender._configured.cache_clear()
    try:
        assert sms_sender._configured().region == "ap-southeast-1"
    finally:
        sms_sender._configured.cache_clear()
    with pytest.raises(ValidationError):
        Settings.model_validate(_from_environ({**BASE, "TOKEN_SIGNING_KEY": "t" * 32, "SMS_CODE_KEY": "k" * 32,
                                               "SMS_SNS_REGION": "not a region"}))



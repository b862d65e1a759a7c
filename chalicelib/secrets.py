"""Secrets: inline from the environment locally, from SSM Parameter Store when deployed.

Fetched on first use and cached for the life of the Lambda container; the
SSM client is built only then, never at import time.
"""
from __future__ import annotations

import logging
from functools import cache

import botocore.session

from chalicelib.config import get_settings
from chalicelib.errors import AppError, ErrorCode

log = logging.getLogger(__name__)


# The shortest value each secret may have (32 unless named): a WeChat AppID is "wx" and 16 hex digits.
_MIN_LENGTH = {"wechat_app_id": 18}


@cache
def get_secret(name: str) -> bytes:
    """`name`: a Settings field with a `_param` twin ("token_signing_key", "wechat_app_id", "certificate_id_key")."""
    settings = get_settings()
    inline = getattr(settings, name)
    if inline:
        return inline.encode()
    parameter = getattr(settings, f"{name}_param")
    if not parameter:   # an optional secret the stage does not configure (CERTIFICATE_ID_KEY)
        log.critical("secret %s is configured neither inline nor as an SSM parameter", name)
        raise AppError(ErrorCode.SERVICE_MISCONFIGURED)
    try:
        value = _ssm_client().get_parameter(Name=parameter, WithDecryption=True)["Parameter"]["Value"]
    except Exception:
        log.critical("cannot read secret %s from SSM parameter %s", name, parameter, exc_info=True)
        raise AppError(ErrorCode.SERVICE_MISCONFIGURED) from None
    if len(value) < _MIN_LENGTH.get(name, 32):
        log.critical("SSM parameter %s is too short for %s", parameter, name)
        raise AppError(ErrorCode.SERVICE_MISCONFIGURED)
    return value.encode()


def _ssm_client():
    return botocore.session.get_session().create_client("ssm", region_name=get_settings().aws_region)

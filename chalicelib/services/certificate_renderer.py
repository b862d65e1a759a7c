"""Who turns a certificate's render payload into its PDF (docs/decisions.md, "志愿服务记录证明").

`lambda`: the stage's certificate function (certificates/app.py), invoked synchronously with the payload as
JSON; it answers `{"pdf_base64": ...}`. Nothing is stored on the way: no S3 object holding a full 证件号码.
`inline`: certificates/vendor/certificate_pdf/payload.py in this process, for the local stack and tests
(chalicelib/config.py refuses it on Lambda, whose package has no reportlab). Either failing → 503
CERTIFICATE_RENDERER_UNAVAILABLE with Retry-After, never a 500; the payload and the function's answer are never
logged (they hold the number).
"""
from __future__ import annotations

import base64
import binascii
import functools
import json
import logging

from botocore.exceptions import BotoCoreError, ClientError

from chalicelib.config import get_settings
from chalicelib.errors import AppError, ErrorCode, throttled

RETRY_SECONDS = 5
# Synchronous: the API answers within API Gateway's 29 s, the cold certificate function takes ≈ 2 s
# (docs/performance.md, "Certificate PDF"). No retry by botocore: the phone retries, after Retry-After.
READ_TIMEOUT_SECONDS = 15

log = logging.getLogger(__name__)


def render(payload: dict) -> bytes:
    mode = get_settings().certificate_renderer
    if mode is None:
        raise AppError(ErrorCode.SERVICE_MISCONFIGURED)
    return _inline(payload) if mode == "inline" else _invoke(payload)


def _unavailable() -> AppError:
    return throttled(ErrorCode.CERTIFICATE_RENDERER_UNAVAILABLE, RETRY_SECONDS)


def _inline(payload: dict) -> bytes:
    try:   # reportlab: requirements-local.txt; the font: scripts/ensure_certificate_tools.sh
        from certificates.vendor.certificate_pdf.payload import render_payload

        return render_payload(payload)
    # Anything the renderer raises (not installed, a payload refused, the font missing: reportlab's TTFError is none
    # of the built-in kinds) is the renderer's failure, as the function's would be: 503, never a 500.
    except Exception as exc:
        log.warning("inline certificate renderer failed: %s", type(exc).__name__)   # the type only: no payload
        raise _unavailable() from exc


def _invoke(payload: dict) -> bytes:
    try:
        answer = _client().invoke(FunctionName=get_settings().certificate_renderer_function,
                                  InvocationType="RequestResponse", Payload=json.dumps(payload).encode())
        body = answer["Payload"].read()
    except (ClientError, BotoCoreError) as exc:
        raise _unavailable() from exc
    if answer.get("FunctionError"):   # the function raised (or timed out): its error body is not passed on
        raise _unavailable()
    try:
        return base64.b64decode(json.loads(body)["pdf_base64"], validate=True)
    except (ValueError, KeyError, TypeError, binascii.Error) as exc:
        raise _unavailable() from exc


@functools.cache
def _client():
    import botocore.session
    from botocore.config import Config

    return botocore.session.get_session().create_client(
        "lambda", region_name=get_settings().aws_region,
        config=Config(connect_timeout=2, read_timeout=READ_TIMEOUT_SECONDS, retries={"max_attempts": 1}))

"""The WeChat HTTP API the platform calls: 网页授权 code → openid, the 公众号 access_token, the jsapi_ticket.

Plain HTTPS GETs answered with JSON (urllib: no dependency for three calls). Every WeChat error is an
`errcode` in the body; each maps to one stable answer here, none to a 500. The AppSecret and the tokens
travel only in query strings to WeChat and are never logged.
"""
from __future__ import annotations

import json
import logging
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass

from chalicelib.config import get_settings
from chalicelib.errors import AppError, ErrorCode, throttled
from chalicelib.secrets import get_secret

log = logging.getLogger(__name__)

TIMEOUT_SECONDS = 5          # the API's own timeout is longer: a slow WeChat answers 503, not a gateway 504
RETRY_AFTER_SECONDS = 30     # WECHAT_UNAVAILABLE: WeChat failed or was busy (-1)
QUOTA_RETRY_SECONDS = 3600   # WECHAT_RATE_LIMITED (45009): the daily quota; an operator can reset it in the console
CODE_REFUSED = {40029, 40163}   # invalid code, code already used
INVALID_CREDENTIAL = 40001      # the access_token is no longer valid (another fetch replaced it, or it expired)
QUOTA_EXCEEDED = 45009


class InvalidCredential(Exception):
    """WeChat refused the access_token (40001): the caller fetches a new one and tries once more."""


@dataclass(frozen=True)
class Expiring:
    value: str
    expires_in: int


def app_id() -> str:
    return get_secret("wechat_app_id").decode()


def exchange_code(code: str) -> str:
    """The openid of the person who authorized `code` (snsapi_base); each code works once, for 5 minutes."""
    answer = _get("/sns/oauth2/access_token", {"appid": app_id(), "secret": get_secret("wechat_app_secret").decode(),
                                                "code": code, "grant_type": "authorization_code"},
                  token_call=False)
    openid = answer.get("openid")
    if not isinstance(openid, str) or not 1 <= len(openid) <= 64:
        log.error("WeChat code exchange answered no openid")
        raise throttled(ErrorCode.WECHAT_UNAVAILABLE, RETRY_AFTER_SECONDS)
    return openid


def fetch_access_token() -> Expiring:
    answer = _get("/cgi-bin/token", {"grant_type": "client_credential", "appid": app_id(),
                                      "secret": get_secret("wechat_app_secret").decode()}, token_call=False)
    return _expiring(answer, "access_token")


def fetch_jsapi_ticket(access_token: str) -> Expiring:
    return _expiring(_get("/cgi-bin/ticket/getticket", {"access_token": access_token, "type": "jsapi"},
                          token_call=True), "ticket")


def _expiring(answer: dict, name: str) -> Expiring:
    value, expires_in = answer.get(name), answer.get("expires_in")
    if not isinstance(value, str) or not value or not isinstance(expires_in, int) or expires_in <= 0:
        log.error("WeChat answered no %s", name)
        raise throttled(ErrorCode.WECHAT_UNAVAILABLE, RETRY_AFTER_SECONDS)
    return Expiring(value, expires_in)


def _get(path: str, params: dict[str, str], *, token_call: bool) -> dict:
    """`token_call`: the call presents the access_token, so 40001 means a stale token (InvalidCredential);
    otherwise it means a wrong AppSecret, which no retry mends."""
    url = f"{get_settings().wechat_api_base}{path}?{urllib.parse.urlencode(params)}"
    try:
        with urllib.request.urlopen(url, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310 - https base from config
            answer = json.loads(response.read())
    except (OSError, ValueError) as exc:   # URLError, timeouts, connection resets, a body that is not JSON
        log.error("WeChat %s failed: %s", path, type(exc).__name__)
        raise throttled(ErrorCode.WECHAT_UNAVAILABLE, RETRY_AFTER_SECONDS) from None
    if not isinstance(answer, dict):
        raise throttled(ErrorCode.WECHAT_UNAVAILABLE, RETRY_AFTER_SECONDS)
    errcode = answer.get("errcode") or 0
    if errcode == 0:
        return answer
    log.warning("WeChat %s answered errcode %s", path, errcode)
    if errcode in CODE_REFUSED:
        raise AppError(ErrorCode.WECHAT_CODE_INVALID)
    if errcode == INVALID_CREDENTIAL and token_call:
        raise InvalidCredential()
    if errcode == QUOTA_EXCEEDED:
        raise throttled(ErrorCode.WECHAT_RATE_LIMITED, QUOTA_RETRY_SECONDS)
    raise throttled(ErrorCode.WECHAT_UNAVAILABLE, RETRY_AFTER_SECONDS)

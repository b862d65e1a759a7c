"""WeChat, where the platform's people arrive from (the 公众号 "i志愿"): 网页授权 sign-in (snsapi_base: the
openid, nothing else) as an identity provider, and the JS-SDK signature the H5 needs for wx.getLocation
and wx.scanQRCode at check-in.

The access_token and the jsapi_ticket are the 公众号's, valid 2 hours, and WeChat limits how often they may
be fetched (2000 a day each): one copy serves every Lambda container, in DynamoDB, refreshed a margin
before it expires by the one container holding a lease (a conditional write); the others wait for it.
"""
from __future__ import annotations

import hashlib
import logging
import secrets
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from pynamodb.attributes import Attribute
from pynamodb.exceptions import UpdateError

from chalicelib import clock
from chalicelib.config import get_settings
from chalicelib.data.accounts import Account
from chalicelib.data.identity import CREDENTIAL_PREFIX, WechatCredential
from chalicelib.data.lookup import get_or_none
from chalicelib.errors import AppError, ErrorCode, field_error, throttled
from chalicelib.services import wechat_api
from chalicelib.services.wechat_api import Expiring, InvalidCredential

log = logging.getLogger(__name__)

AUTHORIZE_URL = "https://open.weixin.qq.com/connect/oauth2/authorize"
MAX_URL_LENGTH = 1024
REFRESH_MARGIN_SECONDS = 300    # a cached value is replaced this long before WeChat's expiry
LEASE_SECONDS = 10              # a fetch takes well under this (wechat_api.TIMEOUT_SECONDS each call)
WAIT_ROUNDS = 12                # while another container fetches: 12 × 0.25 s, then 503 Retry-After 1
WAIT_SECONDS = 0.25
ACCESS_TOKEN = "access_token"
JSAPI_TICKET = "jsapi_ticket"


class WechatProvider:
    """The 网页授权 sign-in, as services/identity.IdentityProvider describes."""

    name = "wechat"

    @property
    def account_attribute(self) -> Attribute:
        return Account.wechat_openid   # through a property: on the class, a PynamoDB attribute is a descriptor

    def require_configured(self) -> None:
        require_configured()

    def authorize_url(self, redirect_uri: str, state: str) -> str:
        page = own_page(redirect_uri, "redirect_uri")
        # WeChat reads its parameters in this order and wants the #wechat_redirect suffix.
        return (f"{AUTHORIZE_URL}?appid={wechat_api.app_id()}&redirect_uri={urllib.parse.quote(page, safe='')}"
                f"&response_type=code&scope=snsapi_base&state={state}#wechat_redirect")

    def resolve(self, code: str) -> str:
        return wechat_api.exchange_code(code)


PROVIDER = WechatProvider()


def require_configured() -> None:
    if not get_settings().wechat_configured:
        raise AppError(ErrorCode.WECHAT_NOT_CONFIGURED)


def own_page(url: str, path: str) -> str:
    """`url` without its #fragment, if it is a page of one of the stage's H5 origins (else 400 on `path`)."""
    page = url.split("#", 1)[0]
    parts = urllib.parse.urlsplit(page)
    origin = f"{parts.scheme}://{parts.netloc}"
    if (len(page) > MAX_URL_LENGTH or parts.username is not None or parts.password is not None
            or origin not in get_settings().wechat_h5_origins):
        raise field_error(ErrorCode.VALIDATION_FAILED, path, "须为本平台 H5 页面的地址")
    return page


# ---------------------------------------------------------------- JS-SDK

@dataclass(frozen=True)
class JsSdkSignature:
    app_id: str
    timestamp: int
    nonce_str: str
    signature: str


def sign_js_sdk(jsapi_ticket: str, nonce_str: str, timestamp: int, url: str) -> str:
    """WeChat's JS-SDK signature (its documentation, appendix 1): SHA-1 of the four fields in this order."""
    text = f"jsapi_ticket={jsapi_ticket}&noncestr={nonce_str}&timestamp={timestamp}&url={url}"
    return hashlib.sha1(text.encode()).hexdigest()  # noqa: S324 - WeChat's algorithm, not ours to choose


def js_sdk_signature(url: str) -> JsSdkSignature:
    require_configured()
    page = own_page(url, "url")
    ticket = _cached(JSAPI_TICKET, _fetch_jsapi_ticket)
    nonce, timestamp = secrets.token_hex(8), int(clock.now().timestamp())
    return JsSdkSignature(app_id=wechat_api.app_id(), timestamp=timestamp, nonce_str=nonce,
                          signature=sign_js_sdk(ticket, nonce, timestamp, page))


def _fetch_jsapi_ticket() -> Expiring:
    """A ticket fetched with the cached access_token; WeChat refusing that token (40001: replaced or expired
    early) gets it fetched anew, once."""
    token = _cached(ACCESS_TOKEN, wechat_api.fetch_access_token)
    try:
        return wechat_api.fetch_jsapi_ticket(token)
    except InvalidCredential:
        log.warning("WeChat refused the cached access_token: fetching a new one")
    token = _cached(ACCESS_TOKEN, wechat_api.fetch_access_token, stale=token)
    try:
        return wechat_api.fetch_jsapi_ticket(token)
    except InvalidCredential:
        log.error("WeChat refused a fresh access_token")
        raise throttled(ErrorCode.WECHAT_UNAVAILABLE, wechat_api.RETRY_AFTER_SECONDS) from None


def _cached(kind: str, fetch: Callable[[], Expiring], *, stale: str | None = None) -> str:
    """The shared value of `kind`, unless missing, about to expire or `stale` (refused by WeChat): then the
    container that takes the lease fetches it and the others wait for its result."""
    key = CREDENTIAL_PREFIX + kind
    for _ in range(WAIT_ROUNDS):
        now = int(clock.now().timestamp())
        item = get_or_none(WechatCredential, key, consistent_read=True)
        if item is not None and item.value and (item.valid_until or 0) > now and item.value != stale:
            return item.value
        if _take_lease(key, now):
            return _refresh(key, fetch, now)
        time.sleep(WAIT_SECONDS)
    raise throttled(ErrorCode.WECHAT_UNAVAILABLE, 1)


def _take_lease(key: str, now: int) -> bool:
    try:
        WechatCredential(key).update(
            actions=[WechatCredential.lease_until.set(now + LEASE_SECONDS)],
            condition=WechatCredential.lease_until.does_not_exist() | (WechatCredential.lease_until <= now))
    except UpdateError as exc:
        if exc.cause_response_code != "ConditionalCheckFailedException":
            raise
        return False
    return True


def _refresh(key: str, fetch: Callable[[], Expiring], now: int) -> str:
    item = WechatCredential(key)
    try:
        fresh = fetch()
    except BaseException:
        item.update(actions=[WechatCredential.lease_until.remove()])   # the next request may try at once
        raise
    valid_until = now + max(fresh.expires_in - REFRESH_MARGIN_SECONDS, fresh.expires_in // 2)
    item.update(actions=[WechatCredential.value.set(fresh.value), WechatCredential.valid_until.set(valid_until),
                         WechatCredential.expires_at.set(datetime.fromtimestamp(valid_until + 86400, tz=UTC)),
                         WechatCredential.lease_until.remove()])
    return fresh.value

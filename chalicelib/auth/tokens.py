"""Short-lived signed access tokens (HS256 JWT) and opaque refresh-token strings."""
from __future__ import annotations

import hashlib
import hmac
import secrets
import time

import jwt

from chalicelib.auth.principal import Principal
from chalicelib.config import get_settings
from chalicelib.errors import AppError, ErrorCode
from chalicelib.reference import Role
from chalicelib.secrets import get_secret

_ISSUER = "yce-api"
_ALGORITHM = "HS256"


def issue_access_token(principal: Principal, *, now: float | None = None) -> tuple[str, int]:
    issued = int(now if now is not None else time.time())
    ttl = get_settings().access_token_ttl_seconds
    claims = {
        "iss": _ISSUER,
        "sub": principal.account_id,
        "role": principal.role.value,
        "pwc": principal.must_change_password,
        "typ": "access",
        "iat": issued,
        "exp": issued + ttl,
    }
    return jwt.encode(claims, get_secret("token_signing_key"), algorithm=_ALGORITHM), ttl


def read_access_token(token: str) -> Principal:
    try:
        claims = jwt.decode(
            token, get_secret("token_signing_key"), algorithms=[_ALGORITHM], issuer=_ISSUER,
            options={"require": ["exp", "iat", "sub", "iss"]},
        )
    except jwt.ExpiredSignatureError:
        raise AppError(ErrorCode.TOKEN_EXPIRED) from None
    except jwt.PyJWTError:
        raise AppError(ErrorCode.UNAUTHENTICATED) from None
    try:
        if claims.get("typ") != "access":
            raise ValueError("not an access token")
        return Principal(account_id=str(claims["sub"]), role=Role(claims["role"]),
                         must_change_password=bool(claims.get("pwc", False)))
    except (KeyError, ValueError):
        raise AppError(ErrorCode.UNAUTHENTICATED) from None


def new_refresh_secret() -> str:
    return secrets.token_urlsafe(32)


def hash_refresh_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def refresh_secret_matches(secret: str, stored_hash: str) -> bool:
    return hmac.compare_digest(hash_refresh_secret(secret), stored_hash)

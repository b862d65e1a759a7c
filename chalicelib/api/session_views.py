"""Sessions → the token answer of every route that signs someone in (password, registration, WeChat)."""
from __future__ import annotations

from chalicelib.schemas.accounts import TokenPairOut
from chalicelib.services.sessions import TokenPair


def tokens_out(pair: TokenPair) -> TokenPairOut:
    return TokenPairOut(access_token=pair.access_token, expires_in=pair.expires_in,
                        refresh_token=pair.refresh_token, account_id=pair.principal.account_id,
                        role=pair.principal.role, must_change_password=pair.principal.must_change_password)

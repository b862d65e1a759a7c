"""Token pairs: issue at login, rotate on refresh, revoke on logout or password change."""
from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta

from chalicelib import clock
from chalicelib.auth import tokens
from chalicelib.auth.principal import Principal
from chalicelib.config import get_settings
from chalicelib.data.accounts import Account
from chalicelib.data.base import Transaction
from chalicelib.data.sessions import Session
from chalicelib.errors import AppError, ErrorCode
from chalicelib.reference import AccountStatus, Role


@dataclass(frozen=True)
class TokenPair:
    access_token: str
    expires_in: int
    refresh_token: str
    principal: Principal


def principal_of(account: Account) -> Principal:
    return Principal(account_id=account.account_id, role=Role(account.role),
                     must_change_password=bool(account.must_change_password))


def _new_session(account_id: str, role: str, must_change_password: bool, generation: int) -> tuple[Session, str]:
    moment = clock.now()
    secret = tokens.new_refresh_secret()
    session = Session(
        session_id=secrets.token_hex(16), account_id=account_id, secret_hash=tokens.hash_refresh_secret(secret),
        generation=generation, role=role, must_change_password=must_change_password, created_at=moment,
        expires_at=moment + timedelta(seconds=get_settings().refresh_token_ttl_seconds),
    )
    return session, f"{session.session_id}.{secret}"


def _pair(session: Session, refresh_token: str) -> TokenPair:
    principal = Principal(account_id=session.account_id, role=Role(session.role),
                          must_change_password=bool(session.must_change_password))
    access, ttl = tokens.issue_access_token(principal)
    return TokenPair(access_token=access, expires_in=ttl, refresh_token=refresh_token, principal=principal)


def issue(account: Account) -> TokenPair:
    """A new session stored on its own (login)."""
    session, refresh_token = _new_session(account.account_id, account.role, bool(account.must_change_password),
                                          account.session_generation or 0)
    session.save()
    return _pair(session, refresh_token)


def issue_in(tx: Transaction, account: Account, *, generation: int, must_change_password: bool) -> TokenPair:
    """A new session put in `tx`, the transaction that creates or changes the account (one write);
    `generation` and `must_change_password` are the account's once `tx` is committed. The pair is the
    answer only after the commit succeeds."""
    session, refresh_token = _new_session(account.account_id, account.role, must_change_password, generation)
    tx.put(session, condition=Session.session_id.does_not_exist())
    return _pair(session, refresh_token)


def _split(refresh_token: str) -> tuple[str, str]:
    session_id, _, secret = refresh_token.partition(".")
    if len(session_id) != 32 or not secret:
        raise AppError(ErrorCode.REFRESH_TOKEN_INVALID)
    return session_id, secret


def _live_session(refresh_token: str) -> tuple[Session, str]:
    session_id, secret = _split(refresh_token)
    try:
        session = Session.get(session_id, consistent_read=True)
    except Session.DoesNotExist:
        raise AppError(ErrorCode.REFRESH_TOKEN_INVALID) from None
    if not tokens.refresh_secret_matches(secret, session.secret_hash) or session.expires_at <= clock.now():
        raise AppError(ErrorCode.REFRESH_TOKEN_INVALID)
    return session, secret


def refresh(refresh_token: str) -> TokenPair:
    """Rotate: the old refresh token is deleted in the same transaction that stores the new one.

    One read (the session, which carries the role and the password-change flag); the account's state
    is the transaction's condition: still active and not revoked since (generation)."""
    session, _ = _live_session(refresh_token)
    if session.role is None:
        _carry_account_fields(session)
    replacement, new_token = _new_session(session.account_id, session.role, bool(session.must_change_password),
                                          session.generation)
    invalid = AppError(ErrorCode.REFRESH_TOKEN_INVALID)
    (Transaction()
     .delete(session, condition=Session.secret_hash == session.secret_hash, on_conflict=invalid)
     .put(replacement, condition=Session.session_id.does_not_exist())
     .condition_check(Account, session.account_id,
                      condition=(Account.session_generation == session.generation)
                      & (Account.status == AccountStatus.ACTIVE.value), on_conflict=invalid)
     .commit())
    return _pair(replacement, new_token)


def _carry_account_fields(session: Session) -> None:
    """A session issued before sessions carried the role: read them from the account (once: its
    replacement carries them)."""
    try:
        account = Account.get(session.account_id, consistent_read=True)
    except Account.DoesNotExist:
        raise AppError(ErrorCode.REFRESH_TOKEN_INVALID) from None
    session.role, session.must_change_password = account.role, bool(account.must_change_password)


def end(refresh_token: str) -> None:
    """Logout: forget this refresh token. Unknown tokens are ignored (logout is idempotent)."""
    try:
        session, _ = _live_session(refresh_token)
    except AppError:
        return
    session.delete()


def revoke_all_action():
    """The update action that invalidates every refresh token of an account."""
    return Account.session_generation.add(1)

"""Token pairs: issue at login, rotate on refresh, revoke on logout, reuse or password change.

Every refresh token belongs to a family: the chain of rotations that starts at a login, a registration or
a password change. Rotation leaves the old token as a tombstone; presenting a tombstone again means two
parties hold the family (a stolen token), so the whole family is revoked, and only that family: the
account's other devices stay signed in.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta

from pynamodb.exceptions import DeleteError

from chalicelib import clock
from chalicelib.auth import tokens
from chalicelib.auth.principal import Principal
from chalicelib.config import get_settings
from chalicelib.data.accounts import Account
from chalicelib.data.base import Transaction
from chalicelib.data.batch_get import ItemKey, get_items
from chalicelib.data.lookup import get_or_none
from chalicelib.data.sessions import RevokedFamily, Session, family_key
from chalicelib.errors import AppError, ErrorCode
from chalicelib.reference import AccountStatus, Role
from chalicelib.secrets import get_secret

# A client that lost the answer to its refresh (a phone on a weak network) presents the same token again
# a moment later. Within this many seconds of the rotation it gets the same successor back (its secret is
# derived from the old one, so nothing secret is stored) instead of revoking its own family; after it,
# presenting a rotated token is reuse. 30 s covers a mobile client's timeout and retry, and keeps short
# the window in which a thief holding the same old token is not detected at once (the two then share
# the successor, and whichever rotates it second is detected).
REUSE_GRACE_SECONDS = 30


@dataclass(frozen=True)
class TokenPair:
    access_token: str
    expires_in: int
    refresh_token: str
    principal: Principal


def principal_of(account: Account) -> Principal:
    return Principal(account_id=account.account_id, role=Role(account.role),
                     must_change_password=bool(account.must_change_password))


def _new_session(account_id: str, role: str, must_change_password: bool, generation: int, *,
                 family_id: str | None = None, secret: str | None = None) -> tuple[Session, str]:
    moment = clock.now()
    secret = secret or tokens.new_refresh_secret()
    session = Session(
        session_id=secrets.token_hex(16), account_id=account_id, secret_hash=tokens.hash_refresh_secret(secret),
        generation=generation, role=role, must_change_password=must_change_password,
        family_id=family_id or secrets.token_hex(16), created_at=moment,
        expires_at=moment + timedelta(seconds=get_settings().refresh_token_ttl_seconds),
    )
    return session, f"{session.session_id}.{secret}"


def _successor_secret(session_id: str, secret: str) -> str:
    """The secret of the token that rotating `session_id` issues: only a holder of the old token (and the
    server) can compute it, so a retry within the grace is answered the same token without storing it."""
    digest = hmac.new(get_secret("token_signing_key"), f"refresh-successor|{session_id}|{secret}".encode(),
                      hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def _pair(session: Session, refresh_token: str) -> TokenPair:
    principal = Principal(account_id=session.account_id, role=Role(session.role),
                          must_change_password=bool(session.must_change_password))
    access, ttl = tokens.issue_access_token(principal)
    return TokenPair(access_token=access, expires_in=ttl, refresh_token=refresh_token, principal=principal)


def new_session_in(tx: Transaction, account: Account) -> TokenPair:
    """A new session, first of a new family, put in `tx` (login's own transaction, which gives back the
    throttle slots): the pair is the answer once it commits."""
    session, refresh_token = _new_session(account.account_id, account.role, bool(account.must_change_password),
                                          account.session_generation or 0)
    tx.put(session, condition=Session.session_id.does_not_exist())
    return _pair(session, refresh_token)


def issue_in(tx: Transaction, account: Account, *, generation: int, must_change_password: bool) -> TokenPair:
    """A new session (a new family) put in `tx`, the transaction that creates or changes the account (one
    write); `generation` and `must_change_password` are the account's once `tx` is committed. The pair is the
    answer only after the commit succeeds."""
    session, refresh_token = _new_session(account.account_id, account.role, must_change_password, generation)
    tx.put(session, condition=Session.session_id.does_not_exist())
    return _pair(session, refresh_token)


def _split(refresh_token: str) -> tuple[str, str]:
    session_id, _, secret = refresh_token.partition(".")
    if len(session_id) != 32 or not secret:
        raise AppError(ErrorCode.REFRESH_TOKEN_INVALID)
    return session_id, secret


def _presented(refresh_token: str) -> tuple[Session, str]:
    """The stored session (live or tombstone) whose secret the caller proved, unexpired."""
    session_id, secret = _split(refresh_token)
    session = get_or_none(Session, session_id, consistent_read=True)
    if session is None:
        raise AppError(ErrorCode.REFRESH_TOKEN_INVALID)
    if not tokens.refresh_secret_matches(secret, session.secret_hash) or session.expires_at <= clock.now():
        raise AppError(ErrorCode.REFRESH_TOKEN_INVALID)
    return session, secret


def refresh(refresh_token: str) -> TokenPair:
    """Rotate: the old refresh token becomes a tombstone in the same transaction that stores the new one.

    One read (the session, which carries the role and the password-change flag); the account's state
    (still active, not revoked since: generation) and the family's (not revoked) are conditions of the
    transaction, so a revocation racing a refresh either precedes it (refused) or follows it (its
    successor refused next time)."""
    session, secret = _presented(refresh_token)
    if session.used_at is not None:
        return _replayed(session, secret)
    family = session.family_id
    replacement, new_token = _new_session(session.account_id, session.role, bool(session.must_change_password),
                                          session.generation, family_id=family,
                                          secret=_successor_secret(session.session_id, secret))
    moment = clock.now()
    invalid, raced = AppError(ErrorCode.REFRESH_TOKEN_INVALID), AppError(ErrorCode.REFRESH_TOKEN_INVALID)
    tombstone = [Session.used_at.set(moment), Session.successor_id.set(replacement.session_id),
                 Session.expires_at.set(moment + timedelta(seconds=get_settings().refresh_token_ttl_seconds))]
    try:
        (Transaction()
         .update(session, tombstone, condition=(Session.secret_hash == session.secret_hash)
                 & Session.used_at.does_not_exist(), on_conflict=raced)
         .put(replacement, condition=Session.session_id.does_not_exist())
         .condition_check(Account, session.account_id,
                          condition=(Account.session_generation == session.generation)
                          & (Account.status == AccountStatus.ACTIVE.value), on_conflict=invalid)
         .condition_check(RevokedFamily, family_key(family), condition=RevokedFamily.session_id.does_not_exist(),
                          on_conflict=invalid)
         .commit())
    except AppError as exc:
        if exc is not raced:
            raise
        # Another request rotated (or logged out) this token meanwhile: the same token sent twice at once
        # is a retry, answered as one within the grace; a logged-out token is refused.
        session, secret = _presented(refresh_token)
        if session.used_at is None:
            raise invalid from None
        return _replayed(session, secret)
    return _pair(replacement, new_token)


def _replayed(tombstone: Session, secret: str) -> TokenPair:
    """A rotated token presented again: its successor within the grace (a lost answer), else reuse."""
    moment = clock.now()
    family = tombstone.family_id
    if tombstone.successor_id and moment - tombstone.used_at <= timedelta(seconds=REUSE_GRACE_SECONDS):
        successor, revoked, account = get_items(
            [ItemKey(Session, tombstone.successor_id), ItemKey(RevokedFamily, family_key(family)),
             ItemKey(Account, tombstone.account_id)], consistent=True)
        successor_secret = _successor_secret(tombstone.session_id, secret)
        if revoked is not None:
            raise AppError(ErrorCode.REFRESH_TOKEN_INVALID)
        if (successor is not None and successor.used_at is None and successor.expires_at > moment
                and tokens.refresh_secret_matches(successor_secret, successor.secret_hash)
                and account is not None and account.status == AccountStatus.ACTIVE.value
                and (account.session_generation or 0) == successor.generation):
            return _pair(successor, f"{successor.session_id}.{successor_secret}")
    revoke_family(family, reason="reuse")
    raise AppError(ErrorCode.REFRESH_TOKEN_INVALID)


def revoke_family(family_id: str, *, reason: str) -> None:
    """Refuse every refresh token of the family from now on: one write, raced safely by refreshes (each
    condition-checks this item absent). Writing it again only extends it."""
    moment = clock.now()
    RevokedFamily(family_key(family_id), revoked_at=moment, reason=reason,
                  expires_at=moment + timedelta(seconds=get_settings().refresh_token_ttl_seconds)).save()


def end(refresh_token: str) -> None:
    """Logout: forget this refresh token. Unknown tokens are ignored (logout is idempotent). A rotated
    token ends its whole family (whoever holds the live one is signed out too), as does a token rotated
    while being logged out."""
    try:
        session, _ = _presented(refresh_token)
    except AppError:
        return
    if session.used_at is None:
        try:
            session.delete(condition=Session.used_at.does_not_exist())
            return
        except DeleteError as exc:
            if exc.cause_response_code != "ConditionalCheckFailedException":
                raise
    revoke_family(session.family_id, reason="logout")


def revoke_all_action():
    """The update action that invalidates every refresh token of an account."""
    return Account.session_generation.add(1)

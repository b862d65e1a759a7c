"""Operator actions: password reset, disable, enable any account; the parked stream records."""
from __future__ import annotations

import secrets
import string

from chalicelib import clock
from chalicelib.auth import passwords
from chalicelib.auth.principal import Principal
from chalicelib.data.accounts import Account
from chalicelib.data.base import Transaction
from chalicelib.errors import AppError, ErrorCode
from chalicelib.events.parking import ParkedEvent
from chalicelib.reference import AccountStatus, Role
from chalicelib.services import accounts, sessions, volunteer_orgs
from chalicelib.services.pagination import Page, query_page

_ALPHABET = string.ascii_letters + string.digits


def temporary_password() -> str:
    while True:
        candidate = "".join(secrets.choice(_ALPHABET) for _ in range(12))
        if any(c.isdigit() for c in candidate) and any(c.isalpha() for c in candidate):
            return candidate


def reset_password(operator: Principal, account_id: str) -> tuple[Account, str]:
    """A 团组织 goes back to 000000 (as 智慧团建 issues it); others get a one-time temporary password.

    Either way the account must change it at next login, and every session ends.
    """
    account = _other_account(operator, account_id)
    new = passwords.INITIAL_LEAGUE_ORG_PASSWORD if account.role == Role.LEAGUE_ORG.value else temporary_password()
    Transaction().update(account, [
        Account.password_hash.set(passwords.hash_password(new)), Account.must_change_password.set(True),
        sessions.revoke_all_action(), Account.updated_at.set(clock.now()),
    ]).commit()
    return account, new


def set_disabled(operator: Principal, account_id: str, *, disabled: bool, reason: str | None = None) -> Account:
    account = _other_account(operator, account_id)
    if disabled:
        if account.status == AccountStatus.DISABLED.value:
            raise AppError(ErrorCode.STATE_CONFLICT)
        status, extra = AccountStatus.DISABLED, [Account.status_reason.set(reason), sessions.revoke_all_action()]
    else:
        if account.status != AccountStatus.DISABLED.value:
            raise AppError(ErrorCode.STATE_CONFLICT)
        status, extra = AccountStatus.ACTIVE, [Account.status_reason.remove()]
    Transaction().update(account, [
        Account.status.set(status.value), Account.role_status.set(f"{account.role}#{status.value}"),
        Account.updated_at.set(clock.now()), *extra,
        *volunteer_orgs.directory_actions(account, status=status.value, profile=account.profile),
    ]).commit()
    account.status = status.value
    return account


def _other_account(operator: Principal, account_id: str) -> Account:
    if account_id == operator.account_id:
        raise AppError(ErrorCode.FORBIDDEN, "不能对自己的账号执行该操作")
    return accounts.get_account(account_id)


def parked_events(source: str, *, limit: int, cursor: str | None) -> Page[ParkedEvent]:
    """Stream records a handler could not apply, oldest first, for an operator to inspect (one Query)."""
    return query_page(ParkedEvent.query, source, model=ParkedEvent, scope=f"parked:{source}", limit=limit,
                      cursor=cursor, newest_first=False)

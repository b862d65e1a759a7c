"""Operator actions: password reset, disable, enable any account (each audited); the parked stream records."""
from __future__ import annotations

import secrets

from chalicelib import clock
from chalicelib.auth import passwords
from chalicelib.auth.principal import Principal
from chalicelib.data.accounts import Account
from chalicelib.data.base import Transaction
from chalicelib.errors import AppError, ErrorCode
from chalicelib.events.parking import ParkedEvent
from chalicelib.reference import AccountStatus, AuditAction, NotificationType, Role, SmsPurpose
from chalicelib.services import accounts, audit, notifications, sessions, sms, volunteer_orgs
from chalicelib.services.pagination import Page, query_page

RESET_NOTICE = ("运营人员已重置您的账号密码（原因：{reason}），原密码已失效，所有设备已退出登录。"
                "请使用发送到 {phone} 的验证码，通过“忘记密码”设置新密码。")


def list_accounts(role: Role, status: AccountStatus, *, limit: int, cursor: str | None) -> Page[Account]:
    """账号管理: one role's accounts in one status, newest first (one Query on by_role_status)."""
    return query_page(Account.by_role_status.query, f"{role.value}#{status.value}", model=Account,
                      scope=f"admin-accounts:{role.value}:{status.value}", limit=limit, cursor=cursor)


def reset_password(operator: Principal, account_id: str, *, reason: str) -> tuple[Account, str]:
    """The operator never learns a password: the current one stops working (replaced by the hash of a
    secret nobody keeps), every session ends, and the owner's own phone on file gets a code with which
    the owner sets a new password (POST /auth/password/reset). The owner is notified in-app, and the
    action is audited. All of it is one transaction; the text goes out after it commits.

    Nothing else changes: a 团组织 not yet activated stays so (no 000000 again), and activates when
    it sets its password with the code sent to its leader mobile. Returns the account and its number.
    """
    account = _other_account(operator, account_id)
    phone = accounts.owner_phone(account)
    if phone is None:
        raise AppError(ErrorCode.NO_PHONE_ON_FILE)
    moment = clock.now()
    tx = Transaction().update(account, [
        Account.password_hash.set(passwords.hash_password(secrets.token_urlsafe(32))),
        sessions.revoke_all_action(), Account.updated_at.set(moment),
    ])
    entry = audit.record_in(tx, operator, AuditAction.PASSWORD_RESET, account, reason)
    masked = phone[:3] + "****" + phone[-4:]
    notifications.add_in(tx, notifications.Draft(
        account_id=account.account_id, type=NotificationType.PASSWORD_RESET, at=moment,
        source=f"audit_log/{entry.entry_key}", body=RESET_NOTICE.format(reason=reason, phone=masked)))
    purpose = SmsPurpose.RESET_PASSWORD if account.role == Role.INDIVIDUAL.value else SmsPurpose.ACCOUNT_RECOVERY
    sms.send_code(phone, purpose, client=None, tx=tx)   # the stage budget only: an operator acts
    return account, phone


def set_disabled(operator: Principal, account_id: str, *, disabled: bool, reason: str | None = None) -> Account:
    """Disable or enable, with its audit entry in the same transaction."""
    account = _other_account(operator, account_id)
    if disabled:
        if account.status == AccountStatus.DISABLED.value:
            raise AppError(ErrorCode.STATE_CONFLICT)
        status, extra = AccountStatus.DISABLED, [Account.status_reason.set(reason), sessions.revoke_all_action()]
    else:
        if account.status != AccountStatus.DISABLED.value:
            raise AppError(ErrorCode.STATE_CONFLICT)
        status, extra = AccountStatus.ACTIVE, [Account.status_reason.remove()]
    tx = Transaction().update(account, [
        Account.status.set(status.value), Account.role_status.set(f"{account.role}#{status.value}"),
        Account.updated_at.set(clock.now()), *extra,
        *volunteer_orgs.directory_actions(account, status=status.value, profile=account.profile),
    ])
    action = AuditAction.ACCOUNT_DISABLED if disabled else AuditAction.ACCOUNT_ENABLED
    audit.record_in(tx, operator, action, account, reason)
    tx.commit()
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

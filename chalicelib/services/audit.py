"""Operator actions on accounts, recorded in the append-only audit_log (who, what, target, when, why).

An entry is written in the transaction of the action it records, so an action without its entry (or
an entry of an action that failed) cannot be stored. Entries are only put, never updated or deleted.
"""
from __future__ import annotations

import secrets

from chalicelib import clock
from chalicelib.auth.principal import Principal
from chalicelib.data.accounts import Account
from chalicelib.data.audit import ACCOUNTS_SCOPE, AuditEntry
from chalicelib.data.base import Transaction
from chalicelib.reference import AuditAction
from chalicelib.services.pagination import Page, query_page


def entry(operator: Principal, action: AuditAction, target: Account, reason: str | None = None) -> AuditEntry:
    moment = clock.now()
    return AuditEntry(ACCOUNTS_SCOPE, f"{moment:%Y-%m-%dT%H:%M:%S.%fZ}#{secrets.token_hex(6)}",
                      action=action.value, actor_id=operator.account_id, target_id=target.account_id,
                      target_role=target.role, target_login=target.login, reason=reason, at=moment)


def record_in(tx: Transaction, operator: Principal, action: AuditAction, target: Account,
              reason: str | None = None) -> AuditEntry:
    """The entry, put in `tx` (the action's own transaction) on the condition that it is new."""
    item = entry(operator, action, target, reason)
    tx.put(item, condition=AuditEntry.entry_key.does_not_exist())
    return item


def entries(*, limit: int, cursor: str | None) -> Page[AuditEntry]:
    """Newest first, one Query per page."""
    return query_page(AuditEntry.query, ACCOUNTS_SCOPE, model=AuditEntry, scope="audit:accounts", limit=limit,
                      cursor=cursor)

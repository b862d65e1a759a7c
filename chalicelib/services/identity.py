"""Sign-in by an external identity provider, beside phone + password: WeChat 网页授权 now, 一号通 next.

The flow, whatever the provider: the H5 asks for the provider's authorize URL (with a signed, short-lived,
single-use `state`), the person comes back with a `code`, the server exchanges it for the person's id at
the provider (the subject) and either signs in the account bound to it (the same session as a password
login) or answers a bind ticket. The ticket plus an SMS code to an individual's registered phone binds the
subject to that account, once: one subject ↔ one account, both sides conditions of one transaction.
The subject is personal data: stored (the unique key `idp:<provider>:<subject>` finds the account), never
answered, never logged; the ticket stands for it.
"""
from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Protocol

from pynamodb.attributes import Attribute

from chalicelib import clock
from chalicelib.auth import tokens
from chalicelib.auth.principal import Principal
from chalicelib.data.accounts import Account, UniqueKey, identity_key, phone_key
from chalicelib.data.base import Transaction
from chalicelib.data.batch_get import ItemKey, get_items
from chalicelib.data.identity import BIND_TICKET_PREFIX, SPENT_STATE_PREFIX, BindTicket, SpentState
from chalicelib.data.lookup import get_or_none
from chalicelib.errors import AppError, ErrorCode, field_error
from chalicelib.reference import AccountStatus, SmsPurpose
from chalicelib.secrets import get_secret
from chalicelib.services import accounts, sessions, sms, throttle


class IdentityProvider(Protocol):
    """What an external sign-in implements to sit beside phone + password (services/wechat.py is one; the
    广东 一号通 adapter is to be the next):

    - `name`: short, lower-case letters, stable forever: part of the stored key `idp:<name>:<subject>`.
    - `account_attribute`: the `Account` attribute holding the bound subject (one per provider, added to
      data/accounts.py with the adapter), so that an unbind can delete the unique key.
    - `authorize_url(redirect_uri, state)`: where the H5 sends the person to sign in at the provider, who
      comes back to `redirect_uri` with a `code` and the `state` unchanged. Refuses (400, field
      `redirect_uri`) a page that is not one of the stage's own.
    - `resolve(code)`: the provider's stable id of the person (the subject), by a server-to-server call;
      raises AppError only: 400 for a code the provider refuses, 503 with Retry-After when it fails.
    - `require_configured()`: raises 404 `<PROVIDER>_NOT_CONFIGURED` on a stage without the provider.
    """

    name: str
    account_attribute: Attribute

    def require_configured(self) -> None: ...

    def authorize_url(self, redirect_uri: str, state: str) -> str: ...

    def resolve(self, code: str) -> str: ...


STATE_TTL_SECONDS = 10 * 60      # from the authorize URL to the code coming back: the person may have to consent
BIND_TICKET_TTL_SECONDS = 15 * 60   # time to ask for and type an SMS code
# Sign-ins per client address and 15 minutes: each code exchange costs a call to the provider. Generous:
# people arrive from the 公众号 over carriers' NATs.
WINDOW_SECONDS = 15 * 60
SIGN_INS_PER_CLIENT = 60
_NONCE_HEX = 16
_MAC_HEX = 32


@dataclass(frozen=True)
class AuthorizeLink:
    url: str
    state: str
    expires_in: int


@dataclass(frozen=True)
class BindTicketIssued:
    ticket: str
    expires_in: int


# ---------------------------------------------------------------- state: signed, short-lived, single use

def _state_mac(provider: str, issued: int, nonce: str) -> str:
    message = f"idp-state|{provider}|{issued}|{nonce}".encode()
    return hmac.new(get_secret("token_signing_key"), message, hashlib.sha256).hexdigest()[:_MAC_HEX]


def _new_state(provider: str) -> str:
    # Letters and digits only, 56 of them: WeChat passes back a state of at most 128 such characters.
    issued, nonce = int(clock.now().timestamp()), secrets.token_hex(_NONCE_HEX // 2)
    return f"{issued:08x}{nonce}{_state_mac(provider, issued, nonce)}"


def _spend_state_in(tx: Transaction, provider: str, state: str) -> None:
    """Refuse a state this server did not sign for `provider`, or an expired one; put in `tx` what refuses it
    presented again."""
    invalid = field_error(ErrorCode.WECHAT_STATE_INVALID, "state")
    if len(state) != 8 + _NONCE_HEX + _MAC_HEX or any(c not in "0123456789abcdef" for c in state):
        raise invalid
    issued, nonce, mac = int(state[:8], 16), state[8:8 + _NONCE_HEX], state[8 + _NONCE_HEX:]
    if not hmac.compare_digest(mac, _state_mac(provider, issued, nonce)):
        raise invalid
    if not 0 <= int(clock.now().timestamp()) - issued <= STATE_TTL_SECONDS:
        raise invalid
    spent = SpentState(SPENT_STATE_PREFIX + nonce,
                       expires_at=datetime.fromtimestamp(issued + STATE_TTL_SECONDS, tz=UTC) + timedelta(hours=1))
    tx.put(spent, condition=SpentState.session_id.does_not_exist(), on_conflict=invalid)


def authorize(provider: IdentityProvider, redirect_uri: str) -> AuthorizeLink:
    provider.require_configured()
    state = _new_state(provider.name)
    return AuthorizeLink(url=provider.authorize_url(redirect_uri, state), state=state, expires_in=STATE_TTL_SECONDS)


# ---------------------------------------------------------------- sign in, or a ticket to bind

def sign_in(provider: IdentityProvider, *, code: str, state: str, source_ip: str
            ) -> sessions.TokenPair | BindTicketIssued:
    """The state is spent, and the client's slot taken, before the code reaches the provider (one
    transaction): a replayed callback never costs a call."""
    provider.require_configured()
    moment = clock.now()
    first = Transaction()
    throttle.take_in(first, "idp-sign-in", source_ip, limit=SIGN_INS_PER_CLIENT, window_seconds=WINDOW_SECONDS,
                     moment=moment, code=ErrorCode.LOGIN_THROTTLED)
    _spend_state_in(first, provider.name, state)
    first.commit()
    subject = provider.resolve(code)
    account = accounts.find_by_unique(identity_key(provider.name, subject))
    if account is None:
        return _issue_ticket(provider.name, subject, moment)
    if account.status in accounts.STATUS_ERRORS:
        raise AppError(accounts.STATUS_ERRORS[account.status], account.status_reason or None)
    tx = Transaction()
    # Unbound or disabled since the read: refused, not signed in.
    tx.condition_check(Account, account.account_id,
                       condition=(provider.account_attribute == subject)
                       & (Account.status == AccountStatus.ACTIVE.value),
                       on_conflict=AppError(ErrorCode.STATE_CONFLICT))
    pair = sessions.new_session_in(tx, account)
    tx.commit()
    return pair


def _issue_ticket(provider: str, subject: str, moment: datetime) -> BindTicketIssued:
    ticket_id, secret = secrets.token_hex(16), tokens.new_refresh_secret()
    BindTicket(BIND_TICKET_PREFIX + ticket_id, secret_hash=tokens.hash_refresh_secret(secret), provider=provider,
               subject=subject, expires_at=moment + timedelta(seconds=BIND_TICKET_TTL_SECONDS)).save(
        condition=BindTicket.session_id.does_not_exist())
    return BindTicketIssued(ticket=f"{ticket_id}.{secret}", expires_in=BIND_TICKET_TTL_SECONDS)


# ---------------------------------------------------------------- bind, binding, unbind

def bind(providers: dict[str, IdentityProvider], *, ticket: str, phone: str, sms_code: str) -> sessions.TokenPair:
    """Bind the ticket's subject to the individual registered with `phone` (proven by a `wechat_bind` code to
    it) and sign that account in. Only individuals: see docs/decisions.md, "WeChat sign-in". One
    transaction spends the ticket and the code, puts the subject's unique key (absent: the subject is bound
    to nobody) and sets the account's attribute (absent: the account is bound to no one), and starts the
    session; two binds racing for either side never both commit. No throttle of its own: a ticket takes a
    sign-in (throttled), the code allows 5 wrong tries, the sends have their budgets."""
    moment = clock.now()
    ticket_id, _, secret = ticket.partition(".")
    invalid = field_error(ErrorCode.WECHAT_BIND_TICKET_INVALID, "bind_ticket")
    if len(ticket_id) != 32 or not secret:
        raise invalid
    stored, sent_code, pointer = get_items(
        [ItemKey(BindTicket, BIND_TICKET_PREFIX + ticket_id), sms.code_key(phone, SmsPurpose.WECHAT_BIND),
         ItemKey(UniqueKey, phone_key(phone))], consistent=True)
    if (stored is None or stored.expires_at <= moment or stored.provider not in providers
            or not tokens.refresh_secret_matches(secret, stored.secret_hash)):
        raise invalid
    provider = providers[stored.provider]
    code = sms.verify_read_code(sent_code, phone, SmsPurpose.WECHAT_BIND, sms_code)
    account = get_or_none(Account, pointer.account_id, consistent_read=True) if pointer is not None else None
    if account is None:
        raise field_error(ErrorCode.ACCOUNT_NOT_FOUND, "phone")
    if account.status in accounts.STATUS_ERRORS:
        raise AppError(accounts.STATUS_ERRORS[account.status], account.status_reason or None)
    already = AppError(ErrorCode.ACCOUNT_ALREADY_BOUND)
    if getattr(account, provider.account_attribute.attr_name) is not None:
        raise already
    tx = Transaction()
    tx.delete(stored, condition=BindTicket.secret_hash == stored.secret_hash, on_conflict=invalid)
    code.consume_in(tx)
    tx.put(UniqueKey(identity_key(provider.name, stored.subject), account_id=account.account_id),
           condition=UniqueKey.key.does_not_exist(), on_conflict=AppError(ErrorCode.WECHAT_ALREADY_BOUND))
    tx.update(account, [provider.account_attribute.set(stored.subject), Account.updated_at.set(moment)],
              condition=provider.account_attribute.does_not_exist() & (Account.status == AccountStatus.ACTIVE.value),
              on_conflict=already)
    pair = sessions.new_session_in(tx, account)
    tx.commit()
    return pair


def is_bound(provider: IdentityProvider, caller: Principal) -> bool:
    return getattr(accounts.get_account(caller.account_id), provider.account_attribute.attr_name) is not None


def unbind(provider: IdentityProvider, caller: Principal, *, password: str | None, sms_code: str | None) -> None:
    """从“我的”解除绑定, proven by the account's password or a `wechat_bind` code to its phone. A wrong
    password counts against the account as in a password change."""
    moment = clock.now()
    account = accounts.get_account(caller.account_id)
    subject = getattr(account, provider.account_attribute.attr_name)
    if subject is None:
        raise AppError(ErrorCode.WECHAT_NOT_BOUND)
    tx = Transaction()
    if password is not None:
        accounts.prove_own_password(tx, account, password, path="password")
    else:
        if not account.phone:
            raise AppError(ErrorCode.NO_PHONE_ON_FILE)
        sms.verify_code(account.phone, SmsPurpose.WECHAT_BIND, sms_code or "").consume_in(tx)
    tx.update(account, [provider.account_attribute.remove(), Account.updated_at.set(moment)],
              condition=provider.account_attribute == subject, on_conflict=AppError(ErrorCode.WECHAT_NOT_BOUND))
    tx.delete(UniqueKey(identity_key(provider.name, subject)), condition=UniqueKey.account_id == account.account_id)
    tx.commit()

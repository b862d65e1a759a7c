"""Accounts: individual registration, login, password change and reset, and the caller's own account."""
from __future__ import annotations

import secrets

from chalicelib import clock
from chalicelib.auth import passwords
from chalicelib.auth.principal import Principal
from chalicelib.data.accounts import Account, UniqueKey, login_key, phone_key
from chalicelib.data.base import Transaction
from chalicelib.data.batch_get import ItemKey, get_items
from chalicelib.data.lookup import get_or_none
from chalicelib.errors import AppError, ErrorCode, field_error
from chalicelib.reference import ORG_ROLES, AccountStatus, Role, SmsPurpose
from chalicelib.services import sessions, sms, throttle
from chalicelib.services.org_search import index_on_activation

ORG_ROLE_VALUES = frozenset(role.value for role in ORG_ROLES)
LOGIN_WINDOW_SECONDS = 15 * 60
# Login (docs/decisions.md, "Login throttling"), per window:
MAX_ATTEMPTS_PER_ACCOUNT_AND_CLIENT = 5   # failed tries of one account from one address: then 429 till the window ends
ACCOUNT_FAILURES_BEFORE_BACKOFF = 10      # failed tries of one account from anywhere, then a growing gap between
ACCOUNT_BACKOFF_CAP_SECONDS = 60          # tries (1, 2, 4 … s, at most this): slowed down, never locked
MAX_FAILURES_PER_CLIENT = 20              # failed tries from one address: then its wrong passwords answer 429
# A wrong current password in a password change (the caller is signed in: one party), per window.
MAX_FAILURES_PER_ACCOUNT = 5

STATUS_ERRORS = {
    AccountStatus.DISABLED.value: ErrorCode.ACCOUNT_DISABLED,
    AccountStatus.PENDING_REVIEW.value: ErrorCode.ORG_PENDING_APPROVAL,
    AccountStatus.REJECTED.value: ErrorCode.ORG_REJECTED,
}


def new_account_id() -> str:
    return secrets.token_hex(16)


def new_account(*, role: Role, login: str, display_name: str, password_hash: str, status: AccountStatus,
                must_change_password: bool = False, **fields) -> Account:
    moment = clock.now()
    return Account(
        account_id=new_account_id(), role=role.value, status=status.value,
        role_status=f"{role.value}#{status.value}", login=login, display_name=display_name,
        password_hash=password_hash, must_change_password=must_change_password,
        session_generation=0, created_at=moment, updated_at=moment, **fields,
    )


def insert_account(account: Account, unique_keys: list[tuple[str, AppError]],
                   tx: Transaction | None = None) -> Account:
    """Write a new account with its unique keys (phone, login, credit code) in one transaction.

    Each key is put with attribute_not_exists, so two registrations racing for
    one value never both succeed; the loser gets that key's error. `tx` may
    already hold other items (an SMS code being spent).
    """
    tx = tx or Transaction()
    for key, on_conflict in unique_keys:
        tx.put(UniqueKey(key, account_id=account.account_id), condition=UniqueKey.key.does_not_exist(),
               on_conflict=on_conflict)
    tx.put(account).commit()
    return account


def create_operator(*, account_name: str, display_name: str, password: str) -> Account:
    """Operators are made only from the command line (scripts/manage.py) or the local seed."""
    passwords.check_password_policy(password, path="password", forbidden=(account_name,))
    account = new_account(role=Role.OPERATOR, login=account_name, display_name=display_name,
                          password_hash=passwords.hash_password(password), status=AccountStatus.ACTIVE)
    return insert_account(account, [(login_key(account_name), field_error(ErrorCode.ACCOUNT_NAME_TAKEN,
                                                                           "account_name"))])


def find_pointer(key: str) -> UniqueKey | None:
    return get_or_none(UniqueKey, key, consistent_read=True)


def find_by_unique(key: str) -> Account | None:
    pointer = find_pointer(key)
    return _account_or_none(pointer.account_id) if pointer is not None else None


def _account_or_none(account_id: str) -> Account | None:
    return get_or_none(Account, account_id, consistent_read=True)


def get_account(account_id: str) -> Account:
    account = _account_or_none(account_id)
    if account is None:
        raise AppError(ErrorCode.NOT_FOUND)
    return account


def register_individual(*, phone: str, sms_code: str, display_name: str, password: str) -> sessions.TokenPair:
    passwords.check_password_policy(password, path="password", forbidden=(phone,))
    code = sms.verify_code(phone, SmsPurpose.REGISTER, sms_code)
    account = new_account(role=Role.INDIVIDUAL, login=phone, display_name=display_name,
                          password_hash=passwords.hash_password(password), status=AccountStatus.ACTIVE, phone=phone)
    tx = code.consume_in(Transaction())
    pair = sessions.issue_in(tx, account, generation=0, must_change_password=False)
    insert_account(account, [(phone_key(phone), field_error(ErrorCode.PHONE_ALREADY_REGISTERED, "phone"))], tx)
    return pair


def login(*, account_type: str, login: str, password: str, source_ip: str) -> sessions.TokenPair:
    """Slots are taken before the password is verified, by one conditional write (so concurrent guesses
    never exceed the limits), and given back by a correct password in the session's own transaction:
    the counters count failures. Four requests: the login key with the account's gate, the slots, the
    account, the session (docs/decisions.md, "Login throttling")."""
    moment = clock.now()
    window = {"window_seconds": LOGIN_WINDOW_SECONDS, "moment": moment}
    key = phone_key(login) if account_type == "individual" else login_key(login)
    # Keyed by the login key, known or not: an unknown name costs what a known one costs.
    pair_subject = f"{key}|{source_ip}"
    pointer, gate = get_items([ItemKey(UniqueKey, key), throttle.counter_item_key("login-gate", key, **window)],
                              consistent=True)
    slots = Transaction()
    throttle.take_in(slots, "login-pair", pair_subject, limit=MAX_ATTEMPTS_PER_ACCOUNT_AND_CLIENT,
                     code=ErrorCode.LOGIN_THROTTLED, **window)
    throttle.take_gated_in(slots, "login-gate", key, read=gate, free=ACCOUNT_FAILURES_BEFORE_BACKOFF,
                           cap_seconds=ACCOUNT_BACKOFF_CAP_SECONDS, code=ErrorCode.LOGIN_THROTTLED, **window)
    slots.commit()
    account = _account_or_none(pointer.account_id) if pointer is not None else None
    if account is None:
        passwords.burn_verification_time(password)
    if account is None or not passwords.verify_password(account.password_hash, password):
        # The slots stay taken. The address's count only changes the answer: a correct password from a busy
        # address (a school's or a carrier's NAT) still signs in.
        if throttle.record("login-client", source_ip, **window) > MAX_FAILURES_PER_CLIENT:
            raise throttle.refusal(ErrorCode.LOGIN_THROTTLED, **window)
        raise AppError(ErrorCode.INVALID_CREDENTIALS)
    tx = Transaction()
    throttle.give_back_in(tx, "login-pair", pair_subject, **window)
    throttle.give_back_in(tx, "login-gate", key, **window)
    # Status is told only to whoever proved the password.
    if account.status in STATUS_ERRORS:
        tx.commit()
        raise AppError(STATUS_ERRORS[account.status], account.status_reason or None)
    if passwords.needs_rehash(account.password_hash):
        account.update(actions=[Account.password_hash.set(passwords.hash_password(password))])
    pair = sessions.new_session_in(tx, account)
    tx.commit()
    return pair


def change_password(caller: Principal, *, current_password: str, new_password: str,
                    sms_code: str | None = None) -> sessions.TokenPair:
    """Also the first-login change of 000000, which activates a 团组织 (`sms_code`: see `_activation`).
    Revokes every refresh token, returns a fresh pair.

    One read (the account) and one transaction: the password, the new session, and the account's
    failure counter being under its limit as a condition. A wrong current password counts a failure
    and answers 429 once over the limit, so a throttled caller learns nothing from either answer; the
    new password is checked first for the same reason (its rules do not depend on the current one
    being right)."""
    account = get_account(caller.account_id)
    activating = awaiting_activation(account)
    if activating and not sms_code:
        raise field_error(ErrorCode.ACTIVATION_CODE_REQUIRED, "sms_code")
    passwords.check_password_policy(
        new_password, forbidden=(current_password, passwords.INITIAL_LEAGUE_ORG_PASSWORD, account.login))
    tx = Transaction()
    prove_own_password(tx, account, current_password, path="current_password")
    activation = _activation(account, sms_code) if activating else None
    tx.update(account, _password_actions(new_password, must_change=False)   # version-conditioned: racing change 409
              + (activation.actions if activation else []))
    pair = sessions.issue_in(tx, account, generation=(account.session_generation or 0) + 1,
                             must_change_password=False)
    _commit(tx, activation)
    return pair


def prove_own_password(tx: Transaction, account: Account, password: str, *, path: str) -> None:
    """A signed-in caller proving its password again (a password change, a WeChat unbind). A wrong one
    counts against the account and answers 429 once over the limit (so a throttled caller learns nothing);
    the right one puts in `tx` the condition that the account is still under it."""
    window = {"window_seconds": LOGIN_WINDOW_SECONDS, "moment": clock.now()}
    if not passwords.verify_password(account.password_hash, password):
        if throttle.record("login-account", account.account_id, **window) > MAX_FAILURES_PER_ACCOUNT:
            raise throttle.refusal(ErrorCode.LOGIN_THROTTLED, **window)
        raise field_error(ErrorCode.CURRENT_PASSWORD_INCORRECT, path)
    throttle.require_under_limit(tx, "login-account", account.account_id, limit=MAX_FAILURES_PER_ACCOUNT,
                                 code=ErrorCode.LOGIN_THROTTLED, **window)


# ---------------------------------------------------------------- 团组织 activation and account recovery

def awaiting_activation(account: Account) -> bool:
    """A 团组织 still on its provisioned password: its first login has not proved the organization.
    Only provisioning sets must_change_password (an operator's reset never does)."""
    return account.role == Role.LEAGUE_ORG.value and bool(account.must_change_password)


def owner_phone(account: Account) -> str | None:
    """The number that proves an account's owner: an individual's own, a volunteer organization's
    contact mobile, a 团组织's provisioned leader mobile; operators have none (the CLI serves them)."""
    if account.role == Role.LEAGUE_ORG.value:
        return account.leader_mobile
    if account.role in (Role.INDIVIDUAL.value, Role.VOLUNTEER_ORG.value):
        return account.phone
    return None


def _organization_and_phone(login: str) -> tuple[Account | None, str | None]:
    """The organization an account name names, and its phone on file (None for either when there is none)."""
    pointer = find_pointer(login_key(login))
    account = _account_or_none(pointer.account_id) if pointer is not None else None
    if account is None or account.role not in ORG_ROLE_VALUES:
        return None, None
    return account, owner_phone(account)


def send_activation_code(caller: Principal, *, client: str) -> tuple[str, sms.SentCode]:
    """激活: a code to the provisioned leader mobile, the only proof that 000000's holder is the
    organization. Returns the number (the route masks it) and the send's timings."""
    account = get_account(caller.account_id)
    if not awaiting_activation(account):
        raise AppError(ErrorCode.ALREADY_ACTIVATED)
    if not account.leader_mobile:
        raise AppError(ErrorCode.NO_PHONE_ON_FILE)
    return account.leader_mobile, sms.send_code(account.leader_mobile, SmsPurpose.ACTIVATION, client=client)


class _Activation:
    """What activating a 团组织 adds to the transaction that sets its password: the code spent, the
    account marked, its name-search entries (the 所在组织 picker offers it from then on)."""

    def __init__(self, account: Account, code: sms.VerifiedCode) -> None:
        self.account, self.code = account, code
        self.actions = [Account.activated_at.set(clock.now())]

    def complete(self, tx: Transaction):
        self.code.consume_in(tx)
        return index_on_activation(tx, self.account)   # last: the entries take the room that is left


def _activation(account: Account, sms_code: str | None) -> _Activation:
    """`sms_code` checked as the activation code sent to the leader mobile."""
    if not account.leader_mobile:
        raise AppError(ErrorCode.NO_PHONE_ON_FILE)
    return _Activation(account, sms.verify_code(account.leader_mobile, SmsPurpose.ACTIVATION, sms_code or ""))


def _commit(tx: Transaction, activation: _Activation | None) -> None:
    after = activation.complete(tx) if activation else None
    tx.commit()
    if after is not None:
        after()


def reset_password(*, phone: str | None, account_type: str | None, login: str | None, sms_code: str,
                   new_password: str) -> None:
    """Forgotten password (and an operator's reset, which sent the code): an individual proves its
    registered phone; an organization names its account and proves the phone on file (the code went
    there). An organization's unknown login answers as a code never sent: the same as a known one's."""
    if phone is not None:
        _reset_individual(phone=phone, sms_code=sms_code, new_password=new_password)
        return
    passwords.check_password_policy(new_password, forbidden=(login, passwords.INITIAL_LEAGUE_ORG_PASSWORD))
    account, number = _organization_and_phone(login or "")
    if number is None:
        raise field_error(ErrorCode.SMS_CODE_EXPIRED, "sms_code")
    code = sms.verify_code(number, SmsPurpose.ACCOUNT_RECOVERY, sms_code)
    tx = Transaction()
    # The leader mobile proves a 团组织 as activation does: a 团组织 not yet activated is activated.
    activation = _Activation(account, code) if awaiting_activation(account) else None
    tx.update(account, _password_actions(new_password, must_change=False) + (activation.actions if activation else []))
    if activation is None:
        code.consume_in(tx)
    _commit(tx, activation)


def _reset_individual(*, phone: str, sms_code: str, new_password: str) -> None:
    passwords.check_password_policy(new_password, forbidden=(phone,))
    # The code and the phone's key in one read request, then the account by the key's id.
    sent_code, pointer = get_items([sms.code_key(phone, SmsPurpose.RESET_PASSWORD),
                                    ItemKey(UniqueKey, phone_key(phone))], consistent=True)
    code = sms.verify_read_code(sent_code, phone, SmsPurpose.RESET_PASSWORD, sms_code)
    account = _account_or_none(pointer.account_id) if pointer is not None else None
    if account is None:
        raise field_error(ErrorCode.ACCOUNT_NOT_FOUND, "phone")
    tx = Transaction()
    code.consume_in(tx)
    tx.update(account, _password_actions(new_password, must_change=False))
    tx.commit()


# 找回密码 answers as a send whatever happened: a throttle seen only for existing accounts would tell them apart.
SILENT_SEND_REFUSALS = frozenset({ErrorCode.SMS_SEND_TOO_FREQUENT, ErrorCode.SMS_DAILY_LIMIT,
                                  ErrorCode.SMS_CLIENT_LIMIT, ErrorCode.SMS_PLATFORM_LIMIT, ErrorCode.STATE_CONFLICT,
                                  ErrorCode.SMS_UNAVAILABLE, ErrorCode.SMS_PHONE_REJECTED})


def send_recovery_code(*, login: str, client: str) -> None:
    """找回密码 of an organization: a code to its phone on file. Nothing tells whether the account
    exists: an unknown login, an account without a number and a throttled send all answer as a send."""
    _, number = _organization_and_phone(login)
    if number is None:
        return
    try:
        sms.send_code(number, SmsPurpose.ACCOUNT_RECOVERY, client=client)
    except AppError as exc:
        if exc.code not in SILENT_SEND_REFUSALS:
            raise


def _password_actions(password: str, *, must_change: bool) -> list:
    return [
        Account.password_hash.set(passwords.hash_password(password)),
        Account.must_change_password.set(must_change),
        sessions.revoke_all_action(),
        Account.updated_at.set(clock.now()),
    ]

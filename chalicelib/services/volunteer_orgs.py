"""志愿服务组织: registration, operator vetting, and the profile (完善信息) required before claiming."""
from __future__ import annotations

from typing import TYPE_CHECKING

from chalicelib import clock
from chalicelib.auth import passwords
from chalicelib.auth.principal import Principal
from chalicelib.data.accounts import Account, Region, VolunteerOrgProfile, credit_code_key, login_key
from chalicelib.data.base import Transaction, one_page
from chalicelib.errors import AppError, ErrorCode, field_error
from chalicelib.reference import AccountStatus, AuditAction, Role, SmsPurpose, UploadPurpose, VolunteerOrgKind
from chalicelib.services import accounts, audit, sms, throttle, uploads
from chalicelib.services.feed import KEYWORD_READS_PER_PAGE
from chalicelib.services.pagination import Page, decode_cursor, encode_cursor, query_page, trim_page

if TYPE_CHECKING:   # bodies come from the api layer; services do not load its schemas (docs/architecture.md)
    from chalicelib.schemas.orgs import RegisterVolunteerOrgIn, VolunteerOrgProfileIn

_ROLE = Role.VOLUNTEER_ORG.value
DIRECTORY = "volunteer_orgs"


def directory_values(account: Account, *, status: str, profile: VolunteerOrgProfile | None) -> dict:
    """The public 组织信息 listing keys: present while approved, active and profiled, absent otherwise."""
    if account.role != _ROLE or status != AccountStatus.ACTIVE.value or profile is None:
        return {"directory": None, "directory_city": None, "search_name": None}
    return {"directory": DIRECTORY, "directory_city": f"{DIRECTORY}#{profile.region.city}",
            "search_name": account.display_name.casefold()}


def directory_actions(account: Account, *, status: str, profile: VolunteerOrgProfile | None) -> list:
    if account.role != _ROLE:
        return []
    values = directory_values(account, status=status, profile=profile)
    return [getattr(Account, name).remove() if value is None else getattr(Account, name).set(value)
            for name, value in values.items()]


# Registration attempts that reach the unique keys, per client address (a probe of names costs one).
REGISTRATION_WINDOW_SECONDS = 3600
MAX_REGISTRATIONS_PER_CLIENT = 10


def register(body: RegisterVolunteerOrgIn, *, source_ip: str) -> Account:
    """A taken account name or credit code is reported (the registrant must pick another) the same whichever
    kind of account holds it, and spends the SMS code: each probe costs a verified code (SMS sends are
    throttled per number) and counts against the address (docs/decisions.md, "Names are not enumerable
    through registration")."""
    passwords.check_password_policy(body.password, path="password", forbidden=(body.account_name,))
    code = sms.verify_code(body.contact_phone, SmsPurpose.ORG_CONTACT, body.sms_code)
    registered = body.org_kind is VolunteerOrgKind.REGISTERED
    account = accounts.new_account(
        role=Role.VOLUNTEER_ORG, login=body.account_name, display_name=body.org_name,
        password_hash=passwords.hash_password(body.password), status=AccountStatus.PENDING_REVIEW,
        phone=body.contact_phone, contact_name=body.contact_name, org_kind=body.org_kind.value,
        credit_code=body.credit_code if registered else None,
        filing_number=body.filing_number if registered else None,
        endorsing_org_name=None if registered else body.endorsing_org_name,
        endorsing_credit_code=None if registered else body.endorsing_credit_code,
    )
    keys = [(login_key(body.account_name), field_error(ErrorCode.ACCOUNT_NAME_TAKEN, "account_name"))]
    if registered:
        keys.append((credit_code_key(body.credit_code), field_error(ErrorCode.CREDIT_CODE_TAKEN, "credit_code")))
    window = {"window_seconds": REGISTRATION_WINDOW_SECONDS, "moment": clock.now()}
    tx = code.consume_in(Transaction())
    throttle.take_in(tx, "register-client", source_ip, limit=MAX_REGISTRATIONS_PER_CLIENT,
                     code=ErrorCode.REGISTRATION_THROTTLED, **window)
    try:
        accounts.insert_account(account, keys, tx)
    except AppError as exc:
        if exc.code not in (ErrorCode.ACCOUNT_NAME_TAKEN, ErrorCode.CREDIT_CODE_TAKEN):
            raise
        spent = code.consume_in(Transaction())   # the failed transaction spent nothing: spend it now
        throttle.take_in(spent, "register-client", source_ip, limit=MAX_REGISTRATIONS_PER_CLIENT,
                         code=ErrorCode.REGISTRATION_THROTTLED, **window)
        spent.commit()    # a throttled address learns nothing about the name (429)
        raise
    return account


def list_by_status(status: str, *, limit: int, cursor: str | None) -> Page[Account]:
    return query_page(Account.by_role_status.query, f"{_ROLE}#{status}", model=Account,
                      scope=f"admin-volunteer-orgs:{status}", limit=limit, cursor=cursor)


def _volunteer_org(account_id: str) -> Account:
    account = accounts.get_account(account_id)
    if account.role != _ROLE:
        raise AppError(ErrorCode.NOT_FOUND)
    return account


def approve(operator: Principal, account_id: str) -> Account:
    account = _volunteer_org(account_id)
    _transition(operator, account, to=AccountStatus.ACTIVE, reason=None,
                allowed_from=(AccountStatus.PENDING_REVIEW, AccountStatus.REJECTED))
    return account


def reject(operator: Principal, account_id: str, reason: str) -> Account:
    account = _volunteer_org(account_id)
    _transition(operator, account, to=AccountStatus.REJECTED, reason=reason,
                allowed_from=(AccountStatus.PENDING_REVIEW,))
    return account


def _transition(operator: Principal, account: Account, *, to: AccountStatus, reason: str | None,
                allowed_from: tuple[AccountStatus, ...]) -> None:
    """The vetting decision and its audit entry in one transaction."""
    if account.status not in {s.value for s in allowed_from}:
        raise AppError(ErrorCode.STATE_CONFLICT)
    actions = [Account.status.set(to.value), Account.role_status.set(f"{account.role}#{to.value}"),
               Account.updated_at.set(clock.now())]
    actions.append(Account.status_reason.set(reason) if reason else Account.status_reason.remove())
    actions += directory_actions(account, status=to.value, profile=account.profile)
    condition = Account.status.is_in(*[s.value for s in allowed_from])
    tx = Transaction().update(account, actions, condition=condition, on_conflict=AppError(ErrorCode.STATE_CONFLICT))
    action = AuditAction.VOLUNTEER_ORG_APPROVED if to is AccountStatus.ACTIVE else AuditAction.VOLUNTEER_ORG_REJECTED
    audit.record_in(tx, operator, action, account, reason)
    tx.commit()


def get_profile(caller: Principal) -> VolunteerOrgProfile:
    account = accounts.get_account(caller.account_id)
    if account.profile is None:
        raise AppError(ErrorCode.ORG_PROFILE_INCOMPLETE)
    return account.profile


def save_profile(caller: Principal, body: VolunteerOrgProfileIn) -> VolunteerOrgProfile:
    account = accounts.get_account(caller.account_id)
    verified_numbers = {account.phone, account.profile.leader_mobile if account.profile else None}
    code = None
    if body.leader_mobile not in verified_numbers:
        # A number other organizations will call must be proven, like every contact mobile.
        if body.leader_sms_code is None:
            raise field_error(ErrorCode.SMS_CODE_INVALID, "leader_sms_code", "更换负责人手机号码需要验证码")
        code = sms.verify_code(body.leader_mobile, SmsPurpose.ORG_CONTACT, body.leader_sms_code,
                               path="leader_sms_code")
    kept = list(account.profile.photo_keys or []) if account.profile else []
    photo_keys = uploads.claim(caller, body.photo_keys, purpose=UploadPurpose.ORG_PHOTO, field="photo_keys",
                               kept=kept)
    profile = build_profile(body, photo_keys)
    tx = Transaction()
    if code is not None:
        code.consume_in(tx)
    tx.update(account, [Account.profile.set(profile), Account.updated_at.set(clock.now()),
                        *directory_actions(account, status=account.status, profile=profile)])
    tx.commit()
    return profile


def build_profile(body: VolunteerOrgProfileIn, photo_keys: list[str] | tuple[str, ...] = ()) -> VolunteerOrgProfile:
    """The stored profile; `photo_keys` are the claimed `images/` keys (uploads.claim), not the body's."""
    return VolunteerOrgProfile(
        region=Region(province=body.region.province, city=body.region.city, district=body.region.district),
        service_areas=list(body.service_areas), service_targets=list(body.service_targets),
        volunteer_count=body.volunteer_count, advantages=body.advantages,
        photo_keys=list(photo_keys), leader_name=body.leader_name,
        leader_mobile=body.leader_mobile, landline=body.landline,
    )


def require_complete_profile(account: Account) -> None:
    """Called by the claim service before an application is accepted."""
    if account.role != _ROLE or account.status != AccountStatus.ACTIVE.value:
        raise AppError(ErrorCode.FORBIDDEN)
    if account.profile is None:
        raise AppError(ErrorCode.ORG_PROFILE_INCOMPLETE)


def directory(*, city: str | None, keyword: str | None, limit: int, cursor: str | None) -> Page[Account]:
    """组织信息: one Query; a keyword filters the name within a bounded read (as the demand feed)."""
    folded = keyword.casefold() if keyword else None
    scope = f"directory:{city or ''}:{folded or ''}"
    condition = Account.search_name.contains(folded) if folded else None
    if city:
        index, key, names = Account.by_directory_city, f"{DIRECTORY}#{city}", ("account_id", "directory_city",
                                                                             "created_at")
    else:
        index, key, names = Account.by_directory, DIRECTORY, ("account_id", "directory", "created_at")
    results = index.query(key, scan_index_forward=False, page_size=KEYWORD_READS_PER_PAGE if folded else limit,
                          filter_condition=condition, last_evaluated_key=decode_cursor(scope, cursor))
    items, last = one_page(results, Account)
    items, last = trim_page(items, last, limit, names)
    return Page(items=items, next_cursor=encode_cursor(scope, last))

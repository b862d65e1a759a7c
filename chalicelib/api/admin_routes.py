"""/admin: operator-only provisioning, vetting and account management."""
from __future__ import annotations

from chalice import Blueprint

from chalicelib.api.account_views import league_org_out, volunteer_org_out
from chalicelib.api.notification_views import day_totals
from chalicelib.api.routing import Call, endpoint
from chalicelib.config import get_settings
from chalicelib.errors import ErrorCode
from chalicelib.reference import Role
from chalicelib.schemas.common import PageQuery, mask_mobile
from chalicelib.schemas.notifications import (
    ParkedEventOut,
    ParkedEventPageOut,
    ParkedEventQuery,
    StatsSeriesOut,
    StatsSeriesQuery,
)
from chalicelib.schemas.orgs import (
    AccountListQuery,
    AccountStatusOut,
    AdminAccountOut,
    AdminAccountPageOut,
    AuditEntryOut,
    AuditEntryPageOut,
    DisableIn,
    ImportResultOut,
    LeagueOrgIn,
    LeagueOrgOut,
    PasswordResetIn,
    PasswordResetOut,
    RejectIn,
    VolunteerOrgListQuery,
    VolunteerOrgOut,
    VolunteerOrgPageOut,
)
from chalicelib.services import admin, audit, league_orgs, stats, volunteer_orgs

bp = Blueprint(__name__)
OPERATOR = frozenset({Role.OPERATOR})


@endpoint(bp, "/admin/league-orgs", "POST", roles=OPERATOR, body=LeagueOrgIn, status=201, response=LeagueOrgOut,
          errors=(ErrorCode.ACCOUNT_NAME_TAKEN,))
def create_league_org(call: Call, body: LeagueOrgIn) -> LeagueOrgOut:
    return league_org_out(league_orgs.create(call.caller, body))


@endpoint(bp, "/admin/league-orgs/import", "POST", roles=OPERATOR, text_body=True, text_example=(
              "组织名称,账号,所在省,所在市,所在区县,上级组织,负责人手机号\n"
              "共青团深圳市罗湖区委员会,gd_sz_lh,广东省,深圳市,罗湖区,共青团深圳市委员会,13912345678\n"),
          content_types=["text/csv"], max_body_bytes=get_settings().max_import_body_bytes, response=ImportResultOut,
          errors=(ErrorCode.ACCOUNT_NAME_TAKEN, ErrorCode.CSV_INVALID))
def import_league_orgs(call: Call, text: str) -> ImportResultOut:
    result = league_orgs.import_csv(call.caller, text)
    return ImportResultOut(created=result.created, unchanged=result.unchanged)


@endpoint(bp, "/admin/volunteer-orgs", "GET", roles=OPERATOR, query=VolunteerOrgListQuery, response=VolunteerOrgPageOut)
def list_volunteer_orgs(call: Call, query: VolunteerOrgListQuery) -> VolunteerOrgPageOut:
    page = volunteer_orgs.list_by_status(query.status, limit=query.limit, cursor=query.cursor)
    return VolunteerOrgPageOut(items=[volunteer_org_out(a) for a in page.items], next_cursor=page.next_cursor)


@endpoint(bp, "/admin/volunteer-orgs/{account_id}/approve", "POST", roles=OPERATOR, response=VolunteerOrgOut,
          errors=(ErrorCode.STATE_CONFLICT,))
def approve_volunteer_org(call: Call, account_id: str) -> VolunteerOrgOut:
    return volunteer_org_out(volunteer_orgs.approve(call.caller, account_id))


@endpoint(bp, "/admin/volunteer-orgs/{account_id}/reject", "POST", roles=OPERATOR, body=RejectIn,
          response=VolunteerOrgOut,
          errors=(ErrorCode.STATE_CONFLICT,))
def reject_volunteer_org(call: Call, account_id: str, body: RejectIn) -> VolunteerOrgOut:
    return volunteer_org_out(volunteer_orgs.reject(call.caller, account_id, body.reason))


@endpoint(bp, "/admin/accounts", "GET", roles=OPERATOR, query=AccountListQuery, response=AdminAccountPageOut)
def list_accounts(call: Call, query: AccountListQuery) -> AdminAccountPageOut:
    page = admin.list_accounts(query.role, query.status, limit=query.limit, cursor=query.cursor)
    return AdminAccountPageOut(items=[_admin_account(a) for a in page.items], next_cursor=page.next_cursor)


def _admin_account(account) -> AdminAccountOut:
    role = Role(account.role)
    return AdminAccountOut(
        account_id=account.account_id, role=role, status=account.status, status_reason=account.status_reason,
        login=_shown_login(account.role, account.login),
        display_name=account.display_name, phone=mask_mobile(account.phone), created_at=account.created_at)


@endpoint(bp, "/admin/stats/daily", "GET", roles=OPERATOR, query=StatsSeriesQuery, response=StatsSeriesOut)
def stats_series(call: Call, query: StatsSeriesQuery) -> StatsSeriesOut:
    # 数据统计 charts per city over time: the daily job's stored days, as /stats/totals shows one.
    return StatsSeriesOut(items=[day_totals(stored) for stored in stats.series(query.first_day, query.last_day)])


@endpoint(bp, "/admin/accounts/{account_id}/password-reset", "POST", roles=OPERATOR, body=PasswordResetIn,
          response=PasswordResetOut,
          errors=(ErrorCode.NO_PHONE_ON_FILE, ErrorCode.SMS_DAILY_LIMIT, ErrorCode.SMS_PLATFORM_LIMIT,
                  ErrorCode.SMS_SEND_TOO_FREQUENT, ErrorCode.SMS_UNAVAILABLE, ErrorCode.SMS_PHONE_REJECTED,
                  ErrorCode.STATE_CONFLICT))
def reset_account_password(call: Call, account_id: str, body: PasswordResetIn) -> PasswordResetOut:
    # The current password stops working and every session ends; the owner sets a new one with the code
    # sent to its own phone (POST /auth/password/reset). The answer holds no secret.
    account, phone = admin.reset_password(call.caller, account_id, reason=body.reason)
    return PasswordResetOut(account_id=account.account_id, code_sent_to=mask_mobile(phone))


@endpoint(bp, "/admin/accounts/{account_id}/disable", "POST", roles=OPERATOR, body=DisableIn, response=AccountStatusOut,
          errors=(ErrorCode.STATE_CONFLICT,))
def disable_account(call: Call, account_id: str, body: DisableIn) -> AccountStatusOut:
    account = admin.set_disabled(call.caller, account_id, disabled=True, reason=body.reason)
    return AccountStatusOut(account_id=account.account_id, status=account.status)


@endpoint(bp, "/admin/accounts/{account_id}/enable", "POST", roles=OPERATOR, response=AccountStatusOut,
          errors=(ErrorCode.STATE_CONFLICT,))
def enable_account(call: Call, account_id: str) -> AccountStatusOut:
    account = admin.set_disabled(call.caller, account_id, disabled=False)
    return AccountStatusOut(account_id=account.account_id, status=account.status)


@endpoint(bp, "/admin/audit-log", "GET", roles=OPERATOR, query=PageQuery, response=AuditEntryPageOut)
def list_audit_log(call: Call, query: PageQuery) -> AuditEntryPageOut:
    # Operators' actions on accounts (provisioning, vetting, resets, disable/enable), newest first.
    # Append-only: no route changes or deletes an entry.
    page = audit.entries(limit=query.limit, cursor=query.cursor)
    return AuditEntryPageOut(items=[AuditEntryOut(
        action=e.action, actor_id=e.actor_id, target_id=e.target_id, target_role=e.target_role,
        target_login=_shown_login(e.target_role, e.target_login), reason=e.reason, at=e.at) for e in page.items],
        next_cursor=page.next_cursor)


def _shown_login(role: str | None, login: str | None) -> str | None:
    # An individual signs in with the phone: operators see it masked (账号管理, the audit log).
    return mask_mobile(login) if role == Role.INDIVIDUAL.value else login


@endpoint(bp, "/admin/parked-events", "GET", roles=OPERATOR, query=ParkedEventQuery, response=ParkedEventPageOut)
def list_parked_events(call: Call, query: ParkedEventQuery) -> ParkedEventPageOut:
    page = admin.parked_events(query.source, limit=query.limit, cursor=query.cursor)
    return ParkedEventPageOut(items=[ParkedEventOut(
        source=p.source, event_id=p.event_id, sequence_number=p.sequence_number, keys=p.keys, reason=p.reason,
        error=p.error, parked_at=p.parked_at, attempts=int(p.attempts or 1)) for p in page.items],
        next_cursor=page.next_cursor)

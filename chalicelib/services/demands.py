"""Formal demands (正式需求): drafts, publishing, edits, closing, and who may see what.

State machine: draft → open (publish) → claimed → in_service (claims and
activities issue); draft/open → closed (下架). A demand is publicly visible
while it is open, claimed or in service and not hidden by reports; the sparse
`feed`/`feed_city` index keys exist exactly then.
"""
from __future__ import annotations

import secrets

from chalicelib import clock, observability
from chalicelib.auth.principal import Principal
from chalicelib.data import idempotency_keys
from chalicelib.data.accounts import Region
from chalicelib.data.base import Transaction
from chalicelib.data.batch_get import ItemKey, get_items
from chalicelib.data.demands import PUBLIC_FEED, Demand, DemandEvent, OrgBlock
from chalicelib.data.idempotency_keys import IdempotencyRecord
from chalicelib.data.lookup import get_or_none
from chalicelib.errors import AppError, ErrorCode, FieldError, field_error
from chalicelib.observability import BusinessMetric
from chalicelib.reference import DemandStatus, HelpRequestStatus, Role, SmsPurpose
from chalicelib.schemas.demands import DemandContentIn, OrgBlockIn
from chalicelib.services import help_requests, todo_counters
from chalicelib.services.pagination import Page, owner_page

PUBLIC_STATUSES = frozenset({DemandStatus.OPEN, DemandStatus.CLAIMED, DemandStatus.IN_SERVICE})
EDITABLE_STATUSES = frozenset({DemandStatus.DRAFT, DemandStatus.OPEN})
_PENDING_APPLICATIONS = "该需求还有待处理的认领申请，请先退回后再下架"
CONTENT_FIELDS = ("title", "demand_type", "demand_type_other", "volunteers_needed", "content",
                  "period_start", "period_end", "guarantees", "linked_request_ids")


def is_visible(demand: Demand) -> bool:
    return demand.status in PUBLIC_STATUSES and not demand.hidden


# The events yesterday's totals count (services/stats.py); they carry the demand's city.
STATS_ACTIONS = frozenset({"published", "claimed", "unclaimed"})


def new_event(demand_id: str, caller: Principal, action: str, *, from_status: str | None = None,
              to_status: str | None = None, reason: str | None = None, changed: list[str] | None = None,
              subject: str | None = None, city: str | None = None, notify: list[str] | None = None
              ) -> DemandEvent:
    """A timeline entry, written in the transaction of the change it records (and, through the
    table's stream, the source of that change's notifications)."""
    at = clock.now()
    counted = action in STATS_ACTIONS
    if counted and not city:
        raise ValueError(f"a {action} event needs the demand's city for the daily totals")
    return DemandEvent(demand_id=demand_id, event_key=f"{at.isoformat()}#{secrets.token_hex(4)}", at=at,
                       actor_id=caller.account_id, actor_role=caller.role.value, action=action,
                       from_status=from_status, to_status=to_status, reason=reason, changed_fields=changed or [],
                       subject_id=subject, notify_ids=notify or None, city=city if counted else None,
                       stats_day=clock.cst_date(at) if counted else None)


def city_of(demand: Demand) -> str:
    return demand.org_block.region.city


def get_demand(demand_id: str, *, consistent: bool = False) -> Demand:
    demand = get_or_none(Demand, demand_id, consistent_read=consistent)
    if demand is None:
        raise AppError(ErrorCode.NOT_FOUND)
    return demand


def own_demand(caller: Principal, demand_id: str) -> Demand:
    """The caller's own demand; another organization's is "not found", so existence does not leak."""
    demand = get_demand(demand_id)
    if demand.org_id != caller.account_id:
        raise AppError(ErrorCode.NOT_FOUND)
    return demand


def readable_demand(caller: Principal | None, demand_id: str, *, consistent: bool = False) -> Demand:
    return require_readable(caller, get_demand(demand_id, consistent=consistent))


def require_readable(caller: Principal | None, demand: Demand | None) -> Demand:
    """The demand if the caller may see it; absent, or hidden from this caller: not found."""
    if demand is not None and (is_visible(demand) or (caller is not None and (
            caller.account_id == demand.org_id or caller.role is Role.OPERATOR))):
        return demand
    raise AppError(ErrorCode.NOT_FOUND)


def readable_condition(caller: Principal):
    """readable_demand's rule as a write condition: publicly visible (`feed` exists exactly then), own, or
    operator (for writes that must not read the demand first)."""
    if caller.role is Role.OPERATOR:
        return Demand.demand_id.exists()
    return Demand.feed.exists() | (Demand.org_id == caller.account_id)


def _stored(body: DemandContentIn) -> dict:
    values = body.model_dump(include=set(CONTENT_FIELDS))
    for name in ("period_start", "period_end"):
        if values[name] is not None:
            values[name] = values[name].isoformat()
    return values


def content_of(demand: Demand) -> DemandContentIn:
    return DemandContentIn.model_validate({name: getattr(demand, name) for name in CONTENT_FIELDS})


def feed_actions(demand: Demand, *, visible: bool) -> list:
    if not visible:
        return [Demand.feed.remove(), Demand.feed_city.remove()]
    city = city_of(demand)
    text = f"{demand.title or ''}\n{demand.content or ''}".casefold()
    return [Demand.feed.set(PUBLIC_FEED), Demand.feed_city.set(f"{PUBLIC_FEED}#{city}"),
            Demand.search_text.set(text)]


def _set_actions(values: dict) -> list:
    return [getattr(Demand, name).remove() if value is None else getattr(Demand, name).set(value)
            for name, value in values.items()]


def _require_publishable(content: DemandContentIn) -> None:
    missing = content.missing_for_publish()
    if missing:
        raise AppError(ErrorCode.VALIDATION_FAILED, "发布前请填写完整的需求内容",
                       [FieldError(name, "missing", "发布需求时必须填写") for name in missing])
    if content.period_end < clock.now().astimezone(clock.CST).date():
        raise field_error(ErrorCode.VALIDATION_FAILED, "period_end", "需求周期已结束，请修改结束日期")


def create_draft(caller: Principal, body: DemandContentIn, *, idempotency: IdempotencyRecord | None = None) -> Demand:
    from chalicelib.services import accounts  # cold start: a demand's reads load no account service

    account = accounts.get_account(caller.account_id)
    moment = clock.now()
    demand = Demand(demand_id=secrets.token_hex(16), org_id=caller.account_id, org_name=account.display_name,
                    status=DemandStatus.DRAFT.value, org_status=f"{caller.account_id}#{DemandStatus.DRAFT.value}",
                    created_at=moment, updated_at=moment, **_stored(body))
    tx = Transaction().put(demand)
    tx.put(new_event(demand.demand_id, caller, "created", to_status=DemandStatus.DRAFT.value))
    _links(tx, caller, demand.demand_id, added=body.linked_request_ids, removed=[], published=False)
    idempotency_keys.join(tx, idempotency)
    tx.commit()
    return demand


def update(caller: Principal, demand_id: str, body: DemandContentIn) -> Demand:
    """Replace the step-1 content: any time as a draft, while nobody applied once published."""
    demand = own_demand(caller, demand_id)
    if demand.status not in EDITABLE_STATUSES:
        raise AppError(ErrorCode.STATE_CONFLICT)
    published = demand.status == DemandStatus.OPEN
    if published:
        if demand.application_count:
            raise AppError(ErrorCode.DEMAND_NOT_EDITABLE)
        _require_publishable(body)
    values = _stored(body)
    read_at = demand.updated_at
    changed = [name for name, value in values.items() if getattr(demand, name) != value]
    before = list(demand.linked_request_ids or [])
    for name, value in values.items():
        setattr(demand, name, value)
    actions = _set_actions(values) + [Demand.updated_at.set(clock.now())]
    if published:
        actions += feed_actions(demand, visible=is_visible(demand))
    tx = Transaction().update(
        demand, actions,
        condition=(Demand.status == demand.status) & (Demand.application_count == 0)
        & (Demand.updated_at == read_at),
        on_conflict=AppError(ErrorCode.DEMAND_NOT_EDITABLE if published else ErrorCode.STATE_CONFLICT))
    tx.put(new_event(demand_id, caller, "edited", changed=changed))
    _links(tx, caller, demand_id, added=[i for i in body.linked_request_ids if i not in before],
           removed=[i for i in before if i not in body.linked_request_ids], published=published)
    tx.commit()
    return demand


def publish(caller: Principal, demand_id: str, org: OrgBlockIn, *,
            idempotency: IdempotencyRecord | None = None) -> Demand:
    from chalicelib.services import sms  # cold start: a demand's reads load no SMS service

    # One read request: the demand and, when a code came with the form, the code sent to the leader
    # (whether it is needed depends on the stored mobile; reading it unneeded costs nothing more).
    keys = [ItemKey(Demand, demand_id)]
    if org.leader_sms_code is not None:
        keys.append(sms.code_key(org.leader_mobile, SmsPurpose.LEADER_MOBILE))
    demand, *sent_code = get_items(keys, consistent=True)
    if demand is None or demand.org_id != caller.account_id:
        raise AppError(ErrorCode.NOT_FOUND)
    if demand.status != DemandStatus.DRAFT:
        raise AppError(ErrorCode.STATE_CONFLICT)
    _require_publishable(content_of(demand))
    code = _leader_mobile_proof(demand, org, sent_code[0] if sent_code else None)
    demand.org_block = OrgBlock(
        region=Region(province=org.region.province, city=org.region.city, district=org.region.district),
        org_name=org.org_name, leader_name=org.leader_name, landline=org.landline,
        leader_mobile=org.leader_mobile, services_content=org.services_content)
    moment = clock.now()
    status = DemandStatus.OPEN.value
    actions = [Demand.status.set(status), Demand.org_status.set(f"{demand.org_id}#{status}"),
               Demand.org_block.set(demand.org_block), Demand.published_at.set(moment),
               Demand.updated_at.set(moment), *feed_actions(demand, visible=not demand.hidden)]
    tx = Transaction()
    if code is not None:
        code.consume_in(tx)
    tx.update(demand, actions, condition=Demand.status == DemandStatus.DRAFT.value)
    todo_counters.demand_moved(tx, demand.org_id, DemandStatus.DRAFT.value, status)
    tx.put(new_event(demand_id, caller, "published", from_status=DemandStatus.DRAFT.value, to_status=status,
                     city=org.region.city))
    _advance_links(tx, caller, demand)
    idempotency_keys.join(tx, idempotency)
    tx.commit()
    observability.count(BusinessMetric.DEMANDS_PUBLISHED)
    return demand


def _leader_mobile_proof(demand: Demand, org: OrgBlockIn, sent_code):
    """The leader's mobile is proven by an SMS code when it is new to this demand (`sent_code`: the code
    item stored for it, read with the demand)."""
    from chalicelib.services import sms  # as publish

    if demand.org_block is not None and demand.org_block.leader_mobile == org.leader_mobile:
        return None
    if org.leader_sms_code is None:
        raise field_error(ErrorCode.SMS_CODE_INVALID, "org.leader_sms_code", "请输入负责人手机号码收到的验证码")
    return sms.verify_read_code(sent_code, org.leader_mobile, SmsPurpose.LEADER_MOBILE, org.leader_sms_code,
                                path="org.leader_sms_code")


def close(caller: Principal, demand_id: str, reason: str | None) -> Demand:
    """下架: a draft or an open demand without open applications; its help requests become linkable again.

    Pending applications must be returned first (with a reason their applicants read), so
    closing never leaves claims pending on a demand nobody can claim any more.
    """
    demand = own_demand(caller, demand_id)
    if demand.status not in EDITABLE_STATUSES:
        raise AppError(ErrorCode.STATE_CONFLICT)
    if demand.application_count:
        raise AppError(ErrorCode.STATE_CONFLICT, _PENDING_APPLICATIONS)
    status = DemandStatus.CLOSED.value
    tx = Transaction().update(
        demand, [Demand.status.set(status), Demand.org_status.set(f"{demand.org_id}#{status}"),
                 Demand.updated_at.set(clock.now()), *feed_actions(demand, visible=False)],
        condition=(Demand.status == demand.status) & (Demand.application_count == 0),
        on_conflict=AppError(ErrorCode.STATE_CONFLICT, _PENDING_APPLICATIONS))
    todo_counters.demand_moved(tx, demand.org_id, demand.status, status)
    tx.put(new_event(demand_id, caller, "closed", from_status=demand.status, to_status=status, reason=reason))
    _links(tx, caller, demand_id, added=[], removed=list(demand.linked_request_ids or []), published=False)
    tx.commit()
    return demand


def list_mine(caller: Principal, status: DemandStatus | None, *, limit: int, cursor: str | None) -> Page[Demand]:
    """我的发布: drafts included, newest first, all states or one."""
    return owner_page(Demand, Demand.by_org, Demand.by_org_status, caller.account_id,
                      status.value if status else None, list_name="my-demands", limit=limit, cursor=cursor)


def timeline(caller: Principal, demand_id: str) -> list[DemandEvent]:
    """The owner's or an operator's: the demand (to authorize), then one Query."""
    if get_demand(demand_id).org_id != caller.account_id and caller.role is not Role.OPERATOR:
        raise AppError(ErrorCode.NOT_FOUND)
    return list(DemandEvent.query(demand_id, limit=500))


def _links(tx: Transaction, caller: Principal, demand_id: str, *, added: list[str], removed: list[str],
           published: bool) -> None:
    """关联的求助需求: link (adopting pending ones) and unlink in the demand's own transaction."""
    if added:
        requests = help_requests.linkable(caller.account_id, added, for_demand=demand_id)
        help_requests.link_in(tx, requests, demand_id, actor_id=caller.account_id, published=published)
    if removed:
        dropped = list(help_requests.load_many(removed).values())
        help_requests.unlink_in(tx, dropped, demand_id, actor_id=caller.account_id)


def _advance_links(tx: Transaction, caller: Principal, demand: Demand) -> None:
    if demand.linked_request_ids:
        help_requests.set_status_for_demand_in(tx, list(demand.linked_request_ids), demand.demand_id,
                                               HelpRequestStatus.AWAITING_CLAIM, actor_id=caller.account_id)

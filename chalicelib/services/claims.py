"""Claims (认领): a volunteer organization applies for an open demand; the publishing 团组织 confirms one.

State machine (ClaimStatus), one item per (demand, applicant):

    (none | returned | withdrawn) ──apply──▶ pending ──confirm──▶ confirmed ──withdraw──▶ withdrawn
                                               │ ├──return (publisher, reason)──▶ returned
                                               │ └──another claim confirmed────▶ returned "已由其他组织认领"
                                               └──withdraw (applicant)─────────▶ withdrawn

The demand follows: open ──confirm──▶ claimed ──withdraw of the confirmed claim──▶ open (refused
once in_service). Every change is one TransactWriteItems: the claim(s) with a condition on the
state read, the applicant's pending quota, the demand (condition on its status and its
`application_count`, the number of open applications, which also freezes edits) and one
DemandEvent per transition (who, when, from, to, why). Linked help requests move with the demand.
"""
from __future__ import annotations

from pynamodb.exceptions import PutError

from chalicelib import clock, observability
from chalicelib.auth.principal import Principal
from chalicelib.data import idempotency_keys
from chalicelib.data.accounts import Account, Region
from chalicelib.data.base import Transaction, one_page
from chalicelib.data.batch_get import ItemKey, get_items
from chalicelib.data.claims import ApplicantSnapshot, Claim, ClaimQuota, ContactRead, claim_keys
from chalicelib.data.demands import Demand
from chalicelib.data.idempotency_keys import IdempotencyRecord
from chalicelib.data.lookup import get_or_none
from chalicelib.errors import AppError, ErrorCode
from chalicelib.observability import BusinessMetric
from chalicelib.reference import ClaimStatus, DemandStatus, HelpRequestStatus, MyClaimsFilter, Role
from chalicelib.services import demands, help_requests, todo_counters
from chalicelib.services.pagination import Page, decode_cursor, encode_cursor, owner_page, query_page

MAX_PENDING_PER_ORG = 5                  # pending applications one organization may hold at a time
# Open (pending or confirmed) applications one demand may hold. Confirming writes at most
# 8 items (demand, its event, the claim, its event, the quota, the rating sheet, the publisher's and the
# applicant's todo counters) + 20 linked help requests + 4 per other pending claim (claim, event, quota,
# its applicant's todo counters): 8 + 20 + 4 × 18 = 100 ≤ 100 (TransactWriteItems).
MAX_OPEN_PER_DEMAND = 19
TRANSACTION_LIMIT = 100
assert 8 + help_requests.MAX_LINKED + 4 * (MAX_OPEN_PER_DEMAND - 1) <= TRANSACTION_LIMIT

OTHER_CLAIMED_REASON = "已由其他组织认领"


# ---------------------------------------------------------------- ids and loading

def _publisher_claim(caller: Principal, claim_id_text: str) -> Claim:
    claim = get_or_none(Claim, *claim_keys(claim_id_text), consistent_read=True)
    if claim is None or claim.publisher_id != caller.account_id:
        raise AppError(ErrorCode.NOT_FOUND)
    return claim


def _applicant_claim(caller: Principal, claim_id_text: str) -> Claim:
    claim = get_or_none(Claim, *claim_keys(claim_id_text), consistent_read=True)
    if claim is None or claim.applicant_id != caller.account_id:
        raise AppError(ErrorCode.NOT_FOUND)
    return claim


# ---------------------------------------------------------------- building blocks

def _status_actions(claim: Claim, to: ClaimStatus, moment) -> list:
    return [Claim.status.set(to.value), Claim.applicant_status.set(f"{claim.applicant_id}#{to.value}"),
            Claim.publisher_status.set(f"{claim.publisher_id}#{to.value}"), Claim.updated_at.set(moment)]


def _still(claim: Claim):
    """The claim is exactly as read: same state, same application (a re-application resets applied_at)."""
    return (Claim.status == claim.status) & (Claim.applied_at == claim.applied_at)


def _event(tx: Transaction, caller: Principal, claim: Claim, action: str, to: ClaimStatus,
           reason: str | None = None) -> None:
    tx.put(demands.new_event(claim.demand_id, caller, action, from_status=claim.status, to_status=to.value,
                             reason=reason, changed=[f"applicant:{claim.applicant_id}"], subject=claim.applicant_id))


def _quota(tx: Transaction, applicant_id: str, delta: int) -> None:
    tx.update(ClaimQuota(applicant_id), [ClaimQuota.pending.add(delta)])


def _end(tx: Transaction, caller: Principal, claim: Claim, to: ClaimStatus, action: str, reason: str | None,
         moment) -> None:
    """pending/confirmed → returned/withdrawn, with its event (quota and demand are the caller's business)."""
    actions = (_status_actions(claim, to, moment) + [Claim.ended_at.set(moment), Claim.confirmed_demand.remove()]
               + feed_actions(claim, listed=False))
    actions.append(Claim.reason.set(reason) if reason else Claim.reason.remove())
    tx.update(claim, actions, condition=_still(claim), on_conflict=AppError(ErrorCode.STATE_CONFLICT))
    todo_counters.claim_moved(tx, claim, claim.status, to.value)
    _event(tx, caller, claim, action, to, reason)


def _demand_error(demand_id: str) -> AppError:
    """Why a condition on the demand failed, from a fresh read (status or count moved since we read it)."""
    demand = demands.get_demand(demand_id, consistent=True)
    if demand.status in (DemandStatus.CLAIMED, DemandStatus.IN_SERVICE):
        return AppError(ErrorCode.DEMAND_ALREADY_CLAIMED)
    if demand.status != DemandStatus.OPEN or not demands.is_visible(demand):
        return AppError(ErrorCode.DEMAND_NOT_CLAIMABLE)
    if int(demand.application_count or 0) >= MAX_OPEN_PER_DEMAND:
        return AppError(ErrorCode.DEMAND_CLAIMS_FULL)
    return AppError(ErrorCode.STATE_CONFLICT)


def _commit(tx: Transaction, demand_conflict: AppError, demand_id: str, explain=_demand_error) -> None:
    try:
        tx.commit()
    except AppError as exc:
        if exc is demand_conflict:
            raise explain(demand_id) from None
        raise


def _refuse_unless_open(demand: Demand) -> None:
    if demand.status in (DemandStatus.CLAIMED, DemandStatus.IN_SERVICE):
        raise AppError(ErrorCode.DEMAND_ALREADY_CLAIMED)
    if demand.status != DemandStatus.OPEN:
        raise AppError(ErrorCode.DEMAND_NOT_CLAIMABLE)


# ---------------------------------------------------------------- transitions

def apply(caller: Principal, demand_id: str, message: str | None, *,
          idempotency: IdempotencyRecord | None = None) -> Claim:
    """我要认领. A demand the caller may not see (draft, closed, hidden) is 404; a visible one not open, 409.

    One read: the applicant's account, the demand and an earlier claim of the pair, by key in one
    consistent BatchGetItem, then judged in the order the errors come.
    """
    from chalicelib.services import volunteer_orgs  # cold start: a demand's reads load no account service
    account, demand, existing = get_items([ItemKey(Account, caller.account_id), ItemKey(Demand, demand_id),
                                           ItemKey(Claim, demand_id, caller.account_id)], consistent=True)
    if account is None:
        raise AppError(ErrorCode.NOT_FOUND)
    volunteer_orgs.require_complete_profile(account)
    demand = demands.require_readable(caller, demand)   # its updated_at is pinned below
    _refuse_unless_open(demand)
    if existing is not None and existing.status in (ClaimStatus.PENDING, ClaimStatus.CONFIRMED):
        raise AppError(ErrorCode.CLAIM_ALREADY_APPLIED)
    if int(demand.application_count or 0) >= MAX_OPEN_PER_DEMAND:
        raise AppError(ErrorCode.DEMAND_CLAIMS_FULL)
    profile = account.profile
    moment = clock.now()
    status = ClaimStatus.PENDING.value
    claim = Claim(demand_id=demand_id, applicant_id=caller.account_id, publisher_id=demand.org_id,
                  publisher_name=demand.org_name, demand_title=demand.title or "", status=status,
                  applicant_status=f"{caller.account_id}#{status}", publisher_status=f"{demand.org_id}#{status}",
                  message=message, applied_at=moment, updated_at=moment,
                  # a pair confirmed again keeps its rating sheet (one rating per side, ever): and so its facts
                  publisher_rated_at=existing.publisher_rated_at if existing else None,
                  claimant_rated_at=existing.claimant_rated_at if existing else None,
                  demand_city=demand.org_block.region.city if demand.org_block else None,
                  linked_request_ids=list(demand.linked_request_ids or []),
                  applicant=ApplicantSnapshot(org_name=account.display_name,
                                              region=Region(province=profile.region.province,
                                                            city=profile.region.city,
                                                            district=profile.region.district),
                                              service_areas=list(profile.service_areas),
                                              volunteer_count=profile.volunteer_count,
                                              advantages=profile.advantages))
    demand_conflict = AppError(ErrorCode.STATE_CONFLICT)
    tx = Transaction()
    tx.put(claim, condition=Claim.applicant_id.does_not_exist() | Claim.status.is_in(ClaimStatus.RETURNED.value,
                                                                                      ClaimStatus.WITHDRAWN.value),
           on_conflict=AppError(ErrorCode.CLAIM_ALREADY_APPLIED))
    todo_counters.claim_moved(tx, claim, existing.status if existing else None, status)
    tx.update(ClaimQuota(caller.account_id), [ClaimQuota.pending.add(1)],
              condition=ClaimQuota.pending.does_not_exist() | (ClaimQuota.pending < MAX_PENDING_PER_ORG),
              on_conflict=AppError(ErrorCode.CLAIM_PENDING_LIMIT))
    tx.update(Demand(demand_id), [Demand.application_count.add(1)],
              # updated_at: the linked help requests copied into the claim are still the demand's
              condition=(Demand.status == DemandStatus.OPEN.value) & Demand.feed.exists()
              & (Demand.updated_at == demand.updated_at)
              & (Demand.application_count.does_not_exist() | (Demand.application_count < MAX_OPEN_PER_DEMAND)),
              on_conflict=demand_conflict)
    tx.put(demands.new_event(demand_id, caller, "claim_applied", from_status=existing.status if existing else None,
                             to_status=status, changed=[f"applicant:{caller.account_id}"], subject=caller.account_id))
    idempotency_keys.join(tx, idempotency)
    _commit(tx, demand_conflict, demand_id)
    return claim


def confirm(caller: Principal, claim_id_text: str, *, read_sheet: bool = False) -> Claim:
    """Publisher: pending → confirmed; the demand open → claimed; every other pending claim returned.

    One read: the demand's claims (this one, to authorize, and the other pending ones, returned in the
    same transaction). The demand is not read: its state is the write's condition (open, with exactly
    these applications open), its city and linked help requests were copied into the claim at apply,
    and a failed condition reads it to say why. The rating sheet is assumed new; when the pair was
    confirmed before (rare), its put fails and the confirmation starts again reading the sheet.
    """
    from chalicelib.services import ratings  # cold start: a demand's reads never touch the rating sheets
    demand_id, applicant_id = claim_keys(claim_id_text)
    of_demand = list(Claim.query(demand_id, consistent_read=True))
    claim = next((c for c in of_demand if c.applicant_id == applicant_id), None)
    if claim is None or claim.publisher_id != caller.account_id:
        raise AppError(ErrorCode.NOT_FOUND)
    if claim.status != ClaimStatus.PENDING:
        raise AppError(ErrorCode.STATE_CONFLICT)
    others = [c for c in of_demand if c.status == ClaimStatus.PENDING and c.applicant_id != applicant_id]
    if len(others) >= MAX_OPEN_PER_DEMAND:   # cannot happen while application_count bounds them; never exceed 100
        raise AppError(ErrorCode.STATE_CONFLICT)
    linked, city = claim.linked_request_ids, claim.demand_city
    moment = clock.now()
    count = 1 + len(others)   # application_count: the open applications, all pending while the demand is open
    claimed = DemandStatus.CLAIMED.value
    demand_conflict = AppError(ErrorCode.STATE_CONFLICT)
    sheet_exists = AppError(ErrorCode.STATE_CONFLICT)
    tx = Transaction()
    # The count condition also catches an application or withdrawal racing this confirmation.
    tx.update(Demand(demand_id), [Demand.status.set(claimed), Demand.org_status.set(f"{claim.publisher_id}#{claimed}"),
                                  Demand.application_count.set(1), Demand.updated_at.set(moment),
                                  Demand.confirmed_applicant_id.set(claim.applicant_id)],
              condition=(Demand.status == DemandStatus.OPEN.value) & (Demand.application_count == count),
              on_conflict=demand_conflict)
    todo_counters.demand_moved(tx, claim.publisher_id, DemandStatus.OPEN.value, claimed)
    tx.put(demands.new_event(claim.demand_id, caller, "claimed", from_status=DemandStatus.OPEN.value,
                             to_status=claimed, changed=[f"applicant:{claim.applicant_id}"],
                             subject=claim.applicant_id, city=city))
    tx.update(claim, _status_actions(claim, ClaimStatus.CONFIRMED, moment)
              + [Claim.confirmed_at.set(moment), Claim.confirmed_demand.set(claim.demand_id)]
              + feed_actions(claim, listed=True),
              condition=_still(claim), on_conflict=AppError(ErrorCode.STATE_CONFLICT))
    todo_counters.claim_moved(tx, claim, claim.status, ClaimStatus.CONFIRMED.value)
    _event(tx, caller, claim, "claim_confirmed", ClaimStatus.CONFIRMED)
    ratings.open_sheet(tx, claim, moment, read=read_sheet, on_exists=sheet_exists)   # both sides owe a rating
    _quota(tx, claim.applicant_id, -1)
    for other in others:
        _end(tx, caller, other, ClaimStatus.RETURNED, "claim_returned", OTHER_CLAIMED_REASON, moment)
        _quota(tx, other.applicant_id, -1)
    if linked:
        help_requests.set_status_for_demand_in(tx, linked, claim.demand_id,
                                               HelpRequestStatus.CLAIMED, actor_id=caller.account_id)
    try:
        _commit(tx, demand_conflict, claim.demand_id)
    except AppError as exc:
        if exc is sheet_exists and not read_sheet:
            return confirm(caller, claim_id_text, read_sheet=True)   # which counts it
        raise
    observability.count(BusinessMetric.CLAIMS_CONFIRMED)
    return claim


def return_claim(caller: Principal, claim_id_text: str, reason: str) -> Claim:
    """Publisher: pending → returned (认领失败) with a reason the applicant reads."""
    claim = _publisher_claim(caller, claim_id_text)
    if claim.status != ClaimStatus.PENDING:
        raise AppError(ErrorCode.STATE_CONFLICT)
    tx = Transaction()
    _end(tx, caller, claim, ClaimStatus.RETURNED, "claim_returned", reason, clock.now())
    _quota(tx, claim.applicant_id, -1)
    tx.update(Demand(claim.demand_id), [Demand.application_count.add(-1)], condition=Demand.demand_id.exists())
    tx.commit()
    return claim


def withdraw(caller: Principal, claim_id_text: str, reason: str | None) -> Claim:
    """Applicant: pending → withdrawn; confirmed → withdrawn while no activity exists (demand back to open)."""
    from chalicelib.services import ratings  # cold start: a demand's reads never touch the rating sheets
    claim = _applicant_claim(caller, claim_id_text)
    moment = clock.now()
    tx = Transaction()
    if claim.status == ClaimStatus.PENDING:
        _end(tx, caller, claim, ClaimStatus.WITHDRAWN, "claim_withdrawn", reason, moment)
        _quota(tx, claim.applicant_id, -1)
        tx.update(Demand(claim.demand_id), [Demand.application_count.add(-1)], condition=Demand.demand_id.exists())
        tx.commit()
    elif claim.status == ClaimStatus.CONFIRMED:
        demand = demands.get_demand(claim.demand_id, consistent=True)
        if demand.status == DemandStatus.IN_SERVICE:
            raise AppError(ErrorCode.CLAIM_NOT_WITHDRAWABLE)
        if demand.status != DemandStatus.CLAIMED:
            raise AppError(ErrorCode.STATE_CONFLICT)
        opened = DemandStatus.OPEN.value
        demand_conflict = AppError(ErrorCode.STATE_CONFLICT)
        _end(tx, caller, claim, ClaimStatus.WITHDRAWN, "claim_withdrawn", reason, moment)
        ratings.close_sheet(tx, claim, moment)   # nothing owed any more; ratings given stay
        tx.update(demand, [Demand.status.set(opened), Demand.org_status.set(f"{demand.org_id}#{opened}"),
                           Demand.application_count.add(-1), Demand.updated_at.set(moment),
                           Demand.confirmed_applicant_id.remove(),
                           *demands.feed_actions(demand, visible=demands.is_visible(demand))],
                  condition=Demand.status == DemandStatus.CLAIMED.value, on_conflict=demand_conflict)
        todo_counters.demand_moved(tx, demand.org_id, DemandStatus.CLAIMED.value, opened)
        tx.put(demands.new_event(claim.demand_id, caller, "unclaimed", from_status=DemandStatus.CLAIMED.value,
                                 to_status=opened, reason=reason, changed=[f"applicant:{claim.applicant_id}"],
                                 subject=claim.applicant_id, city=demands.city_of(demand)))
        if demand.linked_request_ids:
            help_requests.set_status_for_demand_in(tx, list(demand.linked_request_ids), claim.demand_id,
                                                   HelpRequestStatus.AWAITING_CLAIM, actor_id=caller.account_id)
        _commit(tx, demand_conflict, claim.demand_id, explain=_withdraw_error)
    else:
        raise AppError(ErrorCode.STATE_CONFLICT)
    return claim


def _withdraw_error(demand_id: str) -> AppError:
    if demands.get_demand(demand_id, consistent=True).status == DemandStatus.IN_SERVICE:
        return AppError(ErrorCode.CLAIM_NOT_WITHDRAWABLE)
    return AppError(ErrorCode.STATE_CONFLICT)


# ---------------------------------------------------------------- the leader's contacts

def is_confirmed_claimant(caller: Principal | None, demand: Demand) -> bool:
    """Whether the caller holds this demand's confirmed claim (and so may see the leader mobile and landline)."""
    if caller is None or caller.role is not Role.VOLUNTEER_ORG:
        return False
    if demand.status not in (DemandStatus.CLAIMED, DemandStatus.IN_SERVICE):
        return False
    return demand.confirmed_applicant_id == caller.account_id   # written with the claim's confirm/withdrawal


def record_contact_read(caller: Principal, demand: Demand) -> None:
    """The audit of who saw the leader's contacts: one item per claimant, demand and CST day (the first
    read's time), put on the condition that the day has none, so a claimant's every later read that day is
    the same one request, refused by its condition, and stores nothing (the table stays bounded)."""
    moment = clock.now()
    try:
        ContactRead(demand.demand_id, f"{clock.cst_date(moment)}#{caller.account_id}",
                    reader_id=caller.account_id, at=moment).save(condition=ContactRead.read_key.does_not_exist())
    except PutError as exc:
        if exc.cause_response_code != "ConditionalCheckFailedException":
            raise


# ---------------------------------------------------------------- lists and counters

def list_mine(caller: Principal, status: MyClaimsFilter | None, *, limit: int, cursor: str | None) -> Page[Claim]:
    """我的申请: newest application first, all states or one (one Query); 待评分: see `_to_rate`."""
    if status is MyClaimsFilter.TO_RATE:
        return _to_rate(caller, limit=limit, cursor=cursor)
    return owner_page(Claim, Claim.by_applicant, Claim.by_applicant_status, caller.account_id,
                      status.value if status else None, list_name="my-claims", limit=limit, cursor=cursor)


def _to_rate(caller: Principal, *, limit: int, cursor: str | None) -> Page[Claim]:
    """待评分: the caller's confirmed claims it still owes a rating on, in the order of 待评分 (the window closing
    soonest first). The rating sheets' owed index decides which (one Query, the same page and cursor as GET
    /me/ratings-owed), then the page's claims are one BatchGetItem."""
    from chalicelib.services import ratings  # cold start: a demand's reads never touch the rating sheets
    sheets = ratings.owed(caller, limit=limit, cursor=cursor)
    if not sheets.items:
        return Page(items=[], next_cursor=sheets.next_cursor)
    found = get_items([ItemKey(Claim, s.demand_id, s.applicant_id) for s in sheets.items])
    return Page(items=[c for c in found if c is not None], next_cursor=sheets.next_cursor)


def inbox(caller: Principal, status: ClaimStatus, *, limit: int, cursor: str | None) -> Page[Claim]:
    """待确认 (or any one state) across the 团组织's demands, newest application first (one Query)."""
    return query_page(Claim.by_publisher_status.query, f"{caller.account_id}#{status.value}", model=Claim,
                      scope=f"claim-inbox:{caller.account_id}:{status.value}", limit=limit, cursor=cursor)


def public_claims(caller: Principal | None, demand_id: str) -> list[Claim]:
    """认领信息 tab: the confirmed claim of a demand the caller may see (the demand, then one Query on a
    sparse index)."""
    demands.readable_demand(caller, demand_id)
    return confirmed_claims(demand_id)


def confirmed_claims(demand_id: str) -> list[Claim]:
    return list(Claim.by_confirmed_demand.query(demand_id, limit=10))


# ---------------------------------------------------------------- 认领信息 (home tab)

CLAIM_FEED = "confirmed"


def feed_actions(claim: Claim, *, listed: bool) -> list:
    """Listed in 认领信息 while confirmed and its demand is publicly visible (reports can hide it)."""
    if not listed:
        return [Claim.claim_feed.remove(), Claim.claim_feed_city.remove()]
    return [Claim.claim_feed.set(CLAIM_FEED), Claim.claim_feed_city.set(f"{CLAIM_FEED}#{claim.demand_city or ''}")]


def list_in_feed(tx: Transaction, demand: Demand, *, listed: bool) -> None:
    """The demand was hidden or shown again (moderation): its confirmed claim follows, in the same transaction.

    The demand names the claim's holder (`confirmed_applicant_id`), so the claim is updated by key."""
    if demand.status not in (DemandStatus.CLAIMED, DemandStatus.IN_SERVICE):
        return
    claim = Claim(demand.demand_id, demand.confirmed_applicant_id, demand_city=demands.city_of(demand))
    tx.update(claim, feed_actions(claim, listed=listed), condition=Claim.status == ClaimStatus.CONFIRMED.value)


def claim_feed(*, city: str | None, limit: int, cursor: str | None) -> Page[Claim]:
    scope = f"claim-feed:{city or ''}"
    if city:
        results = Claim.claim_city_feed_index.query(f"{CLAIM_FEED}#{city}", scan_index_forward=False,
                                                    page_size=limit, last_evaluated_key=decode_cursor(scope, cursor))
    else:
        results = Claim.claim_feed_index.query(CLAIM_FEED, scan_index_forward=False, page_size=limit,
                                               last_evaluated_key=decode_cursor(scope, cursor))
    items, last = one_page(results, Claim)
    return Page(items=items, next_cursor=encode_cursor(scope, last))

"""初始需求 (help requests): submission, who may read them, 采用 / 不采用, and linking to formal demands.

State machine (HelpRequestStatus):

    pending ──adopt──▶ adopted ──(linked demand published)──▶ awaiting_claim ⇄ claimed ──▶ published
       │                  ▲  (a linked draft is edited: unlink → adopted)
       └──decline──▶ declined (terminal, with a reason)

Linking (link_in) accepts pending or adopted requests and adopts them. Every
change is one conditional write (status, addressed org or linked demand, and
the item's version), so of two racing calls exactly one wins and the other
gets STATE_CONFLICT; a refused call writes nothing. Each change appends a
Transition (who, when, from, to, why) to the item's bounded `history`.

Visibility: the submitter and the addressed 团组织 only. Everyone else,
operators included, gets 404, so a request's existence is not revealed.
"""
from __future__ import annotations

import secrets
from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING

from chalicelib import clock, observability
from chalicelib.auth.principal import Principal
from chalicelib.data import idempotency_keys
from chalicelib.data.accounts import Account
from chalicelib.data.base import Transaction
from chalicelib.data.batch_get import ItemKey, get_items
from chalicelib.data.help_requests import (
    MAX_HISTORY,
    HelpRequest,
    SubjectScore,
    Transition,
    TutoringDetails,
)
from chalicelib.data.idempotency_keys import IdempotencyRecord
from chalicelib.data.lookup import get_or_none
from chalicelib.errors import AppError, ErrorCode, FieldError, field_error
from chalicelib.observability import BusinessMetric
from chalicelib.reference import LABELS, AccountStatus, HelpRequestKind, HelpRequestStatus, Role, SmsPurpose
from chalicelib.services import todo_counters
from chalicelib.services.pagination import Page, owner_page

if TYPE_CHECKING:   # bodies come from the api layer; services do not load its schemas (docs/architecture.md)
    from chalicelib.schemas.help_requests import CloudTutoringRequestIn, GeneralRequestIn

MAX_LINKED = 20
NO_INTERESTS = "无"   # what 其他课程 renders when none was chosen
UNLINK_REASON = "已从关联需求中移除"

LINKABLE_STATUSES = (HelpRequestStatus.PENDING, HelpRequestStatus.ADOPTED)
# set_status_for_demand_in targets
DEMAND_STATUSES = (HelpRequestStatus.ADOPTED, HelpRequestStatus.AWAITING_CLAIM, HelpRequestStatus.CLAIMED,
                   HelpRequestStatus.PUBLISHED)

STATUS_LABELS = LABELS["help_request_status"]
PROGRESS_STEPS = (HelpRequestStatus.PENDING, HelpRequestStatus.ADOPTED, HelpRequestStatus.AWAITING_CLAIM,
                  HelpRequestStatus.CLAIMED, HelpRequestStatus.PUBLISHED)


# ---------------------------------------------------------------- description

def _score_text(score: float | int) -> str:
    number = float(score)
    return str(int(number)) if number.is_integer() else f"{number:.1f}"


def render_description(form: CloudTutoringRequestIn) -> str:
    """The guide's format (§2.3.1), subjects in the order given, interests joined by ASCII commas.

    No interest course renders as "其他课程（最多选3项）：无；"; a remark, when given, is appended as "备注：…；".
    """
    subjects = "，".join(f"{s.subject}{_score_text(s.score)}分" for s in form.subjects)
    interests = ",".join(form.interests) or NO_INTERESTS
    text = (f"学生姓名：{form.student_name}；学生性别：{form.gender}；当前所在年级：{form.grade}；"
            f"所在学校：{form.school}；所在市：{form.city}；详细地址：{form.address}；"
            f"需所需辅导课程（最多选3项）：{subjects}；其他课程（最多选3项）：{interests}；")
    if form.remark:
        text += f"备注：{form.remark}；"
    return text


# ---------------------------------------------------------------- submission

def _org_unavailable() -> AppError:
    return field_error(ErrorCode.VALIDATION_FAILED, "org_id", "所选团组织不存在或暂不可用，请重新选择")


def _status_keys(item: HelpRequest, status: HelpRequestStatus) -> dict[str, str]:
    return {"submitter_status": f"{item.submitter_id}#{status.value}", "org_status": f"{item.org_id}#{status.value}"}


def submit(caller: Principal, form: CloudTutoringRequestIn | GeneralRequestIn, *,
           idempotency: IdempotencyRecord | None = None) -> HelpRequest:
    from chalicelib.services import sms  # cold start: a demand's reads (which link requests) load no SMS service
    if form.org_id == caller.account_id:   # a submitter is never a 团组织 (and one BatchGetItem takes a key once)
        raise _org_unavailable()
    # One read request: the submitter, the addressed 团组织 (names copied into the request) and the code.
    submitter, org, sent_code = get_items([ItemKey(Account, caller.account_id), ItemKey(Account, form.org_id),
                                           sms.code_key(form.contact_phone, SmsPurpose.HELP_CONTACT)],
                                          consistent=True)
    if submitter is None:
        raise AppError(ErrorCode.NOT_FOUND)
    if submitter.status != AccountStatus.ACTIVE.value:
        raise AppError(ErrorCode.ACCOUNT_DISABLED)
    # Not activated (still on 000000): unknown to the 所在组织 picker, so answered as an unknown id.
    if (org is None or org.role != Role.LEAGUE_ORG.value or org.status != AccountStatus.ACTIVE.value
            or org.must_change_password):
        raise _org_unavailable()
    code = sms.verify_read_code(sent_code, form.contact_phone, SmsPurpose.HELP_CONTACT, form.sms_code,
                                path="sms_code")
    moment = clock.now()
    item = HelpRequest(
        request_id=secrets.token_hex(16), kind=form.kind.value, status=HelpRequestStatus.PENDING.value,
        title=form.title,
        org_id=org.account_id, org_name=org.display_name,
        submitter_id=submitter.account_id, submitter_name=submitter.display_name,
        contact_name=form.contact_name, contact_phone=form.contact_phone,
        created_at=moment, updated_at=moment,
        history=[Transition(at=moment, actor_id=submitter.account_id, from_status=None,
                            to_status=HelpRequestStatus.PENDING.value)],
    )
    if form.kind == HelpRequestKind.CLOUD_TUTORING:
        item.description = render_description(form)
        item.tutoring = TutoringDetails(
            student_name=form.student_name, gender=form.gender, grade=form.grade, school=form.school,
            city=form.city, address=form.address, interests=list(form.interests), remark=form.remark,
            subjects=[SubjectScore(subject=s.subject, score=_stored_score(s.score)) for s in form.subjects],
        )
    else:
        item.description = form.description
    for name, value in _status_keys(item, HelpRequestStatus.PENDING).items():
        setattr(item, name, value)
    tx = Transaction()
    code.consume_in(tx)
    # The org may be disabled between the read and the write: check it again, atomically.
    still_active = ((Account.role == Role.LEAGUE_ORG.value) & (Account.status == AccountStatus.ACTIVE.value)
                    & (Account.must_change_password == False))  # noqa: E712  (a DynamoDB condition)
    tx.condition_check(Account, org.account_id, condition=still_active,
                       on_conflict=field_error(ErrorCode.VALIDATION_FAILED, "org_id", "所选团组织暂不可用，请重新选择"))
    tx.put(item, condition=HelpRequest.request_id.does_not_exist())
    todo_counters.help_request_moved(tx, item, None, HelpRequestStatus.PENDING.value)
    idempotency_keys.join(tx, idempotency)
    tx.commit()
    observability.count(BusinessMetric.HELP_REQUESTS_SUBMITTED)
    return item


def _stored_score(score: float) -> int | float:
    return int(score) if float(score).is_integer() else float(score)


# ---------------------------------------------------------------- reading

def visible_to(caller: Principal, request_id: str) -> HelpRequest:
    """The request if `caller` is its submitter or the addressed 团组织; otherwise 404 (existence not revealed)."""
    item = get_or_none(HelpRequest, request_id, consistent_read=True)
    if item is None or not (is_submitter(caller, item) or is_addressed_org(caller, item)):
        raise AppError(ErrorCode.NOT_FOUND)
    return item


def is_submitter(caller: Principal, item: HelpRequest) -> bool:
    return caller.role == Role.INDIVIDUAL and caller.account_id == item.submitter_id


def is_addressed_org(caller: Principal, item: HelpRequest) -> bool:
    return caller.role == Role.LEAGUE_ORG and caller.account_id == item.org_id


def list_mine(caller: Principal, status: HelpRequestStatus | None, *, limit: int,
              cursor: str | None) -> Page[HelpRequest]:
    """我的求助: newest first, all states or one."""
    return owner_page(HelpRequest, HelpRequest.by_submitter, HelpRequest.by_submitter_status, caller.account_id,
                      status.value if status else None, list_name="my-help-requests", limit=limit, cursor=cursor)


def list_inbox(caller: Principal, status: HelpRequestStatus | None, *, limit: int,
               cursor: str | None) -> Page[HelpRequest]:
    """初始需求 of one 团组织: newest first, all states or one."""
    return owner_page(HelpRequest, HelpRequest.by_org, HelpRequest.by_org_status, caller.account_id,
                      status.value if status else None, list_name="help-request-inbox", limit=limit, cursor=cursor)


# ---------------------------------------------------------------- transitions

def _history_with(item: HelpRequest, *entries: Transition) -> list[Transition]:
    """The item's history plus `entries`, bounded: the submission is kept, then the latest ones."""
    history = list(item.history or []) + list(entries)
    if len(history) > MAX_HISTORY:
        history = history[:1] + history[-(MAX_HISTORY - 1):]
    return history


def _transition(item: HelpRequest, to: HelpRequestStatus, *, actor_id: str, moment: datetime,
                reason: str | None = None, demand_id: str | None = None,
                from_status: str | None = None) -> Transition:
    return Transition(at=moment, actor_id=actor_id, from_status=from_status or item.status, to_status=to.value,
                      reason=reason, demand_id=demand_id)


def _status_actions(item: HelpRequest, to: HelpRequestStatus, history: list[Transition], moment: datetime) -> list:
    keys = _status_keys(item, to)
    return [HelpRequest.status.set(to.value), HelpRequest.submitter_status.set(keys["submitter_status"]),
            HelpRequest.org_status.set(keys["org_status"]), HelpRequest.updated_at.set(moment),
            HelpRequest.history.set(history)]


def _own_pending(caller: Principal, request_id: str) -> HelpRequest:
    item = get_or_none(HelpRequest, request_id, consistent_read=True)
    if item is None or not is_addressed_org(caller, item):
        raise AppError(ErrorCode.NOT_FOUND)   # another org's request: as if it did not exist
    if item.status != HelpRequestStatus.PENDING.value:
        raise AppError(ErrorCode.STATE_CONFLICT)
    return item


def _decide(caller: Principal, request_id: str, to: HelpRequestStatus, reason: str | None) -> HelpRequest:
    item = _own_pending(caller, request_id)
    moment = clock.now()
    history = _history_with(item, _transition(item, to, actor_id=caller.account_id, moment=moment, reason=reason))
    actions = _status_actions(item, to, history, moment)
    actions.append(HelpRequest.decline_reason.set(reason) if reason else HelpRequest.decline_reason.remove())
    condition = (HelpRequest.status == HelpRequestStatus.PENDING.value) & (HelpRequest.org_id == caller.account_id)
    # A transaction, not item.update: the 待采用 counter moves with it (+ the version read above).
    tx = Transaction().update(item, actions, condition=condition, on_conflict=AppError(ErrorCode.STATE_CONFLICT))
    todo_counters.help_request_moved(tx, item, item.status, to.value)
    tx.commit()   # which applies the actions to `item` too (data/base.py apply_actions)
    return item


def adopt(caller: Principal, request_id: str) -> HelpRequest:
    """采用: only the addressed 团组织, only from 待采用."""
    return _decide(caller, request_id, HelpRequestStatus.ADOPTED, None)


def decline(caller: Principal, request_id: str, reason: str) -> HelpRequest:
    """不采用 with a reason the submitter sees: only the addressed 团组织, only from 待采用."""
    return _decide(caller, request_id, HelpRequestStatus.DECLINED, reason)


# ---------------------------------------------------------------- formal demands (called by the demand service)

def _valid_id(request_id: object) -> bool:
    return isinstance(request_id, str) and 0 < len(request_id) <= 128 and request_id.isprintable()


def load_many(request_ids: Iterable[str]) -> dict[str, HelpRequest]:
    """BatchGetItem (strongly consistent) of the well-formed ids, by id; missing ones are absent."""
    ids = list(dict.fromkeys(i for i in request_ids if _valid_id(i)))
    return {item.request_id: item for item in HelpRequest.batch_get(ids, consistent_read=True)} if ids else {}


def linkable(org_id: str, request_ids: list[str], *, for_demand: str | None = None) -> list[HelpRequest]:
    """The requests a formal demand of `org_id` may link (关联的求助需求), in the order given.

    Each must exist, be addressed to `org_id`, be 待采用 or 已采用 and not be linked to
    a demand; with `for_demand` (editing that demand), requests already linked to it
    are accepted as they are. Refused ids are named `linked_request_ids[i]`.
    """
    if len(request_ids) > MAX_LINKED:
        raise AppError(ErrorCode.VALIDATION_FAILED, fields=[FieldError(
            "linked_request_ids", "too_long", f"最多关联{MAX_LINKED}条求助需求")])
    seen: dict[str, int] = {}
    duplicates = []
    for i, request_id in enumerate(request_ids):
        if request_id in seen:
            duplicates.append(FieldError(f"linked_request_ids[{i}]", "duplicate", f"与第{seen[request_id] + 1}条重复"))
        seen.setdefault(request_id, i)
    if duplicates:
        raise AppError(ErrorCode.VALIDATION_FAILED, fields=duplicates)
    found = load_many(request_ids)
    refused: list[FieldError] = []
    result: list[HelpRequest] = []
    for i, request_id in enumerate(request_ids):
        item = found.get(request_id) if _valid_id(request_id) else None
        ok = item is not None and item.org_id == org_id and (
            (for_demand is not None and item.demand_id == for_demand)
            or (item.demand_id is None and item.status in {s.value for s in LINKABLE_STATUSES}))
        if not ok:
            refused.append(FieldError(f"linked_request_ids[{i}]", ErrorCode.HELP_REQUEST_NOT_LINKABLE.name,
                                      ErrorCode.HELP_REQUEST_NOT_LINKABLE.default_message))
        else:
            result.append(item)
    if refused:
        raise AppError(ErrorCode.HELP_REQUEST_NOT_LINKABLE, fields=refused)
    return result


def link_in(tx: Transaction, requests: list[HelpRequest], demand_id: str, *, actor_id: str,
            published: bool) -> Transaction:
    """Add one conditional update per request to the caller's transaction: link it to `demand_id`.

    A pending request is adopted on the way (both steps are recorded); the status
    becomes 已采用, or 待认领 when the demand is being published. Requests already
    linked to this demand in a later state (待认领 …) are left as they are.
    `requests` must come from `linkable` in this same call (their version is the condition).
    """
    target = HelpRequestStatus.AWAITING_CLAIM if published else HelpRequestStatus.ADOPTED
    moment = clock.now()
    linkable_values = [s.value for s in LINKABLE_STATUSES]
    for i, item in enumerate(requests):
        if item.demand_id == demand_id and (item.status == target.value or item.status not in linkable_values):
            continue
        entries = []
        from_status = item.status
        if item.status == HelpRequestStatus.PENDING.value:
            entries.append(_transition(item, HelpRequestStatus.ADOPTED, actor_id=actor_id, moment=moment,
                                       demand_id=demand_id))
            from_status = HelpRequestStatus.ADOPTED.value
        if target.value != from_status or not entries:   # linking an adopted request is recorded too
            entries.append(_transition(item, target, actor_id=actor_id, moment=moment, demand_id=demand_id,
                                       from_status=from_status))
        actions = _status_actions(item, target, _history_with(item, *entries), moment)
        actions.append(HelpRequest.demand_id.set(demand_id))
        condition = (HelpRequest.status.is_in(*linkable_values)
                     & (HelpRequest.demand_id.does_not_exist() | (HelpRequest.demand_id == demand_id)))
        todo_counters.help_request_moved(tx, item, item.status, target.value)
        tx.update(item, actions, condition=condition, on_conflict=AppError(
            ErrorCode.HELP_REQUEST_NOT_LINKABLE,
            fields=[FieldError(f"linked_request_ids[{i}]", ErrorCode.HELP_REQUEST_NOT_LINKABLE.name,
                               ErrorCode.HELP_REQUEST_NOT_LINKABLE.default_message)]))
    return tx


def unlink_in(tx: Transaction, requests: list[HelpRequest], demand_id: str, *, actor_id: str) -> Transaction:
    """A draft edit dropped these requests: back to 已采用, no demand (condition: still linked to `demand_id`)."""
    moment = clock.now()
    for item in requests:
        entry = _transition(item, HelpRequestStatus.ADOPTED, actor_id=actor_id, moment=moment, reason=UNLINK_REASON,
                            demand_id=demand_id)
        actions = _status_actions(item, HelpRequestStatus.ADOPTED, _history_with(item, entry), moment)
        actions.append(HelpRequest.demand_id.remove())
        tx.update(item, actions, condition=HelpRequest.demand_id == demand_id,
                  on_conflict=AppError(ErrorCode.STATE_CONFLICT))
    return tx


def set_status_for_demand_in(tx: Transaction, request_ids: list[str], demand_id: str, to_status: HelpRequestStatus,
                             *, actor_id: str) -> Transaction:
    """The linked demand moved on (published → 待认领, claim confirmed → 已认领, activity → 已发布, or back).

    Reads the requests (one BatchGetItem), then adds one update per request whose
    status differs, conditioned on still being linked to `demand_id` (and on its version).
    """
    to_status = HelpRequestStatus(to_status)
    if to_status not in DEMAND_STATUSES:
        raise ValueError(f"a demand cannot move its help requests to {to_status.value}")
    found = load_many(request_ids)
    moment = clock.now()
    for request_id in dict.fromkeys(request_ids):
        item = found.get(request_id)
        if item is None or item.demand_id != demand_id:
            raise AppError(ErrorCode.STATE_CONFLICT)
        if item.status == to_status.value:
            continue
        entry = _transition(item, to_status, actor_id=actor_id, moment=moment, demand_id=demand_id)
        tx.update(item, _status_actions(item, to_status, _history_with(item, entry), moment),
                  condition=HelpRequest.demand_id == demand_id, on_conflict=AppError(ErrorCode.STATE_CONFLICT))
    return tx


# ---------------------------------------------------------------- progress

def progress(item: HelpRequest) -> list[dict]:
    """The progress bar: which steps are done, when each was (last) reached, and 不采用's reason."""
    reached: dict[str, datetime] = {HelpRequestStatus.PENDING.value: item.created_at}
    for entry in item.history or []:
        reached[entry.to_status] = entry.at
    current = HelpRequestStatus(item.status)
    if current is HelpRequestStatus.DECLINED:
        return [_step(HelpRequestStatus.PENDING, True, False, reached),
                _step(HelpRequestStatus.DECLINED, True, True, reached, reason=item.decline_reason)]
    position = PROGRESS_STEPS.index(current)
    return [_step(step, i <= position, i == position, reached) for i, step in enumerate(PROGRESS_STEPS)]


def _step(status: HelpRequestStatus, done: bool, current: bool, reached: dict[str, datetime],
          reason: str | None = None) -> dict:
    return {"status": status, "label": STATUS_LABELS[status], "done": done, "current": current,
            "at": reached.get(status.value) if done else None, "reason": reason}

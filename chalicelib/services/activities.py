"""Volunteer activities (志愿服务活动): publishing by the confirmed claimant, sign-ups (报名),
attendance (签到签退) and service hours.

    demand claimed ──first activity──▶ in_service (help requests → 已发布; the claim can no longer be withdrawn)
    activity: published ──cancel (organization, before service_start)──▶ cancelled
    sign-up:  (none | cancelled) ──sign up (recruiting window, seat left)──▶ signed_up
              signed_up ──cancel (volunteer, before service_start, never checked in)──▶ cancelled

Each change is one TransactWriteItems whose conditions carry the rule: the seat counter on the
activity (`signed_up_count < volunteers_to_recruit`), the open check-in and the day's check-in
count on the sign-up, the demand's status, the claim's confirmation.
"""
from __future__ import annotations

import hashlib
import hmac
import math
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, NoReturn

from chalicelib import clock
from chalicelib.auth.principal import Principal
from chalicelib.data import idempotency_keys
from chalicelib.data.accounts import Account
from chalicelib.data.activities import Activity, AttendanceRecord, ServiceTotal, Signup
from chalicelib.data.base import Transaction, one_page
from chalicelib.data.batch_get import ItemKey, get_items
from chalicelib.data.claims import Claim
from chalicelib.data.demands import Demand
from chalicelib.data.idempotency_keys import IdempotencyRecord
from chalicelib.data.lookup import get_or_none
from chalicelib.errors import AppError, ErrorCode, field_error
from chalicelib.reference import (
    CODE_SIGN_IN_METHODS,
    HOURS_COUNTING_ACTIVITY_TYPES,
    ActivityStatus,
    ClaimStatus,
    DemandStatus,
    HelpRequestStatus,
    Role,
    SignupStatus,
    UploadPurpose,
)
from chalicelib.services import demands, help_requests, throttle, uploads
from chalicelib.services.pagination import Page, decode_cursor, encode_cursor, query_page

if TYPE_CHECKING:   # bodies come from the api layer; services do not load its schemas (docs/architecture.md)
    from chalicelib.schemas.activities import ActivityIn, AttendanceIn

ATTENDANCE_GRACE = timedelta(minutes=30)   # check-in from 30 min before the start; check-out until 30 min after the end
CODE_WINDOW_SECONDS = 300                  # the check-in code rotates every 5 minutes; the previous one stays valid
MAX_CHECK_INS_PER_DAY = 3                  # per volunteer, per activity, per China-Standard-Time day
WRONG_CODES_PER_WINDOW = 10                # wrong codes per volunteer and activity per 15 minutes
WRONG_CODE_WINDOW_SECONDS = 900
WRONG_CODE_BUCKET = "check-in-code"
EARTH_RADIUS_KM = 6371.0088                # IUGG mean radius



# ---------------------------------------------------------------- loading and phases

def _activity(activity_id: str) -> Activity:
    activity = get_or_none(Activity, activity_id, consistent_read=True)
    if activity is None:
        raise AppError(ErrorCode.NOT_FOUND)
    return activity


def _sees_hidden(caller: Principal | None, activity: Activity) -> bool:
    """A hidden activity (reported by three accounts, or a report upheld) is still shown to its organization
    and to operators, as a hidden demand is."""
    return caller is not None and (caller.account_id == activity.org_id or caller.role is Role.OPERATOR)


def _visible_activity(caller: Principal | None, activity_id: str) -> Activity:
    return _require_visible(caller, _activity(activity_id))


def _require_visible(caller: Principal | None, activity: Activity) -> Activity:
    """An activity is shown while its demand may be seen by the caller (a hidden demand hides its activities)
    and it is not hidden itself."""
    if activity.hidden and not _sees_hidden(caller, activity):
        raise AppError(ErrorCode.NOT_FOUND)
    if caller is None or caller.account_id != activity.org_id:
        demands.readable_demand(caller, activity.demand_id)
    return activity


def get_any(activity_id: str) -> Activity:
    """The activity whatever its visibility: for operators, and for writes that make it a condition."""
    return _activity(activity_id)


def _own_activity(caller: Principal, activity_id: str) -> Activity:
    activity = _activity(activity_id)
    if activity.org_id != caller.account_id:
        raise AppError(ErrorCode.NOT_FOUND)
    return activity


def _signup(activity_id: str, volunteer_id: str) -> Signup | None:
    return get_or_none(Signup, activity_id, volunteer_id, consistent_read=True)


def phase(activity: Activity, moment: datetime) -> str:
    """What the public page shows, from the stored status and the clock."""
    if activity.status == ActivityStatus.CANCELLED:
        return "cancelled"
    if moment >= activity.service_end:
        return "ended"
    if moment < activity.recruit_start:
        return "recruiting_soon"
    if moment < activity.recruit_end:
        return "recruiting" if seats_left(activity) > 0 else "full"
    if moment >= activity.service_start:
        return "in_service"
    return "recruiting_closed"


def seats_left(activity: Activity) -> int:
    return max(0, int(activity.volunteers_to_recruit) - int(activity.signed_up_count or 0))


# ---------------------------------------------------------------- publishing

def publish(caller: Principal, demand_id: str, body: ActivityIn, *,
            idempotency: IdempotencyRecord | None = None) -> Activity:
    """发布活动: only the organization whose claim on the demand is confirmed (anyone else: 404).

    The claim is not read on the way to the write: its confirmation is a condition of the transaction
    (404 when it fails). Every refusal decided before the write reads it first, so anyone but the
    confirmed claimant still gets 404 before any other error. The demand and the caller's account (its
    name is copied into the activity) are one consistent BatchGetItem.
    """
    demand, account = get_items([ItemKey(Demand, demand_id), ItemKey(Account, caller.account_id)], consistent=True)
    if demand is None or account is None:
        raise AppError(ErrorCode.NOT_FOUND)

    def refuse(error: AppError) -> NoReturn:
        _require_confirmed_claimant(caller, demand_id)
        raise error

    if demand.status not in (DemandStatus.CLAIMED, DemandStatus.IN_SERVICE) or not demands.is_visible(demand):
        refuse(AppError(ErrorCode.STATE_CONFLICT))
    moment = clock.now()
    if body.service_start <= moment:
        refuse(field_error(ErrorCode.VALIDATION_FAILED, "service_start", "服务开始时间必须晚于当前时间"))
    if body.recruit_end <= moment:
        refuse(field_error(ErrorCode.VALIDATION_FAILED, "recruit_end", "报名结束时间必须晚于当前时间"))
    counts = body.activity_type in HOURS_COUNTING_ACTIVITY_TYPES
    if counts and not body.certificate_consent:
        refuse(field_error(ErrorCode.VALIDATION_FAILED, "certificate_consent",
                           "计入服务时长的活动须同意服务时间用于生成《志愿服务记录证书》"))
    try:
        photo_keys = uploads.claim(caller, body.photo_keys, purpose=UploadPurpose.ACTIVITY_PHOTO, field="photo_keys")
    except AppError as error:
        refuse(error)
    activity = Activity(
        activity_id=secrets.token_hex(16), demand_id=demand_id, org_id=caller.account_id,
        org_name=account.display_name, status=ActivityStatus.PUBLISHED.value, title=body.title,
        activity_type=body.activity_type, category=body.category, volunteers_to_recruit=body.volunteers_to_recruit,
        signed_up_count=0, contact_name=body.contact_name, contact_mobile=body.contact_mobile,
        recruit_start=_utc(body.recruit_start), recruit_end=_utc(body.recruit_end),
        service_start=_utc(body.service_start), service_end=_utc(body.service_end), address=body.address,
        longitude=body.coordinates.longitude, latitude=body.coordinates.latitude,
        sign_in_method=body.sign_in_method, attendance_radius_km=body.attendance_radius_km,
        who_may_sign_up=body.who_may_sign_up, tags=list(body.tags), service_targets=list(body.service_targets),
        guarantees=list(body.guarantees), introduction=body.introduction, service_content=body.service_content,
        certificate_consent=body.certificate_consent, counts_hours=counts, photo_keys=photo_keys,
        check_in_secret=secrets.token_hex(32), created_at=moment, updated_at=moment)
    first = demand.status == DemandStatus.CLAIMED
    demand_conflict = AppError(ErrorCode.STATE_CONFLICT)
    tx = Transaction()
    tx.put(activity, condition=Activity.activity_id.does_not_exist())
    # The claim's 我的申请 row says an activity was published (the first one's time); still confirmed is the
    # write's condition (404 when it fails, as for anyone but the confirmed claimant).
    tx.update(Claim(demand_id, caller.account_id),
              [Claim.activity_published_at.set(Claim.activity_published_at | moment)],
              condition=Claim.status == ClaimStatus.CONFIRMED.value, on_conflict=AppError(ErrorCode.NOT_FOUND))
    changed = [f"activity:{activity.activity_id}"]
    if first:
        in_service = DemandStatus.IN_SERVICE.value
        tx.update(demand, [Demand.status.set(in_service), Demand.org_status.set(f"{demand.org_id}#{in_service}"),
                           Demand.updated_at.set(moment)],
                  condition=(Demand.status == DemandStatus.CLAIMED.value) & Demand.feed.exists(),
                  on_conflict=demand_conflict)
        tx.put(demands.new_event(demand_id, caller, "in_service", from_status=DemandStatus.CLAIMED.value,
                                 to_status=in_service, changed=changed))
        if demand.linked_request_ids:
            help_requests.set_status_for_demand_in(tx, list(demand.linked_request_ids), demand_id,
                                                   HelpRequestStatus.PUBLISHED, actor_id=caller.account_id)
    else:
        tx.condition_check(Demand, demand_id, condition=(Demand.status == DemandStatus.IN_SERVICE.value)
                           & Demand.feed.exists(), on_conflict=demand_conflict)
    tx.put(demands.new_event(demand_id, caller, "activity_published", to_status=ActivityStatus.PUBLISHED.value,
                             changed=changed, subject=activity.activity_id))
    idempotency_keys.join(tx, idempotency)
    tx.commit()
    return activity


def _require_confirmed_claimant(caller: Principal, demand_id: str) -> None:
    claim = get_or_none(Claim, demand_id, caller.account_id, consistent_read=True)
    if claim is None or claim.status != ClaimStatus.CONFIRMED:
        raise AppError(ErrorCode.NOT_FOUND)


def _utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC)


def cancel(caller: Principal, activity_id: str, reason: str) -> Activity:
    """The organization cancels before the service starts; the demand's timeline records it (and its reason)."""
    activity = _own_activity(caller, activity_id)
    if activity.status != ActivityStatus.PUBLISHED:
        raise AppError(ErrorCode.ACTIVITY_CANCELLED)
    moment = clock.now()
    if moment >= activity.service_start:
        raise AppError(ErrorCode.ACTIVITY_NOT_CANCELLABLE)
    tx = Transaction()
    tx.update(activity, [Activity.status.set(ActivityStatus.CANCELLED.value), Activity.cancelled_at.set(moment),
                         Activity.cancel_reason.set(reason), Activity.updated_at.set(moment)],
              condition=(Activity.status == ActivityStatus.PUBLISHED.value) & (Activity.service_start > moment),
              on_conflict=AppError(ErrorCode.STATE_CONFLICT))
    tx.put(demands.new_event(activity.demand_id, caller, "activity_cancelled",
                             from_status=ActivityStatus.PUBLISHED.value, to_status=ActivityStatus.CANCELLED.value,
                             reason=reason, changed=[f"activity:{activity_id}"], subject=activity_id))
    tx.commit()
    return activity


# ---------------------------------------------------------------- public reads

def get_public(caller: Principal | None, activity_id: str) -> tuple[Activity, Signup | None]:
    """The activity page, and for an individual their own sign-up, read with the activity in one
    consistent BatchGetItem (the page then costs what it did: that read and the demand's)."""
    if caller is None or caller.role is not Role.INDIVIDUAL:
        return _visible_activity(caller, activity_id), None
    activity, signup = get_items([ItemKey(Activity, activity_id), ItemKey(Signup, activity_id, caller.account_id)],
                                 consistent=True)
    if activity is None:
        raise AppError(ErrorCode.NOT_FOUND)
    return _require_visible(caller, activity), signup


def list_for_demand(caller: Principal | None, demand_id: str, *, limit: int, cursor: str | None) -> Page[Activity]:
    """A demand's activities, newest first (the demand, then one Query on `by_demand`)."""
    demands.readable_demand(caller, demand_id)
    page = query_page(Activity.by_demand.query, demand_id, model=Activity, scope=f"demand-activities:{demand_id}",
                      limit=limit, cursor=cursor)
    # Hidden activities are left out at read time (a page may be short; the cursor goes on), except for
    # those who see them; no key to remove keeps the list one Query on by_demand.
    return Page(items=[a for a in page.items if not a.hidden or _sees_hidden(caller, a)],
                next_cursor=page.next_cursor)


# ---------------------------------------------------------------- sign-ups

def sign_up(caller: Principal, activity_id: str, *, idempotency: IdempotencyRecord | None = None) -> Signup:
    """报名: inside the recruiting window, while a seat is left; one sign-up per volunteer and activity.

    Reads the activity (its window) and the volunteer's account (name and phone, copied into the
    sign-up) in one consistent BatchGetItem; the demand's visibility, an earlier sign-up and the seats
    are conditions of the write.
    The errors keep their order: not found, cancelled, closed, already signed up, full.
    """
    activity, account = get_items([ItemKey(Activity, activity_id), ItemKey(Account, caller.account_id)],
                                  consistent=True)
    if activity is None or account is None or activity.hidden:   # hidden by reports: no sign-up (not found)
        raise AppError(ErrorCode.NOT_FOUND)
    moment = clock.now()
    if activity.status != ActivityStatus.PUBLISHED or not activity.recruit_start <= moment < activity.recruit_end:
        demands.readable_demand(caller, activity.demand_id)   # refused anyway: a hidden demand's is not found
        raise AppError(ErrorCode.ACTIVITY_CANCELLED if activity.status != ActivityStatus.PUBLISHED
                       else ErrorCode.SIGNUP_CLOSED)
    signup = Signup(activity_id=activity_id, volunteer_id=caller.account_id, status=SignupStatus.SIGNED_UP.value,
                    display_name=account.display_name, phone=account.phone or account.login,
                    signed_up_at=moment, check_in_day_count=0, service_seconds=0)
    seat_conflict = AppError(ErrorCode.ACTIVITY_FULL)
    tx = Transaction()
    tx.condition_check(Demand, activity.demand_id, condition=demands.readable_condition(caller),
                       on_conflict=AppError(ErrorCode.NOT_FOUND))
    tx.put(signup, condition=Signup.volunteer_id.does_not_exist() | (Signup.status == SignupStatus.CANCELLED.value),
           on_conflict=AppError(ErrorCode.ALREADY_SIGNED_UP))
    tx.update(Activity(activity_id), [Activity.signed_up_count.add(1)],
              condition=(Activity.status == ActivityStatus.PUBLISHED.value)
              & (Activity.signed_up_count < Activity.volunteers_to_recruit)
              & (Activity.hidden.does_not_exist() | (Activity.hidden == False)),  # noqa: E712 (a DynamoDB condition)
              on_conflict=seat_conflict)
    idempotency_keys.join(tx, idempotency)
    try:
        tx.commit()
    except AppError as exc:
        if exc is seat_conflict:
            now_read = _activity(activity_id)
            if now_read.hidden:
                raise AppError(ErrorCode.NOT_FOUND) from None
            if now_read.status != ActivityStatus.PUBLISHED:
                raise AppError(ErrorCode.ACTIVITY_CANCELLED) from None
        raise
    return signup


def cancel_signup(caller: Principal, activity_id: str) -> Signup:
    """取消报名: before the service starts and before any check-in; the seat is freed in the same transaction.

    One read, the sign-up (the answer); the activity's start is the condition of its seat's update.
    """
    signup = _signup(activity_id, caller.account_id)
    if signup is None or signup.status != SignupStatus.SIGNED_UP:
        raise AppError(ErrorCode.NOT_FOUND)
    moment = clock.now()
    if signup.check_in_day is not None:
        raise AppError(ErrorCode.SIGNUP_NOT_CANCELLABLE)
    tx = Transaction()
    tx.update(signup, [Signup.status.set(SignupStatus.CANCELLED.value), Signup.cancelled_at.set(moment)],
              condition=(Signup.status == SignupStatus.SIGNED_UP.value) & Signup.check_in_day.does_not_exist(),
              on_conflict=AppError(ErrorCode.SIGNUP_NOT_CANCELLABLE))
    tx.update(Activity(activity_id), [Activity.signed_up_count.add(-1)],
              condition=(Activity.signed_up_count > 0) & (Activity.service_start > moment),
              on_conflict=AppError(ErrorCode.SIGNUP_NOT_CANCELLABLE))
    tx.commit()
    return signup


def roster(caller: Principal, activity_id: str, *, limit: int, cursor: str | None) -> Page[Signup]:
    """The organization's sign-up list: the activity (to authorize), then one Query on its sign-ups."""
    _own_activity(caller, activity_id)
    return query_page(Signup.query, activity_id, model=Signup, scope=f"roster:{activity_id}", limit=limit,
                      cursor=cursor, newest_first=False)


def my_signups(caller: Principal, *, limit: int, cursor: str | None) -> tuple[Page[Signup], dict[str, Activity]]:
    """我的报名: one Query on `by_volunteer`, then one BatchGetItem for the page's activities."""
    scope = f"my-signups:{caller.account_id}"
    results = Signup.by_volunteer.query(caller.account_id, scan_index_forward=False, page_size=limit,
                                        last_evaluated_key=decode_cursor(scope, cursor))
    items, last = one_page(results, Signup)
    ids = list(dict.fromkeys(s.activity_id for s in items))
    found = {a.activity_id: a for a in Activity.batch_get(ids)} if ids else {}
    return Page(items=items, next_cursor=encode_cursor(scope, last)), found


# ---------------------------------------------------------------- the rotating check-in code

def _window(moment: datetime) -> int:
    return int(moment.timestamp()) // CODE_WINDOW_SECONDS


def _code_for(secret: str, activity_id: str, window: int) -> str:
    mac = hmac.new(bytes.fromhex(secret), f"{activity_id}:{window}".encode(), hashlib.sha256).digest()
    return f"{int.from_bytes(mac[:8], 'big') % 1_000_000:06d}"


def check_in_code(caller: Principal, activity_id: str) -> tuple[str, datetime, datetime]:
    """The code the organization shows on site (as a QR code): valid in this window and the next."""
    activity = _own_activity(caller, activity_id)
    if activity.status != ActivityStatus.PUBLISHED:
        raise AppError(ErrorCode.ACTIVITY_CANCELLED)
    window = _window(clock.now())
    start = datetime.fromtimestamp(window * CODE_WINDOW_SECONDS, tz=UTC)
    code = _code_for(activity.check_in_secret, activity_id, window)
    return code, start, start + timedelta(seconds=CODE_WINDOW_SECONDS)


# ---------------------------------------------------------------- attendance

def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance (haversine)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))


@dataclass(frozen=True)
class _Attendee:
    """A signed-up volunteer and the published activity, read together."""

    caller: Principal
    activity: Activity
    signup: Signup

    @property
    def code_subject(self) -> str:
        """Whose wrong codes, on which activity, the throttle counts."""
        return f"{self.caller.account_id}:{self.activity.activity_id}"


def _attendee(caller: Principal, activity_id: str) -> _Attendee:
    """The activity and the caller's sign-up, one consistent BatchGetItem. The errors keep their order:
    not found, not signed up, then a cancelled activity before any other refusal (and before a wrong
    code is counted)."""
    activity, signup = get_items([ItemKey(Activity, activity_id), ItemKey(Signup, activity_id, caller.account_id)],
                                 consistent=True)
    if activity is None:
        raise AppError(ErrorCode.NOT_FOUND)
    if signup is None or signup.status != SignupStatus.SIGNED_UP:
        raise AppError(ErrorCode.NOT_SIGNED_UP)
    if activity.status != ActivityStatus.PUBLISHED:
        raise AppError(ErrorCode.ACTIVITY_CANCELLED)
    return _Attendee(caller, activity, signup)


def _present(attendee: _Attendee, body: AttendanceIn, moment: datetime) -> str:
    """Proof of presence: the current (or previous) code, or, where the organization chose position-based
    attendance (定位签到签退), a position inside the radius. A code activity refuses a position: it is
    what the client says, and anyone can post the public coordinates.

    A right code is not throttled by a read: the wrong-code counter is a condition of the write
    (`_write_conditions`); a wrong one reads it, so a throttled volunteer still gets 429 first.
    """
    activity = attendee.activity
    if body.code is not None:
        if activity.sign_in_method not in CODE_SIGN_IN_METHODS:
            raise field_error(ErrorCode.VALIDATION_FAILED, "code", "该活动只能定位签到签退")
        window = _window(moment)
        if any(hmac.compare_digest(body.code, _code_for(activity.check_in_secret, activity.activity_id, w))
               for w in (window, window - 1)):
            return "code"
        throttle.refuse_if_over(WRONG_CODE_BUCKET, attendee.code_subject, limit=WRONG_CODES_PER_WINDOW,
                                window_seconds=WRONG_CODE_WINDOW_SECONDS, moment=moment,
                                code=ErrorCode.CHECK_IN_CODE_THROTTLED)
        throttle.record(WRONG_CODE_BUCKET, attendee.code_subject, window_seconds=WRONG_CODE_WINDOW_SECONDS,
                        moment=moment)
        raise field_error(ErrorCode.CHECK_IN_CODE_INVALID, "code")
    if activity.sign_in_method in CODE_SIGN_IN_METHODS:
        raise field_error(ErrorCode.CHECK_IN_CODE_REQUIRED, "code")
    away = distance_km(float(activity.latitude), float(activity.longitude), body.latitude, body.longitude)
    radius = float(activity.attendance_radius_km)
    if away > radius:
        raise field_error(ErrorCode.OUTSIDE_ATTENDANCE_AREA, "latitude",
                          f"您距离活动地点约 {away:.1f} 公里，超出考勤地理范围 {radius:g} 公里")
    return "location"


def _write_conditions(tx: Transaction, attendee: _Attendee, by: str, moment: datetime) -> None:
    """The activity is still not cancelled (checked first: its error comes first) and, for a code, the
    volunteer is not throttled for wrong codes."""
    tx.condition_check(Activity, attendee.activity.activity_id,
                       condition=Activity.status == ActivityStatus.PUBLISHED.value,
                       on_conflict=AppError(ErrorCode.ACTIVITY_CANCELLED))
    if by == "code":
        throttle.require_under_limit(tx, WRONG_CODE_BUCKET, attendee.code_subject, limit=WRONG_CODES_PER_WINDOW,
                                     window_seconds=WRONG_CODE_WINDOW_SECONDS, moment=moment,
                                     code=ErrorCode.CHECK_IN_CODE_THROTTLED)


def check_in(caller: Principal, activity_id: str, body: AttendanceIn, *,
             idempotency: IdempotencyRecord | None = None) -> AttendanceRecord:
    """签到: a signed-up volunteer, from 30 min before the start until the end; one open check-in, 3 a day.

    Reads the activity and the sign-up (one BatchGetItem); the activity still not cancelled is a condition.
    """
    attendee = _attendee(caller, activity_id)
    signup, activity = attendee.signup, attendee.activity
    moment = clock.now()
    if not activity.service_start - ATTENDANCE_GRACE <= moment < activity.service_end:
        raise AppError(ErrorCode.OUTSIDE_ATTENDANCE_TIME)
    if signup.open_check_in is not None:
        raise AppError(ErrorCode.ALREADY_CHECKED_IN)
    today = clock.cst_date(moment)
    same_day = signup.check_in_day == today
    if same_day and int(signup.check_in_day_count or 0) >= MAX_CHECK_INS_PER_DAY:
        raise AppError(ErrorCode.CHECK_IN_DAILY_LIMIT)
    by = _present(attendee, body, moment)
    record = _new_record(attendee, f"{moment.isoformat()}#{activity_id}", by)
    if same_day:
        actions = [Signup.check_in_day_count.add(1)]
        day_condition = (Signup.check_in_day == today) & (Signup.check_in_day_count < MAX_CHECK_INS_PER_DAY)
    else:
        actions = [Signup.check_in_day.set(today), Signup.check_in_day_count.set(1)]
        day_condition = (Signup.check_in_day.does_not_exist() if signup.check_in_day is None
                         else Signup.check_in_day == signup.check_in_day)
    signup_conflict = AppError(ErrorCode.STATE_CONFLICT)
    tx = Transaction()
    _write_conditions(tx, attendee, by, moment)
    tx.put(record, condition=AttendanceRecord.record_key.does_not_exist(),
           on_conflict=AppError(ErrorCode.ALREADY_CHECKED_IN))
    tx.update(signup, [Signup.open_check_in.set(record.record_key), Signup.open_check_in_by.set(by), *actions],
              condition=(Signup.status == SignupStatus.SIGNED_UP.value) & Signup.open_check_in.does_not_exist()
              & day_condition,
              on_conflict=signup_conflict)
    idempotency_keys.join(tx, idempotency)
    try:
        tx.commit()
    except AppError as exc:
        if exc is signup_conflict:
            raise _check_in_error(activity_id, caller.account_id, today) from None
        raise
    return record


def _check_in_error(activity_id: str, volunteer_id: str, today: str) -> AppError:
    fresh = _signup(activity_id, volunteer_id)
    if fresh is None or fresh.status != SignupStatus.SIGNED_UP:
        return AppError(ErrorCode.NOT_SIGNED_UP)
    if fresh.open_check_in is not None:
        return AppError(ErrorCode.ALREADY_CHECKED_IN)
    if fresh.check_in_day == today and int(fresh.check_in_day_count or 0) >= MAX_CHECK_INS_PER_DAY:
        return AppError(ErrorCode.CHECK_IN_DAILY_LIMIT)
    return AppError(ErrorCode.STATE_CONFLICT)


def clipped_seconds(checked_in: datetime, checked_out: datetime, start: datetime, end: datetime) -> int:
    """Service time: the checked-in interval clipped to the service window."""
    return max(0, int((min(checked_out, end) - max(checked_in, start)).total_seconds()))


def check_out(caller: Principal, activity_id: str, body: AttendanceIn, *,
              idempotency: IdempotencyRecord | None = None) -> AttendanceRecord:
    """签退: closes the open check-in, until 30 min after the end; the clipped time is added to the totals.

    Reads the activity and the sign-up (one BatchGetItem), like the check-in; the activity still not
    cancelled is a condition.
    """
    attendee = _attendee(caller, activity_id)
    signup, activity = attendee.signup, attendee.activity
    if signup.open_check_in is None:
        raise AppError(ErrorCode.NOT_CHECKED_IN)
    moment = clock.now()
    if moment > activity.service_end + ATTENDANCE_GRACE:
        raise AppError(ErrorCode.OUTSIDE_ATTENDANCE_TIME)
    by = _present(attendee, body, moment)
    record = _open_record(attendee)
    seconds = clipped_seconds(record.checked_in_at, moment, activity.service_start, activity.service_end)
    counted = seconds if activity.counts_hours else 0
    conflict = AppError(ErrorCode.NOT_CHECKED_IN)
    record_gone = AppError(ErrorCode.STATE_CONFLICT)
    tx = Transaction()
    _write_conditions(tx, attendee, by, moment)
    tx.update(record, [AttendanceRecord.checked_out_at.set(moment), AttendanceRecord.check_out_by.set(by),
                       AttendanceRecord.seconds.set(seconds)],
              condition=AttendanceRecord.record_key.exists() & AttendanceRecord.checked_out_at.does_not_exist(),
              on_conflict=record_gone)
    tx.update(signup, [Signup.open_check_in.remove(), Signup.open_check_in_by.remove(),
                       Signup.service_seconds.add(counted)],
              condition=Signup.open_check_in == record.record_key, on_conflict=conflict)
    if counted:
        tx.update(ServiceTotal(caller.account_id), [ServiceTotal.seconds.add(counted), ServiceTotal.records.add(1)])
    idempotency_keys.join(tx, idempotency)
    try:
        tx.commit()
    except AppError as exc:
        if exc is record_gone:   # checked out meanwhile (the sign-up's condition failed too), or no record at all
            raise _check_out_error(caller.account_id, record.record_key) from None
        raise
    return record


def _new_record(attendee: _Attendee, key: str, by: str) -> AttendanceRecord:
    """An open attendance record: what it shows of the activity is copied in (an activity is never edited
    after publishing); its key starts with the check-in time."""
    activity = attendee.activity
    return AttendanceRecord(
        volunteer_id=attendee.caller.account_id, record_key=key, activity_id=activity.activity_id,
        activity_title=activity.title, org_name=activity.org_name, service_start=activity.service_start,
        service_end=activity.service_end, checked_in_at=datetime.fromisoformat(key.partition("#")[0]),
        check_in_by=by, seconds=0, counts_hours=bool(activity.counts_hours))


def _open_record(attendee: _Attendee) -> AttendanceRecord:
    """The open attendance record as stored, without reading it: built as the check-in built it, with the
    `check_in_by` the sign-up holds."""
    return _new_record(attendee, attendee.signup.open_check_in, attendee.signup.open_check_in_by)


def _check_out_error(volunteer_id: str, record_key: str) -> AppError:
    if get_or_none(AttendanceRecord, volunteer_id, record_key, consistent_read=True) is None:
        return AppError(ErrorCode.STATE_CONFLICT)
    return AppError(ErrorCode.NOT_CHECKED_IN)


def service_records(caller: Principal, *, limit: int, cursor: str | None
                    ) -> tuple[ServiceTotal | None, Page[AttendanceRecord]]:
    """我的服务记录: the first page returns the counted total (one GetItem; later pages None) and one page
    of the records, newest first (one Query)."""
    total = None if cursor else _service_total(caller.account_id)
    return total, query_page(AttendanceRecord.query, caller.account_id, model=AttendanceRecord,
                             scope=f"service-records:{caller.account_id}", limit=limit, cursor=cursor,
                             consistent_read=True)


def _service_total(volunteer_id: str) -> ServiceTotal:
    return get_or_none(ServiceTotal, volunteer_id, consistent_read=True) or ServiceTotal(volunteer_id, seconds=0,
                                                                                          records=0)


def hours(seconds) -> float:
    return round(int(seconds or 0) / 3600, 2)

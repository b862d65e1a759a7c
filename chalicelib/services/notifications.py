"""Notifications (消息): put in inboxes by the stream handlers, read and settled by their recipients.

Producing (`deliver`) happens in stream handlers, never on a request path; the one exception is an
account-security notice (an operator reset the password), which `add_in` writes in the transaction of
the reset itself: it is neither muted nor texted (the reset already texted a code).



    event ──▶ draft (recipient, type, the event's time and identity)
          ──▶ muted by the recipient? stop
          ──▶ one transaction: the notification (condition: not there yet) + the unread counter + 1
          ──▶ a type that is also texted, SMS on: claim the text (`sms` absent → "sending"), send, "sent"

The notification id is derived from the event (its time, then a digest of its identity, the
recipient and the type), so a re-delivered event meets its own notification and changes nothing,
and a text is claimed by a conditional write before it is sent: it goes out at most once. A send
that fails releases the claim and raises `Transient`, so the record is retried.
"""
from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from pynamodb.exceptions import UpdateError

from chalicelib import clock
from chalicelib.auth.principal import Principal
from chalicelib.data.accounts import Account
from chalicelib.data.base import Transaction, one_page
from chalicelib.data.lookup import get_or_none
from chalicelib.data.notifications import Notification, NotificationSettings
from chalicelib.errors import AppError, ErrorCode
from chalicelib.events.records import Transient
from chalicelib.reference import NOTIFICATION_LABELS, SMS_NOTIFICATION_TYPES, NotificationType, SmsTemplate
from chalicelib.services import sms_sender
from chalicelib.services.pagination import Page, query_page

log = logging.getLogger(__name__)

READ_RETENTION = timedelta(days=180)   # a read notification expires (TTL) this long after it was read
MARK_ALL_BATCH = 50                    # notifications settled per transaction by "mark all read"
MARK_ALL_ROUNDS = 20                   # at most 1,000 per call; the answer says whether some remain


@dataclass(frozen=True)
class Draft:
    account_id: str
    type: NotificationType
    at: datetime          # when the event happened: the notification's place in the inbox
    source: str           # the event's identity, e.g. "demand_events/<demand_id>/<event_key>"
    body: str
    link_kind: str | None = None
    link_id: str | None = None

    @property
    def title(self) -> str:
        return NOTIFICATION_LABELS[self.type]


def notification_id(draft: Draft) -> str:
    digest = hashlib.sha256(f"{draft.source}|{draft.account_id}|{draft.type.value}".encode()).hexdigest()[:16]
    return f"{draft.at.astimezone(UTC):%Y%m%dT%H%M%S%f}Z-{digest}"


# ---------------------------------------------------------------- producing (stream handlers)

def settings_of(account_id: str) -> NotificationSettings:
    stored = get_or_none(NotificationSettings, account_id, consistent_read=True)
    return stored or NotificationSettings(account_id=account_id, sms_enabled=True, unread=0)


def deliver(draft: Draft) -> bool:
    """Put the draft in its recipient's inbox once (unless muted), and text it once if its type is texted.
    True when the notification was created now."""
    settings = settings_of(draft.account_id)
    if draft.type.value in (settings.muted or set()):
        return False
    item = Notification(account_id=draft.account_id, notification_id=notification_id(draft), type=draft.type.value,
                        title=draft.title, body=draft.body, link_kind=draft.link_kind, link_id=draft.link_id,
                        source=draft.source[:500], created_at=draft.at, unread_owner=draft.account_id)
    created = _add(item)
    if draft.type in SMS_NOTIFICATION_TYPES and settings.sms_enabled is not False:
        _text_once(item)
    return created


def add_in(tx: Transaction, draft: Draft) -> Transaction:
    """The notification and the unread counter, in the caller's transaction (account-security notices)."""
    tx.put(Notification(account_id=draft.account_id, notification_id=notification_id(draft), type=draft.type.value,
                        title=draft.title, body=draft.body, link_kind=draft.link_kind, link_id=draft.link_id,
                        source=draft.source[:500], created_at=draft.at, unread_owner=draft.account_id),
           condition=Notification.notification_id.does_not_exist())
    return tx.update(NotificationSettings(draft.account_id), [NotificationSettings.unread.add(1)])


def _add(item: Notification) -> bool:
    already = AppError(ErrorCode.STATE_CONFLICT)
    tx = Transaction()
    tx.put(item, condition=Notification.notification_id.does_not_exist(), on_conflict=already)
    tx.update(NotificationSettings(item.account_id), [NotificationSettings.unread.add(1)])
    try:
        tx.commit()
    except AppError as exc:
        if exc is already:
            return False
        raise Transient(f"notification {item.notification_id} not stored: {exc.code.name}") from exc
    return True


def _text_once(item: Notification) -> None:
    try:
        item.update(actions=[Notification.sms.set("sending")], condition=Notification.sms.does_not_exist())
    except UpdateError as exc:
        if getattr(exc, "cause_response_code", None) == "ConditionalCheckFailedException":
            return   # claimed before: sent, or being sent, by an earlier delivery
        raise Transient(f"could not claim the text of {item.notification_id}: {exc}") from exc
    phone = _phone_of(item.account_id)
    if phone is None:
        item.update(actions=[Notification.sms.set("no_phone")])
        return
    try:
        # The title only (a label of at most 6 characters, what a provider's template variable takes): the
        # body may name people and places, and the inbox shows it to the signed-in recipient.
        sms_sender.send(phone, sms_sender.SmsMessage(SmsTemplate.NOTIFICATION, (item.title,)))
    except sms_sender.SmsPhoneRejected:   # the provider will never text this number: no retry
        item.update(actions=[Notification.sms.set("rejected")])
        return
    except Exception as exc:   # noqa: BLE001 - any send failure: release the claim, retry the record later
        item.update(actions=[Notification.sms.remove()])
        # The type only: it is logged, and a provider's error text may repeat the number.
        raise Transient(f"text for {item.notification_id} not sent: {type(exc).__name__}") from exc
    item.update(actions=[Notification.sms.set("sent")])


def _phone_of(account_id: str) -> str | None:
    account = get_or_none(Account, account_id)
    return account.phone if account is not None and account.phone else None


# ---------------------------------------------------------------- the inbox (request paths)

def inbox(caller: Principal, *, unread_only: bool, unread_first: bool, limit: int,
          cursor: str | None) -> Page[Notification]:
    """Newest first (one Query on the table); or unread only, or unread first then read (one Query on
    the sparse index of the current phase; the cursor names the phase)."""
    owner = caller.account_id
    if unread_only:
        return query_page(Notification.unread_index.query, owner, model=Notification, scope=f"notes-unread:{owner}",
                          limit=limit, cursor=cursor)
    if not unread_first:
        return query_page(Notification.query, owner, model=Notification, scope=f"notes:{owner}",
                          limit=limit, cursor=cursor, consistent_read=True)
    phase, _, inner = (cursor or "u~").partition("~")
    if phase == "r":
        page = query_page(Notification.read_index.query, owner, model=Notification, scope=f"notes-read:{owner}",
                          limit=limit, cursor=inner or None)
        return Page(items=page.items, next_cursor=f"r~{page.next_cursor}" if page.next_cursor else None)
    page = query_page(Notification.unread_index.query, owner, model=Notification,
                      scope=f"notes-unread:{owner}", limit=limit, cursor=inner or None)
    return Page(items=page.items, next_cursor=f"u~{page.next_cursor}" if page.next_cursor else "r~")


def unread_count(caller: Principal) -> int:
    """One GetItem: the counter kept with every notification added or read."""
    return max(0, int(settings_of(caller.account_id).unread or 0))


def _own(caller: Principal, notification_id: str) -> Notification:
    # Keyed by the caller: another account's notification is simply not found.
    notification = get_or_none(Notification, caller.account_id, notification_id, consistent_read=True)
    if notification is None:
        raise AppError(ErrorCode.NOT_FOUND)
    return notification


def _read_actions(owner: str, moment: datetime) -> list:
    return [Notification.unread_owner.remove(), Notification.read_owner.set(owner), Notification.read_at.set(moment),
            Notification.expires_at.set(moment + READ_RETENTION)]


def mark_read(caller: Principal, notification_id: str) -> Notification:
    """Idempotent: reading a read notification changes nothing."""
    item = _own(caller, notification_id)
    if item.unread_owner is None:
        return item
    tx = Transaction()
    tx.update(item, _read_actions(caller.account_id, clock.now()), condition=Notification.unread_owner.exists(),
              on_conflict=AppError(ErrorCode.STATE_CONFLICT))
    tx.update(NotificationSettings(caller.account_id), [NotificationSettings.unread.add(-1)])
    try:
        tx.commit()
    except AppError as exc:
        if exc.code is not ErrorCode.STATE_CONFLICT:
            raise
        return _own(caller, notification_id)   # read by a request that raced this one
    return item


def mark_all_read(caller: Principal) -> tuple[int, bool]:
    """Settle the unread notifications in transactions of 50 (each with its counter decrement).
    Returns (how many were marked, whether unread ones remain for another call).

    Each round reads one more than it settles, so the last round's Query also answers whether some
    remain: one Query and one transaction when they all fit in a batch."""
    marked = 0
    for _ in range(MARK_ALL_ROUNDS):
        unread, _ = one_page(Notification.unread_index.query(caller.account_id, limit=MARK_ALL_BATCH + 1),
                             Notification)
        batch, more = unread[:MARK_ALL_BATCH], len(unread) > MARK_ALL_BATCH
        if not batch:
            return marked, False
        moment = clock.now()
        tx = Transaction()
        for item in batch:
            tx.update(item, _read_actions(caller.account_id, moment), condition=Notification.unread_owner.exists(),
                      on_conflict=AppError(ErrorCode.STATE_CONFLICT))
        tx.update(NotificationSettings(caller.account_id), [NotificationSettings.unread.add(-len(batch))])
        try:
            tx.commit()
        except AppError as exc:
            if exc.code is not ErrorCode.STATE_CONFLICT:
                raise
            continue   # one was read meanwhile (the index lags the table): read the batch again
        marked += len(batch)
        if not more:
            return marked, False
    return marked, True


# ---------------------------------------------------------------- settings

def update_settings(caller: Principal, muted: list[NotificationType], sms_enabled: bool) -> NotificationSettings:
    actions = [NotificationSettings.sms_enabled.set(sms_enabled), NotificationSettings.updated_at.set(clock.now())]
    values = {t.value for t in muted}
    actions.append(NotificationSettings.muted.set(values) if values else NotificationSettings.muted.remove())
    settings = NotificationSettings(caller.account_id)
    settings.update(actions=actions)   # UpdateItem answers ALL_NEW into `settings`: no read-back
    return settings

"""Notifications (消息): one inbox per account, and each account's settings and unread counter."""
from __future__ import annotations

from pynamodb.attributes import (
    BooleanAttribute,
    NumberAttribute,
    TTLAttribute,
    UnicodeAttribute,
    UnicodeSetAttribute,
    UTCDateTimeAttribute,
)
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model

from chalicelib.data.base import TableMeta, table_name


class UnreadIndex(GlobalSecondaryIndex):
    """Unread notifications of one account, newest first (sparse: the key goes when it is read)."""

    class Meta:
        index_name = "unread"
        projection = AllProjection()

    unread_owner = UnicodeAttribute(hash_key=True)
    notification_id = UnicodeAttribute(range_key=True)


class ReadIndex(GlobalSecondaryIndex):
    """Read notifications of one account, newest first: the second half of the unread-first list."""

    class Meta:
        index_name = "read"
        projection = AllProjection()

    read_owner = UnicodeAttribute(hash_key=True)
    notification_id = UnicodeAttribute(range_key=True)


class Notification(Model):
    """One notification. The id is derived from the event that produced it (time + digest of the
    event's identity), so a re-delivered event finds its notification already there."""

    class Meta(TableMeta):
        table_name = table_name("notifications")

    account_id = UnicodeAttribute(hash_key=True)
    notification_id = UnicodeAttribute(range_key=True)   # "<yyyymmddThhmmssffffff>Z-<digest>": newest last
    type = UnicodeAttribute()                             # reference.NotificationType
    title = UnicodeAttribute()
    body = UnicodeAttribute()
    link_kind = UnicodeAttribute(null=True)               # "demand" | "claim" | "help_request" | "activity"
    link_id = UnicodeAttribute(null=True)
    source = UnicodeAttribute()                           # the producing event, for audit
    created_at = UTCDateTimeAttribute()
    unread_owner = UnicodeAttribute(null=True)            # = account_id while unread
    read_owner = UnicodeAttribute(null=True)              # = account_id once read
    read_at = UTCDateTimeAttribute(null=True)
    sms = UnicodeAttribute(null=True)   # "sending" → "sent" (at most once); "no_phone", "rejected" (by the provider)
    expires_at = TTLAttribute(null=True)                  # set when read (+180 days): unread ones stay

    unread_index = UnreadIndex()
    read_index = ReadIndex()


class NotificationSettings(Model):
    """Per account: the muted types (producers skip them), SMS on/off, and the unread counter
    (kept in the same transactions that add or read notifications, so one GetItem answers it)."""

    class Meta(TableMeta):
        table_name = table_name("notification_settings")

    account_id = UnicodeAttribute(hash_key=True)
    muted = UnicodeSetAttribute(null=True)
    sms_enabled = BooleanAttribute(default=True)
    unread = NumberAttribute(default=0)
    updated_at = UTCDateTimeAttribute(null=True)

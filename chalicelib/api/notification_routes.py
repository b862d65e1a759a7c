"""/me/notifications…: the inbox (消息) every account has, and its settings."""
from __future__ import annotations

from chalice import Blueprint

from chalicelib.api.notification_views import notification_out
from chalicelib.api.routing import ALL_ROLES, Call, endpoint
from chalicelib.errors import ErrorCode
from chalicelib.reference import NOTIFICATION_LABELS, SMS_NOTIFICATION_TYPES, NotificationType
from chalicelib.schemas.notifications import (
    MarkedReadOut,
    NotificationOut,
    NotificationPageOut,
    NotificationQuery,
    NotificationSettingsIn,
    NotificationSettingsOut,
    NotificationTypeOut,
    UnreadCountOut,
)
from chalicelib.services import notifications

bp = Blueprint(__name__)


@endpoint(bp, "/me/notifications", "GET", roles=ALL_ROLES, query=NotificationQuery, response=NotificationPageOut)
def list_notifications(call: Call, query: NotificationQuery) -> NotificationPageOut:
    page = notifications.inbox(call.caller, unread_only=query.unread_only, unread_first=query.unread_first,
                               limit=query.limit, cursor=query.cursor)
    return NotificationPageOut(items=[notification_out(n) for n in page.items], next_cursor=page.next_cursor)


@endpoint(bp, "/me/notifications/unread-count", "GET", roles=ALL_ROLES, response=UnreadCountOut)
def unread_count(call: Call) -> UnreadCountOut:
    return UnreadCountOut(unread=notifications.unread_count(call.caller))


@endpoint(bp, "/me/notifications/{notification_id}/read", "POST", roles=ALL_ROLES, response=NotificationOut,
          errors=(ErrorCode.STATE_CONFLICT,))
def mark_read(call: Call, notification_id: str) -> NotificationOut:
    return notification_out(notifications.mark_read(call.caller, notification_id))


@endpoint(bp, "/me/notifications/read-all", "POST", roles=ALL_ROLES, response=MarkedReadOut,
          errors=(ErrorCode.STATE_CONFLICT,))
def mark_all_read(call: Call) -> MarkedReadOut:
    marked, more = notifications.mark_all_read(call.caller)
    return MarkedReadOut(marked=marked, more_unread=more)


def settings_out(muted: set[str], sms_enabled: bool) -> NotificationSettingsOut:
    return NotificationSettingsOut(sms_enabled=sms_enabled, types=[
        NotificationTypeOut(type=t, label=NOTIFICATION_LABELS[t], muted=t.value in muted,
                            texted=t in SMS_NOTIFICATION_TYPES) for t in NotificationType])


@endpoint(bp, "/me/notification-settings", "GET", roles=ALL_ROLES, response=NotificationSettingsOut)
def get_settings(call: Call) -> NotificationSettingsOut:
    stored = notifications.settings_of(call.caller.account_id)
    return settings_out(set(stored.muted or ()), stored.sms_enabled is not False)


@endpoint(bp, "/me/notification-settings", "PUT", roles=ALL_ROLES, body=NotificationSettingsIn,
          response=NotificationSettingsOut)
def put_settings(call: Call, body: NotificationSettingsIn) -> NotificationSettingsOut:
    stored = notifications.update_settings(call.caller, body.muted, body.sms_enabled)
    return settings_out(set(stored.muted or ()), stored.sms_enabled is not False)

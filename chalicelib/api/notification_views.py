"""Stored notifications → response models (see views.py)."""
from __future__ import annotations

from chalicelib.data.notifications import Notification
from chalicelib.schemas.notifications import NotificationOut


def notification_out(item: Notification) -> NotificationOut:
    return NotificationOut(notification_id=item.notification_id, type=item.type, title=item.title, body=item.body,
                           link_kind=item.link_kind, link_id=item.link_id, created_at=item.created_at,
                           read=item.read_at is not None, read_at=item.read_at)

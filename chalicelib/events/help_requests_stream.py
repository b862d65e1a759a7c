"""The help requests' stream → the submitter hears when the 团组织 adopts or declines the request."""
from __future__ import annotations

from typing import Any

from chalicelib.data.help_requests import HelpRequest
from chalicelib.events.records import Poison, handle_event, new_image
from chalicelib.reference import HelpRequestStatus, NotificationType
from chalicelib.services import notifications
from chalicelib.services.notifications import Draft

SOURCE = "help-requests-stream"
_DECIDED = {HelpRequestStatus.ADOPTED.value: NotificationType.HELP_REQUEST_ADOPTED,
            HelpRequestStatus.DECLINED.value: NotificationType.HELP_REQUEST_DECLINED}


def handle(event: Any) -> dict[str, list]:
    return handle_event(SOURCE, event, apply_record)


def apply_record(raw: Any) -> None:
    draft = draft_for(raw)
    if draft is not None:
        notifications.deliver(draft)


def draft_for(raw: Any) -> Draft | None:
    new, old = new_image(raw, HelpRequest), new_image(raw, HelpRequest, "OldImage")
    if raw.get("eventName") != "MODIFY" or new is None or old is None:
        return None
    if old.status != HelpRequestStatus.PENDING.value or new.status not in _DECIDED:
        return None
    if not new.request_id or not new.submitter_id or new.updated_at is None:
        raise Poison("the help request lacks its id, submitter or time")
    adopted = new.status == HelpRequestStatus.ADOPTED.value
    body = (f"{new.org_name}已采用您的求助《{new.title}》，将据此发布正式需求。" if adopted
            else f"{new.org_name}未采用您的求助《{new.title}》。原因：{new.decline_reason or '未说明'}")
    return Draft(account_id=new.submitter_id, type=_DECIDED[new.status], at=new.updated_at,
                 source=f"help_requests/{new.request_id}/{new.status}", body=body,
                 link_kind="help_request", link_id=new.request_id)

"""Opaque, signed page cursors.

A cursor is DynamoDB's LastEvaluatedKey, bound to the list it came from
(a scope string such as "admin-vorgs:pending_review") and signed, so a client
can neither forge a key nor replay a cursor against another query.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from chalicelib.data.base import from_stored, one_page
from chalicelib.errors import ErrorCode, field_error
from chalicelib.secrets import get_secret

T = TypeVar("T")


@dataclass
class Page(Generic[T]):
    items: list[T]
    next_cursor: str | None


def _mac(scope: str, payload: bytes) -> str:
    key = hmac.new(get_secret("token_signing_key"), b"page-cursor", hashlib.sha256).digest()
    return hmac.new(key, scope.encode() + b"\x00" + payload, hashlib.sha256).hexdigest()[:32]


def encode_cursor(scope: str, last_key: dict[str, Any] | None) -> str | None:
    if not last_key:
        return None
    payload = json.dumps(last_key, separators=(",", ":"), sort_keys=True).encode()
    return base64.urlsafe_b64encode(payload).decode().rstrip("=") + "." + _mac(scope, payload)


def decode_cursor(scope: str, cursor: str | None) -> dict[str, Any] | None:
    if not cursor:
        return None
    body, _, mac = cursor.partition(".")
    try:
        payload = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
        valid = hmac.compare_digest(mac, _mac(scope, payload))
        key = json.loads(payload) if valid else None
    except (ValueError, UnicodeDecodeError):
        key = None
    if not isinstance(key, dict):
        raise field_error(ErrorCode.VALIDATION_FAILED, "cursor", "分页游标无效")
    return key


def trim_page(items: list[T], last_key: dict[str, Any] | None, limit: int,
              key_names: tuple[str, ...]) -> tuple[list[T], dict[str, Any] | None]:
    """Keep `limit` items of a page that read more (a filtered Query); resume after the last one kept."""
    if len(items) <= limit:
        return items, last_key
    kept = items[:limit]
    raw = kept[-1].serialize()
    return kept, {name: raw[name] for name in key_names}


def query_page(query: Any, hash_key: str, *, model: type, scope: str, limit: int, cursor: str | None,
               newest_first: bool = True, **kwargs: Any) -> Page:
    """One list page: one Query of `limit` items on `query` (a model's or an index's), behind a signed cursor."""
    results = query(hash_key, scan_index_forward=not newest_first, page_size=limit,
                    last_evaluated_key=decode_cursor(scope, cursor), **kwargs)
    items, last = one_page(results, model)
    return Page(items=items, next_cursor=encode_cursor(scope, last))


def page_with_summary(query: Any, hash_key: str, *, model: type, summary: type, summary_key: tuple[str, str],
                      key_names: tuple[str, ...], scope: str, limit: int, cursor: str | None, **kwargs: Any
                      ) -> tuple[Any, Page]:
    """One Query of a newest-first list whose partition also holds its summary item (a running total)
    under a key that sorts first: the first page reads `limit` + 1 items and returns the summary apart
    (None when there is none yet); later pages start after it and return None. `limit` entries a page."""
    start = decode_cursor(scope, cursor)
    head, items, last = read_with_head(query, hash_key, model=model, head=summary, head_key=summary_key,
                                       key_names=key_names, limit=limit, start=start, **kwargs)
    return head, Page(items=items, next_cursor=encode_cursor(scope, last))


def read_with_head(query: Any, hash_key: str, *, model: type, head: type, head_key: tuple[str, str],
                   key_names: tuple[str, ...], limit: int, start: dict[str, Any] | None = None,
                   newest_first: bool = True, **kwargs: Any) -> tuple[Any, list, dict[str, Any] | None]:
    """One Query request of a partition whose head item (a running total, a list's gate) sorts first in
    the list's order: from the start it reads `limit` + 1 items and returns the head apart (None when
    there is none), the `limit` items after it and the key to resume after the last one kept; from
    `start` (a later page) it reads `limit` items and no head."""
    results = query(hash_key, scan_index_forward=not newest_first, page_size=limit + (start is None),
                    last_evaluated_key=start, **kwargs)
    raw_items = list((next(results.page_iter, None) or {}).get("Items", []))   # one request, as one_page
    last = results.page_iter.last_evaluated_key
    name, value = head_key
    found = from_stored(head, raw_items.pop(0)) if raw_items and raw_items[0].get(name) == {"S": value} else None
    items, last = trim_page([from_stored(model, raw) for raw in raw_items], last, limit, key_names)
    return found, items, last


def owner_page(model: type, all_states: Any, one_state: Any, owner_id: str, status: str | None, *, list_name: str,
               limit: int, cursor: str | None) -> Page:
    """The 我的… lists: an owner's items newest first, in every state (`all_states` index keyed by the
    owner) or in one (`one_state` index keyed by "<owner>#<status>")."""
    scope = f"{list_name}:{owner_id}:{status or 'all'}"
    if status is None:
        return query_page(all_states.query, owner_id, model=model, scope=scope, limit=limit, cursor=cursor)
    return query_page(one_state.query, f"{owner_id}#{status}", model=model, scope=scope, limit=limit, cursor=cursor)

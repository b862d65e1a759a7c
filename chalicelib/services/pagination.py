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

from chalicelib.data.base import one_page
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


def owner_page(model: type, all_states: Any, one_state: Any, owner_id: str, status: str | None, *, list_name: str,
               limit: int, cursor: str | None) -> Page:
    """The 我的… lists: an owner's items newest first, in every state (`all_states` index keyed by the
    owner) or in one (`one_state` index keyed by "<owner>#<status>")."""
    scope = f"{list_name}:{owner_id}:{status or 'all'}"
    if status is None:
        return query_page(all_states.query, owner_id, model=model, scope=scope, limit=limit, cursor=cursor)
    return query_page(one_state.query, f"{owner_id}#{status}", model=model, scope=scope, limit=limit, cursor=cursor)

"""Reading one item by its key: a GetItem that answers None for a missing item, and the shape of the ids."""
from __future__ import annotations

import re
from typing import Any, TypeVar

from pynamodb.models import Model

M = TypeVar("M", bound=Model)


def get_or_none(model: type[M], hash_key: Any, range_key: Any = None, *, consistent_read: bool = False) -> M | None:
    try:
        return model.get(hash_key, range_key, consistent_read=consistent_read)
    except model.DoesNotExist:
        return None


# Every id the application mints is hex (secrets.token_hex); a path id of another shape names no item, so
# it is "not found" without a read (and never reaches an item of another kind sharing the table).
_MINTED_ID = re.compile(r"^[0-9a-f]{1,64}$")


def is_minted_id(text: str) -> bool:
    return _MINTED_ID.match(text) is not None

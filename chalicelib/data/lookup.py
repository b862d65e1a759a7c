"""One GetItem that answers None for a missing item instead of raising."""
from __future__ import annotations

from typing import Any, TypeVar

from pynamodb.models import Model

M = TypeVar("M", bound=Model)


def get_or_none(model: type[M], hash_key: Any, range_key: Any = None, *, consistent_read: bool = False) -> M | None:
    try:
        return model.get(hash_key, range_key, consistent_read=consistent_read)
    except model.DoesNotExist:
        return None

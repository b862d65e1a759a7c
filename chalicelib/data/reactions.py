"""Likes (点赞) and favorites (收藏): one table keyed by account; a detail page reads the caller's by key."""
from __future__ import annotations

from pynamodb.attributes import UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.indexes import AllProjection, LocalSecondaryIndex
from pynamodb.models import Model

from chalicelib.data.base import TableMeta, table_name

LIKE = "like"
FAVORITE = "favorite"
KINDS = (LIKE, FAVORITE)   # a demand detail reads the caller's item of each kind


class FavoritesByTimeIndex(LocalSecondaryIndex):
    """我的收藏, newest first (sparse: only favorites carry favorited_at)."""

    class Meta:
        index_name = "favorites_by_time"
        projection = AllProjection()

    account_id = UnicodeAttribute(hash_key=True)
    favorited_at = UTCDateTimeAttribute(range_key=True)


class Reaction(Model):
    class Meta(TableMeta):
        table_name = table_name("reactions")

    account_id = UnicodeAttribute(hash_key=True)
    target = UnicodeAttribute(range_key=True)       # "<demand_id>#like" | "<demand_id>#favorite"
    demand_id = UnicodeAttribute()
    kind = UnicodeAttribute()
    created_at = UTCDateTimeAttribute()
    # Favorites keep what the 我的收藏 row shows, so the list is one Query.
    favorited_at = UTCDateTimeAttribute(null=True)
    title = UnicodeAttribute(null=True)
    org_name = UnicodeAttribute(null=True)
    city = UnicodeAttribute(null=True)

    favorites_by_time = FavoritesByTimeIndex()


def target(demand_id: str, kind: str) -> str:
    return f"{demand_id}#{kind}"

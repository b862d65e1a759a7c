"""Refresh-token sessions."""
from __future__ import annotations

from pynamodb.attributes import NumberAttribute, TTLAttribute, UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.models import Model

from chalicelib.data.base import TableMeta, table_name


class Session(Model):
    """One refresh token. Only a SHA-256 of its secret is stored."""

    class Meta(TableMeta):
        table_name = table_name("sessions")

    session_id = UnicodeAttribute(hash_key=True)
    account_id = UnicodeAttribute()
    secret_hash = UnicodeAttribute()
    generation = NumberAttribute()       # the account's session_generation when issued
    created_at = UTCDateTimeAttribute()
    expires_at = TTLAttribute()

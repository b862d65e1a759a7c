"""Refresh-token sessions."""
from __future__ import annotations

from pynamodb.attributes import BooleanAttribute, NumberAttribute, TTLAttribute, UnicodeAttribute, UTCDateTimeAttribute
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
    # Copied from the account when issued, so a refresh need not read it: the role never changes and
    # must_change_password changes only with a generation bump (which ends the session). Null on
    # sessions issued before they carried them (a refresh then reads the account).
    role = UnicodeAttribute(null=True)
    must_change_password = BooleanAttribute(null=True)
    created_at = UTCDateTimeAttribute()
    expires_at = TTLAttribute()

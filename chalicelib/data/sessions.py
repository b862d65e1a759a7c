"""Refresh-token sessions, their tombstones once rotated, and revoked families."""
from __future__ import annotations

from pynamodb.attributes import BooleanAttribute, NumberAttribute, TTLAttribute, UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.models import Model

from chalicelib.data.base import TableMeta, table_name


class Session(Model):
    """One refresh token. Only a SHA-256 of its secret is stored.

    Rotation turns it into a tombstone (`used_at` and `successor_id` set), kept as long as a refresh token
    lives, so that presenting it again is recognised as reuse of a stolen token (services/sessions.py).
    """

    class Meta(TableMeta):
        table_name = table_name("sessions")

    session_id = UnicodeAttribute(hash_key=True)
    account_id = UnicodeAttribute()
    secret_hash = UnicodeAttribute()
    generation = NumberAttribute()       # the account's session_generation when issued
    # Copied from the account when issued, so a refresh need not read it: the role never changes and
    # must_change_password changes only with a generation bump (which ends the session).
    role = UnicodeAttribute()
    must_change_password = BooleanAttribute()
    # The chain of rotations this token belongs to (set at login, registration and password change, carried
    # by each rotation).
    family_id = UnicodeAttribute()
    used_at = UTCDateTimeAttribute(null=True)       # rotated: a tombstone from then on
    successor_id = UnicodeAttribute(null=True)      # the session its rotation issued
    created_at = UTCDateTimeAttribute()
    expires_at = TTLAttribute()


FAMILY_PREFIX = "family:"   # never a session id (32 hex characters)


class RevokedFamily(Model):
    """A family whose refresh tokens are all refused: written only when it is revoked (reuse of a rotated
    token, logout with one), and condition-checked absent by every refresh of the family. Lives in
    `sessions` (ALL_MODELS lists the table once, as `Session`)."""

    class Meta(TableMeta):
        table_name = table_name("sessions")

    session_id = UnicodeAttribute(hash_key=True)    # FAMILY_PREFIX + family id
    revoked_at = UTCDateTimeAttribute()
    reason = UnicodeAttribute()
    expires_at = TTLAttribute()        # outlives every token of the family (a refresh TTL after revocation)


def family_key(family_id: str) -> str:
    return FAMILY_PREFIX + family_id

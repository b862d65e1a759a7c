"""Short-lived items of the external sign-in flows (WeChat), kept in the `sessions` table beside the
refresh tokens (no table of their own; each kind's key has its own prefix, never a 32-hex session id)."""
from __future__ import annotations

from pynamodb.attributes import NumberAttribute, TTLAttribute, UnicodeAttribute
from pynamodb.models import Model

from chalicelib.data.base import TableMeta, table_name

BIND_TICKET_PREFIX = "idp-ticket:"
SPENT_STATE_PREFIX = "idp-state:"
CREDENTIAL_PREFIX = "wechat-credential:"


class BindTicket(Model):
    """An external identity that signed in unbound: what a bind ticket stands for. Only a SHA-256 of the
    ticket's secret is stored; the subject (an openid) never leaves the server. Spent by the bind."""

    class Meta(TableMeta):
        table_name = table_name("sessions")

    session_id = UnicodeAttribute(hash_key=True)    # BIND_TICKET_PREFIX + ticket id
    secret_hash = UnicodeAttribute()
    provider = UnicodeAttribute()
    subject = UnicodeAttribute()
    expires_at = TTLAttribute()


class SpentState(Model):
    """A login `state` already presented: a second presentation is refused (single use)."""

    class Meta(TableMeta):
        table_name = table_name("sessions")

    session_id = UnicodeAttribute(hash_key=True)    # SPENT_STATE_PREFIX + the state's nonce
    expires_at = TTLAttribute()                     # after the state's own expiry: no need to remember it longer


class WechatCredential(Model):
    """The 公众号's access_token or jsapi_ticket, shared by every Lambda container: WeChat limits how
    often each may be fetched (services/wechat.py)."""

    class Meta(TableMeta):
        table_name = table_name("sessions")

    session_id = UnicodeAttribute(hash_key=True)    # CREDENTIAL_PREFIX + "access_token" | "jsapi_ticket"
    value = UnicodeAttribute(null=True)
    valid_until = NumberAttribute(null=True)        # epoch second: WeChat's expires_in minus a margin
    # A container fetching a fresh value holds this lease (epoch second it ends): the others wait for it.
    lease_until = NumberAttribute(null=True)
    expires_at = TTLAttribute(null=True)

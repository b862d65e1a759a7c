"""audit_log: what operators did to accounts. Append-only: entries are only ever put with
attribute_not_exists (services/audit.py); no code path updates or deletes one, and the deployed policy
denies UpdateItem and DeleteItem on the table (scripts/stage_config.py)."""
from __future__ import annotations

from pynamodb.attributes import UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.models import Model

from chalicelib.data.base import TableMeta, table_name

ACCOUNTS_SCOPE = "accounts"


class AuditEntry(Model):
    class Meta(TableMeta):
        table_name = table_name("audit_log")

    # One partition for account actions: operators act a few times a minute at most, and the list
    # (newest first) is one Query of it.
    scope = UnicodeAttribute(hash_key=True)
    entry_key = UnicodeAttribute(range_key=True)     # "<UTC time, fixed width>#<random>": time order
    action = UnicodeAttribute()                      # reference.AuditAction
    actor_id = UnicodeAttribute()                    # the operator's account id
    target_id = UnicodeAttribute()                   # the account acted on
    target_role = UnicodeAttribute()
    target_login = UnicodeAttribute()
    reason = UnicodeAttribute(null=True)
    at = UTCDateTimeAttribute()

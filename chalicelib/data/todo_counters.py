"""我的 待办 counters: one item per account, read with one GetItem (services/todo_counters.py keeps it)."""
from __future__ import annotations

from pynamodb.attributes import NumberAttribute, UnicodeAttribute, UnicodeSetAttribute, UTCDateTimeAttribute
from pynamodb.models import Model

from chalicelib.data.base import TableMeta, table_name


class TodoCounters(Model):
    """Changed only inside the transactions that move an item in or out of a counted state.

    A missing item or attribute means zero (an account nothing has happened to yet). The numbers
    change with ADD; `ratings_owed` is a string set of `<window end>|<claim id>`, one element per
    sheet the account still owes a rating on, counted at read time against the clock (a rating is
    owed only while its 14-day window is open). A set, not a map: ADD and DELETE of set elements
    work on a missing attribute and are idempotent, a map entry's SET needs the map to exist.
    """

    class Meta(TableMeta):
        table_name = table_name("todo_counters")

    account_id = UnicodeAttribute(hash_key=True)
    awaiting_claim = NumberAttribute(null=True)          # its open demands (团组织)
    pending_help_requests = NumberAttribute(null=True)   # 初始需求 addressed to it, pending (团组织)
    pending_claims = NumberAttribute(null=True)          # applications to its demands, pending (团组织)
    pending_applications = NumberAttribute(null=True)    # its own applications, pending (志愿服务组织)
    ratings_owed = UnicodeSetAttribute(null=True)        # "<window end, UTC ISO>|<demand_id>.<applicant_id>"
    updated_at = UTCDateTimeAttribute(null=True)         # every change sets it: the repair tool's lock

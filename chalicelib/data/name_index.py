"""An n-gram index of organization names, so "search a 团组织 by name" is a Query, never a Scan.

Each distinct character and each distinct bigram of the normalised name is one
item: hash `gram` ("league_org:深圳"), range `sort_key` (normalised name, then
the account id), so one gram's items come back ordered by name. The query
side (services/org_search.py) picks one gram of the search text and filters
that gram's items on the full text.
"""
from __future__ import annotations

from pynamodb.attributes import UnicodeAttribute
from pynamodb.models import Model

from chalicelib.data.base import TableMeta, table_name

SORT_KEY_SEPARATOR = "\x1f"  # below every printable character: "abc" sorts before "abc d"


class NameIndexEntry(Model):
    class Meta(TableMeta):
        table_name = table_name("name_index")

    gram = UnicodeAttribute(hash_key=True)             # "<scope>:<one character or bigram>"
    sort_key = UnicodeAttribute(range_key=True)        # "<normalised name>\x1f<account id>"
    account_id = UnicodeAttribute()
    name = UnicodeAttribute()                          # as the organization writes it, for display
    name_folded = UnicodeAttribute()                   # NFKC + casefold: what the filter matches on
    city = UnicodeAttribute(null=True)
    district = UnicodeAttribute(null=True)


def sort_key(name_folded: str, account_id: str) -> str:
    return f"{name_folded}{SORT_KEY_SEPARATOR}{account_id}"

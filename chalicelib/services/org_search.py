"""团组织 search by name (所在组织 picker): prefix or substring, paginated, one bounded Query per page.

Index (data/name_index.py): every distinct character and every distinct
bigram of the organization's normalised name (NFKC, casefolded) is one item
under `league_org:<gram>`, ordered by name then account id.

Query: the search text is normalised the same way; one gram of it is chosen
(the first bigram that is not in STOP_BIGRAMS and has the fewest COMMON_CHARS;
a one-character text uses that character), and that gram's items are Queried
with a filter requiring the whole text as a substring of the stored name (and
the city, when given). Each page reads at most READ_BOUND index items, so a
page may carry fewer than `limit` matches, even none, with a `next_cursor`.
"""
from __future__ import annotations

import unicodedata
from collections.abc import Callable, Iterable

from chalicelib.data.accounts import Account
from chalicelib.data.base import TRANSACTION_ITEM_LIMIT, Transaction
from chalicelib.data.name_index import NameIndexEntry, sort_key
from chalicelib.errors import ErrorCode, field_error
from chalicelib.reference import AccountStatus, Role
from chalicelib.services.pagination import Page, decode_cursor, encode_cursor

LEAGUE_ORG_SCOPE = Role.LEAGUE_ORG.value
READ_BOUND = 100   # index items evaluated per search request (DynamoDB Query Limit): ≈ 2 RCU

# Bigrams in nearly every 团组织 name ("中国共产主义青年团…委员会", "…支部委员会", "…学校团委"):
# querying them would read a large share of the index for nothing.
STOP_BIGRAMS = frozenset({
    "中国", "国共", "共产", "产主", "主义", "义青", "青年", "年团", "共青", "青团",
    "团委", "委员", "员会", "支部", "部委", "总支", "学校", "中学", "小学", "大学",
    "学院", "街道", "社区", "委会",
})
# Characters that appear in most names; a bigram made of them is a poor choice even if not stoplisted.
COMMON_CHARS = frozenset("中国共产主义青年团委员会市区县镇街道村社支部学校")


def normalise(name: str) -> str:
    """Full-width and half-width forms alike (NFKC), case-insensitive, trimmed."""
    return unicodedata.normalize("NFKC", name).casefold().strip()


def grams(name_folded: str) -> list[str]:
    """Each distinct character and each distinct bigram, whitespace left out, in order of appearance."""
    chars = [c for c in name_folded if not c.isspace()]
    pairs = [name_folded[i:i + 2] for i in range(len(name_folded) - 1)
             if not any(c.isspace() for c in name_folded[i:i + 2])]
    return list(dict.fromkeys(chars + pairs))


def query_gram(text_folded: str) -> str:
    """The gram of the search text expected to match the fewest names; ties go to the first."""
    pairs = [g for g in grams(text_folded) if len(g) == 2]
    if pairs:
        return min(pairs, key=lambda g: (g in STOP_BIGRAMS, sum(c in COMMON_CHARS for c in g)))
    chars = [g for g in grams(text_folded) if len(g) == 1]
    return min(chars, key=lambda c: c in COMMON_CHARS)


def _gram_key(scope: str, gram: str) -> str:
    return f"{scope}:{gram}"


def entries_for(account: Account) -> list[NameIndexEntry]:
    folded = normalise(account.display_name)
    region = account.region
    return [
        NameIndexEntry(_gram_key(LEAGUE_ORG_SCOPE, gram), sort_key(folded, account.account_id),
                       account_id=account.account_id, name=account.display_name, name_folded=folded,
                       city=region.city if region else None, district=region.district if region else None)
        for gram in grams(folded)
    ]


def index_org_names(accounts: Iterable[Account]) -> int:
    """Idempotent puts (BatchWriteItem, 25 per request); returns the number of index items written."""
    written = 0
    with NameIndexEntry.batch_write() as batch:
        for account in accounts:
            for entry in entries_for(account):
                batch.save(entry)
                written += 1
    return written


def index_org_name(account: Account) -> None:
    index_org_names([account])


def index_on_activation(tx: Transaction, account: Account) -> Callable[[], None] | None:
    """A 团组织 becomes searchable when it is activated (never at provisioning): its entries go into the
    activation's transaction, its last items. A name with more grams than the transaction has room for
    (about 45 characters and more) is indexed after the commit: the returned call does it (idempotent
    batch puts; `manage.py reindex-league-orgs` repairs a failure)."""
    entries = entries_for(account)
    if len(tx) + len(entries) > TRANSACTION_ITEM_LIMIT:
        return lambda: index_org_name(account)
    for entry in entries:
        tx.put(entry)
    return None


def reindex_league_orgs() -> int:
    """Backfill / repair for the operator CLI: index every active, activated 团组织 (Query by_role_status,
    no scan). A 团组织 still on its initial password stays out of the picker."""
    accounts = Account.by_role_status.query(f"{Role.LEAGUE_ORG.value}#{AccountStatus.ACTIVE.value}",
                                            filter_condition=Account.must_change_password == False)  # noqa: E712
    return index_org_names(accounts)


def search(text: str, *, city: str | None, limit: int, cursor: str | None) -> Page[NameIndexEntry]:
    folded = normalise(text)
    if not folded:
        raise field_error(ErrorCode.VALIDATION_FAILED, "q", "请输入组织名称")
    scope = f"org-search:{folded}\x00{city or ''}"
    condition = NameIndexEntry.name_folded.contains(folded)
    if city:
        condition &= NameIndexEntry.city == city
    results = NameIndexEntry.query(
        _gram_key(LEAGUE_ORG_SCOPE, query_gram(folded)), filter_condition=condition,
        page_size=READ_BOUND, last_evaluated_key=decode_cursor(scope, cursor),
    )
    page = results.page_iter.next()          # exactly one Query request: READ_BOUND items at most
    matches: list[NameIndexEntry] = []
    next_key = results.page_iter.last_evaluated_key
    for raw in page.get("Items", []):
        if len(matches) == limit:
            # More matches in this page than asked for: resume right after the last one returned.
            last = matches[-1]
            next_key = {"gram": {"S": last.gram}, "sort_key": {"S": last.sort_key}}
            break
        matches.append(NameIndexEntry.from_raw_data(raw))
    return Page(items=matches, next_cursor=encode_cursor(scope, next_key))

"""团组织 search by name (所在组织 picker): prefix, substring, one character, city, pages; one bounded Query."""
from __future__ import annotations

import pytest

from chalicelib.data.name_index import NameIndexEntry
from chalicelib.services import org_search
from tests.builders import (
    PROVISIONING_OPERATOR,
    activate_in_process,
    activate_league_org,
    make_league_org,
    next_phone,
    operator_token,
    register_individual,
)

ORGS = [
    ("gd_sz", "中国共产主义青年团深圳市委员会", "深圳市", None),
    ("gd_sz_lh", "共青团深圳市罗湖区委员会", "深圳市", "罗湖区"),
    ("gd_gz_th", "共青团广州市天河区委员会", "广州市", "天河区"),
    ("gd_sz_jq", "中国共产主义青年团深圳市崛起实验中学2019级高中支部委员会", "深圳市", "龙岗区"),
    ("gd_sz_al", "中国共产主义青年团深圳市龙岗区园山街道安良社区七村居民小组支部委员会", "深圳市", "龙岗区"),
    ("gd_st", "Youth League of Shantou 汕头团委", "汕头市", None),
]


def _make(account_name, org_name, city, district, *, activate=True):
    """Provisioned, then activated (the picker offers only activated 团组织)."""
    from chalicelib.schemas.orgs import LeagueOrgIn
    from chalicelib.services import league_orgs

    account = league_orgs.create(PROVISIONING_OPERATOR, LeagueOrgIn.model_validate({
        "org_name": org_name, "account_name": account_name, "leader_mobile": next_phone(),
        "region": {"province": "广东省", "city": city, "district": district}}))
    return activate_in_process(account) if activate else account


@pytest.fixture
def orgs(aws, outbox):
    return {name: _make(login, name, city, district) for login, name, city, district in ORGS}


@pytest.fixture
def token(api, outbox):
    return register_individual(api, outbox)["access_token"]


def names(api, token, query) -> list[str]:
    response = api.get(f"/league-orgs/search?{query}", token=token)
    assert response.status_code == 200, response.json
    return [item["org_name"] for item in response.json["items"]]


def test_by_prefix(api, token, orgs):
    assert names(api, token, "q=共青团深圳") == ["共青团深圳市罗湖区委员会"]
    assert names(api, token, "q=中国共产主义青年团深圳市委") == ["中国共产主义青年团深圳市委员会"]


def test_by_a_substring_in_the_middle(api, token, orgs):
    assert names(api, token, "q=罗湖") == ["共青团深圳市罗湖区委员会"]
    assert names(api, token, "q=园山街道安良") == [ORGS[4][1]]
    assert names(api, token, "q=天河区委") == ["共青团广州市天河区委员会"]


def test_by_one_character(api, token, orgs):
    assert names(api, token, "q=湖") == ["共青团深圳市罗湖区委员会"]
    assert set(names(api, token, "q=深")) == {n for _, n, city, _ in ORGS if city == "深圳市"}


def test_only_stoplisted_bigrams_still_find_everything(api, token, orgs):
    found = names(api, token, "q=委员会")
    assert set(found) == {n for _, n, _, _ in ORGS if "委员会" in n}
    assert found == sorted(found)   # ordered by name


def test_case_and_width_do_not_matter(api, token, orgs):
    assert names(api, token, "q=youth league") == ["Youth League of Shantou 汕头团委"]
    assert names(api, token, "q=SHANTOU") == ["Youth League of Shantou 汕头团委"]
    assert names(api, token, "q=２０１９级") == ["中国共产主义青年团深圳市崛起实验中学2019级高中支部委员会"]


def test_city_filter(api, token, orgs):
    assert names(api, token, "q=天河&city=深圳市") == []
    assert names(api, token, "q=天河&city=广州市") == ["共青团广州市天河区委员会"]
    assert names(api, token, "q=共青团&city=广州市") == ["共青团广州市天河区委员会"]


def test_results_carry_no_phone_and_no_account_name(api, token, orgs):
    item = api.get("/league-orgs/search?q=罗湖", token=token).json["items"][0]
    assert item == {"account_id": orgs["共青团深圳市罗湖区委员会"].account_id, "org_name": "共青团深圳市罗湖区委员会",
                    "region": {"city": "深圳市", "district": "罗湖区"}}
    assert "gd_sz_lh" not in str(api.get("/league-orgs/search?q=罗湖", token=token).json)


def test_pages_with_a_signed_cursor(api, token, aws, outbox):
    created = [_make(f"gd_t{i}", f"共青团测试{i}区委员会", "佛山市", None) for i in range(5)]
    seen, cursor, pages = [], None, 0
    while True:
        query = "q=测试&limit=2" + (f"&cursor={cursor}" if cursor else "")
        body = api.get(f"/league-orgs/search?{query}", token=token).json
        seen += [i["account_id"] for i in body["items"]]
        pages += 1
        cursor = body["next_cursor"]
        if not cursor:
            break
    assert sorted(seen) == sorted(a.account_id for a in created) and len(seen) == 5 and pages == 3
    first = api.get("/league-orgs/search?q=测试&limit=2", token=token).json
    tampered = first["next_cursor"][:-1] + ("0" if first["next_cursor"][-1] != "0" else "1")
    bad = api.get(f"/league-orgs/search?q=测试&limit=2&cursor={tampered}", token=token)
    assert bad.status_code == 400 and bad.json["error"]["fields"][0]["path"] == "cursor"
    replayed = api.get(f"/league-orgs/search?q=测&limit=2&cursor={first['next_cursor']}", token=token)
    assert replayed.status_code == 400
    other_city = api.get(f"/league-orgs/search?q=测试&city=佛山市&cursor={first['next_cursor']}", token=token)
    assert other_city.status_code == 400


def test_each_page_reads_a_bounded_number_of_items_with_one_query(api, token, aws, monkeypatch):
    from pynamodb.connection.table import TableConnection

    for i in range(6):
        _make(f"gd_b{i}", f"共青团{i}号测试委员会", "佛山市", None)
    _make("gd_match", "共青团测试号匹配委员会", "佛山市", None)
    monkeypatch.setattr(org_search, "READ_BOUND", 3)
    limits = []
    original = TableConnection.query

    def counting_query(self, *args, **kwargs):
        limits.append(kwargs.get("limit"))
        return original(self, *args, **kwargs)

    def no_scan(*args, **kwargs):
        raise AssertionError("search scanned a table")

    monkeypatch.setattr(TableConnection, "query", counting_query)
    monkeypatch.setattr(TableConnection, "scan", no_scan)
    found, cursor, pages = [], None, 0
    while True:
        query = "q=测试号匹配&limit=50" + (f"&cursor={cursor}" if cursor else "")
        body = api.get(f"/league-orgs/search?{query}", token=token).json
        found += [i["org_name"] for i in body["items"]]
        pages += 1
        cursor = body["next_cursor"]
        if not cursor:
            break
    assert found == ["共青团测试号匹配委员会"]
    assert pages >= 2 and limits == [3] * pages   # one Query per page, never more than READ_BOUND items read


def test_a_league_org_not_yet_activated_is_not_offered_until_its_first_login_proves_it(api, outbox, token):
    fresh = make_league_org("gd_fresh", "共青团新设委员会")
    assert names(api, token, "q=新设") == []
    assert [e for e in NameIndexEntry.query("league_org:新设")] == []
    activate_league_org(api, "gd_fresh")
    found = api.get("/league-orgs/search?q=新设", token=token).json["items"]
    assert [i["account_id"] for i in found] == [fresh.account_id]


def test_a_league_org_imported_from_csv_is_findable_once_activated_and_reimport_changes_nothing(api, outbox):
    token = operator_token(api)
    csv = ("组织名称,账号,所在省,所在市,所在区县,上级组织,负责人手机号\n"
           "共青团韶关市乳源瑶族自治县委员会,gd_sg_ry,广东省,韶关市,乳源瑶族自治县,共青团韶关市委员会,13812349001\n")
    headers = {"Content-Type": "text/csv"}
    assert api.post("/admin/league-orgs/import", token=token, raw=csv.encode(), headers=headers).status_code == 200
    assert api.get("/league-orgs/search?q=乳源瑶族", token=token).json["items"] == []
    activate_league_org(api, "gd_sg_ry")
    items = api.get("/league-orgs/search?q=乳源瑶族", token=token).json["items"]
    assert [(i["org_name"], i["region"]) for i in items] == [
        ("共青团韶关市乳源瑶族自治县委员会", {"city": "韶关市", "district": "乳源瑶族自治县"})]
    entries = sorted((e.gram, e.sort_key) for e in NameIndexEntry.query("league_org:瑶族"))
    second = api.post("/admin/league-orgs/import", token=token, raw=csv.encode(), headers=headers)
    assert second.json == {"created": 0, "unchanged": 1}
    assert sorted((e.gram, e.sort_key) for e in NameIndexEntry.query("league_org:瑶族")) == entries
    assert len(api.get("/league-orgs/search?q=乳源瑶族", token=token).json["items"]) == 1


def test_indexing_is_idempotent_and_the_backfill_finds_every_activated_org(aws, outbox):
    org = make_league_org("gd_x", "共青团湛江市委员会")
    grams = org_search.grams(org_search.normalise(org.display_name))
    assert len(grams) == len(set(grams))
    assert org_search.reindex_league_orgs() == 0    # not activated: stays out of the picker
    activate_in_process(org)
    org_search.index_org_name(org)
    assert org_search.reindex_league_orgs() == len(grams)
    assert len(list(NameIndexEntry.query("league_org:湛江"))) == 1


def test_every_signed_in_role_may_search_and_the_query_is_checked(api, outbox, token, orgs):
    assert api.get("/league-orgs/search?q=罗湖").status_code == 401
    assert api.get("/league-orgs/search?q=罗湖", token=operator_token(api)).status_code == 200
    for query in ("", "q=", "q=%20%20", "q=" + "团" * 31, "q=罗湖&city=长沙市", "q=罗湖&limit=51", "q=罗湖&limit=0",
                  "q=罗湖&role=x"):
        assert api.get(f"/league-orgs/search?{query}", token=token).status_code == 400, query
    assert api.get("/league-orgs/search?q=" + "团" * 30, token=token).status_code == 200
    assert api.get("/league-orgs/search?q=罗湖&city=", token=token).status_code == 200


def test_the_query_gram_skips_the_stoplist():
    assert org_search.query_gram("中国共产主义青年团深圳") == "深圳"
    assert org_search.query_gram("共青团委员会") == "共青"        # all stoplisted: the first
    assert org_search.query_gram("湖") == "湖"
    assert org_search.query_gram("罗湖区") == "罗湖"


def test_an_orgs_name_entries_are_written_with_its_activation_or_after_it_when_too_many(aws, outbox,
                                                                                         dynamodb_calls):
    calls = dynamodb_calls()
    short = _make("gd_short", "共青团韶关市委员会", "韶关市", None, activate=False)
    assert [c.operation for c in calls] == ["TransactWriteItems"]   # account, login key, audit entry
    assert list(NameIndexEntry.query("league_org:韶关")) == []
    calls.clear()
    activate_in_process(short)
    writes = [c.operation for c in calls if c.operation in ("TransactWriteItems", "BatchWriteItem")]
    assert writes == ["TransactWriteItems", "TransactWriteItems"]   # the code's send, then activation + entries
    long_name = "共青团" + "".join(chr(0x4E00 + 7 * i) for i in range(60)) + "委员会"
    assert len(org_search.grams(org_search.normalise(long_name))) + 4 > 100
    long = _make("gd_long", long_name, "韶关市", None, activate=False)
    calls.clear()
    activate_in_process(long)
    writes = [c.operation for c in calls if c.operation in ("TransactWriteItems", "BatchWriteItem")]
    assert writes[:2] == ["TransactWriteItems", "TransactWriteItems"] and set(writes[2:]) == {"BatchWriteItem"}
    for org in (short, long):
        grams = org_search.grams(org_search.normalise(org.display_name))
        stored = [e for gram in grams for e in NameIndexEntry.query(f"league_org:{gram}")
                  if e.account_id == org.account_id]
        assert len(stored) == len(grams)

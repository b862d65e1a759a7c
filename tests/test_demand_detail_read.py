"""The demand detail in one read (issue 8): signed in, the demand and the caller's reactions come back
from one BatchGetItem; anonymous, one GetItem. The flags, the 404 rules and DynamoDB's unprocessed keys."""
from __future__ import annotations

import pytest

from chalicelib.data import batch_get
from chalicelib.data.base import transaction_connection
from chalicelib.data.batch_get import ItemKey, UnprocessedKeysError, get_items
from chalicelib.data.demands import Demand
from chalicelib.data.reactions import FAVORITE, KINDS, LIKE, Reaction, target
from tests.builders import league_org_session, operator_token, publish_demand, register_individual


def _flags(api, did: str, token: str | None) -> tuple[bool, bool]:
    detail = api.get(f"/demands/{did}", token=token).json
    return detail["liked"], detail["favorited"]


def test_the_flags_are_the_callers_own_reactions_to_this_demand(api, outbox, dynamodb_calls):
    token = league_org_session(api)["access_token"]
    did = publish_demand(api, outbox, token)["demand_id"]
    other = publish_demand(api, outbox, token, title="另一个")["demand_id"]
    me, someone = (register_individual(api, outbox)["access_token"] for _ in range(2))
    api.put(f"/demands/{other}/like", token=me)
    api.put(f"/demands/{other}/favorite", token=me)
    api.put(f"/demands/{did}/like", token=someone)
    api.put(f"/demands/{did}/favorite", token=someone)
    assert _flags(api, did, me) == (False, False)       # someone else's, or on another demand: not mine

    api.put(f"/demands/{did}/like", token=me)
    assert _flags(api, did, me) == (True, False)
    api.put(f"/demands/{did}/favorite", token=me)
    calls = dynamodb_calls()
    assert _flags(api, did, me) == (True, True)
    assert [(c.operation, c.table, c.consistent) for c in calls] == [("BatchGetItem", "demands+reactions", False)]
    api.call("DELETE", f"/demands/{did}/like", token=me)
    assert _flags(api, did, me) == (False, True)
    assert _flags(api, did, token) == (False, False)     # the publisher's view carries its own flags
    assert _flags(api, did, None) == (False, False)


def test_a_draft_or_unknown_demand_is_not_found_for_others_whatever_they_reacted(api, outbox, dynamodb_calls):
    token = league_org_session(api)["access_token"]
    draft = api.post("/demands", {"title": "草稿"}, token=token).json["demand_id"]
    person = register_individual(api, outbox)
    Reaction(person["account_id"], target(draft, LIKE), demand_id=draft, kind=LIKE,
             created_at=Demand.get(draft).created_at).save()   # stored before it went back to draft, say
    for caller in (person["access_token"], None):
        assert api.get(f"/demands/{draft}", token=caller).status_code == 404
        assert api.get(f"/demands/{'0' * 32}", token=caller).status_code == 404
    assert api.get(f"/demands/{draft}", token=token).json["status"] == "draft"
    assert api.get(f"/demands/{draft}", token=operator_token(api)).status_code == 200
    calls = dynamodb_calls()
    api.get(f"/demands/{draft}")
    assert [c.label for c in calls] == ["GetItem demands"]   # anonymous: no reaction to read


def test_get_items_answers_in_the_order_asked_with_none_for_missing_items(api, outbox):
    token = league_org_session(api)["access_token"]
    did = publish_demand(api, outbox, token)["demand_id"]
    person = register_individual(api, outbox)["account_id"]
    Reaction(person, target(did, FAVORITE), demand_id=did, kind=FAVORITE,
             created_at=Demand.get(did).created_at).save()
    keys = [ItemKey(Reaction, person, target(did, kind)) for kind in KINDS] + [ItemKey(Demand, did)]
    like, favorite, demand = get_items(keys)
    assert like is None and favorite.kind == FAVORITE and demand.demand_id == did
    with pytest.raises(ValueError):
        get_items([ItemKey(Demand, did), ItemKey(Demand, did)])
    with pytest.raises(ValueError):
        get_items([])


class _LeavesUnprocessed:
    """Wraps the client's BatchGetItem: for the first `times` requests, DynamoDB (moto) is asked for every
    key but the last one, which comes back in UnprocessedKeys, as DynamoDB does when throttled."""

    def __init__(self, monkeypatch, times: int) -> None:
        self.client = transaction_connection().client
        self.real = self.client.batch_get_item
        self.times = times
        self.requests: list[dict] = []
        self.slept: list[float] = []
        monkeypatch.setattr(self.client, "batch_get_item", self)
        monkeypatch.setattr(batch_get.time, "sleep", self.slept.append)

    def __call__(self, RequestItems: dict) -> dict:   # noqa: N803 (botocore's parameter name)
        self.requests.append(RequestItems)
        if len(self.requests) > self.times:
            return self.real(RequestItems=RequestItems)
        table, asked = list(RequestItems.items())[-1]
        *sent, left = asked["Keys"]
        rest = {**RequestItems, table: {**asked, "Keys": sent}} if sent else {
            name: value for name, value in RequestItems.items() if name != table}
        answer = self.real(RequestItems=rest) if rest else {"Responses": {}}
        return {**answer, "UnprocessedKeys": {table: {**asked, "Keys": [left]}}}


def test_unprocessed_keys_are_asked_again_alone_until_read(api, outbox, monkeypatch):
    token = league_org_session(api)["access_token"]
    did = publish_demand(api, outbox, token)["demand_id"]
    person = register_individual(api, outbox)
    api.put(f"/demands/{did}/like", token=person["access_token"])
    stub = _LeavesUnprocessed(monkeypatch, times=2)
    assert _flags(api, did, person["access_token"]) == (True, False)
    assert len(stub.requests) == 3
    retried = [sum(len(table["Keys"]) for table in request.values()) for request in stub.requests]
    assert retried == [1 + len(KINDS), 1, 1]             # each retry asks for the keys left, alone
    assert stub.slept == [batch_get.BACKOFF_SECONDS, 2 * batch_get.BACKOFF_SECONDS]


def test_keys_still_unprocessed_after_every_retry_fail_the_read(api, outbox, monkeypatch):
    token = league_org_session(api)["access_token"]
    did = publish_demand(api, outbox, token)["demand_id"]
    person = register_individual(api, outbox)["account_id"]
    stub = _LeavesUnprocessed(monkeypatch, times=batch_get.MAX_ATTEMPTS)
    with pytest.raises(UnprocessedKeysError):
        get_items([ItemKey(Demand, did), ItemKey(Reaction, person, target(did, LIKE))])
    assert len(stub.requests) == batch_get.MAX_ATTEMPTS

"""`data/base.py:from_stored` builds a model from a stored item as PynamoDB's `from_raw_data` does, for less CPU.

Lists (`one_page`) and the confirmation's Query build their items with it; these tests compare its result
with PynamoDB's on stored items with nested maps, lists, sets, numbers, missing and NULL attributes, and
with the defaults of attributes the stored item lacks.
"""
from __future__ import annotations

from datetime import UTC, datetime

import pytest

from chalicelib.data import base
from chalicelib.data.accounts import Region
from chalicelib.data.claims import ApplicantSnapshot, Claim
from chalicelib.data.demands import Demand
from chalicelib.data.todo_counters import TodoCounters

T = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)


def _claim() -> Claim:
    return Claim("d1", "a1", publisher_id="p", publisher_name="n", demand_title="t", status="pending",
                 applicant_status="a1#pending", publisher_status="p#pending", applied_at=T, updated_at=T,
                 linked_request_ids=["r1", "r2"], demand_city="深圳市",
                 applicant=ApplicantSnapshot(org_name="o", region=Region(province="广东省", city="深圳市",
                                                                         district="南山区"),
                                             service_areas=["关爱未成年人"], volunteer_count=12, advantages="a"))


@pytest.mark.parametrize("model,raw", [
    (Claim, _claim().serialize()),
    (Claim, {**_claim().serialize(), "message": {"NULL": True}}),
    (TodoCounters, TodoCounters("a1", awaiting_claim=2, ratings_owed={"x|1", "y|2"}).serialize()),
    (Demand, {"demand_id": {"S": "d1"}}),   # defaults (linked_request_ids=list) for what the item lacks
])
def test_from_stored_is_from_raw_data(model, raw):
    ours, theirs = base.from_stored(model, raw), model.from_raw_data(raw)
    assert type(ours) is type(theirs)
    assert ours.serialize(null_check=False) == theirs.serialize(null_check=False)
    assert ours.attribute_values.keys() == theirs.attribute_values.keys()

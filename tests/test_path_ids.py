"""Ids in paths are whatever a client sends: an id the app never minted is not found, never a 500."""
from __future__ import annotations

import pytest

from tests.builders import individual, volunteer

ODD_IDS = ["x" * 3000, "!gate", "..", "%00", "a.b.c", "中文"]


@pytest.mark.parametrize("odd", ODD_IDS, ids=["overlong", "bang", "dots", "nul", "three-parts", "chinese"])
def test_an_id_the_app_never_minted_is_not_found_on_every_kind_of_route(api, outbox, odd):
    person = individual(api, outbox)
    org = volunteer(api, outbox)
    calls = [
        ("GET", f"/activities/{odd}", None, None),
        ("GET", f"/activities/{odd}/signups", None, org["token"]),
        ("POST", f"/activities/{odd}/signups", None, person["token"]),
        ("POST", f"/activities/{odd}/check-ins", {"latitude": 39.8, "longitude": 116.6}, person["token"]),
        ("GET", f"/demands/{odd}", None, None),
        ("GET", f"/demands/{odd}/claims", None, org["token"]),
        ("GET", f"/demands/{odd}/activities", None, None),
        ("GET", f"/demands/{odd}/timeline", None, org["token"]),
        ("GET", f"/claims/{odd}/ratings", None, org["token"]),
        ("POST", f"/claims/{odd}/confirm", None, org["token"]),
    ]
    for method, path, body, token in calls:
        response = api.get(path, token=token) if method == "GET" else api.post(path, body or {}, token=token)
        assert response.status_code in (403, 404), (method, path[:60], response.status_code, response.json)

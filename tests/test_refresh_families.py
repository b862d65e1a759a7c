"""Refresh-token families (issue 19, finding 3): a rotated token presented again after the grace revokes every
token of its family, and only that family; a retry within the grace gets the same successor back."""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

from chalicelib.data.sessions import RevokedFamily, Session
from chalicelib.errors import AppError
from chalicelib.reference import SmsPurpose
from chalicelib.services import accounts, sessions, sms
from tests.builders import PASSWORD, login, next_phone, register_individual


def _refresh(api, token: str):
    return api.post("/auth/refresh", {"refresh_token": token})


def _after_the_grace(now) -> None:
    now.at += timedelta(seconds=sessions.REUSE_GRACE_SECONDS + 1)


def test_replaying_a_rotated_refresh_token_signs_out_whoever_refreshed_first(api, outbox, now):
    person = register_individual(api, outbox)
    thief = _refresh(api, person["refresh_token"])     # R1 stolen and rotated first: the thief holds R2
    assert thief.status_code == 200
    _after_the_grace(now)
    replay = _refresh(api, person["refresh_token"])
    assert replay.status_code == 401 and replay.json["error"]["code"] == "REFRESH_TOKEN_INVALID"
    refused = _refresh(api, thief.json["refresh_token"])
    assert refused.status_code == 401 and refused.json["error"]["code"] == "REFRESH_TOKEN_INVALID"


def test_reuse_in_one_family_leaves_the_accounts_other_logins_signed_in(api, outbox, now):
    person = register_individual(api, outbox)
    other_device = login(api, "individual", person["phone"]).json
    rotated = _refresh(api, person["refresh_token"]).json
    _after_the_grace(now)
    assert _refresh(api, person["refresh_token"]).status_code == 401
    assert _refresh(api, rotated["refresh_token"]).status_code == 401
    again = _refresh(api, other_device["refresh_token"])
    assert again.status_code == 200
    assert _refresh(api, again.json["refresh_token"]).status_code == 200


def test_a_refresh_retried_within_the_grace_gets_the_same_successor_and_signs_nobody_out(api, outbox, now):
    person = register_individual(api, outbox)
    lost = _refresh(api, person["refresh_token"])        # the phone never saw this answer
    now.at += timedelta(seconds=sessions.REUSE_GRACE_SECONDS - 5)
    retry = _refresh(api, person["refresh_token"])
    assert retry.status_code == 200
    assert retry.json["refresh_token"] == lost.json["refresh_token"]
    assert api.get("/me", token=retry.json["access_token"]).status_code == 200
    assert _refresh(api, retry.json["refresh_token"]).status_code == 200


def test_a_retry_within_the_grace_after_the_successor_was_rotated_is_reuse(api, outbox, now):
    person = register_individual(api, outbox)
    second = _refresh(api, person["refresh_token"]).json
    third = _refresh(api, second["refresh_token"]).json
    assert _refresh(api, person["refresh_token"]).status_code == 401
    assert _refresh(api, third["refresh_token"]).status_code == 401


def test_a_retry_within_the_grace_is_refused_once_the_password_changed(api, outbox, now):
    person = register_individual(api, outbox)
    rotated = _refresh(api, person["refresh_token"]).json
    changed = api.put("/auth/password", {"current_password": PASSWORD, "new_password": "NewPassw0rd"},
                      token=rotated["access_token"])
    assert changed.status_code == 200
    assert _refresh(api, person["refresh_token"]).status_code == 401
    assert _refresh(api, changed.json["refresh_token"]).status_code == 200


def test_logout_with_a_rotated_token_ends_its_family_and_stays_idempotent(api, outbox, now):
    person = register_individual(api, outbox)
    other_device = login(api, "individual", person["phone"]).json
    rotated = _refresh(api, person["refresh_token"]).json
    for _ in range(2):
        assert api.post("/auth/logout", {"refresh_token": person["refresh_token"]}).status_code == 204
    assert _refresh(api, rotated["refresh_token"]).status_code == 401
    assert _refresh(api, other_device["refresh_token"]).status_code == 200
    for _ in range(2):
        assert api.post("/auth/logout", {"refresh_token": "nonsense"}).status_code == 204


def test_a_rotated_token_leaves_a_tombstone_for_a_refresh_tokens_lifetime(api, outbox, now):
    person = register_individual(api, outbox)
    rotated = _refresh(api, person["refresh_token"]).json
    old = Session.get(person["refresh_token"].partition(".")[0], consistent_read=True)
    new = Session.get(rotated["refresh_token"].partition(".")[0], consistent_read=True)
    assert old.used_at == now.at and old.successor_id == new.session_id
    assert old.family_id == new.family_id
    assert old.expires_at == now.at + timedelta(days=30)


def _attempt(work):
    try:
        return work(), None
    except AppError as exc:
        return None, exc.code.name


def test_racing_refreshes_of_one_token_issue_at_most_one_successor(dynamodb_server, outbox):
    phone = next_phone()
    sms.send_code(phone, SmsPurpose.REGISTER, client="198.51.100.1")
    pair = accounts.register_individual(phone=phone, sms_code=outbox.last_code(phone), display_name="张三",
                                        password=PASSWORD)
    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(lambda _: _attempt(lambda: sessions.refresh(pair.refresh_token)), range(8)))
    answered = {result.refresh_token for result, _ in results if result is not None}
    assert len(answered) == 1
    assert {err for _, err in results if err} <= {"REFRESH_TOKEN_INVALID"}
    family = Session.get(pair.refresh_token.partition(".")[0], consistent_read=True).family_id
    assert not RevokedFamily.count(f"family:{family}")
    assert sessions.refresh(answered.pop()).refresh_token

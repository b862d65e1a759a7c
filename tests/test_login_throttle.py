"""Login throttling (issue 19, finding 7): slots taken before the password hash, per account and address,
a growing backoff per account instead of a lockout, and a busy address that still lets correct passwords in."""
from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from chalice.local import LambdaEventConverter

from chalicelib.auth import passwords
from chalicelib.errors import AppError
from chalicelib.reference import SmsPurpose
from chalicelib.services import accounts, sms
from tests.builders import PASSWORD, login, next_phone, register_individual


@pytest.fixture
def from_address(monkeypatch):
    """Call it with an address: the test client's next requests come from there."""
    return lambda address: monkeypatch.setattr(LambdaEventConverter, "LOCAL_SOURCE_IP", address)


def test_an_attacker_exhausting_its_tries_does_not_lock_the_owner_out_from_elsewhere(api, outbox, now, from_address):
    person = register_individual(api, outbox)
    from_address("203.0.113.7")
    for _ in range(accounts.MAX_ATTEMPTS_PER_ACCOUNT_AND_CLIENT):
        assert login(api, "individual", person["phone"], "Wrong1234").status_code == 401
    refused = login(api, "individual", person["phone"], PASSWORD)
    assert refused.status_code == 429 and refused.json["error"]["code"] == "LOGIN_THROTTLED"
    assert 0 < int(refused.headers["Retry-After"]) <= accounts.LOGIN_WINDOW_SECONDS
    from_address("198.51.100.20")
    assert login(api, "individual", person["phone"], PASSWORD).status_code == 200


def test_a_busy_address_still_lets_other_accounts_correct_passwords_in(api, outbox, now, from_address):
    person = register_individual(api, outbox)
    from_address("100.64.0.1")    # a carrier's NAT: many people, one address
    answers = [login(api, "individual", next_phone(), "Wrong1234").status_code for _ in range(25)]
    assert answers[:accounts.MAX_FAILURES_PER_CLIENT] == [401] * accounts.MAX_FAILURES_PER_CLIENT
    assert set(answers[accounts.MAX_FAILURES_PER_CLIENT:]) == {429}
    assert login(api, "individual", person["phone"], PASSWORD).status_code == 200


def test_a_correct_password_gives_its_slot_back(api, outbox, now):
    person = register_individual(api, outbox)
    for _ in range(3 * accounts.MAX_ATTEMPTS_PER_ACCOUNT_AND_CLIENT):   # an office sharing one account
        assert login(api, "individual", person["phone"]).status_code == 200
    for _ in range(accounts.MAX_ATTEMPTS_PER_ACCOUNT_AND_CLIENT - 1):
        assert login(api, "individual", person["phone"], "Wrong1234").status_code == 401
    assert login(api, "individual", person["phone"]).status_code == 200


def test_guesses_from_many_addresses_are_slowed_down_with_a_short_growing_retry_after(api, outbox, now, from_address):
    person = register_individual(api, outbox)
    free, per_address = accounts.ACCOUNT_FAILURES_BEFORE_BACKOFF, accounts.MAX_ATTEMPTS_PER_ACCOUNT_AND_CLIENT
    for n in range(free):
        from_address(f"192.0.2.{n // per_address}")
        assert login(api, "individual", person["phone"], "Wrong1234").status_code == 401
    waits = []
    for n in range(4):
        from_address(f"198.18.0.{n}")
        assert login(api, "individual", person["phone"], "Wrong1234").status_code == 401
        refused = login(api, "individual", person["phone"], PASSWORD)
        assert refused.status_code == 429 and refused.json["error"]["code"] == "LOGIN_THROTTLED"
        waits.append(int(refused.headers["Retry-After"]))
        now.at += timedelta(seconds=waits[-1])
    assert waits == [1, 2, 4, 8]
    from_address("198.51.100.20")      # the owner, after the short wait
    assert login(api, "individual", person["phone"], PASSWORD).status_code == 200


def test_concurrent_wrong_passwords_verify_at_most_the_limit(dynamodb_server, outbox, monkeypatch):
    phone = next_phone()
    sms.send_code(phone, SmsPurpose.REGISTER, client="198.51.100.1")
    accounts.register_individual(phone=phone, sms_code=outbox.last_code(phone), display_name="张三",
                                 password=PASSWORD)
    verified, lock = [], threading.Lock()
    real_verify = passwords.verify_password

    def counting_verify(stored, password):
        with lock:
            verified.append(password)
        return real_verify(stored, password)

    monkeypatch.setattr(passwords, "verify_password", counting_verify)

    def attempt(_):
        try:
            accounts.login(account_type="individual", login=phone, password="Wrong1234", source_ip="203.0.113.9")
        except AppError as exc:
            return exc.code.name
        return "OK"

    with ThreadPoolExecutor(max_workers=12) as pool:
        outcomes = list(pool.map(attempt, range(12)))
    assert len(verified) <= accounts.MAX_ATTEMPTS_PER_ACCOUNT_AND_CLIENT
    assert outcomes.count("INVALID_CREDENTIALS") == len(verified)
    assert outcomes.count("LOGIN_THROTTLED") == 12 - len(verified)

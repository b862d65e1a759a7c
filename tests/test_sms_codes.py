"""SMS verification codes: the rules of the one service every form uses."""
from datetime import timedelta

from chalicelib import clock
from chalicelib.data.sms_codes import SmsCode
from tests.builders import next_phone


def _send(api, phone, purpose="register"):
    return api.post("/sms/codes", {"phone": phone, "purpose": purpose})


def _register(api, phone, code, password="Passw0rd!"):
    return api.post("/auth/register", {"phone": phone, "sms_code": code, "display_name": "李四", "password": password})


def test_a_code_is_six_digits_and_stored_only_as_a_keyed_hash(api, outbox):
    phone = next_phone()
    response = _send(api, phone)
    assert response.status_code == 202
    assert response.json == {"resend_after_seconds": 60, "expires_in_seconds": 300}
    code = outbox.last_code(phone)
    stored = SmsCode.get(phone, "register")
    assert len(code) == 6 and code.isdigit()
    assert code not in stored.code_hash and len(stored.code_hash) == 64


def test_a_second_send_within_60_seconds_is_throttled_with_retry_after(api, outbox):
    phone = next_phone()
    assert _send(api, phone).status_code == 202
    response = _send(api, phone, "reset_password")
    assert response.status_code == 429
    assert response.json["error"]["code"] == "SMS_SEND_TOO_FREQUENT"
    assert 1 <= int(response.headers["Retry-After"]) <= 60
    assert len(outbox.messages) == 1


def test_at_most_ten_sends_per_day_per_number(api, outbox, monkeypatch):
    phone = next_phone()
    start = clock.now().replace(hour=1)  # 09:00 CST: the ten sends stay in one CST day
    for minute in range(10):
        monkeypatch.setattr(clock, "now", lambda m=minute: start + timedelta(minutes=2 * m))
        assert _send(api, phone).status_code == 202
    monkeypatch.setattr(clock, "now", lambda: start + timedelta(minutes=30))
    response = _send(api, phone)
    assert response.status_code == 429
    assert response.json["error"]["code"] == "SMS_DAILY_LIMIT"
    assert int(response.headers["Retry-After"]) > 3600
    assert len(outbox.messages) == 10


def test_send_answers_the_same_for_registered_and_unknown_numbers(api, outbox, monkeypatch):
    known = next_phone()
    _send(api, known)
    assert _register(api, known, outbox.last_code(known)).status_code == 201
    later = clock.now() + timedelta(seconds=61)
    monkeypatch.setattr(clock, "now", lambda: later)
    for purpose in ("register", "reset_password"):
        registered = _send(api, known, purpose)
        unknown = _send(api, next_phone(), purpose)
        assert (registered.status_code, registered.json) == (unknown.status_code, unknown.json) == (
            202, {"resend_after_seconds": 60, "expires_in_seconds": 300})
        monkeypatch.setattr(clock, "now", lambda: later + timedelta(seconds=61))


def test_an_expired_code_is_refused(api, outbox, monkeypatch):
    phone = next_phone()
    _send(api, phone)
    code = outbox.last_code(phone)
    later = clock.now() + timedelta(minutes=5, seconds=1)
    monkeypatch.setattr(clock, "now", lambda: later)
    response = _register(api, phone, code)
    assert response.status_code == 400
    assert response.json["error"]["code"] == "SMS_CODE_EXPIRED"
    assert response.json["error"]["fields"][0]["path"] == "sms_code"


def test_a_code_works_once(api, outbox):
    phone = next_phone()
    _send(api, phone)
    code = outbox.last_code(phone)
    assert _register(api, phone, code).status_code == 201
    again = _register(api, phone, code)
    assert again.status_code == 400
    assert again.json["error"]["code"] == "SMS_CODE_EXPIRED"


def test_five_wrong_codes_invalidate_it_even_for_the_right_code(api, outbox):
    phone = next_phone()
    _send(api, phone)
    right = outbox.last_code(phone)
    wrong = "000000" if right != "000000" else "111111"
    codes = [_register(api, phone, wrong).json["error"]["code"] for _ in range(5)]
    assert codes == ["SMS_CODE_INVALID"] * 4 + ["SMS_CODE_ATTEMPTS_EXCEEDED"]
    sixth = _register(api, phone, right)
    assert sixth.status_code == 400
    assert sixth.json["error"]["code"] == "SMS_CODE_ATTEMPTS_EXCEEDED"


def test_a_code_for_one_purpose_does_not_serve_another(api, outbox):
    phone = next_phone()
    _send(api, phone, "reset_password")
    response = _register(api, phone, outbox.last_code(phone))
    assert response.json["error"]["code"] == "SMS_CODE_EXPIRED"


def test_codes_for_signed_in_forms_need_a_signed_in_caller(api, outbox):
    response = _send(api, next_phone(), "help_contact")
    assert response.status_code == 401
    assert outbox.messages == []


def test_bad_phone_numbers_are_refused_with_the_field(api, outbox):
    for phone in ("12345678901", "1380000000", "abc", "", 13800000000):
        response = _send(api, phone)
        assert response.status_code == 400
        assert response.json["error"]["fields"][0]["path"] == "phone"
    assert outbox.messages == []

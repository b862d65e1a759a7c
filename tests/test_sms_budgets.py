"""SMS pumping: codes to many numbers from one client address, or from everywhere at once, are bounded
(per client address and per stage, by the clock hour and the China-Standard-Time day), and a refused
send spends nothing (issue 19 item 4)."""
from __future__ import annotations

import json
from datetime import timedelta

import pytest
from chalice.local import LambdaEventConverter
from pydantic import ValidationError

from chalicelib.config import Settings, get_settings
from chalicelib.data.rate_limits import RateCounter
from chalicelib.services import sms
from tests.builders import activate_league_org, login, make_league_org, next_phone, operator_token


@pytest.fixture
def limits(monkeypatch):
    """Set the SMS budgets for this test (the suite's environment leaves them out of the way)."""
    def set_limits(**values: int) -> None:
        settings = get_settings().model_copy(update={f"sms_{name}_limit": value for name, value in values.items()})
        monkeypatch.setattr(sms, "get_settings", lambda: settings)
    return set_limits


@pytest.fixture
def address(monkeypatch):
    """The client address the next requests come from."""
    def use(ip: str) -> None:
        monkeypatch.setattr(LambdaEventConverter, "LOCAL_SOURCE_IP", ip)
    return use


def _send(api, phone, purpose="register"):
    return api.post("/sms/codes", {"phone": phone, "purpose": purpose})


def _count(key: str) -> int:
    try:
        return int(RateCounter.get(key, consistent_read=True).count)
    except RateCounter.DoesNotExist:
        return 0


def test_one_client_address_sends_codes_to_at_most_its_hourly_budget_of_numbers(api, outbox, now, limits, address):
    limits(client_hourly=3, client_daily=10)
    address("203.0.113.7")
    for _ in range(3):
        assert _send(api, next_phone()).status_code == 202
    refused = _send(api, next_phone())
    assert refused.status_code == 429 and refused.json["error"]["code"] == "SMS_CLIENT_LIMIT"
    assert 1 <= int(refused.headers["Retry-After"]) <= 3600
    assert len(outbox.messages) == 3

    address("203.0.113.8")   # another client is not held back by the first one
    assert _send(api, next_phone()).status_code == 202
    address("203.0.113.7")
    now.at += timedelta(hours=1)   # the next clock hour
    assert _send(api, next_phone()).status_code == 202


def test_one_client_address_has_a_daily_budget_that_ends_at_cst_midnight(api, outbox, now, limits, address):
    limits(client_hourly=2, client_daily=3)
    address("203.0.113.9")
    for hour in range(3):
        now.at = now.at.replace(hour=hour)   # 08:00, 09:00, 10:00 CST
        assert _send(api, next_phone()).status_code == 202
    now.at = now.at.replace(hour=4)          # 12:00 CST: the hour is fresh, the day is spent
    refused = _send(api, next_phone())
    assert refused.status_code == 429 and refused.json["error"]["code"] == "SMS_CLIENT_LIMIT"
    assert int(refused.headers["Retry-After"]) == 12 * 3600   # until 00:00 CST
    now.at += timedelta(hours=12)            # the next CST day
    assert _send(api, next_phone()).status_code == 202


def test_the_stage_budget_caps_every_client_together(api, outbox, now, limits, address):
    limits(stage_hourly=4, stage_daily=6)
    for i in range(4):
        address(f"198.51.100.{i + 1}")
        assert _send(api, next_phone()).status_code == 202
    address("198.51.100.99")
    refused = _send(api, next_phone())
    assert refused.status_code == 429 and refused.json["error"]["code"] == "SMS_PLATFORM_LIMIT"
    assert 1 <= int(refused.headers["Retry-After"]) <= 3600
    now.at += timedelta(hours=1)
    assert [_send(api, next_phone()).status_code for _ in range(3)] == [202, 202, 429]   # the day's 6
    assert len(outbox.messages) == 6


def test_a_send_refused_by_a_budget_spends_none_of_the_numbers_quota(api, outbox, now, limits, address):
    limits(client_hourly=1, client_daily=5)
    first, second = next_phone(), next_phone()
    address("203.0.113.20")
    assert _send(api, first).status_code == 202
    assert _send(api, second).status_code == 429                   # the client's hour is spent
    assert _count(f"sms-day:{second}:20990601") == 0 and _count(f"sms-gap:{second}") == 0
    address("203.0.113.21")
    assert _send(api, second).status_code == 202                   # no 60-second gap was started by the refusal
    assert [to for to, _ in outbox.messages] == [first, second]


def test_a_send_refused_for_its_number_spends_no_client_or_stage_budget(api, outbox, now, limits, address):
    limits(client_hourly=2, client_daily=5, stage_hourly=2, stage_daily=5)
    phone = next_phone()
    address("203.0.113.30")
    assert _send(api, phone).status_code == 202
    for _ in range(5):
        assert _send(api, phone).json["error"]["code"] == "SMS_SEND_TOO_FREQUENT"
    assert _send(api, next_phone()).status_code == 202             # the budgets counted one send so far


def test_the_stage_budget_reports_its_use_and_warns_from_eighty_percent(api, outbox, now, limits, address, capsys,
                                                                         caplog):
    limits(stage_hourly=5, stage_daily=100)
    for i in range(3):
        address(f"192.0.2.{i + 1}")
        assert _send(api, next_phone()).status_code == 202
    assert "SMS stage budget" not in caplog.text
    address("192.0.2.50")
    assert _send(api, next_phone()).status_code == 202               # 4 of 5: 80 %
    metrics = [json.loads(line) for line in capsys.readouterr().out.splitlines() if '"_aws"' in line]
    assert [m[sms.STAGE_BUDGET_METRIC] for m in metrics] == [20, 40, 60, 80]
    last = metrics[-1]
    assert last["TablePrefix"] == get_settings().table_prefix
    assert last["_aws"]["CloudWatchMetrics"][0]["Metrics"] == [{"Name": sms.STAGE_BUDGET_METRIC, "Unit": "Percent"}]
    assert (last["sms_stage_hour"], last["sms_stage_hour_limit"]) == (4, 5)
    assert "SMS stage budget at 80%" in caplog.text


@pytest.mark.parametrize("overrides", [
    {"SMS_CLIENT_HOURLY_LIMIT": "0"},
    {"SMS_CLIENT_HOURLY_LIMIT": "40", "SMS_CLIENT_DAILY_LIMIT": "30"},
    {"SMS_STAGE_HOURLY_LIMIT": "3000", "SMS_STAGE_DAILY_LIMIT": "2000"},
])
def test_sms_budgets_are_validated_settings(overrides):
    base = {"table_prefix": "p-", "aws_region": "cn-north-1", "token_signing_key": "k" * 32, "sms_code_key": "s" * 32}
    defaults = Settings.model_validate(base)
    assert (defaults.sms_client_hourly_limit, defaults.sms_client_daily_limit,
            defaults.sms_stage_hourly_limit, defaults.sms_stage_daily_limit) == (10, 30, 300, 2000)
    with pytest.raises(ValidationError):
        Settings.model_validate({**base, **{name.lower(): value for name, value in overrides.items()}})


def test_a_league_orgs_activation_code_spends_the_callers_address_budget(api, outbox, now, limits, address):
    limits(client_hourly=1, client_daily=10)
    address("203.0.113.20")
    make_league_org("gd_budget_a")
    make_league_org("gd_budget_b")
    tokens = [login(api, "organization", name, "000000").json["access_token"]
              for name in ("gd_budget_a", "gd_budget_b")]
    assert api.post("/auth/activation/sms-code", token=tokens[0]).status_code == 202
    refused = api.post("/auth/activation/sms-code", token=tokens[1])
    assert refused.status_code == 429 and refused.json["error"]["code"] == "SMS_CLIENT_LIMIT"
    assert len(outbox.messages) == 1


def test_an_organizations_recovery_code_spends_the_address_budget_and_a_refusal_still_answers_as_a_send(
        api, outbox, now, limits, address):
    make_league_org("gd_budget_c", leader_mobile="13812349001")
    make_league_org("gd_budget_d", leader_mobile="13812349002")
    activate_league_org(api, "gd_budget_c")
    activate_league_org(api, "gd_budget_d")
    now.at += timedelta(hours=1)
    limits(client_hourly=1, client_daily=10)
    address("203.0.113.21")
    sent_before = len(outbox.messages)
    answers = [api.post("/auth/password/reset/sms-code", {"account_type": "organization", "login": name})
               for name in ("gd_budget_c", "gd_budget_d")]
    assert [a.status_code for a in answers] == [202, 202] and answers[0].json == answers[1].json
    assert [to for to, _ in outbox.messages[sent_before:]] == ["13812349001"]   # the second was refused, silently
    assert _count(f"sms-client-hour:203.0.113.21:{int(now.at.timestamp()) // 3600 * 3600}") == 1


def test_an_operators_reset_spends_the_stage_budget_but_no_client_budget(api, outbox, now, limits, address):
    operator = operator_token(api)
    league = make_league_org("gd_budget_e", leader_mobile="13812349003")
    activate_league_org(api, "gd_budget_e")
    now.at += timedelta(hours=1)
    limits(client_hourly=1, client_daily=1, stage_hourly=1, stage_daily=10)
    address("203.0.113.22")
    assert api.post("/sms/codes", {"phone": next_phone(), "purpose": "register"}).status_code == 202
    refused = api.post(f"/admin/accounts/{league.account_id}/password-reset", {"reason": "负责人更换，申请重置"},
                       token=operator)
    assert refused.status_code == 429 and refused.json["error"]["code"] == "SMS_PLATFORM_LIMIT"
    assert login(api, "organization", "gd_budget_e").status_code == 200   # nothing of the reset was written
    limits(client_hourly=1, client_daily=1, stage_hourly=5, stage_daily=10)
    reset = api.post(f"/admin/accounts/{league.account_id}/password-reset", {"reason": "负责人更换，申请重置"},
                     token=operator)
    assert reset.status_code == 200, reset.json   # the operator's address had spent its client budget


class _FailingProvider:
    def send(self, phone: str, message) -> None:
        raise ConnectionError("provider down")


def test_a_provider_failure_is_a_503_to_retry_that_gives_the_quota_back(api, outbox, now, limits, address):
    from chalicelib.services import sms_sender

    limits(client_hourly=5, client_daily=5)
    address("203.0.113.40")
    phone = next_phone()
    sms_sender.use_sender(_FailingProvider())
    try:
        failed = _send(api, phone)
    finally:
        sms_sender.use_sender(outbox)
    assert (failed.status_code, failed.json["error"]["code"], failed.headers["Retry-After"]) == (
        503, "SMS_UNAVAILABLE", str(sms.PROVIDER_RETRY_SECONDS))
    counted = [key for key in _keys_of_the_send(now.at) if _count(key)]
    assert counted == []                                   # the day, the client's and the stage's budgets
    assert sms.get_or_none(sms.SmsCode, phone, "register", consistent_read=True) is None   # the code is withdrawn
    assert _send(api, phone).status_code == 202            # no resend gap to wait out: asking again works at once
    assert len(outbox.messages) == 1


def _keys_of_the_send(moment) -> list[str]:
    return [budget.key for budget in sms._budgets("203.0.113.40", moment)]

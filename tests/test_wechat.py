"""WeChat: sign-in from the 公众号 (网页授权 snsapi_base), binding, and the JS-SDK signature, against the fake
WeChat API of tests/fake_wechat.py on loopback."""
from __future__ import annotations

import json
import logging
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest

from chalicelib.config import Settings, _from_environ, get_settings
from chalicelib.data.identity import CREDENTIAL_PREFIX, WechatCredential
from chalicelib.errors import AppError
from chalicelib.reference import SmsPurpose
from chalicelib.services import accounts, identity, sms
from chalicelib.services import wechat as wechat_service
from tests.builders import PASSWORD, login, next_phone, operator_token, register_individual
from tests.clock import T0
from tests.fake_wechat import APP_ID

PAGE = "https://h5.yce.test/wechat-login"
CHECK_IN = "https://h5.yce.test/activities/1f2e/check-in?from=menu"
OPENID = "oPrivate-openid-0123456789ab"


class Flow:
    """One person arriving from the 公众号, as the H5 drives it."""

    def __init__(self, api, outbox, fake, now) -> None:
        self.api, self.outbox, self.fake, self.now = api, outbox, fake, now
        self.answers: list = []

    def call(self, method: str, path: str, body=None, **kw):
        response = self.api.call(method, path, body, **kw)
        self.answers.append(response.json)
        return response

    def state(self) -> str:
        response = self.call("POST", "/auth/wechat/authorize-url", {"redirect_uri": PAGE})
        assert response.status_code == 200, response.json
        return response.json["state"]

    def login(self, openid: str = OPENID, state: str | None = None):
        return self.call("POST", "/auth/wechat/login", {"code": self.fake.code_for(openid),
                                                        "state": state or self.state()})

    def bind_code(self, phone: str) -> str:
        self.now.at += timedelta(seconds=61)   # one SMS per number per minute
        assert self.call("POST", "/sms/codes", {"phone": phone, "purpose": "wechat_bind"}).status_code == 202
        return self.outbox.last_code(phone)

    def bind(self, ticket: str, phone: str):
        return self.call("POST", "/auth/wechat/bind", {"bind_ticket": ticket, "phone": phone,
                                                       "sms_code": self.bind_code(phone)})

    def bound_person(self, openid: str = OPENID) -> dict:
        person = register_individual(self.api, self.outbox)
        ticket = self.login(openid).json["bind_ticket"]
        assert self.bind(ticket, person["phone"]).status_code == 200
        return person


@pytest.fixture
def flow(api, outbox, wechat, now):
    return Flow(api, outbox, wechat, now)


def _error(response) -> str:
    return response.json["error"]["code"]


# ---------------------------------------------------------------- sign-in and binding

def test_a_first_login_answers_a_bind_ticket_the_bind_signs_in_and_later_logins_sign_in_directly(flow):
    person = register_individual(flow.api, flow.outbox)
    first = flow.login()
    assert first.status_code == 200 and first.json["outcome"] == "bind_required"
    assert first.json["expires_in"] == identity.BIND_TICKET_TTL_SECONDS

    bound = flow.bind(first.json["bind_ticket"], person["phone"])
    assert bound.status_code == 200, bound.json
    assert bound.json["account_id"] == person["account_id"] and bound.json["role"] == "individual"
    assert flow.api.get("/me", token=bound.json["access_token"]).json["account_id"] == person["account_id"]

    later = flow.login()
    assert later.status_code == 200 and later.json["outcome"] == "signed_in"
    assert later.json["account_id"] == person["account_id"]
    # The same sessions as a password login: the refresh token rotates.
    assert flow.api.post("/auth/refresh", {"refresh_token": later.json["refresh_token"]}).status_code == 200
    binding = flow.api.get("/auth/wechat/binding", token=later.json["access_token"])
    assert binding.json == {"bound": True}


def test_the_authorize_url_is_wechats_snsapi_base_url_back_to_the_page_with_a_short_alphanumeric_state(flow):
    answer = flow.call("POST", "/auth/wechat/authorize-url", {"redirect_uri": PAGE + "#/ignored"}).json
    url = urlsplit(answer["authorize_url"])
    assert f"{url.scheme}://{url.netloc}{url.path}" == "https://open.weixin.qq.com/connect/oauth2/authorize"
    assert url.fragment == "wechat_redirect"
    assert [pair.split("=")[0] for pair in url.query.split("&")] == [
        "appid", "redirect_uri", "response_type", "scope", "state"]   # the order WeChat reads
    query = {name: values[0] for name, values in parse_qs(url.query).items()}
    assert query == {"appid": APP_ID, "redirect_uri": PAGE, "response_type": "code", "scope": "snsapi_base",
                     "state": answer["state"]}
    assert answer["state"].isalnum() and len(answer["state"]) <= 128 and answer["expires_in"] == 600


@pytest.mark.parametrize("page", ["https://evil.example/wechat-login", "http://h5.yce.test/wechat-login",
                                  "https://h5.yce.test.evil.example/", "https://user@h5.yce.test/"])
def test_the_authorize_url_is_refused_for_a_page_outside_the_stages_h5_origins(flow, page):
    response = flow.call("POST", "/auth/wechat/authorize-url", {"redirect_uri": page})
    assert response.status_code == 400
    assert response.json["error"]["fields"][0]["path"] == "redirect_uri"


def test_a_forged_state_is_refused_before_the_code_reaches_wechat(flow):
    good = flow.state()
    for forged in ["0" * 56, good[:-1] + ("0" if good[-1] != "0" else "1"), good[:8] + "f" * 48, "x", good.upper()]:
        response = flow.call("POST", "/auth/wechat/login", {"code": flow.fake.code_for(OPENID), "state": forged})
        assert response.status_code == 400 and _error(response) == "WECHAT_STATE_INVALID", forged
    assert flow.fake.fetches["/sns/oauth2/access_token"] == 0


def test_an_expired_state_is_refused(flow):
    state = flow.state()
    flow.now.at += timedelta(seconds=identity.STATE_TTL_SECONDS + 1)
    response = flow.login(state=state)
    assert _error(response) == "WECHAT_STATE_INVALID" and flow.fake.fetches["/sns/oauth2/access_token"] == 0


def test_a_state_is_used_once(flow):
    state = flow.state()
    assert flow.login(state=state).status_code == 200
    again = flow.login(state=state)
    assert again.status_code == 400 and _error(again) == "WECHAT_STATE_INVALID"
    assert flow.fake.fetches["/sns/oauth2/access_token"] == 1


def test_a_code_wechat_already_exchanged_or_never_issued_is_refused(flow):
    code = flow.fake.code_for(OPENID)
    assert flow.call("POST", "/auth/wechat/login", {"code": code, "state": flow.state()}).status_code == 200
    reused = flow.call("POST", "/auth/wechat/login", {"code": code, "state": flow.state()})
    assert reused.status_code == 400 and _error(reused) == "WECHAT_CODE_INVALID"   # 40163
    unknown = flow.call("POST", "/auth/wechat/login", {"code": "never-issued", "state": flow.state()})
    assert unknown.status_code == 400 and _error(unknown) == "WECHAT_CODE_INVALID"  # 40029


def test_the_openid_is_in_no_answer_and_no_log_line(flow, caplog, capsys):
    caplog.set_level(logging.INFO)   # the functions' level (botocore's DEBUG prints every request's items)
    person = flow.bound_person()
    token = flow.login().json["access_token"]
    flow.call("GET", "/me", token=token)
    flow.call("GET", "/auth/wechat/binding", token=token)
    flow.fake.fail_next("/sns/oauth2/access_token", -1)
    flow.login()
    flow.call("POST", "/auth/wechat/unbind", {"password": PASSWORD}, token=token)
    captured = capsys.readouterr()
    assert person["account_id"] in json.dumps(flow.answers)   # the answers were captured
    assert OPENID not in json.dumps(flow.answers, ensure_ascii=False)
    assert OPENID not in caplog.text and OPENID not in captured.out and OPENID not in captured.err


def test_a_bind_ticket_binds_once_and_a_forged_or_expired_one_is_refused(flow):
    person = register_individual(flow.api, flow.outbox)
    ticket = flow.login().json["bind_ticket"]
    forged = ticket[:-2] + ("AA" if not ticket.endswith("AA") else "BB")
    assert _error(flow.bind(forged, person["phone"])) == "WECHAT_BIND_TICKET_INVALID"
    assert _error(flow.bind("not-a-ticket", person["phone"])) == "WECHAT_BIND_TICKET_INVALID"
    assert flow.bind(ticket, person["phone"]).status_code == 200
    assert _error(flow.bind(ticket, person["phone"])) == "WECHAT_BIND_TICKET_INVALID"

    late = flow.login("oAnother-openid").json["bind_ticket"]
    other = register_individual(flow.api, flow.outbox)
    code = flow.bind_code(other["phone"])
    flow.now.at += timedelta(seconds=identity.BIND_TICKET_TTL_SECONDS - 60)
    response = flow.call("POST", "/auth/wechat/bind", {"bind_ticket": late, "phone": other["phone"], "sms_code": code})
    assert _error(response) == "WECHAT_BIND_TICKET_INVALID"


def test_binding_needs_the_sms_code_of_a_registered_individuals_phone(flow):
    person = register_individual(flow.api, flow.outbox)
    ticket = flow.login().json["bind_ticket"]
    flow.bind_code(person["phone"])
    wrong = flow.call("POST", "/auth/wechat/bind", {"bind_ticket": ticket, "phone": person["phone"],
                                                    "sms_code": "000000" if flow.outbox.last_code(person["phone"])
                                                    != "000000" else "111111"})
    assert wrong.status_code == 400 and _error(wrong) == "SMS_CODE_INVALID"
    unknown = flow.bind(ticket, "13700000000")
    assert unknown.status_code == 404 and _error(unknown) == "ACCOUNT_NOT_FOUND"
    assert flow.bind(ticket, person["phone"]).status_code == 200   # the ticket survived the refusals


def test_a_wechat_bound_to_one_account_is_refused_to_another_and_an_account_binds_one_wechat(flow):
    flow.bound_person(OPENID)
    # A ticket taken before the first bind (the same WeChat, two tabs) cannot bind a second account.
    stale_ticket = flow.login("oSecond-openid").json["bind_ticket"]
    other_ticket = flow.login("oSecond-openid").json["bind_ticket"]
    second = flow.bound_person("oThird-openid")
    response = flow.bind(stale_ticket, second["phone"])
    assert response.status_code == 409 and _error(response) == "ACCOUNT_ALREADY_BOUND"
    third = register_individual(flow.api, flow.outbox)
    assert flow.bind(other_ticket, third["phone"]).status_code == 200
    again = flow.login("oSecond-openid")
    assert again.json["account_id"] == third["account_id"]


def test_the_second_ticket_of_a_wechat_already_bound_is_refused(flow):
    first_ticket = flow.login().json["bind_ticket"]
    second_ticket = flow.login().json["bind_ticket"]
    one, two = register_individual(flow.api, flow.outbox), register_individual(flow.api, flow.outbox)
    assert flow.bind(first_ticket, one["phone"]).status_code == 200
    response = flow.bind(second_ticket, two["phone"])
    assert response.status_code == 409 and _error(response) == "WECHAT_ALREADY_BOUND"


def test_two_binds_racing_for_one_wechat_never_both_win(dynamodb_server, wechat, outbox, now):
    """Four tickets of one WeChat (four tabs), each bound at the same moment to another individual."""
    client = "198.51.100.7"
    phones, tickets, codes = [next_phone() for _ in range(4)], [], []
    for i, phone in enumerate(phones):
        sms.send_code(phone, SmsPurpose.REGISTER, client=client)
        accounts.register_individual(phone=phone, sms_code=outbox.last_code(phone), display_name=f"人{i}",
                                     password=PASSWORD)
    now.at += timedelta(seconds=61)   # one SMS per number per minute
    for phone in phones:
        state = identity.authorize(wechat_service.PROVIDER, PAGE).state
        tickets.append(identity.sign_in(wechat_service.PROVIDER, code=wechat.code_for(OPENID), state=state,
                                        source_ip=client).ticket)
        sms.send_code(phone, SmsPurpose.WECHAT_BIND, client=client)
        codes.append(outbox.last_code(phone))

    def attempt(i):
        try:
            return identity.bind({"wechat": wechat_service.PROVIDER}, ticket=tickets[i], phone=phones[i],
                                 sms_code=codes[i]).principal.account_id
        except AppError as exc:
            return exc.code.name

    with ThreadPoolExecutor(max_workers=len(phones)) as pool:
        results = list(pool.map(attempt, range(len(phones))))
    winners = [result for result in results if len(result) == 32]
    assert len(winners) == 1, results
    assert set(results) - set(winners) <= {"WECHAT_ALREADY_BOUND", "STATE_CONFLICT"}


def test_a_disabled_account_cannot_sign_in_by_wechat_nor_bind(flow):
    person = flow.bound_person()
    operator = operator_token(flow.api)
    assert flow.api.post(f"/admin/accounts/{person['account_id']}/disable", {"reason": "违规"},
                         token=operator).status_code == 200
    response = flow.login()
    assert response.status_code == 403 and _error(response) == "ACCOUNT_DISABLED"
    assert "access_token" not in response.json

    other = register_individual(flow.api, flow.outbox)
    ticket = flow.login("oNew-openid").json["bind_ticket"]
    assert flow.api.post(f"/admin/accounts/{other['account_id']}/disable", {"reason": "违规"},
                         token=operator).status_code == 200
    assert _error(flow.bind(ticket, other["phone"])) == "ACCOUNT_DISABLED"


def test_unbinding_with_the_password_frees_the_wechat_and_a_wrong_password_changes_nothing(flow):
    person = flow.bound_person()
    token = person["access_token"]
    wrong = flow.api.post("/auth/wechat/unbind", {"password": "Wrong1234"}, token=token)
    assert wrong.status_code == 400 and _error(wrong) == "CURRENT_PASSWORD_INCORRECT"
    assert flow.login().json["outcome"] == "signed_in"
    assert flow.api.post("/auth/wechat/unbind", {"password": PASSWORD}, token=token).status_code == 204
    assert flow.api.get("/auth/wechat/binding", token=token).json == {"bound": False}
    assert flow.login().json["outcome"] == "bind_required"
    again = flow.api.post("/auth/wechat/unbind", {"password": PASSWORD}, token=token)
    assert again.status_code == 409 and _error(again) == "WECHAT_NOT_BOUND"


def test_unbinding_with_an_sms_code_to_the_accounts_phone(flow):
    person = flow.bound_person()
    code = flow.bind_code(person["phone"])
    assert flow.api.post("/auth/wechat/unbind", {"sms_code": code}, token=person["access_token"]).status_code == 204
    assert flow.login().json["outcome"] == "bind_required"


@pytest.mark.parametrize("body", [{}, {"password": PASSWORD, "sms_code": "123456"}])
def test_unbinding_takes_exactly_one_proof(flow, body):
    person = register_individual(flow.api, flow.outbox)
    assert flow.api.post("/auth/wechat/unbind", body, token=person["access_token"]).status_code == 400


def test_wechat_failing_answers_503_with_retry_after_and_never_500(flow):
    for errcode, expected in [(-1, "WECHAT_UNAVAILABLE"), (45009, "WECHAT_RATE_LIMITED"),
                              (40125, "WECHAT_UNAVAILABLE"), (40001, "WECHAT_UNAVAILABLE")]:
        flow.fake.fail_next("/sns/oauth2/access_token", errcode)
        response = flow.login()
        assert response.status_code == 503 and _error(response) == expected, errcode
        assert int(response.headers["Retry-After"]) >= 1


def test_wechat_out_of_reach_answers_503(api, outbox, now):
    state = api.post("/auth/wechat/authorize-url", {"redirect_uri": PAGE}).json["state"]
    response = api.post("/auth/wechat/login", {"code": "any", "state": state})   # nothing listens (conftest)
    assert response.status_code == 503 and _error(response) == "WECHAT_UNAVAILABLE"


def test_sign_ins_are_throttled_per_client(flow, monkeypatch):
    monkeypatch.setattr(identity, "SIGN_INS_PER_CLIENT", 2)
    assert flow.login().status_code == 200 and flow.login().status_code == 200
    response = flow.login()
    assert response.status_code == 429 and _error(response) == "LOGIN_THROTTLED" and response.headers["Retry-After"]


# ---------------------------------------------------------------- JS-SDK

def test_the_signature_follows_wechats_reference_example():
    # WeChat JS-SDK documentation, 附录1 (JS-SDK使用权限签名算法): its example and its answer.
    ticket = "sM4AOVdWfPE4DxkXGEs8VMCPGGVi4C3VM0P37wVUCFvkVAy_90u5h9nbSlYy3-Sl-HhTdfl2fzFy1AOcHKP7qg"
    signature = wechat_service.sign_js_sdk(ticket, "Wm3WZYTPz0wzccnW", 1414587457, "http://mp.weixin.qq.com?params=value")
    assert signature == "0f9de62fce790f9a083d5c99e95740ceb90c27ed"


def _cached_ticket() -> str:
    return WechatCredential.get(CREDENTIAL_PREFIX + wechat_service.JSAPI_TICKET, consistent_read=True).value


def test_the_signature_signs_the_page_without_its_fragment_with_the_jsapi_ticket_fetched_once(flow):
    token = register_individual(flow.api, flow.outbox)["access_token"]
    answers = [flow.api.post("/wechat/js-sdk-signature", {"url": CHECK_IN + "#/check-in"}, token=token).json
               for _ in range(3)]
    ticket = _cached_ticket()
    for answer in answers:
        assert answer["app_id"] == APP_ID and answer["timestamp"] == int(T0.timestamp())
        expected = wechat_service.sign_js_sdk(ticket, answer["nonce_str"], answer["timestamp"], CHECK_IN)
        assert answer["signature"] == expected
    assert len({answer["nonce_str"] for answer in answers}) == 3
    assert flow.fake.fetches == {"/cgi-bin/token": 1, "/cgi-bin/ticket/getticket": 1}
    assert not any(ticket in json.dumps(answer) for answer in answers)


def test_the_ticket_is_fetched_anew_a_margin_before_it_expires(flow):
    token = register_individual(flow.api, flow.outbox)["access_token"]
    assert flow.api.post("/wechat/js-sdk-signature", {"url": CHECK_IN}, token=token).status_code == 200
    flow.now.at += timedelta(seconds=7200 - wechat_service.REFRESH_MARGIN_SECONDS - 1)
    assert flow.api.post("/wechat/js-sdk-signature", {"url": CHECK_IN}, token=token).status_code == 200
    assert flow.fake.fetches["/cgi-bin/ticket/getticket"] == 1
    flow.now.at += timedelta(seconds=2)
    assert flow.api.post("/wechat/js-sdk-signature", {"url": CHECK_IN}, token=token).status_code == 200
    assert flow.fake.fetches == {"/cgi-bin/token": 2, "/cgi-bin/ticket/getticket": 2}


def test_an_access_token_wechat_no_longer_accepts_is_fetched_anew_once(flow):
    token = register_individual(flow.api, flow.outbox)["access_token"]
    assert flow.api.post("/wechat/js-sdk-signature", {"url": CHECK_IN}, token=token).status_code == 200
    flow.fake.invalidate_tokens()      # e.g. fetched elsewhere with the same AppSecret
    WechatCredential(CREDENTIAL_PREFIX + wechat_service.JSAPI_TICKET).delete()
    response = flow.api.post("/wechat/js-sdk-signature", {"url": CHECK_IN}, token=token)
    assert response.status_code == 200
    assert flow.fake.fetches == {"/cgi-bin/token": 2, "/cgi-bin/ticket/getticket": 3}   # 1, then 40001, then 1

    flow.fake.fail_next("/cgi-bin/ticket/getticket", 40001, times=2)
    WechatCredential(CREDENTIAL_PREFIX + wechat_service.JSAPI_TICKET).delete()
    twice = flow.api.post("/wechat/js-sdk-signature", {"url": CHECK_IN}, token=token)
    assert twice.status_code == 503 and _error(twice) == "WECHAT_UNAVAILABLE"


def test_wechats_quota_answers_503_with_retry_after_and_the_next_request_may_fetch(flow):
    token = register_individual(flow.api, flow.outbox)["access_token"]
    flow.fake.fail_next("/cgi-bin/token", 45009)
    response = flow.api.post("/wechat/js-sdk-signature", {"url": CHECK_IN}, token=token)
    assert response.status_code == 503 and _error(response) == "WECHAT_RATE_LIMITED"
    assert int(response.headers["Retry-After"]) > 0
    assert flow.api.post("/wechat/js-sdk-signature", {"url": CHECK_IN}, token=token).status_code == 200


def test_while_another_container_fetches_the_request_waits_then_answers_503(flow, monkeypatch):
    token = register_individual(flow.api, flow.outbox)["access_token"]
    monkeypatch.setattr(wechat_service, "WAIT_SECONDS", 0)
    now = int(T0.timestamp())
    lease = now + wechat_service.LEASE_SECONDS
    WechatCredential(CREDENTIAL_PREFIX + wechat_service.JSAPI_TICKET, lease_until=lease).save()
    response = flow.api.post("/wechat/js-sdk-signature", {"url": CHECK_IN}, token=token)
    assert response.status_code == 503 and _error(response) == "WECHAT_UNAVAILABLE"
    assert response.headers["Retry-After"] == "1" and flow.fake.fetches == {}
    flow.now.at += timedelta(seconds=wechat_service.LEASE_SECONDS)   # the other container died: its lease ends
    assert flow.api.post("/wechat/js-sdk-signature", {"url": CHECK_IN}, token=token).status_code == 200


@pytest.mark.parametrize("url", ["https://evil.example/check-in", "http://h5.yce.test/check-in", "not a url"])
def test_the_signature_is_refused_for_a_page_outside_the_stages_h5_origins(flow, url):
    token = register_individual(flow.api, flow.outbox)["access_token"]
    response = flow.api.post("/wechat/js-sdk-signature", {"url": url}, token=token)
    assert response.status_code == 400 and response.json["error"]["fields"][0]["path"] == "url"
    assert flow.fake.fetches == {}


# ---------------------------------------------------------------- a stage without WeChat

def test_a_stage_without_a_wechat_account_answers_wechat_not_configured(api, outbox, now, monkeypatch):
    for name in ("WECHAT_APP_ID", "WECHAT_APP_SECRET"):
        monkeypatch.delenv(name)
    get_settings.cache_clear()
    try:
        token = register_individual(api, outbox)["access_token"]
        for path, body, auth in [("/auth/wechat/authorize-url", {"redirect_uri": PAGE}, None),
                                 ("/auth/wechat/login", {"code": "c", "state": "s"}, None),
                                 ("/wechat/js-sdk-signature", {"url": CHECK_IN}, token)]:
            response = api.post(path, body, token=auth)
            assert response.status_code == 404 and _error(response) == "WECHAT_NOT_CONFIGURED", path
        assert login(api, "individual", register_individual(api, outbox)["phone"]).status_code == 200
    finally:
        monkeypatch.undo()
        get_settings.cache_clear()


def test_the_wechat_settings_come_in_pairs_and_the_secret_from_ssm_when_deployed():
    base = {"TABLE_PREFIX": "t-", "AWS_DEFAULT_REGION": "cn-north-1", "TOKEN_SIGNING_KEY_PARAM": "/t",
            "SMS_CODE_KEY_PARAM": "/s"}
    assert not Settings.model_validate(_from_environ(base)).wechat_configured
    with pytest.raises(ValueError, match="WECHAT_APP_SECRET"):
        Settings.model_validate(_from_environ({**base, "WECHAT_APP_ID_PARAM": "/yce/dev/wechat-app-id"}))
    deployed = {**base, "AWS_LAMBDA_FUNCTION_NAME": "yce-api-dev", "WECHAT_APP_ID_PARAM": "/yce/dev/wechat-app-id"}
    assert Settings.model_validate(_from_environ({**deployed, "WECHAT_APP_SECRET_PARAM": "/x"})).wechat_configured
    with pytest.raises(ValueError, match="WECHAT_APP_SECRET set inline"):
        Settings.model_validate(_from_environ({**deployed, "WECHAT_APP_SECRET": "0123456789abcdef0123456789abcdef"}))

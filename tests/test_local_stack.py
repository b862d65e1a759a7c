"""`scripts/local_stack.py` end to end, as a developer runs it: real processes, real HTTP, state kept on disk."""
from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from tests.local_stack_client import ROOT, Http, Stack, activate_demo_league, free_ports, serving, sms_code

PHONE = "13700000009"
PASSWORD = "Passw0rd1"
SNAPSHOT_BOUND_SECONDS = 1.5   # README: on disk within about a second of a write
# Tests that start a stack share one worker: two cores do not start several at once well.
pytestmark = pytest.mark.xdist_group("local_stack")


def test_local_stack_serves_the_api_and_keeps_its_data_across_restarts(tmp_path):
    data_dir = tmp_path / "data"
    stack = Stack(data_dir, tmp_path / "stack.log")
    try:
        stack.start()
        stack.wait_until_ready()
        http = Http(stack.api)

        assert http.post("/sms/codes", {"phone": PHONE, "purpose": "register"}).status_code == 202
        registered = http.post("/auth/register", {"phone": PHONE, "sms_code": sms_code(data_dir, PHONE),
                                                  "display_name": "张三", "password": PASSWORD})
        assert registered.status_code == 201, registered.text
        login = http.login("individual", PHONE, PASSWORD)
        assert login.status_code == 200, login.text
        me = http.get("/me", login.json()["access_token"])
        assert me.status_code == 200, me.text
        assert me.json()["login"] == PHONE

        # The demo 团组织 starts on 000000 and may do nothing else until it changes it.
        league = http.login("organization", "demo_league", "000000")
        assert league.status_code == 200, league.text
        assert league.json()["must_change_password"] is True
        gated = http.get("/me/org-profile", league.json()["access_token"])
        assert gated.status_code == 403, gated.text
        assert gated.json()["error"]["code"] == "PASSWORD_CHANGE_REQUIRED"
        # Activated as the README says, it works.
        activated = activate_demo_league(http, data_dir, "League1234")
        assert activated.status_code == 200, activated.text
        profile = http.get("/me/league-profile", activated.json()["access_token"])
        assert profile.status_code == 200, profile.text

        assert stack.interrupt() == 0, stack.output()
        assert (data_dir / "dynamodb.json").exists(), stack.output()
        assert not (data_dir / "ports.json").exists()      # a clean stop leaves no stale ports behind

        stack.start()
        stack.wait_until_ready()
        again = http.login("individual", PHONE, PASSWORD)
        assert again.status_code == 200, again.text
        assert again.json()["account_id"] == registered.json()["account_id"]
        assert stack.interrupt() == 0, stack.output()
    finally:
        stack.kill()


def test_an_image_goes_from_the_browser_to_local_s3_onto_the_profile_and_back_and_survives_a_restart(tmp_path):
    stack = Stack(tmp_path / "data", tmp_path / "stack.log")
    try:
        stack.start()
        stack.wait_until_ready()
        http = Http(stack.api)
        token = http.login("organization", "demo_volunteer", "Demo1234").json()["access_token"]
        form = http.post("/uploads", {"purpose": "org_photo", "content_type": "image/jpeg"}, token)
        assert form.status_code == 201, form.text
        form = form.json()
        assert form["url"].startswith(f"http://127.0.0.1:{stack.s3_port}/")   # what the browser can reach
        image = b"\xff\xd8\xff\xe0" + bytes(range(256)) * 8
        uploaded = http.session.post(form["url"], data=[(f["name"], f["value"]) for f in form["fields"]],
                                     files={"file": ("photo.jpg", image, "image/jpeg")}, timeout=15)
        assert uploaded.status_code == 204, uploaded.text

        shown = http.get("/me/org-profile", token).json()
        body = {name: shown[name] for name in ("service_areas", "service_targets", "volunteer_count", "advantages",
                                               "leader_name", "leader_mobile")}
        body["region"] = {name: shown["region"][name] for name in ("province", "city", "district")}
        saved = http.put("/me/org-profile", {**body, "photo_keys": [form["key"]]}, token)
        assert saved.status_code == 200, saved.text
        [photo] = saved.json()["photos"]
        fetched = http.session.get(photo["url"], timeout=15)
        assert fetched.status_code == 200 and fetched.content == image

        assert stack.interrupt() == 0, stack.output()
        stack.start()
        stack.wait_until_ready()
        token = http.login("organization", "demo_volunteer", "Demo1234").json()["access_token"]
        [again] = http.get("/me/org-profile", token).json()["photos"]
        assert again["key"] == photo["key"]
        assert http.session.get(again["url"], timeout=15).content == image
        assert stack.interrupt() == 0, stack.output()
    finally:
        stack.kill()


def register(http: Http, data_dir: Path, phone: str) -> dict:
    assert http.post("/sms/codes", {"phone": phone, "purpose": "register"}).status_code == 202
    registered = http.post("/auth/register", {"phone": phone, "sms_code": sms_code(data_dir, phone),
                                              "display_name": "张三", "password": PASSWORD})
    assert registered.status_code == 201, registered.text
    return registered.json()


def test_a_killed_stack_keeps_what_was_written_a_second_before_it_died(tmp_path):
    data_dir = tmp_path / "data"
    stack = Stack(data_dir, tmp_path / "stack.log")
    try:
        stack.start()
        stack.wait_until_ready()
        http = Http(stack.api)
        registered = register(http, data_dir, "13700000019")
        time.sleep(SNAPSHOT_BOUND_SECONDS)
        stack.kill()                                    # kill -9: no clean stop, no save at exit

        stack.start()
        stack.wait_until_ready()
        again = http.login("individual", "13700000019", PASSWORD)
        assert again.status_code == 200, again.text + stack.output()
        assert again.json()["account_id"] == registered["account_id"]
        assert stack.interrupt() == 0, stack.output()
    finally:
        stack.kill()


# ---------------------------------------------------------------- a saved state that cannot be loaded

def run_stack(data_dir: Path, *extra: str) -> subprocess.CompletedProcess:
    port, dynamodb_port, s3_port = free_ports(3)
    return subprocess.run([sys.executable, str(ROOT / "scripts" / "local_stack.py"), "--data-dir", str(data_dir),
                           "--port", str(port), "--dynamodb-port", str(dynamodb_port), "--s3-port", str(s3_port),
                           *extra],
                          cwd=ROOT, capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)


@pytest.mark.parametrize("content", [
    "[]",                                                               # valid JSON, not the dump format
    '{"format": "yce-local-dynamodb/1", "tables": {"yce-dev-accounts": {"pk": 1}}}',
    '{"format": "something else", "tables": {}}',
    '{"format": "yce-local-dynamodb/1", "tables": {',                   # cut short
    "\udcff",                                                           # not even UTF-8
], ids=["list", "tables-not-lists", "other-format", "broken-json", "not-utf8"])
def test_a_state_file_of_the_wrong_shape_is_refused_in_one_line_and_kept_aside(tmp_path, content):
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    raw = content.encode("utf-8", errors="surrogateescape")
    (data_dir / "dynamodb.json").write_bytes(raw)
    started = time.monotonic()
    refused = run_stack(data_dir)
    assert refused.returncode == 2, refused.stdout + refused.stderr
    assert time.monotonic() - started < 15                  # refused before anything starts
    [line] = refused.stderr.splitlines()
    assert line.startswith("error: ") and "--reset" in line and "Traceback" not in refused.stdout
    [kept] = data_dir.glob("dynamodb.json.bad-*")
    assert kept.read_bytes() == raw and kept.name in line
    assert not (data_dir / "dynamodb.json").exists()
    assert not (data_dir / "ports.json").exists()


def test_after_a_refused_state_file_only_reset_starts_the_stack(tmp_path):
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    (data_dir / "dynamodb.json").write_text("[]", encoding="utf-8")
    assert run_stack(data_dir).returncode == 2
    again = run_stack(data_dir)                              # the file is aside now: still not without --reset
    assert again.returncode == 2, again.stdout + again.stderr
    [line] = again.stderr.splitlines()
    assert "--reset" in line and "dynamodb.json.bad-" in line

    stack = Stack(data_dir, tmp_path / "stack.log")
    try:
        stack.start("--reset")
        stack.wait_until_ready()
        assert stack.interrupt() == 0, stack.output()
        stack.start()                                         # told once: from now on as usual
        stack.wait_until_ready()
        assert stack.interrupt() == 0, stack.output()
    finally:
        stack.kill()
    assert len(list(data_dir.glob("dynamodb.json.bad-*"))) == 1


# ---------------------------------------------------------------- one running stack for what follows

@pytest.fixture(scope="module")
def running(tmp_path_factory):
    base = tmp_path_factory.mktemp("running")
    client = base / "dist"   # a stand-in for the built H5 client (tests/test_web_e2e*.py serve the real one)
    (client / "assets").mkdir(parents=True)
    (client / "index.html").write_text("<!doctype html><title>青年云支教</title>", encoding="utf-8")
    (client / "assets" / "index-abc123.js").write_text("console.log(1)", encoding="utf-8")
    (base / "secret.txt").write_text("outside the client", encoding="utf-8")
    with serving(base / "data", base / "stack.log", "--client-dir", str(client)) as stack:
        yield stack


def test_one_origin_serves_the_client_at_the_root_and_the_api_under_api_as_deployed(running):
    import requests

    get = lambda path: requests.get(running.url + path, timeout=15)  # noqa: E731
    assert get("/api/health").status_code == 200 and get("/api/health").json()["status"] == "ok"
    home, route = get("/"), get("/demands/abc?tab=claims")       # a client route: the client routes it
    assert home.status_code == route.status_code == 200 and home.text == route.text
    assert "青年云支教" in home.text and home.headers["Cache-Control"] == "no-cache"
    script = get("/assets/index-abc123.js")
    assert script.headers["Content-Type"].startswith(("text/javascript", "application/javascript"))
    assert "immutable" in script.headers["Cache-Control"]
    assert "outside the client" not in get("/../secret.txt").text + get("/%2e%2e/secret.txt").text
    unknown = get("/api/no-such-route")
    assert unknown.status_code == 404 and unknown.json()["error"]["code"] == "ROUTE_NOT_FOUND"


def test_a_second_stack_on_the_same_data_dir_is_refused_in_one_line_and_the_first_keeps_serving(running):
    second = run_stack(running.data_dir)
    assert second.returncode == 2, second.stdout + second.stderr
    [line] = second.stderr.splitlines()
    assert line.startswith("error: another local stack uses") and f"port {running.port}" in line
    assert Http(running.api).session.get(running.api + "/health", timeout=15).status_code == 200
    assert (running.data_dir / "ports.json").exists()     # the second one touched nothing of the first's


def test_racing_transactions_on_the_local_stacks_endpoint_have_one_winner_and_lose_nothing(running):
    client = boto3.client("dynamodb", endpoint_url=f"http://127.0.0.1:{running.dynamodb_port}",
                          config=Config(max_pool_connections=16, retries={"max_attempts": 1, "mode": "standard"}))
    client.create_table(TableName="race", KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                        BillingMode="PAY_PER_REQUEST")
    for start in range(0, 100, 25):   # a table worth copying: moto copies it for each transaction
        client.batch_write_item(RequestItems={"race": [{"PutRequest": {"Item": {
            "pk": {"S": f"filler{i}"}, "pad": {"S": "x" * 200}}}} for i in range(start, start + 25)]})

    def item(key: str) -> dict | None:
        return client.get_item(TableName="race", Key={"pk": {"S": key}}, ConsistentRead=True).get("Item")

    for round_ in range(5):
        def attempt(i, round_=round_):
            # Twenty writes of its own, then the prize, which at most one transaction may take.
            try:
                client.transact_write_items(TransactItems=[
                    *[{"Put": {"TableName": "race", "Item": {"pk": {"S": f"{round_}-{i}-{k}"}}}} for k in range(20)],
                    {"Put": {"TableName": "race", "Item": {"pk": {"S": f"{round_}-prize"}, "owner": {"N": str(i)}},
                             "ConditionExpression": "attribute_not_exists(pk)"}}])
                return "won"
            except ClientError as exc:
                return exc.response["Error"]["Code"]

        with ThreadPoolExecutor(max_workers=8) as pool:
            outcomes = list(pool.map(attempt, range(8)))
        assert sorted(outcomes) == ["TransactionCanceledException"] * 7 + ["won"], outcomes  # never a 500
        winner = outcomes.index("won")
        assert item(f"{round_}-prize")["owner"] == {"N": str(winner)}
        assert all(item(f"{round_}-{winner}-{k}") for k in range(20))        # no loser's rollback erased them
        assert not any(item(f"{round_}-{i}-0") for i in range(8) if i != winner)


def test_the_local_stack_answers_as_the_deployed_gateway_an_unknown_path_and_a_vite_preflight(running):
    session = Http(running.api).session
    unknown = session.get(running.api + "/no-such-route", headers={"Authorization": "Bearer x"}, timeout=15)
    assert unknown.status_code == 404, unknown.text
    assert unknown.json() == {"error": {"code": "ROUTE_NOT_FOUND", "message": "接口不存在", "fields": []}}
    preflight = session.options(running.api + "/demands", timeout=15, headers={
        "Origin": "http://localhost:5173", "Access-Control-Request-Method": "POST"})
    assert preflight.status_code == 204, preflight.text
    assert preflight.headers["Access-Control-Allow-Origin"] == "http://localhost:5173"   # the dev stage's Vite


def manage(data_dir: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(ROOT / "scripts" / "manage.py"), "--local", "--data-dir",
                           str(data_dir), *args], cwd=ROOT, capture_output=True, text=True, timeout=60,
                          stdin=subprocess.DEVNULL)


def test_manage_local_finds_the_running_stack_by_the_ports_it_recorded(running):
    recorded = json.loads((running.data_dir / "ports.json").read_text(encoding="utf-8"))
    assert (recorded["api_port"], recorded["dynamodb_port"]) == (running.port, running.dynamodb_port)
    done = manage(running.data_dir, "reveal-ratings")
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"at http://127.0.0.1:{running.dynamodb_port}" in done.stdout


def test_manage_local_says_so_in_one_line_when_no_stack_answers(tmp_path):
    [port] = free_ports(1)
    (tmp_path / "ports.json").write_text(json.dumps({"api_port": 1, "dynamodb_port": port, "pid": 1}))
    done = manage(tmp_path, "reveal-ratings")                # a killed stack's file: nothing listens
    assert done.returncode != 0
    [line] = done.stderr.splitlines()
    assert line.startswith("error: no local stack answers on") and f"127.0.0.1:{port}" in line


def test_manage_local_falls_back_to_the_default_port_without_a_ports_file(tmp_path, monkeypatch):
    sys.path.insert(0, str(ROOT / "scripts"))
    import devenv
    import manage as manage_module

    with socket.socket() as listening:
        listening.bind(("127.0.0.1", 0))
        listening.listen()
        monkeypatch.setattr(devenv, "DEFAULT_DYNAMODB_PORT", listening.getsockname()[1])
        assert manage_module.local_dynamodb_port(None, tmp_path) == listening.getsockname()[1]
        assert manage_module.local_dynamodb_port(listening.getsockname()[1], tmp_path) == listening.getsockname()[1]


def test_the_local_stack_draws_certificate_pdfs_in_process_with_its_own_h5_as_verification_origin(tmp_path):
    """The dev stage invokes the certificate function; `make run` has none, so it renders inline (the path the
    tests' downloads take, tests/test_certificates.py) with the QR code pointing at the Vite dev server."""
    sys.path.insert(0, str(ROOT / "scripts"))
    import devenv

    from chalicelib.config import Settings, _from_environ

    settings = Settings.model_validate(_from_environ(devenv.local_stack_environment(dynamodb_port=1,
                                                                                    data_dir=tmp_path)))
    assert (settings.certificate_renderer, settings.public_h5_origin) == ("inline", "http://localhost:5173")

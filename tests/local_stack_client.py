"""Starting, stopping and calling the local stack (scripts/local_stack.py) from tests."""
from __future__ import annotations

import contextlib
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
READY_TIMEOUT_SECONDS = 60
STOP_TIMEOUT_SECONDS = 30


def free_ports(count: int) -> list[int]:
    # Held open together so the ports differ; released just before the stack binds them.
    sockets = [socket.socket() for _ in range(count)]
    try:
        for sock in sockets:
            sock.bind(("127.0.0.1", 0))
        return [sock.getsockname()[1] for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


class Stack:
    """One `local_stack.py` process (and the `chalice local` it starts) in its own process group."""

    def __init__(self, data_dir: Path, log_path: Path) -> None:
        self.data_dir = data_dir
        self.log_path = log_path
        self.port, self.dynamodb_port, self.s3_port = free_ports(3)
        self.url = f"http://127.0.0.1:{self.port}"      # the site: the H5 client (when built)
        self.api = f"{self.url}/api"                    # the API, under the prefix the deployed site has
        self.proc: subprocess.Popen | None = None
        self.log_start = 0  # byte offset where the current run's output begins in the log

    def start(self, *extra: str) -> None:
        command = [sys.executable, str(ROOT / "scripts" / "local_stack.py"), "--data-dir", str(self.data_dir),
                   "--port", str(self.port), "--dynamodb-port", str(self.dynamodb_port),
                   "--s3-port", str(self.s3_port), *extra]
        self.log_start = self.log_path.stat().st_size if self.log_path.exists() else 0
        with open(self.log_path, "ab") as log:  # a file, not a pipe: nobody has to drain it
            self.proc = subprocess.Popen(command, cwd=ROOT, stdin=subprocess.DEVNULL, stdout=log,
                                         stderr=subprocess.STDOUT, start_new_session=True)

    def output(self, since: int = 0) -> str:
        return self.log_path.read_bytes()[since:].decode("utf-8", errors="replace")

    def wait_until_ready(self) -> None:
        deadline = time.monotonic() + READY_TIMEOUT_SECONDS
        while f"Local stack ready at {self.url}" not in self.output(self.log_start):
            assert self.proc.poll() is None, f"the stack exited with {self.proc.returncode}:\n{self.output()}"
            assert time.monotonic() < deadline, f"not ready in {READY_TIMEOUT_SECONDS} s:\n{self.output()}"
            time.sleep(0.2)

    def interrupt(self) -> int:
        """Ctrl-C, as a developer stops it; returns the exit code."""
        self.proc.send_signal(signal.SIGINT)
        try:
            return self.proc.wait(STOP_TIMEOUT_SECONDS)
        except subprocess.TimeoutExpired:
            raise AssertionError(f"still running {STOP_TIMEOUT_SECONDS} s after SIGINT:\n{self.output()}") from None

    def kill(self) -> None:
        # The whole group: chalice local too, even if the stack itself is already gone.
        if self.proc is None:
            return
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.proc.wait()


@contextlib.contextmanager
def serving(data_dir: Path, log_path: Path, *extra: str) -> Iterator[Stack]:
    """A ready stack for the block (`extra`: local_stack.py options), stopped with Ctrl-C after it (a clean
    stop is asserted)."""
    stack = Stack(data_dir, log_path)
    try:
        stack.start(*extra)
        stack.wait_until_ready()
        yield stack
        assert stack.interrupt() == 0, stack.output()
    finally:
        stack.kill()


class Http:
    def __init__(self, url: str) -> None:
        self.url = url
        self.session = requests.Session()
        self.session.trust_env = False  # no proxy from the environment between us and loopback

    def post(self, path: str, body: dict | None, token: str | None = None) -> requests.Response:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return self.session.post(self.url + path, json=body, headers=headers, timeout=15)

    def put(self, path: str, body: dict, token: str) -> requests.Response:
        return self.session.put(self.url + path, json=body, headers={"Authorization": f"Bearer {token}"},
                                timeout=15)

    def get(self, path: str, token: str) -> requests.Response:
        return self.session.get(self.url + path, headers={"Authorization": f"Bearer {token}"}, timeout=15)

    def login(self, account_type: str, login: str, password: str) -> requests.Response:
        return self.post("/auth/login", {"account_type": account_type, "login": login, "password": password})


def activate_demo_league(http: Http, data_dir: Path, password: str) -> requests.Response:
    """The README's steps: 000000, the activation code from sms.log (to the demo leader mobile), a new password."""
    first = http.login("organization", "demo_league", "000000")
    assert first.status_code == 200, first.text
    token = first.json()["access_token"]
    sent = http.post("/auth/activation/sms-code", None, token)
    assert sent.status_code == 202, sent.text
    assert sent.json()["masked_phone"] == "139****0003"
    return http.put("/auth/password", {"current_password": "000000", "new_password": password,
                                       "sms_code": sms_code(data_dir, "13900000003")}, token)


def sms_code(data_dir: Path, phone: str) -> str:
    lines = (data_dir / "sms.log").read_text(encoding="utf-8")
    codes = re.findall(rf"SMS to {phone}: \D*(\d{{6}})", lines)
    assert codes, f"no code for {phone} in sms.log:\n{lines}"
    return codes[-1]


def publish_demand(http: Http, data_dir: Path, token: str, content: dict, publisher_mobile: str) -> str:
    """A 团组织's draft (`content`: DemandContentIn) published with the SMS code sent to `publisher_mobile` (a
    number that got no code in the last minute); its id."""
    draft = http.post("/demands", content, token)
    assert draft.status_code == 201, draft.text
    demand_id = draft.json()["demand_id"]
    sent = http.post("/sms/codes", {"phone": publisher_mobile, "purpose": "leader_mobile"}, token)
    assert sent.status_code == 202, sent.text
    published = http.post(f"/demands/{demand_id}/publish", {"org": {
        "region": {"province": "广东省", "city": "深圳市", "district": "罗湖区"},
        "org_name": "中国共产主义青年团深圳市委员会", "leader_name": "李雷", "landline": "0755-88889999",
        "leader_mobile": publisher_mobile, "leader_sms_code": sms_code(data_dir, publisher_mobile),
        "services_content": "数学课程辅导"}}, token)
    assert published.status_code == 200, published.text
    return demand_id

"""A fake of the WeChat API on loopback (a thread), for the WeChat sign-in and JS-SDK tests.

It checks what the real one checks that matters to us (appid, secret, grant_type, the code, the
access_token, type=jsapi), issues openids for the codes a test registers (each code works once, like
WeChat's), access_tokens and jsapi_tickets with expires_in, counts every fetch, and answers any errcode
a test queues for a path.
"""
from __future__ import annotations

import json
import secrets
import threading
from collections import Counter, defaultdict
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

APP_ID = "wx0123456789abcdef"
APP_SECRET = "0123456789abcdef0123456789abcdef"
ERRMSG = {40001: "invalid credential", 40029: "invalid code", 40163: "code been used", 45009: "reach max api daily "
          "quota limit", -1: "system error", 40125: "invalid appsecret", 40013: "invalid appid"}


class FakeWechat:
    def __init__(self) -> None:
        self.codes: dict[str, str] = {}          # code → openid
        self.used_codes: set[str] = set()
        self.tokens: set[str] = set()
        self.fetches: Counter[str] = Counter()    # path → requests
        self.queued: dict[str, list[int]] = defaultdict(list)
        self.requests: list[str] = []             # every URL asked (the secret included: tests only)
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self._server.server_port}"

    def start(self) -> FakeWechat:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def code_for(self, openid: str) -> str:
        """A new code that a person with `openid` brings back from the authorize page."""
        code = secrets.token_hex(16)
        self.codes[code] = openid
        return code

    def fail_next(self, path: str, errcode: int, times: int = 1) -> None:
        self.queued[path] += [errcode] * times

    def invalidate_tokens(self) -> None:
        self.tokens.clear()

    def answer(self, path: str, query: dict[str, str]) -> dict:
        with self._lock:
            self.fetches[path] += 1
            if self.queued[path]:
                return _error(self.queued[path].pop(0))
            if path == "/sns/oauth2/access_token":
                return self._exchange(query)
            if path == "/cgi-bin/token":
                return self._token(query)
            if path == "/cgi-bin/ticket/getticket":
                return self._ticket(query)
            return _error(-1)

    def _credentials_wrong(self, query: dict[str, str]) -> dict | None:
        if query.get("appid") != APP_ID:
            return _error(40013)
        if query.get("secret") != APP_SECRET:
            return _error(40125)
        return None

    def _exchange(self, query: dict[str, str]) -> dict:
        wrong = self._credentials_wrong(query)
        if wrong or query.get("grant_type") != "authorization_code":
            return wrong or _error(40002)
        code = query.get("code", "")
        if code in self.used_codes:
            return _error(40163)
        if code not in self.codes:
            return _error(40029)
        self.used_codes.add(code)
        return {"access_token": secrets.token_hex(8), "expires_in": 7200, "refresh_token": secrets.token_hex(8),
                "openid": self.codes.pop(code), "scope": "snsapi_base"}

    def _token(self, query: dict[str, str]) -> dict:
        wrong = self._credentials_wrong(query)
        if wrong or query.get("grant_type") != "client_credential":
            return wrong or _error(40002)
        token = f"TOKEN-{secrets.token_hex(6)}"
        self.tokens.add(token)
        return {"access_token": token, "expires_in": 7200}

    def _ticket(self, query: dict[str, str]) -> dict:
        if query.get("access_token") not in self.tokens:
            return _error(40001)
        if query.get("type") != "jsapi":
            return _error(40097)
        return {"errcode": 0, "errmsg": "ok", "ticket": f"TICKET-{secrets.token_hex(6)}", "expires_in": 7200}

    def _handler(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 - http.server's name
                parts = urlsplit(self.path)
                fake.requests.append(self.path)
                query = {name: values[0] for name, values in parse_qs(parts.query).items()}
                body = json.dumps(fake.answer(parts.path, query)).encode()
                self.send_response(200)   # WeChat answers its errors with 200 and an errcode
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        return Handler


def _error(errcode: int) -> dict:
    return {"errcode": errcode, "errmsg": ERRMSG.get(errcode, "error")}

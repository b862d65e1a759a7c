"""The Chalice test client with JSON in and out, and an SMS outbox: shared by the tests and bench/
(importing it sets no environment, unlike conftest.py)."""
from __future__ import annotations

import json
import re

from chalice.test import Client


class Outbox:
    def __init__(self) -> None:
        self.messages: list[tuple[str, str]] = []

    def send(self, phone: str, message) -> None:
        self.messages.append((phone, message.text("青年云支教")))   # as the console sender prints it

    def last_code(self, phone: str) -> str:
        for to, text in reversed(self.messages):
            if to == phone:
                return re.search(r"\d{6}", text).group(0)
        raise AssertionError(f"no SMS was sent to {phone}")


class Api:
    """The Chalice test client with JSON in and out, and a bearer token when given."""

    def __init__(self, client: Client) -> None:
        self.client = client

    def call(self, method: str, path: str, body=None, token: str | None = None, headers=None, raw: bytes | None = None):
        hdrs = {"Content-Type": "application/json"}
        if token:
            hdrs["Authorization"] = f"Bearer {token}"
        hdrs.update(headers or {})
        payload = raw if raw is not None else (json.dumps(body) if body is not None else None)
        response = getattr(self.client.http, method.lower())(path, headers=hdrs, body=payload)
        binary = response.headers.get("Content-Type") == "application/pdf"   # the certificate download
        response.json = json.loads(response.body) if response.body and not binary else None
        return response

    def get(self, path, **kw):
        return self.call("GET", path, **kw)

    def post(self, path, body=None, **kw):
        return self.call("POST", path, body, **kw)

    def put(self, path, body=None, **kw):
        return self.call("PUT", path, body, **kw)

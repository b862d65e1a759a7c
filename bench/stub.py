"""DynamoDB answered from a recording, at botocore's HTTP layer.

`Recorder` keeps the raw response body of each request (by operation and its rank within one API call)
while the app talks to the moto server; `Replay` then answers the same requests from those bytes in a
`before-send` handler, so nothing leaves the process and the app still runs botocore's serialisation
and parsing, PynamoDB and its own code exactly as it would against DynamoDB.
"""
from __future__ import annotations

import copy
import io
from collections import Counter
from typing import Any

from botocore.awsrequest import AWSResponse


class _Body(io.BytesIO):
    def stream(self, **_: Any):
        yield self.getvalue()


class Recorder:
    def __init__(self) -> None:
        self.answers: dict[tuple[str, int], bytes] = {}
        self.requests: list[tuple[str, dict]] = []      # (operation, parameters), in the order sent
        self._rank: Counter = Counter()
        self.active = False

    def start_call(self) -> None:
        self._rank.clear()

    def before_parameter_build(self, params: dict, model: Any, **_: Any) -> None:
        if self.active:
            self.requests.append((model.name, copy.deepcopy(params)))

    def after_call(self, http_response: Any, model: Any, **_: Any) -> None:
        if self.active:
            rank = self._rank[model.name]
            self._rank[model.name] += 1
            assert http_response.status_code == 200, (model.name, http_response.content)
            self.answers[(model.name, rank)] = http_response.content


class Replay:
    def __init__(self, answers: dict[tuple[str, int], bytes]) -> None:
        self.answers = answers
        self._rank: Counter = Counter()
        self.active = False

    def start_call(self) -> None:
        self._rank.clear()

    def before_send(self, request: Any, **_: Any) -> AWSResponse | None:
        if not self.active:
            return None
        target = request.headers["X-Amz-Target"]
        operation = (target.decode() if isinstance(target, bytes) else target).split(".")[-1]
        rank = self._rank[operation]
        self._rank[operation] += 1
        body = self.answers[(operation, rank)]
        return AWSResponse(request.url, 200, {"Content-Type": "application/x-amz-json-1.0"}, _Body(body))


def app_clients() -> list:
    """Every botocore client the app's tables and transactions use (created now if not yet)."""
    from chalicelib.data.base import transaction_connection
    from chalicelib.data.tables import EVERY_MODEL

    clients = {id(c): c for c in [transaction_connection().client]
               + [model._get_connection().connection.client for model in EVERY_MODEL]}
    return list(clients.values())


def detach(clients: list, recorder: Recorder, replay: Replay) -> None:
    for client in clients:
        client.meta.events.unregister("before-parameter-build.dynamodb", recorder.before_parameter_build)
        client.meta.events.unregister("after-call.dynamodb", recorder.after_call)
        client.meta.events.unregister("before-send.dynamodb", replay.before_send)


def attach(clients: list, recorder: Recorder, replay: Replay) -> None:
    for client in clients:
        client.meta.events.register("before-parameter-build.dynamodb", recorder.before_parameter_build)
        client.meta.events.register("after-call.dynamodb", recorder.after_call)
        client.meta.events.register_first("before-send.dynamodb", replay.before_send)

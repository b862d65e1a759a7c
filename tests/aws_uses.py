"""What each Lambda function asks of AWS, recorded while the Chalice test client runs it against moto.

Every botocore request (`BaseClient._make_api_call`, whichever session built the client), every presigned
S3 form or URL the app hands out (the browser then acts with the function's credentials) and every SMS
given to the sender is recorded as the IAM action it needs and the resource, named logically (the table's
logical name, the object key, the setting naming a parameter), then charged to the function the test
client is running: the API for an HTTP request, the function's name for a Lambda invoke.
"""
from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass

import botocore.client
from chalice.test import TestHTTPClient, TestLambdaClient
from stage_config import API_FUNCTION  # scripts/ is on the path (conftest.py)


@dataclass(frozen=True)
class Use:
    action: str     # the IAM action, e.g. "dynamodb:Query"
    kind: str       # table | index | object | parameter | function | key | sms | unmapped
    name: str       # "demands", "demands/public_feed", "uploads/<key>", "token_signing_key_param",
                    # "certificate_renderer_function", "*"


_TRANSACT_ITEM_ACTIONS = {"Put": "PutItem", "Update": "UpdateItem", "Delete": "DeleteItem",
                          "ConditionCheck": "ConditionCheckItem", "Get": "GetItem"}
_S3_ACTIONS = {"HeadObject": "s3:GetObject", "GetObject": "s3:GetObject", "PutObject": "s3:PutObject"}


class Recorder:
    def __init__(self, table_prefix: str, settings) -> None:
        self.prefix = table_prefix
        self.parameters = {getattr(settings, name): name for name in type(settings).model_fields
                           if name.endswith("_param") and getattr(settings, name)}
        self.functions = {settings.certificate_renderer_function: "certificate_renderer_function"}
        self.function: str | None = None
        self.uses: dict[str, set[Use]] = {}

    def add(self, *uses: Use) -> None:
        if self.function is not None:
            self.uses.setdefault(self.function, set()).update(uses)

    @contextlib.contextmanager
    def running(self, function: str) -> Iterator[None]:
        outer, self.function = self.function, self.function or function   # a nested call is the same function's
        try:
            yield
        finally:
            self.function = outer

    # ---- botocore requests -> uses

    def request(self, service: str, operation: str, params: dict) -> None:
        if service == "dynamodb":
            self.add(*self._dynamodb(operation, params))
        elif service == "s3" and operation == "CopyObject":
            source = params["CopySource"]   # {"Bucket", "Key"} or "bucket/key"
            read = source["Key"] if isinstance(source, dict) else source.split("/", 1)[1]
            self.add(Use("s3:GetObject", "object", read), Use("s3:PutObject", "object", params["Key"]))
        elif service == "s3" and operation in _S3_ACTIONS:
            self.add(Use(_S3_ACTIONS[operation], "object", params["Key"]))
        elif service == "ssm" and operation == "GetParameter":
            self.add(Use("ssm:GetParameter", "parameter", self.parameters.get(params["Name"], params["Name"])))
            if params.get("WithDecryption"):
                self.add(Use("kms:Decrypt", "key", "*"))   # SSM decrypts a SecureString with the caller's rights
        elif service == "lambda" and operation == "Invoke":
            self.add(Use("lambda:InvokeFunction", "function", self.functions.get(params["FunctionName"], "?")))
        elif service == "sns" and operation == "Publish" and "PhoneNumber" in params:
            self.add(Use("sns:Publish", "sms", "*"))
        else:
            self.add(Use(f"{service}:{operation}", "unmapped", "*"))   # the test fails on it: map it here

    def _table(self, name: str) -> str:
        return name.removeprefix(self.prefix)

    def _dynamodb(self, operation: str, params: dict) -> list[Use]:
        if operation in ("TransactWriteItems", "TransactGetItems"):
            return [Use(f"dynamodb:{_TRANSACT_ITEM_ACTIONS[kind]}", "table", self._table(body["TableName"]))
                    for item in params["TransactItems"] for kind, body in item.items()]
        if operation in ("BatchGetItem", "BatchWriteItem"):
            return [Use(f"dynamodb:{operation}", "table", self._table(name)) for name in params["RequestItems"]]
        table = self._table(params["TableName"])
        if params.get("IndexName"):
            return [Use(f"dynamodb:{operation}", "index", f"{table}/{params['IndexName']}")]
        return [Use(f"dynamodb:{operation}", "table", table)]

    # ---- installation

    @contextlib.contextmanager
    def installed(self, monkeypatch, outbox) -> Iterator[Recorder]:
        from chalicelib.data import images

        recorder = self
        make_api_call = botocore.client.BaseClient._make_api_call

        def recorded_call(client, operation_name, api_params):
            recorder.request(client.meta.service_model.service_name, operation_name, api_params)
            return make_api_call(client, operation_name, api_params)

        def presigning(function, action):
            def presign(bucket, key, **kwargs):
                recorder.add(Use(action, "object", key))
                return function(bucket, key, **kwargs)
            return presign

        def charged_to(method, function_of):
            def call(client, *args, **kwargs):
                with recorder.running(function_of(*args, **kwargs)):
                    return method(client, *args, **kwargs)
            return call

        def send(phone, message):
            recorder.add(Use("sms:Send", "sms", "*"))   # what that needs depends on the stage's provider
            sent(phone, message)

        sent = outbox.send
        monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", recorded_call)
        monkeypatch.setattr(images, "presigned_post", presigning(images.presigned_post, "s3:PutObject"))
        monkeypatch.setattr(images, "presigned_get", presigning(images.presigned_get, "s3:GetObject"))
        monkeypatch.setattr(TestHTTPClient, "request",
                            charged_to(TestHTTPClient.request, lambda *a, **k: API_FUNCTION))
        monkeypatch.setattr(TestLambdaClient, "invoke",
                            charged_to(TestLambdaClient.invoke, lambda name, *a, **k: name))
        monkeypatch.setattr(outbox, "send", send)
        yield self

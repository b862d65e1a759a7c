"""What API Gateway itself answers, in the API's own shape (never shipped).

`chalice package` describes each route's method and nothing else, so API Gateway answers an unknown path
with `{"message": "Missing Authentication Token"}` and an OPTIONS preflight with a 403 of its own.
`shape_definition` adds to the API's definition (the swagger body of the packaged template):
- a gateway response for each refusal API Gateway makes itself, in the error envelope with a code from
  chalicelib/errors.py and its Chinese message, and the stage's CORS headers (see `gateway_responses`);
- an OPTIONS method on every path, integrated with the API function like the path's other methods:
  chalicelib/api/middleware.py answers preflights from the stage's allowed origins (Chalice's own `cors=`
  would be a static mock answer that cannot choose among origins).
Both go into the definition itself (`x-amazon-apigateway-gateway-responses`), not into separate
AWS::ApiGateway::GatewayResponse resources: a new deployment of the API (any change to its definition)
would leave those out until the stage were deployed again.

`DeployedGateway` makes Chalice's local gateway (`chalice local`, the test client) answer the same way.
"""
from __future__ import annotations

import copy
import dataclasses
import json

import devenv
import stage_config
from chalice.local import LocalGateway, LocalGatewayException

devenv.use_repo_imports()   # the app's own error codes, CORS and headers (none reads the environment)

from chalicelib.api import cors  # noqa: E402
from chalicelib.api.middleware import SECURITY_HEADERS  # noqa: E402
from chalicelib.config import parse_origins  # noqa: E402
from chalicelib.errors import ErrorCode, error_body  # noqa: E402

GATEWAY_RESPONSES_KEY = "x-amazon-apigateway-gateway-responses"


@dataclasses.dataclass(frozen=True)
class GatewayRefusal:
    code: ErrorCode
    # The status becomes the code's. Never on DEFAULT_*: changing theirs changes every response they stand for.
    sets_status: bool = True
    retry_after_seconds: int | None = None


GATEWAY_RESPONSES: dict[str, GatewayRefusal] = {
    # No method has this path and verb. It is also what API Gateway answers an unknown path that comes with an
    # Authorization header ("requires 'Credential' parameter"): our methods use no AWS authentication.
    "MISSING_AUTHENTICATION_TOKEN": GatewayRefusal(ErrorCode.ROUTE_NOT_FOUND),
    "RESOURCE_NOT_FOUND": GatewayRefusal(ErrorCode.ROUTE_NOT_FOUND),
    "UNAUTHORIZED": GatewayRefusal(ErrorCode.UNAUTHENTICATED),
    "ACCESS_DENIED": GatewayRefusal(ErrorCode.FORBIDDEN),
    "WAF_FILTERED": GatewayRefusal(ErrorCode.FORBIDDEN),
    "BAD_REQUEST_BODY": GatewayRefusal(ErrorCode.VALIDATION_FAILED),
    "BAD_REQUEST_PARAMETERS": GatewayRefusal(ErrorCode.VALIDATION_FAILED),
    "REQUEST_TOO_LARGE": GatewayRefusal(ErrorCode.PAYLOAD_TOO_LARGE),
    "UNSUPPORTED_MEDIA_TYPE": GatewayRefusal(ErrorCode.UNSUPPORTED_MEDIA_TYPE),
    # Stage throttling is a token bucket refilled every second.
    "THROTTLED": GatewayRefusal(ErrorCode.TOO_MANY_REQUESTS, retry_after_seconds=1),
    # Only a usage plan has a quota (the stages have none); its period is a day at the shortest.
    "QUOTA_EXCEEDED": GatewayRefusal(ErrorCode.TOO_MANY_REQUESTS, retry_after_seconds=3600),
    "INTEGRATION_TIMEOUT": GatewayRefusal(ErrorCode.UPSTREAM_TIMEOUT),
    "INTEGRATION_FAILURE": GatewayRefusal(ErrorCode.UPSTREAM_TIMEOUT),
    "API_CONFIGURATION_ERROR": GatewayRefusal(ErrorCode.INTERNAL_ERROR),
    "DEFAULT_4XX": GatewayRefusal(ErrorCode.REQUEST_REJECTED, sets_status=False),
    "DEFAULT_5XX": GatewayRefusal(ErrorCode.INTERNAL_ERROR, sets_status=False),
}


def refusal_body(refusal: GatewayRefusal) -> str:
    # API Gateway substitutes `$name` in the template (a test checks there is none); JSON's UTF-8 as is.
    return json.dumps(error_body(refusal.code), ensure_ascii=False)


def refusal_headers(refusal: GatewayRefusal, origins: tuple[str, ...]) -> dict[str, str]:
    """The headers of a gateway answer: what the function's answers carry, CORS for the stage's first origin.

    A gateway response's headers are static or copied from the request, never chosen: it names the stage's
    first allowed origin (a page there can read the error; another allowed page sees a network error, as
    does any other origin), with Vary: Origin. A stage without origins answers without CORS headers.
    """
    headers = dict(SECURITY_HEADERS)
    if origins:
        headers.update(cors.answer_headers(origins[0], origins))
    if refusal.retry_after_seconds is not None:
        headers["Retry-After"] = str(refusal.retry_after_seconds)
    return headers


def gateway_responses(origins: tuple[str, ...]) -> dict:
    """The `x-amazon-apigateway-gateway-responses` of a stage allowing `origins`."""
    responses = {}
    for response_type, refusal in GATEWAY_RESPONSES.items():
        response = {
            # Static header values are quoted: unquoted, API Gateway reads them as request parameters.
            "responseParameters": {f"gatewayresponse.header.{name}": f"'{value}'"
                                   for name, value in refusal_headers(refusal, origins).items()},
            "responseTemplates": {"application/json": refusal_body(refusal)},
        }
        if refusal.sets_status:
            response["statusCode"] = str(refusal.code.status)
        responses[response_type] = response
    return responses


def add_preflight_methods(paths: dict) -> int:
    """Give every path an OPTIONS method integrated like its other methods; returns how many were added."""
    added = 0
    for item in paths.values():
        operation = next((op for op in item.values() if "x-amazon-apigateway-integration" in op), None)
        if operation is None or "options" in item:
            continue
        item["options"] = {
            "parameters": copy.deepcopy(operation.get("parameters", [])),
            "responses": {"204": {"description": "CORS preflight, answered by the API function"}},
            "x-amazon-apigateway-integration": copy.deepcopy(operation["x-amazon-apigateway-integration"]),
        }
        added += 1
    return added


def stage_origins(variables: dict[str, str]) -> tuple[str, ...]:
    """The origins a stage's variables (.chalice/config.json) allow, validated as the app validates them."""
    return parse_origins(variables.get(stage_config.CORS_VARIABLE, ""))


def shape_definition(definition: dict, origins: tuple[str, ...]) -> dict:
    add_preflight_methods(definition["paths"])
    definition[GATEWAY_RESPONSES_KEY] = gateway_responses(origins)
    return definition


def rest_api_definition(template: dict) -> dict:
    """The swagger body of the packaged template's one REST API."""
    [api] = [r for r in template["Resources"].values() if r["Type"] == "AWS::Serverless::Api"]
    return api["Properties"]["DefinitionBody"]


class RouteNotFound(LocalGatewayException):
    """What API Gateway answers a path no route has (MISSING_AUTHENTICATION_TOKEN), locally."""

    def __init__(self, origins: tuple[str, ...]) -> None:
        refusal = GATEWAY_RESPONSES["MISSING_AUTHENTICATION_TOKEN"]
        super().__init__({"Content-Type": "application/json", **refusal_headers(refusal, origins)},
                         refusal_body(refusal).encode())
        self.CODE = refusal.code.status


class DeployedGateway(LocalGateway):
    """Chalice's local gateway answering as the deployed one is shaped: an unknown path with the gateway
    response, OPTIONS of every path by the function (Chalice's own would answer preflights itself)."""

    def _generate_lambda_event(self, method, path, headers, body):
        try:
            return super()._generate_lambda_event(method, path, headers, body)
        except ValueError:   # no route has this path
            from chalicelib.config import get_settings

            raise RouteNotFound(get_settings().cors_allowed_origins) from None

    def _has_user_defined_options_method(self, lambda_event) -> bool:
        return True


def use_deployed_gateway() -> None:
    """Make `chalice local` and chalice's test client use `DeployedGateway` (call before either starts)."""
    import chalice.local
    import chalice.test

    chalice.local.LocalGateway = DeployedGateway
    chalice.test.LocalGateway = DeployedGateway

"""API Gateway's own refusals answer in the API's error envelope (scripts/api_gateway.py), each stage with its CORS
headers; locally (test client, chalice local) an unknown path answers the same gateway response."""
from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import boto3
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))
import api_gateway  # noqa: E402
import shape_gateway  # noqa: E402
import stage_config  # noqa: E402

from chalicelib.errors import ErrorCode, error_body  # noqa: E402

# Every GatewayResponse type API Gateway has (its GetGatewayResponse reference).
API_GATEWAY_TYPES = {
    "DEFAULT_4XX", "DEFAULT_5XX", "RESOURCE_NOT_FOUND", "UNAUTHORIZED", "INVALID_API_KEY", "ACCESS_DENIED",
    "AUTHORIZER_FAILURE", "AUTHORIZER_CONFIGURATION_ERROR", "INVALID_SIGNATURE", "EXPIRED_TOKEN",
    "MISSING_AUTHENTICATION_TOKEN", "INTEGRATION_FAILURE", "INTEGRATION_TIMEOUT", "API_CONFIGURATION_ERROR",
    "UNSUPPORTED_MEDIA_TYPE", "BAD_REQUEST_PARAMETERS", "BAD_REQUEST_BODY", "REQUEST_TOO_LARGE", "THROTTLED",
    "QUOTA_EXCEEDED", "WAF_FILTERED",
}
CONFIG = stage_config.read_json(stage_config.CONFIG_PATH)
STAGES = list(CONFIG["stages"])
CHINESE = re.compile(r"[\u4e00-\u9fff]")
HEADER = "gatewayresponse.header."


def stage_responses(stage: str) -> dict:
    return api_gateway.gateway_responses(api_gateway.stage_origins(stage_config.stage_variables(CONFIG, stage)))


def headers_of(response: dict) -> dict[str, str]:
    return {name.removeprefix(HEADER): value.strip("'") for name, value in response["responseParameters"].items()}


@pytest.mark.parametrize("stage", STAGES)
def test_every_gateway_response_is_the_error_envelope_with_a_known_code_and_a_chinese_message(stage):
    for response_type, response in stage_responses(stage).items():
        assert response_type in API_GATEWAY_TYPES
        [(content_type, template)] = response["responseTemplates"].items()
        assert content_type == "application/json"
        assert "$" not in template, f"{response_type}: API Gateway would substitute a $variable"
        body = json.loads(template)
        assert list(body) == ["error"] and list(body["error"]) == ["code", "message", "fields"], response_type
        code = ErrorCode[body["error"]["code"]]
        assert body["error"]["message"] == code.default_message and CHINESE.search(body["error"]["message"])
        assert body["error"]["fields"] == []
        if response_type.startswith("DEFAULT_"):   # its status would become every other 4XX's (5XX's)
            assert "statusCode" not in response
        else:
            assert response["statusCode"] == str(code.status), response_type
        # Static values are quoted; unquoted, API Gateway would read a request parameter of that name.
        assert all(name.startswith(HEADER) and re.fullmatch(r"'[^']+'", value)
                   for name, value in response["responseParameters"].items()), response_type
        assert headers_of(response)["Cache-Control"] == "no-store"
        if code.status == 429:
            assert int(headers_of(response)["Retry-After"]) >= 1


def test_the_refusals_a_client_meets_have_their_own_code():
    responses = stage_responses("dev")
    wanted = {"DEFAULT_4XX", "DEFAULT_5XX", "MISSING_AUTHENTICATION_TOKEN", "UNAUTHORIZED", "ACCESS_DENIED",
              "THROTTLED", "QUOTA_EXCEEDED", "REQUEST_TOO_LARGE", "BAD_REQUEST_BODY", "INTEGRATION_TIMEOUT"}
    assert wanted <= set(responses)

    def answer(response_type):
        response = responses[response_type]
        body = json.loads(response["responseTemplates"]["application/json"])
        return response.get("statusCode"), body["error"]["code"]

    assert answer("MISSING_AUTHENTICATION_TOKEN") == ("404", "ROUTE_NOT_FOUND")   # an unknown path or method
    assert answer("THROTTLED") == ("429", "TOO_MANY_REQUESTS")
    assert headers_of(responses["THROTTLED"])["Retry-After"] == "1"
    assert answer("REQUEST_TOO_LARGE") == ("413", "PAYLOAD_TOO_LARGE")
    assert answer("INTEGRATION_TIMEOUT") == ("504", "UPSTREAM_TIMEOUT")
    assert answer("DEFAULT_4XX") == (None, "REQUEST_REJECTED")


def test_gateway_answers_name_the_stages_first_allowed_origin_and_none_in_production():
    for stage in STAGES:
        origins = api_gateway.stage_origins(stage_config.stage_variables(CONFIG, stage))
        for response in stage_responses(stage).values():
            headers = headers_of(response)
            assert "Access-Control-Allow-Credentials" not in headers
            if not origins:
                assert not [name for name in headers if name.startswith("Access-Control") or name == "Vary"], stage
            else:
                assert headers["Access-Control-Allow-Origin"] == origins[0] != "*"
                assert headers["Vary"] == "Origin" and "Retry-After" in headers["Access-Control-Expose-Headers"]
    assert not api_gateway.stage_origins(stage_config.stage_variables(CONFIG, "prod-cn-north-1"))


def test_every_path_gets_an_options_method_integrated_like_its_other_methods():
    integration = {"type": "aws_proxy", "httpMethod": "POST", "uri": {"Fn::Sub": "arn:...:${APIHandler.Arn}"}}
    parameters = [{"name": "demand_id", "in": "path", "required": True, "type": "string"}]
    definition = {"paths": {
        "/demands/{demand_id}": {"get": {"parameters": parameters, "x-amazon-apigateway-integration": integration},
                                 "put": {"parameters": parameters, "x-amazon-apigateway-integration": integration}},
        "/health": {"get": {"x-amazon-apigateway-integration": integration}},
    }}
    api_gateway.shape_definition(definition, ("http://localhost:5173",))
    for item in definition["paths"].values():
        options = item["options"]
        assert options["x-amazon-apigateway-integration"] == integration
        assert options["parameters"] == item["get"].get("parameters", [])
        assert options["x-amazon-apigateway-integration"] is not integration   # a copy, not shared
    assert definition[api_gateway.GATEWAY_RESPONSES_KEY] == api_gateway.gateway_responses(("http://localhost:5173",))
    assert api_gateway.add_preflight_methods(definition["paths"]) == 0   # shaping twice changes nothing


@pytest.mark.parametrize("path", ["/no-such-route", "/demands/x/no-such-route", "/"])
def test_an_unknown_path_is_a_404_in_the_error_envelope_with_or_without_a_token(api, path):
    for token in (None, "not-a-token"):   # with an Authorization header API Gateway answers the same type
        response = api.get(path, token=token)
        assert response.status_code == 404, response.body
        assert response.json == error_body(ErrorCode.ROUTE_NOT_FOUND)
        assert response.headers["Cache-Control"] == "no-store"


def test_after_chalice_deploy_the_stage_api_gets_the_gateway_responses_and_an_options_per_resource(aws):
    client = boto3.client("apigateway")
    api_id = client.create_rest_api(name="yce-api")["id"]
    root = client.get_resources(restApiId=api_id)["items"][0]["id"]
    uri = "arn:aws-cn:apigateway:cn-north-1:lambda:path/2015-03-31/functions/arn:fn/invocations"
    for part, methods in (("demands", ["GET", "POST"]), ("health", ["GET"])):
        resource = client.create_resource(restApiId=api_id, parentId=root, pathPart=part)["id"]
        for method in methods:
            client.put_method(restApiId=api_id, resourceId=resource, httpMethod=method, authorizationType="NONE")
            client.put_integration(restApiId=api_id, resourceId=resource, httpMethod=method, type="AWS_PROXY",
                                   integrationHttpMethod="POST", uri=uri)
    origins = ("http://localhost:5173",)

    assert shape_gateway.shape(client, api_id, "api", origins, dry_run=True) == ["/demands", "/health"]
    assert client.get_gateway_responses(restApiId=api_id)["items"] == []   # a dry run changes nothing
    assert not client.get_deployments(restApiId=api_id)["items"]
    assert sorted(shape_gateway.shape(client, api_id, "api", origins)) == ["/demands", "/health"]

    for resource in client.get_resources(restApiId=api_id)["items"]:
        if resource["path"] != "/":
            options = client.get_integration(restApiId=api_id, resourceId=resource["id"], httpMethod="OPTIONS")
            assert (options["type"], options["uri"]) == ("AWS_PROXY", uri)
    put = client.get_gateway_response(restApiId=api_id, responseType="MISSING_AUTHENTICATION_TOKEN")
    wanted = api_gateway.gateway_responses(origins)["MISSING_AUTHENTICATION_TOKEN"]
    assert (put["statusCode"], put["responseTemplates"]) == (wanted["statusCode"], wanted["responseTemplates"])
    assert client.get_deployments(restApiId=api_id)["items"]
    assert shape_gateway.shape(client, api_id, "api", origins) == []   # again: nothing left to add

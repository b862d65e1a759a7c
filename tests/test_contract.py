"""The API contract (OpenAPI 3.1) and the limits it states: every route is in it, it is current, it is
strict (unknown response properties are violations, every input string is bounded), and the app
keeps the limits it promises (64 KB bodies, 50-item pages, 429 with Retry-After)."""
import ast
import functools
import json
import pathlib
import re

import pytest
from openapi_spec_validator import validate

from app import app as chalice_app
from chalicelib.api import contract_routes
from chalicelib.api.openapi import build_document, declarations, documented, error_codes, render
from chalicelib.api.routing import RAW, parse_model
from chalicelib.auth.principal import Principal
from chalicelib.auth.tokens import issue_access_token
from chalicelib.errors import AppError, ErrorCode
from chalicelib.reference import GUANGDONG_CITIES, Role
from chalicelib.schemas.common import PageQuery
from chalicelib.services import accounts

ROOT = pathlib.Path(__file__).resolve().parent.parent
COMMITTED = ROOT / "docs" / "openapi.json"
META_ROUTES = {("GET", "/openapi.json"), ("GET", "/docs"), ("GET", "/docs/{asset}")}
THROTTLED = {("POST", "/auth/login"), ("PUT", "/auth/password"), ("POST", "/sms/codes"),
             ("POST", "/auth/activation/sms-code"), ("POST", "/admin/accounts/{account_id}/password-reset"),
             ("POST", "/activities/{activity_id}/check-ins"), ("POST", "/activities/{activity_id}/check-outs"),
             ("POST", "/volunteer-orgs"), ("POST", "/auth/wechat/login"), ("POST", "/auth/wechat/unbind")}


@pytest.fixture(scope="module")
def document() -> dict:
    return build_document(chalice_app.routes)


def _operations(document: dict):
    for path, item in document["paths"].items():
        for method, operation in item.items():
            yield method.upper(), path, operation


def _token(role: Role) -> str:
    return issue_access_token(Principal(account_id=f"contract-{role.value}", role=role))[0]


# ---------------------------------------------------------------- the document


def test_every_route_declares_its_response():
    undeclared = [f"{d.method} {d.path}" for d in declarations(chalice_app.routes) if d.response is None]
    assert undeclared == [], "declare response= on these endpoint(...)s (see chalicelib/api/routing.py)"


def test_every_route_but_the_contract_itself_is_in_the_document(document):
    in_document = {(method, path) for method, path, _ in _operations(document)}
    routes = {(d.method, d.path) for d in declarations(chalice_app.routes)}
    assert routes - in_document == META_ROUTES
    # RAW keeps a route out of the contract: only the document and its explorer may answer RAW.
    assert {(d.method, d.path) for d in declarations(chalice_app.routes) if d.response is RAW} == META_ROUTES
    assert len(in_document) == len([d for d in declarations(chalice_app.routes) if documented(d)]) > 70


def test_the_document_is_valid_openapi_3_1(document):
    assert document["openapi"].startswith("3.1.")
    validate(document)


def test_the_document_is_deterministic():
    assert render(build_document(chalice_app.routes)) == render(build_document(chalice_app.routes))


def test_operation_ids_are_unique(document):
    ids = [operation["operationId"] for _, _, operation in _operations(document)]
    assert len(ids) == len(set(ids))


def test_anonymous_routes_are_marked_and_the_others_need_the_bearer_token(document):
    for declaration in declarations(chalice_app.routes):
        if not documented(declaration):
            continue
        operation = document["paths"][declaration.path][declaration.method.lower()]
        expected = [{}, {"bearerAuth": []}] if declaration.access.public else [{"bearerAuth": []}]
        assert operation["security"] == expected, (declaration.method, declaration.path)
    assert document["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    login = document["paths"]["/auth/login"]["post"]
    assert login["security"][0] == {} and login["x-roles"] == "anyone"


def _reachable(document: dict, schema, seen: set) -> list[dict]:
    """Every schema object reachable from `schema`, following $refs into components (each once)."""
    found = []
    if isinstance(schema, dict):
        ref = schema.get("$ref")
        if ref and ref not in seen:
            seen.add(ref)
            found += _reachable(document, document["components"]["schemas"][ref.rsplit("/", 1)[-1]], seen)
        found.append(schema)
        for value in schema.values():
            found += _reachable(document, value, seen)
    elif isinstance(schema, list):
        for value in schema:
            found += _reachable(document, value, seen)
    return found


def _objects(schemas: list[dict]) -> list[dict]:
    return [s for s in schemas if s.get("type") == "object" or "properties" in s]


def _response_objects(document: dict):
    """(method, path, status, object schema) for every object schema any answer can contain."""
    for method, path, operation in _operations(document):
        for status, response in operation["responses"].items():
            for media in response.get("content", {}).values():
                for schema in _objects(_reachable(document, media["schema"], set())):
                    yield method, path, status, schema


def test_every_response_schema_forbids_unknown_properties(document):
    open_objects = [(method, path, status, schema.get("title"))
                    for method, path, status, schema in _response_objects(document)
                    if schema.get("additionalProperties") is not False]
    assert open_objects == []


def test_every_response_field_is_required(document):
    """Fields are always present (null when empty), so a front end never tests for a missing key."""
    optional = {(schema.get("title"), name) for *_, schema in _response_objects(document)
                for name in set(schema.get("properties", {})) - set(schema.get("required", []))}
    assert optional == set()


def _unbounded_strings(schemas: list[dict]) -> list[dict]:
    return [s for s in schemas if s.get("type") == "string"
            and not {"maxLength", "pattern", "enum", "const"} & set(s)]


def test_every_input_string_has_a_maximum_length(document):
    unbounded = []
    for method, path, operation in _operations(document):
        inputs = [p["schema"] for p in operation.get("parameters", [])]
        for media_type, media in operation.get("requestBody", {}).get("content", {}).items():
            if media_type == "application/json":   # the CSV import is bounded by its 1 MB body limit
                inputs.append(media["schema"])
        for schema in inputs:
            unbounded += [(method, path, s) for s in _unbounded_strings(_reachable(document, schema, set()))]
    assert unbounded == []


def test_every_input_model_bounds_its_strings():
    """Also models no route uses yet: walk every In model's own JSON schema."""
    from pydantic.json_schema import models_json_schema

    models = {m for d in declarations(chalice_app.routes) for m in (d.body, d.query) if m is not None}
    _, schema = models_json_schema([(m, "validation") for m in models], ref_template="#/components/schemas/{model}")
    strings = _reachable({"components": {"schemas": schema["$defs"]}}, schema, set())
    assert len(models) > 30 and _unbounded_strings(strings) == []


def test_a_body_is_required_exactly_when_its_model_has_required_fields(document):
    """The server reads an empty JSON body as {}, so the document must not call such a body required
    (schemathesis found POST /demands answering 201 to a "required" body that was missing)."""
    schemas = document["components"]["schemas"]
    for method, path, operation in _operations(document):
        body = operation.get("requestBody")
        media = (body or {}).get("content", {}).get("application/json")
        if media is None:
            continue
        fields = schemas[media["schema"]["$ref"].rsplit("/", 1)[-1]].get("required", [])
        assert body["required"] is bool(fields), (method, path)
    assert document["paths"]["/demands"]["post"]["requestBody"]["required"] is False


def test_every_request_body_has_an_example_the_server_accepts(document):
    """A JSON body's example is its model's own (json_schema_extra) and passes the model as the server parses
    it, strict fields included; the CSV import shows a text example."""
    bodies = 0
    for declaration in _routes_with(lambda d: d.body is not None or d.text_body):
        media = document["paths"][declaration.path][declaration.method.lower()]["requestBody"]["content"]
        (example,) = [content["example"] for content in media.values()]
        if declaration.body is not None:
            assert isinstance(parse_model(declaration.body, json.loads(json.dumps(example))), declaration.body)
            bodies += 1
        else:
            assert example.splitlines()[0].startswith("组织名称,")
    assert bodies > 30


def _core_schemas(schema):
    if isinstance(schema, dict):
        yield schema
        for value in schema.values():
            yield from _core_schemas(value)
    elif isinstance(schema, list):
        for value in schema:
            yield from _core_schemas(value)


def test_body_numbers_and_booleans_are_strict_as_the_contract_types_them():
    """The document says integer / number / boolean, so "5" or "true" in a body is refused (400), never
    coerced; query strings stay lax (every query value arrives as text)."""
    lax = []
    for model in {d.body for d in declarations(chalice_app.routes) if d.body is not None}:
        model.model_rebuild()
        lax += [(model.__name__, s["type"]) for s in _core_schemas(model.__pydantic_core_schema__)
                if s.get("type") in {"int", "float", "bool"} and not s.get("strict")]
    assert lax == []


def test_a_score_given_as_text_is_refused():
    from chalicelib.schemas.help_requests import SubjectScoreIn

    assert parse_model(SubjectScoreIn, {"subject": "数学", "score": 88.5}).score == 88.5
    with pytest.raises(AppError) as refused:
        parse_model(SubjectScoreIn, {"subject": "数学", "score": "88.5"})
    assert refused.value.fields[0].path == "score"


def test_request_schemas_carry_no_default(document):
    """openapi-typescript (default options) makes a property with a default required: a typed client would
    have to send null or [] for every optional field. Query parameters keep theirs (they stay optional)."""
    defaults = []
    for method, path, operation in _operations(document):
        for media in operation.get("requestBody", {}).get("content", {}).values():
            defaults += [(method, path) for s in _reachable(document, media["schema"], set()) if "default" in s]
    assert defaults == []
    limit = next(p for p in document["paths"]["/demands"]["get"]["parameters"] if p["name"] == "limit")
    assert limit["schema"]["default"] == 20 and limit["required"] is False


def test_answers_of_several_models_name_their_discriminator(document):
    detail = document["paths"]["/demands/{demand_id}"]["get"]["responses"]["200"]["content"]["application/json"]
    assert detail["schema"]["discriminator"] == {"propertyName": "view", "mapping": {
        "public": "#/components/schemas/DemandDetailOut", "claimant": "#/components/schemas/ClaimantDemandOut",
        "owner": "#/components/schemas/OwnerDemandOut"}}
    todo = document["paths"]["/me/todo"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    assert set(todo["discriminator"]["mapping"]) == {"league_org", "volunteer_org"}
    for _, _, operation in _operations(document):
        for response in operation["responses"].values():
            for media in response.get("content", {}).values():
                assert "oneOf" not in media["schema"] or "discriminator" in media["schema"]


def test_city_query_parameters_offer_the_guangdong_cities(document):
    cities = [(path, p["schema"]) for path, item in document["paths"].items() for operation in item.values()
              for p in operation.get("parameters", []) if p["name"] == "city"]
    assert len(cities) >= 5
    assert all(schema["anyOf"][0]["enum"] == list(GUANGDONG_CITIES) for _, schema in cities), cities


def test_servers_tags_and_descriptions_are_stated(document):
    assert [server["url"] for server in document["servers"]] == ["/api"]
    tags = {tag["name"] for tag in document["tags"]}
    assert {operation["tags"][0] for *_, operation in _operations(document)} == tags
    assert all(re.search(r"[\u4e00-\u9fff]", tag["description"]) for tag in document["tags"])
    assert all(operation["description"].endswith("。") for *_, operation in _operations(document))


def test_pages_hold_at_most_50_items_in_the_contract(document):
    limits = [p["schema"] for _, _, operation in _operations(document)
              for p in operation.get("parameters", []) if p["name"] == "limit"]
    assert len(limits) > 15
    assert all(limit["maximum"] <= 50 and limit["minimum"] == 1 for limit in limits)


def test_every_error_answer_has_the_error_shape(document):
    error = document["components"]["schemas"]["ErrorResponse"]
    assert error["properties"]["error"]["required"] == ["code", "message", "fields"]
    assert set(error["properties"]["error"]["properties"]["code"]["enum"]) == {c.name for c in ErrorCode}
    for *_, operation in _operations(document):
        for status, response in operation["responses"].items():
            if int(status) >= 400:
                assert response["content"]["application/json"]["schema"] == {
                    "$ref": "#/components/schemas/ErrorResponse"}
                assert all(ErrorCode[c].status == int(status) for c in response["x-error-codes"])


def test_generic_errors_follow_the_declaration(document):
    paths = document["paths"]
    login = paths["/auth/login"]["post"]["responses"]
    assert {"400", "401", "403", "413", "415", "429"} <= set(login) and "404" not in login
    assert "INVALID_CREDENTIALS" in login["401"]["x-error-codes"]
    me = paths["/me"]["get"]["responses"]   # allowed before the first password change, to every role
    assert "PASSWORD_CHANGE_REQUIRED" not in me.get("403", {}).get("x-error-codes", [])
    create = paths["/demands"]["post"]["responses"]
    assert {"FORBIDDEN", "PASSWORD_CHANGE_REQUIRED"} <= set(create["403"]["x-error-codes"])
    assert "NOT_FOUND" in paths["/demands/{demand_id}"]["get"]["responses"]["404"]["x-error-codes"]
    assert "204" in paths["/auth/logout"]["post"]["responses"]


def test_throttled_routes_answer_429_with_retry_after(document):
    throttled = set()
    for method, path, operation in _operations(document):
        response = operation["responses"].get("429")
        if response is not None:
            throttled.add((method, path))
            assert response["headers"]["Retry-After"]["required"] is True
    assert throttled == THROTTLED


# ---------------------------------------------------------------- declared errors cover the services


@functools.cache
def _module_index(module: str) -> tuple[dict, dict]:
    """The functions of a chalicelib module by name, and the chalicelib names it imports (full dotted)."""
    path = ROOT / (module.replace(".", "/") + ".py")
    if not path.exists():
        return {}, {}
    tree = ast.parse(path.read_text(encoding="utf-8"))
    functions = {n.name: n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)}
    imports = {}
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("chalicelib"):
            for alias in node.names:
                imports[alias.asname or alias.name] = f"{node.module}.{alias.name}"
    return functions, imports


def _codes_reachable(module: str, function: str, seen: set) -> set[str]:
    """ErrorCode names a view can reach: its body, the functions of its module it calls, and the functions
    of chalicelib modules it calls as `module.function(...)` or imports by name. Over-approximates."""
    if (module, function) in seen:
        return set()
    seen.add((module, function))
    functions, imports = _module_index(module)
    if function not in functions:
        return set()
    codes = set()
    for node in (n for statement in functions[function].body for n in ast.walk(statement)):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "ErrorCode":
            codes.add(node.attr)
        elif isinstance(node, ast.Call):
            for target in _call_targets(node.func, module, functions, imports):
                codes |= _codes_reachable(*target, seen)
    return codes


def _call_targets(func, module: str, functions: dict, imports: dict) -> list[tuple[str, str]]:
    if isinstance(func, ast.Name) and func.id in functions:
        return [(module, func.id)]
    if isinstance(func, ast.Name) and func.id in imports:
        return [tuple(imports[func.id].rsplit(".", 1))]
    if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and func.value.id in imports:
        return [(imports[func.value.id], func.attr)]
    return []


def test_every_route_declares_the_error_codes_its_services_raise():
    # Answered by any route (documented once in the document's description), or never by a view.
    anywhere = {"INTERNAL_ERROR", "SERVICE_MISCONFIGURED"}
    # Reachable in the call graph, never answered: a recovery code's refused send answers as a send (the
    # answer must not tell whether the account exists); an operator's reset spends no client budget.
    swallowed = {"POST /auth/password/reset/sms-code": {code.name for code in accounts.SILENT_SEND_REFUSALS},
                 "POST /admin/accounts/{account_id}/password-reset": {"SMS_CLIENT_LIMIT"}}
    undeclared = {}
    for declaration in declarations(chalice_app.routes):
        if not documented(declaration):
            continue
        declared = {code.name for codes in error_codes(declaration).values() for code in codes}
        raised = _codes_reachable(declaration.module, declaration.view_name, set())
        raised -= swallowed.get(f"{declaration.method} {declaration.path}", set())
        if raised - declared - anywhere:
            undeclared[f"{declaration.method} {declaration.path}"] = sorted(raised - declared - anywhere)
    assert undeclared == {}, "add them to errors= of the route's endpoint(...)"


# ---------------------------------------------------------------- served by the app


def test_the_app_serves_the_document_to_anyone(api, document):
    response = api.get("/openapi.json")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/json")
    assert response.json == json.loads(COMMITTED.read_text(encoding="utf-8")) == json.loads(render(document))


def test_the_document_is_built_on_first_request_not_at_import(api):
    contract_routes._document_text.cache_clear()
    assert contract_routes._document_text.cache_info().currsize == 0
    api.get("/openapi.json")
    api.get("/openapi.json")
    info = contract_routes._document_text.cache_info()
    assert info.misses == 1 and info.hits == 1


def test_the_explorer_is_absent_outside_the_dev_stage(api):
    for path in ("/docs", "/docs/swagger-ui-bundle.js", "/docs/initializer.js"):
        response = api.get(path)
        assert response.status_code == 404 and response.json["error"]["code"] == "NOT_FOUND"


@pytest.fixture
def dev_stage(monkeypatch):
    from chalicelib.config import get_settings

    monkeypatch.setenv("STAGE", "dev")
    get_settings.cache_clear()
    yield
    monkeypatch.undo()
    get_settings.cache_clear()


def _fetch(api, path: str):
    """A non-JSON answer: the raw test client (Api.call parses every body as JSON)."""
    return api.client.http.get(path)


def test_the_explorer_serves_swagger_ui_over_the_document_in_dev(api, dev_stage):
    page = _fetch(api, "/docs")
    assert page.status_code == 200 and page.headers["Content-Type"].startswith("text/html")
    assets = re.findall(r'(?:href|src)="(docs/[^"]+)"', page.body.decode())
    assert sorted(assets) == ["docs/initializer.js", "docs/swagger-ui-bundle.js", "docs/swagger-ui.css"]
    for asset in assets:
        response = _fetch(api, "/" + asset)
        assert response.status_code == 200 and len(response.body) > 0, asset
    assert _fetch(api, "/docs/swagger-ui.css").headers["Content-Type"].startswith("text/css")
    bundle = _fetch(api, "/docs/swagger-ui-bundle.js")
    assert bundle.headers["Content-Type"].startswith("text/javascript") and b"SwaggerUIBundle" in bundle.body
    initializer = _fetch(api, "/docs/initializer.js").body.decode()
    assert 'url: "openapi.json"' in initializer and "persistAuthorization: true" in initializer
    assert b"http" not in page.body   # no CDN: every asset comes from this API


def test_the_explorer_serves_only_its_own_assets(api, dev_stage):
    for asset in ("index.html", "..%2Fapp.py", "swagger-ui-bundle.js.map", "favicon-32x32.png"):
        assert api.get(f"/docs/{asset}").status_code == 404, asset


def test_the_explorer_is_absent_without_its_package(api, dev_stage, monkeypatch):
    monkeypatch.setattr(contract_routes.importlib.util, "find_spec", lambda name: None)
    assert api.get("/docs").status_code == 404


# ---------------------------------------------------------------- limits the contract states


def _routes_with(predicate):
    return [d for d in declarations(chalice_app.routes) if documented(d) and predicate(d)]


def _allowed_token(declaration) -> str | None:
    roles = sorted(declaration.access.roles, key=lambda r: r.value)
    return _token(roles[0]) if roles else None


def _url(path: str) -> str:
    return re.sub(r"{\w+}", "contract-id", path)


def test_a_body_over_64_kb_is_refused_with_413_on_every_route_that_takes_one(api, outbox):
    oversized = json.dumps({"padding": "x" * (64 * 1024)}).encode()
    refused = []
    for declaration in _routes_with(lambda d: d.body is not None):
        response = api.call(declaration.method, _url(declaration.path), raw=oversized,
                            token=_allowed_token(declaration))
        refused.append((declaration.path, response.status_code, response.json["error"]["code"]))
    assert len(refused) >= 30
    assert {(status, code) for _, status, code in refused} == {(413, "PAYLOAD_TOO_LARGE")}


def test_a_body_of_64_kb_is_not_refused_for_its_size(api, outbox):
    body = json.dumps({"account_type": "individual", "login": "x", "password": "y"}).encode()
    padded = body[:-1] + b" " * (64 * 1024 - len(body)) + b"}"
    assert len(padded) == 64 * 1024
    assert api.post("/auth/login", raw=padded).status_code == 401


def test_the_csv_import_takes_up_to_1_mb(api, outbox):
    token = _token(Role.OPERATOR)
    headers = {"Content-Type": "text/csv"}
    too_big = api.call("POST", "/admin/league-orgs/import", raw=b"x" * (1024 * 1024 + 1), token=token,
                       headers=headers)
    assert too_big.status_code == 413 and too_big.json["error"]["code"] == "PAYLOAD_TOO_LARGE"


def test_pages_over_50_items_are_refused_on_every_paginated_route(api, outbox):
    paginated = _routes_with(lambda d: d.query is not None and "limit" in d.query.model_fields)
    assert len(paginated) > 15 and all(issubclass(d.query, PageQuery) or d.query.model_fields["limit"].metadata
                                       for d in paginated)
    answers = []
    for declaration in paginated:
        response = api.get(f"{_url(declaration.path)}?limit=51", token=_allowed_token(declaration))
        fields = [f["path"] for f in response.json["error"]["fields"]]
        answers.append((declaration.path, response.status_code, fields))
    assert [a for a in answers if a[1] != 400 or "limit" not in a[2]] == []


def test_a_view_answering_another_model_than_declared_is_a_500_that_leaks_nothing(aws):
    from chalice import Blueprint, Chalice
    from chalice.test import Client

    from chalicelib.api.middleware import http_middleware
    from chalicelib.api.routing import ANYONE, endpoint
    from chalicelib.schemas.common import OutputModel

    class PublicOut(OutputModel):
        name: str

    class PrivateOut(PublicOut):
        phone: str

    bp = Blueprint("leaky")

    @endpoint(bp, "/leaky", "GET", roles=ANYONE, response=PublicOut)
    def leaky(call) -> PublicOut:
        return PrivateOut(name="张三", phone="13800000000")

    leaky_app = Chalice(app_name="leaky")
    leaky_app.register_middleware(http_middleware, "http")
    leaky_app.register_blueprint(bp)
    with Client(leaky_app) as client:
        response = client.http.get("/leaky")
    assert response.status_code == 500 and b"13800000000" not in response.body
    assert json.loads(response.body)["error"]["code"] == "INTERNAL_ERROR"


# ---------------------------------------------------------------- one time convention (docs/api.md, "Conventions")

MOMENT_NAMES = {"at", "valid_from", "recruit_start", "recruit_end", "service_start", "service_end"}
DAY_NAMES = {"as_of", "day", "period_start", "period_end"}


def _string_formats(schema: dict) -> set:
    """The formats a property's string alternatives carry (None for a string without one)."""
    alternatives = schema.get("anyOf") or schema.get("oneOf") or [schema]
    return {a.get("format") for a in alternatives if a.get("type") == "string"}


def _properties(document: dict):
    for name, schema in document["components"]["schemas"].items():
        for prop, prop_schema in (schema.get("properties") or {}).items():
            yield f"{name}.{prop}", prop, prop_schema
    for method, path, operation in _operations(document):
        for parameter in operation.get("parameters", []):
            yield f"{method} {path} ?{parameter['name']}", parameter["name"], parameter["schema"]


def test_every_moment_is_a_date_time_and_every_calendar_day_a_date_in_the_contract(document):
    wrong = []
    for where, prop, schema in _properties(document):
        formats = _string_formats(schema)
        if prop.endswith("_at") or prop in MOMENT_NAMES:
            expected = {"date-time"}
        elif prop.endswith("_date") or prop.endswith("_day") or prop in DAY_NAMES:
            expected = {"date"}
        else:   # a format elsewhere is a time field the convention (and this test) does not name yet
            expected = formats - {"date", "date-time"}
        if formats != expected:
            wrong.append((where, formats, expected))
    assert wrong == []


def test_an_answer_gives_a_moment_computed_in_china_time_in_utc_with_z():
    from datetime import UTC, datetime

    from chalicelib import clock
    from chalicelib.schemas.reports import ReviewItemOut

    china = datetime(2099, 6, 6, 0, 0, tzinfo=clock.CST)
    item = ReviewItemOut(target="demand", demand_id="d", activity_id=None, title=None, org_name="o",
                         open_report_count=3, hidden=True,
                         first_reported_at=china)
    assert item.model_dump(mode="json")["first_reported_at"] == "2099-06-05T16:00:00Z"
    naive = ReviewItemOut(target="demand", demand_id="d", activity_id=None, title=None, org_name="o",
                          open_report_count=3, hidden=True,
                          first_reported_at=datetime(2099, 6, 5, 16, 0))   # stored times are UTC
    assert naive.model_dump(mode="json")["first_reported_at"] == "2099-06-05T16:00:00Z"
    assert naive.first_reported_at == datetime(2099, 6, 5, 16, 0, tzinfo=UTC)

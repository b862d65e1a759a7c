"""The OpenAPI 3.1 document, built from the routes' declarations (`routing.endpoint`) and the pydantic models.

Nothing here runs at import: the document is built on the first GET /openapi.json of a
process (cold starts stay cheap) and by `scripts/openapi.py`, which commits it as
docs/openapi.json. A test regenerates it and fails when the committed file is stale.
"""
from __future__ import annotations

import json
import re
import typing
from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import GenerateJsonSchema, models_json_schema
from pydantic_core import to_jsonable_python

from chalicelib.api import idempotency
from chalicelib.api.routing import ALL_ROLES, NO_CONTENT, PDF, PDF_MEDIA_TYPE, RAW, Declaration
from chalicelib.errors import ErrorCode
from chalicelib.reference import LABELS

OPENAPI_VERSION = "3.1.0"
API_VERSION = "1.0.0"
REF = "#/components/schemas/{model}"
ERROR_SCHEMA = "ErrorResponse"
BEARER = "bearerAuth"
MAX_PATH_PARAM = 128   # routing._check_path_params: longer values are a 404

_PATH_PARAM = re.compile(r"{(\w+)}")

_DESCRIPTION = """\
Backend API of 青年云支教. Every error answers `{"error": {"code", "message", "fields"}}`; clients branch
on `code` (stable) and may show `message` (Chinese). Any route may also answer 500 `INTERNAL_ERROR` or
503 `SERVICE_MISCONFIGURED` in that shape. Sign in with POST /auth/login and send
`Authorization: Bearer <access_token>`. Moments (`format: date-time`) are RFC 3339 and answered in UTC
with `Z`; calendar days (`format: date`) are `YYYY-MM-DD` China-Standard-Time days. Guide for front ends:
docs/api.md."""


# Relative to the host the client already talks to: API Gateway serves the API under its stage path
# (`api_gateway_stage` in .chalice/config.json); `make run` serves it under the same prefix.
SERVERS = [
    {"url": "/api", "description": "H5 与 API 同源，路径前缀 /api：部署环境（CloudFront → API Gateway 的 api 阶段）"
                                   "与本地 make run（http://127.0.0.1:8000/api）相同"},
]
# Not open source (the repository has no licence); SPDX's form for a licence of one's own.
LICENSE = {"name": "Proprietary（未开源，保留所有权利）", "identifier": "LicenseRef-Proprietary"}
CONTACT = {"name": "青年云支教平台（团省委）"}
# One tag per route module (`_tag`): the group a front end's generated client and the explorer show.
TAGS = {
    "account": "我的：账号、组织资料、待办；志愿服务组织的注册与名录",
    "activity": "志愿服务活动：发布、报名、签到签退、服务时长",
    "certificate": "志愿服务记录证明：申请、出具与不予出具、撤销、我的证明、公开验证",
    "admin": "运营后台：团组织导入、志愿服务组织审核、账号管理、审计日志、数据统计",
    "auth": "登录、注册、令牌刷新、改密与找回密码、短信验证码",
    "claim": "认领：申请、确认、退回、撤回与认领列表",
    "demand": "需求：发布、编辑、浏览与推荐、点赞收藏、关闭、进度",
    "health": "健康检查",
    "help_request": "初始需求：选择团组织、提交、查看、采用与不采用",
    "notification": "消息通知与通知设置",
    "rating": "评分、待评分与积分",
    "reference": "字典：城市、类型、状态等可选值及其中文名称",
    "report": "举报与处理",
    "stats": "平台累计数据",
    "upload": "图片上传：预签名表单（组织/团体照片、活动图片、证明用章）",
    "wechat": "微信：公众号网页授权登录与绑定、JS-SDK 签名（签到定位、扫码）",
}


def documented(declaration: Declaration) -> bool:
    """RAW routes (this document, the API explorer) answer something other than API JSON: not in the contract."""
    return declaration.response is not RAW


def declarations(routes: Mapping[str, Mapping[str, Any]]) -> list[Declaration]:
    """Every declared route of `app.routes`, sorted by path then method."""
    found = []
    for path in sorted(routes):
        for method in sorted(routes[path]):
            found.append(routes[path][method].view_function.declaration)
    return found


def render(document: dict, *, indent: int | None = None) -> str:
    """Deterministic text: sorted keys; UTF-8 so the Chinese messages stay readable."""
    return json.dumps(document, ensure_ascii=False, indent=indent, sort_keys=True)


def build_document(routes: Mapping[str, Mapping[str, Any]]) -> dict:
    routes_declared = [d for d in declarations(routes) if documented(d)]
    refs, schemas = _component_schemas(routes_declared)
    examples = _body_examples(routes_declared, refs, schemas)
    paths: dict[str, dict] = defaultdict(dict)
    for declaration in routes_declared:
        paths[declaration.path][declaration.method.lower()] = _operation(declaration, refs, schemas, examples)
    for declaration in routes_declared:   # query models are spelled out as parameters, not kept as schemas
        if declaration.query is not None:
            schemas.pop(_name(refs[(declaration.query, "validation")]), None)
    schemas[ERROR_SCHEMA] = _error_schema()
    used_tags = sorted({_tag(declaration) for declaration in routes_declared})
    undescribed = [tag for tag in used_tags if tag not in TAGS]
    if undescribed:
        raise TypeError(f"describe the tags {undescribed} in chalicelib/api/openapi.py TAGS")
    return {
        "openapi": OPENAPI_VERSION,
        "info": {"title": "青年云支教 API", "version": API_VERSION, "description": _DESCRIPTION,
                 "license": LICENSE, "contact": CONTACT},
        "servers": SERVERS,
        "tags": [{"name": tag, "description": TAGS[tag]} for tag in used_tags],
        "paths": dict(paths),
        "components": {
            "schemas": schemas,
            "securitySchemes": {BEARER: {
                "type": "http", "scheme": "bearer", "bearerFormat": "JWT",
                "description": "The access_token of POST /auth/login, /auth/register, /auth/refresh or "
                               "PUT /auth/password (15 minutes).",
            }},
        },
    }


# ---------------------------------------------------------------- schemas

def _component_schemas(routes: Iterable[Declaration]) -> tuple[dict, dict]:
    wanted: dict[tuple[type[BaseModel], str], None] = {}
    for declaration in routes:
        for model in (declaration.body, declaration.query):
            if model is not None:
                wanted[(model, "validation")] = None
        for model in declaration.response_models:
            wanted[(model, "serialization")] = None
    ordered = sorted(wanted, key=lambda key: (key[0].__module__, key[0].__qualname__, key[1]))
    refs, document = models_json_schema(ordered, ref_template=REF, schema_generator=_ContractSchema)
    schemas = document.get("$defs", {})
    # Two models of one name (ProgressStepOut of demands and of help requests) get pydantic's
    # module-qualified names; a front end's generated types read better as DemandsProgressStepOut.
    names = {old: _readable(old) for old in schemas if _QUALIFIED.match(old)}
    refs = {key: _renamed(value, names) for key, value in refs.items()}
    return refs, dict(sorted((names.get(name, name), _renamed(schema, names)) for name, schema in schemas.items()))


class _ContractSchema(GenerateJsonSchema):
    """Input schemas without `default`: an omitted optional field is simply absent. A default makes
    openapi-typescript (default options) type the field as required, so a typed client would have to send
    `null` or `[]` for every optional field. Query parameters get theirs back (`_query_parameters`)."""

    def default_schema(self, schema):
        json_schema = super().default_schema(schema)
        if self.mode == "validation":
            json_schema.pop("default", None)
        return json_schema


_QUALIFIED = re.compile(r"^chalicelib__schemas__(\w+?)__(\w+)$")


def _readable(qualified: str) -> str:
    module, model = _QUALIFIED.match(qualified).groups()
    return "".join(part.title() for part in module.split("_")) + model


def _renamed(schema: Any, names: dict[str, str]) -> Any:
    if isinstance(schema, dict):
        return {key: (_renamed_ref(value, names) if key == "$ref" else _renamed(value, names))
                for key, value in schema.items()}
    if isinstance(schema, list):
        return [_renamed(value, names) for value in schema]
    return schema


def _renamed_ref(ref: str, names: dict[str, str]) -> str:
    name = ref.rsplit("/", 1)[-1]
    return REF.format(model=names[name]) if name in names else ref


def _name(ref_schema: dict) -> str:
    return ref_schema["$ref"].rsplit("/", 1)[-1]


def _error_schema() -> dict:
    field = {"type": "object", "additionalProperties": False, "required": ["path", "code", "message"],
             "properties": {
                 "path": {"type": "string", "description": "Dotted, with [i] for list items; `line N.field` "
                                                           "for CSV rows; empty for the whole body."},
                 "code": {"type": "string"}, "message": {"type": "string"}}}
    error = {"type": "object", "additionalProperties": False, "required": ["code", "message", "fields"],
             "properties": {"code": {"type": "string", "enum": sorted(code.name for code in ErrorCode)},
                            "message": {"type": "string"},
                            "fields": {"type": "array", "items": field}}}
    return {"type": "object", "additionalProperties": False, "required": ["error"], "title": ERROR_SCHEMA,
            "properties": {"error": error}}


# ---------------------------------------------------------------- operations

def _body_examples(routes: Iterable[Declaration], refs: dict, schemas: dict) -> dict[str, Any]:
    """The first of each body model's `examples` (json_schema_extra), by schema name, moved out of the
    schema into its request body's `example`; tests/test_contract.py validates each against its model."""
    examples = {}
    for declaration in routes:
        if declaration.body is None:
            continue
        name = _name(refs[(declaration.body, "validation")])
        if name not in examples:
            listed = schemas[name].pop("examples", None)
            if not listed:
                raise TypeError(f"{declaration.body.__name__}: give it json_schema_extra={{'examples': [...]}}")
            examples[name] = listed[0]
    return examples


def _operation(declaration: Declaration, refs: dict, schemas: dict, examples: dict) -> dict:
    operation: dict[str, Any] = {
        "operationId": _operation_id(declaration),
        "tags": [_tag(declaration)],
        "summary": _summary(declaration),
        "description": _description(declaration),
        "security": _security(declaration),
        "x-roles": "anyone" if declaration.access.public else sorted(r.value for r in declaration.access.roles),
        "responses": _responses(declaration, refs),
    }
    parameters = (_path_parameters(declaration) + _idempotency_key(declaration)
                  + _query_parameters(declaration, refs, schemas))
    if parameters:
        operation["parameters"] = parameters
    body = _request_body(declaration, refs, schemas, examples)
    if body is not None:
        operation["requestBody"] = body
    return operation


def _operation_id(declaration: Declaration) -> str:
    return declaration.view_name


def _tag(declaration: Declaration) -> str:
    return declaration.module.rsplit(".", 1)[-1].removesuffix("_routes")


def _summary(declaration: Declaration) -> str:
    doc = (declaration.doc or "").strip()
    return doc.splitlines()[0] if doc else declaration.view_name.replace("_", " ")


def _description(declaration: Declaration) -> str:
    """The view's docstring after its summary line, then who may call it (x-roles, in words)."""
    details = "\n".join(line.strip() for line in (declaration.doc or "").strip().splitlines()[1:]).strip()
    if declaration.access.public:
        callers = "任何人（可不登录；带令牌时校验令牌）"
    else:
        labels = LABELS["role"]
        callers = "、".join(labels[role] for role in sorted(declaration.access.roles, key=list(labels).index))
    return "\n\n".join(part for part in (details, f"调用者：{callers}。") if part)


def _security(declaration: Declaration) -> list[dict]:
    # A public route verifies a token when one is sent (it may change the answer), so it is optional there.
    return [{}, {BEARER: []}] if declaration.access.public else [{BEARER: []}]


def _path_parameters(declaration: Declaration) -> list[dict]:
    return [{"name": name, "in": "path", "required": True,
             "schema": {"type": "string", "minLength": 1, "maxLength": MAX_PATH_PARAM}}
            for name in _PATH_PARAM.findall(declaration.path)]


def _idempotency_key(declaration: Declaration) -> list[dict]:
    if not declaration.idempotent:
        return []
    return [{"name": idempotency.HEADER, "in": "header", "required": False,
             "description": "A new random key (a UUID) per action, sent again unchanged with every retry of it: "
                            "a repeat within 24 h gets the first answer and changes nothing (docs/api.md).",
             "schema": {"type": "string", "pattern": idempotency.KEY_PATTERN}}]


def _query_parameters(declaration: Declaration, refs: dict, schemas: dict) -> list[dict]:
    if declaration.query is None:
        return []
    model_schema = schemas[_name(refs[(declaration.query, "validation")])]
    required = set(model_schema.get("required", []))
    parameters = []
    for name, schema in model_schema.get("properties", {}).items():
        field = declaration.query.model_fields[name]
        if not field.is_required() and field.get_default(call_default_factory=True) is not None:
            schema = {**schema, "default": to_jsonable_python(field.get_default(call_default_factory=True))}
        parameter = {"name": name, "in": "query", "required": name in required, "schema": schema}
        if "description" in schema:
            parameter["description"] = schema["description"]
        parameters.append(parameter)
    return parameters


def _request_body(declaration: Declaration, refs: dict, schemas: dict, examples: dict) -> dict | None:
    if declaration.text_body:
        media = declaration.content_types[0]
        if not declaration.text_example:
            raise TypeError(f"{declaration.method} {declaration.path}: give its text body a text_example=")
        return {"required": True, "content": {media: {"schema": {"type": "string", "contentMediaType": media},
                                                      "example": declaration.text_example}}}
    if declaration.body is None:
        return None
    ref = refs[(declaration.body, "validation")]
    # An empty body is read as {}: a model without required fields may be sent without a body.
    required = bool(schemas[_name(ref)].get("required"))
    return {"required": required, "content": {"application/json": {"schema": ref, "example": examples[_name(ref)]}}}


def _responses(declaration: Declaration, refs: dict) -> dict:
    responses: dict[str, dict] = {str(declaration.status): _success(declaration, refs)}
    for status, codes in sorted(error_codes(declaration).items()):
        responses[str(status)] = _error_response(status, codes)
    return responses


def _success(declaration: Declaration, refs: dict) -> dict:
    if declaration.response is NO_CONTENT:
        return {"description": "No Content"}
    if declaration.response is PDF:
        return {"description": "OK", "content": {PDF_MEDIA_TYPE: {"schema": {"type": "string", "format": "binary"}}}}
    if declaration.response is None:
        raise TypeError(f"{declaration.method} {declaration.path}: declare response= on its endpoint(...)")
    variants = [refs[(model, "serialization")] for model in declaration.response_models]
    schema = variants[0] if len(variants) == 1 else _discriminated(declaration, variants)
    return {"description": "OK" if declaration.status == 200 else "Created" if declaration.status == 201
            else "Accepted", "content": {"application/json": {"schema": schema}}}


def _discriminated(declaration: Declaration, variants: list[dict]) -> dict:
    """`AOut | BOut` answers: a oneOf a typed client can narrow, on the field each variant fixes to its own
    `Literal` value (DemandDetailOut.view, LeagueOrgTodoOut.role)."""
    models = declaration.response_models
    fixed = [{name: field.default for name, field in model.model_fields.items()
              if typing.get_origin(field.annotation) is typing.Literal} for model in models]
    shared = set.intersection(*(set(values) for values in fixed))
    if len(shared) != 1:
        raise TypeError(f"{declaration.method} {declaration.path}: give each answer model one Literal field "
                        "(the same name in each, its own value) to tell them apart")
    name = shared.pop()
    mapping = {str(values[name]): variant["$ref"] for values, variant in zip(fixed, variants, strict=True)}
    return {"oneOf": variants, "discriminator": {"propertyName": name, "mapping": mapping}}


def _error_response(status: int, codes: list[ErrorCode]) -> dict:
    names = [code.name for code in codes]
    response: dict[str, Any] = {
        "description": "; ".join(f"`{code.name}` {code.default_message}" for code in codes),
        "content": {"application/json": {"schema": {"$ref": REF.format(model=ERROR_SCHEMA)}}},
        "x-error-codes": names,
    }
    if status == 429:
        response["headers"] = {"Retry-After": {
            "required": True, "description": "Seconds until the next attempt can succeed.",
            "schema": {"type": "integer", "minimum": 1}}}
    elif ErrorCode.IDEMPOTENCY_KEY_IN_PROGRESS in codes:
        response["headers"] = {"Retry-After": {
            "required": False, "description": "With IDEMPOTENCY_KEY_IN_PROGRESS: seconds until the first "
                                              "answer is expected.",
            "schema": {"type": "integer", "minimum": 1}}}
    return response


def error_codes(declaration: Declaration) -> dict[int, list[ErrorCode]]:
    """The error codes a route can answer, by status: derived from its declaration, plus its own `errors=`."""
    access = declaration.access
    codes: set[ErrorCode] = {ErrorCode.UNAUTHENTICATED, ErrorCode.TOKEN_EXPIRED}   # a bad token, on any route
    if not access.during_password_change:
        codes.add(ErrorCode.PASSWORD_CHANGE_REQUIRED)
    if not access.public and access.roles != ALL_ROLES:
        codes.add(ErrorCode.FORBIDDEN)
    has_body = declaration.body is not None or declaration.text_body
    if has_body or declaration.query is not None:
        codes.add(ErrorCode.VALIDATION_FAILED)
    if declaration.body is not None:
        codes.update({ErrorCode.INVALID_JSON, ErrorCode.JSON_TOO_DEEP})
    if has_body:
        codes.update({ErrorCode.PAYLOAD_TOO_LARGE, ErrorCode.UNSUPPORTED_MEDIA_TYPE})
    if _PATH_PARAM.search(declaration.path):
        codes.add(ErrorCode.NOT_FOUND)
    codes.update(declaration.errors)
    by_status: dict[int, list[ErrorCode]] = defaultdict(list)
    for code in sorted(codes, key=lambda c: c.name):
        by_status[code.status].append(code)
    return dict(by_status)

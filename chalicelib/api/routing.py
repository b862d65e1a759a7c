"""How a route is declared: roles, input and output models, and the HTTP translation around a service call.

Every route is registered through `endpoint(...)`, which refuses to register
without a `roles` declaration (deny by default) and attaches the whole
declaration to the view function as `view.declaration` (and `view.access`); a
test walks `app.routes` and fails on any view without roles or without a
response. The wrapper authenticates the caller, enforces the role and the
first-login password change, parses the body and query with pydantic models
(`extra="forbid"`), calls the service and serialises the pydantic result.

The declaration is also the API contract: `chalicelib/api/openapi.py` builds the
OpenAPI document (served at /openapi.json, committed as docs/openapi.json) from
it alone. The convention for a new route:

    @endpoint(bp, "/things/{thing_id}", "POST", roles=frozenset({Role.LEAGUE_ORG}),
              body=ThingIn, query=None, response=ThingOut, status=201,
              errors=(ErrorCode.STATE_CONFLICT,))
    def do_thing(call: Call, thing_id: str, body: ThingIn) -> ThingOut: ...

- `response=` (required by a test): the `OutputModel` the view returns, a union
  `AOut | BOut` when the answer depends on the caller, a page model
  (`items` + `next_cursor`) for lists, `NO_CONTENT` for a 204 without a body, or
  `RAW` for the few routes that answer something other than API JSON (the
  contract itself, the API explorer; they stay out of the contract), or `PDF` for a
  file download (the view returns an `Attachment`; the contract shows application/pdf). The wrapper
  refuses (500, a bug) any result whose type is not the declared one, so a view
  cannot leak a field the contract does not name (`OutputModel` forbids extras).
- `status=`: the success status (200 by default, 204 implied by `NO_CONTENT`).
- `idempotent=True`: a POST a phone may send again; it takes an `Idempotency-Key` header
  (chalicelib/api/idempotency.py) and its service puts `call.idempotency` in its transaction.
- `errors=`: the codes this route's service can answer besides the generic ones,
  which the contract derives from the declaration itself (400 when there is a
  body or query, 401, 403 by roles and the first-login password change, 404 for
  path parameters, 413/415 with a body). Throttled routes list their 429 codes;
  the contract adds `Retry-After` to every 429.
"""
from __future__ import annotations

import contextlib
import dataclasses
import functools
import gc
import importlib
import json
import logging
import types
import typing
from collections.abc import Callable, Iterator
from typing import Any

from chalice import Blueprint, Chalice, Response
from pydantic import BaseModel, ValidationError

from chalicelib.auth.principal import Principal
from chalicelib.auth.tokens import read_access_token
from chalicelib.config import get_settings
from chalicelib.errors import IDEMPOTENCY_ERRORS, AppError, ErrorCode, FieldError, error_body
from chalicelib.reference import Role
from chalicelib.validation_messages import message_for

if typing.TYPE_CHECKING:
    from chalicelib.data.idempotency_keys import IdempotencyRecord

log = logging.getLogger(__name__)

ANYONE: frozenset[Role] = frozenset()   # public route; a token, if sent, is still verified
ALL_ROLES: frozenset[Role] = frozenset(Role)
_MAX_PATH_PARAM = 128
# No request body of the API nests more than a few levels; 32 leaves room and bounds the walk.
MAX_JSON_DEPTH = 32
# Every view `endpoint(...)` made, by its function's module then (method, path): where a LazyView finds its own.
_DECLARED_VIEWS: dict[str, dict[tuple[str, str], Callable[..., Response]]] = {}


@dataclasses.dataclass(frozen=True)
class Access:
    roles: frozenset[Role]
    public: bool
    during_password_change: bool   # callable while the initial password is still unchanged


@dataclasses.dataclass(frozen=True)
class Call:
    """What a view needs to know about the request besides its inputs."""

    caller: Principal | None
    source_ip: str
    user_agent: str
    app: Chalice | None = None   # the app serving the request (the contract lists its routes)
    idempotency: IdempotencyRecord | None = None   # an idempotent route's record, for its service's transaction


@dataclasses.dataclass
class Reply:
    body: BaseModel | None = None
    status: int = 200
    headers: dict[str, str] | None = None


@dataclasses.dataclass(frozen=True)
class Attachment:
    """A PDF to download: never cached (it may hold personal data), saved under `filename` (ASCII)."""
    filename: str
    data: bytes


class _Marker:
    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return self.name


NO_CONTENT = _Marker("NO_CONTENT")   # response=NO_CONTENT: 204, the view returns None
RAW = _Marker("RAW")                 # response=RAW: the view returns a chalice Response; not in the contract
PDF = _Marker("PDF")                 # response=PDF: the view returns an Attachment (binary: app.api.binary_types)
PDF_MEDIA_TYPE = "application/pdf"


@dataclasses.dataclass(frozen=True)
class Declaration:
    """Everything `endpoint(...)` was told about a route: what the wrapper enforces and the contract shows."""

    method: str
    path: str
    access: Access
    body: type[BaseModel] | None
    query: type[BaseModel] | None
    response: Any                       # an OutputModel, a union of them, NO_CONTENT, RAW; None: undeclared
    status: int
    errors: tuple[ErrorCode, ...]
    content_types: tuple[str, ...]
    text_body: bool
    max_body_bytes: int | None
    idempotent: bool = False            # takes an Idempotency-Key header
    text_example: str = ""              # the contract's example of a text body (JSON bodies: their model's)
    view_name: str = ""                 # the view function: operationId, tag (its module) and summary (its doc)
    module: str = ""
    doc: str = ""

    @property
    def response_models(self) -> tuple[type[BaseModel], ...]:
        if self.response in (None, NO_CONTENT, RAW, PDF):
            return ()
        if isinstance(self.response, type):
            return (self.response,)
        return tuple(typing.get_args(self.response))   # AOut | BOut


def endpoint(bp: Blueprint, path: str, method: str, *, roles: frozenset[Role],
             body: type[BaseModel] | None = None, query: type[BaseModel] | None = None,
             response: Any = None, status: int | None = None, errors: tuple[ErrorCode, ...] = (),
             content_types: list[str] | None = None, during_password_change: bool = False,
             max_body_bytes: int | None = None, text_body: bool = False, text_example: str = "",
             idempotent: bool = False) -> Callable:
    """Register `fn(call, **path_params, [body=], [query=], [text=])` as a route (see the module docstring)."""
    if roles is None:
        raise TypeError(f"{method} {path}: every route declares the roles allowed to call it")
    if idempotent and not roles:
        raise TypeError(f"{method} {path}: an Idempotency-Key is scoped to its caller; a public route has none")
    access = Access(roles=frozenset(roles), public=not roles, during_password_change=during_password_change)
    declaration = Declaration(
        method=method, path=path, access=access, body=body, query=query, response=response,
        status=status or (204 if response is NO_CONTENT else 200),
        errors=tuple(errors) + (IDEMPOTENCY_ERRORS if idempotent else ()),
        content_types=tuple(content_types or ["application/json"]), text_body=text_body,
        max_body_bytes=max_body_bytes, text_example=text_example, idempotent=idempotent)
    if response is NO_CONTENT and declaration.status != 204:
        raise TypeError(f"{method} {path}: NO_CONTENT answers 204")

    def decorator(fn: Callable[..., Any]) -> Callable[..., Any]:
        declared = dataclasses.replace(declaration, view_name=fn.__name__, module=fn.__module__, doc=fn.__doc__ or "")

        def handle(app: Chalice, path_params: dict[str, str]) -> Response:
            request = app.current_request
            try:
                _check_path_params(path_params)
                _check_body_size(request, max_body_bytes or get_settings().max_body_bytes)
                call = _call_for(request, access, app)
                key = _idempotency().key_of(request.headers) if idempotent else None
                kwargs: dict[str, Any] = dict(path_params)
                if body is not None:
                    kwargs["body"] = _parse_body(request, body)
                if text_body:
                    kwargs["text"] = _decode(request.raw_body or b"")
                if query is not None:
                    kwargs["query"] = parse_model(query, _query_dict(request))
                if key is not None:
                    return _idempotency().once(call, key, declared.view_name, kwargs,
                                               lambda keyed: _to_response(fn(keyed, **kwargs), declared))
                return _to_response(fn(call, **kwargs), declared)
            except AppError as exc:
                return error_response(exc)

        @functools.wraps(fn)
        def view(**path_params: str) -> Response:
            return handle(bp.current_app, path_params)

        view.handle = handle  # type: ignore[attr-defined]  # what a LazyView calls, with its app
        view.declaration = declared  # type: ignore[attr-defined]  # introspection: contract, tests
        view.access = access  # type: ignore[attr-defined]
        view.body_model = body  # type: ignore[attr-defined]
        view.query_model = query  # type: ignore[attr-defined]
        _DECLARED_VIEWS.setdefault(fn.__module__, {})[(method, path)] = view
        bp.route(path, methods=[method], content_types=list(declaration.content_types))(view)
        return fn

    return decorator


class IndexedRoute(typing.NamedTuple):
    """One row of the generated route index (chalicelib/api/route_index.py): Chalice's view of a route."""

    path: str
    method: str
    module: str                       # the route module that declares it
    view_name: str
    content_types: tuple[str, ...] = ("application/json",)
    doc: str | None = None            # the view's docstring: `chalice package` puts it in the API's swagger


class LazyView:
    """A route's view that imports its route module on the first call, so a cold start loads one resource.

    app.py registers one per row of the route index with the row's Chalice metadata; the declaration
    attributes (`declaration`, `access`, `body_model`, `query_model`) load the module when read.
    """

    def __init__(self, app: Chalice, route: IndexedRoute) -> None:
        self._app = app
        self._route = route
        self._view: Callable[..., Response] | None = None
        # What Chalice and `chalice package` read from a view function.
        self.__name__ = self.__qualname__ = route.view_name
        self.__module__ = route.module
        self.__doc__ = route.doc

    def __call__(self, **path_params: str) -> Response:
        return self.view.handle(self._app, path_params)  # type: ignore[attr-defined]

    @property
    def view(self) -> Callable[..., Response]:
        if self._view is None:
            self._view = declared_view(self._route.module, self._route.method, self._route.path)
        return self._view

    @property
    def declaration(self) -> Declaration:
        return self.view.declaration  # type: ignore[attr-defined]

    @property
    def access(self) -> Access:
        return self.view.access  # type: ignore[attr-defined]

    @property
    def body_model(self) -> type[BaseModel] | None:
        return self.view.body_model  # type: ignore[attr-defined]

    @property
    def query_model(self) -> type[BaseModel] | None:
        return self.view.query_model  # type: ignore[attr-defined]


def declared_view(module: str, method: str, path: str) -> Callable[..., Response]:
    """The view `endpoint(...)` made for `method path` in `module`, importing the module if needed."""
    with _collector_paused():
        importlib.import_module(module)
    try:
        return _DECLARED_VIEWS[module][(method, path)]
    except KeyError:
        raise LookupError(f"{module} declares no {method} {path}: regenerate the route index") from None


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    # A route module pulls in its schemas, services and models: thousands of objects that live as long as
    # the process. The cyclic collector would walk them again and again while they load, and on every
    # collection after (30-80 ms of a cold start's first request; docs/performance.md): load them with it
    # paused, then freeze them out of its reach.
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if enabled:
            gc.enable()


def _idempotency() -> types.ModuleType:
    # Imported on first use: only the idempotent routes' requests load the record's model.
    from chalicelib.api import idempotency
    return idempotency


def error_response(exc: AppError) -> Response:
    return Response(body=exc.body(), status_code=exc.status, headers=dict(exc.headers))


def parse_model(model: type[BaseModel], data: Any) -> BaseModel:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise AppError(ErrorCode.VALIDATION_FAILED, fields=fields_from(exc)) from None


def fields_from(exc: ValidationError) -> list[FieldError]:
    return [FieldError(path=_dotted(err["loc"]), code=err["type"], message=message_for(err)) for err in exc.errors()]


def _dotted(loc: tuple) -> str:
    path = ""
    for part in loc:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    return path


def _call_for(request: Any, access: Access, app: Chalice) -> Call:
    caller = _principal_from(request.headers.get("authorization"))
    if caller is None and not access.public:
        raise AppError(ErrorCode.UNAUTHENTICATED)
    if caller is not None and caller.must_change_password and not access.during_password_change:
        raise AppError(ErrorCode.PASSWORD_CHANGE_REQUIRED)
    if not access.public and caller.role not in access.roles:
        raise AppError(ErrorCode.FORBIDDEN)
    identity = (request.context or {}).get("identity") or {}
    return Call(caller=caller, source_ip=str(identity.get("sourceIp") or "unknown"),
                user_agent=str(request.headers.get("user-agent", ""))[:200], app=app)


def caller_if_any(request: Any) -> Principal | None:
    """The caller a valid bearer token names, for the log keys; None when there is none or it is not valid
    (the route answers that)."""
    try:
        return _principal_from(request.headers.get("authorization"))
    except AppError:
        return None


def _principal_from(header: str | None) -> Principal | None:
    if not header:
        return None
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise AppError(ErrorCode.UNAUTHENTICATED)
    return read_access_token(token.strip())


def _check_path_params(params: dict[str, str]) -> None:
    # Keys longer than this exist nowhere; refusing early keeps DynamoDB key limits out of reach.
    for value in params.values():
        if not value or len(value) > _MAX_PATH_PARAM or not value.isprintable():
            raise AppError(ErrorCode.NOT_FOUND)


def _check_body_size(request: Any, limit: int) -> None:
    raw = request.raw_body or b""
    if len(raw) > limit:
        raise AppError(ErrorCode.PAYLOAD_TOO_LARGE, f"请求体不能超过 {limit // 1024} KB")


def _parse_body(request: Any, model: type[BaseModel]) -> BaseModel:
    raw = request.raw_body or b""
    try:
        data = json.loads(raw) if raw.strip() else {}
    except RecursionError:   # json's decoder recurses per level: 64 KB of "[" is deeper than the stack
        raise AppError(ErrorCode.JSON_TOO_DEEP) from None
    except (ValueError, UnicodeDecodeError):
        raise AppError(ErrorCode.INVALID_JSON) from None
    if _depth_exceeds(data, MAX_JSON_DEPTH):
        raise AppError(ErrorCode.JSON_TOO_DEEP)
    if not isinstance(data, dict):
        raise AppError(ErrorCode.VALIDATION_FAILED,
                       fields=[FieldError("", "object_expected", "请求体必须是 JSON 对象")])
    return parse_model(model, data)


def _depth_exceeds(data: Any, limit: int) -> bool:
    """Whether containers nest deeper than `limit` (walked without recursion: the input is the attacker's)."""
    stack = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict | list):
            if depth > limit:
                return True
            stack.extend((child, depth + 1) for child in (value.values() if isinstance(value, dict) else value))
    return False


def _decode(raw: bytes) -> str:
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise AppError(ErrorCode.VALIDATION_FAILED,
                       fields=[FieldError("", "encoding", "文件必须是 UTF-8 编码")]) from None


def _query_dict(request: Any) -> dict[str, str]:
    params = request.query_params or {}
    return {key: params[key] for key in params}


def _to_response(result: Any, declaration: Declaration) -> Response:
    if declaration.response is RAW:
        if not isinstance(result, Response):
            raise TypeError(f"{declaration.method} {declaration.path} is declared RAW: return a chalice Response")
        return result
    if declaration.response is PDF:
        if not isinstance(result, Attachment):
            raise TypeError(f"{declaration.method} {declaration.path} is declared PDF: return an Attachment")
        return Response(body=result.data, status_code=declaration.status, headers={
            "Content-Type": PDF_MEDIA_TYPE, "Content-Disposition": f'attachment; filename="{result.filename}"',
            "Cache-Control": "no-store"})
    reply = result if isinstance(result, Reply) else Reply(body=result, status=declaration.status)
    _check_declared(reply, declaration)
    if reply.body is None:
        # An empty string, not None: Chalice serialises None as "null", 4 stray bytes after a 204 that a
        # keep-alive client reads as the start of its next answer.
        return Response(body="", status_code=204, headers=reply.headers or {})
    return Response(body=reply.body.model_dump(mode="json"), status_code=reply.status, headers=reply.headers or {})


def _check_declared(reply: Reply, declaration: Declaration) -> None:
    """A view answers exactly what its route declares, so nothing outside the contract can leave."""
    if reply.body is not None and not isinstance(reply.body, BaseModel):
        raise TypeError(f"views return a pydantic model, a Reply or None, not {type(reply.body).__name__}")
    if declaration.response is None:   # undeclared: a test names the route; nothing more to enforce
        return
    if reply.body is None:
        declared = declaration.response is NO_CONTENT
    else:
        declared = type(reply.body) in declaration.response_models
    if not declared or reply.status != declaration.status:
        raise TypeError(f"{declaration.method} {declaration.path} declares {declaration.response!r} "
                        f"({declaration.status}), the view answered {type(reply.body).__name__} ({reply.status})")


def normalise_chalice_error(response: Response) -> Response:
    """Rewrite Chalice's own error bodies ({"Code", "Message"}) into the API's error shape."""
    body = response.body
    if response.status_code < 400 or not isinstance(body, dict) or "Code" not in body:
        return response
    code = _CHALICE_CODES.get(body.get("Code"), None)
    if code is None:
        code = ErrorCode.INTERNAL_ERROR if response.status_code >= 500 else ErrorCode.VALIDATION_FAILED
    headers = {k: v for k, v in response.headers.items() if k.lower() != "content-type"}
    return Response(body=error_body(code), status_code=code.status, headers=headers)


_CHALICE_CODES = {
    "MethodNotAllowedError": ErrorCode.METHOD_NOT_ALLOWED,
    "UnsupportedMediaType": ErrorCode.UNSUPPORTED_MEDIA_TYPE,
    "BadRequestError": ErrorCode.VALIDATION_FAILED,
    "BadRequest": ErrorCode.VALIDATION_FAILED,
    "NotFoundError": ErrorCode.NOT_FOUND,
    "InternalServerError": ErrorCode.INTERNAL_ERROR,
}

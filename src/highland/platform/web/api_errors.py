"""The one shape of an API error, and its place in the OpenAPI document.

Every refusal of `/api/` answers the same JSON body (`ApiError`): the English `detail` for logs,
a `code` naming the catalogue entry `error.<code>`, its `params`, and `message` — the entry in
the caller's language (Accept-Language: en → English, else Chinese). Request validation adds
one `errors` item per problem. `document_errors` declares these answers on every operation of
the OpenAPI document, so that a client (and schemathesis) sees each status a route can answer.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.openapi.utils import get_openapi
from pydantic import BaseModel, Field
from starlette.routing import Match

from highland.platform.errors import (
    Conflict,
    Forbidden,
    HighlandError,
    InvalidInput,
    NotFound,
    TooManyRequests,
    Unauthenticated,
)
from highland.platform.web.i18n import accepted_language, error_text, has, translate

# An error without a code of its own is named by its kind.
_KIND_CODES: list[tuple[type[HighlandError], str]] = [
    (NotFound, "not_found"),
    (Forbidden, "forbidden"),
    (Unauthenticated, "unauthenticated"),
    (Conflict, "conflict"),
    (TooManyRequests, "too_many_requests"),
    (InvalidInput, "invalid"),
    (HighlandError, "invalid"),
]

# Pydantic's error types → the catalogue's request problems (error.request.<kind>).
REQUEST_PROBLEMS = {
    "missing": "required",
    "int_parsing": "integer",
    "int_type": "integer",
    "int_from_float": "integer",
    "bool_parsing": "boolean",
    "bool_type": "boolean",
    "date_from_datetime_parsing": "date",
    "date_parsing": "date",
    "date_type": "date",
    "string_too_long": "too_long",
    "string_too_short": "required",
    "greater_than_equal": "too_small",
    "greater_than": "too_small",
    "less_than_equal": "too_big",
    "less_than": "too_big",
    "json_invalid": "json",
}


class ApiProblem(BaseModel):
    """One problem of a request: where, what (English), and its catalogue code."""

    field: str
    error: str
    code: str


class ApiError(BaseModel):
    """The body of every API error."""

    detail: str = Field(description="What is wrong, in English (for logs and developers)")
    code: str = Field(description="The catalogue entry error.<code> that names the problem")
    params: dict[str, Any] = Field(default_factory=dict, description="Values the entry shows")
    message: str = Field(description="The problem in the caller's language (Accept-Language)")
    field: str | None = Field(None, description="The field or parameter at fault, if one")
    errors: list[ApiProblem] | None = Field(None, description="Each problem of a request")


def api_language(request: Request) -> str:
    """An API client's language, from its Accept-Language (Chinese when it asks for neither)."""
    return accepted_language(request.headers.get("accept-language")) or "zh-CN"


def json_params(params: dict[str, Any]) -> dict[str, Any]:
    """Error parameters as JSON values (dates and the like as text)."""
    ok = (str, int, float, bool, type(None))

    def one(v: Any) -> Any:
        if isinstance(v, ok):
            return v
        if hasattr(v, "code") and hasattr(v, "message"):  # a nested error: its code and text
            return {"code": v.code, "message": v.message, "params": json_params(v.params)}
        if isinstance(v, list | tuple):
            return [one(x) for x in v]
        return str(v)

    return {k: one(v) for k, v in params.items()}


def highland_body(request: Request, exc: HighlandError) -> dict[str, Any]:
    """The body of a HighlandError: its own code, else the code of its kind."""
    lang = api_language(request)
    if exc.code and has(f"error.{exc.code}"):
        code, message = exc.code, error_text(lang, exc)
    else:
        code = next(c for kind, c in _KIND_CODES if isinstance(exc, kind))
        message = translate(lang, f"error.{code}")
    return {
        "detail": exc.message,
        "code": code,
        "params": json_params(exc.params),
        "message": message,
        "field": exc.field,
    }


def request_problem(e: Any) -> tuple[str, str]:
    """One validation error's field (without body/query/path) and catalogue kind."""
    if e.get("type") == "json_invalid":  # the location is a character offset: name the body
        return "body", "json"
    where = [str(p) for p in e.get("loc", ()) if p not in ("body", "query", "path")]
    return ".".join(where), REQUEST_PROBLEMS.get(str(e.get("type")), "invalid")


def validation_body(request: Request, errors: list[Any]) -> dict[str, Any]:
    """The body of a refused request: one problem per field, the first named in `message`."""
    lang = api_language(request)
    problems = []
    for e in errors:
        field, kind = request_problem(e)
        text = e.get("msg", "")
        if kind == "json":
            text = f"malformed JSON: {e.get('ctx', {}).get('error', '')}"
        problems.append({"field": field, "error": text, "code": f"request.{kind}"})
    first = problems[0] if problems else {"field": "", "code": "request.invalid"}
    messages = [translate(lang, f"error.{p['code']}", field=p["field"] or "body") for p in problems]
    return {
        "detail": "; ".join(f"{p['field']}: {p['error']}" for p in problems),
        "code": first["code"],
        "params": {"field": first["field"]},
        "message": translate(lang, "sep.list").join(messages),
        "field": first["field"] or None,
        "errors": problems,
    }


def allowed_methods(request: Request) -> str:
    """The methods served at the request's path by its most specific routes.

    Starlette's own Allow names only the methods of the first route that matched the path.
    Where several routes match, the most specific win: fewer catch-all `{…:path}` parts, then
    fewer parameters (so `/api/v1/policies/check` answers POST, not the GET of
    `/api/v1/policies/{policy_id}`).
    """
    best: dict[tuple[int, int], set[str]] = {}

    def walk(routes: Any) -> None:
        for route in routes:
            inner = getattr(route, "original_router", None)
            if inner is not None:
                walk(inner.routes)
                continue
            methods = getattr(route, "methods", None)
            if methods and route.matches(request.scope)[0] != Match.NONE:
                path = str(getattr(route, "path", ""))
                rank = (path.count(":path}"), path.count("{"))
                best.setdefault(rank, set()).update(methods)

    walk(request.app.router.routes)
    return ", ".join(sorted(best[min(best)])) if best else ""


def http_body(
    request: Request, status: int, detail: Any, headers: dict[str, str] | None, lang: str
) -> dict[str, Any]:
    """The body of a refusal made by the web layer (unknown path, method not allowed, …)."""
    params: dict[str, Any]
    if status == 404:
        code, params = "not_found", {}
    elif status == 405:
        code = "request.method_not_allowed"
        params = {"method": request.method, "allowed": (headers or {}).get("Allow", "")}
    else:
        code, params = "request.http", {"status": status}
    return {
        "detail": str(detail),
        "code": code,
        "params": params,
        "message": translate(lang, f"error.{code}", **params),
        "field": None,
    }


# Statuses every API operation may answer, and those only a write may.
_ALWAYS = {
    "400": "The request cannot be carried out as asked",
    "401": "No valid session or API token",
    "403": "The caller's role may not do this",
    "404": "Not found, or outside the caller's scope",
    "422": "A parameter, body or file is not valid",
    "503": "The database is busy; retry after the seconds in Retry-After",
}
_WRITES = {
    "409": "Changed meanwhile (stale version) or clashes with the current state",
    "413": "The body or file is larger than the limit",
    "415": "The body is in a format the operation does not read",
}
_REF = {"$ref": "#/components/schemas/ApiError"}


def _declare(operation: dict[str, Any], method: str) -> None:
    responses = operation.setdefault("responses", {})
    wanted = dict(_ALWAYS)
    if method in ("post", "put", "patch", "delete"):
        wanted |= _WRITES
    for status, description in wanted.items():
        answer = responses.get(status)
        if answer is None:
            responses[status] = {
                "description": description,
                "content": {"application/json": {"schema": _REF}},
            }
            continue
        schema = answer.get("content", {}).get("application/json", {}).get("schema")
        if schema is None or schema.get("$ref", "").endswith("/HTTPValidationError"):
            answer["content"] = {"application/json": {"schema": _REF}}
        elif schema != _REF:  # the route's own report, or a request refused as a whole
            answer["content"]["application/json"]["schema"] = {"anyOf": [schema, _REF]}


# Open311 GeoReport v2 answers its errors in the spec's own shape, as JSON or XML.
_OPEN311_ERRORS = {
    "type": "array",
    "items": {
        "type": "object",
        "properties": {"code": {"type": "integer"}, "description": {"type": "string"}},
        "required": ["code", "description"],
    },
}
_OPEN311_STATUSES = {
    "400": "A parameter is missing or not valid",
    "403": "The api_key is missing or not valid",
    "404": "No such service or request",
    "429": "Too many requests from this key",
    "503": "The database is busy; retry after the seconds in Retry-After",
}


def _declare_open311(path: str, operation: dict[str, Any]) -> None:
    xml = path.endswith(".xml")
    media = "text/xml" if xml else "application/json"
    schema = {"type": "string"} if xml else _OPEN311_ERRORS
    responses = operation.setdefault("responses", {})
    ok = responses.setdefault("200", {"description": "Successful Response"})
    ok["content"] = {media: {"schema": {"type": "string"}} if xml else {}}
    responses.pop("422", None)
    for status, description in _OPEN311_STATUSES.items():
        responses[status] = {"description": description, "content": {media: {"schema": schema}}}


def document_errors(app: FastAPI) -> None:
    """Make the app's OpenAPI document declare the error answers of every operation."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        doc = get_openapi(
            title=app.title,
            version=app.version,
            description=app.description,
            routes=app.routes,
        )
        schemas = doc.setdefault("components", {}).setdefault("schemas", {})
        for model in (ApiError, ApiProblem):
            schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
            schema.pop("$defs", None)
            assert model.__name__ not in schemas, f"{model.__name__} is taken in the document"
            schemas[model.__name__] = schema
        for name in ("HTTPValidationError", "ValidationError"):
            schemas.pop(name, None)
        for path, item in doc.get("paths", {}).items():
            for method, operation in item.items():
                if not isinstance(operation, dict) or "responses" not in operation:
                    continue
                if path.startswith("/api/"):
                    _declare(operation, method)
                elif path.startswith("/open311/"):
                    _declare_open311(path, operation)
        app.openapi_schema = doc
        return doc

    app.openapi = openapi  # type: ignore[method-assign]

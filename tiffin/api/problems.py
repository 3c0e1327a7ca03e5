"""RFC 9457 problem+json, in one place: every refusal has a stable ``code`` and a sentence."""

from __future__ import annotations

import re
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy.exc import IntegrityError, InterfaceError, OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import compile_path

from tiffin.errors import TiffinError

MEDIA_TYPE = "application/problem+json"


class ValidationDetail(BaseModel):
    """One field a request got wrong: where, what, and pydantic's name for the kind."""

    loc: list[str]
    msg: str
    type: str


class Problem(BaseModel):
    """RFC 9457 problem details, plus ``code`` (stable, for machines) and, for a refused
    request body, ``errors`` (one per field)."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str
    code: str
    instance: str | None = None
    errors: list[ValidationDetail] | None = None


RETRY_AFTER_SECONDS = 5


def _problem(
    status: int,
    code: str,
    title: str,
    detail: str,
    retry_after: int | None = None,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> JSONResponse:
    body = {"type": "about:blank", "title": title, "status": status, "detail": detail, "code": code}
    body.update({k: v for k, v in extra.items() if v is not None})
    headers = dict(headers or {})
    if status == 401:
        headers["WWW-Authenticate"] = "Bearer"
    if status == 503:
        headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    if retry_after is not None:
        headers["Retry-After"] = str(retry_after)
    return JSONResponse(body, status_code=status, media_type=MEDIA_TYPE, headers=headers)


def error_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI documentation of the problem answers a route can give, beyond those every route
    can (``tiffin.api.openapi`` adds those and the ``code`` values each status can carry)."""
    return {
        s: {
            "description": "Problem",
            "content": {MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}},
        }
        for s in statuses
    }


def install(app: FastAPI) -> None:
    @app.exception_handler(TiffinError)
    async def _tiffin(_: Request, exc: TiffinError) -> JSONResponse:
        retry_after = getattr(exc, "retry_after", None)  # TooManyRequests, Unavailable
        shown = {k: exc.extra.get(k) for k in getattr(exc, "exposed", ())}
        return _problem(exc.status, exc.code, exc.title, exc.detail, retry_after, **shown)

    @app.exception_handler(IntegrityError)
    async def _race(_: Request, exc: IntegrityError) -> JSONResponse:
        """A unique key taken by a concurrent request between our check and our insert: the
        serial path would have refused it as a conflict, and so does this one (never a 500)."""
        return _problem(
            409,
            "conflict",
            "Conflict with the current state",
            "another request changed the same record at the same moment; nothing was written",
        )

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [
            {
                "loc": [str(p) for p in e.get("loc", ())],
                "msg": e.get("msg", ""),
                "type": e.get("type", ""),
            }
            for e in exc.errors()
        ]
        if any(e["type"] == "json_invalid" for e in errors):
            return _problem(
                400,
                "malformed_json",
                "Malformed JSON",
                "the request body is not valid JSON",
                errors=errors,
            )
        if _body_not_json(request, errors):
            return _problem(
                415,
                "unsupported_media_type",
                "Unsupported media type",
                "the request body must be JSON, sent with 'content-type: application/json'",
            )
        first = errors[0] if errors else {"loc": [], "msg": "invalid"}
        where = ".".join(first["loc"][1:] or first["loc"]) or "request"
        return _problem(
            422, "validation_error", "Invalid request", f"{where}: {first['msg']}", errors=errors
        )

    @app.exception_handler(OperationalError)
    @app.exception_handler(InterfaceError)
    async def _database_down(_: Request, exc: Exception) -> JSONResponse:
        """The database cannot be reached: nothing was written (the transaction never
        committed), so the client may safely retry, with the same idempotency key."""
        return _problem(
            503,
            "database_unavailable",
            "Service unavailable",
            "the database cannot be reached right now; nothing was changed, retry shortly",
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = _HTTP_CODES.get(exc.status_code, "http_error")
        headers = dict(exc.headers or {})
        if exc.status_code == 405:
            headers["Allow"] = _allowed(request)
        detail = NO_SUCH_PATH if exc.status_code == 404 else str(exc.detail)
        return _problem(exc.status_code, code, str(exc.detail), detail, headers=headers)


_HTTP_CODES = {404: "not_found", 405: "method_not_allowed", 413: "body_too_large"}
NO_SUCH_PATH = "there is nothing at this path: the API lives under /v1, its docs at /docs"
# What FastAPI says when a body that should be a JSON object arrived as something else.
_NOT_AN_OBJECT = {"model_attributes_type", "dict_type", "model_type"}


def _body_not_json(request: Request, errors: list[dict[str, Any]]) -> bool:
    """A body sent without a JSON content type reaches the model as bytes: say that, not what
    pydantic makes of the bytes."""
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind == "application/json" or kind.endswith("+json"):
        return False
    return any(e["loc"] == ["body"] and e["type"] in _NOT_AN_OBJECT for e in errors)


def _allowed(request: Request) -> str:
    """Every method the API serves at this path (Starlette names only the first route's, and
    a path such as /v1/incidents is served by a GET route and a POST route). Read from the
    OpenAPI document, the public record of the routes, compiled once per app."""
    table: list[tuple[re.Pattern[str], set[str], int]] | None = getattr(
        request.app.state, "allowed_methods", None
    )
    if table is None:
        table = [
            (compile_path(path)[0], {m.upper() for m in operations}, path.count("{"))
            for path, operations in request.app.openapi().get("paths", {}).items()
        ]
        request.app.state.allowed_methods = table
    matching = [
        (served, params) for pattern, served, params in table if pattern.match(request.url.path)
    ]
    # /v1/care/report is its own resource even though /v1/care/{kind} matches it too: the
    # documented path with the fewest parameters is the one the request names.
    fewest = min((params for _, params in matching), default=0)
    methods: set[str] = set()
    for served, params in matching:
        if params == fewest:
            methods |= served
    if "GET" in methods:
        methods.add("HEAD")
    return ", ".join(sorted(methods))

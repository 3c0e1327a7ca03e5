"""RFC 9457 problem+json, in one place: every refusal has a stable ``code`` and a sentence."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy.exc import InterfaceError, OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException

from tiffin.errors import TiffinError

MEDIA_TYPE = "application/problem+json"


class Problem(BaseModel):
    type: str = "about:blank"
    title: str
    status: int
    detail: str
    code: str
    errors: list[dict[str, Any]] | None = None


RETRY_AFTER_SECONDS = 5


def _problem(status: int, code: str, title: str, detail: str, **extra: Any) -> JSONResponse:
    body = {"type": "about:blank", "title": title, "status": status, "detail": detail, "code": code}
    body.update({k: v for k, v in extra.items() if v is not None})
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    if status == 503:
        headers = {"Retry-After": str(RETRY_AFTER_SECONDS)}
    return JSONResponse(body, status_code=status, media_type=MEDIA_TYPE, headers=headers)


def error_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI documentation of the problem answers a route can give."""
    return {
        s: {"model": Problem, "description": "Problem", "content": {MEDIA_TYPE: {}}}
        for s in statuses
    }


def install(app: FastAPI) -> None:
    @app.exception_handler(TiffinError)
    async def _tiffin(_: Request, exc: TiffinError) -> JSONResponse:
        shown = {k: exc.extra.get(k) for k in getattr(exc, "exposed", ())}
        return _problem(exc.status, exc.code, exc.title, exc.detail, **shown)

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError) -> JSONResponse:
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
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
        return _problem(exc.status_code, code, str(exc.detail), str(exc.detail))

"""``LeanRoute``: the hottest endpoints, served without FastAPI's general dependency solver.

Why: FastAPI solves every declared dependency through one general path (sub-dependencies,
caches, security scopes, generator checks), and measured under ``bench/telemetry.py`` and
``bench/api_orders.py`` that path was about a third of the event loop's CPU for a rider's
telemetry post: five solves (the admission gate, the caller, the bearer scheme, the platform,
the body) for a handler that then does almost nothing itself. At 400 posts a second the one
event loop has no third to spare (docs/benchmarks.md).

A ``LeanRoute`` keeps the same endpoint function, so the OpenAPI document, the route's
declared priority and every test stay as they are; only how a request reaches the function
changes. It serves parameters of these kinds and refuses any other when the route is built, so
a route can never silently lose a dependency:

- the JSON body (validated by FastAPI's own ``request_body_to_args``: the same 422 details),
- header parameters (FastAPI's own ``request_params_to_args``),
- the ``Request``,
- the dependencies in ``RESOLVERS``: the caller (``CurrentPrincipal``) and the platform.

The steps keep FastAPI's order, so each answer is the one the general path gives: the body is
read and decoded first (malformed JSON is a 422 before anything else), then the app's admission
gate runs (the one app-wide dependency, ``tiffin.api.admission``; a test checks it stays the
only one), then the dependencies in their declared order (a missing token is a 401 before the
body is validated), then headers and body, then the endpoint. A returned ``Response`` is sent
as it is; anything else is validated and serialised by the response model, as FastAPI does.
While an app has dependency overrides (a test's), the route takes FastAPI's general path.
"""

from __future__ import annotations

import inspect
import json
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

from fastapi import Request, Response
from fastapi._compat import Undefined
from fastapi.dependencies.models import Dependant
from fastapi.dependencies.utils import request_body_to_args, request_params_to_args
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute, serialize_response
from starlette.exceptions import HTTPException

from tiffin.api import admission
from tiffin.api.deps import _bearer, current_principal, get_platform

Resolver = Callable[[Request], Awaitable[Any]]


async def _principal(request: Request) -> Any:
    return await current_principal(request, await _bearer(request))


async def _platform(request: Request) -> Any:
    return request.app.state.platform


# The dependencies a LeanRoute resolves itself, by the function a route declares.
RESOLVERS: dict[Callable[..., Any], Resolver] = {
    current_principal: _principal,
    get_platform: _platform,
}


class LeanRoute(APIRoute):
    """See the module: same endpoint and OpenAPI operation, no general dependency solving."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        general = super().get_route_handler()
        dependant = self.dependant
        resolvers = [(d.name, _resolver(self.path, d)) for d in dependant.dependencies]
        for kind, fields in (
            ("query", dependant.query_params),
            ("path", dependant.path_params),
            ("cookie", dependant.cookie_params),
        ):
            if fields:
                raise TypeError(f"LeanRoute {self.path}: {kind} parameters are not served")
        if (
            dependant.background_tasks_param_name
            or dependant.response_param_name
            or dependant.security_scopes_param_name
            or dependant.websocket_param_name
        ):
            raise TypeError(f"LeanRoute {self.path}: only body, headers and Request are served")
        endpoint = dependant.call
        if endpoint is None or not inspect.iscoroutinefunction(endpoint):
            raise TypeError(f"LeanRoute {self.path}: the endpoint must be an async function")
        body_fields = dependant.body_params
        embed = self._embed_body_fields
        status_code = self.status_code
        response_field = self.response_field

        async def handle(request: Request) -> Response:
            if request.app.dependency_overrides:
                return await general(request)
            body = await _json_body(request) if body_fields else None
            await admission.admit(request.app.state.platform, request)
            values: dict[str, Any] = {}
            for name, resolve in resolvers:
                value = await resolve(request)
                if name is not None:
                    values[name] = value
            headers, errors = request_params_to_args(dependant.header_params, request.headers)
            values.update(headers)
            if body_fields:
                found, body_errors = await request_body_to_args(
                    body_fields=body_fields, received_body=body, embed_body_fields=embed
                )
                values.update(found)
                errors += body_errors
            if errors:
                raise RequestValidationError(errors, body=body)
            if dependant.request_param_name:
                values[dependant.request_param_name] = request
            answer = await endpoint(**values)
            if isinstance(answer, Response):
                return answer
            content = await serialize_response(
                field=response_field, response_content=answer, dump_json=True
            )
            return Response(content, status_code=status_code or 200, media_type=_JSON)

        return handle


_JSON = "application/json"


def _resolver(path: str, dependency: Dependant) -> Resolver:
    resolve = RESOLVERS.get(dependency.call) if dependency.call is not None else None
    if resolve is None:
        raise TypeError(f"LeanRoute {path}: no lean resolver for {dependency.call!r}")
    return resolve


async def _json_body(request: Request) -> Any:
    """The body as FastAPI's general path reads it: decoded when it says it is JSON (a body
    that says nothing stays bytes under FastAPI's strict content type), else the raw bytes. A
    JSON decode error is the 422 FastAPI gives; anything else that breaks reading or decoding
    (bytes that are not UTF-8) its 400; an HTTP error raised while reading (the body limit's
    413) passes as it is."""
    try:
        raw = await request.body()
        if not raw:
            return Undefined  # FastAPI's 'no body was sent', apart from a JSON null
        content_type = request.headers.get("content-type")
        if content_type is None:
            return raw
        media = content_type.split(";", 1)[0].strip().lower()
        main, _, sub = media.partition("/")
        if main != "application" or not (sub == "json" or sub.endswith("+json")):
            return raw
        return json.loads(raw)
    except json.JSONDecodeError as e:
        raise RequestValidationError(
            [
                {
                    "type": "json_invalid",
                    "loc": ("body", e.pos),
                    "msg": "JSON decode error",
                    "input": {},
                    "ctx": {"error": e.msg},
                }
            ],
            body=e.doc,
        ) from e
    except HTTPException:
        raise
    except Exception as e:  # noqa: BLE001 - FastAPI's answer to a body it cannot read
        raise HTTPException(status_code=400, detail="There was an error parsing the body") from e

"""The OpenAPI document a generated client reads well: operation names, typed problems, examples.

Set once for the app (``install``), so a route added anywhere gets the same treatment:
- operation ids ``<tag>_<verb>`` derived from the router's first tag and the route function's
  name (``orders_place``, ``orders_get``), with ``OPERATION_ID_OVERRIDES`` where that reads badly;
- every error answer declared as ``Problem`` under ``application/problem+json``, with the
  statuses every route can give added in one place and the ``code`` values each operation can
  produce listed in ``x-problem-codes`` (``tiffin.api.problem_codes`` derives them);
- ``Retry-After`` and ``Idempotent-Replayed`` declared where they are sent;
- examples recorded from real answers (``tiffin/api/examples/*.json``, see ``EXAMPLES``).
"""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute, iter_route_contexts

from tiffin.api.idempotency import REPLAY_HEADER
from tiffin.api.problem_codes import DEFAULT_CODES, codes_by_status
from tiffin.api.problems import MEDIA_TYPE, Problem, ValidationDetail

# Where the derived name reads badly; keyed by the derived id, so a rename stays deliberate.
OPERATION_ID_OVERRIDES = {
    "accounts_log_in": "auth_login",
    "accounts_log_in_with_a_form": "auth_token",
    "accounts_log_out": "auth_logout",
    "accounts_change_password": "auth_change_password",
    "accounts_sign_up_customer": "auth_sign_up_customer",
    "accounts_sign_up_merchant": "auth_sign_up_merchant",
    "accounts_sign_up_rider": "auth_sign_up_rider",
    "accounts_who_am_i": "accounts_me",
    "accounts_list_reviews": "account_reviews_list",
    "accounts_approve": "account_reviews_approve",
    "accounts_refuse": "account_reviews_refuse",
    "merchants_detail": "merchants_get",
    "merchants_my": "merchants_me",
    "merchants_update_my": "merchants_update_me",
    "riders_my": "riders_me",
    "riders_my_offers": "riders_me_offers",
    "riders_offer_order": "orders_offer",
    "care_my_wallet": "care_wallet",
    "care_my_notifications": "care_notifications",
    "anomalies_my": "anomalies_mine",
    "trust_my": "trust_mine",
    "riders_accept_offer": "offers_accept",
    "riders_reject_offer": "offers_reject",
    "status_html_page": "status_page",
    "health_healthz": "health_live",
    "health_readyz": "health_ready",
    "health_metrics": "health_metrics",
}

# Summaries FastAPI makes from a function name that reads badly as a title (a route can also
# pass ``summary=`` itself).
SUMMARY_OVERRIDES = {
    "health_live": "Liveness",
    "health_ready": "Readiness",
    "auth_token": "Log in (OAuth2 password form)",
    "account_reviews_approve": "Approve an account",
    "account_reviews_refuse": "Refuse an account",
    "anomalies_take": "Take an anomaly",
    "anomalies_close": "Close an anomaly",
    "anomalies_feedback": "Rate how an anomaly was handled",
    "care_report": "Care report",
    "incidents_review": "Incident review (Markdown)",
    "trust_of": "Trust score of a customer, rider or merchant",
    "status_json": "Status (JSON)",
    "status_page": "Status page (HTML)",
    "dispatch_forecast": "Demand forecast",
}

_SINGULAR = {"anomalies": "anomaly", "statuses": "status"}


def _singular(word: str) -> str:
    return _SINGULAR.get(word, word[:-1] if word.endswith("s") else word)


def derived_operation_id(route: Any) -> str:
    """``<tag>_<function name>`` without the words that repeat the tag: ``place_order`` under
    ``orders`` is ``orders_place``. Routes without a tag use their package's name."""
    tag = str(route.tags[0]) if route.tags else route.endpoint.__module__.split(".")[1]
    tag = re.sub(r"\W", "_", tag.lower())
    repeats = {tag, _singular(tag)}
    words = [w for w in route.name.split("_") if w and w not in repeats]
    return "_".join([tag, *words]) if words else f"{tag}_{route.name}"


def operation_id(route: APIRoute) -> str:
    """The app's ``generate_unique_id_function``: the id a generated client names a function by."""
    derived = derived_operation_id(route)
    return OPERATION_ID_OVERRIDES.get(derived, derived)


EXAMPLES_DIR = Path(__file__).with_name("examples")


@cache
def load_examples() -> dict[str, dict[str, Any]]:
    """The recorded examples by operation id: {"request": ..., "responses": {status: body}}."""
    found: dict[str, dict[str, Any]] = {}
    if EXAMPLES_DIR.is_dir():
        for path in sorted(EXAMPLES_DIR.glob("*.json")):
            found[path.stem] = json.loads(path.read_text())
    return found


def _problem_response(status: int, codes: list[str]) -> dict[str, Any]:
    described = "Problem" + (": `code` is one of " + ", ".join(codes) if codes else "")
    response: dict[str, Any] = {
        "description": described,
        "content": {MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}},
    }
    if codes:
        response["x-problem-codes"] = codes
    if status in (429, 503):
        response["headers"] = {"Retry-After": RETRY_AFTER}
    return response


RETRY_AFTER = {
    "description": "Whole seconds to wait before trying again.",
    "schema": {"type": "integer", "minimum": 1},
}
REPLAYED = {
    "description": "`true` when this is the stored answer to an earlier request with the same "
    "Idempotency-Key (nothing was done again).",
    "schema": {"type": "string", "enum": ["true"]},
}


def _describe_problems(schema: dict[str, Any], routes: dict[tuple[str, str], Any]) -> None:
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    components["Problem"] = Problem.model_json_schema(ref_template="#/components/schemas/{model}")
    components["Problem"].pop("$defs", None)
    components["ValidationDetail"] = ValidationDetail.model_json_schema()
    for name in ("HTTPValidationError", "ValidationError"):
        components.pop(name, None)
    for path, operations in schema.get("paths", {}).items():
        for method, op in operations.items():
            route = routes.get((method.upper(), path))
            derived = codes_by_status(route) if route is not None else {}
            responses = op.setdefault("responses", {})
            statuses = {int(s) for s in responses if s.isdigit() and int(s) >= 400}
            statuses |= set(derived)
            if not route_is_problem_free(route):
                for status in sorted(statuses):
                    codes = derived.get(status) or DEFAULT_CODES.get(status, set())
                    responses[str(status)] = _problem_response(status, sorted(codes))
            if op.get("operationId") in _REPLAYING:
                for status, answer in responses.items():
                    if status.startswith("2"):
                        answer.setdefault("headers", {})[REPLAY_HEADER] = REPLAYED


# Operations answering with a stored response and ``Idempotent-Replayed`` on a retry.
_REPLAYING = {"orders_place"}


def route_is_problem_free(route: Any) -> bool:
    """Liveness answers nothing but 200; readiness's 503 is its own JSON, not a problem."""
    return route is not None and route.path_format in ("/healthz", "/readyz")


def _describe_readiness(schema: dict[str, Any]) -> None:
    ready = schema.get("paths", {}).get("/readyz", {}).get("get")
    if ready is not None:
        ready["responses"]["503"] = {
            "description": "Not ready: the same body as 200, with `ready: false`.",
            "headers": {"Retry-After": RETRY_AFTER},
            "content": {"application/json": {"schema": {"type": "object"}}},
        }


def _add_examples(schema: dict[str, Any]) -> None:
    examples = load_examples()
    for operations in schema.get("paths", {}).values():
        for op in operations.values():
            recorded = examples.get(op.get("operationId", ""))
            if recorded is None:
                continue
            body = op.get("requestBody", {}).get("content", {}).get("application/json")
            if body is not None and recorded.get("request") is not None:
                body["example"] = recorded["request"]
            for status, example in recorded.get("responses", {}).items():
                answer = op.get("responses", {}).get(status, {})
                for media in answer.get("content", {}).values():
                    media["example"] = example


def build(app: FastAPI) -> dict[str, Any]:
    """FastAPI's document, then the post-processing above."""
    schema = get_openapi(
        title=app.title,
        version=app.version,
        description=app.description,
        routes=app.routes,
        tags=app.openapi_tags,
    )
    routes: dict[tuple[str, str], Any] = {
        (str(method), str(route.path_format)): route
        for route in iter_route_contexts(app.routes)
        if getattr(route, "endpoint", None) is not None
        for method in getattr(route, "methods", None) or ()
    }
    for operations in schema.get("paths", {}).values():
        for op in operations.values():
            op["summary"] = SUMMARY_OVERRIDES.get(op.get("operationId", ""), op.get("summary"))
    _describe_problems(schema, routes)
    _describe_readiness(schema)
    _add_examples(schema)
    return schema


def install(app: FastAPI) -> None:
    """Serve the post-processed document at /openapi.json (built once, on first request)."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = build(app)
        return app.openapi_schema

    setattr(app, "openapi", openapi)  # noqa: B010 - FastAPI's documented override point

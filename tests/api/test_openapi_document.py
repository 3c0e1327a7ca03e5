"""The OpenAPI document reads well to a client generator: names, descriptions, typed problems."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import pytest

from tiffin.api.app import create_app
from tiffin.api.problems import MEDIA_TYPE
from tiffin.platform import Platform
from tiffin.settings import Settings

SNAPSHOT = Path(__file__).with_name("operation_ids.txt")
PROBLEM = {"$ref": "#/components/schemas/Problem"}
# FastAPI's default ids end in the path and the method: place_order_v1_orders_post.
DEFAULT_ID_NOISE = re.compile(r"_v1_|_v1$|.+_.+_(get|post|put|patch|delete)$")


@pytest.fixture(scope="module")
def document(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Building the document connects to nothing: the database file is never created."""
    url = f"sqlite:///{tmp_path_factory.mktemp('openapi') / 'unused.db'}"
    return create_app(platform=Platform.build(Settings(database_url=url))).openapi()


def _operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method.upper(), path, op)
        for path, operations in document["paths"].items()
        for method, op in operations.items()
    ]


def test_every_operation_has_an_id_a_summary_and_a_description(document: dict[str, Any]) -> None:
    missing = [
        f"{method} {path}: {field}"
        for method, path, op in _operations(document)
        for field in ("operationId", "summary", "description")
        if not op.get(field, "").strip()
    ]
    assert missing == []


def test_operation_ids_are_unique_and_free_of_path_and_method_noise(
    document: dict[str, Any],
) -> None:
    ids = [op["operationId"] for _, _, op in _operations(document)]
    assert len(ids) == len(set(ids))
    assert [i for i in ids if DEFAULT_ID_NOISE.search(i)] == []
    assert all(re.fullmatch(r"[a-z][a-z0-9_]*", i) for i in ids)


def test_operation_ids_match_the_snapshot(document: dict[str, Any]) -> None:
    """A rename changes every generated client's function names: make it deliberate, by updating
    tests/api/operation_ids.txt in the same commit (new routes too), e.g. with
    ``TIFFIN_UPDATE_SNAPSHOT=1 python -m pytest tests/api/test_openapi_document.py``."""
    now = sorted(
        f"{op['operationId']} {method} {path}" for method, path, op in _operations(document)
    )
    if os.environ.get("TIFFIN_UPDATE_SNAPSHOT") == "1":
        SNAPSHOT.write_text("\n".join(now) + "\n")
    assert now == SNAPSHOT.read_text().split("\n")[:-1]


def test_every_error_status_declares_the_problem_schema_under_problem_json(
    document: dict[str, Any],
) -> None:
    wrong = []
    for method, path, op in _operations(document):
        for status, answer in op["responses"].items():
            if int(status) < 400 or path == "/readyz":
                continue
            if answer.get("content") != {MEDIA_TYPE: {"schema": PROBLEM}} and not (
                MEDIA_TYPE in answer.get("content", {})
                and answer["content"][MEDIA_TYPE]["schema"] == PROBLEM
                and len(answer["content"]) == 1
            ):
                wrong.append(f"{method} {path} {status}")
    assert wrong == []
    problem = document["components"]["schemas"]["Problem"]
    assert {"type", "title", "status", "detail", "instance", "code", "errors"} <= set(
        problem["properties"]
    )


def test_problem_codes_are_listed_per_status_from_the_code_that_raises_them(
    document: dict[str, Any],
) -> None:
    place = document["paths"]["/v1/orders"]["post"]["responses"]
    assert "idempotency_key_reused" in place["422"]["x-problem-codes"]
    assert "validation_error" in place["422"]["x-problem-codes"]
    assert {"missing_token", "token_expired"} <= set(place["401"]["x-problem-codes"])
    assert "customer_only" in place["403"]["x-problem-codes"]
    pickup = document["paths"]["/v1/orders/{order_id}/pickup"]["post"]["responses"]
    assert "food_not_ready" in pickup["409"]["x-problem-codes"]
    operators_only = document["paths"]["/v1/incidents"]["get"]["responses"]
    assert "operator_only" in operators_only["403"]["x-problem-codes"]


def test_authenticated_and_body_taking_operations_declare_their_common_problems(
    document: dict[str, Any],
) -> None:
    for _, path, op in _operations(document):
        statuses = set(op["responses"])
        if op.get("security"):
            assert "401" in statuses, path
        if op.get("requestBody"):
            assert {"400", "413", "415", "422"} <= statuses, path
        if path.startswith("/v1/"):
            assert "503" in statuses, path


def test_retry_after_and_idempotent_replayed_are_declared_where_sent(
    document: dict[str, Any],
) -> None:
    for _, path, op in _operations(document):
        for status in ("429", "503"):
            if status in op["responses"]:
                assert "Retry-After" in op["responses"][status].get("headers", {}), (path, status)
    placed = document["paths"]["/v1/orders"]["post"]["responses"]["201"]
    assert "Idempotent-Replayed" in placed["headers"]

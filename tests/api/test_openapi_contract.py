"""Schemathesis over the OpenAPI schema: no 5xx, and every answer matches what the schema says.

Requests are generated for every operation, authenticated as the demo operator or a customer,
against a seeded SQLite database (the PostgreSQL behaviour of the same code is covered by the
parametrised API tests).
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from sqlalchemy import select

from tests.conftest import make_platform
from tiffin.accounts.service import issue_token
from tiffin.api.app import create_app
from tiffin.clock import ManualClock
from tiffin.seed import seed_demo
from tiffin.store import tables

TOKENS: dict[str, str] = {}
_DB_FILE = Path(tempfile.mkdtemp(prefix="tiffin-contract-")) / "tiffin.db"
# Building the platform connects to nothing; the fixture below migrates and seeds it.
_PLATFORM = make_platform(f"sqlite:///{_DB_FILE}", ManualClock())
schema = schemathesis.openapi.from_asgi("/openapi.json", create_app(platform=_PLATFORM))


@pytest.fixture(scope="module", autouse=True)
def seeded_database() -> Iterator[None]:
    _PLATFORM.db.migrate()
    with _PLATFORM.uow() as uow:
        seed_demo(uow)
        uow.commit()
    with _PLATFORM.uow() as uow:
        for who in ("ops", "student1"):
            user_id = uow.conn.execute(
                select(tables.users.c.id).where(tables.users.c.email == f"{who}@campus.test")
            ).scalar_one()
            TOKENS[who], _ = issue_token(uow, user_id, now=uow.clock.now(), ttl=timedelta(days=1))
        uow.commit()
    yield
    _PLATFORM.db.dispose()
    shutil.rmtree(_DB_FILE.parent, ignore_errors=True)


@schema.parametrize()
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
        HealthCheck.function_scoped_fixture,
    ],
)
def test_api_honours_its_schema(case: schemathesis.Case) -> None:
    who = "student1" if case.path.startswith("/v1/orders") and case.method == "POST" else "ops"
    case.call_and_validate(
        headers={"Authorization": f"Bearer {TOKENS[who]}"},
        # Every check Schemathesis has: besides the answers' status codes, schemas and content
        # types, the headers, Allow on 405, refusing bad data and taking good data, auth that is
        # not ignored, and resources that stay available.
        checks=None,
    )

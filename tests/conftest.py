"""Shared fixtures: databases (SQLite and a real PostgreSQL), platforms, a seeded demo world.

PostgreSQL tests skip with a loud reason only when no server answers; with
``TIFFIN_REQUIRE_POSTGRES=1`` (set by ``.ci/run``) an unreachable server fails the run instead.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url

from tiffin.accounts.service import issue_token
from tiffin.api.app import create_app
from tiffin.clock import ManualClock
from tiffin.platform import Platform
from tiffin.seed import seed_demo
from tiffin.settings import Settings
from tiffin.store import tables
from tiffin.store.db import Database
from tiffin.store.tables import metadata

pytest_plugins = ["tests.providers"]  # the local HTTP provider fixture for webhook tests

POSTGRES_ADMIN_URL = os.environ.get(
    "TIFFIN_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
REQUIRE_POSTGRES = os.environ.get("TIFFIN_REQUIRE_POSTGRES") == "1"


def _postgres_unavailable(reason: str) -> None:
    message = f"PostgreSQL NOT TESTED: {reason} (set TIFFIN_TEST_POSTGRES_URL)"
    if REQUIRE_POSTGRES:
        pytest.fail(message + " and TIFFIN_REQUIRE_POSTGRES=1 demands it")
    pytest.skip(message)


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A fresh, migrated PostgreSQL database for this test session, dropped at the end."""
    admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    name = f"tiffin_test_{uuid.uuid4().hex[:10]}"
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # noqa: BLE001 - any failure to reach the server means "not here"
        admin.dispose()
        _postgres_unavailable(f"{type(exc).__name__}: {exc}".splitlines()[0])
    url = make_url(POSTGRES_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    db = Database(url)
    db.migrate()
    db.dispose()
    yield url
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file, copied for each test (running Alembic per test is slow)."""
    path = tmp_path_factory.mktemp("template") / "template.db"
    db = Database(f"sqlite:///{path}")
    db.migrate()
    db.dispose()
    return path


def _truncate_postgres(url: str) -> None:
    engine = create_engine(url)
    names = ", ".join(f'"{t.name}"' for t in metadata.sorted_tables)
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path, sqlite_template: Path) -> str:
    """Each test that takes this runs on SQLite and on PostgreSQL, each in isolation."""
    if request.param == "sqlite":
        path = tmp_path / "tiffin.db"
        shutil.copy(sqlite_template, path)
        return f"sqlite:///{path}"
    url: str = request.getfixturevalue("postgres_url")
    _truncate_postgres(url)
    return url


@pytest.fixture
def sqlite_url(tmp_path: Path, sqlite_template: Path) -> str:
    path = tmp_path / "tiffin.db"
    shutil.copy(sqlite_template, path)
    return f"sqlite:///{path}"


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


def make_platform(url: str, clock: ManualClock) -> Platform:
    settings = Settings(database_url=url, run_workers=False)
    return Platform(settings=settings, db=Database(url), clock=clock)


@pytest.fixture
def platform(database_url: str, clock: ManualClock) -> Iterator[Platform]:
    p = make_platform(database_url, clock)
    yield p
    p.db.dispose()


@dataclass
class World:
    """The demo campus (and optionally a second tenant), with a token per demo account."""

    platform: Platform
    client: TestClient
    tokens: dict[str, str] = field(default_factory=dict)
    subjects: dict[str, str | None] = field(default_factory=dict)

    def auth(self, who: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[who]}"}

    def seed(self, slug: str) -> None:
        with self.platform.uow() as uow:
            logins = seed_demo(uow, slug=slug)
            uow.commit()
        with self.platform.uow() as uow:
            for login in logins:
                row = uow.conn.execute(
                    select(tables.users.c.id, tables.users.c.subject_id).where(
                        tables.users.c.email == login.email
                    )
                ).one()
                who = login.email.split("@")[0] + ("" if slug == "campus" else f"@{slug}")
                token, _ = issue_token(uow, row.id, now=uow.clock.now(), ttl=timedelta(hours=12))
                self.tokens[who] = token
                self.subjects[who] = row.subject_id
            uow.commit()

    def drain(self) -> int:
        """Run the outbox consumers until nothing is left (workers are off in tests)."""
        return self.platform.outbox_runner().run_until_idle()


@pytest.fixture
def world(platform: Platform) -> World:
    w = World(platform=platform, client=TestClient(create_app(platform=platform)))
    w.seed("campus")
    return w


_postgres_passed = 0


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    global _postgres_passed
    if report.when == "call" and report.passed and "postgresql" in report.nodeid:
        _postgres_passed += 1


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Under CI, a run in which no PostgreSQL test passed is a failed run."""
    selected_all = not session.config.option.keyword and not session.config.option.markexpr
    if REQUIRE_POSTGRES and selected_all and _postgres_passed == 0 and exitstatus == 0:
        print("\nFAILED: TIFFIN_REQUIRE_POSTGRES=1 but no PostgreSQL test passed")
        session.exitstatus = 1

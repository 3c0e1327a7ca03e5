"""Scheduled drills on SQLite and PostgreSQL: the runner claims what is due (from the injected
clock), one at a time, runs the real drill in a child process against a staging database and
records the run with the drill's figures; the live database is refused even if a schedule
names it; a staging database holding someone else's data is refused by the drill itself."""

from __future__ import annotations

import os
import threading
import time
import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import create_engine, insert, select, text
from sqlalchemy.engine import make_url

from tests.conftest import POSTGRES_ADMIN_URL
from tiffin.clock import ManualClock
from tiffin.platform import Platform
from tiffin.resilience import drill_queue, drill_schedule
from tiffin.resilience.drill_model import DrillKind, RunStatus, ScheduleState
from tiffin.seed import seed_demo
from tiffin.settings import Settings
from tiffin.store import tables
from tiffin.store.db import Database

HOUR = timedelta(hours=1)


@pytest.fixture
def staging(database_url: str, tmp_path: Path) -> Iterator[str]:
    """A staging database of the same kind as the live one: a new file, or a new PostgreSQL
    database on the same server (dropped afterwards)."""
    if database_url.startswith("sqlite"):
        yield f"sqlite:///{tmp_path}/staging.db"
        return
    admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    name = f"tiffin_staging_{uuid.uuid4().hex[:10]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield make_url(database_url).set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture
def tenant_id(platform: Platform) -> str:
    with platform.uow() as uow:
        seed_demo(uow)
        uow.commit()
    with platform.uow(read_only=True) as uow:
        found = uow.tenants.with_slug("campus")
        assert found is not None
        return found.id


def _schedule(platform: Platform, tenant_id: str, url: str, **params: int) -> str:
    with platform.uow() as uow:
        made = drill_schedule.schedule(
            uow,
            tenant_id=tenant_id,
            scheduled_by="test",
            kind=DrillKind.OVERLOAD,
            url=url,
            every_seconds=3600,
            live_url=platform.settings.database_url,
            first_run_at=platform.clock.now() + HOUR,
            params=params or {"seconds": 1},
        )
        uow.commit()
    return made.id


def _claim(platform: Platform) -> drill_queue.Claimed | None:
    with platform.uow() as uow:
        claimed = drill_queue.claim_next(uow, runner="test", timeout=HOUR)
        uow.commit()
    return claimed


def _finish(platform: Platform, run_id: str) -> None:
    with platform.uow() as uow:
        assert drill_queue.finish(uow, run_id, RunStatus.PASSED, figures={"lost": 0})
        uow.commit()


def test_a_schedule_is_claimed_when_due_once_per_slot_and_one_run_at_a_time(
    platform: Platform, clock: ManualClock, tenant_id: str, staging: str
) -> None:
    first = _schedule(platform, tenant_id, staging)
    second = _schedule(platform, tenant_id, staging)
    assert _claim(platform) is None  # not due for an hour
    clock.advance(HOUR * 2.5)  # both overdue; the runner was away for two slots
    claimed = _claim(platform)
    assert claimed is not None and claimed.schedule.id in (first, second)
    assert claimed.run.status is RunStatus.RUNNING and claimed.run.trigger == "schedule"
    assert _claim(platform) is None  # one drill at a time
    _finish(platform, claimed.run.id)
    then = _claim(platform)
    assert then is not None and {then.schedule.id, claimed.schedule.id} == {first, second}
    _finish(platform, then.run.id)
    assert _claim(platform) is None  # each slot once
    with platform.uow(read_only=True) as uow:
        moved = drill_schedule.get(uow, tenant_id, first)
        runs = drill_schedule.runs_of(uow, tenant_id, limit=10)
    start = clock.now() - HOUR * 2.5
    assert moved.next_run_at == start + HOUR * 3  # the next slot still ahead, on the grid
    assert [r.status for r in runs] == [RunStatus.PASSED, RunStatus.PASSED]


def test_run_now_comes_first_and_a_stalled_run_is_reaped(
    platform: Platform, clock: ManualClock, tenant_id: str, staging: str
) -> None:
    drill = _schedule(platform, tenant_id, staging)
    with platform.uow() as uow:
        drill_schedule.set_state(uow, tenant_id, drill, ScheduleState.PAUSED)
        asked = drill_schedule.request_run(uow, tenant_id, drill, requested_by="ops")
        uow.commit()
    clock.advance(HOUR * 2)
    claimed = _claim(platform)
    assert claimed is not None and claimed.run.id == asked.id  # paused: only the asked run
    clock.advance(HOUR * 2)  # its runner died mid-drill
    assert _claim(platform) is None  # paused, nothing queued; the stalled run is reaped
    with platform.uow(read_only=True) as uow:
        reaped = drill_schedule.run_of(uow, tenant_id, asked.id)
    assert reaped.status is RunStatus.ERROR and "did not finish" in (reaped.detail or "")


def test_a_due_drill_runs_against_staging_and_its_history_is_recorded(
    platform: Platform, clock: ManualClock, tenant_id: str, staging: str
) -> None:
    """The whole path with the shortest real drill: overload for one second."""
    drill = _schedule(platform, tenant_id, staging, seconds=1)
    assert platform.run_drills() == 0  # not due yet
    clock.advance(HOUR)
    assert platform.run_drills() == 1
    with platform.uow(read_only=True) as uow:
        (run,) = drill_schedule.runs_of(uow, tenant_id, limit=10)
        last = drill_schedule.last_finished(uow, tenant_id)
    assert run.schedule_id == drill and run.trigger == "schedule"
    assert run.status in (RunStatus.PASSED, RunStatus.FAILED), run.detail
    assert run.figures is not None and run.figures["lost"] == 0, run.figures
    assert run.figures["duplicated"] == 0 and run.figures["acknowledged"] > 0
    assert run.started_at is not None and run.finished_at is not None
    assert last is not None and last.id == run.id
    # the drill ran on the staging database, and wrote nothing to the live one
    staging_db = Database(staging)
    with staging_db.engine.connect() as conn:
        assert conn.execute(select(tables.orders.c.id).limit(1)).first() is not None
    staging_db.dispose()
    with platform.uow(read_only=True) as uow:
        assert uow.conn.execute(select(tables.orders.c.id).limit(1)).first() is None


def test_the_runner_refuses_a_schedule_naming_the_live_database(
    platform: Platform, clock: ManualClock, tenant_id: str
) -> None:
    """Written past the guard (by hand, or an older version): the runner looks again."""
    now = clock.now()
    with platform.uow() as uow:
        uow.conn.execute(
            insert(tables.drill_schedules).values(
                id="drl_live",
                tenant_id=tenant_id,
                kind="crash",
                staging_url=platform.settings.database_url,
                params={"kills": 1},
                every_seconds=3600,
                next_run_at=now,
                state="active",
                scheduled_by="someone",
                created_at=now,
                updated_at=now,
            )
        )
        uow.commit()
    assert platform.run_drills() == 1
    with platform.uow(read_only=True) as uow:
        (run,) = drill_schedule.runs_of(uow, tenant_id, limit=10)
    assert run.status is RunStatus.ERROR and "live database" in (run.detail or "")


def test_a_staging_database_with_someone_elses_data_is_refused_by_the_drill(
    platform: Platform, clock: ManualClock, tenant_id: str, staging: str
) -> None:
    other = Platform.build(Settings(database_url=staging, run_workers=False))
    other.db.migrate()
    with other.uow() as uow:
        seed_demo(uow)
        uow.commit()
    other.db.dispose()
    _schedule(platform, tenant_id, staging)
    clock.advance(HOUR)
    assert platform.run_drills() == 1
    with platform.uow(read_only=True) as uow:
        (run,) = drill_schedule.runs_of(uow, tenant_id, limit=10)
    assert run.status is RunStatus.ERROR and "did not create" in (run.detail or ""), run.detail


def test_a_shutdown_mid_drill_stops_its_processes_and_records_an_error(
    platform: Platform, clock: ManualClock, tenant_id: str, tmp_path: Path
) -> None:
    _schedule(platform, tenant_id, f"sqlite:///{tmp_path}/staging.db", seconds=600)
    clock.advance(HOUR)
    runner = platform.drill_runner()
    worker = threading.Thread(target=runner.run_due)
    worker.start()
    deadline = time.monotonic() + 30
    while runner.current is None and time.monotonic() < deadline:
        time.sleep(0.05)
    drill = runner.current
    assert drill is not None
    time.sleep(2)  # let it start its server
    runner.stop.set()
    worker.join(timeout=30)
    assert not worker.is_alive()
    assert _group_gone(drill.pid, within=10)  # the drill and its servers
    with platform.uow(read_only=True) as uow:
        (run,) = drill_schedule.runs_of(uow, tenant_id, limit=10)
    assert run.status is RunStatus.ERROR and "shut down" in (run.detail or "")


def _group_gone(pgid: int, *, within: float) -> bool:
    """Whether process group ``pgid`` is empty within ``within`` seconds (a SIGKILLed process
    takes a moment to go, and an orphan is reaped by init)."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            os.killpg(pgid, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.1)
    return False

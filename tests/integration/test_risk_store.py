"""Migration 0010 builds exactly the risk tables the metadata declares, on both databases, and
the feature reads see what happened in their windows."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from tiffin.platform import Platform
from tiffin.risk import features
from tiffin.risk.counters import MemoryCounters, RedisCounters, WindowCounters
from tiffin.seed import seed_demo
from tiffin.store import tables


def test_migration_matches_the_risk_tables(platform: Platform) -> None:
    with platform.db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), tables.metadata)
    risky = [d for d in diff if "risk_" in repr(d)]
    assert risky == []


def test_devices_are_remembered_once_and_counted_per_tenant(platform: Platform) -> None:
    with platform.uow() as uow:
        seed_demo(uow, slug="campus")
        customers = [r.id for r in uow.conn.execute(tables.customers.select().limit(3))]
        tenant = uow.conn.execute(tables.tenants.select()).first()
        assert tenant is not None
        for customer in customers + customers[:1]:
            features.remember_device(uow, tenant.id, "shared-phone", customer)
        uow.commit()
    platform.clock.advance(timedelta(days=8))
    with platform.uow(read_only=True) as uow:
        read = features.read(
            uow, features.Subject(tenant.id, customers[0], device_id="shared-phone")
        )
    assert read["accounts_on_device"] == 3
    assert read["new_account"] is False and read["account_age_days"] >= 8
    assert read["claims_30d"] == 0 and read["claims_per_delivered_30d"] == 0.0


def _windows_count_right(counters: WindowCounters) -> None:
    start = datetime(2026, 11, 30, 12, tzinfo=UTC)
    key = f"t:customer:{uuid.uuid4().hex}"
    for minutes in (0, 10, 60 * 10, 60 * 30 - 30, 60 * 30):
        counters.hit(key, start + timedelta(minutes=minutes))
    now = start + timedelta(minutes=60 * 30)
    assert counters.count(key, now - timedelta(hours=1), now) == 2
    assert counters.count(key, now - timedelta(days=1), now) == 3
    assert counters.count(key, now - timedelta(days=30), now) == 5
    assert counters.count("t:customer:nobody", now - timedelta(days=30), now) == 0


def test_memory_counters_slide_with_the_clock() -> None:
    _windows_count_right(MemoryCounters())


def test_redis_counters_slide_with_the_clock() -> None:
    try:
        counters = RedisCounters("redis://127.0.0.1:6379/15", prefix="tiffin-test:")
        counters._redis.ping()
    except Exception as exc:  # noqa: BLE001 - any failure to reach Redis means skip
        pytest.skip(f"no Redis: {exc}")
    _windows_count_right(counters)

"""Every migration goes down and up again on a database holding data, on both databases: a
rollback is a tool an operator may need on a bad day. SQLite's batch copies were the trap
(0011 recreated ``tenants``, which other tables' foreign keys point at; 0017 recreated
``customers`` and lost the catalog triggers 0006 then tried to drop): those now use plain
``DROP COLUMN``."""

from __future__ import annotations

from alembic import command
from sqlalchemy import inspect

from tests.integration.helpers import seeded
from tiffin.platform import Platform
from tiffin.seed import seed_demo
from tiffin.store.db import alembic_config


def _migrate(platform: Platform, target: str) -> None:
    with platform.db.engine.begin() as conn:
        cfg = alembic_config(platform.db.url)
        cfg.attributes["connection"] = conn
        if target == "head":
            command.upgrade(cfg, target)
        else:
            command.downgrade(cfg, target)


def test_a_database_with_data_goes_down_to_nothing_and_up_again(platform: Platform) -> None:
    seeded(platform)  # the demo campus, with its orders' tables, triggers and rows
    _migrate(platform, "0010")  # below 0011 (time zones) and 0017 (phones)
    with platform.db.engine.connect() as conn:
        assert "time_zone" not in {c["name"] for c in inspect(conn).get_columns("tenants")}
    _migrate(platform, "base")
    with platform.db.engine.connect() as conn:
        assert "tenants" not in inspect(conn).get_table_names()
    _migrate(platform, "head")
    assert platform.db.schema_is_current()
    with platform.uow() as uow:  # a usable schema again, triggers and all
        seed_demo(uow, slug="campus")
        uow.commit()

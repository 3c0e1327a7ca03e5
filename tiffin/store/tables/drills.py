"""Scheduled drills (issue 21): crash, failover and overload drills an operator points at a
staging database on a cadence, and the record of every run with its figures."""

from __future__ import annotations

from sqlalchemy import JSON, Column, ForeignKey, Index, Integer, String, Table

from tiffin.store.tables.base import ID, metadata
from tiffin.store.types import UTCDateTime

drill_schedules = Table(
    "drill_schedules",
    metadata,
    Column("id", ID, primary_key=True),
    Column("tenant_id", ID, ForeignKey("tenants.id"), nullable=False),
    Column("kind", String(20), nullable=False),  # crash | failover | overload
    Column("staging_url", String(500), nullable=False),
    Column("params", JSON, nullable=False),  # kills, seconds, zones, load_seconds
    Column("every_seconds", Integer, nullable=False),
    Column("next_run_at", UTCDateTime, nullable=False),
    Column("state", String(10), nullable=False),  # active | paused | deleted
    Column("scheduled_by", String(80), nullable=False),  # "operator:usr_..." or "cli:<login>"
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Index("ix_drill_schedules_state_next", "state", "next_run_at"),
    Index("ix_drill_schedules_tenant_created", "tenant_id", "created_at"),
)

drill_runs = Table(
    "drill_runs",
    metadata,
    Column("id", ID, primary_key=True),
    Column("tenant_id", ID, ForeignKey("tenants.id"), nullable=False),
    Column("schedule_id", ID, ForeignKey("drill_schedules.id"), nullable=False),
    Column("kind", String(20), nullable=False),
    Column("trigger", String(10), nullable=False),  # schedule | manual
    Column("requested_by", String(80), nullable=False),
    Column("requested_at", UTCDateTime, nullable=False),
    Column("status", String(10), nullable=False),  # queued | running | passed | failed | error
    Column("started_at", UTCDateTime),
    Column("finished_at", UTCDateTime),
    Column("runner", String(80)),  # the process that ran it (host:pid)
    Column("figures", JSON),  # the drill's own JSON report
    Column("detail", String(1000)),  # why it is an error
    Index("ix_drill_runs_tenant_requested", "tenant_id", "requested_at"),
    Index("ix_drill_runs_status", "status"),
    Index("ix_drill_runs_schedule", "schedule_id"),
)

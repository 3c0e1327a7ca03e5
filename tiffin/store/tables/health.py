"""Rider health and safety (issue 18): tenant rules, health check-ins (purged after the tenant's
retention period), training, insurance and protective equipment."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    UniqueConstraint,
)

from tiffin.store.tables.base import ID, metadata
from tiffin.store.types import UTCDateTime

# --- issue 18: rider health and safety -------------------------------------------------------

safety_rules = Table(
    "safety_rules",
    metadata,
    Column("tenant_id", ID, ForeignKey("tenants.id"), primary_key=True),
    Column("public_health_mode", Boolean, nullable=False),
    Column("require_checkin", Boolean, nullable=False),
    Column("max_temperature_tenths", Integer, nullable=False),
    Column("require_negative_test", Boolean, nullable=False),
    Column("checkin_valid_hours", Integer, nullable=False),
    Column("require_training", Boolean, nullable=False),
    Column("require_insurance", Boolean, nullable=False),
    Column("retention_days", Integer, nullable=False),
    Column("updated_by", ID, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
)

health_checkins = Table(
    "health_checkins",
    metadata,
    Column("id", ID, primary_key=True),
    Column("tenant_id", ID, ForeignKey("tenants.id"), nullable=False),
    Column("rider_id", ID, ForeignKey("riders.id"), nullable=False),
    Column("at", UTCDateTime, nullable=False),
    Column("temperature_tenths", Integer, nullable=False),
    Column("symptoms", JSON, nullable=False),
    Column("test_result", String(20)),
    Column("passed", Boolean, nullable=False),
    Column("refusals", JSON, nullable=False),
    Index("ix_health_checkins_rider_at", "rider_id", "at"),
    Index("ix_health_checkins_tenant_at", "tenant_id", "at"),
)

training_courses = Table(
    "training_courses",
    metadata,
    Column("id", ID, primary_key=True),
    Column("tenant_id", ID, ForeignKey("tenants.id"), nullable=False),
    Column("name", String(120), nullable=False),
    Column("validity_days", Integer, nullable=False),
    Column("required_in", JSON, nullable=False),  # the modes that require it
    Column("created_by", ID, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    UniqueConstraint("tenant_id", "name", name="uq_training_courses_tenant_name"),
)

training_records = Table(
    "training_records",
    metadata,
    Column("id", ID, primary_key=True),
    Column("tenant_id", ID, ForeignKey("tenants.id"), nullable=False),
    Column("rider_id", ID, ForeignKey("riders.id"), nullable=False, index=True),
    Column("course_id", ID, ForeignKey("training_courses.id"), nullable=False),
    Column("completed_at", UTCDateTime, nullable=False),
    Column("valid_until", UTCDateTime, nullable=False),
    Column("recorded_by", ID, nullable=False),
)

insurance_policies = Table(
    "insurance_policies",
    metadata,
    Column("id", ID, primary_key=True),
    Column("tenant_id", ID, ForeignKey("tenants.id"), nullable=False),
    Column("rider_id", ID, ForeignKey("riders.id"), nullable=False, index=True),
    Column("insurer", String(120), nullable=False),
    Column("policy_number", String(60), nullable=False),
    Column("valid_from", UTCDateTime, nullable=False),
    Column("valid_until", UTCDateTime, nullable=False),
    Column("recorded_by", ID, nullable=False),
    UniqueConstraint("tenant_id", "policy_number", name="uq_insurance_policies_tenant_number"),
)

equipment_stock = Table(
    "equipment_stock",
    metadata,
    Column("tenant_id", ID, ForeignKey("tenants.id"), primary_key=True),
    Column("station", String(80), primary_key=True),
    Column("item", String(80), primary_key=True),
    Column("quantity", Integer, nullable=False),
    Column("updated_by", ID, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
)

equipment_issues = Table(
    "equipment_issues",
    metadata,
    Column("id", ID, primary_key=True),
    Column("tenant_id", ID, ForeignKey("tenants.id"), nullable=False),
    Column("rider_id", ID, ForeignKey("riders.id"), nullable=False, index=True),
    Column("station", String(80), nullable=False),
    Column("item", String(80), nullable=False),
    Column("quantity", Integer, nullable=False),
    Column("issued_at", UTCDateTime, nullable=False),
    Column("valid_until", UTCDateTime, nullable=False),
    Column("issued_by", ID, nullable=False),
)

# --- issue 18: telemetry and alerts ------------------------------------------------------------

rider_telemetry = Table(
    "rider_telemetry",
    metadata,
    Column(
        "id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    ),
    Column("tenant_id", ID, nullable=False),
    Column("rider_id", ID, nullable=False),
    Column("at", UTCDateTime, nullable=False),
    Column("lat", Float, nullable=False),
    Column("lon", Float, nullable=False),
    Column("speed_mps", Float, nullable=False),
    Column("impact", Boolean, nullable=False),
    Index("ix_rider_telemetry_rider_at", "rider_id", "at"),
    Index("ix_rider_telemetry_tenant_at", "tenant_id", "at"),
)

rider_alerts = Table(
    "rider_alerts",
    metadata,
    Column("id", ID, primary_key=True),
    Column("tenant_id", ID, ForeignKey("tenants.id"), nullable=False),
    Column("rider_id", ID, ForeignKey("riders.id"), nullable=False),
    Column("kind", String(20), nullable=False),
    Column("at", UTCDateTime, nullable=False),
    Column("lat", Float, nullable=False),
    Column("lon", Float, nullable=False),
    Column("detail", String(300), nullable=False),
    Column("dedupe_key", String(120), nullable=False),
    UniqueConstraint("dedupe_key", name="uq_rider_alerts_dedupe_key"),
    Index("ix_rider_alerts_tenant_at", "tenant_id", "at"),
)

trace_queries = Table(
    "trace_queries",
    metadata,
    Column("id", ID, primary_key=True),
    Column("tenant_id", ID, ForeignKey("tenants.id"), nullable=False),
    Column("asked_by", ID, nullable=False),
    Column("why", String(500), nullable=False),
    Column("subject", String(20), nullable=False),
    Column("subject_id", ID),
    Column("lat", Float),
    Column("lon", Float),
    Column("since", UTCDateTime, nullable=False),
    Column("until", UTCDateTime, nullable=False),
    Column("radius_m", Float, nullable=False),
    Column("asked_at", UTCDateTime, nullable=False),
    Index("ix_trace_queries_tenant_asked", "tenant_id", "asked_at"),
)

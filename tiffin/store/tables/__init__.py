"""The schema, as SQLAlchemy Core tables, one module per area. Alembic migrations are written
against this metadata; ``tables.orders`` and ``from tiffin.store.tables import metadata`` work
as before."""

from tiffin.store.tables.base import ID, metadata
from tiffin.store.tables.care import (
    anomalies,
    anomaly_actions,
    call_list,
    coupons,
    feedback,
    force_majeure,
    grants,
    ledger_postings,
    notification_attempts,
    notifications,
    operator_notices,
    tenant_policies,
)
from tiffin.store.tables.health import (
    equipment_issues,
    equipment_stock,
    health_checkins,
    insurance_policies,
    rider_alerts,
    rider_telemetry,
    safety_rules,
    trace_queries,
    training_courses,
    training_records,
)
from tiffin.store.tables.incidents import (
    incident_confirmations,
    incident_updates,
    incidents,
    status_subscribers,
)
from tiffin.store.tables.leases import leases
from tiffin.store.tables.messaging import consumer_offsets, idempotency_keys, inbox_messages, outbox
from tiffin.store.tables.orders import offers, order_lines, order_transitions, orders
from tiffin.store.tables.people import customers, menu_items, merchants, rider_shifts, riders
from tiffin.store.tables.safety import risk_zones
from tiffin.store.tables.security import (
    account_reviews,
    login_failures,
    status_subscription_owners,
)
from tiffin.store.tables.tenancy import (
    catalog_versions,
    tenants,
    tokens,
    users,
    workload_caps,
    zones,
)

__all__ = [
    "ID",
    "metadata",
    "tenants",
    "zones",
    "catalog_versions",
    "workload_caps",
    "users",
    "tokens",
    "merchants",
    "menu_items",
    "customers",
    "riders",
    "rider_shifts",
    "orders",
    "order_lines",
    "order_transitions",
    "offers",
    "outbox",
    "consumer_offsets",
    "idempotency_keys",
    "inbox_messages",
    "risk_zones",
    "login_failures",
    "account_reviews",
    "incident_confirmations",
    "status_subscription_owners",
    "anomalies",
    "anomaly_actions",
    "notifications",
    "notification_attempts",
    "call_list",
    "grants",
    "ledger_postings",
    "coupons",
    "feedback",
    "operator_notices",
    "tenant_policies",
    "force_majeure",
    "incidents",
    "incident_updates",
    "status_subscribers",
    "leases",
    "safety_rules",
    "health_checkins",
    "training_courses",
    "training_records",
    "insurance_policies",
    "equipment_stock",
    "equipment_issues",
    "rider_telemetry",
    "rider_alerts",
    "trace_queries",
]

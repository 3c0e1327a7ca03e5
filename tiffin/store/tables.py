"""The schema, as SQLAlchemy Core tables. Alembic migrations are written against this metadata."""

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
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from tiffin.store.types import UTCDateTime

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

ID = String(40)

tenants = Table(
    "tenants",
    metadata,
    Column("id", ID, primary_key=True),
    Column("slug", String(60), nullable=False, unique=True),
    Column("name", String(200), nullable=False),
    Column("delivery_fee_cents", Integer, nullable=False),
    Column("rider_speed_m_per_min", Float, nullable=False),
    Column("promise_buffer_minutes", Integer, nullable=False),
)

zones = Table(
    "zones",
    metadata,
    Column("id", ID, primary_key=True),
    Column("tenant_id", ID, ForeignKey("tenants.id"), nullable=False, index=True),
    Column("name", String(200), nullable=False),
    Column("polygon", JSON, nullable=False),
)

# One counter per tenant, bumped by database triggers (migration 0006) on every change to what
# checkout reads: the tenant, its zones, merchants, menu items and customers. Placement may price
# an order from a cached copy of those rows and commits only if the counter still has the value
# the copy was read at (``tiffin.ordering.catalog``).
catalog_versions = Table(
    "catalog_versions",
    metadata,
    Column("tenant_id", ID, primary_key=True),
    Column("version", BigInteger, nullable=False),
)

# A tenant's workload caps for its riders (tiffin.dispatch.caps); no row: the defaults.
workload_caps = Table(
    "workload_caps",
    metadata,
    Column("tenant_id", ID, ForeignKey("tenants.id"), primary_key=True),
    Column("max_orders_per_hour", Integer, nullable=False),
    Column("max_continuous_minutes", Integer, nullable=False),
    Column("max_carried", Integer, nullable=False),
    Column("updated_by", ID, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
)

users = Table(
    "users",
    metadata,
    Column("id", ID, primary_key=True),
    Column("tenant_id", ID, ForeignKey("tenants.id"), nullable=False),
    Column("role", String(20), nullable=False),
    Column("email", String(254), nullable=False),
    Column("password_hash", String(200), nullable=False),
    Column("display_name", String(200), nullable=False),
    Column("subject_id", ID, nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
    UniqueConstraint("tenant_id", "email", name="uq_users_tenant_email"),
)

tokens = Table(
    "tokens",
    metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("user_id", ID, ForeignKey("users.id"), nullable=False, index=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("expires_at", UTCDateTime, nullable=False),
)

merchants = Table(
    "merchants",
    metadata,
    Column("id", ID, primary_key=True),
    Column("tenant_id", ID, ForeignKey("tenants.id"), nullable=False, index=True),
    Column("name", String(200), nullable=False),
    Column("lat", Float, nullable=False),
    Column("lon", Float, nullable=False),
    Column("prep_minutes", Integer, nullable=False),
    Column("is_open", Boolean, nullable=False),
)

menu_items = Table(
    "menu_items",
    metadata,
    Column("id", ID, primary_key=True),
    Column("merchant_id", ID, ForeignKey("merchants.id"), nullable=False, index=True),
    Column("name", String(200), nullable=False),
    Column("price_cents", Integer, nullable=False),
    Column("available", Boolean, nullable=False),
)

customers = Table(
    "customers",
    metadata,
    Column("id", ID, primary_key=True),
    Column("tenant_id", ID, ForeignKey("tenants.id"), nullable=False, index=True),
    Column("name", String(200), nullable=False),
    Column("lat", Float, nullable=False),
    Column("lon", Float, nullable=False),
    Column("address_note", String(500), nullable=False),
    Column("language", String(10), nullable=False),
    Column("phone", String(40), nullable=False),
    # How the customer wants to hear about trouble: push, sms, phone (an operator calls) or inbox.
    Column("contact_channel", String(10), nullable=False, server_default="push"),
)

riders = Table(
    "riders",
    metadata,
    Column("id", ID, primary_key=True),
    Column("tenant_id", ID, ForeignKey("tenants.id"), nullable=False, index=True),
    Column("name", String(200), nullable=False),
    Column("vehicle", String(20), nullable=False),
    Column("lat", Float, nullable=True),
    Column("lon", Float, nullable=True),
    Column("location_at", UTCDateTime, nullable=True),
    Column("moved_at", UTCDateTime, nullable=True),  # last report that moved them noticeably
    Column("shift_started_at", UTCDateTime, nullable=True),
)

rider_shifts = Table(
    "rider_shifts",
    metadata,
    Column("id", ID, primary_key=True),
    Column("rider_id", ID, ForeignKey("riders.id"), nullable=False, index=True),
    Column("tenant_id", ID, ForeignKey("tenants.id"), nullable=False),
    Column("started_at", UTCDateTime, nullable=False),
    Column("ended_at", UTCDateTime, nullable=True),
)

orders = Table(
    "orders",
    metadata,
    Column("id", ID, primary_key=True),
    Column("tenant_id", ID, ForeignKey("tenants.id"), nullable=False),
    Column("customer_id", ID, ForeignKey("customers.id"), nullable=False, index=True),
    Column("merchant_id", ID, ForeignKey("merchants.id"), nullable=False, index=True),
    Column("rider_id", ID, ForeignKey("riders.id"), nullable=True, index=True),
    Column("status", String(20), nullable=False),
    Column("dropoff_lat", Float, nullable=False),
    Column("dropoff_lon", Float, nullable=False),
    Column("dropoff_note", String(500), nullable=False),
    Column("delivery_fee_cents", Integer, nullable=False),
    Column("items_cents", Integer, nullable=False),
    Column("discount_cents", Integer, nullable=False, server_default="0"),
    Column("placed_at", UTCDateTime, nullable=False),
    Column("promised_at", UTCDateTime, nullable=False),
    Column("ready_at", UTCDateTime, nullable=True),
    Column("picked_up_at", UTCDateTime, nullable=True),
    Column("finished_at", UTCDateTime, nullable=True),
    Column("version", Integer, nullable=False),
    Index("ix_orders_tenant_status", "tenant_id", "status"),
)

order_lines = Table(
    "order_lines",
    metadata,
    Column("order_id", ID, ForeignKey("orders.id"), primary_key=True),
    Column("line_no", Integer, primary_key=True),
    Column("item_id", ID, nullable=False),
    Column("name", String(200), nullable=False),
    Column("quantity", Integer, nullable=False),
    Column("unit_price_cents", Integer, nullable=False),
)

order_transitions = Table(
    "order_transitions",
    metadata,
    Column("order_id", ID, ForeignKey("orders.id"), primary_key=True),
    Column("seq", Integer, primary_key=True),
    Column("action", String(20), nullable=False),
    Column("from_status", String(20), nullable=False),
    Column("to_status", String(20), nullable=False),
    Column("actor_role", String(20), nullable=False),
    Column("actor_id", ID, nullable=True),
    Column("reason", Text, nullable=False),
    Column("at", UTCDateTime, nullable=False),
)

offers = Table(
    "offers",
    metadata,
    Column("id", ID, primary_key=True),
    Column("tenant_id", ID, ForeignKey("tenants.id"), nullable=False),
    Column("order_id", ID, ForeignKey("orders.id"), nullable=False, index=True),
    Column("rider_id", ID, ForeignKey("riders.id"), nullable=False, index=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("expires_at", UTCDateTime, nullable=False),
    Column("status", String(20), nullable=False),
    Column("reason", Text, nullable=False),
    Column("answered_at", UTCDateTime, nullable=True),
    Column("score", Float, nullable=True),
    Column("explanation", JSON, nullable=False),
)

outbox = Table(
    "outbox",
    metadata,
    Column(
        "id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    ),
    Column("tenant_id", ID, nullable=False),
    Column("topic", String(60), nullable=False),
    Column("aggregate_id", ID, nullable=False, index=True),
    Column("payload", JSON, nullable=False),
    Column("occurred_at", UTCDateTime, nullable=False),
    # PostgreSQL only: the writing transaction's id, so consumers read in a safe order.
    Column("txid", BigInteger, nullable=True),
    Index("ix_outbox_txid_id", "txid", "id"),
)

consumer_offsets = Table(
    "consumer_offsets",
    metadata,
    Column("consumer", String(60), primary_key=True),
    Column("last_id", BigInteger, nullable=False),
    Column("last_txid", BigInteger, nullable=False),
    Column("processed", BigInteger, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
)

idempotency_keys = Table(
    "idempotency_keys",
    metadata,
    Column("user_id", ID, primary_key=True),
    Column("key", String(200), primary_key=True),
    Column("request_hash", String(64), nullable=False),
    Column("status_code", Integer, nullable=False),
    Column("response", JSON, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
)

inbox_messages = Table(
    "inbox_messages",
    metadata,
    Column("id", ID, primary_key=True),
    Column("tenant_id", ID, nullable=False),
    Column("customer_id", ID, ForeignKey("customers.id"), nullable=False, index=True),
    Column("order_id", ID, nullable=True),
    Column("event_id", BigInteger, nullable=True),  # messages written for an order event
    Column("dedupe_key", String(120), nullable=True),  # ... or for an anomaly or incident
    Column("title", String(200), nullable=False),
    Column("body", Text, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    UniqueConstraint("event_id", "customer_id", name="uq_inbox_messages_event_customer"),
    UniqueConstraint("customer_id", "dedupe_key", name="uq_inbox_messages_customer_dedupe"),
)

risk_zones = Table(
    "risk_zones",
    metadata,
    Column("id", ID, primary_key=True),
    Column("tenant_id", ID, ForeignKey("tenants.id"), nullable=False, index=True),
    Column("name", String(200), nullable=False),
    Column("polygon", JSON, nullable=False),
    Column("handoff_lat", Float, nullable=False),
    Column("handoff_lon", Float, nullable=False),
    Column("closed_from", UTCDateTime, nullable=False),
    Column("closed_until", UTCDateTime, nullable=False),
    Column("reason", Text, nullable=False),
    Column("created_by", ID, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
)


# --- anomalies and care -------------------------------------------------------------------

anomalies = Table(
    "anomalies",
    metadata,
    Column("id", ID, primary_key=True),
    Column("tenant_id", ID, ForeignKey("tenants.id"), nullable=False),
    Column("order_id", ID, ForeignKey("orders.id"), nullable=False),
    Column("type", String(30), nullable=False),
    Column("severity", Integer, nullable=False),
    Column("status", String(20), nullable=False),
    Column("liable", String(20), nullable=False),
    Column("reason", String(30), nullable=False),
    Column("facts", JSON, nullable=False),
    Column("since_at", UTCDateTime, nullable=False),
    Column("detected_at", UTCDateTime, nullable=False),
    Column("sla_due_at", UTCDateTime, nullable=False),
    Column("occurrences", Integer, nullable=False),
    Column("playbook_version", Integer, nullable=False),
    Column("taken_by", ID, nullable=True),
    Column("closed_at", UTCDateTime, nullable=True),
    Column("resolution", Text, nullable=True),
    # Duplicates for the same order and type merge into one record.
    UniqueConstraint("order_id", "type", name="uq_anomalies_order_type"),
    Index("ix_anomalies_tenant_status", "tenant_id", "status"),
)

anomaly_actions = Table(
    "anomaly_actions",
    metadata,
    Column(
        "id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    ),
    Column("anomaly_id", ID, ForeignKey("anomalies.id"), nullable=False, index=True),
    Column("at", UTCDateTime, nullable=False),
    Column("actor", String(60), nullable=False),
    Column("step", String(30), nullable=False),
    Column("outcome", Text, nullable=False),
    Column("data", JSON, nullable=False),
)

notifications = Table(
    "notifications",
    metadata,
    Column("id", ID, primary_key=True),
    Column("tenant_id", ID, ForeignKey("tenants.id"), nullable=False),
    Column(
        "recipient", String(60), nullable=False
    ),  # customer:<id>, merchant:<id>, subscriber:<id>
    Column("address", String(500), nullable=True),  # a subscriber's email address or webhook URL
    Column("customer_id", ID, nullable=True, index=True),
    Column("order_id", ID, nullable=True, index=True),
    Column("anomaly_id", ID, nullable=True, index=True),
    Column("incident_id", ID, nullable=True),
    Column("dedupe_key", String(120), nullable=False),
    Column("language", String(10), nullable=False),
    Column("title", String(200), nullable=False),
    Column("body", Text, nullable=False),
    Column("priority", Integer, nullable=False),
    Column("channels", JSON, nullable=False),  # the plan: first choice, then fallbacks
    Column("channel_index", Integer, nullable=False),
    Column("status", String(20), nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("next_attempt_at", UTCDateTime, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("delivered_at", UTCDateTime, nullable=True),
    Column("delivered_via", String(10), nullable=True),
    Column("last_error", Text, nullable=True),
    # Nobody hears about the same event twice.
    UniqueConstraint("recipient", "dedupe_key", name="uq_notifications_recipient_dedupe"),
    Index("ix_notifications_due", "status", "next_attempt_at"),
)

notification_attempts = Table(
    "notification_attempts",
    metadata,
    Column(
        "id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    ),
    Column("notification_id", ID, ForeignKey("notifications.id"), nullable=False, index=True),
    Column("channel", String(10), nullable=False),
    Column("at", UTCDateTime, nullable=False),
    Column("ok", Boolean, nullable=False),
    Column("status_code", Integer, nullable=True),
    Column("error", Text, nullable=True),
    Column("elapsed_ms", Float, nullable=False),
)

call_list = Table(
    "call_list",
    metadata,
    Column("id", ID, primary_key=True),
    Column("tenant_id", ID, ForeignKey("tenants.id"), nullable=False, index=True),
    Column("notification_id", ID, ForeignKey("notifications.id"), nullable=False, unique=True),
    Column("customer_id", ID, nullable=False),
    Column("phone", String(40), nullable=False),
    Column("priority", Integer, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("done_at", UTCDateTime, nullable=True),
    Column("done_by", ID, nullable=True),
    Column("outcome", Text, nullable=True),
)

grants = Table(
    "grants",
    metadata,
    Column("id", ID, primary_key=True),
    Column("tenant_id", ID, ForeignKey("tenants.id"), nullable=False),
    Column("customer_id", ID, ForeignKey("customers.id"), nullable=False, index=True),
    Column("order_id", ID, ForeignKey("orders.id"), nullable=False),
    Column("cause", String(60), nullable=False),  # anomaly:<id> or incident:<id>
    Column("anomaly_id", ID, nullable=True, index=True),
    Column("instrument", String(10), nullable=True),
    Column("tier", String(60), nullable=True),
    Column("amount_cents", Integer, nullable=False),  # goodwill: budgeted and capped
    Column("refund_cents", Integer, nullable=False),  # the customer's own money back
    Column("points_multiplier", Integer, nullable=False),
    Column("liable", String(20), nullable=False),
    Column("payer", String(60), nullable=False),  # the ledger account charged
    Column("policy_version", Integer, nullable=False),
    Column("reason", Text, nullable=False),
    Column("status", String(10), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("reversed_at", UTCDateTime, nullable=True),
    Column("reversed_by", ID, nullable=True),
    Column("reversal_reason", Text, nullable=True),
    # One grant per order per cause, however often the cause is handled.
    UniqueConstraint("order_id", "cause", name="uq_grants_order_cause"),
    Index("ix_grants_tenant_created", "tenant_id", "created_at"),
)

ledger_postings = Table(
    "ledger_postings",
    metadata,
    Column(
        "id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    ),
    Column("tenant_id", ID, nullable=False),
    Column("grant_id", ID, ForeignKey("grants.id"), nullable=False, index=True),
    Column("entry", String(10), nullable=False),  # grant or reversal
    Column("account", String(80), nullable=False, index=True),
    Column("amount_cents", BigInteger, nullable=False),
    Column("at", UTCDateTime, nullable=False),
)

coupons = Table(
    "coupons",
    metadata,
    Column("id", ID, primary_key=True),
    Column("tenant_id", ID, nullable=False),
    Column("customer_id", ID, ForeignKey("customers.id"), nullable=False, index=True),
    Column("grant_id", ID, ForeignKey("grants.id"), nullable=False, unique=True),
    Column("amount_cents", Integer, nullable=False),  # off, or the most off for a percent
    Column("percent_off", Integer, nullable=False, server_default="0"),
    Column("min_spend_cents", Integer, nullable=False),
    Column("expires_at", UTCDateTime, nullable=False),
    Column("used_at", UTCDateTime, nullable=True),
    Column("order_id", ID, nullable=True),  # where it was spent
    Column("void", Boolean, nullable=False),
)

feedback = Table(
    "feedback",
    metadata,
    Column("anomaly_id", ID, ForeignKey("anomalies.id"), primary_key=True),
    Column("customer_id", ID, nullable=False),
    Column("rating", Integer, nullable=False),
    Column("comment", Text, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
)

operator_notices = Table(
    "operator_notices",
    metadata,
    Column("id", ID, primary_key=True),
    Column("tenant_id", ID, ForeignKey("tenants.id"), nullable=False),
    Column("kind", String(30), nullable=False),
    Column("text", Text, nullable=False),
    Column("dedupe_key", String(120), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    UniqueConstraint("tenant_id", "dedupe_key", name="uq_operator_notices_tenant_dedupe"),
)

tenant_policies = Table(
    "tenant_policies",
    metadata,
    Column("tenant_id", ID, ForeignKey("tenants.id"), primary_key=True),
    Column("kind", String(20), primary_key=True),  # playbook or compensation
    Column("version", Integer, primary_key=True),
    Column("document", JSON, nullable=False),
    Column("created_by", ID, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
)

force_majeure = Table(
    "force_majeure",
    metadata,
    Column("id", ID, primary_key=True),
    Column("tenant_id", ID, ForeignKey("tenants.id"), nullable=False, index=True),
    Column("starts_at", UTCDateTime, nullable=False),
    Column("ends_at", UTCDateTime, nullable=False),
    Column("reason", Text, nullable=False),
    Column("created_by", ID, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
)


# --- incidents and the status page --------------------------------------------------------

incidents = Table(
    "incidents",
    metadata,
    Column("id", ID, primary_key=True),
    Column("tenant_id", ID, ForeignKey("tenants.id"), nullable=True),  # NULL: platform-wide
    Column("title", String(200), nullable=False),
    Column("state", String(20), nullable=False),
    Column("components", JSON, nullable=False),  # {"dispatch": "major", ...}
    Column("source", String(60), nullable=False),  # operator, or signal:<name>
    Column("started_at", UTCDateTime, nullable=False),  # the first signal of trouble
    Column("opened_at", UTCDateTime, nullable=False),
    Column("resolved_at", UTCDateTime, nullable=True),
    Column("opened_by", String(60), nullable=False),
    Column("made_good_at", UTCDateTime, nullable=True),
    Column("made_good_orders", Integer, nullable=False, server_default="0"),
    Column("made_good_cents", Integer, nullable=False, server_default="0"),
    Index("ix_incidents_state", "state"),
)

incident_updates = Table(
    "incident_updates",
    metadata,
    Column(
        "id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    ),
    Column("incident_id", ID, ForeignKey("incidents.id"), nullable=False, index=True),
    Column("at", UTCDateTime, nullable=False),
    Column("state", String(20), nullable=False),
    Column("components", JSON, nullable=False),
    Column("message", Text, nullable=False),
    Column("author", String(60), nullable=False),
    Column("internal", Boolean, nullable=False, server_default="0"),  # operator notes
)

status_subscribers = Table(
    "status_subscribers",
    metadata,
    Column("id", ID, primary_key=True),
    Column("tenant_id", ID, ForeignKey("tenants.id"), nullable=False, index=True),
    Column("component", String(20), nullable=False),
    Column("channel", String(10), nullable=False),  # inbox, email or webhook
    Column("address", String(500), nullable=False),  # customer id, email address, or URL
    Column("customer_id", ID, nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
    UniqueConstraint("component", "channel", "address", name="uq_status_subscribers_target"),
)

leases = Table(
    "leases",
    metadata,
    Column("name", String(120), primary_key=True),  # dispatch:<tenant id>
    Column("holder", String(120), nullable=False),  # host:pid:nonce of the process leading
    Column("acquired_at", UTCDateTime, nullable=False),
    Column("expires_at", UTCDateTime, nullable=False),
)

# --- dispatch modes (issue 19): normal / crisis per tenant, declarations, the switch log -----

dispatch_modes = Table(
    "dispatch_modes",
    metadata,
    Column("tenant_id", ID, ForeignKey("tenants.id"), primary_key=True),
    Column("mode", String(10), nullable=False),  # normal or crisis
    Column("since", UTCDateTime, nullable=False),
    Column("reason", String(300), nullable=False),
    Column("above_since", Integer, nullable=True),  # dispatcher minute the backlog went high
    Column("below_since", Integer, nullable=True),  # ... and low
    Column("updated_at", UTCDateTime, nullable=False),
)

dispatch_declarations = Table(
    "dispatch_declarations",
    metadata,
    Column("id", ID, primary_key=True),
    Column("tenant_id", ID, ForeignKey("tenants.id"), nullable=False, index=True),
    Column("kind", String(20), nullable=False),  # weather_warning or incident
    Column("note", String(500), nullable=False),
    Column("declared_by", ID, nullable=False),
    Column("declared_at", UTCDateTime, nullable=False),
    Column("lifted_by", ID, nullable=True),
    Column("lifted_at", UTCDateTime, nullable=True),
    Column("lift_reason", String(500), nullable=True),
)

dispatch_mode_changes = Table(
    "dispatch_mode_changes",
    metadata,
    Column(
        "id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    ),
    Column("tenant_id", ID, ForeignKey("tenants.id"), nullable=False, index=True),
    Column("at", UTCDateTime, nullable=False),
    Column("previous", String(10), nullable=False),
    Column("mode", String(10), nullable=False),
    Column("reason", String(300), nullable=False),
)

move_offers = Table(  # repositioning sent to idle riders as offers they accept or decline
    "move_offers",
    metadata,
    Column("id", ID, primary_key=True),
    Column("tenant_id", ID, ForeignKey("tenants.id"), nullable=False),
    Column("rider_id", ID, ForeignKey("riders.id"), nullable=False),
    Column("merchant_id", ID, ForeignKey("merchants.id"), nullable=False),
    Column("lat", Float, nullable=False),
    Column("lon", Float, nullable=False),
    Column("why", String(300), nullable=False),
    Column("ride_minutes", Integer, nullable=False),
    Column("wait_minutes", Integer, nullable=False),
    Column("pay_cents", Integer, nullable=False),
    Column("status", String(10), nullable=False),  # pending, accepted, declined, expired
    Column("decline_reason", String(300), nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("expires_at", UTCDateTime, nullable=False),
    Column("answered_at", UTCDateTime, nullable=True),
    Index("ix_move_offers_tenant_rider", "tenant_id", "rider_id"),
)

move_pay = Table(  # what a tenant pays riders for a move, and for an order taken on a slip
    "move_pay",
    metadata,
    Column("tenant_id", ID, ForeignKey("tenants.id"), primary_key=True),
    Column("pay_cents", Integer, nullable=False),
    Column("wait_minutes", Integer, nullable=False),
    Column("slip_pay_cents", Integer, nullable=False),  # to a rider an order was taken from
    Column("updated_by", ID, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
)

slip_payouts = Table(  # paid once to the rider an order was taken from for a slipping ETA
    "slip_payouts",
    metadata,
    Column("id", ID, primary_key=True),
    Column("tenant_id", ID, ForeignKey("tenants.id"), nullable=False, index=True),
    Column("order_id", ID, ForeignKey("orders.id"), nullable=False),
    Column("rider_id", ID, ForeignKey("riders.id"), nullable=False),
    Column("pay_cents", Integer, nullable=False),
    Column("at", UTCDateTime, nullable=False),
    UniqueConstraint("order_id", "rider_id", name="uq_slip_payouts_order_rider"),
)

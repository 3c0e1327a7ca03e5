"""risk control and compliance: rules, thresholds, decisions, cases, devices; disputes

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-30 12:00:00
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

import tiffin.store.types

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

ID = sa.String(length=40)


def _at(name: str, nullable: bool = False) -> sa.Column[Any]:
    return sa.Column(name, tiffin.store.types.UTCDateTime(timezone=True), nullable=nullable)


def _tenant(table: str) -> list[Any]:
    return [
        sa.Column("tenant_id", ID, nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f(f"fk_{table}_tenant_id_tenants")
        ),
    ]


def upgrade() -> None:
    op.create_table(
        "risk_rules",
        sa.Column("id", ID, nullable=False),
        *_tenant("risk_rules"),
        sa.Column("rule_id", sa.String(length=60), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("checkpoint", sa.String(length=20), nullable=False),
        sa.Column("mode", sa.String(length=10), nullable=False),
        sa.Column("description", sa.String(length=500), nullable=False),
        sa.Column("expression", sa.Text(), nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        _at("snoozed_until", nullable=True),
        sa.Column("created_by", sa.String(length=60), nullable=False),
        _at("created_at"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_risk_rules")),
        sa.UniqueConstraint("tenant_id", "rule_id", "version", name="uq_risk_rules_version"),
    )
    op.create_table(
        "risk_settings",
        *_tenant("risk_settings"),
        sa.Column("review_score", sa.Integer(), nullable=False),
        sa.Column("block_score", sa.Integer(), nullable=False),
        sa.Column("grant_threshold_cents", sa.Integer(), nullable=False),
        sa.Column("hold_hours", sa.Integer(), nullable=False),
        sa.Column("updated_by", sa.String(length=60), nullable=False),
        _at("updated_at"),
        sa.PrimaryKeyConstraint("tenant_id", name=op.f("pk_risk_settings")),
    )
    op.create_table(
        "risk_decisions",
        sa.Column("id", ID, nullable=False),
        *_tenant("risk_decisions"),
        sa.Column("checkpoint", sa.String(length=20), nullable=False),
        sa.Column("customer_id", ID, nullable=False),
        sa.Column("order_id", ID, nullable=True),
        sa.Column("verdict", sa.String(length=10), nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("hits", sa.JSON(), nullable=False),
        sa.Column("reason_code", sa.String(length=80), nullable=False),
        sa.Column("shadow_verdict", sa.String(length=10), nullable=True),
        sa.Column("shadow_score", sa.Integer(), nullable=True),
        sa.Column("shadow_hits", sa.JSON(), nullable=True),
        sa.Column("features", sa.JSON(), nullable=False),
        sa.Column("elapsed_ms", sa.Float(), nullable=False),
        _at("at"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_risk_decisions")),
    )
    op.create_index(
        op.f("ix_risk_decisions_customer_id"), "risk_decisions", ["customer_id"], unique=False
    )
    op.create_index("ix_risk_decisions_tenant_at", "risk_decisions", ["tenant_id", "at"])
    op.create_table(
        "risk_cases",
        sa.Column("id", ID, nullable=False),
        *_tenant("risk_cases"),
        sa.Column("decision_id", ID, nullable=False),
        sa.Column("customer_id", ID, nullable=False),
        sa.Column("order_id", ID, nullable=True),
        sa.Column("grant_id", ID, nullable=True),
        sa.Column("reason_code", sa.String(length=80), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("assignee", ID, nullable=True),
        sa.Column("outcome", sa.String(length=20), nullable=True),
        _at("due_at"),
        _at("opened_at"),
        _at("resolved_at", nullable=True),
        sa.Column("resolved_by", ID, nullable=True),
        sa.ForeignKeyConstraint(
            ["decision_id"],
            ["risk_decisions.id"],
            name=op.f("fk_risk_cases_decision_id_risk_decisions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_risk_cases")),
        sa.UniqueConstraint("decision_id", name=op.f("uq_risk_cases_decision_id")),
    )
    op.create_index(
        "ix_risk_cases_tenant_status", "risk_cases", ["tenant_id", "status", "opened_at"]
    )
    op.create_table(
        "risk_case_notes",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("case_id", ID, nullable=False),
        _at("at"),
        sa.Column("author", sa.String(length=60), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["risk_cases.id"], name=op.f("fk_risk_case_notes_case_id_risk_cases")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_risk_case_notes")),
    )
    op.create_index(
        op.f("ix_risk_case_notes_case_id"), "risk_case_notes", ["case_id"], unique=False
    )
    op.create_table(
        "risk_devices",
        *_tenant("risk_devices"),
        sa.Column("device_id", sa.String(length=128), nullable=False),
        sa.Column("customer_id", ID, nullable=False),
        _at("first_seen_at"),
        sa.PrimaryKeyConstraint(
            "tenant_id", "device_id", "customer_id", name=op.f("pk_risk_devices")
        ),
    )

    op.create_index("ix_users_subject_id", "users", ["subject_id"])
    op.create_table(
        "liability_disputes",
        sa.Column("id", ID, nullable=False),
        *_tenant("liability_disputes"),
        sa.Column("anomaly_id", ID, nullable=False),
        sa.Column("raised_by", sa.String(length=60), nullable=False),
        sa.Column("was_liable", sa.String(length=20), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("now_liable", sa.String(length=20), nullable=True),
        sa.Column("recharged_cents", sa.Integer(), server_default="0", nullable=False),
        sa.Column("decided_by", sa.String(length=60), nullable=True),
        sa.Column("decision_note", sa.Text(), nullable=True),
        _at("created_at"),
        _at("decided_at", nullable=True),
        sa.ForeignKeyConstraint(
            ["anomaly_id"],
            ["anomalies.id"],
            name=op.f("fk_liability_disputes_anomaly_id_anomalies"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_liability_disputes")),
        sa.UniqueConstraint("anomaly_id", name=op.f("uq_liability_disputes_anomaly_id")),
    )
    op.create_index(
        "ix_liability_disputes_tenant_status", "liability_disputes", ["tenant_id", "status"]
    )
    seq = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
    op.create_table(
        "audit_log",
        sa.Column("seq", seq, autoincrement=False, nullable=False),
        sa.Column("event_id", sa.BigInteger(), nullable=False),
        sa.Column("at", sa.String(length=40), nullable=False),
        sa.Column("tenant_id", ID, nullable=True),
        sa.Column("kind", sa.String(length=60), nullable=False),
        sa.Column("actor", sa.String(length=80), nullable=False),
        sa.Column("subject", sa.String(length=80), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_audit_log")),
        sa.UniqueConstraint("event_id", name=op.f("uq_audit_log_event_id")),
    )
    op.create_table(
        "audit_checkpoints",
        sa.Column("seq", seq, autoincrement=False, nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.Column("signature", sa.String(length=128), nullable=False),
        sa.Column("public_key", sa.String(length=64), nullable=False),
        _at("signed_at"),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_audit_checkpoints")),
    )


def downgrade() -> None:
    op.drop_table("audit_checkpoints")
    op.drop_table("audit_log")
    op.drop_table("liability_disputes")
    op.drop_index("ix_users_subject_id", table_name="users")
    for table in ("risk_devices", "risk_case_notes", "risk_cases", "risk_decisions"):
        op.drop_table(table)
    op.drop_table("risk_settings")
    op.drop_table("risk_rules")

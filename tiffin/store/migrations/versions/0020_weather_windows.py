"""weather windows with areas, from operators and a CAP feed; checkout's copies follow them
(issue 16, 天气联动调度)

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-02 10:00:00

Force-majeure windows gain the areas they cover (null: the whole tenant), the zones an operator
named, and for a weather service's warning its source, CAP identifier (unique per tenant, so a
repeated push is one window), event and severity. Checkout now reads the tenant's windows into
its copies (a storm lengthens the promise), so the catalog-version triggers of 0006 watch this
table too: declaring, amending or ending a window makes every copy of the tenant stale, in
every process.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import tiffin.store.types

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None

WHEN = tiffin.store.types.UTCDateTime(timezone=True)
EVENTS = ("INSERT", "UPDATE", "DELETE")
COLUMNS = (
    "areas",
    "zone_ids",
    "source",
    "external_id",
    "external_refs",
    "event",
    "severity",
    "updated_at",
)
_SQLITE_BUMP = """
INSERT INTO catalog_versions (tenant_id, version) SELECT t, 1 FROM (SELECT {row}.tenant_id AS t)
WHERE t IS NOT NULL ON CONFLICT (tenant_id) DO UPDATE SET version = version + 1;
"""


def upgrade() -> None:
    op.add_column("force_majeure", sa.Column("areas", sa.JSON(), nullable=True))
    op.add_column("force_majeure", sa.Column("zone_ids", sa.JSON(), nullable=True))
    op.add_column(
        "force_majeure",
        sa.Column("source", sa.String(length=20), nullable=False, server_default="operator"),
    )
    op.add_column("force_majeure", sa.Column("external_id", sa.String(length=200), nullable=True))
    op.add_column("force_majeure", sa.Column("external_refs", sa.JSON(), nullable=True))
    op.add_column("force_majeure", sa.Column("event", sa.String(length=200), nullable=True))
    op.add_column("force_majeure", sa.Column("severity", sa.String(length=20), nullable=True))
    op.add_column("force_majeure", sa.Column("updated_at", WHEN, nullable=True))
    op.create_index(
        "ix_force_majeure_tenant_external",
        "force_majeure",
        ["tenant_id", "external_id"],
        unique=True,
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE TRIGGER catalog_changed AFTER INSERT OR UPDATE OR DELETE ON force_majeure "
            "FOR EACH ROW EXECUTE FUNCTION tiffin_catalog_changed()"
        )
        return
    rows_of = {"INSERT": ("NEW",), "UPDATE": ("OLD", "NEW"), "DELETE": ("OLD",)}
    for event in EVENTS:
        body = "".join(_SQLITE_BUMP.format(row=row) for row in rows_of[event])
        op.execute(
            f"CREATE TRIGGER catalog_changed_force_majeure_{event.lower()} AFTER {event} "
            f"ON force_majeure BEGIN {body} END"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER catalog_changed ON force_majeure")
    else:
        for event in EVENTS:
            op.execute(f"DROP TRIGGER catalog_changed_force_majeure_{event.lower()}")
    op.drop_index("ix_force_majeure_tenant_external", table_name="force_majeure")
    with op.batch_alter_table("force_majeure", schema=None) as batch_op:
        for column in COLUMNS[::-1]:
            batch_op.drop_column(column)

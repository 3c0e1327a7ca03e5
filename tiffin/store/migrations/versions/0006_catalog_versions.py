"""catalog versions: a per-tenant counter that triggers bump whenever checkout's inputs change

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29 16:00:00

Triggers rather than application code, so that every writer bumps the counter: the API, the
CLI, a seed, a second process, an operator's manual fix in psql. Checkout caches what it reads
and trusts the cache only while the counter is unchanged (``tiffin.ordering.catalog``).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

# Each table checkout reads, and how its row names the tenant.
WATCHED = {
    "tenants": "{row}.id",
    "zones": "{row}.tenant_id",
    "merchants": "{row}.tenant_id",
    "customers": "{row}.tenant_id",
    "menu_items": "(SELECT tenant_id FROM merchants WHERE id = {row}.merchant_id)",
}
# A new customer or merchant changes no copy (nobody has one of it yet), and sign-ups are
# frequent: they must not make every buyer's copy stale. New zones and menu items do change
# what existing copies would say.
EVENTS = {
    table: ("UPDATE", "DELETE")
    if table in ("customers", "merchants")
    else ("INSERT", "UPDATE", "DELETE")
    for table in WATCHED
}

_SQLITE_BUMP = """
INSERT INTO catalog_versions (tenant_id, version) SELECT t, 1 FROM (SELECT {tenant} AS t)
WHERE t IS NOT NULL ON CONFLICT (tenant_id) DO UPDATE SET version = version + 1;
"""

_POSTGRES_FUNCTION = """
CREATE FUNCTION tiffin_catalog_changed() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    changed record;
    tenant text;
BEGIN
    IF TG_OP = 'DELETE' THEN changed := OLD; ELSE changed := NEW; END IF;
    IF TG_TABLE_NAME = 'tenants' THEN
        tenant := changed.id;
    ELSIF TG_TABLE_NAME = 'menu_items' THEN
        SELECT m.tenant_id INTO tenant FROM merchants m WHERE m.id = changed.merchant_id;
    ELSE
        tenant := changed.tenant_id;
    END IF;
    IF tenant IS NOT NULL THEN
        INSERT INTO catalog_versions (tenant_id, version) VALUES (tenant, 1)
        ON CONFLICT (tenant_id) DO UPDATE SET version = catalog_versions.version + 1;
    END IF;
    RETURN NULL;
END $$
"""


def upgrade() -> None:
    op.create_table(
        "catalog_versions",
        sa.Column("tenant_id", sa.String(length=40), nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", name=op.f("pk_catalog_versions")),
    )
    op.execute("INSERT INTO catalog_versions (tenant_id, version) SELECT id, 1 FROM tenants")
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_POSTGRES_FUNCTION)
        for table in WATCHED:
            op.execute(
                f"CREATE TRIGGER catalog_changed AFTER {' OR '.join(EVENTS[table])} ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION tiffin_catalog_changed()"
            )
        return
    rows_of = {"INSERT": ("NEW",), "UPDATE": ("OLD", "NEW"), "DELETE": ("OLD",)}
    for table, tenant in WATCHED.items():
        for event in EVENTS[table]:
            rows = rows_of[event]
            body = "".join(_SQLITE_BUMP.format(tenant=tenant.format(row=row)) for row in rows)
            op.execute(
                f"CREATE TRIGGER catalog_changed_{table}_{event.lower()} AFTER {event} ON {table} "
                f"BEGIN {body} END"
            )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in WATCHED:
            op.execute(f"DROP TRIGGER catalog_changed ON {table}")
        op.execute("DROP FUNCTION tiffin_catalog_changed()")
    else:
        for table in WATCHED:
            for event in EVENTS[table]:
                op.execute(f"DROP TRIGGER catalog_changed_{table}_{event.lower()}")
    op.drop_table("catalog_versions")

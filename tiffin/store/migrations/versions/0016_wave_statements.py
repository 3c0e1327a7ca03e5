"""statements about anomaly waves: a statement's incident becomes optional and it may instead
name the wave it is about (issue 17)

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-30 15:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

ID = sa.String(length=40)


def upgrade() -> None:
    with op.batch_alter_table("statements", schema=None) as batch_op:
        batch_op.alter_column("incident_id", existing_type=ID, nullable=True)
        batch_op.add_column(sa.Column("wave", sa.JSON(), nullable=True))


def downgrade() -> None:
    # Wave statements have no incident to keep them: they go, with their versions.
    op.execute(
        "DELETE FROM statement_versions WHERE statement_id IN "
        "(SELECT id FROM statements WHERE incident_id IS NULL)"
    )
    op.execute("DELETE FROM statements WHERE incident_id IS NULL")
    with op.batch_alter_table("statements", schema=None) as batch_op:
        batch_op.drop_column("wave")
        batch_op.alter_column("incident_id", existing_type=ID, nullable=False)

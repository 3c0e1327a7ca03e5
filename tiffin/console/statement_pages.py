"""The statements desk's regions: the tenant's statements (versions, what is published), the
incidents and anomaly waves a statement can be drafted from, and one statement with every
version, an edit form (zh-CN and en) and a publish button per unpublished version.

Read through ``tiffin.comms`` as ``/v1/statements`` reads it: operators of the tenant only; a
statement of another tenant is not found.
"""

from __future__ import annotations

from datetime import timedelta

from tiffin.comms import statements, wave_statements
from tiffin.comms.waves import WaveRules
from tiffin.console.render import Visitor, operator_only, render
from tiffin.incidents import queries as incident_queries
from tiffin.store.uow import UnitOfWork

WAVE_HOURS = 24  # the API's defaults for GET /v1/anomaly-waves
WAVE_GAP = timedelta(minutes=15)
WAVE_SIZE = 5
ROWS = 50


def desk(uow: UnitOfWork, visitor: Visitor, *, min_anomalies: int = WAVE_SIZE) -> str:
    """Statements, incidents, and the waves of at least ``min_anomalies`` in the last day."""
    principal = operator_only(visitor)
    tenant = principal.tenant_id
    rules = WaveRules(min_anomalies=min_anomalies, gap=WAVE_GAP)
    waves = wave_statements.detect(uow, tenant, hours=WAVE_HOURS, rules=rules)
    return render(
        "_statements.html",
        visitor,
        statements=statements.of_tenant(uow, tenant, limit=ROWS),
        incidents=incident_queries.incidents_seen_by(uow, tenant, limit=ROWS),
        waves=waves[:ROWS],
        min_anomalies=min_anomalies,
    )


def statement(uow: UnitOfWork, visitor: Visitor, statement_id: str) -> str:
    principal = operator_only(visitor)
    found = statements.read(uow, statement_id, tenant_id=principal.tenant_id)
    return render("_statement.html", visitor, s=found, latest=found["versions"][0])

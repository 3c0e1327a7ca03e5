"""The early-warning region: each served zone's rider shortfall over the next hours, why, and
the recommendations with an apply button (or who applied them). Read through the same service
as ``/v1/safety/early-warning`` and shown only to the tenant's operators."""

from __future__ import annotations

from tiffin.console.render import Visitor, operator_only, render
from tiffin.safety.warning import service
from tiffin.store.uow import UnitOfWork


def region(uow: UnitOfWork, visitor: Visitor) -> str:
    principal = operator_only(visitor)
    warnings = service.outlook(uow, principal.tenant_id)
    ids = [r.id for w in warnings for r in w.recommendations]
    return render(
        "_early_warning.html",
        visitor,
        warnings=warnings,
        done=service.applied(uow, principal.tenant_id, ids),
        horizon_hours=int(service.HORIZON.total_seconds() // 3600),
    )

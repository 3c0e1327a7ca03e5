"""The tenant's sentiment-watch policy in the database: read the version in force, save the
next one (only after checking that every zone and merchant it names is the tenant's own)."""

from __future__ import annotations

from sqlalchemy import select

from tiffin.care.queries import latest_document, store_version
from tiffin.comms.model import SpikeRules
from tiffin.comms.policy import DEFAULT_WATCH_POLICY, WatchPolicy, load_watch_policy
from tiffin.domain.principals import Principal
from tiffin.errors import Invalid
from tiffin.store import tables
from tiffin.store.uow import UnitOfWork

KIND = "sentiment"


def policy_for(uow: UnitOfWork, tenant_id: str) -> WatchPolicy:
    """The tenant's sentiment-watch policy in force (the default until they save one)."""
    document = latest_document(uow, tenant_id, KIND)
    return load_watch_policy(document) if document else DEFAULT_WATCH_POLICY


def rules_for(uow: UnitOfWork, tenant_id: str) -> SpikeRules:
    """The spike rules the watch applies to the tenant's feedback."""
    return policy_for(uow, tenant_id).rules()


def save_policy(uow: UnitOfWork, operator: Principal, document: dict[str, object]) -> WatchPolicy:
    """Validate and store the operator's tenant's next sentiment-watch policy version."""
    parsed = load_watch_policy(document)
    _check_names(uow, operator.tenant_id, parsed)
    store_version(
        uow,
        operator.tenant_id,
        KIND,
        version=parsed.version,
        current=policy_for(uow, operator.tenant_id).version,
        document=parsed.model_dump(mode="json"),
        author=operator.user_id,
    )
    return parsed


def _check_names(uow: UnitOfWork, tenant_id: str, policy: WatchPolicy) -> None:
    """A threshold on another tenant's merchant, or a zone that does not exist, would never
    fire: refuse it, naming what was not found."""
    z, m = tables.zones.c, tables.merchants.c
    zones = set(
        uow.conn.execute(
            select(z.name).where(z.tenant_id == tenant_id, z.name.in_(list(policy.zones)))
        ).scalars()
    )
    merchants = set(
        uow.conn.execute(
            select(m.id).where(m.tenant_id == tenant_id, m.id.in_(list(policy.merchants)))
        ).scalars()
    )
    missing = [f"zone {n!r}" for n in sorted(set(policy.zones) - zones)]
    missing += [f"merchant {n!r}" for n in sorted(set(policy.merchants) - merchants)]
    if missing:
        raise Invalid(
            f"the sentiment policy names what your tenant does not have: {', '.join(missing)}",
            code="unknown_name",
        )

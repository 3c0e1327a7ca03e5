"""The audit log in the database: appended by an outbox consumer, checkpointed, verified,
exported.

Appending in the writer's transaction would make every order wait for the chain's tail (one
writer at a time); instead every event already durable in the outbox — order steps, offers,
risk decisions, grants, operator actions — is appended by ``AuditConsumer`` in outbox order,
under a named lock, keyed by the outbox event id so a replayed batch appends nothing twice.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, func, insert, select

from tiffin.compliance import chain
from tiffin.domain.events import DecisionRecorded, DomainEvent, OperatorActed
from tiffin.store import tables
from tiffin.store.locks import lock
from tiffin.store.outbox import Envelope
from tiffin.store.uow import UnitOfWork

CHECKPOINT_EVERY = 100
log = tables.audit_log.c
cps = tables.audit_checkpoints.c


def entry_of(envelope: Envelope, seq: int, prev_hash: str) -> dict[str, Any]:
    """The chain entry recording one outbox event."""
    event: DomainEvent = envelope.event
    kind = event.topic
    if isinstance(event, DecisionRecorded | OperatorActed):
        kind = f"{event.topic}:{event.kind}"
    payload = event.payload()
    entry: dict[str, Any] = {
        "seq": seq,
        "event_id": envelope.id,
        "at": event.at.isoformat(),
        "tenant_id": event.tenant_id,
        "kind": kind[:60],
        "actor": f"{event.actor.role.value}:{event.actor.id or ''}"[:80],
        "subject": event.aggregate_id[:80],
        "data": {"reason": event.reason, **payload.get("data", {})},
        "prev_hash": prev_hash,
    }
    entry["hash"] = chain.entry_hash(entry)
    return entry


def tail(conn: Connection) -> tuple[int, str]:
    row = conn.execute(select(log.seq, log.hash).order_by(log.seq.desc()).limit(1)).first()
    return (int(row.seq), str(row.hash)) if row else (0, chain.GENESIS)


class AuditConsumer:
    """Appends every event to the hash chain; signs a checkpoint every 100 entries."""

    name = "compliance.audit"
    wants: tuple[type[DomainEvent], ...] = (DomainEvent,)
    batch: int | None = None

    def __init__(self, signing_key_hex: str | None = None) -> None:
        self.key = chain.private_key(signing_key_hex) if signing_key_hex else None

    def handle_batch(self, uow: UnitOfWork, envelopes: Sequence[Envelope]) -> None:
        if not envelopes:
            return
        lock(uow, "audit-chain")
        ids = [e.id for e in envelopes]
        seen = set(uow.conn.execute(select(log.event_id).where(log.event_id.in_(ids))).scalars())
        seq, prev = tail(uow.conn)
        rows = []
        for envelope in envelopes:
            if envelope.id in seen:
                continue
            seq += 1
            entry = entry_of(envelope, seq, prev)
            prev = entry["hash"]
            rows.append(entry)
        if rows:
            uow.conn.execute(insert(tables.audit_log), rows)
        if self.key is not None:
            last_signed = uow.conn.execute(select(func.max(cps.seq))).scalar_one() or 0
            if seq - int(last_signed) >= CHECKPOINT_EVERY:
                checkpoint(uow, self.key, seq, prev)


def checkpoint(uow: UnitOfWork, key: Any, seq: int, hash_: str) -> None:
    uow.conn.execute(
        insert(tables.audit_checkpoints).values(
            seq=seq,
            hash=hash_,
            signature=chain.sign(key, seq, hash_),
            public_key=chain.public_hex(key),
            signed_at=uow.clock.now(),
        )
    )


def _entries(conn: Connection, low: int = 1, high: int | None = None) -> Any:
    query = select(tables.audit_log).where(log.seq >= low).order_by(log.seq)
    if high is not None:
        query = query.where(log.seq <= high)
    return conn.execute(query.execution_options(yield_per=1000)).mappings()


def verify_database(conn: Connection, public_key_hex: str | None) -> chain.Broken | None:
    """The whole chain in the database, and its checkpoints' signatures."""
    checkpoints = conn.execute(select(tables.audit_checkpoints).order_by(cps.seq)).mappings()
    return chain.verify(_entries(conn), list(checkpoints), public_key_hex=public_key_hex)


def export(
    conn: Connection, key: Any, *, since: datetime, until: datetime, path: Path
) -> dict[str, int]:
    """Write the entries recorded between ``since`` and ``until`` with the hash just before
    them and a checkpoint signed now over the last: a file anyone with the public key checks."""
    bounds = conn.execute(
        select(func.min(log.seq), func.max(log.seq)).where(
            log.at >= since.isoformat(), log.at <= until.isoformat()
        )
    ).one()
    entries: list[dict[str, Any]] = []
    anchor = (0, chain.GENESIS)
    if bounds[0] is not None:
        low, high = int(bounds[0]), int(bounds[1])
        before = conn.execute(select(log.seq, log.hash).where(log.seq == low - 1)).first()
        anchor = (int(before.seq), str(before.hash)) if before else (0, chain.GENESIS)
        entries = [dict(e) for e in _entries(conn, low, high)]
    signed = []
    if entries:
        last = entries[-1]
        signed.append(
            {
                "seq": last["seq"],
                "hash": last["hash"],
                "signature": chain.sign(key, last["seq"], last["hash"]),
            }
        )
    document = {
        "format": "tiffin-audit-export/1",
        "public_key": chain.public_hex(key),
        "anchor": {"seq": anchor[0], "hash": anchor[1]},
        "entries": entries,
        "checkpoints": signed,
    }
    path.write_text(json.dumps(document, ensure_ascii=False, indent=1, default=str))
    return {"entries": len(entries), "first": anchor[0] + 1 if entries else 0}


def verify_file(path: Path, public_key_hex: str) -> chain.Broken | None:
    """Check an export with the public key alone: the chain from its anchor, and the signed
    checkpoint over its last entry (a file with no signature over its end is refused)."""
    document = json.loads(path.read_text())
    entries = document["entries"]
    if entries and not any(cp["seq"] == entries[-1]["seq"] for cp in document["checkpoints"]):
        return chain.Broken(int(entries[-1]["seq"]), "the export's last entry is not signed")
    anchor = (int(document["anchor"]["seq"]), str(document["anchor"]["hash"]))
    return chain.verify(
        entries, document["checkpoints"], public_key_hex=public_key_hex, anchor=anchor
    )

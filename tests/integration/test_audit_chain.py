"""The audit chain on both databases: the outbox consumer appends every event, `tiffin audit
verify` passes an intact chain and names the first broken entry for a changed field, a deleted
row and reordered rows; an export verifies with the public key alone; production refuses to
start without a signing key."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import delete, func, select, update
from typer.testing import CliRunner

from tests.api.helpers import merchant_of, place
from tests.conftest import World
from tiffin.cli import app
from tiffin.compliance import chain
from tiffin.compliance.audit import CHECKPOINT_EVERY, AuditConsumer
from tiffin.resilience.ratelimit import RateLimits
from tiffin.settings import Settings
from tiffin.store import tables
from tiffin.workers.runner import OutboxRunner

SEED = "11" * 32
log = tables.audit_log.c


def verify(world: World, *extra: str) -> tuple[int, str]:
    url = world.platform.settings.database_url
    answer = CliRunner().invoke(app, ["audit", "verify", "--database-url", url, *extra])
    return answer.exit_code, answer.output


def chained(world: World, orders: int = 3) -> int:
    for n in range(orders):
        assert place(world, key=f"audit-{n}").status_code == 201
    world.drain()
    with world.platform.uow() as uow:
        return int(
            uow.conn.execute(select(func.count()).select_from(tables.audit_log)).scalar_one()
        )


def test_every_event_is_chained_and_an_intact_chain_verifies(world: World) -> None:
    entries = chained(world)
    assert entries >= 3
    with world.platform.uow() as uow:
        kinds = set(uow.conn.execute(select(log.kind)).scalars())
    assert "order.placed" in kinds
    assert verify(world)[0] == 0
    world.drain()  # a replay appends nothing twice
    assert chained(world, 0) == entries


def test_a_changed_field_is_named(world: World) -> None:
    chained(world)
    with world.platform.uow() as uow:
        uow.conn.execute(update(tables.audit_log).where(log.seq == 2).values(actor="system:x"))
        uow.commit()
    code, output = verify(world)
    assert code == 1 and "entry 2 was changed" in output


def test_a_deleted_row_is_named(world: World) -> None:
    chained(world)
    with world.platform.uow() as uow:
        uow.conn.execute(delete(tables.audit_log).where(log.seq == 2))
        uow.commit()
    code, output = verify(world)
    assert code == 1 and "entry 2 is missing" in output


def test_reordered_rows_are_named(world: World) -> None:
    chained(world)
    with world.platform.uow() as uow:
        rows = {
            r["seq"]: dict(r)
            for r in uow.conn.execute(
                select(tables.audit_log).where(log.seq.in_((2, 3)))
            ).mappings()
        }
        for seq, other in ((2, 3), (3, 2)):
            moved = {k: v for k, v in rows[other].items() if k not in ("seq", "event_id")}
            uow.conn.execute(
                update(tables.audit_log).where(log.seq == seq).values(**moved, event_id=-seq)
            )
        uow.commit()
    code, output = verify(world)
    assert code == 1 and "entry 2 does not follow entry 1" in output


def test_checkpoints_are_signed_and_an_export_verifies_with_the_public_key_alone(
    world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    platform = world.platform
    # A hundred orders in a few seconds of wall time: lift the per-customer rate limit (it
    # counts on the wall clock; the orders here are spread over the test's own clock).
    platform.limits = RateLimits({"orders": "1000/minute", "orders_per_ip": "1000/minute"}, None)
    runner = OutboxRunner(platform.db, platform.clock, [AuditConsumer(SEED)])
    for n in range(CHECKPOINT_EVERY + 1):
        platform.clock.advance(timedelta(minutes=2))  # three students, ten orders an hour each
        assert place(world, who=f"student{1 + n % 3}", key=f"many-{n}").status_code == 201
    runner.run_until_idle()
    with platform.uow() as uow:
        [checkpoint] = uow.conn.execute(select(tables.audit_checkpoints)).mappings().all()
    public = chain.public_hex(chain.private_key(SEED))
    assert checkpoint["public_key"] == public
    assert verify(world, "--public-key", public)[0] == 0
    assert verify(world, "--public-key", "22" * 32)[0] == 1  # another key: bad signature

    monkeypatch.setenv("TIFFIN_AUDIT_SIGNING_KEY", SEED)
    out = tmp_path / "export.json"
    url = platform.settings.database_url
    exported = CliRunner().invoke(
        app,
        [
            "audit",
            "export",
            "--database-url",
            url,
            "--from",
            "2000-01-01T00:00:00",
            "--to",
            "2999-01-01T00:00:00",
            "--out",
            str(out),
        ],
    )
    assert exported.exit_code == 0, exported.output
    monkeypatch.delenv("TIFFIN_AUDIT_SIGNING_KEY")
    ok = CliRunner().invoke(app, ["audit", "verify", "--file", str(out), "--public-key", public])
    assert ok.exit_code == 0, ok.output
    document = json.loads(out.read_text())
    document["entries"][5]["subject"] = "ord_forged"
    out.write_text(json.dumps(document))
    forged = CliRunner().invoke(
        app, ["audit", "verify", "--file", str(out), "--public-key", public]
    )
    assert forged.exit_code == 1 and "entry 6 was changed" in forged.output


def test_every_message_to_a_customer_is_chained_with_its_words(world: World) -> None:
    order = place(world, key="told").json()
    c = world.client
    c.post(
        f"/v1/orders/{order['id']}/reject",
        json={"reason": "sold out"},
        headers=world.auth(merchant_of(world, order)),
    )
    world.drain()
    customer = world.subjects["student1"]
    m = tables.inbox_messages.c
    with world.platform.uow(read_only=True) as uow:
        told = {
            (r.title, r.body)
            for r in uow.conn.execute(select(m.title, m.body).where(m.customer_id == customer))
        }
        chained = list(
            uow.conn.execute(select(tables.audit_log).where(log.kind == "audit.message")).mappings()
        )
    assert len(told) >= 2  # "order placed", and the apology for the rejection
    words = {(e["data"]["title"], e["data"]["body"]) for e in chained}
    assert told <= words
    assert {e["data"]["recipient"] for e in chained} == {f"customer:{customer}"}
    assert all(e["data"]["order_id"] == order["id"] for e in chained)
    pushed = [e for e in chained if "push" in e["data"]["channels"]]
    assert pushed and pushed[0]["data"]["dedupe_key"].startswith("anomaly:")
    assert verify(world)[0] == 0


def test_production_refuses_to_start_without_a_signing_key() -> None:
    with pytest.raises(ValueError, match="TIFFIN_AUDIT_SIGNING_KEY"):
        Settings(production=True)
    assert Settings(production=True, audit_signing_key=SEED).production

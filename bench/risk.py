"""Risk control's cost: a claim decision with 50 rules, and order placement with risk on vs off.

1. Decision latency on SQLite and PostgreSQL: a tenant with 50 saved claim rules and a month of
   history (300 customers, ~6,000 orders, claims, grants); ``risk.service.assess`` for random
   customers (rules loaded, features read, rules scored, the decision's row staged; then
   committed as a claim's is, the row with the commit's statement; psycopg forgets a
   connection's prepared statements on a rollback, so the decisions are not rolled back), beside
   the same features read and the same 50 checks written as plain Python, in the same run.
2. Order placement throughput through the API (bench/api_orders.py's servers and load
   generator) with ``TIFFIN_RISK_ON_ORDERS`` true vs false, side by side, in turn.

    python bench/risk.py [--decisions 400] [--seconds 4] [--rounds 3] [--skip-postgres]

Writes bench/results/risk.md.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

import api_orders  # noqa: E402
from sqlalchemy import create_engine, insert, select  # noqa: E402

from tiffin.clock import ManualClock  # noqa: E402
from tiffin.domain.ids import new_id  # noqa: E402
from tiffin.domain.principals import Principal, Role  # noqa: E402
from tiffin.risk import features  # noqa: E402
from tiffin.risk import service as risk  # noqa: E402
from tiffin.risk.defaults import DEFAULT_RULES  # noqa: E402
from tiffin.risk.expr import compile_rule  # noqa: E402
from tiffin.risk.model import FEATURES, Checkpoint, named  # noqa: E402
from tiffin.seed import seed_demo  # noqa: E402
from tiffin.store import tables  # noqa: E402
from tiffin.store.db import Database  # noqa: E402
from tiffin.store.uow import UnitOfWork  # noqa: E402

NOW = datetime(2026, 6, 1, 12, tzinfo=UTC)
CUSTOMERS, ORDERS_EACH = 300, 20
TARGET_MEDIAN_MS, TARGET_P99_MS, TARGET_RATIO = 2.0, 10.0, 0.9

Check = Callable[[dict[str, float | bool]], bool]
# (expression template, the same check in plain Python), thresholds filled in per rule
TEMPLATES: list[tuple[str, Callable[[float], Check]]] = [
    ("claims_30d >= {a}", lambda a: lambda f: f["claims_30d"] >= a),
    (
        "claims_per_delivered_30d > {a} and claims_30d >= 3",
        lambda a: lambda f: f["claims_per_delivered_30d"] > a / 10 and f["claims_30d"] >= 3,
    ),
    (
        "orders_24h >= {a} and new_account",
        lambda a: lambda f: f["orders_24h"] >= a and bool(f["new_account"]),
    ),
    (
        "granted_cents_30d > {a} * 100 or grants_24h >= 3",
        lambda a: lambda f: f["granted_cents_30d"] > a * 100 or f["grants_24h"] >= 3,
    ),
    (
        "not new_account and account_age_days < {a} and claim_cents >= 2000",
        lambda a: (
            lambda f: (
                (not f["new_account"]) and f["account_age_days"] < a and f["claim_cents"] >= 2000
            )
        ),
    ),
]


def rules() -> list[tuple[str, Check]]:
    """50 (expression, plain check) pairs with different thresholds."""
    out = []
    for n in range(50):
        text, plain = TEMPLATES[n % len(TEMPLATES)]
        a = 3 + n // len(TEMPLATES)
        expression = text.format(a=a if "claims_per" not in text else f"0.{a % 10}")
        out.append((expression, plain(a if "claims_per" not in text else a % 10)))
    return out


def build(url: str) -> tuple[Database, ManualClock, Principal, list[tuple[str, str, str]]]:
    """A tenant with a month of history and 50 saved claim rules; per customer, an order of
    theirs to claim on and the device they claim from (some devices shared by two)."""
    clock = ManualClock(NOW - timedelta(days=35))
    db = Database(url)
    db.migrate()
    rng = random.Random(7)
    with UnitOfWork(db, clock) as uow:
        seed_demo(uow, slug="campus")
        tenant_id = uow.conn.execute(select(tables.tenants.c.id)).scalar_one()
        ops_id = uow.conn.execute(
            select(tables.users.c.id).where(tables.users.c.role == "operator")
        ).scalar_one()
        ops = Principal(ops_id, tenant_id, Role.OPERATOR, None)
        merchant = uow.conn.execute(select(tables.merchants.c.id)).scalars().first()
        customers, orders, claims, grants, devices = [], [], [], [], []
        for c in range(CUSTOMERS):
            cid = new_id("cus")
            customers.append(cid)
            uow.conn.execute(
                insert(tables.customers).values(
                    id=cid,
                    tenant_id=tenant_id,
                    name=f"c{c}",
                    lat=31.03,
                    lon=121.44,
                    address_note="",
                    language="en",
                    phone="",
                )
            )
            uow.conn.execute(
                insert(tables.users).values(
                    id=new_id("usr"),
                    tenant_id=tenant_id,
                    role="customer",
                    email=f"c{c}@bench.test",
                    password_hash="x",
                    display_name=f"c{c}",
                    subject_id=cid,
                    created_at=NOW - timedelta(days=rng.randint(1, 400)),
                )
            )
            for _ in range(ORDERS_EACH):
                at = NOW - timedelta(minutes=rng.randint(1, 30 * 1440))
                oid = new_id("ord")
                orders.append(
                    {
                        "id": oid,
                        "tenant_id": tenant_id,
                        "customer_id": cid,
                        "merchant_id": merchant,
                        "status": "delivered",
                        "dropoff_lat": 31.03 + rng.random() / 100,
                        "dropoff_lon": 121.44 + rng.random() / 100,
                        "dropoff_note": "",
                        "delivery_fee_cents": 300,
                        "items_cents": 2400,
                        "discount_cents": 0,
                        "placed_at": at,
                        "promised_at": at + timedelta(minutes=30),
                        "finished_at": at + timedelta(minutes=30),
                        "version": 1,
                    }
                )
                if rng.random() < 0.08:
                    claims.append(
                        {
                            "id": new_id("anm"),
                            "tenant_id": tenant_id,
                            "order_id": oid,
                            "type": "item_problem",
                            "severity": 2,
                            "status": "handled",
                            "liable": "merchant",
                            "reason": "items_missing",
                            "facts": {},
                            "since_at": at,
                            "detected_at": at + timedelta(minutes=40),
                            "sla_due_at": at + timedelta(hours=1),
                            "occurrences": 1,
                            "playbook_version": 0,
                        }
                    )
                    grants.append(
                        {
                            "id": new_id("grt"),
                            "tenant_id": tenant_id,
                            "customer_id": cid,
                            "order_id": oid,
                            "cause": "bench",
                            "amount_cents": 300,
                            "refund_cents": 1200,
                            "points_multiplier": 0,
                            "liable": "merchant",
                            "payer": "merchant:x",
                            "policy_version": 0,
                            "reason": "bench",
                            "status": "granted",
                            "created_at": at + timedelta(minutes=41),
                        }
                    )
        for n, cid in enumerate(customers):
            devices.append(
                {
                    "tenant_id": tenant_id,
                    "device_id": f"phone-{n % 250}",
                    "customer_id": cid,
                    "first_seen_at": NOW - timedelta(days=40),
                }
            )
        claimed = [
            (
                cid,
                next(o["id"] for o in reversed(orders) if o["customer_id"] == cid),
                f"phone-{n % 250}",
            )
            for n, cid in enumerate(customers)
        ]
        uow.conn.execute(insert(tables.risk_devices), devices)
        uow.conn.execute(insert(tables.orders), orders)
        uow.conn.execute(insert(tables.anomalies), claims)
        uow.conn.execute(insert(tables.grants), grants)
        for n, (expression, _) in enumerate(rules()):
            draft = risk.RuleDraft(f"bench_{n}", "bench rule", expression, 1, Checkpoint.CLAIM)
            risk.save_rule(uow, ops, draft)
        uow.commit()
    if db.is_postgres:  # statistics, as autovacuum keeps them on a live database
        with db.engine.connect() as conn:
            conn.exec_driver_sql("ANALYZE")
            conn.commit()
    clock.set(NOW)
    with UnitOfWork(db, clock) as uow:  # as the platform does at start
        risk.warm(uow, ops.tenant_id)
    return db, clock, ops, claimed


def pct(xs: list[float], q: float) -> float:
    ordered = sorted(xs)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def decisions(url: str, label: str, n: int) -> list[str]:
    """Median and p99 of tiffin's decision beside the plain-Python checks, on one database."""
    db, clock, ops, claimed = build(url)
    rng = random.Random(11)
    plain = [check for _, check in rules()]
    compiled = [compile_rule(e, FEATURES) for e, _ in rules()]
    with UnitOfWork(db, clock) as uow:  # what the decision reads: every claim rule's features
        live, _, _ = risk.in_force(uow, ops.tenant_id)
    wanted = named(live, (Checkpoint.CLAIM,))
    ours: list[float] = []
    baseline: list[float] = []
    eval_ours: list[float] = []
    eval_plain: list[float] = []
    for i in range(n):
        cid, order_id, device = claimed[rng.randrange(len(claimed))]
        subject = features.Subject(
            ops.tenant_id,
            cid,
            order_id,
            device,
            order_total_cents=2700,
            claim_cents=1500,
            counts_this_claim=True,
        )
        with UnitOfWork(db, clock) as uow:
            if i % 2 == 0:
                t = time.perf_counter()
                risk.assess(uow, Checkpoint.CLAIM, subject)
                ours.append((time.perf_counter() - t) * 1000)
            else:
                t = time.perf_counter()
                feats = features.read(uow, subject, wanted)
                sum(1 for check in plain if check(feats))
                baseline.append((time.perf_counter() - t) * 1000)
                t = time.perf_counter()
                sum(1 for e in compiled if e.holds(feats))
                eval_ours.append((time.perf_counter() - t) * 1000)
                t = time.perf_counter()
                sum(1 for check in plain if check(feats))
                eval_plain.append((time.perf_counter() - t) * 1000)
            uow.commit()
    db.dispose()
    rows = [
        ("tiffin decision (rules + features + scoring, row staged)", ours),
        ("plain Python: same features + 50 checks", baseline),
        ("rule evaluation only: tiffin's 50 rules", eval_ours),
        ("rule evaluation only: 50 plain Python checks", eval_plain),
    ]
    out = []
    for what, xs in rows:
        out.append(f"| {label} | {what} | {statistics.median(xs):.3f} | {pct(xs, 0.99):.3f} |")
        print(out[-1], flush=True)
    return out


OFF = {"TIFFIN_RISK_ON_ORDERS": "false", "TIFFIN_AUDIT_CHAIN": "false"}
ON = {
    "TIFFIN_RISK_ON_ORDERS": "true",
    "TIFFIN_AUDIT_CHAIN": "true",
    "TIFFIN_AUDIT_SIGNING_KEY": "11" * 32,
}


def never_block(url: str) -> None:
    """The load generator's three customers order hundreds of times an hour, which the default
    rules rightly refuse. So that every request answers 201 and takes the common path (rules
    read and evaluated, none firing, nothing recorded), the bench tenant's order and coupon
    rules are the defaults with their thresholds out of reach."""
    engine = create_engine(url)
    with engine.begin() as conn:
        t = tables.tenants.c  # the server also seeds a tenant of its own for the demo day
        tenant = conn.execute(select(t.id).where(t.slug == "campus")).scalar_one()
        for rule in DEFAULT_RULES:
            hot = rule.checkpoint in (Checkpoint.ORDER, Checkpoint.COUPON)
            expression = f"orders_1h >= 100000 and ({rule.expression})" if hot else rule.expression
            conn.execute(
                insert(tables.risk_rules).values(
                    id=new_id("rrl"),
                    tenant_id=tenant,
                    rule_id=rule.rule_id,
                    version=1,
                    checkpoint=rule.checkpoint.value,
                    mode="live",
                    description=rule.description,
                    expression=expression,
                    score=rule.score,
                    enabled=True,
                    snoozed_until=None,
                    created_by="bench",
                    created_at=datetime.now(UTC),
                )
            )
    engine.dispose()


def throughput(url_for: Callable[[str], str], label: str, seconds: float, rounds: int) -> str:
    off_runs, on_runs = [], []
    with (
        api_orders.tiffin_server(url_for("off"), label, 8, OFF) as off,
        api_orders.tiffin_server(url_for("on"), label, 8, ON) as on,
    ):
        never_block(url_for("on"))
        for _ in range(rounds):
            off_runs.append(off(seconds))
            on_runs.append(on(seconds))
            print(
                f"{label}: off {off_runs[-1].throughput:.0f}, "
                f"on {on_runs[-1].throughput:.0f} orders/s",
                flush=True,
            )
    a, b = api_orders.merged(off_runs), api_orders.merged(on_runs)
    ratios = ", ".join(
        f"{y.throughput / x.throughput:.2f}" for x, y in zip(off_runs, on_runs, strict=True)
    )
    return (
        f"| {label} | {a.throughput:.0f} | {b.throughput:.0f} | "
        f"{b.throughput / a.throughput:.2f} | {ratios} | {a.cpu_ms_per_order:.2f} | "
        f"{b.cpu_ms_per_order:.2f} | {a.cpu_ms_per_order / b.cpu_ms_per_order:.2f} | "
        f"{a.errors + b.errors} |"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--decisions", type=int, default=400)
    parser.add_argument("--seconds", type=float, default=4.0)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--skip-postgres", action="store_true")
    parser.add_argument("--skip-throughput", action="store_true")
    parser.add_argument("--skip-decisions", action="store_true")
    args = parser.parse_args()
    lines = [
        "# Risk control: decision latency and order placement with risk on",
        "",
        f"A tenant with 50 saved claim rules, {CUSTOMERS} customers and {CUSTOMERS * ORDERS_EACH} "
        "orders over 30 days (8 % claimed). Each decision is a claim on one of the customer's "
        "orders from a device (some shared by two accounts), in one unit of work, committed as a "
        "claim's is, its row with the commit's statement (the time is taken before the commit). "
        "The plain-Python line reads the same "
        "features (every claim rule's, the tenant's adopted defaults included).",
        "",
        "| database | what | median ms | p99 ms |",
        "|---|---|---:|---:|",
    ]
    if not args.skip_decisions:
        with tempfile.TemporaryDirectory() as tmp:
            lines += decisions(f"sqlite:///{tmp}/risk.db", "SQLite", args.decisions)
        if not args.skip_postgres:
            with api_orders.postgres_database() as url:
                lines += decisions(url, "PostgreSQL", args.decisions)
    lines += (
        [
            "",
            f"Targets: decision median <= {TARGET_MEDIAN_MS} ms, p99 <= {TARGET_P99_MS} ms.",
            "",
        ]
        if not args.skip_decisions
        else ["| (decisions skipped) | | | |", ""]
    )
    if not args.skip_throughput:
        lines += [
            "Order placement through the API, 8 clients; 'off': no risk checkpoints and no audit "
            "consumer, 'on': both (the audit chain appended by the server's outbox worker), "
            "side by side "
            f"({args.rounds} rounds of {args.seconds:g} s, in turn):",
            "",
            "| database | off orders/s | on orders/s | on/off | per round | off CPU ms/order "
            "| on CPU ms/order | CPU off/on | errors |",
            "|---|---:|---:|---:|---|---:|---:|---:|---:|",
        ]
        with tempfile.TemporaryDirectory() as tmp:
            lines.append(
                throughput(lambda s: f"sqlite:///{tmp}/{s}.db", "SQLite", args.seconds, args.rounds)
            )
        if not args.skip_postgres:
            with api_orders.postgres_database() as a, api_orders.postgres_database() as b:
                urls = {"off": a, "on": b}
                lines.append(throughput(urls.__getitem__, "PostgreSQL", args.seconds, args.rounds))
        lines += ["", f"Target: on/off >= {TARGET_RATIO}.", ""]
    table = "\n".join(lines)
    print(table)
    api_orders.RESULTS.mkdir(parents=True, exist_ok=True)
    (api_orders.RESULTS / "risk.md").write_text(table)
    return 0


if __name__ == "__main__":
    sys.exit(main())

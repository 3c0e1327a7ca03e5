"""A client generated from the OpenAPI document walks one order's life, refusals included.

The document comes from ``tiffin openapi`` (as ``make client`` does) and the client from
``openapi-python-client`` (the dev extra installs it); the client talks to the app in process.
"""

from __future__ import annotations

import importlib
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.api.helpers import merchant_of
from tests.conftest import World
from tiffin.seed import DEMO_PASSWORD, DEMO_TENANT

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = "tiffin_client"


def _generator() -> str | None:
    beside_python = Path(sys.executable).with_name("openapi-python-client")
    return str(beside_python) if beside_python.exists() else shutil.which("openapi-python-client")


@pytest.fixture(scope="module")
def client_package(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    generator = _generator()
    if generator is None:
        pytest.skip("openapi-python-client is not installed (pip install -e '.[dev]' installs it)")
    where = tmp_path_factory.mktemp("client")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"  # its ruff
    document = where / "openapi.json"
    subprocess.run(
        [sys.executable, "-m", "tiffin", "openapi", "--output", str(document)],
        check=True,
        env=env,
    )
    subprocess.run(
        [generator, "generate", "--path", str(document), "--output-path", str(where / PACKAGE)]
        + ["--meta", "none"],
        check=True,
        env=env,
        capture_output=True,
    )
    sys.path.insert(0, str(where))
    try:
        yield _Client(importlib.import_module(PACKAGE))
    finally:
        sys.path.remove(str(where))
        for name in [n for n in sys.modules if n == PACKAGE or n.startswith(PACKAGE + ".")]:
            del sys.modules[name]


class _Client:
    """The generated package's modules, imported by name."""

    def __init__(self, package: ModuleType) -> None:
        self.package = package

    def op(self, tag: str, operation_id: str) -> Any:
        return importlib.import_module(f"{PACKAGE}.api.{tag}.{operation_id}")

    def models(self) -> Any:
        return importlib.import_module(f"{PACKAGE}.models")


def _session(gen: _Client, world: World, token: str | None = None) -> Any:
    """A generated client whose requests go to the app in process."""
    package: Any = gen.package
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    transport = TestClient(world.client.app, headers=headers)
    if token is None:
        return package.Client(base_url="http://testserver").set_httpx_client(transport)
    client = package.AuthenticatedClient(base_url="http://testserver", token=token)
    return client.set_httpx_client(transport)


def _log_in(gen: _Client, world: World, who: str) -> Any:
    m = gen.models()
    body = m.LoginIn(tenant=DEMO_TENANT, email=f"{who}@campus.test", password=DEMO_PASSWORD)
    answer = gen.op("accounts", "auth_login").sync(client=_session(gen, world), body=body)
    assert isinstance(answer, m.TokenRead), answer
    return _session(gen, world, answer.access_token)


def test_an_order_lives_its_whole_life_through_the_generated_client(
    world: World, client_package: _Client
) -> None:
    gen, m = client_package, client_package.models()
    student, ops, rider = (_log_in(gen, world, who) for who in ("student1", "ops", "rider1"))

    merchants = gen.op("merchants", "merchants_list").sync(client=student)
    chosen = sorted(merchants, key=lambda x: x.name)[0]
    detail = gen.op("merchants", "merchants_get").sync(chosen.id, client=student)
    body = m.OrderCreate(
        merchant_id=chosen.id, items=[m.LineIn(item_id=detail.menu[0].id, quantity=2)]
    )
    place = gen.op("orders", "orders_place")
    first = place.sync_detailed(client=student, body=body, idempotency_key="gen-1")
    assert first.status_code == 201 and isinstance(first.parsed, m.OrderRead)
    order = first.parsed
    replay = place.sync_detailed(client=student, body=body, idempotency_key="gen-1")
    assert replay.status_code == 201 and replay.parsed.id == order.id
    assert replay.headers["Idempotent-Replayed"] == "true"

    other = m.OrderCreate(
        merchant_id=chosen.id, items=[m.LineIn(item_id=detail.menu[0].id, quantity=3)]
    )
    reused = place.sync_detailed(client=student, body=other, idempotency_key="gen-1")
    assert reused.status_code == 422
    assert isinstance(reused.parsed, m.Problem)
    assert reused.parsed.code == "idempotency_key_reused" and reused.parsed.status == 422

    canteen = _log_in(gen, world, merchant_of(world, {"merchant_id": order.merchant_id}))
    accepted = gen.op("orders", "orders_accept").sync(order.id, client=canteen)
    assert accepted.status == m.OrderStatus.ACCEPTED
    on_campus = m.LocationIn(location=m.Point(lat=31.03, lon=121.44))
    gen.op("riders", "riders_start_shift").sync(client=rider, body=on_campus)
    offer = gen.op("riders", "orders_offer").sync(
        order.id, client=ops, body=m.OfferCreate(rider_id=world.subjects["rider1"])
    )
    assert isinstance(offer, m.OfferRead)
    gen.op("riders", "offers_accept").sync(offer.id, client=rider)

    too_early = gen.op("orders", "orders_pick_up").sync_detailed(order.id, client=rider)
    assert isinstance(too_early.parsed, m.Problem) and too_early.parsed.code == "food_not_ready"
    gen.op("orders", "orders_ready").sync(order.id, client=canteen)
    gen.op("orders", "orders_pick_up").sync(order.id, client=rider)
    done = gen.op("orders", "orders_deliver").sync(order.id, client=rider)
    assert done.status == m.OrderStatus.DELIVERED
    assert [h.action for h in done.history][-1] == "deliver"

    refused = gen.op("orders", "orders_get").sync_detailed(order.id, client=_session(gen, world))
    assert refused.status_code == 401 and refused.parsed.code == "missing_token"

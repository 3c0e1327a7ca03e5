"""The fake unit of work keeps the real repositories' named queries: same names, same
parameters, so a service that runs on the fake runs on the database."""

from __future__ import annotations

import inspect

import pytest

from tests.unit import fakes
from tiffin.store import credentials, repositories

PAIRS = [
    (repositories.Tenants, fakes.FakeTenants),
    (repositories.Zones, fakes.FakeZones),
    (repositories.Merchants, fakes.FakeMerchants),
    (repositories.MenuItems, fakes.FakeMenuItems),
    (repositories.Customers, fakes.FakeCustomers),
    (repositories.Riders, fakes.FakeRiders),
    (repositories.Shifts, fakes.FakeShifts),
    (repositories.Offers, fakes.FakeOffers),
    (repositories.RiskZones, fakes.FakeRiskZones),
    (repositories.Orders, fakes.FakeOrders),
    (credentials.Users, fakes.FakeUsers),
    (credentials.Tokens, fakes.FakeTokens),
]
RAW = {"find"}  # raw conditions: what the named queries replace, not offered by the fake


def _methods(cls: type) -> dict[str, list[str]]:
    return {
        name: list(inspect.signature(fn).parameters)
        for name, fn in inspect.getmembers(cls, inspect.isfunction)
        if not name.startswith("_") and name not in RAW
    }


@pytest.mark.parametrize(("real", "fake"), PAIRS, ids=[r.__name__ for r, _ in PAIRS])
def test_the_fake_repository_has_every_method_of_the_real_one(real: type, fake: type) -> None:
    theirs = _methods(fake)
    for name, params in _methods(real).items():
        assert name in theirs, f"{fake.__name__} lacks {name}"
        assert theirs[name] == params, f"{fake.__name__}.{name} takes {theirs[name]}"


def test_the_fake_unit_of_work_has_every_repository_of_the_real_one() -> None:
    real = set(inspect.get_annotations(fakes.UnitOfWork)) - {"conn"}
    assert real <= set(vars(fakes.FakeUnitOfWork()))

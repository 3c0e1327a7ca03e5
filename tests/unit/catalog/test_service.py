"""Merchant and menu use cases on an in-memory unit of work: where merchants may be, who may
change a menu, and what customers are shown."""

from __future__ import annotations

import pytest

from tests.unit.fakes import FakeUnitOfWork
from tests.unit.world import CAMPUS, CUSTOMER, MERCHANT, TENANT, build_campus
from tiffin.catalog import service
from tiffin.domain.geo import LatLon
from tiffin.domain.people import MenuItem, Merchant
from tiffin.domain.principals import Principal, Role
from tiffin.errors import Forbidden, Invalid, NotFound

ELSEWHERE_TENANT = "ten_city"


@pytest.fixture
def uow() -> FakeUnitOfWork:
    uow = FakeUnitOfWork()
    build_campus(uow)
    uow.merchants.add(Merchant("mer_2", TENANT, "East Canteen", CAMPUS))
    uow.merchants.add(Merchant("mer_city", ELSEWHERE_TENANT, "Another city's diner", CAMPUS))
    uow.menu_items.add(MenuItem("itm_noodles", "mer_2", "Noodles", 1100))
    uow.commit()
    return uow


def test_a_merchant_outside_every_zone_is_refused(uow: FakeUnitOfWork) -> None:
    far = LatLon(CAMPUS.lat + 1, CAMPUS.lon)
    with pytest.raises(Invalid) as refused:
        service.register_merchant(
            uow.real, tenant_id=TENANT, name="Far", location=far, prep_minutes=9
        )
    assert refused.value.code == "address_outside_zones"
    added = service.register_merchant(
        uow.real, tenant_id=TENANT, name="Near", location=CAMPUS, prep_minutes=9
    )
    uow.commit()
    assert uow.merchants.require(added.id).prep_minutes == 9


def test_a_merchant_changes_only_its_own_menu(uow: FakeUnitOfWork) -> None:
    with pytest.raises(NotFound):
        service.update_menu_item(uow.real, MERCHANT, "itm_noodles", price_cents=1)
    service.update_menu_item(uow.real, MERCHANT, "itm_rice", price_cents=1300, available=False)
    uow.commit()
    rice = uow.menu_items.require("itm_rice")
    assert (rice.price_cents, rice.available, rice.name) == (1300, False, "Rice bowl")
    assert uow.menu_items.require("itm_noodles").price_cents == 1100
    with pytest.raises(Forbidden):
        service.add_menu_item(uow.real, CUSTOMER, name="Cake", price_cents=500)


def test_customers_see_the_tenants_merchants_by_name_and_what_is_not_sold_out(
    uow: FakeUnitOfWork,
) -> None:
    assert [m.id for m in service.list_merchants(uow.real, CUSTOMER)] == ["mer_2", "mer_1"]
    assert [i.id for i in service.menu_of(uow.real, "mer_1")] == ["itm_dumplings", "itm_rice"]
    assert [i.id for i in service.menu_of(uow.real, "mer_1", only_available=True)] == ["itm_rice"]
    stranger = Principal("usr_x", ELSEWHERE_TENANT, Role.CUSTOMER, "cus_x")
    with pytest.raises(NotFound):
        service.merchant_in_tenant(uow.real, stranger, "mer_1")


def test_closing_a_merchant_is_saved(uow: FakeUnitOfWork) -> None:
    service.update_merchant(uow.real, MERCHANT, is_open=False)
    uow.commit()
    assert not uow.merchants.require("mer_1").is_open
    assert uow.merchants.require("mer_1").prep_minutes == 12

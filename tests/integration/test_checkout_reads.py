"""The two reads behind every order placed: who is buying, and from which menu."""

from __future__ import annotations

from dataclasses import replace

from tests.integration.helpers import seeded
from tiffin.domain.geo import LatLon
from tiffin.domain.people import Merchant
from tiffin.ordering import queries
from tiffin.platform import Platform


def test_the_buyer_comes_with_their_tenant_and_every_zone(platform: Platform) -> None:
    ids = seeded(platform)
    assert ids.customer.subject_id is not None
    with platform.uow(read_only=True) as uow:
        found = queries.buyer(uow, ids.customer.subject_id)
        zones = uow.zones.find()
        tenant = uow.tenants.get(ids.customer.tenant_id)
        assert queries.buyer(uow, "cus_nobody") is None
    assert found is not None
    assert found.customer.id == ids.customer.subject_id
    assert found.tenant == tenant
    assert sorted(z.id for z in found.zones) == sorted(z.id for z in zones)


def test_a_merchant_comes_with_its_whole_menu_or_an_empty_one(platform: Platform) -> None:
    ids = seeded(platform)
    tenant_id = ids.customer.tenant_id
    with platform.uow() as uow:
        canteen = uow.merchants.get(ids.merchant_id)
        bare = replace(canteen, id="mer_no_menu_yet", name="New stall", location=LatLon(31, 121))
        uow.merchants.add(bare)
        uow.commit()
    with platform.uow(read_only=True) as uow:
        front = queries.storefront(uow, ids.merchant_id, tenant_id)
        items = uow.menu_items.find()
        empty = queries.storefront(uow, "mer_no_menu_yet", tenant_id)
        elsewhere = queries.storefront(uow, ids.merchant_id, "ten_other")
        buyer = queries.buyer(uow, ids.customer.subject_id or "")
    assert front is not None and front.merchant == canteen
    assert front.menu == {i.id: i for i in items if i.merchant_id == ids.merchant_id}
    assert empty is not None and isinstance(empty.merchant, Merchant) and empty.menu == {}
    assert elsewhere is None
    assert buyer is not None and front.catalog_version == buyer.catalog_version > 0

"""The delivery promise shown to the customer at checkout (pure)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import datetime, timedelta

from tiffin.domain.geo import LatLon, travel_minutes
from tiffin.domain.people import Merchant, Tenant
from tiffin.domain.weather import WeatherWindow, storm_buffer_minutes


def promised_at(
    *,
    tenant: Tenant,
    merchant: Merchant,
    dropoff: LatLon,
    placed_at: datetime,
    weather: Sequence[WeatherWindow] = (),
) -> datetime:
    """Placement + preparation + the ride from merchant to door + the tenant's buffer, + the
    storm buffer while one of ``weather``'s windows covers the drop-off or the merchant.

    The buffer absorbs the rider's trip to the merchant and the hand-overs; dispatch works to
    beat the promise, and the anomaly engine treats missing it as lateness. In a storm riders
    are slower: a promise that ignored it would be broken for most orders in the zone.
    """
    ride = travel_minutes(merchant.location, dropoff, tenant.rider_speed_m_per_min)
    minutes = merchant.prep_minutes + math.ceil(ride) + tenant.promise_buffer_at(placed_at)
    minutes += storm_buffer_minutes(weather, placed_at, (dropoff, merchant.location))
    return placed_at + timedelta(minutes=minutes)

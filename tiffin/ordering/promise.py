"""The delivery promise shown to the customer at checkout (pure)."""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from tiffin.domain.geo import LatLon, travel_minutes
from tiffin.domain.people import Merchant, Tenant


def promised_at(
    *, tenant: Tenant, merchant: Merchant, dropoff: LatLon, placed_at: datetime
) -> datetime:
    """Placement + preparation + the ride from merchant to door + the tenant's buffer.

    The buffer absorbs the rider's trip to the merchant and the hand-overs; dispatch works to
    beat the promise, and the anomaly engine treats missing it as lateness.
    """
    ride = travel_minutes(merchant.location, dropoff, tenant.rider_speed_m_per_min)
    minutes = merchant.prep_minutes + math.ceil(ride) + tenant.promise_buffer_at(placed_at)
    return placed_at + timedelta(minutes=minutes)

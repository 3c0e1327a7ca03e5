"""Dispatch leader leases: one holder at a time; renewal keeps it; expiry hands it over."""

from __future__ import annotations

from datetime import timedelta

from tiffin.clock import ManualClock
from tiffin.platform import Platform
from tiffin.resilience.leases import hold, holders

TTL = timedelta(seconds=6)


def take(platform: Platform, holder: str) -> bool:
    with platform.uow() as uow:
        got = hold(uow, "dispatch:t1", holder, TTL)
        uow.commit()
    return got


def test_one_leader_at_a_time_and_a_lapsed_lease_changes_hands(
    platform: Platform, clock: ManualClock
) -> None:
    assert take(platform, "a") is True
    assert take(platform, "b") is False
    clock.advance(timedelta(seconds=4))
    assert take(platform, "a") is True  # renewed: good for six more seconds
    clock.advance(timedelta(seconds=5))
    assert take(platform, "b") is False  # not lapsed yet
    with platform.uow(read_only=True) as uow:
        holder, expires = holders(uow)["dispatch:t1"]
    assert holder == "a" and expires == clock.now() + timedelta(seconds=1)
    clock.advance(timedelta(seconds=2))
    assert take(platform, "b") is True  # a went quiet: b leads
    assert take(platform, "a") is False


def test_only_the_leader_dispatches(platform: Platform) -> None:
    from tests.integration.helpers import seeded

    seeded(platform)
    other = Platform(settings=platform.settings, db=platform.db, clock=platform.clock)
    assert platform.identity != other.identity
    platform.dispatch_once()
    other.dispatch_once()
    with platform.uow(read_only=True) as uow:
        leaders = {holder for holder, _ in holders(uow).values()}
    assert leaders == {platform.identity}

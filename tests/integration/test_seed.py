"""The demo seed creates exactly the logins it advertises."""

from __future__ import annotations

from sqlalchemy import select

from tiffin.accounts import vetting
from tiffin.platform import Platform
from tiffin.seed import demo_logins, seed_demo
from tiffin.store import tables


def test_demo_logins_match_what_the_seed_creates(platform: Platform) -> None:
    with platform.uow() as uow:
        created = seed_demo(uow)
        uow.commit()
    assert created == demo_logins()
    with platform.uow(read_only=True) as uow:
        emails = set(uow.conn.execute(select(tables.users.c.email)).scalars())
    assert emails == {login.email for login in demo_logins()}


def test_the_demo_riders_and_merchants_are_approved(platform: Platform) -> None:
    with platform.uow() as uow:
        seed_demo(uow)
        uow.commit()
    with platform.uow(read_only=True) as uow:
        riders = list(uow.conn.execute(select(tables.riders.c.id)).scalars())
        merchants = list(uow.conn.execute(select(tables.merchants.c.id)).scalars())
        reviews = {s: vetting.status_of(uow, s) for s in riders + merchants}
    assert len(reviews) == 7 and set(reviews.values()) == {vetting.Review.APPROVED}

"""The demo seed creates exactly the logins it advertises."""

from __future__ import annotations

from sqlalchemy import select

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

"""Named transaction locks: one holder at a time on PostgreSQL, released when the holder ends."""

from __future__ import annotations

from tiffin.platform import Platform
from tiffin.store.locks import lock, try_lock


def test_a_held_lock_refuses_a_second_taker_until_the_holder_commits(platform: Platform) -> None:
    with platform.uow() as first:
        assert try_lock(first, "dispatch:campus")
        if platform.db.is_postgres:  # SQLite's single writer is the lock there
            with platform.uow() as second:  # another transaction, as another process would be
                assert not try_lock(second, "dispatch:campus")
                assert try_lock(second, "dispatch:other-tenant")
        first.commit()
    with platform.uow() as later:
        assert try_lock(later, "dispatch:campus")


def test_a_waiting_lock_is_taken_once_free(platform: Platform) -> None:
    with platform.uow() as uow:
        lock(uow, "care-budget:campus")
        assert try_lock(uow, "care-budget:campus")  # the holder may take it again

"""The token cache spares a round trip but never outlives a token's expiry."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tiffin.accounts import service
from tiffin.accounts.service import TokenCache
from tiffin.domain.principals import Principal, Role
from tiffin.errors import Unauthorized

NOW = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)
WHO = Principal("usr_1", "ten_1", Role.CUSTOMER, "cus_1")


def test_cached_token_skips_the_database_until_its_ttl(monkeypatch: pytest.MonkeyPatch) -> None:
    lookups: list[str] = []

    def fake_lookup(uow: Any, digest: str, now: datetime) -> tuple[Principal, datetime]:
        lookups.append(digest)
        return WHO, NOW + timedelta(hours=1)

    @contextmanager
    def no_db() -> Any:
        yield None

    monkeypatch.setattr(service, "_lookup", fake_lookup)
    cache = TokenCache(ttl=timedelta(seconds=30))
    assert cache.principal(no_db, "tok", NOW) == WHO
    assert cache.principal(no_db, "tok", NOW + timedelta(seconds=29)) == WHO
    assert len(lookups) == 1
    cache.principal(no_db, "tok", NOW + timedelta(seconds=31))
    assert len(lookups) == 2


def test_cached_token_past_its_expiry_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(service, "_lookup", lambda uow, d, now: (WHO, NOW + timedelta(seconds=10)))

    @contextmanager
    def no_db() -> Any:
        yield None

    cache = TokenCache(ttl=timedelta(seconds=30))
    cache.principal(no_db, "tok", NOW)
    with pytest.raises(Unauthorized) as err:
        cache.cached("tok", NOW + timedelta(seconds=11))
    assert err.value.code == "token_expired"

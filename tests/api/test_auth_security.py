"""Brute force, enumeration, floods and token revocation (issue 20, findings 2 and 3)."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.api.helpers import place
from tests.conftest import World, make_platform
from tiffin.accounts import credentials
from tiffin.api.app import create_app
from tiffin.resilience.ratelimit import RateLimits
from tiffin.seed import DEMO_PASSWORD
from tiffin.store import tables

REDIS = "redis://127.0.0.1:6379"
GENEROUS = {"login": "1000/minute", "signup": "1000/minute", "orders": "1000/minute"}


def _limits(storage: str | None, **rules: str) -> RateLimits:
    merged = {**GENEROUS, "orders_per_ip": "1000/minute", **rules}
    return RateLimits(merged, storage, prefix=f"test-{uuid.uuid4().hex}")


def _login(world: World, email: str, password: str, tenant: str = "campus") -> Any:
    body = {"tenant": tenant, "email": email, "password": password}
    return world.client.post("/v1/auth/login", json=body)


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.mark.parametrize("storage", [None, REDIS], ids=["memory", "redis"])
def test_login_signup_and_orders_are_rate_limited_with_retry_after(
    world: World, storage: str | None
) -> None:
    world.platform.limits = _limits(storage, login="3/minute", signup="2/minute", orders="2/minute")
    answers = [_login(world, "student1@campus.test", "wrong horse") for _ in range(4)]
    assert [a.status_code for a in answers] == [401, 401, 401, 429]
    assert answers[-1].json()["code"] == "rate_limited"
    assert 1 <= int(answers[-1].headers["Retry-After"]) <= 60
    body = {"tenant": "campus", "password": "longenough", "name": "R"}
    signups = [
        world.client.post("/v1/auth/riders", json={**body, "email": f"r{n}@x.test"})
        for n in range(3)
    ]
    assert [s.status_code for s in signups] == [202, 202, 429]
    orders = [place(world, key=f"flood-{n}").status_code for n in range(3)]
    assert orders == [201, 201, 429]
    assert place(world, who="student2", key="other").status_code == 201  # per account


def test_redis_counters_are_shared_between_processes(world: World) -> None:
    prefix = f"test-{uuid.uuid4().hex}"
    rules = {"login": "2/minute"}
    first, second = RateLimits(rules, REDIS, prefix=prefix), RateLimits(rules, REDIS, prefix=prefix)
    first.hit("login", "ip:1")
    second.hit("login", "ip:1")
    with pytest.raises(Exception, match="too many") as refused:
        first.hit("login", "ip:1")
    assert getattr(refused.value, "status", None) == 429


def test_failed_logins_lock_the_account_out_for_doubling_times(world: World) -> None:
    world.platform.limits = _limits(None)
    clock = world.platform.clock
    for _ in range(world.platform.lockout.after):
        assert _login(world, "student1@campus.test", "wrong horse").status_code == 401
    locked = _login(world, "student1@campus.test", DEMO_PASSWORD)  # even the right password
    assert locked.status_code == 429 and locked.json()["code"] == "account_locked"
    assert int(locked.headers["Retry-After"]) == 31
    clock.advance(timedelta(seconds=31))
    assert _login(world, "student1@campus.test", "wrong horse").status_code == 401
    assert int(_login(world, "student1@campus.test", DEMO_PASSWORD).headers["Retry-After"]) == 61
    clock.advance(timedelta(seconds=61))
    assert _login(world, "student1@campus.test", DEMO_PASSWORD).status_code == 200
    assert _login(world, "student1@campus.test", "wrong horse").status_code == 401  # reset
    assert _login(world, "student1@campus.test", DEMO_PASSWORD).status_code == 200
    for _ in range(world.platform.lockout.after):  # a name with no account locks out alike
        _login(world, "nobody@campus.test", "wrong horse")
    assert _login(world, "nobody@campus.test", "x").json()["code"] == "account_locked"


def test_unknown_tenant_unknown_user_and_wrong_password_answer_alike(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Same answer, and the same work: each refusal verifies exactly one argon2 hash (a dummy one
    when there is no account), which is what makes their timing alike. Counted, not timed."""
    world.platform.limits = _limits(None)
    verified: list[str] = []
    real = credentials._hasher

    class CountingHasher:
        def verify(self, stored: str, password: str) -> bool:
            verified.append(stored)
            return real.verify(stored, password)

    monkeypatch.setattr(credentials, "_hasher", CountingHasher())
    cases: dict[str, Callable[[], Any]] = {
        "tenant": lambda: _login(world, "student1@campus.test", "wrong horse", tenant="nowhere"),
        "user": lambda: _login(world, "ghost@campus.test", "wrong horse"),
        "password": lambda: _login(world, "student2@campus.test", "wrong horse"),
    }
    answers, hashes = {}, {}
    for name, call in cases.items():
        verified.clear()
        answers[name] = call()
        hashes[name] = len(verified)
    shapes = {(a.status_code, a.json()["code"], a.json()["detail"]) for a in answers.values()}
    assert shapes == {(401, "bad_credentials", "e-mail or password is wrong")}
    assert hashes == {"tenant": 1, "user": 1, "password": 1}


def test_a_signup_with_a_taken_address_answers_as_a_new_one_and_tells_the_owner(
    world: World,
) -> None:
    body = {
        "tenant": "campus",
        "password": "a different one",
        "name": "Impostor",
        "address": {"lat": 31.03, "lon": 121.44},
    }
    taken = world.client.post("/v1/auth/customers", json={**body, "email": "student1@campus.test"})
    fresh = world.client.post("/v1/auth/customers", json={**body, "email": "fresh@campus.test"})
    assert (taken.status_code, taken.json()) == (fresh.status_code, fresh.json())
    assert taken.status_code == 202 and "user_id" not in taken.json()
    inbox = world.client.get("/v1/me/inbox", headers=world.auth("student1")).json()
    assert any(m["title"] == "Someone tried to sign up with your address" for m in inbox)
    assert _login(world, "student1@campus.test", "a different one").status_code == 401
    assert _login(world, "student1@campus.test", DEMO_PASSWORD).status_code == 200
    assert _login(world, "fresh@campus.test", "a different one").status_code == 200
    rider = {"tenant": "campus", "password": "longenough", "name": "R"}
    again = world.client.post("/v1/auth/riders", json={**rider, "email": "rider1@campus.test"})
    assert again.status_code == 202  # a rider's address: told by notification instead
    with world.platform.uow(read_only=True) as uow:
        n = tables.notifications.c
        told = uow.conn.execute(select(n.recipient).where(n.title.like("Someone tried%")))
        assert [r.recipient for r in told] == [f"user:{_user_id(world, 'rider1@campus.test')}"]


def _user_id(world: World, email: str) -> str:
    with world.platform.uow(read_only=True) as uow:
        u = tables.users.c
        return str(uow.conn.execute(select(u.id).where(u.email == email)).scalar_one())


def test_logout_revokes_the_token_at_once_even_when_cached(world: World) -> None:
    token = _login(world, "student1@campus.test", DEMO_PASSWORD).json()["access_token"]
    other = world.auth("student2")
    assert world.client.get("/v1/me", headers=_bearer(token)).status_code == 200  # now cached
    assert world.client.post("/v1/auth/logout").status_code == 401
    assert world.client.post("/v1/auth/logout", headers=_bearer(token)).status_code == 204
    gone = world.client.get("/v1/me", headers=_bearer(token))
    assert gone.status_code == 401 and gone.json()["code"] == "invalid_token"
    assert world.client.get("/v1/me", headers=other).status_code == 200  # only that token
    assert world.client.get("/v1/me", headers=world.auth("student1")).status_code == 200


def test_a_password_change_revokes_every_token_of_the_account(world: World) -> None:
    world.seed("north")  # a second tenant with its own student1
    seeded = world.auth("student1")
    assert world.client.get("/v1/me", headers=seeded).status_code == 200
    path = "/v1/auth/password"
    wrong = world.client.post(
        path, json={"current_password": "nope", "new_password": "a new secret"}, headers=seeded
    )
    assert wrong.status_code == 403 and wrong.json()["code"] == "wrong_password"
    short = world.client.post(
        path, json={"current_password": DEMO_PASSWORD, "new_password": "short"}, headers=seeded
    )
    assert short.status_code == 422 and short.json()["code"] == "validation_error"
    extra = {"current_password": DEMO_PASSWORD, "new_password": "a new secret", "role": "operator"}
    assert world.client.post(path, json=extra, headers=seeded).status_code == 422
    change = {"current_password": DEMO_PASSWORD, "new_password": "a new secret"}
    assert world.client.post(path, json=change).status_code == 401
    changed = world.client.post(path, json=change, headers=seeded)
    assert changed.status_code == 200 and changed.json()["role"] == "customer"
    assert world.client.get("/v1/me", headers=seeded).status_code == 401
    assert world.client.get("/v1/me", headers=_bearer(changed.json()["access_token"])).is_success
    assert world.client.get("/v1/me", headers=world.auth("student2")).status_code == 200
    assert world.client.get("/v1/me", headers=world.auth("student1@north")).status_code == 200
    assert _login(world, "student1@north.test", DEMO_PASSWORD, tenant="north").is_success
    assert _login(world, "student1@campus.test", DEMO_PASSWORD).status_code == 401
    assert _login(world, "student1@campus.test", "a new secret").status_code == 200


def test_a_logout_in_one_process_is_seen_by_another_through_redis(
    database_url: str, world: World
) -> None:
    processes = []
    for _ in range(2):
        p = make_platform(database_url, world.platform.clock)
        p.settings.rate_limit_storage_url = REDIS
        p.__post_init__()  # rebuild the guards from the changed settings
        processes.append((p, TestClient(create_app(platform=p))))
    (_, a), (_, b) = processes
    token = world.tokens["student1"]
    assert b.get("/v1/me", headers=_bearer(token)).status_code == 200  # cached in b
    assert a.post("/v1/auth/logout", headers=_bearer(token)).status_code == 204
    assert b.get("/v1/me", headers=_bearer(token)).status_code == 401
    for p, _ in processes:
        p.db.dispose()


def test_a_login_does_not_hold_the_write_lock_while_hashing(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    verifying, release = threading.Event(), threading.Event()
    real_verify = PasswordHasher.verify

    def slow_verify(self: PasswordHasher, hash: str, password: str | bytes) -> bool:
        verifying.set()
        release.wait(10)
        return real_verify(self, hash, password)

    monkeypatch.setattr(PasswordHasher, "verify", slow_verify)
    login = threading.Thread(target=_login, args=(world, "student1@campus.test", DEMO_PASSWORD))
    login.start()
    try:
        assert verifying.wait(10)
        placed: list[int] = []
        order = threading.Thread(target=lambda: placed.append(place(world, key="x").status_code))
        order.start()
        order.join(5)
        assert placed == [201], "an order could not commit while a login was hashing"
    finally:
        release.set()
        login.join(15)

"""Accounts on an in-memory unit of work: sign-up, login and what a token resolves to."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.unit.fakes import FakeUnitOfWork
from tests.unit.world import TENANT, build_campus
from tiffin.accounts import credentials, service
from tiffin.domain.principals import Role
from tiffin.errors import Conflict, Unauthorized

HOUR = timedelta(hours=1)


@pytest.fixture
def uow() -> FakeUnitOfWork:
    uow = FakeUnitOfWork()
    build_campus(uow)
    service.create_user(
        uow.real,
        tenant_id=TENANT,
        role=Role.CUSTOMER,
        email="Student1@Campus.test ",
        password="correct horse",
        display_name="Student One",
        subject_id="cus_1",
        now=uow.clock.now(),
    )
    uow.commit()
    return uow


def test_an_email_has_one_account_per_tenant_whatever_its_case(uow: FakeUnitOfWork) -> None:
    with pytest.raises(Conflict) as taken:
        service.create_user(
            uow.real,
            tenant_id=TENANT,
            role=Role.CUSTOMER,
            email="STUDENT1@campus.test",
            password_hash="x",
            display_name="Again",
            subject_id=None,
            now=uow.clock.now(),
        )
    assert taken.value.code == "email_taken"
    with pytest.raises(ValueError):
        service.create_user(
            uow.real,
            tenant_id=TENANT,
            role=Role.OPERATOR,
            email="ops@campus.test",
            display_name="Ops",
            subject_id=None,
            now=uow.clock.now(),
        )


def test_login_issues_a_token_that_resolves_to_the_user_until_it_expires(
    uow: FakeUnitOfWork,
) -> None:
    now = uow.clock.now()
    user = credentials.find_login(uow.real, "campus", " STUDENT1@campus.test")
    assert user is not None and credentials.password_matches(user["password_hash"], "correct horse")
    token, expires_at = service.issue_token(uow.real, user["id"], now=now, ttl=HOUR)
    uow.commit()
    assert (user["role"], user["subject_id"], expires_at) == ("customer", "cus_1", now + HOUR)
    assert token not in str(uow.store.tokens)  # only the digest is kept
    cache = service.TokenCache()
    principal = cache.principal(lambda: uow.real, token, now)
    assert (principal.user_id, principal.tenant_id, principal.subject_id) == (
        user["id"],
        TENANT,
        "cus_1",
    )
    with pytest.raises(Unauthorized) as late:
        service.TokenCache().principal(lambda: uow.real, token, now + HOUR)
    assert late.value.code == "token_expired"
    with pytest.raises(Unauthorized) as forged:
        cache.principal(lambda: uow.real, "not-a-token", now)
    assert forged.value.code == "invalid_token"


@pytest.mark.parametrize(
    ("tenant", "email", "password"),
    [
        ("campus", "student1@campus.test", "wrong"),
        ("campus", "nobody@campus.test", "correct horse"),
        ("elsewhere", "student1@campus.test", "correct horse"),
    ],
)
def test_a_bad_login_is_refused_the_same_way(
    uow: FakeUnitOfWork, tenant: str, email: str, password: str
) -> None:
    user = credentials.find_login(uow.real, tenant, email)
    assert not credentials.password_matches(
        None if user is None else user["password_hash"], password
    )
    assert credentials.refused().code == "bad_credentials"  # the one answer for all three


def test_issuing_a_token_sweeps_the_expired_ones(uow: FakeUnitOfWork) -> None:
    user = uow.users.with_email(TENANT, "student1@campus.test")
    assert user is not None
    now = uow.clock.now()
    old, _ = service.issue_token(uow.real, user["id"], now=now - 2 * HOUR, ttl=HOUR)
    service.issue_token(uow.real, user["id"], now=now, ttl=HOUR)
    assert len(uow.store.tokens) == 1
    with pytest.raises(Unauthorized) as swept:
        service.TokenCache().principal(lambda: uow.real, old, now)
    assert swept.value.code == "invalid_token"

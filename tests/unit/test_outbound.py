"""Webhook destinations: every way of spelling a private address is refused (finding 1)."""

from __future__ import annotations

import pytest

from tiffin.resilience.outbound import OutboundPolicy, UnsafeDestination, host_allowed


def resolver(answers: dict[str, list[str]]):  # type: ignore[no-untyped-def]
    def resolve(host: str, port: int) -> list[str]:
        return answers[host]

    return resolve


PUBLIC = OutboundPolicy(resolver=resolver({"hooks.example.com": ["93.184.216.34"]}))


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8199/internal/admin?delete=all",
        "http://localhost/",  # resolved by the fake as below
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]:22/",
        "http://2130706433/",  # 127.0.0.1 as one integer
        "http://0x7f.1/",  # hex, short form
        "http://0177.0.0.1/",  # octal
        "http://127.1/",
        "http://10.0.0.1/",
        "http://192.168.1.1/",
        "http://172.16.0.1/",
        "http://0.0.0.0/",
        "http://[::]/",
        "http://224.0.0.1/",  # multicast
        "http://240.0.0.1/",  # reserved
        "http://[fe80::1]/",  # IPv6 link-local
        "http://[fc00::1]/",  # IPv6 unique local (private)
        "http://[ff02::1]/",  # IPv6 multicast
        "http://[::ffff:127.0.0.1]/",  # IPv4-mapped IPv6
        "http://[::ffff:7f00:1]/",
        "http://[2002:7f00:1::]/",  # 6to4 wrapping 127.0.0.1
        "http://100.64.0.1/",  # shared address space: not public
    ],
)
def test_private_loopback_and_reserved_addresses_are_refused(url: str) -> None:
    policy = OutboundPolicy(resolver=resolver({"localhost": ["127.0.0.1", "::1"]}))
    with pytest.raises(UnsafeDestination) as refused:
        policy.check(url)
    assert refused.value.code == "unsafe_destination" and refused.value.status == 422


def test_a_name_is_refused_when_any_of_its_addresses_is_private() -> None:
    policy = OutboundPolicy(resolver=resolver({"mixed.example": ["93.184.216.34", "10.1.2.3"]}))
    with pytest.raises(UnsafeDestination, match="private"):
        policy.check("https://mixed.example/hook")


@pytest.mark.parametrize(
    "url",
    [
        "ftp://hooks.example.com/",
        "file:///etc/passwd",
        "gopher://hooks.example.com/",
        "https://user:pass@hooks.example.com/",
        "https://user@hooks.example.com/",
        "http:///nohost",
        "http://hooks.example.com:99999/",
        "not a url",
    ],
)
def test_other_schemes_credentials_and_malformed_urls_are_refused(url: str) -> None:
    with pytest.raises(UnsafeDestination) as refused:
        PUBLIC.check(url)
    assert refused.value.code == "bad_address"


def test_a_name_that_does_not_resolve_is_refused() -> None:
    with pytest.raises(UnsafeDestination) as refused:
        OutboundPolicy().check("http://metadata.google.internal.invalid/computeMetadata/v1/")
    assert refused.value.code == "unresolvable_host"


def test_a_public_host_is_accepted_and_pinned_to_the_checked_address() -> None:
    found = PUBLIC.check("https://hooks.example.com/status")
    assert (found.host, found.address, found.port) == ("hooks.example.com", "93.184.216.34", 443)


def test_private_addresses_only_with_the_explicit_test_allowance() -> None:
    assert OutboundPolicy(allow_private=True).check("http://127.0.0.1:9/").address == "127.0.0.1"


def test_a_tenant_allow_list_limits_that_tenants_hosts_only() -> None:
    policy = OutboundPolicy(
        {"ten_a": [".example.com"]},
        resolver=resolver({"hooks.example.com": ["93.184.216.34"], "evil.test": ["1.1.1.1"]}),
    )
    assert policy.check("https://hooks.example.com/", tenant="ten_a").host == "hooks.example.com"
    with pytest.raises(UnsafeDestination, match="allow-list"):
        policy.check("https://evil.test/", tenant="ten_a")
    assert policy.check("https://evil.test/", tenant="ten_b").address == "1.1.1.1"


def test_host_allow_list_matching() -> None:
    assert host_allowed("a.example.com", [".example.com"])
    assert host_allowed("example.com", [".example.com"])
    assert not host_allowed("badexample.com", [".example.com"])
    assert not host_allowed("a.example.com", ["example.com"])

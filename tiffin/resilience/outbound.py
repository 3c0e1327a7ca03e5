"""Where tiffin may send an HTTP request on someone else's say-so (a webhook subscriber's URL).

A URL is refused unless it is http(s), carries no credentials, and its host resolves only to
public addresses: one loopback, private, link-local, multicast, reserved, unspecified or
otherwise non-global address among the answers is enough to refuse it, whatever spelling the
host used (``2130706433``, ``0x7f.1``, ``[::ffff:127.0.0.1]``). The check runs when the URL is
subscribed and again before every send; the send then connects to the address that was
checked, so a name that resolves differently the second time (DNS rebinding) gains nothing.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from urllib.parse import SplitResult, urlsplit

from tiffin.errors import Invalid

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str, int], list[str]]


class UnsafeDestination(Invalid):
    code = "unsafe_destination"


def resolve(host: str, port: int) -> list[str]:
    """Every address the system resolver gives for ``host`` (IPv4 and IPv6)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        raise UnsafeDestination(f"{host!r} does not resolve", code="unresolvable_host") from None
    return [str(info[4][0]) for info in infos]


def literal_address(host: str) -> IPAddress | None:
    """The address a host spells directly, in any form a resolver would accept (dotted,
    integer, hex, octal, short IPv4; IPv6 with or without brackets); ``None`` for a name."""
    bare = host.strip("[]")
    try:
        return ipaddress.ip_address(bare.split("%")[0])
    except ValueError:
        pass
    try:
        return ipaddress.IPv4Address(socket.inet_aton(bare))
    except (OSError, UnicodeError):
        return None


def refusal(address: IPAddress) -> str | None:
    """Why tiffin must not connect to ``address``, or ``None`` when it is a public one."""
    if isinstance(address, ipaddress.IPv6Address):
        embedded = address.ipv4_mapped or address.sixtofour
        if embedded is None and address.teredo is not None:
            embedded = address.teredo[1]
        if embedded is not None:
            return refusal(embedded)
    for reason in ("loopback", "private", "link_local", "multicast", "reserved", "unspecified"):
        if getattr(address, f"is_{reason}"):
            return reason.replace("_", "-")
    if not address.is_global:
        return "not public"
    return None


def host_allowed(host: str, allowed: Sequence[str]) -> bool:
    """True when ``host`` is one of ``allowed`` or under one written as ``.example.com``."""
    host = host.lower().rstrip(".")
    for entry in allowed:
        entry = entry.lower().rstrip(".")
        if host == entry.lstrip(".") or (entry.startswith(".") and host.endswith(entry)):
            return True
    return False


@dataclass(frozen=True)
class Destination:
    """A checked URL and the address to connect to (what was checked, not asked again)."""

    url: str
    host: str
    address: str
    port: int


@dataclass
class OutboundPolicy:
    """The rules for webhook URLs: per-tenant host allow-lists (a tenant without one may use
    any public host) and, for tests only, private addresses allowed."""

    allowed_hosts: Mapping[str, Sequence[str]] = field(default_factory=dict)
    allow_private: bool = False
    resolver: Resolver | None = None  # None: the system resolver (``resolve``)

    def check(self, url: str, *, tenant: str | None = None) -> Destination:
        """The destination ``url`` names, or ``UnsafeDestination`` saying why not."""
        parts = _split(url)
        host = parts.hostname or ""
        allowed = self.allowed_hosts.get(tenant or "")
        if allowed is not None and not host_allowed(host, allowed):
            raise UnsafeDestination(f"{host!r} is not on this tenant's webhook allow-list")
        port = parts.port or (443 if parts.scheme == "https" else 80)
        literal = literal_address(host)
        addresses = [str(literal)] if literal is not None else self._resolve(host, port)
        if not addresses:
            raise UnsafeDestination(f"{host!r} does not resolve", code="unresolvable_host")
        for text in addresses:
            reason = refusal(ipaddress.ip_address(text.split("%")[0]))
            if reason is not None and not self.allow_private:
                raise UnsafeDestination(
                    f"webhooks may not point at {reason} addresses ({host} is {text})"
                )
        return Destination(url=url, host=host, address=addresses[0], port=port)

    def _resolve(self, host: str, port: int) -> list[str]:
        return (self.resolver or resolve)(host, port)


def _split(url: str) -> SplitResult:
    try:
        parts = urlsplit(url.strip())
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError:
        raise UnsafeDestination("the webhook URL cannot be parsed", code="bad_address") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UnsafeDestination("a webhook needs an http(s) URL with a host", code="bad_address")
    if parts.username is not None or parts.password is not None or "@" in parts.netloc:
        raise UnsafeDestination("a webhook URL may not carry credentials", code="bad_address")
    return parts

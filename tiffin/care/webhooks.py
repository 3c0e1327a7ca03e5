"""Status-page webhooks: subscribers' own URLs, sent in a lane of their own.

A subscriber's URL is someone else's say-so, so each send checks it again
(``tiffin.resilience.outbound``) and connects to the very address it checked: the name is not
looked up a second time by the HTTP client, so DNS rebinding between check and connect gains
nothing. Redirects are never followed (a 3xx is a failed attempt), and the timeout is short.
The lane (``WEBHOOK_LANE``) has its own sender, so a subscriber whose endpoint never answers
costs that sender time, never a customer's message.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlsplit, urlunsplit

import httpx

from tiffin.care.channels import ChannelError
from tiffin.resilience.outbound import OutboundPolicy, UnsafeDestination

WEBHOOK_LANE = "webhook"
CUSTOMER_LANE = "customer"


@dataclass
class CheckedWebhookChannel:
    """POST to a subscriber's URL after checking it, connected to the checked address."""

    url: str
    policy: OutboundPolicy
    tenant: str | None = None
    timeout_seconds: float = 2.0
    client: httpx.Client = field(default_factory=lambda: httpx.Client(follow_redirects=False))
    name: str = "webhook"

    def send(self, to: str, title: str, body: str, key: str) -> int:
        try:
            target = self.policy.check(self.url, tenant=self.tenant)
        except UnsafeDestination as exc:
            raise ChannelError(f"refused: {exc.detail}") from None
        parts = urlsplit(self.url)
        address = f"[{target.address}]" if ":" in target.address else target.address
        pinned = urlunsplit(parts._replace(netloc=f"{address}:{target.port}"))
        host = target.host if parts.port is None else f"{target.host}:{parts.port}"
        try:
            response = self.client.post(
                pinned,
                json={"to": to, "title": title, "body": body},
                headers={"Idempotency-Key": key, "Host": host},
                timeout=self.timeout_seconds,
                extensions={"sni_hostname": target.host},
            )
        except httpx.HTTPError as exc:
            raise ChannelError(f"{type(exc).__name__}: {exc}") from None
        if response.status_code >= 300:
            raise ChannelError(f"subscriber answered {response.status_code}", response.status_code)
        return response.status_code

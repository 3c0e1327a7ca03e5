"""Domain events: past-tense facts an aggregate records when its state changes.

Every event names the order (or other aggregate), the tenant, who did it (``actor``), why
(``reason``) and when (``at``, from the injected clock). The store writes them to the outbox
in the same transaction as the state change.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import datetime
from typing import Any, ClassVar

from tiffin.domain.principals import SYSTEM as SYSTEM
from tiffin.domain.principals import Actor as Actor


@dataclass(frozen=True, kw_only=True)
class DomainEvent:
    """Base of every event; ``name`` is the stable topic used in the outbox."""

    name: ClassVar[str] = "event"
    aggregate_id: str
    tenant_id: str
    at: datetime
    actor: Actor = SYSTEM
    reason: str = ""
    data: dict[str, Any] = field(default_factory=dict)

    @property
    def topic(self) -> str:
        """The outbox topic consumers subscribe to."""
        return self.name

    def payload(self) -> dict[str, Any]:
        """JSON-ready body: times as ISO strings, the actor flattened. Built field by field:
        ``dataclasses.asdict`` deep-copies every value, and this runs for every event written."""
        body = {f.name: getattr(self, f.name) for f in fields(self)}
        body["data"] = dict(self.data)
        body["at"] = self.at.isoformat()
        body["actor"] = {"role": self.actor.role.value, "id": self.actor.id}
        return body


@dataclass(frozen=True, kw_only=True)
class OrderStatusChanged(DomainEvent):
    """An order moved from one status to another (or recorded a fact within one)."""

    name: ClassVar[str] = "order.status_changed"
    action: str
    from_status: str
    to_status: str

    @property
    def topic(self) -> str:
        return f"order.{self.action}"


@dataclass(frozen=True, kw_only=True)
class Happened(DomainEvent):
    """A fact about something that is not an order (a shift, an offer): ``topic`` names it."""

    what: str

    @property
    def topic(self) -> str:
        return self.what

"""Degraded modes, the pure rule: deferrable features switched off by an operator (for their
tenant, for a bounded time) or by the health watch (for everyone, while a signal is bad), and
back on by themselves.

The health watch switches features off after ``strikes`` bad looks in a row (one slow query
on a busy machine is not a slow database), and a feature it switched off comes back only after
its signal has stayed clear for ``calm_s`` (hysteresis: a database slow every other second
keeps the feature off). An operator's switch lasts ``for_s`` seconds at most, or until the
operator turns it back on.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

OPERATOR, HEALTH = "operator", "health"
EVERYONE = "*"  # the scope of the health watch's switches


@dataclass(frozen=True)
class Switch:
    """One feature switched off: for whom (a tenant, or everyone), by whom, why, until when."""

    feature: str
    scope: str
    source: str
    reason: str
    since: datetime
    until: datetime | None = None

    def as_dict(self) -> dict[str, str | None]:
        return {
            "feature": self.feature,
            "scope": "everyone" if self.scope == EVERYONE else "tenant",
            "source": self.source,
            "reason": self.reason,
            "since": self.since.isoformat(),
            "until": self.until.isoformat() if self.until else None,
        }


@dataclass
class Degraded:
    """The switched-off features this process knows of."""

    now: Callable[[], datetime]
    calm_s: float = 30.0
    strikes: int = 3
    _bad_in_a_row: int = 0
    _off: dict[tuple[str, str], Switch] = field(default_factory=dict)
    _clear_since: dict[str, datetime] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def switch_off(
        self,
        feature: str,
        tenant_id: str,
        *,
        reason: str,
        for_s: float,
        since: datetime | None = None,
    ) -> Switch:
        """An operator's switch for their tenant."""
        since = since or self.now()
        switch = Switch(
            feature, tenant_id, OPERATOR, reason, since, since + timedelta(seconds=for_s)
        )
        with self._lock:
            self._off[(tenant_id, feature)] = switch
        return switch

    def switch_on(self, feature: str, tenant_id: str) -> Switch | None:
        """An operator's feature back on now; the switch that was in force, if any."""
        with self._lock:
            return self._off.pop((tenant_id, feature), None)

    def load(self, switches: Iterable[Switch]) -> None:
        """Replace the operators' switches with those recorded (every process sees them)."""
        with self._lock:
            for key in [k for k, s in self._off.items() if s.source == OPERATOR]:
                del self._off[key]
            for s in switches:
                self._off[(s.scope, s.feature)] = s

    def is_off(self, feature: str, tenant_id: str | None = None) -> Switch | None:
        """The switch keeping ``feature`` off for this tenant (or for everyone), if any."""
        now = self.now()
        with self._lock:
            for scope in (EVERYONE, tenant_id or EVERYONE):
                switch = self._off.get((scope, feature))
                if switch is None:
                    continue
                if switch.until is not None and now >= switch.until:
                    del self._off[(scope, feature)]  # an operator's switch ran its time
                    continue
                return switch
        return None

    def any_off(self, feature: str) -> bool:
        """Whether some tenant (or everyone) has ``feature`` off: worth finding the caller's."""
        with self._lock:
            return any(f == feature for _, f in self._off)

    def signal(self, features: Iterable[str], *, bad: bool, reason: str) -> list[str]:
        """The health watch's verdict on its signal; the features whose state changed."""
        now, changed = self.now(), []
        with self._lock:
            self._bad_in_a_row = self._bad_in_a_row + 1 if bad else 0
            for feature in features:
                key = (EVERYONE, feature)
                if bad:
                    self._clear_since.pop(feature, None)  # any bad look restarts the calm
                    if key not in self._off and self._bad_in_a_row >= self.strikes:
                        self._off[key] = Switch(feature, EVERYONE, HEALTH, reason, now)
                        changed.append(feature)
                elif key in self._off:
                    since = self._clear_since.setdefault(feature, now)
                    if (now - since).total_seconds() >= self.calm_s:
                        del self._off[key]
                        del self._clear_since[feature]
                        changed.append(feature)
        return changed

    def snapshot(self, tenant_id: str | None = None) -> list[dict[str, str | None]]:
        """The features off now for everyone (and for ``tenant_id``), for /readyz and status."""
        with self._lock:
            keys = [k for k in self._off if k[0] in (EVERYONE, tenant_id)]
        found = [self.is_off(f, s if s != EVERYONE else None) for s, f in keys]
        return [s.as_dict() for s in found if s is not None]

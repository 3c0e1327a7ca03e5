"""Safety's pure vocabulary lives in the domain (the store maps it); re-exported here."""

from tiffin.domain.zones import RiskZone

__all__ = ["RiskZone"]

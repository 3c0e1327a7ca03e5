"""The facts detectors look at live in ``tiffin.domain.anomalies``."""

from tiffin.domain.anomalies import OrderFacts, RiderFacts

__all__ = ["OrderFacts", "RiderFacts"]

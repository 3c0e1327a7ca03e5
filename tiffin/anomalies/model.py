"""What an abnormal order is: the vocabulary lives in ``tiffin.domain.anomalies``."""

from tiffin.anomalies.thresholds import Thresholds
from tiffin.domain.anomalies import AnomalyType, Detection, Liability, Severity

__all__ = ["AnomalyType", "Detection", "Liability", "Severity", "Thresholds"]

"""Rider safety and public health: high-risk zones closed to riders (疫情热点 / 高风险区)."""

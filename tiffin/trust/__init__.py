"""Trust: transparency reports and trust scores (issue 17)."""

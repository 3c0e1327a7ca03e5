"""Staying up and coming back: backups (and, as they arrive, health, incidents, recovery)."""

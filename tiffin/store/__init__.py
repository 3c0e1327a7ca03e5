"""Persistence: tables, the unit of work, repositories, the outbox and migrations."""

"""Background work: consumers of the outbox, run in order and resumable after a crash."""

"""Incidents, the public status page, subscribers, and making good after an outage."""

"""Riders (骑手): shifts, location, and the offers they accept or reject."""

"""Placing orders and moving them through their life cycle, with object-level authorisation."""

"""Drills: tiffin run against itself on purpose (kill -9 under load, failover between servers).

An edge like the CLI: a drill starts real servers and drives them with real clients, so it may
import the platform and the seed; nothing below imports it.
"""

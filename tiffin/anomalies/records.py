"""Temporary alias of ``tiffin.anomalies.queries`` (the old name) for the modules other branches
rewrite (anomalies/engine.py, dispatch/live.py, incidents/service.py); delete at merge."""

from tiffin.anomalies.queries import *  # noqa: F403

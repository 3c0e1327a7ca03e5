"""Temporary alias of ``tiffin.anomalies.fact_queries`` (the old name) for anomalies/engine.py,
which another branch rewrites; delete at merge."""

from tiffin.anomalies.fact_queries import facts_for as facts_for

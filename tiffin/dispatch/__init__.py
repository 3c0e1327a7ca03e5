"""The live dispatcher: reads the database, asks ``tiffin.optimiser`` who carries what, and turns
its decisions into offers; plus the operators' dispatch API (forecast, suggestions, workload caps).
"""

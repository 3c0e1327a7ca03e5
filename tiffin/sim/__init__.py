"""Simulation: the real dispatch engine on a virtual clock, fed by MDRP days or campus scenarios."""
